package mail_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	netsmtp "net/smtp"
	"slices"
	"strings"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/mail"
	"agentbook/store"
	"agentbook/store/storetest"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

var quiet = slog.New(slog.DiscardHandler)

// startSink starts a sink on a free port in front of mb; both are closed when the test ends.
func startSink(t testing.TB, mb app.Mailbox, o mail.SinkOptions) *mail.Sink {
	t.Helper()
	o.Addr, o.Mailbox = "127.0.0.1:0", mb
	if o.Logger == nil {
		o.Logger = quiet
	}
	s, err := mail.NewSink(o)
	if err != nil {
		t.Fatalf("NewSink: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close sink: %v", err)
		}
	})
	return s
}

// newSink starts a sink on an in-memory mailbox holding at most max messages.
func newSink(t *testing.T, max int, o mail.SinkOptions) (*mail.Sink, *store.Mailbox) {
	t.Helper()
	mb := storetest.Open(t).Mailbox(max)
	t.Cleanup(mb.Close) // after the sink closes: cleanups run last-in first-out
	return startSink(t, mb, o), mb
}

// dial opens a go-smtp client session to the sink.
func dial(t *testing.T, s *mail.Sink) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatalf("dial sink: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("client.test"); err != nil {
		t.Fatalf("EHLO: %v", err)
	}
	return c
}

// deliver sends one message over an open client session and returns the DATA error.
func deliver(c *smtp.Client, from string, to []string, msg string) error {
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, msg); err != nil {
		return err
	}
	return w.Close()
}

// only returns the one message in mb, whole.
func only(t *testing.T, mb app.Mailbox) *app.CapturedMessage {
	t.Helper()
	ctx := context.Background()
	items, total, _, err := mb.Messages(ctx, app.MailboxQuery{})
	if err != nil || total != 1 {
		t.Fatalf("Messages: total %d, %v; want 1", total, err)
	}
	m, err := mb.Message(ctx, items[0].ID)
	if err != nil {
		t.Fatalf("Message: %v", err)
	}
	return m
}

func count(t *testing.T, mb app.Mailbox) int {
	t.Helper()
	_, total, _, err := mb.Messages(context.Background(), app.MailboxQuery{})
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	return total
}

// crlf turns a message written with "\n" into wire form.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func wantSMTPError(t *testing.T, err error, code int, enhanced smtp.EnhancedCode, text string) {
	t.Helper()
	var se *smtp.SMTPError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v, want SMTP %d", err, code)
	}
	if se.Code != code || se.EnhancedCode != enhanced || !strings.Contains(se.Message, text) {
		t.Fatalf("reply = %d %v %q; want %d %v containing %q", se.Code, se.EnhancedCode, se.Message, code, enhanced, text)
	}
}

func TestSinkCapturesPlainText(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	s, mb := newSink(t, 0, mail.SinkOptions{Now: func() time.Time { return now }})
	msg := crlf(`From: Office <office@agents.test>
To: Client <client@example.test>
Subject: Your showing on Saturday
Message-ID: <abc.123@agents.test>
X-Agentbook-Agent: 01HAGENT0000000000000000AA
Date: Sun, 1 Jun 2025 12:00:00 +0000

Hello,
see you at 10.
.leading dot
`)
	// net/smtp with AUTH PLAIN: a sender configured for a real relay works against the sink
	auth := netsmtp.PlainAuth("", "anyone", "any password", "127.0.0.1")
	if err := netsmtp.SendMail(s.Addr(), auth, "office@agents.test", []string{"client@example.test", "cc@example.test"}, []byte(msg)); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	m := only(t, mb)
	if m.From != "office@agents.test" || !slices.Equal(m.To, []string{"client@example.test", "cc@example.test"}) {
		t.Errorf("envelope = %q → %v", m.From, m.To)
	}
	if m.Subject != "Your showing on Saturday" || m.MessageID != "abc.123@agents.test" || m.AgentID != "01HAGENT0000000000000000AA" {
		t.Errorf("subject %q, message ID %q, agent %q", m.Subject, m.MessageID, m.AgentID)
	}
	if m.Text != "Hello,\nsee you at 10.\n.leading dot\n" || m.HTML != "" || len(m.Attachments) != 0 {
		t.Errorf("text %q, html %q, attachments %v", m.Text, m.HTML, m.Attachments)
	}
	var names []string
	for _, h := range m.Headers {
		names = append(names, h.Name)
	}
	if !slices.Equal(names, []string{"From", "To", "Subject", "Message-ID", "X-Agentbook-Agent", "Date"}) {
		t.Errorf("headers in order = %v", names)
	}
	if m.Size != len(msg) || !m.ReceivedAt.Equal(now) {
		t.Errorf("size %d (want %d), received %v", m.Size, len(msg), m.ReceivedAt)
	}
}

func TestSinkParsesMIME(t *testing.T) {
	tests := []struct {
		name  string
		msg   string
		check func(t *testing.T, m *app.CapturedMessage)
	}{
		{"multipart/alternative gives the text and the HTML, decoded", `From: a@x.test
Subject: Alternative
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Caf=C3=A9 open house, a long line that is soft=
 wrapped.
--b1
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64

PHA+Q2Fmw6kgPGI+b3BlbjwvYj4gaG91c2U8L3A+
--b1--
`, func(t *testing.T, m *app.CapturedMessage) {
			if m.Text != "Café open house, a long line that is soft wrapped." {
				t.Errorf("text = %q", m.Text)
			}
			if m.HTML != "<p>Café <b>open</b> house</p>" {
				t.Errorf("html = %q", m.HTML)
			}
			if len(m.Attachments) != 0 {
				t.Errorf("attachments = %v", m.Attachments)
			}
		}},
		{"an attachment is listed with its name and decoded size, nested parts are walked", `From: a@x.test
Subject: Documents
Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: multipart/alternative; boundary=inner

--inner
Content-Type: text/plain

The contract is attached.
--inner
Content-Type: multipart/related; boundary=rel

--rel
Content-Type: text/html

<p>The contract is attached. <img src="cid:logo"></p>
--rel
Content-Type: image/png
Content-ID: <logo>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--rel--
--inner--
--outer
Content-Type: application/pdf; name="contract.pdf"
Content-Disposition: attachment; filename="contract.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSL0ZpbHRlci9GbGF0ZURl
Y29kZT4+CnN0cmVhbQp4nA==
--outer
Content-Type: text/plain; charset=iso-8859-1
Content-Disposition: attachment; filename*=iso-8859-1''r%E9sum%E9.txt

second text part
--outer--
`, func(t *testing.T, m *app.CapturedMessage) {
			if m.Text != "The contract is attached." || !strings.Contains(m.HTML, `<img src="cid:logo">`) {
				t.Errorf("text %q, html %q", m.Text, m.HTML)
			}
			want := []app.Attachment{
				{Filename: "", ContentType: "image/png", Size: 8},
				{Filename: "contract.pdf", ContentType: "application/pdf", Size: 73},
				{Filename: "résumé.txt", ContentType: "text/plain", Size: 16},
			}
			if !slices.Equal(m.Attachments, want) {
				t.Errorf("attachments = %+v\nwant %+v", m.Attachments, want)
			}
		}},
		{"RFC 2047 subjects and 8-bit bodies in ISO-8859-1 and Windows-1252 are decoded", "From: a@x.test\n" +
			"Subject: =?ISO-8859-1?Q?Caf=E9_cr=E8me?= =?windows-1252?Q?_=80_100?=\n" +
			"X-Note: =?utf-8?B?w6nDqA==?=\n" +
			"Content-Type: text/plain; charset=ISO-8859-1\n" +
			"Content-Transfer-Encoding: 8bit\n\n" +
			"Prix : 100 \xe9cus\n", func(t *testing.T, m *app.CapturedMessage) {
			if m.Subject != "Café crème € 100" {
				t.Errorf("subject = %q", m.Subject)
			}
			if m.Text != "Prix : 100 écus\n" {
				t.Errorf("text = %q", m.Text)
			}
			if i := slices.IndexFunc(m.Headers, func(h app.Header) bool { return h.Name == "X-Note" }); i < 0 || m.Headers[i].Value != "éè" {
				t.Errorf("headers = %v", m.Headers)
			}
		}},
		{"an encoded attachment name is decoded", `From: a@x.test
Content-Type: multipart/mixed; boundary=x

--x
Content-Type: text/plain

hi
--x
Content-Type: application/octet-stream; name="=?UTF-8?B?w6l0YXQucGRm?="

abc
--x--
`, func(t *testing.T, m *app.CapturedMessage) {
			if len(m.Attachments) != 1 || m.Attachments[0].Filename != "état.pdf" || m.Attachments[0].Size != 3 {
				t.Errorf("attachments = %+v", m.Attachments)
			}
		}},
		{"a multipart without its boundary is kept whole as text", `From: a@x.test
Subject: Broken
Content-Type: multipart/mixed; boundary=nowhere

this body never uses its boundary
`, func(t *testing.T, m *app.CapturedMessage) {
			if m.Subject != "Broken" || m.Text != "this body never uses its boundary\n" {
				t.Errorf("subject %q, text %q", m.Subject, m.Text)
			}
		}},
		{"a message that is not MIME at all is kept whole", "no header here\njust words\n", func(t *testing.T, m *app.CapturedMessage) {
			if m.Text != "no header here\njust words\n" || len(m.Headers) != 0 {
				t.Errorf("text %q, headers %v", m.Text, m.Headers)
			}
		}},
		{"a message without a Message-ID gets one", "Subject: none\n\nbody\n", func(t *testing.T, m *app.CapturedMessage) {
			if !strings.HasSuffix(m.MessageID, "@sink.agentbook") {
				t.Errorf("message ID = %q", m.MessageID)
			}
		}},
		{"an agent header that cannot be an ID is ignored", "X-Agentbook-Agent: ../../etc/passwd\n\nbody\n", func(t *testing.T, m *app.CapturedMessage) {
			if m.AgentID != "" {
				t.Errorf("agent = %q", m.AgentID)
			}
		}},
		{"a line far longer than RFC 5322 allows is kept", "Subject: long\n\n" + strings.Repeat("x", 50000) + "\n", func(t *testing.T, m *app.CapturedMessage) {
			if len(m.Text) != 50001 {
				t.Errorf("text is %d bytes, want 50001", len(m.Text))
			}
		}},
	}
	s, mb := newSink(t, 0, mail.SinkOptions{})
	c := dial(t, s)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := mb.ClearMessages(context.Background(), ""); err != nil {
				t.Fatal(err)
			}
			if err := deliver(c, "a@x.test", []string{"b@y.test"}, crlf(tt.msg)); err != nil {
				t.Fatalf("deliver: %v", err)
			}
			tt.check(t, only(t, mb))
		})
	}
}

func TestSinkRejectsRecipientsMatchingGlobs(t *testing.T) {
	s, mb := newSink(t, 0, mail.SinkOptions{Reject: []string{"*@Bounce.test", "nobody@*"}})
	c := dial(t, s)
	if err := c.Mail("office@agents.test", nil); err != nil {
		t.Fatal(err)
	}
	wantSMTPError(t, c.Rcpt("Gone@bounce.TEST", nil), 550, smtp.EnhancedCode{5, 1, 1},
		"<Gone@bounce.TEST>: recipient rejected by --sink-reject")
	wantSMTPError(t, c.Rcpt("nobody@example.test", nil), 550, smtp.EnhancedCode{5, 1, 1}, "recipient rejected")
	if err := c.Rcpt("client@example.test", nil); err != nil {
		t.Fatalf("Rcpt of an accepted address: %v", err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "Subject: hi\r\n\r\nbody\r\n")
	if err := w.Close(); err != nil {
		t.Fatalf("DATA: %v", err)
	}
	if m := only(t, mb); !slices.Equal(m.To, []string{"client@example.test"}) {
		t.Fatalf("to = %v, want only the accepted recipient", m.To)
	}
}

func TestSinkOptions(t *testing.T) {
	t.Run("a malformed reject glob is refused by name", func(t *testing.T) {
		_, err := mail.NewSink(mail.SinkOptions{Mailbox: storetest.Open(t).Mailbox(0), Reject: []string{"ok@*", "[bad"}})
		if err == nil || !strings.Contains(err.Error(), `"[bad"`) {
			t.Fatalf("NewSink = %v, want an error naming [bad", err)
		}
	})
	t.Run("a busy address is reported by Start", func(t *testing.T) {
		s, _ := newSink(t, 0, mail.SinkOptions{})
		other, err := mail.NewSink(mail.SinkOptions{Addr: s.Addr(), Mailbox: storetest.Open(t).Mailbox(0), Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		if err := other.Start(); err == nil {
			other.Close()
			t.Fatal("Start on a busy address succeeded")
		}
	})
}

func TestSinkSizeLimit(t *testing.T) {
	s, mb := newSink(t, 0, mail.SinkOptions{MaxSize: 1024})
	c := dial(t, s)
	big := "Subject: big\r\n\r\n" + strings.Repeat("0123456789abcdef\r\n", 100)
	wantSMTPError(t, deliver(c, "a@x.test", []string{"b@y.test"}, big), 552, smtp.EnhancedCode{5, 3, 4},
		"Message too big: the sink accepts at most 1 KiB")
	if n := count(t, mb); n != 0 {
		t.Fatalf("%d messages stored after a refused one", n)
	}
	exact := "Subject: exact\r\n\r\n" + strings.Repeat("x", 1024-len("Subject: exact\r\n\r\n")-2) + "\r\n"
	if err := deliver(c, "a@x.test", []string{"b@y.test"}, exact); err != nil {
		t.Fatalf("a message of exactly MaxSize on the same connection: %v", err)
	}
	if m := only(t, mb); m.Size != 1024 {
		t.Fatalf("size = %d", m.Size)
	}
}

func TestSinkSessions(t *testing.T) {
	t.Run("the null reverse path and AUTH LOGIN are accepted", func(t *testing.T) {
		s, mb := newSink(t, 0, mail.SinkOptions{})
		c := dial(t, s)
		if err := c.Auth(sasl.NewLoginClient("user", "secret")); err != nil {
			t.Fatalf("AUTH LOGIN: %v", err)
		}
		if err := deliver(c, "", []string{"b@y.test"}, "Subject: bounce\r\n\r\nreport\r\n"); err != nil {
			t.Fatalf("deliver with MAIL FROM:<>: %v", err)
		}
		if m := only(t, mb); m.From != "" || m.Subject != "bounce" {
			t.Fatalf("from %q, subject %q", m.From, m.Subject)
		}
	})

	t.Run("many messages on one connection with RSET between them", func(t *testing.T) {
		s, mb := newSink(t, 0, mail.SinkOptions{})
		c := dial(t, s)
		for i := range 5 {
			if err := deliver(c, "a@x.test", []string{fmt.Sprint("r", i, "@y.test")}, "Subject: n\r\n\r\nx\r\n"); err != nil {
				t.Fatal(err)
			}
			if err := c.Reset(); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, mb); n != 5 {
			t.Fatalf("stored %d, want 5", n)
		}
	})

	t.Run("the same Message-ID sent twice is stored once", func(t *testing.T) {
		s, mb := newSink(t, 0, mail.SinkOptions{})
		msg := "Message-ID: <once@agents.test>\r\nSubject: once\r\n\r\nbody\r\n"
		for range 2 {
			if err := netsmtp.SendMail(s.Addr(), nil, "a@x.test", []string{"b@y.test"}, []byte(msg)); err != nil {
				t.Fatalf("SendMail: %v", err)
			}
		}
		if m := only(t, mb); m.MessageID != "once@agents.test" {
			t.Fatalf("message ID = %q", m.MessageID)
		}
	})

	t.Run("messages without a Message-ID are all kept", func(t *testing.T) {
		s, mb := newSink(t, 0, mail.SinkOptions{})
		for range 3 {
			if err := netsmtp.SendMail(s.Addr(), nil, "a@x.test", []string{"b@y.test"}, []byte("Subject: same\r\n\r\nbody\r\n")); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, mb); n != 3 {
			t.Fatalf("stored %d, want 3", n)
		}
	})

	t.Run("beyond the cap the oldest message is dropped", func(t *testing.T) {
		s, mb := newSink(t, 2, mail.SinkOptions{})
		c := dial(t, s)
		for i := range 3 {
			if err := deliver(c, "a@x.test", []string{"b@y.test"}, fmt.Sprintf("Subject: m%d\r\n\r\nx\r\n", i)); err != nil {
				t.Fatal(err)
			}
		}
		items, total, _, err := mb.Messages(context.Background(), app.MailboxQuery{})
		if err != nil || total != 2 || items[0].Subject != "m2" || items[1].Subject != "m1" {
			t.Fatalf("Messages = %v, total %d, %v", items, total, err)
		}
	})

	t.Run("a storage failure is a temporary 451", func(t *testing.T) {
		s := startSink(t, failingMailbox{}, mail.SinkOptions{})
		c := dial(t, s)
		wantSMTPError(t, deliver(c, "a@x.test", []string{"b@y.test"}, "Subject: x\r\n\r\nx\r\n"), 451,
			smtp.EnhancedCode{4, 3, 0}, "try again later")
	})
}

func TestSinkMessagesSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(store.Options{Dir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	mb := st.Mailbox(0)
	s, err := mail.NewSink(mail.SinkOptions{Addr: "127.0.0.1:0", Mailbox: mb, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	msg := "Message-ID: <kept@agents.test>\r\nSubject: kept\r\n\r\nstill here\r\n"
	if err := netsmtp.SendMail(s.Addr(), nil, "a@x.test", []string{"b@y.test"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	mb.Close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st, err = store.Open(store.Options{Dir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mb = st.Mailbox(0)
	defer mb.Close()
	if m := only(t, mb); m.Subject != "kept" || m.Text != "still here\n" || m.MessageID != "kept@agents.test" {
		t.Fatalf("after reopen: %+v", m)
	}
	// the dedupe key survived too
	if dup, err := mb.SaveMessage(context.Background(), &app.CapturedMessage{MessageID: "kept@agents.test"}); err != nil || !dup {
		t.Fatalf("resend after reopen = %v, %v; want duplicate", dup, err)
	}
}

// failingMailbox refuses every save.
type failingMailbox struct{ app.Mailbox }

func (failingMailbox) SaveMessage(context.Context, *app.CapturedMessage) (bool, error) {
	return false, errors.New("disk full")
}
