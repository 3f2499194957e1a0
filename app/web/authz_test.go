package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/app/imports"
)

// secrets are strings that only agent A's records contain; nothing served to B may contain them.
var secrets = []string{"Zebulon", "Quixotic", "zebulon.q", "555-0177", "Secretco", "Zeb's Circle"}

// leaked returns the secrets in body once the echoes of what B typed are removed.
func leaked(body string, typed ...string) []string {
	var out []string
	lower := strings.ToLower(body)
	for _, s := range typed {
		if s != "" {
			lower = strings.ReplaceAll(lower, strings.ToLower(s), "")
			lower = strings.ReplaceAll(lower, strings.ToLower(url.QueryEscape(s)), "")
		}
	}
	for _, s := range secrets {
		if strings.Contains(lower, strings.ToLower(s)) || strings.Contains(lower, strings.ToLower(html.EscapeString(s))) {
			out = append(out, s)
		}
	}
	return out
}

// TestAuthorizationWalk checks every route that takes the ID of an agent's record: agent B,
// using agent A's IDs, gets 404 and never a detail of A's record, and A's record is unchanged.
// Routes are read from the router, so a new route is walked (or fails here) without a list.
func TestAuthorizationWalk(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	a := h.agent(t, "Agent A", "a@example.com", false)
	bUser := h.agent(t, "Agent B", "b@example.com", false)
	aGroup, err := h.contacts.CreateGroup(ctx, a.ID, "Zeb's Circle")
	if err != nil {
		t.Fatal(err)
	}
	aContact, err := h.contacts.Create(ctx, a.ID, &app.Contact{FirstName: "Zebulon", LastName: "Quixotic", Company: "Secretco",
		Emails: []app.Email{{Address: "zebulon.quixotic@example.com"}}, Phones: []app.Phone{{Number: "555-0177"}},
		GroupIDs: []string{aGroup.ID}})
	if err != nil {
		t.Fatal(err)
	}
	h.contact(t, bUser, "Bea", "Bystander", "bea@example.com")
	bTok := h.token(t, "b@example.com")
	bb := h.loggedIn(t, "b@example.com")
	bb.get(t, "/contacts")

	// The email-address routes name the address too; B's own contact has this one.
	const ownAddress = "own.record@example.com"
	aMail := h.captured(t, a.ID, "Zebulon's offer from Secretco")

	// ids gives, for the path segment before an ":id", agent A's record of that kind and a
	// function that makes one of B's own.
	ids := map[string]struct {
		theirs string
		mine   func(t *testing.T) string
	}{
		"contacts": {aContact.ID, func(t *testing.T) string { return h.contact(t, bUser, "Own", "Record", ownAddress).ID }},
		"mail":     {aMail, func(t *testing.T) string { return h.captured(t, bUser.ID, "B's own mail") }},
		"messages": {aMail, func(t *testing.T) string { return h.captured(t, bUser.ID, "B's own mail") }},
		"groups": {aGroup.ID, func(t *testing.T) string {
			g, err := h.contacts.CreateGroup(ctx, bUser.ID, "Own "+app.NewID())
			if err != nil {
				t.Fatal(err)
			}
			return g.ID
		}},
	}
	upload := func(t *testing.T, owner *app.User, body string) string {
		im, _, err := h.imports.Upload(ctx, owner.ID, "zeb.csv", strings.NewReader(body), imports.Settings{})
		if err != nil {
			t.Fatal(err)
		}
		return im.ID
	}
	aImport := upload(t, a, "Name,Email,Phone,Company\nZebulon Quixotic,zebulon.qq@example.com,555-0177,Secretco\nZeb Bad,zebulon.q@@x,,\n")
	if _, err := h.imports.Run(ctx, a.ID, aImport); err != nil {
		t.Fatal(err)
	}
	ownImport := func(t *testing.T) string { return upload(t, bUser, "Name,Email\nOwn Record,own.import@example.com\n") }
	ids["import"] = struct {
		theirs string
		mine   func(t *testing.T) string
	}{aImport, ownImport}
	ids["imports"] = ids["import"]
	search := func(t *testing.T, owner *app.User, contactID, name string) string {
		ss, err := h.listings.SaveSearch(ctx, owner.ID, &app.SavedSearch{Name: name, Cities: []string{"Springfield"}, ContactIDs: []string{contactID}})
		if err != nil {
			t.Fatal(err)
		}
		return ss.ID
	}
	aSearch := search(t, a, aContact.ID, "Zebulon's lake house")
	ids["searches"] = struct {
		theirs string
		mine   func(t *testing.T) string
	}{aSearch, func(t *testing.T) string {
		return search(t, bUser, h.contact(t, bUser, "Own", "Searcher", "own.search@example.com").ID, "Own search")
	}}
	ids["saved-searches"] = ids["searches"]
	run := func(t *testing.T, u *app.User) string {
		r, err := h.portal.StartBulk(ctx, u, false)
		if err != nil {
			t.Fatal(err)
		}
		for !r.Done { // one run at a time per agent
			time.Sleep(5 * time.Millisecond)
			if r, err = h.portal.BulkStatus(u.ID, r.ID); err != nil {
				t.Fatal(err)
			}
		}
		return r.ID
	}
	ids["portal-accounts"] = struct {
		theirs string
		mine   func(t *testing.T) string
	}{run(t, a), func(t *testing.T) string { return run(t, bUser) }}
	param := regexp.MustCompile(`/([a-z-]+)/:([a-z_]+)`)

	walked := map[string]bool{}
	for _, r := range h.echo.Routes() {
		if !strings.Contains(r.Path, "/:") || strings.HasPrefix(r.Path, "/agents/") || strings.HasPrefix(r.Path, "/jobs/") || r.Method == "echo_route_not_found" {
			continue // /agents/:id and /jobs/:name are the admin's, tested in TestAgents and TestJobsPageIsTheAdmins
		}
		if strings.Contains(r.Path, "/listings/") || strings.HasPrefix(r.Path, "/unsubscribe/") {
			continue // listings are the office's (TestReverseProspectingPrivacy); unsubscribe is keyed by its token (TestUnsubscribe)
		}
		if strings.HasPrefix(r.Path, "/portal/") {
			continue // the portal's own session guards it (TestPortalRoutesRefuseOthersSearches, TestPortalSessionReachesNoAgentRoute)
		}
		name := r.Method + " " + r.Path
		m := param.FindStringSubmatch(r.Path)
		kind, ok := ids[m[1]]
		if !ok {
			t.Errorf("%s takes the ID of a %q record, which this walk does not know: add one of A's and one of B's to ids", name, m[1])
			continue
		}
		walked[name] = true
		fill := func(id string) string {
			p := param.ReplaceAllStringFunc(r.Path, func(s string) string {
				return "/" + param.FindStringSubmatch(s)[1] + "/" + id
			})
			if strings.Contains(p, "/emails/") {
				p += "?address=" + url.QueryEscape(ownAddress)
			}
			return p
		}
		isAPI := strings.HasPrefix(r.Path, "/api/")
		call := func(t *testing.T, path string, hx bool) (int, string) {
			t.Helper()
			if isAPI {
				res := h.api(t, bTok, r.Method, path, map[string]any{"version": 1, "first_name": "Hacked", "name": "Hacked"})
				return res.status, res.body
			}
			form := url.Values{"first_name": {"Hacked"}, "last_name": {"ByB"}, "email": {"b.hack@example.com"},
				"phone": {"555-0000"}, "version": {"1"}, "name": {"Hacked"}}
			if hx {
				p := bb.hx(t, r.Method, path, "contact-x", form)
				return p.status, p.body
			}
			p := bb.submit(t, r.Method, path, form)
			return p.status, p.body
		}
		variants := []bool{false}
		if !isAPI {
			variants = []bool{false, true}
		}
		for _, hx := range variants {
			label := name + " with A's ID is a 404 that shows nothing of A's"
			if hx {
				label += " (htmx)"
			}
			t.Run(label, func(t *testing.T) {
				st, body := call(t, fill(kind.theirs), hx)
				if st != http.StatusNotFound {
					t.Errorf("status = %d, want 404; body:\n%.300s", st, body)
				}
				if l := leaked(body); len(l) > 0 {
					t.Errorf("the response shows %v of A's record:\n%s", l, body)
				}
				if isAPI {
					var e apiError
					if json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != "not_found" {
						t.Errorf("body = %s, want a not_found JSON error", body)
					}
				}
			})
		}
		t.Run(name+" with B's own ID is not a 404", func(t *testing.T) {
			if st, body := call(t, fill(kind.mine(t)), false); st == http.StatusNotFound {
				t.Errorf("B's own record is a 404 too, so the walk proves nothing:\n%.300s", body)
			}
		})
	}
	for _, want := range []string{"GET /contacts/:id/row", "GET /contacts/:id/edit-row", "PUT /contacts/:id/row",
		"GET /api/v1/contacts/:id", "PATCH /api/v1/contacts/:id", "DELETE /api/v1/contacts/:id"} {
		if !walked[want] {
			t.Errorf("the walk did not cover %s", want)
		}
	}

	t.Run("A's records are unchanged after the walk", func(t *testing.T) {
		got, err := h.contacts.Get(ctx, a.ID, aContact.ID)
		if err != nil {
			t.Fatalf("A's contact is gone: %v", err)
		}
		if got.Version != 1 || got.FirstName != "Zebulon" || got.PrimaryEmail() != "zebulon.quixotic@example.com" {
			t.Errorf("A's contact changed: %+v", got)
		}
		gs, _ := h.contacts.Groups(ctx, a.ID)
		if len(gs) != 1 || gs[0].Name != "Zeb's Circle" {
			t.Errorf("A's groups changed: %+v", gs)
		}
	})

	t.Run("A's own search finds A's contact (the control for the checks below)", func(t *testing.T) {
		p := h.loggedIn(t, "a@example.com").get(t, "/contacts?q=Quixotic")
		if ids := rowIDs(p); len(ids) != 1 || ids[0] != aContact.ID {
			t.Errorf("A's search gave %v", ids)
		}
		if l := leaked(p.body, "Quixotic"); len(l) < 4 {
			t.Errorf("A's own page shows only %v of A's contact", l)
		}
	})

	t.Run("B's lists and searches never return A's contacts", func(t *testing.T) {
		for _, q := range []string{"", "q=Zebulon", "q=quixotic", "q=zebulon.quixotic%40example.com", "q=Secretco", "q=555-0177",
			"status=all", "status=inactive", "q=Zeb&status=all", "sort=-created", "group=" + aGroup.ID} {
			v, _ := url.ParseQuery(q)
			typed := v.Get("q")
			for _, hh := range []http.Header{nil, htmx("contact-list")} {
				p := bb.get(t, "/contacts?"+q, hh)
				p.wantStatus(http.StatusOK)
				if l := leaked(p.body, typed); len(l) > 0 {
					t.Errorf("/contacts?%s shows %v of A's", q, l)
				}
				for _, id := range rowIDs(p) {
					if id == aContact.ID {
						t.Errorf("/contacts?%s lists A's contact", q)
					}
				}
			}
			r := h.api(t, bTok, http.MethodGet, "/api/v1/contacts?"+q, nil)
			if l := leaked(r.body, typed); len(l) > 0 {
				t.Errorf("API ?%s shows %v of A's", q, l)
			}
			if strings.HasPrefix(q, "q=") && r.status == http.StatusOK {
				var l apiList
				r.decode(t, &l)
				if l.Total != 0 || len(l.Items) != 0 {
					t.Errorf("API ?%s: total %d, %d items; want none of A's counted", q, l.Total, len(l.Items))
				}
			}
		}
	})

	t.Run("B's Quick Add does not warn about A's contact with the same email", func(t *testing.T) {
		p := bb.hx(t, http.MethodPost, "/contacts/quick-add", "quick-add",
			url.Values{"first_name": {"Copy"}, "last_name": {"Cat"}, "email": {"zebulon.quixotic@example.com"}})
		p.wantStatus(http.StatusOK)
		if p.find("#qa-duplicate").Length() != 0 {
			t.Errorf("B was warned about A's contact")
		}
		if l := leaked(p.body, "zebulon.quixotic@example.com"); len(l) > 0 {
			t.Errorf("the Quick Add response shows %v of A's:\n%s", l, p.body)
		}
	})

	t.Run("B cannot use or see A's group", func(t *testing.T) {
		e := h.api(t, bTok, http.MethodPost, "/api/v1/contacts", map[string]any{"first_name": "X", "groups": []map[string]any{{"id": aGroup.ID}}}).
			wantError(t, http.StatusUnprocessableEntity, "invalid")
		if e.Error.Fields["groups[0].id"] == "" {
			t.Errorf("fields = %v", e.Error.Fields)
		}
		r := h.api(t, bTok, http.MethodGet, "/api/v1/groups", nil)
		if strings.Contains(r.body, aGroup.ID) || len(leaked(r.body)) > 0 {
			t.Errorf("B's groups include A's: %s", r.body)
		}
		if strings.Contains(bb.get(t, "/contacts").body, aGroup.ID) {
			t.Errorf("B's group filter offers A's group")
		}
	})
}
