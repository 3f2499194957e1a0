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

// TestBrowserPortalLoop runs the client portal's whole loop in Chromium against the whole
// program. Agent A adds a contact with Quick Add and the Portal box ticked; the invitation
// reaches the sink with a set-password link on the server's own address; the contact opens it,
// chooses a password, logs into the portal (the agent's session in the same browser does not
// matter: the portal has its own cookie), sees the agent's name and writes a message. On the
// contact's page A sees the account with its last login, the message and the activity, and
// answers; the contact is emailed a notice without the text and reads the answer in the portal,
// which A's page then shows as read.
func TestBrowserPortalLoop(t *testing.T) {
	srv := startServer(t, t.TempDir())
	const (
		pass       = "correct horse battery"
		emailA     = "ada@office.test"
		nameA      = "Ada Agent"
		clientMail = "Jamie.Client@Harbor.test"
		username   = "jamie.client@harbor.test" // the email, lower-cased
		clientPass = "blue harbor lantern"
		question   = "Can we see 12 Elm on Saturday?"
		answer     = "Yes, 10am works."
	)
	mustCLI(t, nil, "user", "add", "--data", srv.Data, "--email", emailA, "--name", nameA, "--password", pass)
	var tokA struct{ Token string }
	mustCLI(t, &tokA, "token", "create", "--data", srv.Data, "--email", emailA)

	b := startBrowser(t, srv)
	b.login(emailA, pass)

	// Quick Add with Portal ticked creates the account and sends the invitation.
	b.do("quick add Jamie with Portal",
		chromedp.SendKeys(chromedp.ID("qa-first"), "Jamie"),
		chromedp.SendKeys(chromedp.ID("qa-last"), "Client"),
		chromedp.SendKeys(chromedp.ID("qa-email"), clientMail),
		chromedp.Click(chromedp.ID("qa-portal")),
	)
	if !eval[bool](b, "Portal box", `document.getElementById("qa-portal").checked`) {
		t.Fatal("the Portal box is not ticked after a click")
	}
	b.shot("portal-01-quick-add")
	b.do("Add", chromedp.Click(chromedp.ID("qa-add")))
	b.waitFor("row for Jamie appears", rowNames+`.includes("Jamie Client")`)
	b.waitFor("confirmation", `!!document.querySelector("#quick-add .alert-success")`)
	if txt := value(b, "confirmation", chromedp.Text(chromedp.CSS("#quick-add .alert-success"))); !strings.Contains(txt, "Added Jamie Client.") ||
		!strings.Contains(txt, "Portal invitation sent.") {
		t.Errorf("the confirmation says %q, want the contact added and the invitation sent", txt)
	}
	if n := eval[int](b, "portal note", `document.querySelectorAll("#qa-portal-note").length`); n != 0 {
		t.Errorf("Quick Add shows a portal note: %q", value(b, "portal note", chromedp.Text(chromedp.ID("qa-portal-note"))))
	}
	b.shot("portal-02-quick-add-invited")
	contactPath := eval[string](b, "Jamie's link",
		`[...document.querySelectorAll("#contact-rows a.contact-link")].find(a => a.textContent.trim() === "Jamie Client").getAttribute("href")`)

	// The invitation, with a set-password link on the server's real address.
	invite := waitMail(t, srv, tokA.Token, "the invitation", func(m apiMail) bool {
		return slices.ContainsFunc(m.To, func(to string) bool { return strings.EqualFold(to, clientMail) })
	})
	link := regexp.MustCompile(`https?://\S+/portal/set-password/[A-Za-z0-9_-]+`).FindString(invite.Text)
	if link == "" {
		t.Fatalf("the invitation has no set-password link:\n%s", invite.Text)
	}
	if u, err := url.Parse(link); err != nil || u.Host != strings.TrimPrefix(srv.URL, "http://") {
		t.Errorf("the set-password link %q does not point at the server's %s (err %v)", link, srv.URL, err)
	}
	if !strings.Contains(invite.Text, username) {
		t.Errorf("the invitation does not name the username %s:\n%s", username, invite.Text)
	}

	// The contact sets a password, in the same browser as the agent's session.
	b.do("open the set-password link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("portal-password-form")))
	if h := value(b, "heading", chromedp.Text(chromedp.CSS("h1"))); !strings.Contains(h, username) {
		t.Errorf("the set-password page's heading is %q, want the username %s", h, username)
	}
	if who := value(b, "portal header", chromedp.Text(chromedp.CSS(".portal-top"))); !strings.Contains(who, nameA) {
		t.Errorf("the set-password page's header is %q, want the agent's name", who)
	}
	b.do("type the password twice",
		chromedp.SendKeys(chromedp.ID("f-password"), clientPass),
		chromedp.SendKeys(chromedp.ID("f-confirm"), clientPass),
	)
	b.shot("portal-03-set-password")
	b.do("Set password", chromedp.Click(chromedp.CSS(`#portal-password-form button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("portal-password-set")))
	b.do("go to log in", chromedp.Click(chromedp.CSS(`#portal-password-set a.button`)), chromedp.WaitVisible(chromedp.ID("portal-login-form")))
	b.do("log into the portal",
		chromedp.SendKeys(chromedp.ID("f-username"), username),
		chromedp.SendKeys(chromedp.ID("f-password"), clientPass),
		chromedp.Click(chromedp.CSS(`#portal-login-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".portal-nav")),
	)
	if loc := value(b, "location", chromedp.Location()); !strings.HasSuffix(loc, "/portal") {
		t.Errorf("the portal login went to %s, want /portal", loc)
	}
	if h := value(b, "welcome", chromedp.Text(chromedp.CSS("h1"))); h != "Welcome, Jamie" {
		t.Errorf("the portal home's heading is %q", h)
	}
	if name := value(b, "agent name", chromedp.Text(chromedp.CSS(".portal-agent-name"))); name != nameA {
		t.Errorf("the portal shows the agent %q, want %s", name, nameA)
	}
	b.shot("portal-04-home")

	// The contact writes to the agent.
	b.do("open Messages", chromedp.Click(chromedp.CSS(`.portal-nav a[href="/portal/messages"]`)), chromedp.WaitVisible(chromedp.ID("portal-message-form")))
	b.do("write and send",
		chromedp.SendKeys(chromedp.ID("f-text"), question),
		chromedp.Click(chromedp.CSS(`#portal-message-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("portal-messages")),
	)
	msgs := eval[[]string](b, "conversation", `[...document.querySelectorAll("#portal-messages .portal-message-text")].map(e => e.textContent)`)
	if !slices.Equal(msgs, []string{question}) {
		t.Errorf("the portal conversation after Send = %q, want the question only", msgs)
	}
	if who := value(b, "sender", chromedp.Text(chromedp.CSS("#portal-messages .portal-message.from-contact .who"))); who != "You" {
		t.Errorf("the contact's message is from %q, want You", who)
	}
	if txt := value(b, "sent notice", chromedp.Text(chromedp.CSS(".alert-success"))); !strings.Contains(txt, "Your message is sent.") {
		t.Errorf("the notice after Send = %q", txt)
	}
	b.shot("portal-05-messages")

	// The agent, still logged in, sees the account, the message and the activity, and answers.
	b.do("open Jamie's page", chromedp.Navigate(srv.URL+contactPath), chromedp.WaitVisible(chromedp.ID("portal")))
	if u := value(b, "username", chromedp.Text(chromedp.ID("portal-username"))); u != username {
		t.Errorf("the portal username on the contact's page is %q, want %s", u, username)
	}
	if last := value(b, "last login", chromedp.Text(chromedp.ID("portal-last-login"))); last == "" || last == "never" {
		t.Errorf("the last login on the contact's page is %q", last)
	}
	if n := value(b, "logins", chromedp.Text(chromedp.ID("portal-logins"))); n != "1" {
		t.Errorf("the contact's logins = %q, want 1", n)
	}
	from := eval[[]string](b, "messages", `[...document.querySelectorAll("#portal-messages .cp-message.from-contact")].map(li => li.querySelector(".who").textContent + ": " + li.querySelector(".text").textContent)`)
	if !slices.Equal(from, []string{"Jamie Client: " + question}) {
		t.Errorf("the contact's messages on their page = %q", from)
	}
	kinds := eval[[]string](b, "activity", `[...document.querySelectorAll("#portal-activity li")].map(li => li.className)`)
	for _, want := range []string{"activity-portal_invited", "activity-portal_login", "activity-message_from_contact"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("the activity timeline %q has no %s", kinds, want)
		}
	}
	if act := value(b, "activity", chromedp.Text(chromedp.ID("portal-activity"))); !strings.Contains(act, "Logged into the portal") || !strings.Contains(act, "Sent a message") {
		t.Errorf("the activity timeline says %q", act)
	}
	b.do("scroll to the portal section", chromedp.ScrollIntoView(chromedp.ID("portal")))
	b.shot("portal-06-contact-page")
	b.do("answer",
		chromedp.SendKeys(chromedp.ID("portal-reply-text"), answer),
		chromedp.Click(chromedp.ID("portal-send")),
		chromedp.WaitVisible(chromedp.CSS("#portal-messages .cp-message.from-agent")),
	)
	if txt := value(b, "notice", chromedp.Text(chromedp.CSS(".alert-success"))); !strings.Contains(txt, "Message sent.") {
		t.Errorf("the notice after the answer = %q", txt)
	}
	if got := value(b, "answer", chromedp.Text(chromedp.CSS("#portal-messages .cp-message.from-agent .text"))); got != answer {
		t.Errorf("the answer on the contact's page = %q", got)
	}

	// The contact is told by email that there is a message, without its text.
	notice := waitMail(t, srv, tokA.Token, "the new-message notice", func(m apiMail) bool {
		return strings.HasPrefix(m.Subject, "New message from") &&
			slices.ContainsFunc(m.To, func(to string) bool { return strings.EqualFold(to, clientMail) })
	})
	if strings.Contains(notice.Text, answer) {
		t.Errorf("the new-message email carries the message's text:\n%s", notice.Text)
	}

	// The contact reads the answer in the portal.
	b.do("reload the portal's Messages", chromedp.Navigate(srv.URL+"/portal/messages"), chromedp.WaitVisible(chromedp.ID("portal-messages")))
	msgs = eval[[]string](b, "conversation", `[...document.querySelectorAll("#portal-messages .portal-message")].map(li => li.querySelector(".who").textContent + ": " + li.querySelector(".portal-message-text").textContent)`)
	if !slices.Equal(msgs, []string{"You: " + question, nameA + ": " + answer}) {
		t.Errorf("the portal conversation = %q, want the question and the answer", msgs)
	}
	b.shot("portal-07-messages-answered")

	// Reading it shows on the agent's side.
	b.do("reopen Jamie's page", chromedp.Navigate(srv.URL+contactPath), chromedp.WaitVisible(chromedp.ID("portal-messages")))
	if n := eval[int](b, "read marks", `document.querySelectorAll("#portal-messages .cp-message.from-agent .read").length`); n != 1 {
		t.Errorf("the answer is not marked read on the contact's page after the contact read it")
	}
	if act := value(b, "activity", chromedp.Text(chromedp.ID("portal-activity"))); !strings.Contains(act, "Read your messages (1 message)") {
		t.Errorf("the activity timeline after the contact read the answer says %q", act)
	}

	// The API shows the account too.
	var c struct {
		Portal *struct {
			Username    string     `json:"username"`
			LastLoginAt *time.Time `json:"last_login_at"`
		} `json:"portal"`
	}
	st, body := call(t, "GET", srv.URL+"/api/v1"+contactPath, tokA.Token, nil, &c)
	expectStatus(t, "get Jamie", st, http.StatusOK, body)
	if c.Portal == nil || c.Portal.Username != username || c.Portal.LastLoginAt == nil {
		t.Errorf("Jamie's JSON has no portal account with a last login: %s", body)
	}
}
