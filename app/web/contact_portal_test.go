package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/app/web"

	"github.com/PuerkitoBio/goquery"
)

// cpQueued returns the mail waiting in the outbox for a contact, of one kind.
func cpQueued(t *testing.T, h *harness, contactID, kind string) []*app.OutMessage {
	t.Helper()
	ms, err := h.outbox.Store.DueMail(context.Background(), time.Now().Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []*app.OutMessage
	for _, m := range ms {
		if m.ContactID == contactID && m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

var cpSetPasswordLink = regexp.MustCompile(`/portal/set-password/([A-Za-z0-9_-]+)`)

// cpPortalLogin sets the contact's password through the newest invitation's link and logs in once.
func cpPortalLogin(t *testing.T, h *harness, contactID string) *app.PortalAccount {
	t.Helper()
	ctx := context.Background()
	inv := cpQueued(t, h, contactID, app.MailPortalInvite)
	if len(inv) == 0 {
		t.Fatal("no invitation queued")
	}
	m := cpSetPasswordLink.FindStringSubmatch(inv[len(inv)-1].Text)
	if m == nil {
		t.Fatalf("no set-password link in:\n%s", inv[len(inv)-1].Text)
	}
	a, err := h.portal.SetPassword(ctx, m[1], "a long portal password", "a long portal password")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.portal.Login(ctx, a.Username, "a long portal password", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	a, err = h.portal.Store.PortalAccount(ctx, contactID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestQuickAddPortal(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ann := h.agent(t, "Ann Agent", "ann@example.com", false)
	b := h.loggedIn(t, "ann@example.com")
	b.get(t, "/contacts")
	quickAdd := func(t *testing.T, f url.Values) *page {
		t.Helper()
		return b.hx(t, http.MethodPost, "/contacts/quick-add", "quick-add", f)
	}
	byEmail := func(t *testing.T, email string) *app.Contact {
		t.Helper()
		cs, err := h.contacts.WithEmail(ctx, ann.ID, email)
		if err != nil || len(cs) != 1 {
			t.Fatalf("contacts with %s: %v, %v", email, cs, err)
		}
		return cs[0]
	}

	t.Run("the bar has a Portal box", func(t *testing.T) {
		p := b.get(t, "/contacts")
		box := p.one("form#quick-add input#qa-portal")
		if box.AttrOr("type", "") != "checkbox" || box.AttrOr("name", "") != "portal" || box.AttrOr("value", "") != "1" {
			t.Errorf("box = %v", box.Nodes[0].Attr)
		}
		if got := p.text("form#quick-add label[for=qa-portal]"); got != "Portal" {
			t.Errorf("label = %q", got)
		}
	})

	t.Run("with Portal ticked it adds the contact, the account and the invitation", func(t *testing.T) {
		p := quickAdd(t, url.Values{"first_name": {"Pat"}, "last_name": {"Portal"}, "email": {"pat@example.com"}, "portal": {"1"}})
		p.wantStatus(http.StatusOK)
		if got := p.text("#quick-add .alert-success"); got != "Added Pat Portal. Portal invitation sent." {
			t.Errorf("confirmation = %q", got)
		}
		if p.find("template > tbody > tr").Length() != 1 {
			t.Errorf("no new row")
		}
		if p.find("#qa-portal[checked]").Length() != 0 {
			t.Errorf("the cleared bar keeps Portal ticked")
		}
		c := byEmail(t, "pat@example.com")
		a, err := h.portal.Account(ctx, ann.ID, c.ID)
		if err != nil {
			t.Fatalf("no account: %v", err)
		}
		if a.Username != "pat@example.com" || a.InvitedAt.IsZero() {
			t.Errorf("account = %+v", a)
		}
		inv := cpQueued(t, h, c.ID, app.MailPortalInvite)
		if len(inv) != 1 {
			t.Fatalf("%d invitations queued, want 1", len(inv))
		}
		if inv[0].To != "pat@example.com" || !strings.Contains(inv[0].Text, "/portal/set-password/") {
			t.Errorf("invitation to %q:\n%s", inv[0].To, inv[0].Text)
		}
	})

	t.Run("with Portal ticked but no email the contact is kept and the bar says why", func(t *testing.T) {
		before := activeCount(t, h, ann.ID)
		p := quickAdd(t, url.Values{"first_name": {"Nora"}, "last_name": {"Noemail"}, "portal": {"1"}})
		p.wantStatus(http.StatusOK)
		got := p.text("#quick-add .alert-success")
		if !strings.HasPrefix(got, "Added Nora Noemail. No portal: ") || !strings.Contains(got, "no email address") {
			t.Errorf("confirmation = %q", got)
		}
		if n := activeCount(t, h, ann.ID); n != before+1 {
			t.Errorf("contacts = %d, want %d: the contact must be kept", n, before+1)
		}
		if p.find("template > tbody > tr").Length() != 1 {
			t.Errorf("the kept contact's row was not sent")
		}
	})

	t.Run("without Portal no account is made", func(t *testing.T) {
		p := quickAdd(t, url.Values{"first_name": {"Otto"}, "last_name": {"Only"}, "email": {"otto@example.com"}})
		if got := p.text("#quick-add .alert-success"); got != "Added Otto Only." {
			t.Errorf("confirmation = %q", got)
		}
		c := byEmail(t, "otto@example.com")
		if _, err := h.portal.Account(ctx, ann.ID, c.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("account err = %v, want none", err)
		}
		if len(cpQueued(t, h, c.ID, app.MailPortalInvite)) != 0 {
			t.Errorf("an invitation was queued")
		}
	})

	t.Run("a duplicate warning keeps Portal ticked for Add anyway", func(t *testing.T) {
		p := quickAdd(t, url.Values{"first_name": {"Pat"}, "last_name": {"Again"}, "email": {"pat@example.com"}, "portal": {"1"}})
		p.one("#qa-duplicate")
		if p.find("#qa-portal[checked]").Length() != 1 {
			t.Errorf("Portal was unticked")
		}
		p = quickAdd(t, url.Values{"first_name": {"Pat"}, "last_name": {"Again"}, "email": {"pat@example.com"}, "portal": {"1"}, "force": {"1"}})
		if got := p.text("#quick-add .alert-success"); !strings.Contains(got, "Added Pat Again.") || !strings.Contains(got, "Portal invitation sent.") {
			t.Errorf("confirmation = %q", got)
		}
	})

	t.Run("without JavaScript it goes back to the list, with the account made", func(t *testing.T) {
		p := b.post(t, "/contacts/quick-add", url.Values{"first_name": {"Plain"}, "last_name": {"Form"}, "email": {"plain@example.com"}, "portal": {"1"}})
		p.wantRedirect("/contacts")
		c := byEmail(t, "plain@example.com")
		page := b.get(t, "/contacts/"+c.ID)
		if got := page.text("#portal-username"); got != "plain@example.com" {
			t.Errorf("username = %q", got)
		}
		if got := page.text("#portal-invited"); got == "not yet" || got == "" {
			t.Errorf("invited = %q", got)
		}
	})
}

func TestContactPortalSection(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ann := h.agent(t, "Ann Agent", "ann@example.com", false)
	b := h.loggedIn(t, "ann@example.com")

	t.Run("a contact without an account is offered both buttons", func(t *testing.T) {
		c := h.contact(t, ann, "Cora", "Create", "cora@example.com")
		p := b.get(t, "/contacts/"+c.ID)
		p.wantStatus(http.StatusOK)
		sec := p.one("section#portal")
		if got := strings.TrimSpace(sec.Find("h2").Text()); got != "Client portal" {
			t.Errorf("heading = %q", got)
		}
		form := sec.Find("form[action='/contacts/" + c.ID + "/portal'][method=post]")
		if form.Length() != 1 {
			t.Fatalf("no create form")
		}
		for id, want := range map[string][2]string{"portal-create": {"0", "Create portal"}, "portal-create-invite": {"1", "Create portal and send invitation"}} {
			btn := form.Find("button#" + id)
			if btn.AttrOr("name", "") != "invite" || btn.AttrOr("value", "") != want[0] || strings.TrimSpace(btn.Text()) != want[1] {
				t.Errorf("%s = %v %q", id, btn.Nodes, btn.Text())
			}
		}
		if sec.Find("#portal-account, form#portal-reply").Length() != 0 {
			t.Errorf("a contact without an account shows account details or a reply form")
		}
	})

	t.Run("Create portal makes the account without an invitation", func(t *testing.T) {
		c := h.contact(t, ann, "Cal", "Quiet", "Cal.Quiet@Example.com")
		b.get(t, "/contacts/"+c.ID)
		p := b.post(t, "/contacts/"+c.ID+"/portal", url.Values{"invite": {"0"}})
		p.wantRedirect("/contacts/" + c.ID + "?saved=portal#portal")
		if len(cpQueued(t, h, c.ID, app.MailPortalInvite)) != 0 {
			t.Errorf("an invitation was queued")
		}
		p = b.get(t, "/contacts/"+c.ID+"?saved=portal")
		if got := p.text(".alert-success"); !strings.Contains(got, "Portal account created") {
			t.Errorf("notice = %q", got)
		}
		for sel, want := range map[string]string{"#portal-username": "cal.quiet@example.com", "#portal-invited": "not yet",
			"#portal-last-login": "never", "#portal-logins": "0"} {
			if got := p.text(sel); got != want {
				t.Errorf("%s = %q, want %q", sel, got, want)
			}
		}
		if p.text("#portal-created") == "" {
			t.Errorf("no created date")
		}
		if p.find("section#portal #portal-create").Length() != 0 {
			t.Errorf("Create portal is still offered")
		}
		if p.find("form[action='/contacts/"+c.ID+"/portal/invite'] button#portal-invite").Length() != 1 {
			t.Errorf("no Send invitation button")
		}
		if p.find("form#portal-reply[action='/contacts/"+c.ID+"/messages'] textarea[name=text]").Length() != 1 {
			t.Errorf("no reply form")
		}

		t.Run("and creating it again says it exists", func(t *testing.T) {
			p := b.post(t, "/contacts/"+c.ID+"/portal", url.Values{"invite": {"1"}})
			p.wantStatus(http.StatusConflict)
			if p.text("#portal-error") == "" {
				t.Errorf("no error shown:\n%s", p.body)
			}
		})

		t.Run("Send invitation emails a fresh link each time", func(t *testing.T) {
			for i := 1; i <= 2; i++ {
				p := b.post(t, "/contacts/"+c.ID+"/portal/invite", nil)
				p.wantRedirect("/contacts/" + c.ID + "?saved=invited#portal")
				if n := len(cpQueued(t, h, c.ID, app.MailPortalInvite)); n != i {
					t.Fatalf("%d invitations queued, want %d", n, i)
				}
			}
			inv := cpQueued(t, h, c.ID, app.MailPortalInvite)
			if cpSetPasswordLink.FindString(inv[0].Text) == cpSetPasswordLink.FindString(inv[1].Text) {
				t.Errorf("the second invitation repeats the first link")
			}
			p := b.get(t, "/contacts/"+c.ID+"?saved=invited")
			if got := p.text(".alert-success"); !strings.Contains(got, "Invitation sent") {
				t.Errorf("notice = %q", got)
			}
			if got := p.text("#portal-invited"); got == "not yet" || got == "" {
				t.Errorf("invited = %q", got)
			}
		})
	})

	t.Run("Create portal and send invitation queues the invitation", func(t *testing.T) {
		c := h.contact(t, ann, "Ivy", "Invite", "ivy@example.com")
		p := b.post(t, "/contacts/"+c.ID+"/portal", url.Values{"invite": {"1"}})
		p.wantRedirect("/contacts/" + c.ID + "?saved=portal-invited#portal")
		inv := cpQueued(t, h, c.ID, app.MailPortalInvite)
		if len(inv) != 1 || !strings.Contains(inv[0].Text, "/portal/set-password/") {
			t.Fatalf("invitations = %+v", inv)
		}
		a, err := h.portal.Account(ctx, ann.ID, c.ID)
		if err != nil || a.InvitedAt.IsZero() {
			t.Errorf("account = %+v, %v", a, err)
		}
	})

	t.Run("a contact without an email gets the reason on the page", func(t *testing.T) {
		c := h.contact(t, ann, "Ned", "Noemail", "")
		b.get(t, "/contacts/"+c.ID)
		p := b.post(t, "/contacts/"+c.ID+"/portal", url.Values{"invite": {"1"}})
		p.wantStatus(http.StatusUnprocessableEntity)
		if got := p.text("section#portal #portal-error"); !strings.Contains(got, "no email address") {
			t.Errorf("error = %q", got)
		}
		p.one("section#portal #portal-create")
		if got := p.val("input[name=first_name]"); got != "Ned" {
			t.Errorf("the page around it is not the contact's: first name %q", got)
		}
	})

	t.Run("Send invitation for a contact without an account says so", func(t *testing.T) {
		c := h.contact(t, ann, "Una", "Unmade", "una@example.com")
		b.get(t, "/contacts/"+c.ID)
		p := b.post(t, "/contacts/"+c.ID+"/portal/invite", nil)
		p.wantStatus(http.StatusUnprocessableEntity)
		if got := p.text("#portal-error"); !strings.Contains(got, "no portal account") {
			t.Errorf("error = %q", got)
		}
	})

	t.Run("without a portal service the section is left out", func(t *testing.T) {
		h2 := newHarness(t, func(o *web.Options) { o.Portal = nil })
		zed := h2.agent(t, "Zed", "zed@example.com", false)
		c := h2.contact(t, zed, "No", "Portal", "np@example.com")
		p := h2.loggedIn(t, "zed@example.com").get(t, "/contacts/"+c.ID)
		p.wantStatus(http.StatusOK)
		if p.find("section#portal").Length() != 0 {
			t.Errorf("the portal section is shown without a portal")
		}
	})
}

func TestContactPortalMessages(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ann := h.agent(t, "Ann Agent", "ann@example.com", false)
	b := h.loggedIn(t, "ann@example.com")
	c := h.contact(t, ann, "Mia", "Message", "mia@example.com")
	a, err := h.portal.CreateAccount(ctx, ann, c.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.portal.SendFromContact(ctx, a, c, "Is the <b>lake house</b> still for sale?"); err != nil {
		t.Fatal(err)
	}

	t.Run("the conversation shows the contact's message, and viewing it marks it read", func(t *testing.T) {
		p := b.get(t, "/contacts/"+c.ID)
		msgs := p.find("#portal-messages > li")
		if msgs.Length() != 1 {
			t.Fatalf("%d messages, want 1", msgs.Length())
		}
		if got := strings.TrimSpace(msgs.Find(".who").Text()); got != "Mia Message" {
			t.Errorf("from = %q", got)
		}
		if got := strings.TrimSpace(msgs.Find(".text").Text()); got != "Is the <b>lake house</b> still for sale?" {
			t.Errorf("text = %q (markup in a message must show as typed)", got)
		}
		if msgs.Find("time[datetime]").Length() != 1 {
			t.Errorf("no time")
		}
		ms, err := h.portal.Store.PortalMessages(ctx, ann.ID, c.ID)
		if err != nil || len(ms) != 1 || ms[0].ReadAt.IsZero() {
			t.Errorf("the contact's message is not marked read: %+v, %v", ms, err)
		}
	})

	t.Run("a reply appears as yours and queues a notice to the contact", func(t *testing.T) {
		p := b.post(t, "/contacts/"+c.ID+"/messages", url.Values{"text": {"Yes, it is. Shall we visit on Saturday?"}})
		p.wantRedirect("/contacts/" + c.ID + "?saved=message#portal")
		p = b.get(t, "/contacts/"+c.ID+"?saved=message")
		if got := p.text(".alert-success"); got != "Message sent." {
			t.Errorf("notice = %q", got)
		}
		last := p.find("#portal-messages > li").Last()
		if got := strings.TrimSpace(last.Find(".who").Text()); got != "You" {
			t.Errorf("from = %q", got)
		}
		if !last.HasClass("from-agent") || !strings.Contains(last.Find(".text").Text(), "Shall we visit on Saturday?") {
			t.Errorf("last message = %q", last.Text())
		}
		notices := cpQueued(t, h, c.ID, app.MailPortalNotice)
		if len(notices) != 1 || notices[0].To != "mia@example.com" || !strings.Contains(notices[0].Text, "/portal/messages") {
			t.Fatalf("notices = %+v", notices)
		}
		if strings.Contains(notices[0].Text, "Saturday") {
			t.Errorf("the notice carries the message; it should only point to the portal")
		}
	})

	t.Run("an empty reply is refused on the page", func(t *testing.T) {
		p := b.post(t, "/contacts/"+c.ID+"/messages", url.Values{"text": {"   "}})
		p.wantStatus(http.StatusUnprocessableEntity)
		if got := p.text("#portal-reply-err"); got != "Write a message first." {
			t.Errorf("error = %q", got)
		}
	})

	t.Run("a reply that is too long keeps the text", func(t *testing.T) {
		long := strings.Repeat("word ", app.MaxMessage/5+10)
		p := b.post(t, "/contacts/"+c.ID+"/messages", url.Values{"text": {long}})
		p.wantStatus(http.StatusUnprocessableEntity)
		if p.text("#portal-reply-err") == "" {
			t.Errorf("no error")
		}
		if got := p.one("#portal-reply-text").Text(); got != long {
			t.Errorf("the typed reply was not kept (%d characters back)", len(got))
		}
	})

	t.Run("a contact without an account cannot be written to", func(t *testing.T) {
		other := h.contact(t, ann, "Nick", "Noaccount", "nick@example.com")
		p := b.post(t, "/contacts/"+other.ID+"/messages", url.Values{"text": {"Hello"}})
		p.wantStatus(http.StatusUnprocessableEntity)
		if got := p.text("section#portal"); !strings.Contains(got, "no portal account") {
			t.Errorf("section = %q", got)
		}
	})
}

func TestContactPortalActivity(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ann := h.agent(t, "Ann Agent", "ann@example.com", false)
	b := h.loggedIn(t, "ann@example.com")
	c := h.contact(t, ann, "Theo", "Timeline", "theo@example.com")

	t.Run("a contact without an account has no timeline", func(t *testing.T) {
		p := b.get(t, "/contacts/"+c.ID)
		if p.find("#portal-activity").Length() != 0 {
			t.Errorf("a timeline is shown")
		}
	})

	if _, err := h.portal.CreateAccount(ctx, ann, c.ID, true); err != nil {
		t.Fatal(err)
	}
	a := cpPortalLogin(t, h, c.ID)
	steps := []func() error{
		func() error { _, err := h.portal.SendFromContact(ctx, a, c, "Hello there"); return err },
		func() error { _, err := h.portal.SendFromAgent(ctx, ann, c.ID, "Hello back"); return err },
		func() error { _, err := h.portal.ContactConversation(ctx, a); return err },
		func() error {
			_, err := h.portal.UpdateDetails(ctx, a, "555-0101", app.Address{City: "Springfield"})
			return err
		},
	}
	for _, step := range steps {
		time.Sleep(2 * time.Millisecond) // events sort by their ULID's time
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}

	p := b.get(t, "/contacts/"+c.ID)
	var got []string
	p.find("#portal-activity > li").Each(func(_ int, s *goquery.Selection) {
		got = append(got, strings.TrimSpace(s.Find(".what").Text()))
		if s.Find("time[datetime]").Length() != 1 {
			t.Errorf("event %q has no time", s.Text())
		}
	})
	want := []string{"Changed their details: phone 555-0101 added; address → Springfield", "Read your messages (1 message)",
		"You sent a message", "Sent a message", "Logged into the portal", "Invited to the portal"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("timeline, newest first:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := p.text("#portal-logins"); got != "1" {
		t.Errorf("logins = %q", got)
	}
	if got := p.text("#portal-last-login"); got == "never" || got == "" {
		t.Errorf("last login = %q", got)
	}
}

func TestContactPortalAPI(t *testing.T) {
	h := newHarness(t)
	ann := h.agent(t, "Ann Agent", "ann@example.com", false)
	tok := h.token(t, "ann@example.com")
	type portal struct {
		Username    string     `json:"username"`
		InvitedAt   *time.Time `json:"invited_at"`
		LastLoginAt *time.Time `json:"last_login_at"`
	}
	type contact struct {
		ID     string  `json:"id"`
		Portal *portal `json:"portal"`
	}

	t.Run("POST creates the account; invite also sends the invitation", func(t *testing.T) {
		c := h.contact(t, ann, "Api", "Plain", "api.plain@example.com")
		r := h.api(t, tok, http.MethodPost, "/api/v1/contacts/"+c.ID+"/portal", nil)
		if r.status != http.StatusCreated {
			t.Fatalf("status = %d: %s", r.status, r.body)
		}
		m := r.object(t)
		if m["username"] != "api.plain@example.com" || m["invited_at"] != nil || m["last_login_at"] != nil || len(m) != 3 {
			t.Errorf("body = %s", r.body)
		}
		if len(cpQueued(t, h, c.ID, app.MailPortalInvite)) != 0 {
			t.Errorf("an invitation was queued")
		}
		h.api(t, tok, http.MethodPost, "/api/v1/contacts/"+c.ID+"/portal", map[string]any{"invite": true}).wantError(t, http.StatusConflict, "conflict")

		c2 := h.contact(t, ann, "Api", "Invite", "api.invite@example.com")
		r = h.api(t, tok, http.MethodPost, "/api/v1/contacts/"+c2.ID+"/portal", map[string]any{"invite": true})
		var p portal
		r.decode(t, &p)
		if r.status != http.StatusCreated || p.Username != "api.invite@example.com" || p.InvitedAt == nil {
			t.Errorf("%d %s", r.status, r.body)
		}
		if len(cpQueued(t, h, c2.ID, app.MailPortalInvite)) != 1 {
			t.Errorf("no invitation queued")
		}
	})

	t.Run("bad requests are 422s", func(t *testing.T) {
		c := h.contact(t, ann, "Api", "Nomail", "")
		e := h.api(t, tok, http.MethodPost, "/api/v1/contacts/"+c.ID+"/portal", map[string]any{"invite": true}).
			wantError(t, http.StatusUnprocessableEntity, "invalid")
		if !strings.Contains(e.Error.Message, "no email address") {
			t.Errorf("message = %q", e.Error.Message)
		}
		c2 := h.contact(t, ann, "Api", "Typo", "api.typo@example.com")
		h.api(t, tok, http.MethodPost, "/api/v1/contacts/"+c2.ID+"/portal", map[string]any{"invitee": true}).
			wantError(t, http.StatusUnprocessableEntity, "invalid")
		h.api(t, tok, http.MethodPost, "/api/v1/contacts/"+c2.ID+"/portal", `{"invite":"yes"}`).
			wantError(t, http.StatusUnprocessableEntity, "invalid")
	})

	t.Run("the contact JSON carries the account, or null", func(t *testing.T) {
		with := h.contact(t, ann, "Json", "With", "json.with@example.com")
		without := h.contact(t, ann, "Json", "Without", "json.without@example.com")
		h.api(t, tok, http.MethodPost, "/api/v1/contacts/"+with.ID+"/portal", map[string]any{"invite": true})
		cpPortalLogin(t, h, with.ID)

		var got contact
		r := h.api(t, tok, http.MethodGet, "/api/v1/contacts/"+with.ID, nil)
		r.decode(t, &got)
		if got.Portal == nil || got.Portal.Username != "json.with@example.com" || got.Portal.InvitedAt == nil || got.Portal.LastLoginAt == nil {
			t.Errorf("portal = %+v in %s", got.Portal, r.body)
		}
		r = h.api(t, tok, http.MethodGet, "/api/v1/contacts/"+without.ID, nil)
		if m := r.object(t); m["portal"] != nil {
			t.Errorf("portal = %v, want null", m["portal"])
		} else if _, ok := m["portal"]; !ok {
			t.Errorf("no portal field")
		}

		var list struct {
			Items []contact `json:"items"`
		}
		h.api(t, tok, http.MethodGet, "/api/v1/contacts?q=Json", nil).decode(t, &list)
		if len(list.Items) != 2 {
			t.Fatalf("%d items", len(list.Items))
		}
		for _, it := range list.Items {
			switch it.ID {
			case with.ID:
				if it.Portal == nil || it.Portal.Username != "json.with@example.com" {
					t.Errorf("listed portal = %+v", it.Portal)
				}
			case without.ID:
				if it.Portal != nil {
					t.Errorf("listed portal = %+v, want null", it.Portal)
				}
			}
		}

		var patched contact
		h.api(t, tok, http.MethodPatch, "/api/v1/contacts/"+with.ID, map[string]any{"version": 1, "title": "Buyer",
			"portal": map[string]any{"username": "hijack@example.com"}}).decode(t, &patched)
		if patched.Portal == nil || patched.Portal.Username != "json.with@example.com" {
			t.Errorf("after PATCH portal = %+v", patched.Portal)
		}
	})
}

// TestContactPortalOtherAgent checks each new route with another agent's contact: a 404 that
// changes nothing (TestAuthorizationWalk walks them too, with the generic form).
func TestContactPortalOtherAgent(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ann := h.agent(t, "Ann Agent", "ann@example.com", false)
	h.agent(t, "Bob Agent", "bob@example.com", false)
	c := h.contact(t, ann, "Zelda", "Private", "zelda@example.com")
	withAccount := h.contact(t, ann, "Yuri", "Private", "yuri@example.com")
	if _, err := h.portal.CreateAccount(ctx, ann, withAccount.ID, false); err != nil {
		t.Fatal(err)
	}
	bob := h.loggedIn(t, "bob@example.com")
	bob.get(t, "/contacts")
	bobTok := h.token(t, "bob@example.com")

	for _, id := range []string{c.ID, withAccount.ID} {
		for _, tt := range []struct {
			path string
			form url.Values
		}{
			{"/contacts/" + id + "/portal", url.Values{"invite": {"1"}}},
			{"/contacts/" + id + "/portal/invite", nil},
			{"/contacts/" + id + "/messages", url.Values{"text": {"Hello from Bob"}}},
		} {
			p := bob.post(t, tt.path, tt.form)
			if p.status != http.StatusNotFound || strings.Contains(p.body, "Private") {
				t.Errorf("POST %s = %d:\n%.300s", tt.path, p.status, p.body)
			}
		}
		h.api(t, bobTok, http.MethodPost, "/api/v1/contacts/"+id+"/portal", map[string]any{"invite": true}).wantError(t, http.StatusNotFound, "not_found")
	}
	if _, err := h.portal.Account(ctx, ann.ID, c.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("Bob made Ann's contact an account: %v", err)
	}
	if ms, _ := h.portal.Store.PortalMessages(ctx, ann.ID, withAccount.ID); len(ms) != 0 {
		t.Errorf("Bob wrote to Ann's contact: %+v", ms)
	}
	if n := len(cpQueued(t, h, withAccount.ID, app.MailPortalInvite)) + len(cpQueued(t, h, c.ID, app.MailPortalInvite)); n != 0 {
		t.Errorf("Bob queued %d invitations", n)
	}
}
