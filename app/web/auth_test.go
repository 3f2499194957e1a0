package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

func TestSetup(t *testing.T) {
	h := newHarness(t)
	b := h.browser()

	t.Run("the first visit with no users goes to the setup page", func(t *testing.T) {
		for _, path := range []string{"/", "/contacts", "/login", "/agents"} {
			b.get(t, path).wantRedirect("/setup")
		}
		p := b.get(t, "/setup")
		p.wantStatus(http.StatusOK)
		p.one("form#setup-form")
	})

	t.Run("a 9-character password re-renders the form with the field error and keeps name and email", func(t *testing.T) {
		p := b.post(t, "/setup", url.Values{"name": {"Olive Office"}, "email": {"olive@example.com"}, "password": {"123456789"}})
		p.wantStatus(http.StatusUnprocessableEntity)
		if got := p.val("#f-name"); got != "Olive Office" {
			t.Errorf("name = %q, want it kept", got)
		}
		if got := p.val("#f-email"); got != "olive@example.com" {
			t.Errorf("email = %q, want it kept", got)
		}
		if got := p.text("#f-password-err"); !strings.Contains(got, "at least 10 characters") {
			t.Errorf("password error = %q", got)
		}
		if inv, _ := p.one("#f-password").Attr("aria-invalid"); inv != "true" {
			t.Errorf("password input is not marked aria-invalid")
		}
		if v, ok := p.one("#f-password").Attr("value"); ok && v != "" {
			t.Errorf("the password was echoed back: %q", v)
		}
		if p.cookie("ab_session") != nil {
			t.Errorf("an invalid setup set a session cookie")
		}
		b.get(t, "/contacts").wantRedirect("/setup")
	})

	t.Run("a valid setup logs the admin in and goes to Contact Management", func(t *testing.T) {
		p := b.post(t, "/setup", url.Values{"name": {"Olive Office"}, "email": {"olive@example.com"}, "password": {"1234567890"}})
		p.wantRedirect("/contacts")
		if p.cookie("ab_session") == nil {
			t.Fatalf("setup did not set a session cookie")
		}
		c := b.get(t, "/contacts")
		c.wantStatus(http.StatusOK)
		if got := c.text("header .who"); !strings.Contains(got, "Olive Office") {
			t.Errorf("header shows %q, want the admin's name", got)
		}
		if c.find(`nav a[href="/agents"]`).Length() != 1 {
			t.Errorf("the admin sees no Agents link")
		}
	})

	t.Run("the setup page afterwards goes to the login page", func(t *testing.T) {
		b.get(t, "/setup").wantRedirect("/login")
		other := h.browser()
		other.get(t, "/setup").wantRedirect("/login")
		other.post(t, "/setup", url.Values{"name": {"Mallory"}, "email": {"mallory@example.com"}, "password": {"1234567890"}}).
			wantRedirect("/login")
		if users, _ := h.accounts.Users(t.Context()); len(users) != 1 {
			t.Errorf("%d users after a second setup, want 1", len(users))
		}
	})
}

func TestLogin(t *testing.T) {
	h := newHarness(t)
	h.agent(t, "Ann Agent", "ann@example.com", false)

	t.Run("a wrong password shows the message and keeps the email", func(t *testing.T) {
		b := h.browser()
		p := b.post(t, "/login", url.Values{"email": {"ann@example.com"}, "password": {"wrong password"}})
		p.wantStatus(http.StatusUnauthorized)
		if got := p.text(".alert-error"); !strings.Contains(got, "do not match") {
			t.Errorf("message = %q", got)
		}
		if got := p.val("#f-email"); got != "ann@example.com" {
			t.Errorf("email = %q, want it kept", got)
		}
		if p.cookie("ab_session") != nil {
			t.Errorf("a failed login set a session cookie")
		}
	})

	t.Run("an unknown email gets the same message as a wrong password", func(t *testing.T) {
		p := h.browser().post(t, "/login", url.Values{"email": {"nobody@example.com"}, "password": {"whatever12"}})
		p.wantStatus(http.StatusUnauthorized)
		if got := p.text(".alert-error"); !strings.Contains(got, "do not match") {
			t.Errorf("message = %q", got)
		}
	})

	t.Run("the session cookie is HttpOnly, SameSite=Lax and site-wide", func(t *testing.T) {
		p := h.browser().login(t, "ann@example.com", password)
		c := p.cookie("ab_session")
		if c == nil {
			t.Fatal("no ab_session cookie")
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Value == "" {
			t.Errorf("cookie = %+v, want HttpOnly, SameSite=Lax, Path=/", c)
		}
		if c.MaxAge != 3600 {
			t.Errorf("MaxAge = %d, want the session TTL (3600)", c.MaxAge)
		}
	})

	t.Run("pages behind the login are not cached", func(t *testing.T) {
		p := h.loggedIn(t, "ann@example.com").get(t, "/contacts")
		if got := p.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", got)
		}
	})

	t.Run("a page asked for before login is shown after it", func(t *testing.T) {
		b := h.browser()
		b.get(t, "/contacts?q=smith").wantRedirect("/login?next=%2Fcontacts%3Fq%3Dsmith")
		p := b.get(t, "/login?next=%2Fcontacts%3Fq%3Dsmith")
		if got := p.val("input[name=next]"); got != "/contacts?q=smith" {
			t.Errorf("next = %q", got)
		}
		b.post(t, "/login", url.Values{"email": {"ann@example.com"}, "password": {password}, "next": {"/contacts?q=smith"}}).
			wantRedirect("/contacts?q=smith")
	})

	t.Run("logout ends the session", func(t *testing.T) {
		b := h.loggedIn(t, "ann@example.com")
		old := b.sessionCookie()
		b.get(t, "/contacts").wantStatus(http.StatusOK)
		p := b.post(t, "/logout", nil)
		p.wantRedirect("/login?bye=1")
		if c := p.cookie("ab_session"); c == nil || c.MaxAge >= 0 {
			t.Errorf("logout did not delete the cookie: %+v", c)
		}
		b.get(t, "/contacts").wantRedirect("/login?next=%2Fcontacts")
		if got := b.get(t, "/login?bye=1").text(".alert-info"); !strings.Contains(got, "logged out") {
			t.Errorf("notice = %q", got)
		}

		// The old cookie value, replayed, no longer works either.
		replay := h.browser()
		p = replay.get(t, "/contacts", hdr("Cookie", "ab_session="+old))
		p.wantRedirect("/login?next=%2Fcontacts")
	})

	t.Run("an htmx request without a session is redirected with HX-Redirect", func(t *testing.T) {
		p := h.browser().get(t, "/contacts", htmx("contact-list"))
		p.wantStatus(http.StatusOK)
		if got := p.header.Get("HX-Redirect"); got != "/login" {
			t.Errorf("HX-Redirect = %q, want /login", got)
		}
	})

	t.Run("five wrong passwords block the account with Too many failed logins", func(t *testing.T) {
		h.agent(t, "Bo Blocked", "bo@example.com", false)
		b := h.browser()
		for i := 1; i <= 5; i++ {
			p := b.post(t, "/login", url.Values{"email": {"bo@example.com"}, "password": {"wrong password"}})
			p.wantStatus(http.StatusUnauthorized)
		}
		// Even the right password is refused now.
		p := b.post(t, "/login", url.Values{"email": {"bo@example.com"}, "password": {password}})
		p.wantStatus(http.StatusTooManyRequests)
		if got := p.text(".alert-error"); !strings.Contains(got, "Too many failed logins") {
			t.Errorf("message = %q", got)
		}
		if got := p.val("#f-email"); got != "bo@example.com" {
			t.Errorf("email = %q, want it kept", got)
		}
		if p.cookie("ab_session") != nil {
			t.Errorf("a blocked login set a session cookie")
		}
		// Another account from elsewhere is not affected.
		h.browser().login(t, "ann@example.com", password)
	})
}

func TestLoginRedirectStaysOnSite(t *testing.T) {
	h := newHarness(t)
	h.agent(t, "Ann Agent", "ann@example.com", false)
	base, _ := url.Parse(h.srv.URL + "/login")
	tests := []struct {
		name, next, want string // want "" means anywhere on this site
	}{
		{"a local path is kept", "/contacts?q=x", "/contacts?q=x"},
		{"an absolute URL is dropped", "https://evil.example/", "/contacts"},
		{"a protocol-relative URL is dropped", "//evil.example/", "/contacts"},
		{"a backslash trick is dropped", "/\\evil.example/", "/contacts"},
		{"a relative path is dropped", "contacts", "/contacts"},
		{"a tab, which browsers remove from URLs, does not lead off-site", "/\t/evil.example/", ""},
		{"a newline, which browsers remove from URLs, does not lead off-site", "/\n/evil.example/", ""},
		{"a backslash after a tab does not lead off-site", "/\t\\evil.example/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := h.browser().post(t, "/login", url.Values{"email": {"ann@example.com"}, "password": {password}, "next": {tt.next}})
			if p.status != http.StatusSeeOther {
				t.Fatalf("status = %d", p.status)
			}
			loc := p.location()
			if tt.want != "" && loc != tt.want {
				t.Errorf("Location = %q, want %q", loc, tt.want)
			}
			if to := browserResolve(base, loc); to.Host != base.Host {
				t.Errorf("next=%q leads off-site: a browser follows Location %q to %s", tt.next, loc, to)
			}
		})
	}
}

// browserResolve resolves a Location header the way a browser's URL parser does (WHATWG URL):
// leading and trailing control characters and spaces are trimmed, tabs and newlines anywhere
// are removed, and a backslash counts as a slash in http(s) URLs.
func browserResolve(base *url.URL, loc string) *url.URL {
	loc = strings.TrimFunc(loc, func(r rune) bool { return r <= ' ' })
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(loc)
	u, err := url.Parse(loc)
	if err != nil {
		return &url.URL{Host: "unparseable:" + loc}
	}
	return base.ResolveReference(u)
}

func TestCSRF(t *testing.T) {
	h := newHarness(t)
	ann := h.agent(t, "Ann Agent", "ann@example.com", false)
	c := h.contact(t, ann, "Cora", "Contact", "cora@example.com")
	b := h.loggedIn(t, "ann@example.com")
	form := url.Values{"first_name": {"Forged"}, "last_name": {"Entry"}}

	t.Run("a POST without the token is refused with 403", func(t *testing.T) {
		p := b.do(t, http.MethodPost, "/contacts/quick-add", strings.NewReader(form.Encode()),
			hdr("Content-Type", "application/x-www-form-urlencoded"))
		p.wantStatus(http.StatusForbidden)
		if n := activeCount(t, h, ann.ID); n != 1 {
			t.Errorf("%d contacts after a refused POST, want 1", n)
		}
	})

	t.Run("a POST with a wrong token is refused with 403", func(t *testing.T) {
		f := url.Values{"_csrf": {"not-the-token"}}
		for k, v := range form {
			f[k] = v
		}
		p := b.do(t, http.MethodPost, "/contacts/quick-add", strings.NewReader(f.Encode()),
			hdr("Content-Type", "application/x-www-form-urlencoded", "HX-Request", "true", "X-CSRF-Token", "not-the-token"))
		p.wantStatus(http.StatusForbidden)
	})

	t.Run("a cross-site POST is refused even with the token", func(t *testing.T) {
		h := htmx("quick-add")
		h.Set("Sec-Fetch-Site", "cross-site")
		h.Set("X-CSRF-Token", b.token(t))
		h.Set("Content-Type", "application/x-www-form-urlencoded")
		b.do(t, http.MethodPost, "/contacts/quick-add", strings.NewReader(form.Encode()), h).wantStatus(http.StatusForbidden)
	})

	t.Run("every state-changing UI route refuses a request without the token", func(t *testing.T) {
		for _, r := range []struct{ method, path string }{
			{http.MethodPost, "/login"},
			{http.MethodPost, "/logout"},
			{http.MethodPost, "/contacts/quick-add"},
			{http.MethodPut, "/contacts/" + c.ID + "/row"},
			{http.MethodPost, "/agents"},
		} {
			p := b.do(t, r.method, r.path, strings.NewReader("first_name=X&version=1"),
				hdr("Content-Type", "application/x-www-form-urlencoded"))
			if p.status != http.StatusForbidden {
				t.Errorf("%s %s without a token: status %d, want 403", r.method, r.path, p.status)
			}
		}
		if got, _ := h.contacts.Get(t.Context(), ann.ID, c.ID); got.Version != 1 {
			t.Errorf("the contact changed without a token: version %d", got.Version)
		}
		b.get(t, "/contacts").wantStatus(http.StatusOK) // still logged in
	})

	t.Run("an htmx POST with the X-CSRF-Token header is accepted", func(t *testing.T) {
		p := b.hx(t, http.MethodPost, "/contacts/quick-add", "quick-add", form)
		p.wantStatus(http.StatusOK)
		if n := activeCount(t, h, ann.ID); n != 2 {
			t.Errorf("%d contacts, want 2", n)
		}
	})

	t.Run("the page carries the token for htmx in hx-headers", func(t *testing.T) {
		p := b.get(t, "/contacts")
		hv, _ := p.one("body").Attr("hx-headers")
		if !strings.Contains(hv, `"X-CSRF-Token":"`+b.token(t)+`"`) {
			t.Errorf("hx-headers = %q, want the token", hv)
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t)
	h.agent(t, "Ada Admin", "ada@example.com", true)
	b := h.loggedIn(t, "ada@example.com")
	anon := h.browser()
	for _, tt := range []struct {
		name string
		b    *browser
		path string
		h    http.Header
	}{
		{"the login page", anon, "/login", nil},
		{"the contacts page", b, "/contacts", nil},
		{"the contact list fragment", b, "/contacts", htmx("contact-list")},
		{"the agents page", b, "/agents", nil},
		{"an error page", b, "/contacts/nope/row", nil},
		{"an htmx error", b, "/contacts/nope/row", htmx("contact-nope")},
		{"a static file", anon, "/static/app.css", nil},
		{"the JSON API", anon, "/api/v1/contacts", nil},
	} {
		t.Run(tt.name+" has the security headers", func(t *testing.T) {
			p := tt.b.get(t, tt.path, tt.h)
			csp := p.header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("CSP allows unsafe code: %q", csp)
			}
			if got := p.header.Get("X-Frame-Options"); got != "DENY" {
				t.Errorf("X-Frame-Options = %q", got)
			}
			if got := p.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
			if got := p.header.Get("Referrer-Policy"); got == "" {
				t.Errorf("no Referrer-Policy")
			}
		})
	}

	t.Run("pages need nothing the CSP forbids: no inline script, style or handlers", func(t *testing.T) {
		for _, p := range []*page{anon.get(t, "/login"), b.get(t, "/contacts"), b.get(t, "/agents")} {
			p.find("script").Each(func(_ int, s *goquery.Selection) {
				if src, _ := s.Attr("src"); src == "" || strings.TrimSpace(s.Text()) != "" {
					t.Errorf("inline script: %s", outer(s))
				}
			})
			if n := p.find("style, [style]").Length(); n > 0 {
				t.Errorf("%d inline styles", n)
			}
			p.find("*").Each(func(_ int, s *goquery.Selection) {
				for _, a := range s.Nodes[0].Attr {
					if strings.HasPrefix(a.Key, "on") || strings.HasPrefix(a.Val, "javascript:") || strings.HasPrefix(a.Key, "hx-on") {
						t.Errorf("inline handler %s=%q", a.Key, a.Val)
					}
				}
			})
		}
	})
}

func outer(s *goquery.Selection) string {
	h, _ := goquery.OuterHtml(s)
	return h
}

func TestAgents(t *testing.T) {
	h := newHarness(t)
	h.agent(t, "Ada Admin", "ada@example.com", true)
	nat := h.agent(t, "Nat Agent", "nat@example.com", false)
	admin := h.loggedIn(t, "ada@example.com")

	t.Run("an agent who is not an admin is refused with 403", func(t *testing.T) {
		b := h.loggedIn(t, "nat@example.com")
		p := b.get(t, "/agents")
		p.wantStatus(http.StatusForbidden)
		if strings.Contains(p.body, "ada@example.com") {
			t.Errorf("the 403 page lists agents")
		}
		if b.get(t, "/contacts").find(`nav a[href="/agents"]`).Length() != 0 {
			t.Errorf("a non-admin sees the Agents link")
		}
		b.post(t, "/agents", url.Values{"name": {"Sneaky"}, "email": {"sneaky@example.com"}, "password": {"1234567890"}}).
			wantStatus(http.StatusForbidden)
		b.post(t, "/agents/"+nat.ID+"/disable", nil).wantStatus(http.StatusForbidden)
		if _, err := h.accounts.UserByEmail(t.Context(), "sneaky@example.com"); err == nil {
			t.Errorf("a non-admin created an agent")
		}
	})

	t.Run("the admin sees every agent", func(t *testing.T) {
		p := admin.get(t, "/agents")
		p.wantStatus(http.StatusOK)
		for _, email := range []string{"ada@example.com", "nat@example.com"} {
			if !strings.Contains(p.text("table.agents"), email) {
				t.Errorf("agents table lacks %s", email)
			}
		}
	})

	t.Run("adding an agent with errors keeps the input and shows each field's error", func(t *testing.T) {
		tests := []struct {
			name      string
			form      url.Values
			errFields []string
		}{
			{"a short password and a bad email", url.Values{"name": {"Pia Pending"}, "email": {"pia@"}, "phone": {"555-0100"}, "password": {"short"}, "admin": {"1"}},
				[]string{"email", "password"}},
			{"a missing name", url.Values{"name": {""}, "email": {"pia@example.com"}, "phone": {"555-0100"}, "password": {"1234567890"}},
				[]string{"name"}},
			{"an email that an agent already has", url.Values{"name": {"Pia Pending"}, "email": {"NAT@example.com"}, "phone": {"555-0100"}, "password": {"1234567890"}},
				[]string{"email"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := admin.post(t, "/agents", tt.form)
				p.wantStatus(http.StatusUnprocessableEntity)
				for _, f := range []string{"name", "email", "phone"} {
					if got := p.val("#f-" + f); got != tt.form.Get(f) {
						t.Errorf("%s = %q, want %q kept", f, got, tt.form.Get(f))
					}
				}
				if _, checked := p.one("#f-admin").Attr("checked"); checked != (tt.form.Get("admin") == "1") {
					t.Errorf("admin checkbox checked = %v, want it kept", checked)
				}
				for _, f := range tt.errFields {
					if p.text("#f-"+f+"-err") == "" {
						t.Errorf("no error for %s", f)
					}
				}
				if p.find(".alert-error").Length() == 0 {
					t.Errorf("no message")
				}
			})
		}
	})

	t.Run("the admin adds an agent who can then log in", func(t *testing.T) {
		admin.post(t, "/agents", url.Values{"name": {"Pia Pending"}, "email": {"pia@example.com"}, "password": {"1234567890"}}).
			wantRedirect("/agents?done=added")
		p := admin.get(t, "/agents?done=added")
		if !strings.Contains(p.text(".alert-success"), "Agent added") {
			t.Errorf("notice = %q", p.text(".alert-success"))
		}
		if !strings.Contains(p.text("table.agents"), "pia@example.com") {
			t.Errorf("the new agent is not listed")
		}
		h.browser().login(t, "pia@example.com", "1234567890")
	})

	t.Run("a disabled agent's session, token and login are refused", func(t *testing.T) {
		nb := h.loggedIn(t, "nat@example.com")
		nb.get(t, "/contacts").wantStatus(http.StatusOK)
		tok := h.token(t, "nat@example.com")
		h.api(t, tok, http.MethodGet, "/api/v1/contacts", nil)

		admin.post(t, "/agents/"+nat.ID+"/disable", nil).wantRedirect("/agents?done=disabled")
		row := admin.get(t, "/agents").one("#agent-" + nat.ID)
		if !strings.Contains(row.Text(), "Disabled") || row.Find(`form[action$="/enable"]`).Length() != 1 {
			t.Errorf("the row does not show a disabled agent with Enable: %s", outer(row))
		}

		nb.get(t, "/contacts").wantRedirect("/login?next=%2Fcontacts")
		h.api(t, tok, http.MethodGet, "/api/v1/contacts", nil).wantError(t, http.StatusUnauthorized, "unauthorized")
		p := h.browser().post(t, "/login", url.Values{"email": {"nat@example.com"}, "password": {password}})
		p.wantStatus(http.StatusForbidden)
		if got := p.text(".alert-error"); !strings.Contains(got, "disabled") {
			t.Errorf("message = %q, want it to say the account is disabled", got)
		}
		if p.cookie("ab_session") != nil {
			t.Errorf("a disabled agent got a session cookie")
		}

		admin.post(t, "/agents/"+nat.ID+"/enable", nil).wantRedirect("/agents?done=enabled")
		h.browser().login(t, "nat@example.com", password)
	})

	t.Run("the admin cannot disable their own account", func(t *testing.T) {
		me, _ := h.accounts.UserByEmail(t.Context(), "ada@example.com")
		if admin.get(t, "/agents").find("#agent-"+me.ID+" form").Length() != 0 {
			t.Errorf("the admin's own row offers Disable")
		}
		p := admin.post(t, "/agents/"+me.ID+"/disable", nil)
		p.wantStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(p.text(".alert-error"), "cannot disable your own account") {
			t.Errorf("message = %q", p.text(".alert-error"))
		}
		admin.get(t, "/contacts").wantStatus(http.StatusOK)
	})
}

func TestSessionLifetime(t *testing.T) {
	h := newHarness(t)
	clk := h.useClock()
	h.agent(t, "Ann Agent", "ann@example.com", false)
	idle := h.accounts.IdleTTL

	t.Run("a session unused for the idle time is logged out", func(t *testing.T) {
		b := h.loggedIn(t, "ann@example.com")
		clk.Advance(idle - time.Minute)
		b.get(t, "/contacts").wantStatus(http.StatusOK)
		clk.Advance(idle + time.Minute)
		p := b.get(t, "/contacts")
		p.wantRedirect("/login?next=%2Fcontacts")
		if c := p.cookie("ab_session"); c == nil || c.MaxAge >= 0 {
			t.Errorf("the expired session's cookie was not deleted: %+v", c)
		}
	})

	t.Run("a session in use stays valid past the idle time since login", func(t *testing.T) {
		b := h.loggedIn(t, "ann@example.com")
		for i := 0; i < 4; i++ {
			clk.Advance(idle / 2)
			b.get(t, "/contacts").wantStatus(http.StatusOK)
		}
	})

	t.Run("the browser's cookie is renewed while the session is in use", func(t *testing.T) {
		b := h.loggedIn(t, "ann@example.com")
		clk.Advance(idle / 2)
		p := b.get(t, "/contacts")
		p.wantStatus(http.StatusOK)
		if c := p.cookie("ab_session"); c == nil || c.MaxAge <= 0 {
			// The server moves the session's expiry forward on use, but the cookie keeps the
			// Max-Age it got at login, so the browser drops it that long after login however
			// busy the agent is (main.go passes the same --session-idle to both).
			t.Error("the session cookie was not renewed on use")
		}
	})

	t.Run("a login block lifts after the window", func(t *testing.T) {
		h.agent(t, "Bo Blocked", "bo@example.com", false)
		b := h.browser()
		for i := 0; i < 5; i++ {
			b.post(t, "/login", url.Values{"email": {"bo@example.com"}, "password": {"wrong password"}})
		}
		p := b.post(t, "/login", url.Values{"email": {"bo@example.com"}, "password": {password}})
		p.wantStatus(http.StatusTooManyRequests)
		if got := p.text(".alert-error"); !strings.Contains(got, "15 minutes") {
			t.Errorf("message = %q, want the wait in minutes", got)
		}
		clk.Advance(15*time.Minute + time.Second)
		b.login(t, "bo@example.com", password)
	})

	t.Run("re-enabling an agent does not bring back sessions from before the disable", func(t *testing.T) {
		h.agent(t, "Ada Admin", "ada@example.com", true)
		cy := h.agent(t, "Cy Agent", "cy@example.com", false)
		admin := h.loggedIn(t, "ada@example.com")
		stolen := h.loggedIn(t, "cy@example.com") // say, on a laptop that was then stolen
		admin.post(t, "/agents/"+cy.ID+"/disable", nil).wantRedirect("/agents?done=disabled")
		admin.post(t, "/agents/"+cy.ID+"/enable", nil).wantRedirect("/agents?done=enabled")
		p := stolen.get(t, "/contacts")
		if p.status == http.StatusOK {
			t.Error("a session from before the disable works again after enabling")
		}
		p.wantRedirect("/login?next=%2Fcontacts")
	})
}

func TestHealthAndStatic(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	t.Run("healthz answers without a login, even before setup", func(t *testing.T) {
		r := h.api(t, "", http.MethodGet, "/healthz", nil)
		if r.status != http.StatusOK || r.object(t)["status"] != "ok" {
			t.Errorf("healthz = %d %s", r.status, r.body)
		}
	})
	for _, tt := range []struct{ path, ctype string }{
		{"/static/app.css", "text/css"},
		{"/static/app.js", "text/javascript"},
		{"/vendor/htmx.min.js", "text/javascript"},
		{"/vendor/Sortable.min.js", "text/javascript"},
	} {
		t.Run(tt.path+" is served without a login", func(t *testing.T) {
			p := b.get(t, tt.path)
			p.wantStatus(http.StatusOK)
			if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, tt.ctype) {
				t.Errorf("Content-Type = %q, want %s", ct, tt.ctype)
			}
			if len(p.body) < 100 {
				t.Errorf("body is %d bytes", len(p.body))
			}
		})
	}
	t.Run("a missing static file is a 404", func(t *testing.T) {
		b.get(t, "/static/nope.css").wantStatus(http.StatusNotFound)
		b.get(t, "/static/../embed.go").wantStatus(http.StatusNotFound)
	})
}
