package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// login logs in through the login form and waits for Contact Management.
func (b *browser) login(email, password string) {
	b.t.Helper()
	b.do("log in as "+email, chromedp.Navigate(b.base+"/login"), chromedp.WaitVisible(chromedp.ID("login-form")),
		chromedp.SendKeys(chromedp.ID("f-email"), email),
		chromedp.SendKeys(chromedp.ID("f-password"), password),
		chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("quick-add")))
}

// TestBrowserActionRequired runs the invalid-address flow in Chromium against the whole program:
// a contact whose address matches the sink's reject glob is emailed from their page, the sink
// answers 550 5.1.1, the blue Action Required banner appears; View Email Addresses → Edit →
// Save a good address → Done, and the banner is gone. The captured mail is then read on the
// Mail page.
func TestBrowserActionRequired(t *testing.T) {
	srv := startServer(t, t.TempDir())
	mustCLI(t, nil, "user", "add", "--data", srv.Data, "--email", "ada@office.test", "--name", "Ada Agent", "--password", "correct horse battery")
	var tok struct{ Token string }
	mustCLI(t, &tok, "token", "create", "--data", srv.Data, "--email", "ada@office.test")
	var c apiContact
	st, body := call(t, "POST", srv.URL+"/api/v1/contacts", tok.Token, map[string]any{"first_name": "Ann", "last_name": "Bounce",
		"emails": []map[string]any{{"address": "ann@bounce.test"}}}, &c)
	expectStatus(t, "create contact", st, http.StatusCreated, body)

	b := startBrowser(t, srv)
	b.login("ada@office.test", "correct horse battery")
	if n := eval[int](b, "banner before", `document.querySelectorAll("#action-required").length`); n != 0 {
		t.Fatal("the banner shows before anything bounced")
	}

	b.do("open the contact and Email", chromedp.Navigate(srv.URL+"/contacts/"+c.ID), chromedp.WaitVisible(chromedp.ID("email-contact")),
		chromedp.Click(chromedp.ID("email-contact")), chromedp.WaitVisible(chromedp.ID("compose")))
	b.do("write and send",
		chromedp.SendKeys(chromedp.ID("compose-subject"), "Open house on Sunday"),
		chromedp.SendKeys(chromedp.ID("compose-text"), "Hi Ann,\nthe house on Elm St. is open from 2 to 4."),
		chromedp.Click(chromedp.ID("send-email")), chromedp.WaitVisible(chromedp.ID("email-result")))
	b.shot("mail-01-queued")

	// The outbox delivers in the background; the sink refuses the address.
	if !b.poll(`fetch("/contacts").then(r => r.text()).then(t => t.includes("action-required"))`, 10*time.Second) {
		t.Fatal("the banner did not appear after the bounce")
	}
	b.do("back to the list", chromedp.Navigate(srv.URL+"/contacts"), chromedp.WaitVisible(chromedp.ID("action-required")))
	if txt := value(b, "banner", chromedp.Text(chromedp.ID("action-required"))); !strings.Contains(txt, "Action Required") || !strings.Contains(txt, "1 contact has an invalid email address") {
		t.Errorf("banner = %q", txt)
	}
	b.shot("mail-02-action-required")

	b.do("View Email Addresses", chromedp.Click(chromedp.ID("view-email-addresses")), chromedp.WaitVisible(chromedp.CSS("#invalid-rows .edit-email")))
	if txt := value(b, "reason", chromedp.Text(chromedp.CSS("#invalid-rows td.reason"))); !strings.Contains(txt, "550 5.1.1") {
		t.Errorf("reason = %q", txt)
	}
	b.shot("mail-03-invalid-addresses")
	b.do("Edit", chromedp.Click(chromedp.CSS("#invalid-rows .edit-email")), chromedp.WaitVisible(chromedp.CSS(`input[name=new_address]`)))
	b.do("Save a malformed address",
		chromedp.SetValue(chromedp.CSS(`input[name=new_address]`), "ann at example"),
		chromedp.Click(chromedp.CSS(".save-email")),
		chromedp.WaitVisible(chromedp.CSS(".fix-email .error")))
	if v := eval[string](b, "kept input", `document.querySelector("input[name=new_address]").value`); v != "ann at example" {
		t.Errorf("after an error the input holds %q", v)
	}
	b.shot("mail-04-edit-error")
	b.do("Save a good address",
		chromedp.SetValue(chromedp.CSS(`input[name=new_address]`), "ann@example.com"),
		chromedp.Click(chromedp.CSS(".save-email")),
		chromedp.WaitVisible(chromedp.CSS("tr.invalid-row.fixed")))
	b.shot("mail-05-fixed")
	b.do("Done", chromedp.Click(chromedp.ID("done")), chromedp.WaitVisible(chromedp.ID("quick-add")))
	if n := eval[int](b, "banner after", `document.querySelectorAll("#action-required").length`); n != 0 {
		t.Error("the banner is still shown after the address was fixed")
	}

	// The captured message, as the developer reads it on the Mail page.
	mustCLI(t, nil, "user", "add", "--data", srv.Data, "--email", "boss@office.test", "--name", "Boss", "--admin", "--password", "correct horse battery")
	b.do("send again to the fixed address", chromedp.Navigate(srv.URL+"/contacts/"+c.ID+"/email"), chromedp.WaitVisible(chromedp.ID("compose")),
		chromedp.SendKeys(chromedp.ID("compose-subject"), "Second try"),
		chromedp.SendKeys(chromedp.ID("compose-text"), "See https://example.com/listing/12"),
		chromedp.Click(chromedp.ID("send-email")), chromedp.WaitVisible(chromedp.ID("email-result")))
	if !b.poll(`fetch("/mail").then(r => r.text()).then(t => t.includes("Second try"))`, 10*time.Second) {
		t.Fatal("the sink did not capture the second message")
	}
	b.do("open Mail", chromedp.Navigate(srv.URL+"/mail"), chromedp.WaitVisible(chromedp.CSS("#mail-rows .mail-link")))
	b.shot("mail-06-mail-page")
	b.do("open the message", chromedp.Click(chromedp.CSS("#mail-rows .mail-link")), chromedp.WaitVisible(chromedp.ID("mail-text")))
	if href := eval[string](b, "link", `document.querySelector("#mail-text a").href`); href != "https://example.com/listing/12" {
		t.Errorf("the link in the text is %q", href)
	}
	b.shot("mail-07-message")
	b.do("contact page shows the activity", chromedp.Navigate(srv.URL+"/contacts/"+c.ID), chromedp.WaitVisible(chromedp.ID("email-activity")))
	if txt := value(b, "activity", chromedp.Text(chromedp.ID("email-activity"))); !strings.Contains(txt, "Bounced") || !strings.Contains(txt, "Second try") {
		t.Errorf("activity = %q", txt)
	}
	b.shot("mail-08-activity")
}
