package app_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/store/storetest"
)

// fakeMailer answers each Send from a script of errors by recipient; nil delivers.
type fakeMailer struct {
	mu      sync.Mutex
	replies map[string][]error // by recipient: the errors of successive attempts
	sent    []*app.OutMessage
	tries   map[string]int
}

func (f *fakeMailer) Send(_ context.Context, m *app.OutMessage) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tries == nil {
		f.tries = map[string]int{}
	}
	n := f.tries[m.To]
	f.tries[m.To]++
	if rs := f.replies[m.To]; n < len(rs) && rs[n] != nil {
		return rs[n]
	}
	cp := *m
	f.sent = append(f.sent, &cp)
	return nil
}

// fixedVerifier answers Verify from a map by address; others are valid.
type fixedVerifier map[string]app.Verdict

func (v fixedVerifier) Verify(_ context.Context, a string) app.Verdict {
	if r, ok := v[a]; ok {
		return r
	}
	return app.Verdict{Status: app.EmailValid}
}

func tempFail(msg string) error {
	return &app.DeliveryError{Temporary: true, Code: 451, Enhanced: "4.3.0", Stage: "data", Message: msg}
}
func connFail() error { return errors.New("dial tcp 127.0.0.1:2525: connect: connection refused") }
func rcptFail(code int, enh string) error {
	return &app.DeliveryError{Code: code, Enhanced: enh, Stage: "rcpt", Message: "no such user"}
}

// outboxFixture is an agent with one contact (two addresses, both notified) and an outbox on a
// real in-memory store.
type outboxFixture struct {
	ctx      context.Context
	cs       *app.ContactService
	outbox   *app.Outbox
	mailer   *fakeMailer
	clock    *clock
	agent    *app.User
	contact  *app.Contact
	verifier fixedVerifier
}

func newOutboxFixture(t *testing.T) *outboxFixture {
	t.Helper()
	f := &outboxFixture{ctx: context.Background(), mailer: &fakeMailer{replies: map[string][]error{}}, clock: newClock(), verifier: fixedVerifier{}}
	cs, _, st, _ := storetest.Services(t)
	f.cs = cs
	f.agent = &app.User{ID: app.NewID(), Name: "Alex Agent", Email: "alex@office.test", Phone: "555-0100"}
	f.outbox = &app.Outbox{Store: st, Mailer: f.mailer, Verifier: f.verifier, Marker: cs, Now: f.clock.Now, Logger: slog.New(slog.DiscardHandler)}
	cs.Outbox = f.outbox
	c := &app.Contact{FirstName: "Ann", LastName: "Lee", Emails: []app.Email{
		{Address: "ann@example.com", Label: "Home"}, {Address: "ann@work.example", Label: "Work", Notify: true}}}
	var err error
	if f.contact, err = cs.Create(f.ctx, f.agent.ID, c); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *outboxFixture) send(t *testing.T) *app.EmailResult {
	t.Helper()
	res, err := f.cs.EmailContacts(f.ctx, f.agent, []string{f.contact.ID}, app.Compose{Subject: "Open house", Text: "Sunday at 2."})
	if err != nil {
		t.Fatalf("EmailContacts: %v", err)
	}
	return res
}

func (f *outboxFixture) deliver(t *testing.T) {
	t.Helper()
	if _, err := f.outbox.Deliver(f.ctx); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
}

func (f *outboxFixture) mail(t *testing.T) map[string]*app.OutMessage {
	t.Helper()
	ms, err := f.cs.ContactMail(f.ctx, f.agent.ID, f.contact.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*app.OutMessage{}
	for _, m := range ms {
		out[m.To] = m
	}
	return out
}

func (f *outboxFixture) email(t *testing.T, address string) app.Email {
	t.Helper()
	c, err := f.cs.Get(f.ctx, f.agent.ID, f.contact.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range c.Emails {
		if e.Address == address {
			return e
		}
	}
	t.Fatalf("contact has no %s", address)
	return app.Email{}
}

func TestOutbox(t *testing.T) {
	t.Run("an email goes to the primary and the notified addresses and is recorded as sent", func(t *testing.T) {
		f := newOutboxFixture(t)
		res := f.send(t)
		if len(res.Queued) != 2 || len(res.Skipped) != 0 {
			t.Fatalf("result = %+v", res)
		}
		for _, m := range f.mail(t) {
			if m.Status != app.MailQueued {
				t.Errorf("%s before delivery: %s", m.To, m.Status)
			}
		}
		f.deliver(t)
		if len(f.mailer.sent) != 2 {
			t.Fatalf("sent %d messages", len(f.mailer.sent))
		}
		for to, m := range f.mail(t) {
			if m.Status != app.MailSent || m.SentAt.IsZero() || m.Attempts != 1 {
				t.Errorf("%s: status %s, sent at %v, attempts %d", to, m.Status, m.SentAt, m.Attempts)
			}
		}
		if got := f.mailer.sent[0]; !strings.Contains(got.Text, "Sunday at 2.") || !strings.Contains(got.Text, "Alex Agent") || got.From != "alex@office.test" {
			t.Errorf("message = %+v", got)
		}
		if e := f.email(t, "ann@example.com"); e.Status != app.EmailValid {
			t.Errorf("a verified address is %s", e.Status)
		}
	})

	t.Run("a temporary failure is retried with backoff until it succeeds", func(t *testing.T) {
		f := newOutboxFixture(t)
		f.mailer.replies["ann@example.com"] = []error{tempFail("try later"), connFail()}
		f.send(t)
		f.deliver(t)
		m := f.mail(t)["ann@example.com"]
		if m.Status != app.MailQueued || m.Attempts != 1 || !strings.Contains(m.Reason, "451 4.3.0 try later") {
			t.Fatalf("after a 451: %+v", m)
		}
		if want := f.clock.Now().Add(30 * time.Second); !m.NextAttemptAt.Equal(want) {
			t.Errorf("next attempt %v, want %v", m.NextAttemptAt, want)
		}
		f.deliver(t) // not due yet: nothing happens
		if got := f.mail(t)["ann@example.com"]; got.Attempts != 1 {
			t.Fatalf("retried before it was due: %+v", got)
		}
		f.clock.Advance(31 * time.Second)
		f.deliver(t)
		m = f.mail(t)["ann@example.com"]
		if m.Status != app.MailQueued || m.Attempts != 2 || !m.NextAttemptAt.Equal(f.clock.Now().Add(time.Minute)) {
			t.Fatalf("after a connection error: %+v (the second wait doubles)", m)
		}
		f.clock.Advance(2 * time.Minute)
		f.deliver(t)
		if m = f.mail(t)["ann@example.com"]; m.Status != app.MailSent || m.Attempts != 3 {
			t.Fatalf("third attempt: %+v", m)
		}
	})

	t.Run("temporary failures give up after the retry window and fail", func(t *testing.T) {
		f := newOutboxFixture(t)
		f.outbox.GiveUpAfter = time.Hour
		f.mailer.replies["ann@example.com"] = []error{tempFail("a"), tempFail("b"), tempFail("c"), tempFail("d"), tempFail("e"), tempFail("f")}
		f.send(t)
		for i := 0; i < 6; i++ {
			f.deliver(t)
			f.clock.Advance(30 * time.Minute)
		}
		m := f.mail(t)["ann@example.com"]
		if m.Status != app.MailFailed || !strings.Contains(m.Reason, "gave up after") {
			t.Fatalf("%+v", m)
		}
		if e := f.email(t, "ann@example.com"); e.Status == app.EmailInvalid {
			t.Error("a relay that never answers does not make the address invalid")
		}
	})

	t.Run("a 550 5.1.1 at RCPT bounces and marks the address invalid with the reply", func(t *testing.T) {
		f := newOutboxFixture(t)
		f.mailer.replies["ann@work.example"] = []error{rcptFail(550, "5.1.1")}
		f.send(t)
		f.deliver(t)
		m := f.mail(t)["ann@work.example"]
		if m.Status != app.MailBounced || m.Attempts != 1 {
			t.Fatalf("%+v", m)
		}
		e := f.email(t, "ann@work.example")
		if e.Status != app.EmailInvalid || !strings.Contains(e.Reason, "bounced: 550 5.1.1") || e.CheckedAt.IsZero() {
			t.Fatalf("address after bounce: %+v", e)
		}
		n, err := f.cs.CountInvalidEmails(f.ctx, f.agent.ID)
		if err != nil || n != 1 {
			t.Fatalf("Action Required count = %d, %v", n, err)
		}
		if f.mail(t)["ann@example.com"].Status != app.MailSent {
			t.Error("the other address is still delivered")
		}
	})

	t.Run("a permanent refusal of the message is a failure, not a bounce of the address", func(t *testing.T) {
		f := newOutboxFixture(t)
		f.mailer.replies["ann@example.com"] = []error{&app.DeliveryError{Code: 554, Enhanced: "5.6.0", Stage: "data", Message: "content rejected"}}
		f.send(t)
		f.deliver(t)
		if m := f.mail(t)["ann@example.com"]; m.Status != app.MailFailed || m.Attempts != 1 {
			t.Fatalf("%+v", m)
		}
		if e := f.email(t, "ann@example.com"); e.Status == app.EmailInvalid {
			t.Error("the address was marked invalid for a content refusal")
		}
	})

	t.Run("an address the check finds invalid is not sent to and raises Action Required", func(t *testing.T) {
		f := newOutboxFixture(t)
		f.verifier["ann@work.example"] = app.Verdict{Status: app.EmailInvalid, Reason: "no such domain work.example"}
		f.send(t)
		f.deliver(t)
		if m := f.mail(t)["ann@work.example"]; m.Status != app.MailNotSent || m.Attempts != 0 {
			t.Fatalf("%+v", m)
		}
		for _, m := range f.mailer.sent {
			if m.To == "ann@work.example" {
				t.Fatal("mail was sent to an invalid address")
			}
		}
		if e := f.email(t, "ann@work.example"); e.Status != app.EmailInvalid || e.Reason != "no such domain work.example" {
			t.Fatalf("%+v", e)
		}
		// The next email skips it at once.
		res := f.send(t)
		if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "invalid address") {
			t.Fatalf("second send: %+v", res)
		}
	})

	t.Run("an unknown check result still sends and leaves the address unknown", func(t *testing.T) {
		f := newOutboxFixture(t)
		f.verifier["ann@example.com"] = app.Verdict{Status: app.EmailUnknown, Reason: "DNS lookup timed out"}
		f.send(t)
		f.deliver(t)
		if m := f.mail(t)["ann@example.com"]; m.Status != app.MailSent {
			t.Fatalf("%+v", m)
		}
		if e := f.email(t, "ann@example.com"); e.Status != app.EmailUnknown {
			t.Fatalf("%+v", e)
		}
	})

	t.Run("inactive contacts are never emailed", func(t *testing.T) {
		f := newOutboxFixture(t)
		if _, err := f.cs.SetStatus(f.ctx, f.agent.ID, f.contact.ID, app.StatusInactive); err != nil {
			t.Fatal(err)
		}
		_, err := f.cs.EmailContacts(f.ctx, f.agent, []string{f.contact.ID}, app.Compose{Subject: "Hi", Text: "Hello"})
		if app.ErrorCode(err) != app.EINVALID || !strings.Contains(app.ErrorMessage(err), "inactive") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("an incomplete email is refused with field errors", func(t *testing.T) {
		f := newOutboxFixture(t)
		_, err := f.cs.EmailContacts(f.ctx, f.agent, []string{f.contact.ID}, app.Compose{Subject: " ", Text: ""})
		fields := app.ErrorFields(err)
		if fields["subject"] == "" || fields["text"] == "" {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("a line break in the subject cannot reach the header", func(t *testing.T) {
		f := newOutboxFixture(t)
		_, err := f.cs.EmailContacts(f.ctx, f.agent, []string{f.contact.ID}, app.Compose{Subject: "Hi\r\nBcc: x@evil.test", Text: "Hello"})
		if err != nil {
			t.Fatal(err)
		}
		f.deliver(t)
		if s := f.mailer.sent[0].Subject; strings.ContainsAny(s, "\r\n") {
			t.Fatalf("subject %q", s)
		}
	})

	t.Run("a message stays queued until delivered: a new outbox on the same store sends it", func(t *testing.T) {
		f := newOutboxFixture(t)
		f.outbox.Mailer = nil // mail waits: no sink, no relay
		f.send(t)
		if n, _ := f.outbox.Deliver(f.ctx); n != 0 {
			t.Fatal("an outbox without a mailer sent mail")
		}
		again := &app.Outbox{Store: f.outbox.Store, Mailer: f.mailer, Verifier: f.verifier, Marker: f.cs, Now: f.clock.Now, Logger: slog.New(slog.DiscardHandler)}
		if n, err := again.Deliver(f.ctx); n != 2 || err != nil {
			t.Fatalf("delivered %d, %v", n, err)
		}
		if n, _ := again.Deliver(f.ctx); n != 0 {
			t.Fatalf("delivered %d again", n)
		}
	})
}

func TestFixEmail(t *testing.T) {
	f := newOutboxFixture(t)
	f.mailer.replies["ann@example.com"] = []error{rcptFail(550, "5.1.1")}
	f.send(t)
	f.deliver(t)
	f.cs.Verifier = fixedVerifier{"ann@nowhere.example": {Status: app.EmailInvalid, Reason: "no such domain nowhere.example"}}

	t.Run("a new address that cannot receive mail is refused and nothing changes", func(t *testing.T) {
		_, err := f.cs.FixEmail(f.ctx, f.agent.ID, f.contact.ID, "ann@example.com", "ann@nowhere.example")
		if msg := app.ErrorFields(err)["address"]; !strings.Contains(msg, "no such domain") {
			t.Fatalf("err = %v", err)
		}
		if e := f.email(t, "ann@example.com"); e.Status != app.EmailInvalid {
			t.Fatal("the old address changed")
		}
	})
	t.Run("a malformed new address is refused", func(t *testing.T) {
		_, err := f.cs.FixEmail(f.ctx, f.agent.ID, f.contact.ID, "ann@example.com", "ann at example")
		if app.ErrorFields(err)["address"] == "" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("the contact's other address is refused as a duplicate", func(t *testing.T) {
		_, err := f.cs.FixEmail(f.ctx, f.agent.ID, f.contact.ID, "ann@example.com", "ANN@work.example")
		if app.ErrorFields(err)["address"] == "" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a good address replaces the primary in place and clears Action Required", func(t *testing.T) {
		c, err := f.cs.FixEmail(f.ctx, f.agent.ID, f.contact.ID, "ann@example.com", " ann.lee@example.com ")
		if err != nil {
			t.Fatal(err)
		}
		if c.Emails[0].Address != "ann.lee@example.com" || !c.Emails[0].Primary || c.Emails[0].Status != app.EmailValid {
			t.Fatalf("emails = %+v", c.Emails)
		}
		if n, _ := f.cs.CountInvalidEmails(f.ctx, f.agent.ID); n != 0 {
			t.Fatalf("still %d invalid", n)
		}
	})
	t.Run("the primary cannot be removed, a secondary can", func(t *testing.T) {
		if _, err := f.cs.RemoveEmail(f.ctx, f.agent.ID, f.contact.ID, "ann.lee@example.com"); app.ErrorCode(err) != app.EINVALID {
			t.Fatalf("removing the primary: %v", err)
		}
		c, err := f.cs.RemoveEmail(f.ctx, f.agent.ID, f.contact.ID, "ann@work.example")
		if err != nil || len(c.Emails) != 1 {
			t.Fatalf("%v %+v", err, c)
		}
	})
	t.Run("another agent cannot fix this agent's contact", func(t *testing.T) {
		_, err := f.cs.FixEmail(f.ctx, app.NewID(), f.contact.ID, "ann.lee@example.com", "x@example.com")
		if app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestEmailStatusFilter(t *testing.T) {
	f := newOutboxFixture(t)
	other, err := f.cs.Create(f.ctx, f.agent.ID, &app.Contact{FirstName: "Bob", Emails: []app.Email{{Address: "bob@example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.cs.Create(f.ctx, f.agent.ID, &app.Contact{FirstName: "Cy"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cs.SetEmailVerdict(f.ctx, f.agent.ID, "BOB@example.com", app.Verdict{Status: app.EmailInvalid, Reason: "bounced"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		status string
		want   []string
	}{
		{app.EmailInvalid, []string{"Bob"}},
		{app.EmailUnknown, []string{"Ann Lee"}},
		{app.EmailNone, []string{"Cy"}},
		{"", []string{"Bob", "Cy", "Ann Lee"}},
	} {
		t.Run("the filter "+tt.status+" lists the contacts in that state", func(t *testing.T) {
			l, err := f.cs.List(f.ctx, app.ContactQuery{OwnerID: f.agent.ID, EmailStatus: tt.status})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range l.Items {
				got = append(got, c.DisplayName())
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") || l.Total != len(tt.want) {
				t.Fatalf("got %v (total %d), want %v", got, l.Total, tt.want)
			}
		})
	}
	t.Run("an unknown verdict never replaces a definite one", func(t *testing.T) {
		if n, _ := f.cs.SetEmailVerdict(f.ctx, f.agent.ID, "bob@example.com", app.Verdict{Status: app.EmailUnknown}); n != 0 {
			t.Fatalf("changed %d", n)
		}
		c, _ := f.cs.Get(f.ctx, f.agent.ID, other.ID)
		if c.Emails[0].Status != app.EmailInvalid {
			t.Fatal(c.Emails[0])
		}
	})
	t.Run("editing the contact keeps the verdict of an unchanged address and resets a changed one", func(t *testing.T) {
		c, _ := f.cs.Get(f.ctx, f.agent.ID, other.ID)
		next := *c
		next.Emails = []app.Email{{Address: "bob@example.com", Status: app.EmailValid}, {Address: "bob2@example.com", Status: app.EmailValid}}
		saved, err := f.cs.Update(f.ctx, f.agent.ID, &next)
		if err != nil {
			t.Fatal(err)
		}
		if saved.Emails[0].Status != app.EmailInvalid || saved.Emails[1].Status != app.EmailUnknown {
			t.Fatalf("input must not set verification: %+v", saved.Emails)
		}
	})
}
