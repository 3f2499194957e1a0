package app_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/store/storetest"

	"golang.org/x/crypto/bcrypt"
)

// portalOffice is one agent, the portal service and a settable clock, on in-memory engines.
type portalOffice struct {
	ctx      context.Context
	contacts *app.ContactService
	portal   *app.PortalService
	outbox   *app.Outbox
	agent    *app.User
	now      time.Time
}

func newPortalOffice(t *testing.T) *portalOffice {
	t.Helper()
	cs, accounts, st, _ := storetest.Services(t)
	o := &portalOffice{ctx: context.Background(), contacts: cs, now: time.Now()}
	o.outbox = &app.Outbox{Store: st, Verifier: &app.Verifier{}, Marker: cs}
	cs.Outbox = o.outbox
	o.portal = &app.PortalService{Store: st, Contacts: cs, Outbox: o.outbox, Now: func() time.Time { return o.now },
		BaseURL: "http://x.test", Limiter: app.NewLoginLimiter(15*time.Minute, 20, 5), BcryptCost: bcrypt.MinCost}
	cs.AfterDelete = o.portal.RemoveAccount
	u, err := accounts.CreateUser(o.ctx, app.NewUser{Name: "Agent A", Email: "a@example.com", Password: "correct horse battery", Phone: "555-0100"})
	if err != nil {
		t.Fatal(err)
	}
	o.agent = u
	return o
}

func (o *portalOffice) contact(t *testing.T, first, email string) *app.Contact {
	t.Helper()
	c := &app.Contact{FirstName: first, LastName: "Client"}
	if email != "" {
		c.Emails = []app.Email{{Address: email}}
	}
	c, err := o.contacts.Create(o.ctx, o.agent.ID, c)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var setLink = regexp.MustCompile(`/portal/set-password/(\S+)`)

// lastToken returns the set-password token of the newest invitation or reset email to addr.
func (o *portalOffice) lastToken(t *testing.T, addr string) string {
	t.Helper()
	ms, err := o.outbox.Store.DueMail(o.ctx, o.now.Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	tok := ""
	for _, m := range ms {
		if m.To == addr {
			if g := setLink.FindStringSubmatch(m.Text); g != nil {
				tok = g[1]
			}
		}
	}
	if tok == "" {
		t.Fatalf("no set-password link to %s", addr)
	}
	return tok
}

func TestPortalAccountsAndInvitations(t *testing.T) {
	o := newPortalOffice(t)
	ann := o.contact(t, "Ann", "Ann.Client@Example.com")
	ann2 := o.contact(t, "Annie", "ann.client@example.com")
	nomail := o.contact(t, "Nomail", "")

	a, err := o.portal.CreateAccount(o.ctx, o.agent, ann.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if a.Username != "ann.client@example.com" || a.InvitedAt.IsZero() || a.HasPassword() {
		t.Errorf("account: %+v", a)
	}
	b, err := o.portal.CreateAccount(o.ctx, o.agent, ann2.ID, false)
	if err != nil || b.Username != "ann.client@example.com-2" {
		t.Errorf("second account with the same address: %+v %v", b, err)
	}
	if _, err := o.portal.CreateAccount(o.ctx, o.agent, ann.ID, false); app.ErrorCode(err) != app.ECONFLICT {
		t.Errorf("a second account for one contact: %v", err)
	}
	if _, err := o.portal.CreateAccount(o.ctx, o.agent, nomail.ID, false); app.ErrorCode(err) != app.EINVALID {
		t.Errorf("no email: %v", err)
	}

	t.Run("the invitation uses the agent's message and a single-use link", func(t *testing.T) {
		if _, err := o.portal.SavePrefs(o.ctx, o.agent.ID, app.PortalPrefs{Subject: "Hi {{first_name}}", Body: "no link here"}); app.ErrorFields(err)["body"] == "" {
			t.Errorf("a body without the link was accepted: %v", err)
		}
		if _, err := o.portal.SavePrefs(o.ctx, o.agent.ID, app.PortalPrefs{Subject: "Hi {{first_name}}", Body: "Your portal: {{portal_link}} ({{agent_phone}})", NotifyFirstLogin: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := o.portal.Invite(o.ctx, o.agent, ann.ID); err != nil {
			t.Fatal(err)
		}
		tok := o.lastToken(t, "Ann.Client@example.com")
		if _, err := o.portal.SetPassword(o.ctx, tok, "short", "short"); app.ErrorFields(err)["password"] == "" {
			t.Errorf("short password: %v", err)
		}
		if _, err := o.portal.SetPassword(o.ctx, tok, "a long password", "a long password"); err != nil {
			t.Fatal(err)
		}
		if _, err := o.portal.SetPassword(o.ctx, tok, "another password", "another password"); app.ErrorCode(err) != app.EINVALID {
			t.Errorf("the link worked twice: %v", err)
		}
	})

	t.Run("login, wrong details, rate limit and deactivation", func(t *testing.T) {
		if _, _, err := o.portal.Login(o.ctx, "ANN.client@example.com", "a long password", "10.0.0.1"); err != nil {
			t.Fatalf("login: %v", err)
		}
		_, _, e1 := o.portal.Login(o.ctx, "ann.client@example.com", "wrong password", "10.0.0.2")
		_, _, e2 := o.portal.Login(o.ctx, "nobody@example.com", "wrong password", "10.0.0.2")
		if app.ErrorMessage(e1) != app.ErrorMessage(e2) || app.ErrorCode(e1) != app.EUNAUTHORIZED {
			t.Errorf("wrong password %q vs unknown user %q", app.ErrorMessage(e1), app.ErrorMessage(e2))
		}
		for i := 0; i < 6; i++ {
			o.portal.Login(o.ctx, "ann.client@example.com", "wrong password", "10.0.0.3")
		}
		if _, _, err := o.portal.Login(o.ctx, "ann.client@example.com", "a long password", "10.0.0.3"); app.ErrorCode(err) != app.ERATELIMITED {
			t.Errorf("after many failures: %v", err)
		}
		o.now = o.now.Add(20 * time.Minute)
		if _, err := o.contacts.SetStatus(o.ctx, o.agent.ID, ann.ID, app.StatusInactive); err != nil {
			t.Fatal(err)
		}
		if _, _, err := o.portal.Login(o.ctx, "ann.client@example.com", "a long password", "10.0.0.4"); app.ErrorCode(err) != app.EFORBIDDEN || !strings.Contains(app.ErrorMessage(err), "paused") {
			t.Errorf("deactivated: %v", err)
		}
		if _, err := o.contacts.SetStatus(o.ctx, o.agent.ID, ann.ID, app.StatusActive); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("messages both ways, details and the activity they leave", func(t *testing.T) {
		tok, acct, err := o.portal.Login(o.ctx, "ann.client@example.com", "a long password", "10.0.0.5")
		if err != nil {
			t.Fatal(err)
		}
		got, c, err := o.portal.Authenticate(o.ctx, tok)
		if err != nil || got.ContactID != ann.ID || c.ID != ann.ID {
			t.Fatalf("authenticate: %v %v", got, err)
		}
		if _, err := o.portal.SendFromContact(o.ctx, acct, c, "  "); app.ErrorCode(err) != app.EINVALID {
			t.Errorf("an empty message: %v", err)
		}
		if _, err := o.portal.SendFromContact(o.ctx, acct, c, "Can we see 12 Elm on Saturday?"); err != nil {
			t.Fatal(err)
		}
		if _, err := o.portal.SendFromAgent(o.ctx, o.agent, ann.ID, "Yes, 10am."); err != nil {
			t.Fatal(err)
		}
		conv, err := o.portal.ContactConversation(o.ctx, acct)
		if err != nil || len(conv) != 2 || !conv[0].FromContact || conv[1].ReadAt.IsZero() {
			t.Errorf("conversation: %+v %v", conv, err)
		}
		if _, err := o.portal.UpdateDetails(o.ctx, acct, "555-0199", app.Address{Street: "1 New St", City: "Springfield"}); err != nil {
			t.Fatal(err)
		}
		saved, _ := o.contacts.Get(o.ctx, o.agent.ID, ann.ID)
		if saved.PrimaryPhone() != "555-0199" || saved.City() != "Springfield" {
			t.Errorf("details: %+v", saved)
		}
		evs, err := o.portal.Activity(o.ctx, o.agent.ID, ann.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, e := range evs {
			kinds[e.Kind]++
		}
		for _, k := range []string{app.ActivityPortalLogin, app.ActivityMessageIn, app.ActivityMessageOut, app.ActivityMessageRead, app.ActivityDetailsChanged, app.ActivityInvited} {
			if kinds[k] == 0 {
				t.Errorf("no %s event in %v", k, kinds)
			}
		}
		if err := o.portal.Logout(o.ctx, tok); err != nil {
			t.Fatal(err)
		}
		if _, _, err := o.portal.Authenticate(o.ctx, tok); app.ErrorCode(err) != app.EUNAUTHORIZED {
			t.Errorf("after logout: %v", err)
		}
	})

	t.Run("the agent hears of the first login only", func(t *testing.T) {
		ms, _ := o.outbox.Store.DueMail(o.ctx, o.now.Add(time.Hour), 1000)
		n := 0
		for _, m := range ms {
			if m.To == "a@example.com" && strings.Contains(m.Subject, "logged into the client portal") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d first-login notices", n)
		}
	})

	t.Run("removing the contact removes the account", func(t *testing.T) {
		if _, _, err := o.contacts.Remove(o.ctx, o.agent.ID, ann.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := o.portal.Login(o.ctx, "ann.client@example.com", "a long password", "10.0.0.9"); app.ErrorCode(err) != app.EUNAUTHORIZED {
			t.Errorf("login after removal: %v", err)
		}
	})
}

func TestSetPasswordLinksExpire(t *testing.T) {
	o := newPortalOffice(t)
	c := o.contact(t, "Ed", "ed@example.com")
	if _, err := o.portal.CreateAccount(o.ctx, o.agent, c.ID, true); err != nil {
		t.Fatal(err)
	}
	tok := o.lastToken(t, "ed@example.com")
	o.now = o.now.Add(15 * 24 * time.Hour)
	if _, err := o.portal.SetPassword(o.ctx, tok, "a long password", "a long password"); app.ErrorCode(err) != app.EINVALID || !strings.Contains(app.ErrorMessage(err), "expired") {
		t.Errorf("expired link: %v", err)
	}
}

func TestRenderInviteFillsEveryPlaceholder(t *testing.T) {
	subject, body := app.RenderInvite(app.DefaultPortalPrefs(), app.InviteFields{FirstName: "Jamie", Username: "jamie@example.com",
		Link: "http://x.test/portal/set-password/T", Agent: &app.User{Name: "Ada Agent", Email: "ada@example.com", Phone: "555-0100"}, LinkDays: 14})
	if strings.Contains(subject+body, "{{") || !strings.Contains(body, "http://x.test/portal/set-password/T") || !strings.Contains(body, "14 days") {
		t.Errorf("subject %q body %q", subject, body)
	}
}
