package main

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// apiMail is the part of a captured message that these tests look at.
type apiMail struct {
	ID      string   `json:"id"`
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
}

// waitMail polls the sink's capture, as the token's agent sees it, until a message matches,
// and returns it with its text.
func waitMail(t *testing.T, srv *testServer, token, what string, match func(apiMail) bool) apiMail {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		var l struct{ Items []apiMail }
		st, body := call(t, "GET", srv.URL+"/api/v1/mail/messages", token, nil, &l)
		expectStatus(t, "list mail", st, http.StatusOK, body)
		for _, m := range l.Items {
			if match(m) {
				var full apiMail
				st, body := call(t, "GET", srv.URL+"/api/v1/mail/messages/"+m.ID, token, nil, &full)
				expectStatus(t, "get mail", st, http.StatusOK, body)
				return full
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not in the sink after 20s; the sink holds %+v", what, l.Items)
		}
		<-tick.C
	}
}

// TestBrowserReverseProspecting runs saved searches and Reverse Prospecting in Chromium against
// the whole program. Agent A adds a saved search for a contact with Reverse Prospecting on (a
// second contact, with it off, has a matching search too); agent B adds a listing that matches
// both. B's listing page names A with one matching contact and nothing of the contact; the
// contact's notification reaches the sink with an unsubscribe link that works without a login;
// B's "Contact these agents" emails A without the contact's details; A sees the contact on the
// listing's page.
func TestBrowserReverseProspecting(t *testing.T) {
	srv := startServer(t, t.TempDir())
	const (
		pass       = "correct horse battery"
		emailA     = "ada@office.test"
		nameA      = "Ada Agent"
		emailB     = "ben@office.test"
		nameB      = "Ben Broker"
		clientMail = "zebulon.q@lakeside.test"
	)
	mustCLI(t, nil, "user", "add", "--data", srv.Data, "--email", emailA, "--name", nameA, "--password", pass)
	mustCLI(t, nil, "user", "add", "--data", srv.Data, "--email", emailB, "--name", nameB, "--password", pass)
	var tokA, tokB struct{ Token string }
	mustCLI(t, &tokA, "token", "create", "--data", srv.Data, "--email", emailA)
	mustCLI(t, &tokB, "token", "create", "--data", srv.Data, "--email", emailB)

	var zeb, olive apiContact
	st, body := call(t, "POST", srv.URL+"/api/v1/contacts", tokA.Token, map[string]any{"first_name": "Zebulon", "last_name": "Quixotic",
		"emails": []map[string]any{{"address": clientMail}}, "reverse_prospecting": true}, &zeb)
	expectStatus(t, "create Zebulon", st, http.StatusCreated, body)
	st, body = call(t, "POST", srv.URL+"/api/v1/contacts", tokA.Token, map[string]any{"first_name": "Olive", "last_name": "Private",
		"emails": []map[string]any{{"address": "olive@example.com"}}, "reverse_prospecting": false}, &olive)
	expectStatus(t, "create Olive", st, http.StatusCreated, body)
	// Olive's search matches the listing too, but without Reverse Prospecting she is not counted
	// (and with notifications off she gets no email).
	st, body = call(t, "POST", srv.URL+"/api/v1/saved-searches", tokA.Token, map[string]any{"name": "Anything in Springfield",
		"cities": []string{"Springfield"}, "schedule": "off", "contact_ids": []string{olive.ID}}, nil)
	expectStatus(t, "create Olive's search", st, http.StatusCreated, body)

	b := startBrowser(t, srv)

	// A adds the saved search from the contact's page.
	b.login(emailA, pass)
	b.do("open the contact", chromedp.Navigate(srv.URL+"/contacts/"+zeb.ID), chromedp.WaitVisible(chromedp.ID("saved-searches")))
	if !eval[bool](b, "Reverse Prospecting box", `document.getElementById("f-rp").checked`) {
		t.Error("the contact's Reverse Prospecting box is not ticked")
	}
	b.do("Add saved search", chromedp.Click(chromedp.ID("search-add")), chromedp.WaitVisible(chromedp.ID("search-form")))
	b.do("fill the search",
		chromedp.SendKeys(chromedp.ID("search-name"), "Lake house"),
		chromedp.Clear(chromedp.ID("search-cities")),
		chromedp.SendKeys(chromedp.ID("search-cities"), "Springfield"),
		chromedp.SendKeys(chromedp.ID("search-price-max"), "500000"),
		chromedp.SendKeys(chromedp.ID("search-beds"), "3"),
		chromedp.Click(chromedp.ID("type-house")),
		chromedp.SetValue(chromedp.ID("search-schedule"), "asap"),
	)
	if got := eval[string](b, "schedule", `document.getElementById("search-schedule").selectedOptions[0].textContent`); got != "As soon as a listing matches" {
		t.Errorf("Email new listings shows %q", got)
	}
	b.shot("rp-01-search-form")
	b.do("Save search", chromedp.Click(chromedp.ID("search-save")), chromedp.WaitVisible(chromedp.CSS("#saved-searches .search-list li")))
	if loc := value(b, "location", chromedp.Location()); !strings.Contains(loc, "/contacts/"+zeb.ID) {
		t.Errorf("Save search went to %s, want the contact's page", loc)
	}
	searches := value(b, "saved searches", chromedp.Text(chromedp.ID("saved-searches")))
	for _, want := range []string{"Lake house", "Springfield · up to $500,000 · 3+ bd · house", "As soon as a listing matches"} {
		if !strings.Contains(searches, want) {
			t.Errorf("#saved-searches = %q, want %q in it", searches, want)
		}
	}
	b.shot("rp-02-contact-with-search")
	b.do("log out as A", chromedp.Click(chromedp.CSS(`header form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.ID("login-form")))

	// B adds a listing that matches.
	b.login(emailB, pass)
	b.do("open Listings", chromedp.Click(chromedp.CSS(`nav a[href="/listings"]`)), chromedp.WaitVisible(chromedp.ID("listing-add")))
	b.do("Add listing", chromedp.Click(chromedp.ID("listing-add")), chromedp.WaitVisible(chromedp.ID("listing-form")))
	b.do("fill the listing",
		chromedp.SendKeys(chromedp.ID("listing-address"), "12 Elm St"),
		chromedp.SendKeys(chromedp.ID("listing-city"), "Springfield"),
		chromedp.SendKeys(chromedp.ID("listing-postal"), "62701"),
		chromedp.SendKeys(chromedp.ID("listing-price"), "450000"),
		chromedp.SendKeys(chromedp.ID("listing-beds"), "3"),
		chromedp.SendKeys(chromedp.ID("listing-baths"), "2"),
		chromedp.SetValue(chromedp.ID("listing-type"), "house"),
	)
	b.shot("rp-03-listing-form")
	b.do("save the listing", chromedp.Click(chromedp.ID("listing-save")), chromedp.WaitVisible(chromedp.ID("reverse-prospecting")))
	listingPath := eval[string](b, "listing path", `location.pathname`)
	if txt := value(b, "notice", chromedp.Text(chromedp.CSS(".alert-success"))); !strings.Contains(txt, "Notification emails queued: 1.") {
		t.Errorf("the notice after Add listing = %q, want one email queued", txt)
	}
	agents := eval[[]string](b, "agent matches", `[...document.querySelectorAll("#agent-matches li")].map(li => li.textContent)`)
	if len(agents) != 1 || !strings.Contains(agents[0], nameA) || !strings.Contains(agents[0], "1 matching contact") {
		t.Errorf("#agent-matches = %q, want %s with 1 matching contact", agents, nameA)
	}
	if n := eval[int](b, "own matches", `document.querySelectorAll("#own-matches li").length`); n != 0 {
		t.Errorf("B's own matches list %d contacts, want none", n)
	}
	page := eval[string](b, "whole page", `document.documentElement.outerHTML + document.body.innerText`)
	for _, secret := range []string{"Zebulon", "Quixotic", clientMail, "Olive"} {
		if strings.Contains(page, secret) {
			t.Errorf("B's listing page shows %q, a detail of A's contact", secret)
		}
	}
	b.shot("rp-04-listing-page")

	// The contact's notification, with its unsubscribe link.
	note := waitMail(t, srv, tokA.Token, "the contact's notification", func(m apiMail) bool { return slices.Contains(m.To, clientMail) })
	if !strings.Contains(note.Subject, "12 Elm St") || !strings.Contains(note.Subject, "Lake house") {
		t.Errorf("the notification's subject is %q, want the search and the listing", note.Subject)
	}
	link := regexp.MustCompile(`https?://\S+/unsubscribe/\S+`).FindString(note.Text)
	if link == "" {
		t.Fatalf("the notification has no unsubscribe link:\n%s", note.Text)
	}
	unsub, err := url.Parse(link)
	if err != nil {
		t.Fatalf("unsubscribe link %q: %v", link, err)
	}
	var mineA struct{ Items []apiMail }
	st, body = call(t, "GET", srv.URL+"/api/v1/mail/messages?q=olive", tokA.Token, nil, &mineA)
	expectStatus(t, "A's mail to Olive", st, http.StatusOK, body)
	if len(mineA.Items) != 0 {
		t.Errorf("Olive, whose notifications are off, was emailed: %+v", mineA.Items)
	}

	// B writes to the agents.
	b.do("Contact these agents",
		chromedp.SendKeys(chromedp.ID("agents-note"), "Showings from Saturday; call me."),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(".alert-success").remove()`), // wait for the new page's
		chromedp.Click(chromedp.ID("agents-send")),
		chromedp.WaitVisible(chromedp.CSS(".alert-success")))
	if txt := value(b, "sent notice", chromedp.Text(chromedp.CSS(".alert-success"))); !strings.Contains(txt, "Email queued to the agent.") {
		t.Errorf("the notice after Contact these agents = %q", txt)
	}
	b.shot("rp-05-agents-contacted")
	toA := waitMail(t, srv, tokB.Token, "B's email to A", func(m apiMail) bool { return slices.Contains(m.To, emailA) })
	if !strings.Contains(toA.Subject, "12 Elm St") || !strings.Contains(toA.Text, "Showings from Saturday") {
		t.Errorf("B's email to A: subject %q, text:\n%s", toA.Subject, toA.Text)
	}
	for _, secret := range []string{"Zebulon", "Quixotic", clientMail} {
		if strings.Contains(toA.Subject+toA.Text, secret) {
			t.Errorf("B's email to A contains %q, a detail of A's contact", secret)
		}
	}

	// The unsubscribe link works without a login.
	b.do("log out as B", chromedp.Click(chromedp.CSS(`header form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.ID("login-form")))
	// Without --base-url, links use the address the server listens on (not --addr's port 0).
	if unsub.Host != strings.TrimPrefix(srv.URL, "http://") {
		t.Errorf("the unsubscribe link points at %s, not the server's %s", unsub.Host, srv.URL)
	}
	b.do("follow the unsubscribe link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("unsubscribed")))
	if txt := value(b, "unsubscribed", chromedp.Text(chromedp.CSS("h1"))); txt != "Unsubscribed" {
		t.Errorf("the unsubscribe page's heading is %q", txt)
	}
	b.shot("rp-06-unsubscribed")
	var ss struct {
		Items []struct{ Name, Schedule string }
	}
	st, body = call(t, "GET", srv.URL+"/api/v1/saved-searches?contact_id="+zeb.ID, tokA.Token, nil, &ss)
	expectStatus(t, "Zebulon's searches", st, http.StatusOK, body)
	if len(ss.Items) != 1 || ss.Items[0].Schedule != "off" {
		t.Errorf("Zebulon's searches after the unsubscribe = %+v, want Lake house with schedule off", ss.Items)
	}

	// A sees their own contact on the listing, and not the one without Reverse Prospecting.
	b.login(emailA, pass)
	b.do("A opens the listing", chromedp.Navigate(srv.URL+listingPath), chromedp.WaitVisible(chromedp.ID("own-matches")))
	if own := value(b, "own matches", chromedp.Text(chromedp.ID("own-matches"))); !strings.Contains(own, "Zebulon Quixotic") || !strings.Contains(own, "Lake house") || strings.Contains(own, "Olive") {
		t.Errorf("A's own matches = %q, want Zebulon Quixotic (Lake house) only", own)
	}
	if n := eval[int](b, "agent matches", `document.querySelectorAll("#agent-matches").length`); n != 0 {
		t.Error("A's view of the listing lists other agents, but only A has matching contacts")
	}
	b.shot("rp-07-listing-as-A")
}
