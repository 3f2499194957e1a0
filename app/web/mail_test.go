package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"agentbook/app"
)

// sinkMailer "delivers" by refusing addresses at bounce.test the way the sink does.
type sinkMailer struct{ sent []*app.OutMessage }

func (m *sinkMailer) Send(_ context.Context, msg *app.OutMessage) error {
	if strings.HasSuffix(msg.To, "@bounce.test") {
		return &app.DeliveryError{Code: 550, Enhanced: "5.1.1", Stage: "rcpt", Message: "<" + msg.To + ">: recipient rejected by --sink-reject"}
	}
	m.sent = append(m.sent, msg)
	return nil
}

func (h *harness) deliver(t *testing.T, m app.Mailer) {
	t.Helper()
	h.outbox.Mailer = m
	if _, err := h.outbox.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestEmailContact(t *testing.T) {
	h := newHarness(t)
	u := h.agent(t, "Alex Agent", "alex@example.com", false)
	ann := h.contact(t, u, "Ann", "Lee", "ann@example.com")
	b := h.loggedIn(t, "alex@example.com")

	t.Run("the contact page links to Email and shows no activity yet", func(t *testing.T) {
		p := b.get(t, "/contacts/"+ann.ID)
		p.wantStatus(http.StatusOK)
		if href, _ := p.one("#email-contact").Attr("href"); href != "/contacts/"+ann.ID+"/email" {
			t.Errorf("Email links to %q", href)
		}
		if !strings.Contains(p.text("#email-activity"), "No email sent") {
			t.Errorf("activity: %q", p.text("#email-activity"))
		}
	})
	t.Run("the compose page names the recipient's address", func(t *testing.T) {
		p := b.get(t, "/contacts/"+ann.ID+"/email")
		p.wantStatus(http.StatusOK)
		if got := p.text("#recipients"); !strings.Contains(got, "Ann Lee") || !strings.Contains(got, "ann@example.com") {
			t.Errorf("recipients: %q", got)
		}
	})
	t.Run("a message without a subject is refused and keeps what was written", func(t *testing.T) {
		p := b.post(t, "/contacts/"+ann.ID+"/email", url.Values{"subject": {""}, "text": {"Keep this text"}})
		p.wantStatus(http.StatusUnprocessableEntity)
		if p.text("#compose-text") != "Keep this text" || !strings.Contains(p.text(".field.has-error"), "Enter a subject") {
			t.Errorf("form: %s", p.text("#compose"))
		}
	})
	t.Run("sending queues it, and delivery shows on the contact's page as sent", func(t *testing.T) {
		p := b.post(t, "/contacts/"+ann.ID+"/email", url.Values{"subject": {"Open house"}, "text": {"Sunday at 2."}})
		p.wantStatus(http.StatusOK)
		if !strings.Contains(p.text("#email-result"), "ann@example.com") {
			t.Fatalf("result: %q", p.text("#email-result"))
		}
		p = b.get(t, "/contacts/"+ann.ID)
		if got := p.text("#email-activity .activity-row"); !strings.Contains(got, "Open house") || !strings.Contains(got, "Queued") {
			t.Errorf("activity before delivery: %q", got)
		}
		m := &sinkMailer{}
		h.deliver(t, m)
		if len(m.sent) != 1 || m.sent[0].Subject != "Open house" {
			t.Fatalf("sent %+v", m.sent)
		}
		if got := b.get(t, "/contacts/"+ann.ID).text("#email-activity .activity-row"); !strings.Contains(got, "Sent") {
			t.Errorf("activity after delivery: %q", got)
		}
	})
	t.Run("the selection in the list is emailed in one go", func(t *testing.T) {
		bob := h.contact(t, u, "Bob", "Stone", "bob@example.com")
		cy := h.contact(t, u, "Cy", "Nomail", "")
		p := b.get(t, "/contacts/email?id="+ann.ID+"&id="+bob.ID+"&id="+cy.ID)
		p.wantStatus(http.StatusOK)
		if p.find("#recipients li").Length() != 3 || !strings.Contains(p.text("#recipients"), "no email address") {
			t.Fatalf("recipients: %q", p.text("#recipients"))
		}
		p = b.post(t, "/contacts/email", url.Values{"id": {ann.ID, bob.ID, cy.ID}, "subject": {"News"}, "text": {"Prices are up."}})
		p.wantStatus(http.StatusOK)
		if got := p.text("#email-result"); !strings.Contains(got, "bob@example.com") || !strings.Contains(got, "Cy Nomail: no email address") {
			t.Errorf("result: %q", got)
		}
	})
	t.Run("no selection sends the agent back with a hint", func(t *testing.T) {
		b.get(t, "/contacts/email").wantRedirect("/contacts?done=none-selected-email")
	})
	t.Run("the API queues an email and answers 202 with where it goes", func(t *testing.T) {
		tok := h.token(t, "alex@example.com")
		r := h.api(t, tok, http.MethodPost, "/api/v1/contacts/"+ann.ID+"/email", map[string]string{"subject": "Hi", "text": "Hello"})
		if r.status != http.StatusAccepted || !strings.Contains(r.body, `"address":"ann@example.com"`) {
			t.Fatalf("%d %s", r.status, r.body)
		}
		r = h.api(t, tok, http.MethodPost, "/api/v1/contacts/"+ann.ID+"/email", map[string]string{"subject": "", "text": "Hello"})
		if e := r.wantError(t, http.StatusUnprocessableEntity, "invalid"); e.Error.Fields["subject"] == "" {
			t.Errorf("fields: %v", e.Error.Fields)
		}
	})
}

func TestActionRequired(t *testing.T) {
	h := newHarness(t)
	u := h.agent(t, "Alex Agent", "alex@example.com", false)
	ann := h.contact(t, u, "Ann", "Lee", "ann@bounce.test")
	if _, err := h.contacts.Update(context.Background(), u.ID, &app.Contact{ID: ann.ID, Version: ann.Version, FirstName: "Ann", LastName: "Lee",
		Emails: []app.Email{{Address: "ann@bounce.test"}, {Address: "ann.old@bounce.test", Notify: true}}}); err != nil {
		t.Fatal(err)
	}
	b := h.loggedIn(t, "alex@example.com")

	t.Run("no banner while every address is fine", func(t *testing.T) {
		if n := b.get(t, "/contacts").find("#action-required").Length(); n != 0 {
			t.Fatal("banner shown")
		}
	})
	b.post(t, "/contacts/"+ann.ID+"/email", url.Values{"subject": {"Hello"}, "text": {"Hi Ann"}}).wantStatus(http.StatusOK)
	h.deliver(t, &sinkMailer{})

	t.Run("a bounce raises the banner with the count and View Email Addresses", func(t *testing.T) {
		p := b.get(t, "/contacts")
		if got := p.text("#action-required"); !strings.Contains(got, "Action Required") || !strings.Contains(got, "1 contact has an invalid email address") {
			t.Fatalf("banner: %q", got)
		}
		if href, _ := p.one("#view-email-addresses").Attr("href"); href != "/contacts/email-addresses" {
			t.Errorf("View Email Addresses → %q", href)
		}
		if got := p.text("#contact-" + ann.ID); !strings.Contains(got, "Invalid") {
			t.Errorf("row: %q", got)
		}
	})
	t.Run("the Email status filter lists the contact", func(t *testing.T) {
		p := b.get(t, "/contacts?email_status=invalid")
		if p.find("#contact-rows tr.row").Length() != 1 {
			t.Fatalf("rows: %q", p.text("#contact-rows"))
		}
		if p.find("#contact-rows tr.row").Length() != 1 || b.get(t, "/contacts?email_status=valid").find("#contact-rows tr.row").Length() != 0 {
			t.Fatal("filter")
		}
	})
	t.Run("View Email Addresses lists both addresses with the bounce reply; only the secondary can be removed", func(t *testing.T) {
		p := b.get(t, "/contacts/email-addresses")
		p.wantStatus(http.StatusOK)
		rows := p.find("#invalid-rows tr.invalid-row")
		if rows.Length() != 2 {
			t.Fatalf("rows: %q", p.text("#invalid-rows"))
		}
		if got := p.text("#invalid-rows"); !strings.Contains(got, "bounced: 550 5.1.1") {
			t.Errorf("reason: %q", got)
		}
		if p.find("#invalid-rows .remove-email").Length() != 1 || p.find("#invalid-rows .edit-email").Length() != 2 {
			t.Errorf("actions: %d Remove, %d Edit", p.find(".remove-email").Length(), p.find(".edit-email").Length())
		}
	})
	base := "/contacts/" + ann.ID + "/emails/"
	t.Run("Edit opens a form with the address", func(t *testing.T) {
		p := b.hx(t, http.MethodGet, base+"edit?address="+url.QueryEscape("ann@bounce.test"), "invalid-row", nil)
		p.wantStatus(http.StatusOK)
		if p.find("input[name=new_address]").AttrOr("value", "") != "ann@bounce.test" {
			t.Fatalf("%s", p.body)
		}
	})
	t.Run("Save refuses a malformed address and keeps what was typed", func(t *testing.T) {
		p := b.hx(t, http.MethodPost, base+"fix", "invalid-row", url.Values{"address": {"ann@bounce.test"}, "new_address": {"ann at example"}})
		p.wantStatus(http.StatusOK)
		if p.find("input[name=new_address]").AttrOr("value", "") != "ann at example" || p.text(".error") == "" {
			t.Fatalf("%s", p.body)
		}
	})
	t.Run("Save stores a good address in the primary's place", func(t *testing.T) {
		p := b.hx(t, http.MethodPost, base+"fix", "invalid-row", url.Values{"address": {"ann@bounce.test"}, "new_address": {"ann@example.com"}})
		p.wantStatus(http.StatusOK)
		if !strings.Contains(p.text("tr"), "Saved ann@example.com") {
			t.Fatalf("%s", p.body)
		}
		c, _ := h.contacts.Get(context.Background(), u.ID, ann.ID)
		if c.Emails[0].Address != "ann@example.com" || c.Emails[0].Status != app.EmailValid {
			t.Fatalf("%+v", c.Emails)
		}
	})
	t.Run("Remove takes the secondary address away and the banner goes", func(t *testing.T) {
		p := b.hx(t, http.MethodPost, base+"remove", "invalid-row", url.Values{"address": {"ann.old@bounce.test"}})
		p.wantStatus(http.StatusOK)
		if !strings.Contains(p.text("tr"), "Removed ann.old@bounce.test") {
			t.Fatalf("%s", p.body)
		}
		if n := b.get(t, "/contacts").find("#action-required").Length(); n != 0 {
			t.Fatal("banner still shown")
		}
		if got := b.get(t, "/contacts/email-addresses").text("#invalid-rows"); !strings.Contains(got, "Nothing to do") {
			t.Errorf("list: %q", got)
		}
	})
}

func TestMailPage(t *testing.T) {
	h := newHarness(t)
	admin := h.agent(t, "Ada Admin", "ada@example.com", true)
	u := h.agent(t, "Alex Agent", "alex@example.com", false)
	mine := h.captured(t, u.ID, "Alex's invitation")
	other := h.captured(t, admin.ID, "Ada's note")
	h.captured(t, "", "Sent by a developer's script")
	b := h.loggedIn(t, "alex@example.com")

	t.Run("an agent sees only the mail they sent", func(t *testing.T) {
		p := b.get(t, "/mail")
		p.wantStatus(http.StatusOK)
		if got := p.text("#mail-rows"); !strings.Contains(got, "Alex's invitation") || strings.Contains(got, "Ada's note") || strings.Contains(got, "developer") {
			t.Fatalf("rows: %q", got)
		}
		b.get(t, "/mail/"+other).wantStatus(http.StatusNotFound)
	})
	t.Run("the admin sees every message, newest first, and can filter", func(t *testing.T) {
		a := h.loggedIn(t, "ada@example.com")
		p := a.get(t, "/mail")
		if p.find("#mail-rows tr.mail-row").Length() != 3 || !strings.HasPrefix(p.text("#mail-rows tr.mail-row:first-child"), time.Now().Format("Jan 2")) {
			t.Fatalf("rows: %q", p.text("#mail-rows"))
		}
		if got := p.text("#mail-rows tr.mail-row:first-child"); !strings.Contains(got, "developer") {
			t.Errorf("newest first: %q", got)
		}
		if got := a.get(t, "/mail?q=NOTE").text("#mail-rows"); !strings.Contains(got, "Ada's note") || strings.Contains(got, "invitation") {
			t.Errorf("filtered: %q", got)
		}
	})
	t.Run("a message shows as text with working links, as HTML in a sandbox, and its headers", func(t *testing.T) {
		p := b.get(t, "/mail/"+mine)
		p.wantStatus(http.StatusOK)
		if href, _ := p.one("#mail-text a").Attr("href"); href != "http://example.com/x" {
			t.Errorf("link %q", href)
		}
		p = b.get(t, "/mail/"+mine+"?view=html")
		frame := p.one("iframe#mail-html")
		if sb, _ := frame.Attr("sandbox"); strings.Contains(sb, "allow-scripts") || strings.Contains(sb, "allow-same-origin") {
			t.Errorf("sandbox %q", sb)
		}
		raw := b.get(t, "/mail/"+mine+"/html")
		csp := raw.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "sandbox") || !strings.Contains(raw.body, "<b>Alex's invitation</b>") {
			t.Errorf("CSP %q body %q", csp, raw.body)
		}
		if got := b.get(t, "/mail/"+mine+"?view=headers").text("table.headers"); !strings.Contains(got, "Subject") {
			t.Errorf("headers: %q", got)
		}
	})
	t.Run("the API lists and reads the agent's captured mail", func(t *testing.T) {
		tok := h.token(t, "alex@example.com")
		r := h.api(t, tok, http.MethodGet, "/api/v1/mail/messages", nil)
		if r.status != http.StatusOK || !strings.Contains(r.body, `"total":1`) || !strings.Contains(r.body, "Alex's invitation") {
			t.Fatalf("%d %s", r.status, r.body)
		}
		r = h.api(t, tok, http.MethodGet, "/api/v1/mail/messages/"+mine, nil)
		if r.status != http.StatusOK || !strings.Contains(r.body, `"html"`) || !strings.Contains(r.body, `"headers"`) {
			t.Fatalf("%d %s", r.status, r.body)
		}
		h.api(t, tok, http.MethodGet, "/api/v1/mail/messages/"+other, nil).wantError(t, http.StatusNotFound, "not_found")
	})
	t.Run("Clear removes the agent's mail and leaves the others'", func(t *testing.T) {
		b.post(t, "/mail/clear", nil).wantRedirect("/mail?cleared=1")
		if got := h.loggedIn(t, "ada@example.com").get(t, "/mail").find("#mail-rows tr.mail-row").Length(); got != 2 {
			t.Fatalf("%d left", got)
		}
	})
}
