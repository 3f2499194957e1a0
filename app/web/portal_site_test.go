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

	"github.com/labstack/echo/v4"
)

// portalPassword is the password every test contact chooses for the portal.
const portalPassword = "a portal password"

var setPasswordLink = regexp.MustCompile(`/portal/set-password/(\S+)`)

// portalLink returns the path of the newest set-password link emailed to the address.
func (h *harness) portalLink(t testing.TB, to string) string {
	t.Helper()
	due, err := h.outbox.Store.DueMail(context.Background(), time.Now().Add(time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	path := ""
	for _, m := range due {
		if m.To == to && (m.Kind == app.MailPortalInvite || m.Kind == app.MailPortalReset) {
			if mm := setPasswordLink.FindString(m.Text); mm != "" {
				path = mm
			}
		}
	}
	if path == "" {
		t.Fatalf("no set-password link was emailed to %s", to)
	}
	return path
}

// invite creates the contact's portal account and returns the invitation's set-password path.
func (h *harness) invite(t testing.TB, agent *app.User, c *app.Contact) string {
	t.Helper()
	if _, err := h.portal.CreateAccount(context.Background(), agent, c.ID, true); err != nil {
		t.Fatalf("create portal account: %v", err)
	}
	return h.portalLink(t, c.PrimaryEmail())
}

// portalUser gives the contact a portal account with portalPassword and returns its username.
func (h *harness) portalUser(t testing.TB, agent *app.User, c *app.Contact) string {
	t.Helper()
	link := h.invite(t, agent, c)
	b := h.browser()
	b.get(t, link).wantStatus(http.StatusOK)
	p := b.post(t, link, url.Values{"password": {portalPassword}, "confirm": {portalPassword}})
	p.wantStatus(http.StatusOK)
	if p.find("#portal-password-set").Length() != 1 {
		t.Fatalf("password not set:\n%s", p.body)
	}
	a, err := h.portal.Account(context.Background(), agent.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a.Username
}

// portalBrowser returns a browser logged into the portal as the username.
func (h *harness) portalBrowser(t testing.TB, username string) *browser {
	t.Helper()
	b := h.browser()
	b.get(t, "/portal/login").wantStatus(http.StatusOK)
	b.post(t, "/portal/login", url.Values{"username": {username}, "password": {portalPassword}}).wantRedirect("/portal")
	return b
}

// cookieValue is the value of a cookie the browser holds for the path, or "".
func (b *browser) cookieValue(name, path string) string {
	u, _ := url.Parse(b.h.srv.URL + path)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// portalWorld is an agent with two portal contacts, X and Y, and another agent's contact Z.
type portalWorld struct {
	h            *harness
	agent, other *app.User
	x, y, z      *app.Contact
	bx           *browser // X logged into the portal
}

func newPortalWorld(t *testing.T) *portalWorld {
	t.Helper()
	h := newHarness(t)
	w := &portalWorld{h: h}
	w.agent = h.agent(t, "Alice Agent", "alice@example.com", true)
	w.other = h.agent(t, "Oscar Other", "oscar@example.com", false)
	w.x = h.contact(t, w.agent, "Xavier", "Xenon", "xavier@example.com")
	w.y = h.contact(t, w.agent, "Yolanda", "Yellow", "yolanda@example.com")
	w.z = h.contact(t, w.other, "Zed", "Zebra", "zed@example.com")
	ux := h.portalUser(t, w.agent, w.x)
	h.portalUser(t, w.agent, w.y)
	h.portalUser(t, w.other, w.z)
	w.bx = h.portalBrowser(t, ux)
	return w
}

func (w *portalWorld) search(t *testing.T, owner *app.User, name, schedule string, contacts ...*app.Contact) *app.SavedSearch {
	t.Helper()
	ss := &app.SavedSearch{Name: name, Cities: []string{"Springfield"}, BedsMin: 3, Schedule: schedule}
	for _, c := range contacts {
		ss.ContactIDs = append(ss.ContactIDs, c.ID)
	}
	got, err := w.h.listings.SaveSearch(context.Background(), owner.ID, ss)
	if err != nil {
		t.Fatalf("save search: %v", err)
	}
	return got
}

func TestPortalCookieIsItsOwn(t *testing.T) {
	w := newPortalWorld(t)
	b := w.h.browser()
	b.get(t, "/portal/login")
	p := b.post(t, "/portal/login", url.Values{"username": {"xavier@example.com"}, "password": {portalPassword}})
	p.wantRedirect("/portal")
	ck := p.cookie("ab_portal")
	if ck == nil || ck.Value == "" {
		t.Fatalf("no ab_portal cookie set: %v", p.cookies)
	}
	if !ck.HttpOnly || ck.Path != "/portal" || ck.SameSite != http.SameSiteLaxMode || ck.Secure {
		t.Errorf("cookie = %+v, want HttpOnly, Path=/portal, SameSite=Lax, not Secure over http", ck)
	}
	if p.cookie("ab_session") != nil {
		t.Error("a portal login set the agents' session cookie")
	}
	if b.cookieValue("ab_portal", "/contacts") != "" {
		t.Error("the browser would send the portal cookie outside /portal")
	}
}

func TestPortalSecureCookie(t *testing.T) {
	h := newHarness(t, func(o *web.Options) { o.SecureCookies = true })
	agent := h.agent(t, "Alice Agent", "alice@example.com", true)
	c := h.contact(t, agent, "Xavier", "Xenon", "xavier@example.com")
	u := h.portalUser(t, agent, c)
	b := h.browser()
	b.get(t, "/portal/login")
	p := b.post(t, "/portal/login", url.Values{"username": {u}, "password": {portalPassword}})
	if ck := p.cookie("ab_portal"); ck == nil || !ck.Secure {
		t.Fatalf("cookie = %+v, want Secure when SecureCookies is set", ck)
	}
}

func TestPortalPagesNeedAPortalSession(t *testing.T) {
	w := newPortalWorld(t)
	agentBrowser := w.h.loggedIn(t, "alice@example.com")
	anon := w.h.browser()
	for _, path := range []string{"/portal", "/portal/details", "/portal/messages", "/portal/searches", "/portal/nowhere"} {
		t.Run("anonymous GET "+path+" goes to the portal login", func(t *testing.T) {
			anon.get(t, path).wantRedirect("/portal/login")
		})
		t.Run("an agent's session does not open "+path, func(t *testing.T) {
			agentBrowser.get(t, path).wantRedirect("/portal/login")
		})
	}
	t.Run("htmx is told to redirect", func(t *testing.T) {
		p := anon.get(t, "/portal/messages", htmx("main"))
		if p.header.Get("HX-Redirect") != "/portal/login" {
			t.Fatalf("HX-Redirect = %q, want /portal/login", p.header.Get("HX-Redirect"))
		}
	})
	t.Run("a made-up token goes to the portal login and is cleared", func(t *testing.T) {
		p := w.h.browser().do(t, http.MethodGet, "/portal", nil, hdr("Cookie", "ab_portal=madeup"))
		p.wantRedirect("/portal/login")
		if ck := p.cookie("ab_portal"); ck == nil || ck.MaxAge >= 0 {
			t.Errorf("bad cookie not cleared: %+v", ck)
		}
	})
}

// TestPortalSessionReachesNoAgentRoute walks every route outside /portal with only a portal
// session (as the ab_portal cookie, and also passed off as the agents' cookie and as an API
// token): none may answer with agent content.
func TestPortalSessionReachesNoAgentRoute(t *testing.T) {
	w := newPortalWorld(t)
	w.search(t, w.agent, "X's search", app.ScheduleASAP, w.x)
	token := w.bx.cookieValue("ab_portal", "/portal")
	csrf := w.bx.csrf
	if token == "" || csrf == "" {
		t.Fatal("no portal session or CSRF token")
	}
	public := map[string]bool{"GET /login": true, "GET /healthz": true, "GET /static/*": true, "GET /vendor/*": true,
		"GET /static": true, "GET /vendor": true}
	variants := map[string]http.Header{
		"portal cookie":                   hdr("Cookie", "ab_portal="+token+"; ab_csrf="+csrf),
		"portal token as agent cookie":    hdr("Cookie", "ab_session="+token+"; ab_csrf="+csrf),
		"portal token as API bearer":      hdr("Cookie", "ab_csrf="+csrf, "Authorization", "Bearer "+token),
		"portal cookie with htmx request": hdr("Cookie", "ab_portal="+token+"; ab_csrf="+csrf, "HX-Request", "true"),
	}
	secrets := []string{"Xavier", "Xenon", "Yolanda", "Zed", "xavier@example.com", "X&#39;s search", "X's search"}
	walked := 0
	for _, r := range w.h.echo.Routes() {
		switch r.Method {
		case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			continue
		}
		if r.Path == "/portal" || strings.HasPrefix(r.Path, "/portal/") {
			continue
		}
		key := r.Method + " " + r.Path
		path := fillParams(r.Path, map[string]string{"id": w.x.ID, "owner": w.agent.ID, "token": token})
		for name, h := range variants {
			t.Run(key+" with "+name, func(t *testing.T) {
				hh := h.Clone()
				hh.Set("X-CSRF-Token", csrf)
				hh.Set("Content-Type", "application/x-www-form-urlencoded")
				p := w.h.browser().do(t, r.Method, path, strings.NewReader("_csrf="+url.QueryEscape(csrf)), hh)
				for _, s := range secrets {
					if strings.Contains(p.body, s) {
						t.Fatalf("%s answered %d with a contact's data (%q):\n%s", path, p.status, s, p.body)
					}
				}
				if public[key] {
					return
				}
				switch {
				case p.status == http.StatusSeeOther && (strings.HasPrefix(p.location(), "/login") || p.location() == "/setup"):
				case p.status == http.StatusOK && strings.HasPrefix(p.header.Get("HX-Redirect"), "/login"):
				case p.status == http.StatusUnauthorized, p.status == http.StatusForbidden, p.status == http.StatusNotFound,
					p.status == http.StatusMethodNotAllowed:
				default:
					t.Fatalf("%s %s answered %d (Location %q) to a portal session:\n%s", r.Method, path, p.status, p.location(), p.body)
				}
			})
		}
		walked++
	}
	if walked < 50 {
		t.Fatalf("walked only %d agent routes; is the route table read right?", walked)
	}
}

// fillParams replaces a route's :name parameters and * with values.
func fillParams(path string, vals map[string]string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		switch {
		case strings.HasPrefix(p, ":"):
			v, ok := vals[p[1:]]
			if !ok {
				v = "x"
			}
			parts[i] = v
		case p == "*":
			parts[i] = "x"
		}
	}
	return strings.Join(parts, "/")
}

// TestPortalRoutesRefuseOthersSearches sends every /portal route that takes an ID another
// contact's saved search, and another agent's: all are not found, and nothing changes.
func TestPortalRoutesRefuseOthersSearches(t *testing.T) {
	w := newPortalWorld(t)
	ys := w.search(t, w.agent, "Y's search", app.ScheduleASAP, w.y)
	zs := w.search(t, w.other, "Z's search", app.ScheduleASAP, w.z)
	n := 0
	for _, r := range w.h.echo.Routes() {
		if !strings.HasPrefix(r.Path, "/portal/") || !strings.Contains(r.Path, ":id") || r.Method == echo.RouteNotFound {
			continue
		}
		for _, ss := range []*app.SavedSearch{ys, zs} {
			path := fillParams(r.Path, map[string]string{"id": ss.ID})
			t.Run(r.Method+" "+r.Path+" with "+ss.Name, func(t *testing.T) {
				var p *page
				if r.Method == http.MethodGet {
					p = w.bx.get(t, path)
				} else {
					p = w.bx.submit(t, r.Method, path, url.Values{"notify": {"off"}})
				}
				p.wantStatus(http.StatusNotFound)
				if strings.Contains(p.body, ss.Name) || strings.Contains(p.body, "Springfield") {
					t.Errorf("the 404 shows the search:\n%s", p.body)
				}
				if p.find("header.portal-top").Length() != 1 {
					t.Errorf("the 404 is not in the portal's frame:\n%s", p.body)
				}
			})
			n++
		}
	}
	if n == 0 {
		t.Fatal("no /portal route with :id found")
	}
	for _, ss := range []*app.SavedSearch{ys, zs} {
		got, err := w.h.listings.Search(context.Background(), ss.OwnerID, ss.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Schedule != app.ScheduleASAP || got.Version != ss.Version {
			t.Errorf("%s changed: schedule %q, version %d", ss.Name, got.Schedule, got.Version)
		}
	}
}

func TestPortalShowsOnlyTheSessionsContact(t *testing.T) {
	w := newPortalWorld(t)
	ctx := context.Background()
	if _, err := w.h.portal.SendFromAgent(ctx, w.agent, w.x.ID, "Hello Xavier, the Elm Street house is back."); err != nil {
		t.Fatal(err)
	}
	if _, err := w.h.portal.SendFromAgent(ctx, w.agent, w.y.ID, "Yolanda: your offer was accepted."); err != nil {
		t.Fatal(err)
	}
	if _, err := w.h.portal.SendFromAgent(ctx, w.other, w.z.ID, "Zed: the secret price."); err != nil {
		t.Fatal(err)
	}
	yc := *w.y
	yc.Phones = []app.Phone{{Number: "555-0199", Label: "Mobile"}}
	yc.Addresses = []app.Address{{Street: "9 Yew Lane", City: "Yonkers"}}
	if _, err := w.h.contacts.Update(ctx, w.agent.ID, &yc); err != nil {
		t.Fatal(err)
	}
	w.search(t, w.agent, "Yolanda's condo", app.ScheduleDaily, w.y)
	w.search(t, w.agent, "Xavier's house", app.ScheduleDaily, w.x)

	pages := map[string]*page{}
	for _, path := range []string{"/portal", "/portal/details", "/portal/messages", "/portal/searches",
		"/portal/details?id=" + w.y.ID, "/portal/messages?contact_id=" + w.y.ID} {
		p := w.bx.get(t, path)
		p.wantStatus(http.StatusOK)
		pages[path] = p
		for _, s := range []string{"Yolanda", "Yellow", "555-0199", "Yew Lane", "Yonkers", "offer was accepted", "Zed", "secret price", "Oscar"} {
			if strings.Contains(p.body, s) {
				t.Errorf("%s shows %q of another contact:\n%s", path, s, p.body)
			}
		}
	}
	if !strings.Contains(pages["/portal/messages"].text("#portal-messages"), "Elm Street house is back") {
		t.Errorf("X's own message is missing:\n%s", pages["/portal/messages"].body)
	}
	if !strings.Contains(pages["/portal/searches"].text("#portal-searches"), "Xavier's house") {
		t.Errorf("X's own search is missing:\n%s", pages["/portal/searches"].body)
	}

	t.Run("a message posted with another contact's ID goes to the session's contact", func(t *testing.T) {
		w.bx.post(t, "/portal/messages", url.Values{"text": {"Is it still for sale?"}, "contact_id": {w.y.ID}, "id": {w.y.ID}}).
			wantRedirect("/portal/messages?sent=1")
		ym, err := w.h.portal.AgentConversation(ctx, w.agent.ID, w.y.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ym {
			if m.FromContact {
				t.Errorf("Y's conversation got X's message %q", m.Text)
			}
		}
	})
	t.Run("details posted with another contact's ID change the session's contact", func(t *testing.T) {
		w.bx.post(t, "/portal/details", url.Values{"phone": {"555-0100"}, "id": {w.y.ID}, "contact_id": {w.y.ID}}).
			wantRedirect("/portal/details?saved=1")
		y, err := w.h.contacts.Get(ctx, w.agent.ID, w.y.ID)
		if err != nil {
			t.Fatal(err)
		}
		if y.PrimaryPhone() != "555-0199" {
			t.Errorf("Y's phone changed to %q", y.PrimaryPhone())
		}
		x, err := w.h.contacts.Get(ctx, w.agent.ID, w.x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if x.PrimaryPhone() != "555-0100" {
			t.Errorf("X's phone = %q, want 555-0100", x.PrimaryPhone())
		}
	})
}

func TestPortalSetPasswordLink(t *testing.T) {
	h := newHarness(t)
	agent := h.agent(t, "Alice Agent", "alice@example.com", true)
	c := h.contact(t, agent, "Xavier", "Xenon", "Xavier@Example.com")
	link := h.invite(t, agent, c)
	b := h.browser()

	p := b.get(t, link)
	p.wantStatus(http.StatusOK)
	if got := p.text("h1"); got != "Choose a password for xavier@example.com" {
		t.Errorf("h1 = %q", got)
	}
	if !strings.Contains(p.text(".portal-agent"), "Alice Agent") || !strings.Contains(p.text(".portal-agent"), "alice@example.com") {
		t.Errorf("the agent is not shown:\n%s", p.body)
	}
	for _, id := range []string{"f-password", "f-confirm"} {
		if p.find("label[for="+id+"]").Length() != 1 {
			t.Errorf("input %s has no label", id)
		}
	}

	t.Run("a short password is a field error", func(t *testing.T) {
		p := b.post(t, link, url.Values{"password": {"short"}, "confirm": {"short"}})
		p.wantStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(p.text(".field.has-error .error"), "at least 10") {
			t.Errorf("no field error:\n%s", p.body)
		}
	})
	t.Run("two different passwords are a field error", func(t *testing.T) {
		p := b.post(t, link, url.Values{"password": {portalPassword}, "confirm": {portalPassword + "x"}})
		p.wantStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(p.text("#f-confirm-err"), "differ") {
			t.Errorf("no confirm error:\n%s", p.body)
		}
	})
	t.Run("a good password is set and leads to the login", func(t *testing.T) {
		p := b.post(t, link, url.Values{"password": {portalPassword}, "confirm": {portalPassword}})
		p.wantStatus(http.StatusOK)
		if p.text("h1") != "Password set — log in" || p.find(`a[href="/portal/login"]`).Length() == 0 {
			t.Errorf("no success page:\n%s", p.body)
		}
	})
	t.Run("the link works once", func(t *testing.T) {
		p := b.get(t, link)
		p.wantStatus(http.StatusOK)
		if p.find("#portal-link-invalid").Length() != 1 || !strings.Contains(p.body, "used") {
			t.Errorf("a used link still works:\n%s", p.body)
		}
		p = b.post(t, link, url.Values{"password": {"another password"}, "confirm": {"another password"}})
		if p.find("#portal-link-invalid").Length() != 1 {
			t.Errorf("a used link set a password again:\n%s", p.body)
		}
		b.post(t, "/portal/login", url.Values{"username": {"xavier@example.com"}, "password": {portalPassword}}).wantRedirect("/portal")
	})
	t.Run("a made-up link is refused kindly", func(t *testing.T) {
		p := h.browser().get(t, "/portal/set-password/not-a-token")
		if p.find("#portal-link-invalid").Length() != 1 {
			t.Errorf("no friendly page:\n%s", p.body)
		}
	})
}

func TestPortalExpiredLink(t *testing.T) {
	h := newHarness(t)
	clk := &clock{now: time.Now()}
	h.portal.Now = clk.Now // before any portal request
	agent := h.agent(t, "Alice Agent", "alice@example.com", true)
	c := h.contact(t, agent, "Xavier", "Xenon", "xavier@example.com")
	link := h.invite(t, agent, c)
	clk.Advance(15 * 24 * time.Hour)
	b := h.browser()
	p := b.get(t, link)
	if p.find("#portal-link-invalid").Length() != 1 || !strings.Contains(p.body, "expired") {
		t.Fatalf("an expired link is not refused:\n%s", p.body)
	}
	p = b.post(t, link, url.Values{"password": {portalPassword}, "confirm": {portalPassword}})
	if p.find("#portal-link-invalid").Length() != 1 {
		t.Fatalf("an expired link set a password:\n%s", p.body)
	}
}

func TestPortalLogin(t *testing.T) {
	w := newPortalWorld(t)
	b := w.h.browser()
	b.get(t, "/portal/login").wantStatus(http.StatusOK)

	wrongUser := b.post(t, "/portal/login", url.Values{"username": {"nobody@example.com"}, "password": {portalPassword}})
	wrongPass := b.post(t, "/portal/login", url.Values{"username": {"xavier@example.com"}, "password": {"not the password"}})
	t.Run("a wrong username and a wrong password look the same", func(t *testing.T) {
		if wrongUser.status != wrongPass.status || wrongUser.text(".alert-error") != wrongPass.text(".alert-error") {
			t.Errorf("they differ: %d %q / %d %q", wrongUser.status, wrongUser.text(".alert-error"), wrongPass.status, wrongPass.text(".alert-error"))
		}
		if wrongPass.text(".alert-error") != "That username and password do not match." {
			t.Errorf("message = %q", wrongPass.text(".alert-error"))
		}
	})
	t.Run("the form keeps the username", func(t *testing.T) {
		if wrongPass.val("#f-username") != "xavier@example.com" {
			t.Errorf("username = %q", wrongPass.val("#f-username"))
		}
		if v, _ := wrongPass.one("#f-password").Attr("value"); v != "" {
			t.Error("the password is echoed back")
		}
	})
	t.Run("failed logins are rate limited", func(t *testing.T) {
		var p *page
		for range 6 {
			p = b.post(t, "/portal/login", url.Values{"username": {"yolanda@example.com"}, "password": {"wrong"}})
		}
		p.wantStatus(http.StatusTooManyRequests)
		if !strings.Contains(p.text(".alert-error"), "Too many failed logins") {
			t.Errorf("message = %q", p.text(".alert-error"))
		}
		p = b.post(t, "/portal/login", url.Values{"username": {"yolanda@example.com"}, "password": {portalPassword}})
		p.wantStatus(http.StatusTooManyRequests)
	})
	t.Run("the right password opens the portal", func(t *testing.T) {
		b.post(t, "/portal/login", url.Values{"username": {"XAVIER@example.com"}, "password": {portalPassword}}).wantRedirect("/portal")
		p := b.get(t, "/portal")
		p.wantStatus(http.StatusOK)
		if p.text("h1") != "Welcome, Xavier" || !strings.Contains(p.text(".portal-for"), "Client portal for Xavier") {
			t.Errorf("home:\n%s", p.body)
		}
		for _, s := range []string{"Alice Agent", "alice@example.com"} {
			if !strings.Contains(p.text(".portal-agent"), s) {
				t.Errorf("header misses %q", s)
			}
		}
		for _, href := range []string{"/portal", "/portal/details", "/portal/messages", "/portal/searches"} {
			if p.find(`nav a[href="`+href+`"]`).Length() != 1 {
				t.Errorf("no nav link to %s", href)
			}
		}
		b.get(t, "/portal/login").wantRedirect("/portal")
	})
}

func TestPortalDeactivatedContact(t *testing.T) {
	w := newPortalWorld(t)
	ctx := context.Background()
	w.bx.get(t, "/portal").wantStatus(http.StatusOK)
	if _, err := w.h.contacts.SetStatus(ctx, w.agent.ID, w.x.ID, app.StatusInactive); err != nil {
		t.Fatal(err)
	}
	w.bx.get(t, "/portal").wantRedirect("/portal/login")
	w.bx.post(t, "/portal/messages", url.Values{"text": {"hello?"}}).wantRedirect("/portal/login")
	p := w.bx.post(t, "/portal/login", url.Values{"username": {"xavier@example.com"}, "password": {portalPassword}})
	p.wantStatus(http.StatusForbidden)
	if !strings.Contains(p.text(".alert-error"), "paused") {
		t.Errorf("message = %q", p.text(".alert-error"))
	}
	wrong := w.bx.post(t, "/portal/login", url.Values{"username": {"xavier@example.com"}, "password": {"wrong password"}})
	if strings.Contains(wrong.body, "paused") {
		t.Error("a wrong password reveals that the account is paused")
	}
}

func TestPortalLogout(t *testing.T) {
	w := newPortalWorld(t)
	token := w.bx.cookieValue("ab_portal", "/portal")
	p := w.bx.post(t, "/portal/logout", nil)
	p.wantRedirect("/portal/login?bye=1")
	if ck := p.cookie("ab_portal"); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("cookie not cleared: %+v", ck)
	}
	if got := w.bx.get(t, "/portal/login?bye=1"); got.text(".alert-info") != "You are logged out." {
		t.Errorf("notice = %q", got.text(".alert-info"))
	}
	w.bx.get(t, "/portal").wantRedirect("/portal/login")
	// The old token is dead on the server, not only forgotten by the browser.
	w.h.browser().do(t, http.MethodGet, "/portal", nil, hdr("Cookie", "ab_portal="+token)).wantRedirect("/portal/login")
}

func TestPortalForgotPassword(t *testing.T) {
	w := newPortalWorld(t)
	ctx := context.Background()
	resets := func() int {
		due, err := w.h.outbox.Store.DueMail(ctx, time.Now().Add(time.Hour), 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range due {
			if m.Kind == app.MailPortalReset {
				n++
			}
		}
		return n
	}
	b := w.h.browser()
	b.get(t, "/portal/forgot").wantStatus(http.StatusOK)
	known := b.post(t, "/portal/forgot", url.Values{"username": {"xavier@example.com"}})
	unknown := b.post(t, "/portal/forgot", url.Values{"username": {"nobody@example.com"}})
	if known.status != unknown.status || known.text("main") != unknown.text("main") {
		t.Errorf("the answers differ:\n%s\n---\n%s", known.body, unknown.body)
	}
	if !strings.Contains(known.text("main"), "If that is your username, we have emailed you a link") {
		t.Errorf("page:\n%s", known.body)
	}
	if n := resets(); n != 1 {
		t.Fatalf("%d reset emails queued, want 1", n)
	}
	link := w.h.portalLink(t, "xavier@example.com")
	p := b.post(t, link, url.Values{"password": {"a brand new password"}, "confirm": {"a brand new password"}})
	if p.find("#portal-password-set").Length() != 1 {
		t.Fatalf("reset failed:\n%s", p.body)
	}
	b.post(t, "/portal/login", url.Values{"username": {"xavier@example.com"}, "password": {"a brand new password"}}).wantRedirect("/portal")
}

func TestPortalDetails(t *testing.T) {
	w := newPortalWorld(t)
	ctx := context.Background()
	xc := *w.x
	xc.Phones = []app.Phone{{Number: "555-0101", Label: "Mobile"}}
	xc.Addresses = []app.Address{{Label: "Home", Street: "1 Elm Street", City: "Springfield", Region: "IL", PostalCode: "62701", Country: "USA"}}
	if _, err := w.h.contacts.Update(ctx, w.agent.ID, &xc); err != nil {
		t.Fatal(err)
	}
	p := w.bx.get(t, "/portal/details")
	p.wantStatus(http.StatusOK)
	for id, want := range map[string]string{"#f-phone": "555-0101", "#f-street": "1 Elm Street", "#f-city": "Springfield",
		"#f-region": "IL", "#f-postal_code": "62701", "#f-country": "USA"} {
		if got := p.val(id); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
		if p.find("label[for="+id[1:]+"]").Length() != 1 {
			t.Errorf("%s has no label", id)
		}
	}

	form := url.Values{"phone": {"12"}, "street": {"2 Oak Avenue"}, "city": {"Shelbyville"}, "region": {"IL"},
		"postal_code": {"62565"}, "country": {"USA"}}
	t.Run("an invalid phone re-renders with the input", func(t *testing.T) {
		p := w.bx.post(t, "/portal/details", form)
		p.wantStatus(http.StatusUnprocessableEntity)
		if p.val("#f-phone") != "12" || p.val("#f-street") != "2 Oak Avenue" || p.text("#f-phone-err") == "" {
			t.Errorf("input or error lost:\n%s", p.body)
		}
	})
	t.Run("a good change is saved and shown to the agent", func(t *testing.T) {
		form.Set("phone", "555-0102")
		w.bx.post(t, "/portal/details", form).wantRedirect("/portal/details?saved=1")
		p := w.bx.get(t, "/portal/details?saved=1")
		if p.text(".alert-success") == "" || p.val("#f-street") != "2 Oak Avenue" || p.val("#f-phone") != "555-0102" {
			t.Errorf("after saving:\n%s", p.body)
		}
		evs, err := w.h.portal.Activity(ctx, w.agent.ID, w.x.ID, 20)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range evs {
			if e.Kind == app.ActivityDetailsChanged && strings.Contains(e.Detail, "555-0102") && strings.Contains(e.Detail, "Oak Avenue") {
				found = true
			}
		}
		if !found {
			t.Errorf("no details_changed event in %+v", evs)
		}
	})
}

func TestPortalMessages(t *testing.T) {
	w := newPortalWorld(t)
	ctx := context.Background()
	p := w.bx.get(t, "/portal/messages")
	p.wantStatus(http.StatusOK)
	if p.find("#portal-no-messages").Length() != 1 || p.find("label[for=f-text]").Length() != 1 {
		t.Errorf("empty conversation:\n%s", p.body)
	}
	if _, err := w.h.portal.SendFromAgent(ctx, w.agent, w.x.ID, "Shall we visit on Saturday?"); err != nil {
		t.Fatal(err)
	}
	t.Run("an empty message keeps the form with an error", func(t *testing.T) {
		p := w.bx.post(t, "/portal/messages", url.Values{"text": {"   "}})
		p.wantStatus(http.StatusUnprocessableEntity)
		if p.text("#f-text-err") == "" {
			t.Errorf("no error:\n%s", p.body)
		}
	})
	t.Run("a too long message keeps its text", func(t *testing.T) {
		long := strings.Repeat("a", app.MaxMessage+1)
		p := w.bx.post(t, "/portal/messages", url.Values{"text": {long}})
		p.wantStatus(http.StatusUnprocessableEntity)
		if p.one("#f-text").Text() != long {
			t.Error("the text was lost")
		}
	})
	w.bx.post(t, "/portal/messages", url.Values{"text": {"Saturday works for me."}}).wantRedirect("/portal/messages?sent=1")
	p = w.bx.get(t, "/portal/messages?sent=1")
	items := p.find("#portal-messages li")
	if items.Length() != 2 {
		t.Fatalf("%d messages, want 2:\n%s", items.Length(), p.body)
	}
	first := strings.Join(strings.Fields(items.Eq(0).Text()), " ")
	second := strings.Join(strings.Fields(items.Eq(1).Text()), " ")
	if !strings.HasPrefix(first, "Alice Agent") || !strings.Contains(first, "Saturday?") ||
		!strings.HasPrefix(second, "You") || !strings.Contains(second, "works for me") {
		t.Errorf("conversation = %q / %q", first, second)
	}
	if items.Eq(0).Find("time").Length() != 1 {
		t.Error("no time on a message")
	}
	msgs, err := w.h.portal.AgentConversation(ctx, w.agent.ID, w.x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || !msgs[1].FromContact || msgs[1].Text != "Saturday works for me." {
		t.Errorf("agent sees %+v", msgs)
	}
	if msgs[0].ReadAt.IsZero() {
		t.Error("the agent's message was not marked read when the contact saw it")
	}
}

func TestPortalSearches(t *testing.T) {
	w := newPortalWorld(t)
	ctx := context.Background()
	p := w.bx.get(t, "/portal/searches")
	if p.find("#portal-no-searches").Length() != 1 {
		t.Errorf("no empty state:\n%s", p.body)
	}
	shared := w.search(t, w.agent, "Family house", app.ScheduleDaily, w.x, w.y)
	p = w.bx.get(t, "/portal/searches")
	row := p.one("#search-" + shared.ID)
	if !strings.Contains(row.Text(), "Family house") || !strings.Contains(row.Text(), "Springfield") || !strings.Contains(row.Text(), "daily") {
		t.Errorf("row = %q", row.Text())
	}
	load := func() *app.SavedSearch {
		ss, err := w.h.listings.Search(ctx, w.agent.ID, shared.ID)
		if err != nil {
			t.Fatal(err)
		}
		return ss
	}
	path := "/portal/searches/" + shared.ID + "/notifications"
	w.bx.post(t, path, url.Values{"notify": {"on"}}).wantRedirect("/portal/searches?saved=1")
	if got := load().Schedule; got != app.ScheduleDaily {
		t.Errorf("turning on an active search changed it to %q", got)
	}
	w.bx.post(t, path, url.Values{"notify": {"off"}}).wantRedirect("/portal/searches?saved=1")
	if got := load(); got.Schedule != app.ScheduleOff || len(got.ContactIDs) != 2 {
		t.Errorf("after off: %+v", got)
	}
	p = w.bx.get(t, "/portal/searches?saved=1")
	if !strings.Contains(p.text("#search-"+shared.ID), "off") || p.text(".alert-success") == "" {
		t.Errorf("after off:\n%s", p.body)
	}
	w.bx.post(t, path, url.Values{"notify": {"on"}}).wantRedirect("/portal/searches?saved=1")
	if got := load().Schedule; got != app.ScheduleASAP {
		t.Errorf("after on: schedule %q, want asap", got)
	}
	w.bx.post(t, path, url.Values{"notify": {"sometimes"}}).wantStatus(http.StatusUnprocessableEntity)
	w.bx.post(t, "/portal/searches/nope/notifications", url.Values{"notify": {"off"}}).wantStatus(http.StatusNotFound)
}
