package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"time"

	"agentbook/app"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SenderOptions configures the SMTP client the outbox delivers through.
type SenderOptions struct {
	Addr      string // relay host:port
	Username  string // AUTH PLAIN when set
	Password  string
	StartTLS  bool          // upgrade the connection with STARTTLS before AUTH and MAIL
	TLSConfig *tls.Config   // nil: verify the relay's certificate against its host name
	HelloName string        // EHLO name; default "localhost"
	Timeout   time.Duration // for the whole exchange; default 30 s
	Now       func() time.Time
}

// Sender delivers outbox messages to an SMTP relay, one connection per message.
type Sender struct {
	o SenderOptions
}

var _ app.Mailer = (*Sender)(nil)

// NewSender returns a Sender for the relay.
func NewSender(o SenderOptions) *Sender {
	if o.HelloName == "" {
		o.HelloName = "localhost"
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.StartTLS && o.TLSConfig == nil {
		host, _, _ := net.SplitHostPort(o.Addr)
		o.TLSConfig = &tls.Config{ServerName: host}
	}
	return &Sender{o: o}
}

// Send implements app.Mailer. Every failure is an *app.DeliveryError that says whether it is
// temporary and at which stage (connect, mail, rcpt, data) the relay refused.
func (s *Sender) Send(ctx context.Context, m *app.OutMessage) error {
	msg, err := Format(m, s.o.Now())
	if err != nil {
		return &app.DeliveryError{Stage: "data", Message: err.Error()}
	}
	deadline := time.Now().Add(s.o.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	d := net.Dialer{Deadline: deadline}
	conn, err := d.DialContext(ctx, "tcp", s.o.Addr)
	if err != nil {
		return &app.DeliveryError{Temporary: true, Stage: "connect", Message: fmt.Sprintf("cannot reach the mail relay %s: %v", s.o.Addr, err)}
	}
	// go-smtp sets its own deadline before each command, so the whole exchange is bounded by
	// closing the connection when the time is up or the caller gives up.
	timer := time.AfterFunc(time.Until(deadline), func() { conn.Close() })
	defer timer.Stop()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	var c *smtp.Client
	if s.o.StartTLS {
		c, err = smtp.NewClientStartTLS(conn, s.o.TLSConfig)
		if err != nil {
			conn.Close()
			return classify("connect", err)
		}
	} else {
		c = smtp.NewClient(conn)
	}
	c.CommandTimeout, c.SubmissionTimeout = s.o.Timeout, s.o.Timeout
	defer c.Close()
	if err := c.Hello(s.o.HelloName); err != nil {
		return classify("connect", err)
	}
	if s.o.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.o.Username, s.o.Password)); err != nil {
			return classify("connect", err)
		}
	}
	if err := c.Mail(m.From, nil); err != nil {
		return classify("mail", err)
	}
	if err := c.Rcpt(m.To, nil); err != nil {
		return classify("rcpt", err)
	}
	w, err := c.Data()
	if err != nil {
		return classify("data", err)
	}
	if _, err := w.Write(msg); err != nil {
		w.Close()
		return classify("data", err)
	}
	if err := w.Close(); err != nil {
		return classify("data", err)
	}
	_ = c.Quit() // the message is accepted; a failed QUIT changes nothing
	return nil
}

// classify turns a client error into an *app.DeliveryError: SMTP replies keep their codes, and
// anything else (a dropped connection, a timeout) is temporary.
func classify(stage string, err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		de := &app.DeliveryError{Temporary: se.Code >= 400 && se.Code < 500, Code: se.Code, Stage: stage, Message: se.Message}
		if ec := se.EnhancedCode; ec[0] > 0 {
			de.Enhanced = fmt.Sprintf("%d.%d.%d", ec[0], ec[1], ec[2])
		}
		return de
	}
	return &app.DeliveryError{Temporary: true, Stage: stage, Message: err.Error()}
}

// Format renders an outbox message as an RFC 5322 message: UTF-8 text (and HTML when present) in
// quoted-printable, encoded headers, and the stable Message-ID and agent header.
func Format(m *app.OutMessage, now time.Time) ([]byte, error) {
	for _, v := range []string{m.From, m.To, m.FromName, m.Subject, m.MessageID} {
		if strings.ContainsAny(v, "\r\n") {
			return nil, errors.New("a header value contains a line break")
		}
	}
	var b bytes.Buffer
	h := func(name, value string) { fmt.Fprintf(&b, "%s: %s\r\n", name, value) }
	h("From", (&mail.Address{Name: m.FromName, Address: m.From}).String())
	h("To", (&mail.Address{Address: m.To}).String())
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", "<"+m.MessageID+">")
	h(app.AgentHeader, m.OwnerID)
	h("MIME-Version", "1.0")
	part := func(contentType, body string) error {
		h("Content-Type", contentType+"; charset=utf-8")
		h("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		qp := quotedprintable.NewWriter(&b)
		if _, err := qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n"))); err != nil {
			return err
		}
		if err := qp.Close(); err != nil {
			return err
		}
		b.WriteString("\r\n")
		return nil
	}
	if m.HTML == "" {
		if err := part("text/plain", m.Text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	boundary := "=_ab_" + m.ID
	h("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")
	for _, p := range []struct{ ct, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		b.WriteString("--" + boundary + "\r\n")
		if err := part(p.ct, p.body); err != nil {
			return nil, err
		}
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes(), nil
}
