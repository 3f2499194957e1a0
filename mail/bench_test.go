package mail_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/mail"
	"agentbook/store"

	"github.com/emersion/go-smtp"
)

// benchClients is how many SMTP clients send at once, each on its own connection.
const benchClients = 8

// benchMessage is a typical agentbook email: text and HTML alternatives, about 2 KB.
func benchMessage(client, i int) string {
	para := strings.Repeat("The open house at 12 Elm Street starts at ten; bring your questions. ", 8)
	return crlf(fmt.Sprintf(`From: Office <office@agents.test>
To: Client %d <client%d@example.test>
Subject: Listing update %d-%d
Message-ID: <bench-%d-%d@agents.test>
X-Agentbook-Agent: 01HAGENT00000000000000000%d
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

%s
--alt
Content-Type: text/html; charset=utf-8

<p>%s</p>
--alt--
`, client, i, client, i, client, i, client, para, para))
}

// BenchmarkSink measures captured messages per second through the whole path: SMTP over
// loopback, parsing, and a durable save (an on-disk store with SyncWrites, as in production)
// from 8 concurrent clients, each reusing one connection with RSET between messages. It then
// checks that every message sent was stored.
func BenchmarkSink(b *testing.B) {
	st, err := store.Open(store.Options{Dir: b.TempDir(), Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	mb := st.Mailbox(b.N + 1) // no message may be dropped by the cap
	b.Cleanup(mb.Close)
	s := startSink(b, mb, mail.SinkOptions{}) // closed first: cleanups run last-in first-out

	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, benchClients)
	b.ResetTimer()
	start := time.Now()
	for client := range benchClients {
		wg.Go(func() {
			c, err := smtp.Dial(s.Addr())
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			for {
				i := int(next.Add(1))
				if i > b.N {
					break
				}
				if err := deliver(c, "office@agents.test", []string{fmt.Sprintf("client%d@example.test", i)}, benchMessage(client, i)); err != nil {
					errs <- fmt.Errorf("message %d: %w", i, err)
					return
				}
				if err := c.Reset(); err != nil {
					errs <- err
					return
				}
			}
			_ = c.Quit()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")

	_, total, _, err := mb.Messages(context.Background(), app.MailboxQuery{Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	if total != b.N {
		b.Fatalf("stored %d messages of %d sent", total, b.N)
	}
}
