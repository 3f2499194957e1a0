package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Outgoing mail states. A message is queued until it is sent, refused for its address (bounced),
// refused for another reason or given up on (failed), or found undeliverable before sending
// (not_sent: its address is invalid).
const (
	MailQueued  = "queued"
	MailSent    = "sent"
	MailBounced = "bounced"
	MailFailed  = "failed"
	MailNotSent = "not_sent"
)

// Kinds of outgoing mail.
const (
	MailToContact = "contact" // an agent's email to a contact
)

// OutMessage is one email to one recipient in the outbox. It is stored before the user is told
// it was sent and stays as the record of the contact's email activity.
type OutMessage struct {
	ID            string    `json:"id"`
	OwnerID       string    `json:"owner_id"`   // the sending agent
	ContactID     string    `json:"contact_id"` // "" when not to a contact
	Kind          string    `json:"kind"`
	FromName      string    `json:"from_name"`
	From          string    `json:"from"`
	To            string    `json:"to"`
	Subject       string    `json:"subject"`
	Text          string    `json:"text"`
	HTML          string    `json:"html,omitempty"`
	MessageID     string    `json:"message_id"` // the same on every attempt, so a resend can be recognised
	Status        string    `json:"status"`
	Reason        string    `json:"reason,omitempty"` // the last failure or the bounce reply
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	CreatedAt     time.Time `json:"created_at"`
	SentAt        time.Time `json:"sent_at,omitzero"`
}

// OutboxStore keeps the outbox. Every method that writes is durable when it returns.
type OutboxStore interface {
	// EnqueueMail stores new queued messages in one transaction.
	EnqueueMail(ctx context.Context, ms []*OutMessage) error
	// DueMail returns up to limit queued messages whose NextAttemptAt is not after now, earliest first.
	DueMail(ctx context.Context, now time.Time, limit int) ([]*OutMessage, error)
	// NextMailDue returns the earliest NextAttemptAt of the queued messages; ok is false when none is queued.
	NextMailDue(ctx context.Context) (at time.Time, ok bool, err error)
	// UpdateMail replaces a stored message (its status, attempts, next attempt); ENOTFOUND if missing.
	UpdateMail(ctx context.Context, m *OutMessage) error
	// OutMessage returns one message; ENOTFOUND if missing.
	OutMessage(ctx context.Context, id string) (*OutMessage, error)
	// ContactMail returns the messages sent to an agent's contact, newest first.
	ContactMail(ctx context.Context, ownerID, contactID string, limit int) ([]*OutMessage, error)
	// CountQueuedMail returns how many messages are queued.
	CountQueuedMail(ctx context.Context) (int, error)
}

// DeliveryError is a failed delivery attempt: an SMTP reply, or no reply at all (a connection
// error, Code 0). Temporary errors are retried; permanent ones are not.
type DeliveryError struct {
	Temporary bool
	Code      int    // SMTP reply code, 0 when the server never answered
	Enhanced  string // enhanced status code such as "5.1.1", "" when none
	Stage     string // connect, mail, rcpt or data
	Message   string
}

func (e *DeliveryError) Error() string {
	if e.Code == 0 {
		return e.Message
	}
	if e.Enhanced != "" {
		return fmt.Sprintf("%d %s %s", e.Code, e.Enhanced, e.Message)
	}
	return fmt.Sprintf("%d %s", e.Code, e.Message)
}

// Bounce reports whether the error refuses the recipient address itself: a permanent reply to
// RCPT, or any reply with a 5.1.x enhanced code (bad destination address).
func (e *DeliveryError) Bounce() bool {
	return !e.Temporary && (e.Stage == "rcpt" || strings.HasPrefix(e.Enhanced, "5.1."))
}

// Mailer delivers one message to the relay. It returns a *DeliveryError when the relay refuses
// it or cannot be reached.
type Mailer interface {
	Send(ctx context.Context, m *OutMessage) error
}

// AddressVerifier checks an address before mail is sent to it (Verifier implements it).
type AddressVerifier interface {
	Verify(ctx context.Context, address string) Verdict
}

// EmailMarker records the verdict on an address on every contact of the agent that has it
// (ContactService implements it).
type EmailMarker interface {
	SetEmailVerdict(ctx context.Context, ownerID, address string, v Verdict) (int, error)
}

// Outbox queues outgoing mail durably and delivers it in the background: each recipient is
// verified first, temporary failures are retried with backoff, and a refused address is marked
// invalid on the agent's contacts.
type Outbox struct {
	Store    OutboxStore
	Verifier AddressVerifier
	Marker   EmailMarker
	Mailer   Mailer // nil: mail waits in the outbox (no sink and no relay)
	Now      func() time.Time
	Logger   *slog.Logger
	// Backoff returns the wait before attempt n+1 after n failed attempts; nil uses 30 s doubling
	// up to 1 h.
	Backoff func(attempts int) time.Duration
	// GiveUpAfter is how long temporary failures are retried before a message fails; 0 means 3 days.
	GiveUpAfter time.Duration

	once    sync.Once
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	running sync.Mutex // one delivery pass at a time
}

func (o *Outbox) init() {
	o.once.Do(func() {
		o.wake = make(chan struct{}, 1)
		o.stop = make(chan struct{})
		o.done = make(chan struct{})
		if o.Logger == nil {
			o.Logger = slog.Default()
		}
		o.Logger = o.Logger.With("component", "outbox")
		if o.Now == nil {
			o.Now = time.Now
		}
	})
}

// Waiting reports whether mail cannot leave: there is no relay and no sink to deliver to.
func (o *Outbox) Waiting() bool { return o.Mailer == nil }

// Enqueue stores messages as queued, due now, and wakes the sender. When it returns without
// error the messages survive a crash and will be delivered exactly once to the sink.
func (o *Outbox) Enqueue(ctx context.Context, ms ...*OutMessage) error {
	o.init()
	now := o.Now().UTC()
	for _, m := range ms {
		if m.ID == "" {
			m.ID = NewID()
		}
		if m.MessageID == "" {
			m.MessageID = m.ID + "@agentbook"
		}
		m.Status, m.CreatedAt, m.NextAttemptAt = MailQueued, now, now
	}
	if err := o.Store.EnqueueMail(ctx, ms); err != nil {
		return err
	}
	o.Wake()
	return nil
}

// Wake asks the sender to look at the queue now.
func (o *Outbox) Wake() {
	o.init()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Start runs the sender in the background until Close. Without a Mailer it does nothing.
func (o *Outbox) Start() {
	o.init()
	if o.Mailer == nil {
		close(o.done)
		return
	}
	go o.loop()
}

// Close stops the sender and waits for the message in hand.
func (o *Outbox) Close() {
	o.init()
	select {
	case <-o.stop:
	default:
		close(o.stop)
	}
	<-o.done
}

func (o *Outbox) loop() {
	defer close(o.done)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-o.stop; cancel() }()
	for {
		if _, err := o.Deliver(ctx); err != nil && ctx.Err() == nil {
			o.Logger.Error("deliver", "err", err)
		}
		wait := time.Minute
		if at, ok, err := o.Store.NextMailDue(ctx); err == nil && ok {
			wait = min(max(at.Sub(o.Now()), 0), time.Minute)
		}
		t := time.NewTimer(wait)
		select {
		case <-o.stop:
			t.Stop()
			return
		case <-o.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// Deliver makes one pass over the messages that are due and returns how many it sent. The
// outbox-retry job and tests call it; the background sender calls it whenever it wakes.
func (o *Outbox) Deliver(ctx context.Context) (int, error) {
	o.init()
	if o.Mailer == nil {
		return 0, nil
	}
	o.running.Lock()
	defer o.running.Unlock()
	sent := 0
	for ctx.Err() == nil {
		due, err := o.Store.DueMail(ctx, o.Now(), 50)
		if err != nil {
			return sent, err
		}
		if len(due) == 0 {
			return sent, nil
		}
		// Four at a time: each message waits on the relay and on its own fsync, and the
		// store commits concurrent writes together.
		var wg sync.WaitGroup
		var mu sync.Mutex
		var firstErr error
		sem := make(chan struct{}, deliverWorkers)
		for _, m := range due {
			if ctx.Err() != nil {
				break
			}
			sem <- struct{}{}
			wg.Add(1)
			go func(m *OutMessage) {
				defer func() { <-sem; wg.Done() }()
				err := o.deliverOne(ctx, m)
				mu.Lock()
				defer mu.Unlock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if m.Status == MailSent {
					sent++
				}
			}(m)
		}
		wg.Wait()
		if firstErr != nil {
			return sent, firstErr
		}
	}
	return sent, nil
}

// deliverWorkers is how many messages Deliver sends at once.
const deliverWorkers = 4

// deliverOne verifies m's recipient, sends it and stores the outcome.
func (o *Outbox) deliverOne(ctx context.Context, m *OutMessage) error {
	now := o.Now().UTC()
	if o.Verifier != nil {
		v := o.Verifier.Verify(ctx, m.To)
		if ctx.Err() != nil {
			return nil // stopping: the check was cut short, not answered
		}
		if v.Status != EmailUnknown && m.ContactID != "" && o.Marker != nil {
			if _, err := o.Marker.SetEmailVerdict(ctx, m.OwnerID, m.To, v); err != nil {
				o.Logger.Warn("mark address", "address", m.To, "err", err)
			}
		}
		if v.Status == EmailInvalid {
			m.Status, m.Reason = MailNotSent, v.Reason
			o.Logger.Info("not sent: invalid address", "id", m.ID, "to", m.To, "reason", v.Reason)
			return o.Store.UpdateMail(ctx, m)
		}
	}
	err := o.Mailer.Send(ctx, m)
	m.Attempts++
	if err == nil {
		m.Status, m.Reason, m.SentAt = MailSent, "", now
		return o.Store.UpdateMail(ctx, m)
	}
	if ctx.Err() != nil {
		return nil // stopping: leave it queued; the next start sends it again
	}
	var de *DeliveryError
	if !errors.As(err, &de) {
		de = &DeliveryError{Temporary: true, Stage: "connect", Message: err.Error()}
	}
	m.Reason = de.Error()
	switch {
	case de.Temporary && now.Sub(m.CreatedAt) < o.giveUpAfter():
		m.NextAttemptAt = now.Add(o.backoff(m.Attempts))
		o.Logger.Warn("delivery deferred", "id", m.ID, "to", m.To, "attempts", m.Attempts, "err", de.Error(), "retry_at", m.NextAttemptAt)
	case de.Temporary:
		m.Status, m.Reason = MailFailed, fmt.Sprintf("gave up after %d attempts: %s", m.Attempts, de.Error())
		o.Logger.Warn("delivery failed", "id", m.ID, "to", m.To, "reason", m.Reason)
	case de.Bounce():
		m.Status = MailBounced
		o.Logger.Info("bounced", "id", m.ID, "to", m.To, "reply", de.Error())
		if o.Marker != nil {
			v := Verdict{Status: EmailInvalid, Reason: "bounced: " + de.Error(), CheckedAt: now}
			if _, err := o.Marker.SetEmailVerdict(ctx, m.OwnerID, m.To, v); err != nil {
				o.Logger.Warn("mark bounced address", "address", m.To, "err", err)
			}
		}
	default:
		m.Status = MailFailed
		o.Logger.Warn("delivery refused", "id", m.ID, "to", m.To, "reply", de.Error())
	}
	return o.Store.UpdateMail(ctx, m)
}

func (o *Outbox) backoff(attempts int) time.Duration {
	if o.Backoff != nil {
		return o.Backoff(attempts)
	}
	d := 30 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

func (o *Outbox) giveUpAfter() time.Duration {
	if o.GiveUpAfter > 0 {
		return o.GiveUpAfter
	}
	return 72 * time.Hour
}
