package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/app/web"
	"agentbook/views"

	"github.com/PuerkitoBio/goquery"
)

// skipCases are an agent's contacts, one in each situation Create Portal Accounts meets.
type skipCases struct {
	ok1, ok2, noEmail, invalid, inactive, hasOne *app.Contact
}

// seedSkipCases creates two contacts that can get an account and one for each reason to skip.
func seedSkipCases(t *testing.T, h *harness, u *app.User) skipCases {
	t.Helper()
	ctx := context.Background()
	var sc skipCases
	sc.ok1 = h.contact(t, u, "Olive", "Ready", "olive@example.com")
	sc.ok2 = h.contact(t, u, "Otto", "Ready", "otto@example.com")
	var err error
	if sc.noEmail, err = h.contacts.Create(ctx, u.ID, &app.Contact{Company: "Nomail Holdings"}); err != nil {
		t.Fatal(err)
	}
	sc.invalid = h.contact(t, u, "Ivan", "Invalid", "ivan@bad.example")
	if _, err := h.contacts.SetEmailVerdict(ctx, u.ID, "ivan@bad.example", app.Verdict{Status: app.EmailInvalid, Reason: "x"}); err != nil {
		t.Fatal(err)
	}
	sc.inactive = h.contact(t, u, "Ines", "Inactive", "ines@example.com")
	if _, err := h.contacts.SetStatus(ctx, u.ID, sc.inactive.ID, app.StatusInactive); err != nil {
		t.Fatal(err)
	}
	sc.hasOne = h.contact(t, u, "Hal", "Hasone", "hal@example.com")
	if _, err := h.portal.CreateAccount(ctx, u, sc.hasOne.ID, false); err != nil {
		t.Fatal(err)
	}
	return sc
}

// wantSkips is the reason each skipped contact should be listed under.
func (sc skipCases) wantSkips() map[string]string {
	return map[string]string{sc.noEmail.ID: "no email", sc.invalid.ID: "invalid email", sc.inactive.ID: "inactive", sc.hasOne.ID: "already has one"}
}

// waitBulk polls a run until it is done.
func waitBulk(t *testing.T, h *harness, ownerID, id string) *app.BulkPortalResult {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := h.portal.BulkStatus(ownerID, id)
		if err != nil {
			t.Fatalf("bulk status: %v", err)
		}
		if r.Done {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run is not done after 10 s: %+v", r)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// invitations are the queued portal invitations.
func invitations(t *testing.T, h *harness) []*app.OutMessage {
	t.Helper()
	due, err := h.outbox.Store.DueMail(context.Background(), time.Now().Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []*app.OutMessage
	for _, m := range due {
		if m.Kind == app.MailPortalInvite {
			out = append(out, m)
		}
	}
	return out
}

func checkSkips(t *testing.T, sc skipCases, r *app.BulkPortalResult) {
	t.Helper()
	got := map[string]string{}
	for _, sk := range r.Skipped {
		got[sk.ContactID] = sk.Reason
	}
	want := sc.wantSkips()
	if len(got) != len(want) || len(r.Skipped) != len(want) {
		t.Errorf("skipped = %+v, want %v", r.Skipped, want)
	}
	for id, reason := range want {
		if got[id] != reason {
			t.Errorf("contact %s skipped for %q, want %q", id, got[id], reason)
		}
	}
}

func TestCreatePortalAccounts(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	u := h.agent(t, "Alex Agent", "alex@example.com", false)
	h.agent(t, "Other Agent", "other@example.com", false)
	sc := seedSkipCases(t, h, u)
	b := h.loggedIn(t, "alex@example.com")

	t.Run("the confirmation page says how many contacts are active and how many have an account", func(t *testing.T) {
		p := b.get(t, "/contacts/portal-accounts?invite=0")
		p.wantStatus(http.StatusOK)
		if got := p.text("#portal-bulk-about"); !strings.Contains(got, "You have 5 active contacts; 1 of your contacts already has a portal account.") ||
			!strings.Contains(got, "No email is sent") {
			t.Errorf("about = %q", got)
		}
		if p.val("#portal-bulk-form input[name=invite]") != "0" || p.text("#portal-bulk-start") != "Create portal accounts" {
			t.Errorf("form: invite %q, button %q", p.val("#portal-bulk-form input[name=invite]"), p.text("#portal-bulk-start"))
		}
	})

	var runID string
	t.Run("Create Portal Accounts creates an account for each contact who can have one, and sends nothing", func(t *testing.T) {
		p := b.post(t, "/contacts/portal-accounts", url.Values{"invite": {"0"}})
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/contacts/portal-accounts/") {
			t.Fatalf("got %d to %q", p.status, p.location())
		}
		runID = strings.TrimPrefix(p.location(), "/contacts/portal-accounts/")
		r := waitBulk(t, h, u.ID, runID)
		if r.Created != 2 || r.Invited != 0 || r.Err != "" || r.Total != 6 || r.Seen != 6 {
			t.Errorf("result = %+v", r)
		}
		checkSkips(t, sc, r)
		for _, c := range []*app.Contact{sc.ok1, sc.ok2} {
			a, err := h.portal.Account(ctx, u.ID, c.ID)
			if err != nil || a.Username != c.PrimaryEmail() || !a.InvitedAt.IsZero() {
				t.Errorf("account of %s = %+v, %v", c.DisplayName(), a, err)
			}
		}
		if _, err := h.portal.Account(ctx, u.ID, sc.noEmail.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("the contact without email got an account: %v", err)
		}
		if m := invitations(t, h); len(m) != 0 {
			t.Errorf("%d invitations queued without Invite", len(m))
		}
	})

	t.Run("the run's page shows the result, skipped contacts grouped by reason with links", func(t *testing.T) {
		p := b.get(t, "/contacts/portal-accounts/"+runID)
		p.wantStatus(http.StatusOK)
		if p.text("#count-created") != "2" || p.text("#count-invited") != "0" || p.text("#count-skipped") != "4" {
			t.Errorf("counts: %q %q %q", p.text("#count-created"), p.text("#count-invited"), p.text("#count-skipped"))
		}
		if p.find("#portal-bulk-progress[hx-trigger]").Length() != 0 {
			t.Error("a finished run still polls")
		}
		for sel, c := range map[string]*app.Contact{"#skipped-no-email": sc.noEmail, "#skipped-invalid-email": sc.invalid,
			"#skipped-inactive": sc.inactive, "#skipped-has-account": sc.hasOne} {
			link := p.find(sel + " a[href='/contacts/" + c.ID + "']")
			if link.Length() != 1 || link.Text() != c.DisplayName() {
				t.Errorf("%s: no link to %s in %q", sel, c.DisplayName(), p.text(sel))
			}
		}
		if got := p.text("#skipped-no-email h3"); got != "No email address (1)" {
			t.Errorf("heading = %q", got)
		}
	})

	t.Run("the progress fragment answers htmx", func(t *testing.T) {
		p := b.get(t, "/contacts/portal-accounts/"+runID+"/progress", htmx("portal-bulk-progress"))
		p.wantStatus(http.StatusOK)
		if p.find("header.topbar").Length() != 0 {
			t.Error("the fragment is a whole page")
		}
		if p.one("#portal-bulk-progress").Length() != 1 || p.text("#portal-bulk-status") != "Finished" {
			t.Errorf("status = %q", p.text("#portal-bulk-status"))
		}
	})

	t.Run("another agent's run is not found", func(t *testing.T) {
		o := h.loggedIn(t, "other@example.com")
		o.get(t, "/contacts/portal-accounts/"+runID).wantStatus(http.StatusNotFound)
		o.get(t, "/contacts/portal-accounts/"+runID+"/progress", htmx("portal-bulk-progress")).wantStatus(http.StatusNotFound)
		b.get(t, "/contacts/portal-accounts/no-such-run").wantStatus(http.StatusNotFound)
	})
}

func TestCreatePortalAccountsWithInvite(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	u := h.agent(t, "Alex Agent", "alex@example.com", false)
	sc := seedSkipCases(t, h, u)
	b := h.loggedIn(t, "alex@example.com")
	if _, err := h.portal.SavePrefs(ctx, u.ID, app.PortalPrefs{Subject: "Your portal from {{agent_name}}",
		Body: "Hi {{first_name}} {{last_name}}, log in as {{username}}: {{portal_link}} ({{link_days}} days)", NotifyFirstLogin: true}); err != nil {
		t.Fatal(err)
	}

	p := b.get(t, "/contacts/portal-accounts?invite=1")
	p.wantStatus(http.StatusOK)
	if p.val("#portal-bulk-form input[name=invite]") != "1" || p.text("#portal-bulk-subject") != "Your portal from Alex Agent" {
		t.Errorf("invite %q, subject %q", p.val("#portal-bulk-form input[name=invite]"), p.text("#portal-bulk-subject"))
	}
	p = b.post(t, "/contacts/portal-accounts", url.Values{"invite": {"1"}})
	if p.status != http.StatusSeeOther {
		p.wantStatus(http.StatusSeeOther)
	}
	r := waitBulk(t, h, u.ID, strings.TrimPrefix(p.location(), "/contacts/portal-accounts/"))
	if r.Created != 2 || r.Invited != 2 || r.Err != "" {
		t.Errorf("result = %+v", r)
	}
	checkSkips(t, sc, r)

	msgs := invitations(t, h)
	var to []string
	for _, m := range msgs {
		to = append(to, m.To)
		if m.Subject != "Your portal from Alex Agent" || !strings.Contains(m.Text, "http://agentbook.test/portal/set-password/") ||
			m.OwnerID != u.ID || m.From != u.Email {
			t.Errorf("invitation = %+v", m)
		}
	}
	sort.Strings(to)
	if strings.Join(to, ",") != "olive@example.com,otto@example.com" {
		t.Errorf("invitations to %v, want one per created account", to)
	}
	for _, m := range msgs {
		if m.To == "olive@example.com" && !strings.HasPrefix(m.Text, "Hi Olive Ready, log in as olive@example.com: ") {
			t.Errorf("text = %q", m.Text)
		}
	}
	a, err := h.portal.Account(ctx, u.ID, sc.ok1.ID)
	if err != nil || a.InvitedAt.IsZero() {
		t.Errorf("account = %+v, %v: want InvitedAt set", a, err)
	}

	page := b.get(t, "/contacts/portal-accounts/"+r.ID)
	if page.text("#count-invited") != "2" {
		t.Errorf("invited = %q", page.text("#count-invited"))
	}
}

// busyPortal is a portal service whose bulk run is always already going.
type busyPortal struct{ web.PortalService }

func (busyPortal) StartBulk(context.Context, *app.User, bool) (*app.BulkPortalResult, error) {
	return nil, app.Errorf(app.ECONFLICT, "Portal accounts are already being created. Wait for that to finish.")
}

func TestCreatePortalAccountsWhileOneRuns(t *testing.T) {
	h := newHarness(t, func(o *web.Options) { o.Portal = busyPortal{o.Portal} })
	h.agent(t, "Alex Agent", "alex@example.com", false)
	b := h.loggedIn(t, "alex@example.com")

	p := b.post(t, "/contacts/portal-accounts", url.Values{"invite": {"1"}})
	p.wantStatus(http.StatusOK)
	if got := p.text("#portal-bulk-form .alert-error"); !strings.Contains(got, "already being created") {
		t.Errorf("message = %q", got)
	}
	if p.val("#portal-bulk-form input[name=invite]") != "1" {
		t.Error("the confirmation lost the Invite choice")
	}
	res := h.api(t, h.token(t, "alex@example.com"), http.MethodPost, "/api/v1/portal-accounts", map[string]any{"invite": true})
	res.wantError(t, http.StatusConflict, app.ECONFLICT)
}

func TestPortalBulkProgressWhileRunning(t *testing.T) {
	var sb strings.Builder
	r := &app.BulkPortalResult{ID: "run1", Total: 200, Seen: 50, Created: 40, Invited: 40,
		Skipped: []app.BulkSkip{{ContactID: "c1", Name: "Nomail", Reason: "no email"}}}
	if err := views.PortalBulkProgress(r).Render(&sb); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	box := doc.Find("#portal-bulk-progress")
	if box.AttrOr("hx-get", "") != "/contacts/portal-accounts/run1/progress" || box.AttrOr("hx-trigger", "") != "every 500ms" ||
		box.AttrOr("hx-swap", "") != "outerHTML" {
		t.Errorf("polling attributes: %s", sb.String())
	}
	if v := doc.Find("progress#portal-bulk-bar").AttrOr("value", ""); v != "25" {
		t.Errorf("progress = %q, want 25", v)
	}
	if got := strings.Join(strings.Fields(doc.Find("#portal-bulk-status").Text()), " "); got != "Creating portal accounts: 50 of 200 contacts" {
		t.Errorf("status = %q", got)
	}
	if doc.Find("#portal-bulk-skipped").Length() != 0 {
		t.Error("the skipped list shows before the run is done")
	}
}

func TestPortalAccountsAPI(t *testing.T) {
	h := newHarness(t)
	u := h.agent(t, "Alex Agent", "alex@example.com", false)
	h.agent(t, "Other Agent", "other@example.com", false)
	sc := seedSkipCases(t, h, u)
	tok := h.token(t, "alex@example.com")

	res := h.api(t, tok, http.MethodPost, "/api/v1/portal-accounts", map[string]any{"invite": true})
	if res.status != http.StatusAccepted {
		t.Fatalf("status = %d: %s", res.status, res.body)
	}
	started := res.object(t)
	id, _ := started["id"].(string)
	if id == "" || started["status"] != "running" {
		t.Fatalf("answer = %v", started)
	}
	var run struct {
		Status  string `json:"status"`
		Total   int    `json:"total"`
		Created int    `json:"created"`
		Invited int    `json:"invited"`
		Skipped []struct {
			ContactID string `json:"contact_id"`
			Name      string `json:"name"`
			Reason    string `json:"reason"`
		} `json:"skipped"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for run.Status != "done" {
		if time.Now().After(deadline) {
			t.Fatalf("not done after 10 s: %+v", run)
		}
		res = h.api(t, tok, http.MethodGet, "/api/v1/portal-accounts/"+id, nil)
		if res.status != http.StatusOK {
			t.Fatalf("status = %d: %s", res.status, res.body)
		}
		res.decode(t, &run)
		if run.Status != "done" && run.Status != "running" {
			t.Fatalf("status %q", run.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if run.Total != 6 || run.Created != 2 || run.Invited != 2 || len(run.Skipped) != 4 {
		t.Errorf("run = %+v", run)
	}
	want := sc.wantSkips()
	for _, sk := range run.Skipped {
		if want[sk.ContactID] != sk.Reason || sk.Name == "" {
			t.Errorf("skipped %+v, want reason %q", sk, want[sk.ContactID])
		}
	}
	if n := len(invitations(t, h)); n != 2 {
		t.Errorf("%d invitations queued, want 2", n)
	}

	t.Run("another agent's run is not found", func(t *testing.T) {
		h.api(t, h.token(t, "other@example.com"), http.MethodGet, "/api/v1/portal-accounts/"+id, nil).wantError(t, http.StatusNotFound, app.ENOTFOUND)
	})
	t.Run("a body that is not JSON is refused", func(t *testing.T) {
		h.api(t, tok, http.MethodPost, "/api/v1/portal-accounts", `{"invite":`).wantError(t, http.StatusUnprocessableEntity, app.EINVALID)
	})
	t.Run("no token, no run", func(t *testing.T) {
		if res := h.api(t, "", http.MethodPost, "/api/v1/portal-accounts", map[string]any{}); res.status != http.StatusUnauthorized {
			t.Errorf("status = %d", res.status)
		}
	})
}

func TestPortalPreferences(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	u := h.agent(t, "Alex Agent", "alex@example.com", false)
	u.Phone = "" // the harness's agents have no phone
	b := h.loggedIn(t, "alex@example.com")
	def := app.DefaultPortalPrefs()

	t.Run("the page shows the default invitation, the placeholders and a preview", func(t *testing.T) {
		p := b.get(t, "/preferences/portal")
		p.wantStatus(http.StatusOK)
		if href := p.one("header.topbar #portal-prefs-link").AttrOr("href", ""); href != "/preferences/portal" {
			t.Errorf("topbar link = %q", href)
		}
		if p.val("#prefs-subject") != def.Subject || p.one("#prefs-body").Text() != def.Body {
			t.Errorf("subject %q, body %q", p.val("#prefs-subject"), p.one("#prefs-body").Text())
		}
		if _, on := p.one("#prefs-notify").Attr("checked"); !on {
			t.Error("Email me on first login is off by default")
		}
		for _, ph := range []string{"{{first_name}}", "{{last_name}}", "{{username}}", "{{portal_link}}", "{{link_days}}", "{{agent_name}}", "{{agent_email}}", "{{agent_phone}}"} {
			if !strings.Contains(p.text("#prefs-placeholders"), ph) {
				t.Errorf("placeholder %s not listed", ph)
			}
		}
		if got := p.text("#preview-subject"); got != "Alex Agent invites you to your client portal" {
			t.Errorf("preview subject = %q", got)
		}
		body := p.one("#preview-body").Text()
		if !strings.HasPrefix(body, "Hello Jamie,") || !strings.Contains(body, "Your username is jamie@example.com.") ||
			!strings.Contains(body, "/portal/set-password/sample-link") || !strings.Contains(body, "alex@example.com") {
			t.Errorf("preview body = %q", body)
		}
		f := p.one("form#portal-prefs")
		if f.AttrOr("hx-post", "") != "/preferences/portal/preview" || f.AttrOr("hx-trigger", "") != "keyup changed delay:300ms" ||
			f.AttrOr("hx-target", "") != "#invite-preview" {
			t.Errorf("live preview attributes: %v", f.Nodes[0].Attr)
		}
		if p.one("#prefs-preview").AttrOr("formaction", "") != "/preferences/portal/preview" {
			t.Error("no Preview button for browsers without JavaScript")
		}
	})

	t.Run("a message without {{portal_link}} is refused and the input kept", func(t *testing.T) {
		p := b.post(t, "/preferences/portal", url.Values{"subject": {"My subject"}, "body": {"Hello {{first_name}}, no link here"}})
		p.wantStatus(http.StatusUnprocessableEntity)
		if p.val("#prefs-subject") != "My subject" || p.one("#prefs-body").Text() != "Hello {{first_name}}, no link here" {
			t.Errorf("input lost: %q / %q", p.val("#prefs-subject"), p.one("#prefs-body").Text())
		}
		if got := p.text("#prefs-body-err"); !strings.Contains(got, "{{portal_link}}") {
			t.Errorf("body error = %q", got)
		}
		if _, on := p.one("#prefs-notify").Attr("checked"); on {
			t.Error("the unchecked box came back checked")
		}
		if got, _ := h.portal.Prefs(ctx, u.ID); got != def {
			t.Errorf("saved anyway: %+v", got)
		}
	})

	t.Run("an empty subject is refused", func(t *testing.T) {
		p := b.post(t, "/preferences/portal", url.Values{"subject": {"  "}, "body": {"{{portal_link}}"}, "notify_first_login": {"1"}})
		p.wantStatus(http.StatusUnprocessableEntity)
		if p.text("#prefs-subject-err") == "" || p.one("#prefs-body").Text() != "{{portal_link}}" {
			t.Errorf("subject error %q, body %q", p.text("#prefs-subject-err"), p.one("#prefs-body").Text())
		}
	})

	t.Run("Save stores the invitation and the notification choice", func(t *testing.T) {
		p := b.post(t, "/preferences/portal", url.Values{"subject": {"Welcome, {{first_name}}"}, "body": {"Set it here: {{portal_link}}\r\n{{agent_name}}"}})
		p.wantRedirect("/preferences/portal?done=saved")
		got, err := h.portal.Prefs(ctx, u.ID)
		if err != nil || got.Subject != "Welcome, {{first_name}}" || got.Body != "Set it here: {{portal_link}}\n{{agent_name}}" || got.NotifyFirstLogin {
			t.Errorf("prefs = %+v, %v", got, err)
		}
		p = b.get(t, p.location())
		if !strings.Contains(p.text(".alert-success"), "saved") || p.text("#preview-subject") != "Welcome, Jamie" {
			t.Errorf("notice %q, preview %q", p.text(".alert-success"), p.text("#preview-subject"))
		}
		if _, on := p.one("#prefs-notify").Attr("checked"); on {
			t.Error("the box shows checked after saving it unchecked")
		}
	})

	t.Run("the preview renders as the agent types (htmx) without saving", func(t *testing.T) {
		p := b.hx(t, http.MethodPost, "/preferences/portal/preview", "invite-preview",
			url.Values{"subject": {"Hi {{first_name}} {{last_name}}"}, "body": {"{{portal_link}} for {{link_days}} days -- {{agent_name}} {{agent_email}} {{unknown}}"}})
		p.wantStatus(http.StatusOK)
		if p.find("header.topbar").Length() != 0 {
			t.Error("htmx got the whole page")
		}
		if got := p.text("#preview-subject"); got != "Hi Jamie Rivera" {
			t.Errorf("subject = %q", got)
		}
		body := p.one("#preview-body").Text()
		if !strings.HasSuffix(body, "/portal/set-password/sample-link for 14 days -- Alex Agent alex@example.com {{unknown}}") {
			t.Errorf("body = %q", body)
		}
		if !slices.Contains(p.header.Values("Vary"), "HX-Request") {
			t.Error("no Vary: HX-Request")
		}
		if got, _ := h.portal.Prefs(ctx, u.ID); got.Subject != "Welcome, {{first_name}}" {
			t.Errorf("the preview saved: %+v", got)
		}
	})

	t.Run("the Preview button works without JavaScript and keeps the input", func(t *testing.T) {
		p := b.post(t, "/preferences/portal/preview", url.Values{"subject": {"Hey {{first_name}}"}, "body": {"no link yet"}, "notify_first_login": {"1"}})
		p.wantStatus(http.StatusOK)
		if p.val("#prefs-subject") != "Hey {{first_name}}" || p.one("#prefs-body").Text() != "no link yet" {
			t.Errorf("input lost: %q / %q", p.val("#prefs-subject"), p.one("#prefs-body").Text())
		}
		if _, on := p.one("#prefs-notify").Attr("checked"); !on {
			t.Error("the checked box came back unchecked")
		}
		if p.text("#preview-subject") != "Hey Jamie" || p.one("#preview-body").Text() != "no link yet" {
			t.Errorf("preview %q / %q", p.text("#preview-subject"), p.one("#preview-body").Text())
		}
	})

	t.Run("Reset to the default puts the default text back and keeps the notification choice", func(t *testing.T) {
		p := b.post(t, "/preferences/portal", url.Values{"subject": {""}, "body": {""}, "reset": {"1"}, "notify_first_login": {"1"}})
		p.wantRedirect("/preferences/portal?done=reset")
		got, _ := h.portal.Prefs(ctx, u.ID)
		if got.Subject != def.Subject || got.Body != def.Body || got.NotifyFirstLogin {
			t.Errorf("prefs = %+v", got)
		}
	})
}

func TestPortalColumn(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	u := h.agent(t, "Alex Agent", "alex@example.com", false)
	b := h.loggedIn(t, "alex@example.com")
	none := h.contact(t, u, "Nora", "None", "nora@example.com")
	quiet := h.contact(t, u, "Quinn", "Quiet", "quinn@example.com")
	invited := h.contact(t, u, "Ivy", "Invited", "ivy@example.com")
	back := h.contact(t, u, "Liam", "Loggedin", "liam@example.com")
	if _, err := h.portal.CreateAccount(ctx, u, quiet.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := h.portal.CreateAccount(ctx, u, invited.ID, true); err != nil {
		t.Fatal(err)
	}
	a, err := h.portal.CreateAccount(ctx, u, back.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	login := time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)
	a.LastLoginAt, a.Logins, a.Version = login, 1, a.Version+1
	if err := h.portal.Store.UpdatePortalAccount(ctx, a); err != nil {
		t.Fatal(err)
	}

	if p := b.get(t, "/contacts"); p.find("td[data-col=portal]").Length() != 0 {
		t.Fatal("the default columns show Portal")
	}
	b.post(t, "/contacts/columns", url.Values{"column": {"name", "portal"}}).wantStatus(http.StatusSeeOther)

	check := func(t *testing.T, p *page) {
		t.Helper()
		if got := p.text("th:nth-child(3)"); got != "Portal" {
			t.Errorf("header = %q", got)
		}
		if p.find("th.sortable").Length() != 1 {
			t.Error("Portal sorts")
		}
		want := map[string]string{none.ID: "—", quiet.ID: "Not invited", invited.ID: "Invited",
			back.ID: "Last login " + login.Local().Format("Jan 2, 2006")}
		for id, w := range want {
			if got := p.text("#contact-" + id + " td[data-col=portal]"); got != w {
				t.Errorf("portal cell of %s = %q, want %q", id, got, w)
			}
		}
	}
	t.Run("the page", func(t *testing.T) { check(t, b.get(t, "/contacts")) })
	t.Run("the htmx list fragment", func(t *testing.T) { check(t, b.get(t, "/contacts?sort=-name", htmx("contact-list"))) })
}
