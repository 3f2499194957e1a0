// Package mail holds agentbook's SMTP parts: the embedded sink that captures every message it
// is sent (an emersion/go-smtp server) and the sender the outbox delivers through.
package mail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path"
	"strings"
	"sync"
	"time"

	"agentbook/app"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// DefaultMaxSize is the largest message the sink accepts unless SinkOptions.MaxSize says otherwise.
const DefaultMaxSize = 10 << 20

const (
	// saveTimeout bounds how long one message may wait for the mailbox.
	saveTimeout = time.Minute
	// closeTimeout bounds how long Close waits for messages being saved.
	closeTimeout = 10 * time.Second
)

// SinkOptions configures the SMTP sink.
type SinkOptions struct {
	Addr    string      // listen address, e.g. 127.0.0.1:2525 (":0" picks a free port)
	Mailbox app.Mailbox // where captured messages go
	// MaxSize is the largest message accepted, in bytes; ≤0 means DefaultMaxSize (10 MiB).
	MaxSize int64
	// Reject lists globs (path.Match syntax, case-insensitive) of recipients the sink refuses
	// with 550 5.1.1, so that bounce handling can be tried locally (e.g. "*@bounce.test").
	Reject []string
	Logger *slog.Logger
	Now    func() time.Time
}

// Sink is the embedded SMTP server that keeps every message it receives in a Mailbox. It takes
// any client: no TLS, no authentication required (AUTH PLAIN and LOGIN succeed with any
// credentials so that a sender configured for a real relay works against it), any sender
// including the null reverse path, and any recipient not matched by a reject glob.
type Sink struct {
	o      SinkOptions
	reject []string // lower-cased globs
	logger *slog.Logger
	srv    *smtp.Server
	ln     net.Listener
	served chan struct{} // closed when Serve returns

	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup // Data calls between reading the message and answering
}

// NewSink checks o and returns a sink that is not yet listening.
func NewSink(o SinkOptions) (*Sink, error) {
	if o.Mailbox == nil {
		return nil, errors.New("sink: no mailbox")
	}
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Sink{o: o, logger: o.Logger.With("component", "sink")}
	for _, g := range o.Reject {
		g = strings.ToLower(strings.TrimSpace(g))
		if g == "" {
			continue
		}
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("sink: reject glob %q: %w", g, err)
		}
		s.reject = append(s.reject, g)
	}

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "agentbook"
	// go-smtp refuses a message once more than MaxMessageBytes-1 bytes have come, so one more
	// than MaxSize lets a message of exactly MaxSize bytes through.
	srv.MaxMessageBytes = o.MaxSize + 1
	// Lines may be as long as the message: the sink keeps whatever it is sent (RFC 5322's 998
	// characters are often ignored by HTML mail) and the size limit applies first.
	srv.MaxLineLength = int(o.MaxSize) + 64<<10
	srv.AllowInsecureAuth = true
	srv.EnableSMTPUTF8 = true
	srv.ReadTimeout = 5 * time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = errorLog{s.logger}
	s.srv = srv
	return s, nil
}

// Start listens on the configured address and serves in the background.
func (s *Sink) Start() error {
	ln, err := net.Listen("tcp", s.o.Addr)
	if err != nil {
		return fmt.Errorf("sink: listen on %s: %w", s.o.Addr, err)
	}
	s.ln = ln
	s.served = make(chan struct{})
	go func() {
		defer close(s.served)
		if err := s.srv.Serve(ln); err != nil {
			s.logger.Error("smtp server stopped", "err", err)
		}
	}()
	s.logger.Info("smtp sink listening", "addr", ln.Addr().String(), "max_size", s.o.MaxSize, "reject", s.reject)
	return nil
}

// Addr returns the address the sink listens on (the chosen port when Addr was ":0"), or the
// configured address before Start.
func (s *Sink) Addr() string {
	if s.ln == nil {
		return s.o.Addr
	}
	return s.ln.Addr().String()
}

// Close stops listening, drops open connections, and waits (up to 10 s) for the messages
// already received to be saved, so that the mailbox can be closed after it.
func (s *Sink) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()

	err := s.srv.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	if s.served != nil {
		<-s.served
	}
	done := make(chan struct{})
	go func() {
		s.inflight.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeTimeout):
		s.logger.Warn("closing while messages are still being saved")
	}
	if err != nil {
		return fmt.Errorf("sink: close: %w", err)
	}
	return nil
}

// begin registers a Data call; it reports false once the sink is closing.
func (s *Sink) begin() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.inflight.Add(1)
	return true
}

// rejected reports whether a recipient matches a reject glob.
func (s *Sink) rejected(rcpt string) bool {
	addr := strings.ToLower(rcpt)
	for _, g := range s.reject {
		if ok, _ := path.Match(g, addr); ok {
			return true
		}
	}
	return false
}

func (s *Sink) newSession(c *smtp.Conn) (smtp.Session, error) {
	remote := ""
	if nc := c.Conn(); nc != nil {
		remote = nc.RemoteAddr().String()
	}
	return &session{sink: s, remote: remote}, nil
}

// session is one SMTP connection's state: the envelope of the message being received.
type session struct {
	sink   *Sink
	remote string
	from   string
	to     []string
}

var _ smtp.AuthSession = (*session)(nil)

// AuthMechanisms offers PLAIN and LOGIN; both accept any credentials.
func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain, sasl.Login} }

// Auth accepts any credentials.
func (ss *session) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, _, _ string) error { return nil }), nil
	case sasl.Login:
		return &loginServer{}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

// Mail starts a message; any reverse path is accepted, the null one ("<>") included.
func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from, ss.to = from, nil
	return nil
}

// Rcpt accepts any recipient but those matching a reject glob.
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.sink.rejected(to) {
		ss.sink.logger.Info("recipient rejected", "rcpt", to, "remote", ss.remote)
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: fmt.Sprintf("<%s>: recipient rejected by --sink-reject", to)}
	}
	ss.to = append(ss.to, to)
	return nil
}

// Data reads, parses and saves the message, and answers 250 only once it is stored.
func (ss *session) Data(r io.Reader) error {
	s := ss.sink
	raw, err := io.ReadAll(r)
	if errors.Is(err, smtp.ErrDataTooLarge) {
		s.logger.Info("message too big", "from", ss.from, "to", ss.to, "max_size", s.o.MaxSize, "remote", ss.remote)
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
			Message: "Message too big: the sink accepts at most " + formatSize(s.o.MaxSize)}
	}
	if err != nil {
		return fmt.Errorf("read message: %w", err)
	}
	if !s.begin() {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "The sink is shutting down; try again later"}
	}
	defer s.inflight.Done()

	m := parse(raw)
	m.From = ss.from
	m.To = append([]string(nil), ss.to...)
	m.ReceivedAt = s.o.Now().UTC()
	if m.MessageID == "" {
		m.MessageID = app.NewID() + "@sink.agentbook" // so that dedupe never matches two such messages
	}
	ctx, cancel := context.WithTimeout(context.Background(), saveTimeout)
	defer cancel()
	dup, err := s.o.Mailbox.SaveMessage(ctx, m)
	if err != nil {
		s.logger.Error("cannot store message", "from", m.From, "to", m.To, "message_id", m.MessageID, "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
			Message: "Temporary failure: the sink could not store the message; try again later"}
	}
	s.logger.Info("message captured", "id", m.ID, "from", m.From, "to", m.To, "subject", m.Subject,
		"size", m.Size, "duplicate", dup, "agent", m.AgentID)
	return nil
}

// Reset forgets the envelope (RSET, or after a message).
func (ss *session) Reset() { ss.from, ss.to = "", nil }

// Logout ends the session.
func (ss *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN (a username and a password, each prompted for),
// accepting any credentials. go-sasl no longer provides one.
type loginServer struct{ step int }

// Next implements sasl.Server.
func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		if response == nil { // no initial response: ask for the username
			l.step = 1
			return []byte("Username:"), false, nil
		}
		l.step = 2 // the initial response was the username
		return []byte("Password:"), false, nil
	case 1:
		l.step = 2
		return []byte("Password:"), false, nil
	default:
		return nil, true, nil
	}
}

// errorLog passes go-smtp's internal error reports to the sink's logger.
type errorLog struct{ l *slog.Logger }

func (e errorLog) Printf(format string, v ...any) {
	e.l.Warn(strings.TrimSpace(fmt.Sprintf(format, v...)))
}

func (e errorLog) Println(v ...any) { e.l.Warn(strings.TrimSpace(fmt.Sprintln(v...))) }

// formatSize writes n bytes as a person would say it: "10 MiB", "512 KiB", "300 bytes".
func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}
