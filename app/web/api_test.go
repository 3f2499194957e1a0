package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"agentbook/app"
)

// apiContact is a contact as the API returns it.
type apiContact struct {
	ID         string `json:"id"`
	FirstName  string `json:"first_name"`
	MiddleName string `json:"middle_name"`
	LastName   string `json:"last_name"`
	Company    string `json:"company"`
	Title      string `json:"title"`
	Emails     []struct {
		Address string `json:"address"`
		Label   string `json:"label"`
		Primary bool   `json:"primary"`
		Notify  bool   `json:"notify"`
		Status  string `json:"status"`
	} `json:"emails"`
	Phones []struct {
		Number string `json:"number"`
		Label  string `json:"label"`
	} `json:"phones"`
	Addresses []map[string]string `json:"addresses"`
	Groups    []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"groups"`
	Notes              string `json:"notes"`
	Birthday           string `json:"birthday"`
	ReverseProspecting bool   `json:"reverse_prospecting"`
	Status             string `json:"status"`
	Portal             any    `json:"portal"`
	CreatedAt          string `json:"created_at"`
	UpdatedAt          string `json:"updated_at"`
	Version            int64  `json:"version"`
}

func (c apiContact) emails() []string {
	var out []string
	for _, e := range c.Emails {
		out = append(out, e.Address)
	}
	return out
}

type apiList struct {
	Items      []apiContact `json:"items"`
	Total      int          `json:"total"`
	NextCursor string       `json:"next_cursor"`
}

func TestAPIAuth(t *testing.T) {
	h := newHarness(t)
	h.agent(t, "Ann Agent", "ann@example.com", false)
	tok := h.token(t, "ann@example.com")

	tests := []struct {
		name, auth string
	}{
		{"no Authorization header", ""},
		{"a token that does not exist", "Bearer ab_notarealtoken"},
		{"an empty bearer token", "Bearer "},
		{"another scheme", "Basic " + tok},
		{"the token without the Bearer scheme", tok},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is a 401 JSON error", func(t *testing.T) {
			for _, r := range []struct{ method, path string }{
				{http.MethodGet, "/api/v1/contacts"},
				{http.MethodPost, "/api/v1/contacts"},
				{http.MethodGet, "/api/v1/contacts/01ARZ3NDEKTSV4RRFFQ69G5FAV"},
				{http.MethodGet, "/api/v1/no-such-route"},
			} {
				req, _ := http.NewRequest(r.method, h.srv.URL+r.path, strings.NewReader(`{"first_name":"X"}`))
				if tt.auth != "" {
					req.Header.Set("Authorization", tt.auth)
				}
				res, err := h.srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
					t.Errorf("%s %s: %d %s, want 401 JSON", r.method, r.path, res.StatusCode, res.Header.Get("Content-Type"))
				}
			}
			r := h.api(t, "", http.MethodGet, "/api/v1/contacts", nil)
			r.wantError(t, http.StatusUnauthorized, "unauthorized")
		})
	}

	t.Run("a session cookie does not open the API", func(t *testing.T) {
		b := h.loggedIn(t, "ann@example.com")
		p := b.get(t, "/api/v1/contacts")
		if p.status != http.StatusUnauthorized {
			t.Errorf("status = %d, want 401", p.status)
		}
	})

	t.Run("an unknown API route is a JSON 404", func(t *testing.T) {
		h.api(t, tok, http.MethodGet, "/api/v1/no-such-route", nil).wantError(t, http.StatusNotFound, "not_found")
	})
}

func TestAPIContactCRUD(t *testing.T) {
	h := newHarness(t)
	ann := h.agent(t, "Ann Agent", "ann@example.com", false)
	tok := h.token(t, "ann@example.com")
	buyers, err := h.contacts.CreateGroup(context.Background(), ann.ID, "Buyers")
	if err != nil {
		t.Fatal(err)
	}

	var created apiContact
	t.Run("POST creates a contact and answers 201 with the record", func(t *testing.T) {
		r := h.api(t, tok, http.MethodPost, "/api/v1/contacts", map[string]any{
			"first_name": "Carla", "last_name": "Crud", "company": "Acme",
			"emails": []map[string]any{{"address": "carla@Example.com", "label": "Home"}, {"address": "carla.work@example.com", "label": "Work", "notify": true}},
			"phones": []map[string]any{{"number": "555-0100", "label": "Mobile"}},
			"groups": []map[string]any{{"id": buyers.ID}},
			"notes":  "met at open house", "birthday": "1980-02-29",
		})
		if r.status != http.StatusCreated {
			t.Fatalf("status = %d: %s", r.status, r.body)
		}
		r.decode(t, &created)
		if created.ID == "" || created.Version != 1 || created.Status != "active" || created.CreatedAt == "" {
			t.Errorf("created = %+v", created)
		}
		if got := created.emails(); !slices.Equal(got, []string{"carla@example.com", "carla.work@example.com"}) {
			t.Errorf("emails = %v", got)
		}
		if !created.Emails[0].Primary || created.Emails[1].Primary || created.Emails[0].Status != "unknown" {
			t.Errorf("the first email is not the only primary: %+v", created.Emails)
		}
		if len(created.Groups) != 1 || created.Groups[0].ID != buyers.ID || created.Groups[0].Name != "Buyers" {
			t.Errorf("groups = %+v", created.Groups)
		}
		if created.Portal != nil {
			t.Errorf("portal = %v, want null", created.Portal)
		}
		obj := r.object(t)
		for _, k := range []string{"id", "first_name", "middle_name", "last_name", "company", "title", "emails", "phones",
			"addresses", "groups", "notes", "birthday", "reverse_prospecting", "status", "portal", "created_at", "updated_at", "version"} {
			if _, ok := obj[k]; !ok {
				t.Errorf("the record lacks %q", k)
			}
		}
		if _, ok := obj["owner_id"]; ok {
			t.Errorf("the record shows owner_id")
		}
	})
	if created.ID == "" {
		t.FailNow()
	}
	path := "/api/v1/contacts/" + created.ID

	t.Run("GET returns the record", func(t *testing.T) {
		r := h.api(t, tok, http.MethodGet, path, nil)
		if r.status != http.StatusOK {
			t.Fatalf("status = %d: %s", r.status, r.body)
		}
		var got apiContact
		r.decode(t, &got)
		if got.ID != created.ID || got.FirstName != "Carla" || got.Birthday != "1980-02-29" || got.Notes != "met at open house" {
			t.Errorf("got %+v", got)
		}
	})

	t.Run("POST with invalid input is a 422 naming each field", func(t *testing.T) {
		tests := []struct {
			name  string
			body  any
			field string
		}{
			{"an invalid second email", map[string]any{"first_name": "X", "emails": []map[string]any{{"address": "ok@example.com"}, {"address": "not-an-email"}}}, "emails[1].address"},
			{"no name or company", map[string]any{"notes": "who?"}, "first_name"},
			{"a bad birthday", map[string]any{"first_name": "X", "birthday": "29/02/1980"}, "birthday"},
			{"a short phone", map[string]any{"first_name": "X", "phones": []map[string]any{{"number": "1"}}}, "phones[0].number"},
			{"a group of nobody", map[string]any{"first_name": "X", "groups": []map[string]any{{"id": "nope"}}}, "groups[0].id"},
			{"a wrong type", `{"first_name": 7}`, "first_name"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := h.api(t, tok, http.MethodPost, "/api/v1/contacts", tt.body).wantError(t, http.StatusUnprocessableEntity, "invalid")
				if e.Error.Fields[tt.field] == "" {
					t.Errorf("fields = %v, want %s", e.Error.Fields, tt.field)
				}
			})
		}
		for _, body := range []string{`{"first_name":"X","surprise":1}`, `not json`, ``} {
			h.api(t, tok, http.MethodPost, "/api/v1/contacts", body).wantError(t, http.StatusUnprocessableEntity, "invalid")
		}
	})

	t.Run("DELETE answers 204 and the contact is gone", func(t *testing.T) {
		r := h.api(t, tok, http.MethodPost, "/api/v1/contacts", map[string]any{"first_name": "Doomed"})
		var c apiContact
		r.decode(t, &c)
		r = h.api(t, tok, http.MethodDelete, "/api/v1/contacts/"+c.ID, nil)
		if r.status != http.StatusNoContent || r.body != "" {
			t.Fatalf("DELETE: %d %q", r.status, r.body)
		}
		h.api(t, tok, http.MethodGet, "/api/v1/contacts/"+c.ID, nil).wantError(t, http.StatusNotFound, "not_found")
		h.api(t, tok, http.MethodDelete, "/api/v1/contacts/"+c.ID, nil).wantError(t, http.StatusNotFound, "not_found")
		var l apiList
		h.api(t, tok, http.MethodGet, "/api/v1/contacts?q=Doomed", nil).decode(t, &l)
		if len(l.Items) != 0 {
			t.Errorf("the deleted contact is still found by search")
		}
	})
}

func TestAPIPatch(t *testing.T) {
	h := newHarness(t)
	h.agent(t, "Ann Agent", "ann@example.com", false)
	tok := h.token(t, "ann@example.com")

	create := func(t *testing.T) apiContact {
		t.Helper()
		r := h.api(t, tok, http.MethodPost, "/api/v1/contacts", map[string]any{
			"first_name": "Pat", "last_name": "Patch", "company": "Acme", "title": "Owner", "notes": "keep me",
			"emails": []map[string]any{{"address": "pat@example.com"}, {"address": "pat.work@example.com", "label": "Work"}},
			"phones": []map[string]any{{"number": "555-0100", "label": "Mobile"}, {"number": "555-0101", "label": "Work"}},
		})
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		var c apiContact
		r.decode(t, &c)
		return c
	}
	patch := func(t *testing.T, id string, body any) *apiResponse {
		t.Helper()
		return h.api(t, tok, http.MethodPatch, "/api/v1/contacts/"+id, body)
	}
	ok := func(t *testing.T, r *apiResponse) apiContact {
		t.Helper()
		if r.status != http.StatusOK {
			t.Fatalf("status = %d: %s", r.status, r.body)
		}
		var c apiContact
		r.decode(t, &c)
		return c
	}

	t.Run("fields left out of the patch keep their values", func(t *testing.T) {
		c := create(t)
		got := ok(t, patch(t, c.ID, map[string]any{"version": 1, "title": "Broker"}))
		if got.Title != "Broker" || got.Company != "Acme" || got.Notes != "keep me" || got.FirstName != "Pat" {
			t.Errorf("got %+v", got)
		}
		if len(got.Emails) != 2 || len(got.Phones) != 2 {
			t.Errorf("arrays changed: emails %v phones %+v", got.emails(), got.Phones)
		}
		if got.Version != 2 {
			t.Errorf("version = %d, want 2", got.Version)
		}
	})

	t.Run("an array in the patch replaces the whole array and its first email is primary", func(t *testing.T) {
		c := create(t)
		got := ok(t, patch(t, c.ID, map[string]any{"version": 1, "emails": []map[string]any{{"address": "pat.new@example.com"}}}))
		if e := got.emails(); !slices.Equal(e, []string{"pat.new@example.com"}) {
			t.Errorf("emails = %v, want only the new one", e)
		}
		if !got.Emails[0].Primary {
			t.Errorf("the only email is not primary")
		}
		if len(got.Phones) != 2 {
			t.Errorf("phones changed: %+v", got.Phones)
		}
		got = ok(t, patch(t, c.ID, map[string]any{"version": 2, "emails": []map[string]any{{"address": "b@example.com"}, {"address": "a@example.com"}}}))
		if e := got.emails(); !slices.Equal(e, []string{"b@example.com", "a@example.com"}) || !got.Emails[0].Primary || got.Emails[1].Primary {
			t.Errorf("emails = %+v, want the given order with the first primary", got.Emails)
		}
		got = ok(t, patch(t, c.ID, map[string]any{"version": 3, "phones": []any{}}))
		if len(got.Phones) != 0 {
			t.Errorf("phones = %+v, want none", got.Phones)
		}
	})

	t.Run("null removes a field", func(t *testing.T) {
		c := create(t)
		got := ok(t, patch(t, c.ID, `{"version":1,"company":null,"notes":null,"emails":null}`))
		if got.Company != "" || got.Notes != "" || len(got.Emails) != 0 || got.FirstName != "Pat" {
			t.Errorf("got %+v", got)
		}
	})

	t.Run("a patch without a version is a 422 naming version", func(t *testing.T) {
		c := create(t)
		for _, body := range []string{`{"title":"Broker"}`, `{"title":"Broker","version":null}`} {
			e := patch(t, c.ID, body).wantError(t, http.StatusUnprocessableEntity, "invalid")
			if e.Error.Fields["version"] == "" {
				t.Errorf("%s: fields = %v, want version", body, e.Error.Fields)
			}
		}
		e := patch(t, c.ID, `{"title":"Broker","version":"one"}`).wantError(t, http.StatusUnprocessableEntity, "invalid")
		if e.Error.Fields["version"] == "" {
			t.Errorf("a string version: fields = %v, want version", e.Error.Fields)
		}
	})

	t.Run("a stale version is a 409 and changes nothing", func(t *testing.T) {
		c := create(t)
		ok(t, patch(t, c.ID, map[string]any{"version": 1, "title": "Broker"}))
		patch(t, c.ID, map[string]any{"version": 1, "title": "Clobber"}).wantError(t, http.StatusConflict, "conflict")
		var got apiContact
		h.api(t, tok, http.MethodGet, "/api/v1/contacts/"+c.ID, nil).decode(t, &got)
		if got.Title != "Broker" || got.Version != 2 {
			t.Errorf("after a stale patch: title %q version %d", got.Title, got.Version)
		}
	})

	t.Run("invalid values in a patch are a 422 naming the field", func(t *testing.T) {
		c := create(t)
		e := patch(t, c.ID, map[string]any{"version": 1, "emails": []map[string]any{{"address": "ok@example.com"}, {"address": "bad@"}}}).
			wantError(t, http.StatusUnprocessableEntity, "invalid")
		if e.Error.Fields["emails[1].address"] == "" {
			t.Errorf("fields = %v, want emails[1].address", e.Error.Fields)
		}
		patch(t, c.ID, map[string]any{"version": 1, "surprise": true}).wantError(t, http.StatusUnprocessableEntity, "invalid")
		patch(t, c.ID, `[1,2]`).wantError(t, http.StatusUnprocessableEntity, "invalid")
	})

	t.Run("read-only fields in a patch are ignored", func(t *testing.T) {
		c := create(t)
		got := ok(t, patch(t, c.ID, map[string]any{"version": 1, "id": "OTHER", "created_at": "2000-01-01T00:00:00Z", "title": "Broker"}))
		if got.ID != c.ID || got.CreatedAt != c.CreatedAt {
			t.Errorf("id %q created %q changed", got.ID, got.CreatedAt)
		}
	})

	t.Run("status inactive deactivates", func(t *testing.T) {
		c := create(t)
		got := ok(t, patch(t, c.ID, map[string]any{"version": 1, "status": "inactive"}))
		if got.Status != "inactive" {
			t.Errorf("status = %q", got.Status)
		}
		patch(t, c.ID, map[string]any{"version": 2, "status": "all"}).wantError(t, http.StatusUnprocessableEntity, "invalid")
	})
}

func TestAPIList(t *testing.T) {
	h := newHarness(t)
	ann := h.agent(t, "Ann Agent", "ann@example.com", false)
	tok := h.token(t, "ann@example.com")
	names := []string{"Adams", "Baker", "Clark", "Davis", "Evans"}
	ids := map[string]string{}
	for _, n := range names {
		c := h.contact(t, ann, "Lee", n, strings.ToLower(n)+"@example.com")
		ids[n] = c.ID
	}
	old, _ := h.contacts.Get(context.Background(), ann.ID, ids["Clark"])
	old.Status = app.StatusInactive
	if _, err := h.contacts.Update(context.Background(), ann.ID, old); err != nil {
		t.Fatal(err)
	}

	list := func(t *testing.T, query string) apiList {
		t.Helper()
		r := h.api(t, tok, http.MethodGet, "/api/v1/contacts?"+query, nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", query, r.status, r.body)
		}
		var l apiList
		r.decode(t, &l)
		if r.object(t)["items"] == nil {
			t.Errorf("items is null, want a list")
		}
		return l
	}
	lastNames := func(l apiList) []string {
		var out []string
		for _, c := range l.Items {
			out = append(out, c.LastName)
		}
		return out
	}

	tests := []struct {
		name, query string
		want        []string
		total       int
	}{
		{"the default is active contacts by name", "", []string{"Adams", "Baker", "Davis", "Evans"}, 4},
		{"sort=-name reverses", "sort=-name", []string{"Evans", "Davis", "Baker", "Adams"}, 4},
		{"sort=created is creation order", "sort=created", []string{"Adams", "Baker", "Davis", "Evans"}, 4},
		{"sort=-created is newest first", "sort=-created", []string{"Evans", "Davis", "Baker", "Adams"}, 4},
		{"sort=-updated puts the last edited first", "sort=-updated&status=all", []string{"Clark", "Evans", "Davis", "Baker", "Adams"}, 5},
		{"status=inactive", "status=inactive", []string{"Clark"}, 1},
		{"status=all", "status=all", []string{"Adams", "Baker", "Clark", "Davis", "Evans"}, 5},
		{"q matches a name", "q=davis", []string{"Davis"}, 1},
		{"q matches an email", "q=" + url.QueryEscape("evans@example.com"), []string{"Evans"}, 1},
		{"q with status=all finds inactive ones", "q=clark&status=all", []string{"Clark"}, 1},
		{"q finds nothing", "q=zzzz", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := list(t, tt.query)
			if got := lastNames(l); !slices.Equal(got, tt.want) {
				t.Errorf("items = %v, want %v", got, tt.want)
			}
			if l.Total != tt.total {
				t.Errorf("total = %d, want %d", l.Total, tt.total)
			}
			if l.NextCursor != "" {
				t.Errorf("next_cursor = %q on the only page", l.NextCursor)
			}
		})
	}

	for _, q := range []string{"", "q=lee&", "status=all&"} {
		t.Run("limit and cursor walk the pages: "+q, func(t *testing.T) {
			var got []string
			cursor := ""
			for i := 0; i < 10; i++ {
				l := list(t, q+"limit=2&cursor="+url.QueryEscape(cursor))
				if len(l.Items) > 2 {
					t.Fatalf("%d items with limit=2", len(l.Items))
				}
				got = append(got, lastNames(l)...)
				if cursor = l.NextCursor; cursor == "" {
					break
				}
			}
			want := []string{"Adams", "Baker", "Davis", "Evans"}
			if q == "status=all&" {
				want = []string{"Adams", "Baker", "Clark", "Davis", "Evans"}
			}
			if !slices.Equal(got, want) {
				t.Errorf("pages gave %v, want %v", got, want)
			}
		})
	}

	t.Run("invalid parameters are a 422 naming the parameter", func(t *testing.T) {
		for _, tt := range []struct{ query, field string }{
			{"sort=age", "sort"},
			{"sort=-", "sort"},
			{"limit=0", "limit"},
			{"limit=201", "limit"},
			{"limit=ten", "limit"},
			{"cursor=%25%25", "cursor"},
			{"cursor=bm9udWxs", "cursor"},
			{"status=deleted", "status"},
		} {
			t.Run(tt.query, func(t *testing.T) {
				r := h.api(t, tok, http.MethodGet, "/api/v1/contacts?"+tt.query, nil)
				e := r.wantError(t, http.StatusUnprocessableEntity, "invalid")
				if e.Error.Fields[tt.field] == "" {
					t.Errorf("fields = %v, want %s", e.Error.Fields, tt.field)
				}
			})
		}
	})
}

func TestAPIGroups(t *testing.T) {
	h := newHarness(t)
	h.agent(t, "Ann Agent", "ann@example.com", false)
	tok := h.token(t, "ann@example.com")

	r := h.api(t, tok, http.MethodPost, "/api/v1/groups", map[string]string{"name": "  Past   Clients "})
	if r.status != http.StatusCreated {
		t.Fatalf("create group: %d %s", r.status, r.body)
	}
	g := r.object(t)
	if g["name"] != "Past Clients" || g["id"] == "" {
		t.Errorf("group = %v, want the name tidied", g)
	}
	t.Run("a group name taken in any case is a 409", func(t *testing.T) {
		h.api(t, tok, http.MethodPost, "/api/v1/groups", map[string]string{"name": "past clients"}).wantError(t, http.StatusConflict, "conflict")
	})
	t.Run("an empty group name is a 422 naming the field", func(t *testing.T) {
		e := h.api(t, tok, http.MethodPost, "/api/v1/groups", map[string]string{"name": "  "}).wantError(t, http.StatusUnprocessableEntity, "invalid")
		if e.Error.Fields["name"] == "" {
			t.Errorf("fields = %v", e.Error.Fields)
		}
	})
	t.Run("the list has the group", func(t *testing.T) {
		l := h.api(t, tok, http.MethodGet, "/api/v1/groups", nil).object(t)
		items, _ := l["items"].([]any)
		if len(items) != 1 || l["total"] != float64(1) {
			t.Errorf("groups = %v", l)
		}
	})
	t.Run("a contact can be put in the group and filtered by it", func(t *testing.T) {
		id, _ := g["id"].(string)
		h.api(t, tok, http.MethodPost, "/api/v1/contacts", map[string]any{"first_name": "In", "groups": []map[string]string{{"id": id}}})
		h.api(t, tok, http.MethodPost, "/api/v1/contacts", map[string]any{"first_name": "Out"})
		var l apiList
		h.api(t, tok, http.MethodGet, "/api/v1/contacts?group="+id, nil).decode(t, &l)
		if len(l.Items) != 1 || l.Items[0].FirstName != "In" || l.Total != 1 {
			t.Errorf("group filter gave %+v", l)
		}
	})
}
