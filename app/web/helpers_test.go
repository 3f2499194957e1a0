package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/app/imports"
	"agentbook/app/web"
	"agentbook/embed"
	"agentbook/store"
	"agentbook/store/storetest"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"
)

// password is the password every test agent gets.
const password = "correct horse battery"

// harness is one agentbook web server on real in-memory engines.
type harness struct {
	srv      *httptest.Server
	echo     *echo.Echo
	contacts *app.ContactService
	accounts *app.Accounts
	logs     *syncBuffer
	outbox   *app.Outbox    // queues mail; tests deliver it with Deliver and a mailer of their own
	mailbox  *store.Mailbox // the sink's captured mail
	imports  *imports.Service
	listings *app.ListingService
	portal   *app.PortalService
	reports  *app.ReportService
	store    *store.Store
}

// syncBuffer collects the server's log lines; handlers write from their own goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newHarness starts a server with no accounts. The test fails if the server logs an error
// (an internal error or a panic), since no test here should cause one.
// Options can be adjusted before the server is built; newSocket serves web.NewSocket instead.
func newHarness(t testing.TB, adjust ...func(*web.Options)) *harness {
	t.Helper()
	return start(t, web.New, adjust)
}

// newSocketHarness serves the operator socket's handler over TCP.
func newSocketHarness(t *testing.T, adjust ...func(*web.Options)) *harness {
	t.Helper()
	return start(t, web.NewSocket, adjust)
}

func start(t testing.TB, build func(web.Options) *echo.Echo, adjust []func(*web.Options)) *harness {
	t.Helper()
	contacts, accounts, st, _ := storetest.Services(t)
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	outbox := &app.Outbox{Store: st, Verifier: &app.Verifier{}, Marker: contacts, Logger: logger}
	contacts.Outbox, contacts.Verifier = outbox, &app.Verifier{}
	mailbox := st.Mailbox(100)
	t.Cleanup(mailbox.Close)
	imp := &imports.Service{Contacts: contacts, Store: st, Dir: t.TempDir(), Logger: logger}
	t.Cleanup(imp.Close)
	listings := &app.ListingService{Store: st, Listings: st, Index: app.NewSearchIndex(), Outbox: outbox, Now: time.Now,
		BaseURL: "http://agentbook.test"}
	portal := &app.PortalService{Store: st, Contacts: contacts, Outbox: outbox, Now: time.Now, BaseURL: "http://agentbook.test",
		Limiter: app.NewLoginLimiter(15*time.Minute, 20, 5), BcryptCost: bcrypt.MinCost, Logger: logger}
	contacts.AfterDelete = portal.RemoveAccount
	reports := &app.ReportService{Store: st, Users: st, Now: time.Now}
	opt := web.Options{
		Reports:    reports,
		Portal:     portal,
		Listings:   listings,
		Imports:    imp,
		Exports:    &imports.Exporter{Contacts: contacts},
		Contacts:   contacts,
		Accounts:   accounts,
		Static:     embed.Static,
		Logger:     logger,
		SessionTTL: time.Hour,
		Mailbox:    mailbox,
		Prefs:      st,
	}
	for _, f := range adjust {
		f(&opt)
	}
	e := build(opt)
	srv := httptest.NewServer(e)
	h := &harness{srv: srv, echo: e, contacts: contacts, accounts: accounts, logs: logs, outbox: outbox, mailbox: mailbox, imports: imp, listings: listings, portal: portal,
		reports: reports, store: st}
	t.Cleanup(func() {
		srv.Close() // runs before the engines close: cleanups run last-in first-out
		if l := logs.String(); strings.Contains(l, "level=ERROR") {
			t.Errorf("the server logged an error:\n%s", l)
		}
	})
	return h
}

// agent creates an agent account directly through the service.
func (h *harness) agent(t testing.TB, name, email string, admin bool) *app.User {
	t.Helper()
	u, err := h.accounts.CreateUser(context.Background(), app.NewUser{Name: name, Email: email, Password: password, Admin: admin})
	if err != nil {
		t.Fatalf("create agent %s: %v", email, err)
	}
	return u
}

// contact creates a contact for owner directly through the service.
func (h *harness) contact(t testing.TB, owner *app.User, first, last, email string) *app.Contact {
	t.Helper()
	c := &app.Contact{FirstName: first, LastName: last}
	if email != "" {
		c.Emails = []app.Email{{Address: email, Label: "Home"}}
	}
	got, err := h.contacts.Create(context.Background(), owner.ID, c)
	if err != nil {
		t.Fatalf("create contact %s %s: %v", first, last, err)
	}
	return got
}

// captured stores a message in the sink's mailbox as if the agent had sent it, and returns its ID.
func (h *harness) captured(t testing.TB, agentID, subject string) string {
	t.Helper()
	m := &app.CapturedMessage{ID: app.NewID(), MessageID: app.NewID() + "@test", AgentID: agentID, From: "agent@example.com",
		To: []string{"client@example.com"}, Subject: subject, Text: "Hello from " + subject + "\nhttp://example.com/x",
		HTML: "<p>Hello <b>" + subject + "</b></p>", Headers: []app.Header{{Name: "Subject", Value: subject}},
		Size: 100, ReceivedAt: time.Now()}
	if _, err := h.mailbox.SaveMessage(context.Background(), m); err != nil {
		t.Fatalf("save captured message: %v", err)
	}
	return m.ID
}

// token issues an API token for the agent with the email.
func (h *harness) token(t testing.TB, email string) string {
	t.Helper()
	tok, err := h.accounts.CreateToken(context.Background(), email)
	if err != nil {
		t.Fatalf("create token for %s: %v", email, err)
	}
	return tok
}

// browser is a client with its own cookie jar. It does not follow redirects, so that tests
// see each redirect's Location.
type browser struct {
	h    *harness
	jar  *cookiejar.Jar
	csrf string
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil) // never fails without options
	return &browser{h: h, jar: jar}
}

// loggedIn returns a browser logged in as the agent with the email.
func (h *harness) loggedIn(t testing.TB, email string) *browser {
	t.Helper()
	b := h.browser()
	b.login(t, email, password)
	return b
}

// page is a response with its body read and parsed.
type page struct {
	t       testing.TB
	status  int
	header  http.Header
	body    string
	cookies []*http.Cookie
	doc     *goquery.Document
}

// find returns the elements matching a CSS selector.
func (p *page) find(sel string) *goquery.Selection { return p.doc.Find(sel) }

// one returns the single element matching sel and fails the test otherwise.
func (p *page) one(sel string) *goquery.Selection {
	p.t.Helper()
	s := p.doc.Find(sel)
	if s.Length() != 1 {
		p.t.Fatalf("want exactly one %q, found %d in:\n%s", sel, s.Length(), p.body)
	}
	return s
}

// text is the whitespace-collapsed text of the elements matching sel.
func (p *page) text(sel string) string {
	return strings.Join(strings.Fields(p.doc.Find(sel).Text()), " ")
}

// val is the value attribute of the single element matching sel.
func (p *page) val(sel string) string {
	p.t.Helper()
	v, _ := p.one(sel).Attr("value")
	return v
}

func (p *page) location() string { return p.header.Get("Location") }

// wantStatus fails the test unless the response has the status.
func (p *page) wantStatus(st int) {
	p.t.Helper()
	if p.status != st {
		p.t.Fatalf("status = %d, want %d; Location %q; body:\n%s", p.status, st, p.location(), p.body)
	}
}

// wantRedirect fails the test unless the response is a 303 to the location.
func (p *page) wantRedirect(to string) {
	p.t.Helper()
	if p.status != http.StatusSeeOther || p.location() != to {
		p.t.Fatalf("got %d to %q, want 303 to %q; body:\n%s", p.status, p.location(), to, p.body)
	}
}

// cookie returns the Set-Cookie of that name in the response, or nil.
func (p *page) cookie(name string) *http.Cookie {
	for _, c := range p.cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// hdr turns "Name", "value", … pairs into a header.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// htmx is the header htmx sends for a request aimed at the element with the ID target.
func htmx(target string) http.Header {
	h := hdr("HX-Request", "true")
	if target != "" {
		h.Set("HX-Target", target)
	}
	return h
}

func (b *browser) do(t testing.TB, method, path string, body io.Reader, h http.Header) *page {
	t.Helper()
	req, err := http.NewRequest(method, b.h.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	// RoundTrip rather than Client.Do: the client would reject a Location header that a browser
	// follows (one with a tab), and tests want to see every redirect anyway.
	for _, c := range b.jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	res, err := b.h.srv.Client().Transport.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	b.jar.SetCookies(req.URL, res.Cookies())
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	doc, err := parseHTML(string(raw))
	if err != nil {
		t.Fatalf("%s %s: parse body: %v", method, path, err)
	}
	p := &page{t: t, status: res.StatusCode, header: res.Header, body: string(raw), cookies: res.Cookies(), doc: doc}
	if tok, ok := doc.Find("input[name=_csrf]").First().Attr("value"); ok && tok != "" {
		b.csrf = tok
	}
	return p
}

// get requests path with optional extra headers.
func (b *browser) get(t testing.TB, path string, h ...http.Header) *page {
	t.Helper()
	return b.do(t, http.MethodGet, path, nil, merge(h))
}

// token returns the CSRF token from a page this browser was served, fetching one if needed.
func (b *browser) token(t testing.TB) string {
	t.Helper()
	if b.csrf == "" {
		p := b.get(t, "/login")
		if p.status == http.StatusSeeOther {
			b.get(t, p.location())
		}
		if b.csrf == "" {
			t.Fatalf("no CSRF token on /login:\n%s", p.body)
		}
	}
	return b.csrf
}

// submit sends a form as a browser does: urlencoded, with the CSRF token in _csrf.
func (b *browser) submit(t testing.TB, method, path string, form url.Values, h ...http.Header) *page {
	t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_csrf", b.token(t))
	hh := merge(h)
	hh.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(t, method, path, strings.NewReader(f.Encode()), hh)
}

// post submits a form by POST with the CSRF token.
func (b *browser) post(t testing.TB, path string, form url.Values, h ...http.Header) *page {
	t.Helper()
	return b.submit(t, http.MethodPost, path, form, h...)
}

// hx sends a form the way htmx does: the CSRF token in the X-CSRF-Token header (from the
// body's hx-headers), HX-Request set, and HX-Target naming the target element's ID.
func (b *browser) hx(t testing.TB, method, path, target string, form url.Values) *page {
	t.Helper()
	h := htmx(target)
	h.Set("X-CSRF-Token", b.token(t))
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(t, method, path, strings.NewReader(form.Encode()), h)
}

func merge(hs []http.Header) http.Header {
	out := http.Header{}
	for _, h := range hs {
		for k, v := range h {
			out[k] = v
		}
	}
	return out
}

// login logs in through the login form and expects to land on /contacts.
func (b *browser) login(t testing.TB, email, pw string) *page {
	t.Helper()
	p := b.post(t, "/login", url.Values{"email": {email}, "password": {pw}})
	p.wantRedirect("/contacts")
	return p
}

// sessionCookie is the session cookie this browser holds, or "".
func (b *browser) sessionCookie() string {
	u, _ := url.Parse(b.h.srv.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == "ab_session" {
			return c.Value
		}
	}
	return ""
}

// apiResponse is a JSON API answer.
type apiResponse struct {
	status int
	header http.Header
	body   string
}

// decode unmarshals the body into v and fails the test if it is not JSON.
func (r *apiResponse) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("body is not JSON (%v): %s", err, r.body)
	}
}

// object is the body as a JSON object.
func (r *apiResponse) object(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.decode(t, &m)
	return m
}

// apiError is the body of a JSON error.
type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// wantError fails the test unless the response is a JSON error with the status and code.
func (r *apiResponse) wantError(t testing.TB, st int, code string) apiError {
	t.Helper()
	if r.status != st {
		t.Fatalf("status = %d, want %d; body: %s", r.status, st, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want JSON", ct)
	}
	var e apiError
	r.decode(t, &e)
	if e.Error.Code != code || e.Error.Message == "" {
		t.Errorf("error = %+v, want code %q and a message", e.Error, code)
	}
	return e
}

// api calls the JSON API with a bearer token ("" for none); body is marshalled unless it is a
// string, which is sent as is.
func (h *harness) api(t testing.TB, token, method, path string, body any) *apiResponse {
	t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &apiResponse{status: res.StatusCode, header: res.Header, body: string(raw)}
}

// rowIDs returns the contact IDs of the list rows on a page, in order.
func rowIDs(p *page) []string {
	var ids []string
	p.find("#contact-rows > tr[id^='contact-']").Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("id")
		ids = append(ids, strings.TrimPrefix(id, "contact-"))
	})
	return ids
}

// stays green while the bug is open; the check itself still runs and starts passing once fixed.

// activeCount is how many active contacts the agent has.
func activeCount(t testing.TB, h *harness, ownerID string) int {
	t.Helper()
	res, err := h.contacts.List(context.Background(), app.ContactQuery{OwnerID: ownerID, Status: app.StatusActive, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return res.Total
}

// parseHTML parses a page or a fragment. A table row on its own is parsed inside a table, as
// htmx does when it swaps one, since the HTML parser drops a <tr> found outside a table.
func parseHTML(body string) (*goquery.Document, error) {
	if strings.HasPrefix(strings.TrimSpace(body), "<tr") {
		body = "<table><tbody>" + body + "</tbody></table>"
	}
	return goquery.NewDocumentFromReader(strings.NewReader(body))
}

// clock is a settable time for the account rules (session expiry, login blocks).
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// useClock makes the account rules read a clock the test moves; call it before any request.
func (h *harness) useClock() *clock {
	c := &clock{now: time.Now()}
	h.accounts.Now = c.Now
	return c
}
