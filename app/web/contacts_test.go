package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"agentbook/app"

	"github.com/PuerkitoBio/goquery"
)

func TestContactsPage(t *testing.T) {
	h := newHarness(t)
	ann := h.agent(t, "Ann Agent", "ann@example.com", false)
	alice := h.contact(t, ann, "Alice", "Zephyrine", "alice@example.com")
	bob := h.contact(t, ann, "Bob", "Quartermain", "bob@example.com")
	b := h.loggedIn(t, "ann@example.com")

	t.Run("a plain request gets the full page", func(t *testing.T) {
		p := b.get(t, "/contacts")
		p.wantStatus(http.StatusOK)
		if !strings.Contains(strings.ToLower(p.body[:min(200, len(p.body))]), "<!doctype html>") {
			t.Errorf("not a full page: %.200s", p.body)
		}
		p.one("form#quick-add")
		p.one("form#list-controls")
		p.one("section#contact-list")
		if got := p.text("title"); !strings.Contains(got, "Contact Management") {
			t.Errorf("title = %q", got)
		}
		if got := rowIDs(p); !slices.Equal(got, []string{bob.ID, alice.ID}) {
			t.Errorf("rows = %v, want Bob Quartermain then Alice Zephyrine (by last name)", got)
		}
		if got := p.text("#contact-count"); got != "2 contacts" {
			t.Errorf("count = %q", got)
		}
		if !slices.Contains(p.header.Values("Vary"), "HX-Request") {
			t.Errorf("Vary = %v, want HX-Request", p.header.Values("Vary"))
		}
	})

	t.Run("an htmx request for the list gets only the list fragment", func(t *testing.T) {
		p := b.get(t, "/contacts", htmx("contact-list"))
		p.wantStatus(http.StatusOK)
		if strings.Contains(strings.ToLower(p.body), "<html") || strings.Contains(strings.ToLower(p.body), "<!doctype") {
			t.Errorf("fragment has a page frame: %.200s", p.body)
		}
		if !strings.HasPrefix(strings.TrimSpace(p.body), `<section id="contact-list"`) {
			t.Errorf("fragment does not start with the list section: %.100s", p.body)
		}
		if p.find("form#quick-add, header").Length() != 0 {
			t.Errorf("fragment has more than the list")
		}
		if len(rowIDs(p)) != 2 {
			t.Errorf("rows = %v", rowIDs(p))
		}
		if !slices.Contains(p.header.Values("Vary"), "HX-Request") {
			t.Errorf("Vary = %v, want HX-Request", p.header.Values("Vary"))
		}
	})

	t.Run("an htmx history restore gets the full page", func(t *testing.T) {
		hh := htmx("contact-list")
		hh.Set("HX-History-Restore-Request", "true")
		p := b.get(t, "/contacts", hh)
		p.wantStatus(http.StatusOK)
		p.one("html")
		p.one("form#quick-add")
		if !strings.Contains(strings.ToLower(p.body), "<html") {
			t.Errorf("history restore got a fragment: %.200s", p.body)
		}
	})

	t.Run("an htmx request aimed elsewhere gets the full page", func(t *testing.T) {
		p := b.get(t, "/contacts", htmx("main"))
		if !strings.Contains(strings.ToLower(p.body), "<html") {
			t.Errorf("got a fragment: %.200s", p.body)
		}
	})

	t.Run("the filter matches by name and email", func(t *testing.T) {
		tests := []struct {
			name, q string
			want    []string
		}{
			{"a last name", "Zephyrine", []string{alice.ID}},
			{"a first name prefix", "bo", []string{bob.ID}},
			{"any case", "QUARTERMAIN", []string{bob.ID}},
			{"an email address", "alice@example.com", []string{alice.ID}},
			{"nothing", "Nobodyhere", nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for _, hh := range []http.Header{nil, htmx("contact-list")} {
					p := b.get(t, "/contacts?q="+url.QueryEscape(tt.q), hh)
					p.wantStatus(http.StatusOK)
					if got := rowIDs(p); !slices.Equal(got, tt.want) {
						t.Errorf("q=%s: rows = %v, want %v", tt.q, got, tt.want)
					}
					if tt.want == nil && !strings.Contains(p.text("#empty-row"), "No contacts match") {
						t.Errorf("empty filter result says %q", p.text("#empty-row"))
					}
				}
			})
		}
		if got := b.get(t, "/contacts?q=Zephyrine").val("#filter-q"); got != "Zephyrine" {
			t.Errorf("the filter box shows %q, want the query kept", got)
		}
	})

	t.Run("an unknown sort shows a message in the list, not an error page", func(t *testing.T) {
		p := b.get(t, "/contacts?sort=bogus")
		p.wantStatus(http.StatusOK)
		if p.find("#contact-list .alert-error").Length() != 1 {
			t.Errorf("no message in the list:\n%s", p.body)
		}
	})

	t.Run("a damaged page link falls back to the first page", func(t *testing.T) {
		p := b.get(t, "/contacts?after=%25%25%25&page=2")
		p.wantStatus(http.StatusOK)
		if got := rowIDs(p); len(got) != 2 {
			t.Errorf("rows = %v, want the first page", got)
		}
		if !strings.Contains(p.text("#contact-list .alert-error"), "out of date") {
			t.Errorf("message = %q", p.text("#contact-list .alert-error"))
		}
	})
}

func TestContactsPaging(t *testing.T) {
	h := newHarness(t)
	ann := h.agent(t, "Ann Agent", "ann@example.com", false)
	if n, err := h.contacts.Seed(context.Background(), ann.ID, 120); err != nil || n != 120 {
		t.Fatalf("seed: %d, %v", n, err)
	}
	b := h.loggedIn(t, "ann@example.com")

	href := func(t *testing.T, p *page, sel string) string {
		t.Helper()
		s := p.one(sel)
		u, _ := s.Attr("href")
		if hx, _ := s.Attr("hx-get"); hx != u {
			t.Errorf("%s: hx-get %q differs from href %q", sel, hx, u)
		}
		if !strings.HasPrefix(u, "/contacts?") {
			t.Fatalf("%s href = %q", sel, u)
		}
		return u
	}

	type mode struct {
		name, query string
		h           http.Header
	}
	modes := []mode{
		{"full pages", "", nil},
		{"htmx fragments", "", htmx("contact-list")},
		{"the search index (status=all)", "?status=all", htmx("contact-list")},
		{"newest first from the index", "?status=all&sort=-created", nil},
		{"recently updated from the store", "?sort=-updated", nil},
	}
	for _, mode := range modes {
		t.Run("with "+mode.name+" Next gives 50, 50, 20 without overlap and Previous goes back", func(t *testing.T) {
			p1 := b.get(t, "/contacts"+mode.query, mode.h)
			page1 := rowIDs(p1)
			if p1.find("#page-prev").Length() != 0 {
				t.Errorf("page 1 has a Previous link")
			}
			p2 := b.get(t, href(t, p1, "#page-next"), mode.h)
			page2 := rowIDs(p2)
			p3 := b.get(t, href(t, p2, "#page-next"), mode.h)
			page3 := rowIDs(p3)
			if len(page1) != 50 || len(page2) != 50 || len(page3) != 20 {
				t.Fatalf("page sizes %d/%d/%d, want 50/50/20", len(page1), len(page2), len(page3))
			}
			if p3.find("#page-next").Length() != 0 {
				t.Errorf("the last page has a Next link")
			}
			seen := map[string]bool{}
			for _, id := range slices.Concat(page1, page2, page3) {
				if seen[id] {
					t.Errorf("contact %s is on two pages", id)
				}
				seen[id] = true
			}
			if got := p2.text(".range"); got != "Showing 51–100" {
				t.Errorf("page 2 range = %q", got)
			}
			if got := p3.text(".range"); got != "Showing 101–120" {
				t.Errorf("page 3 range = %q", got)
			}
			if got := p3.text("#contact-count"); got != "120 contacts" {
				t.Errorf("count = %q", got)
			}

			back2 := b.get(t, href(t, p3, "#page-prev"), mode.h)
			if got := rowIDs(back2); !slices.Equal(got, page2) {
				t.Errorf("Previous from page 3 gave %d rows, not page 2", len(got))
			}
			back1 := b.get(t, href(t, back2, "#page-prev"), mode.h)
			if got := rowIDs(back1); !slices.Equal(got, page1) {
				t.Errorf("Previous from page 2 gave %d rows, not page 1", len(got))
			}
			if back1.find("#page-prev").Length() != 0 {
				t.Errorf("page 1, reached by Previous, has a Previous link")
			}
			if got := back1.text(".range"); got != "Showing 1–50" {
				t.Errorf("page 1 range = %q", got)
			}
			if got := rowIDs(b.get(t, href(t, back1, "#page-next"), mode.h)); !slices.Equal(got, page2) {
				t.Errorf("Next from page 1 reached by Previous is not page 2")
			}
		})
	}

	t.Run("the pages follow the sort order", func(t *testing.T) {
		var names []string
		next := "/contacts?sort=-name"
		for next != "" {
			p := b.get(t, next)
			p.find("#contact-rows td.name strong").Each(func(_ int, s *goquery.Selection) {
				names = append(names, s.Text())
			})
			next = ""
			if s := p.find("#page-next"); s.Length() == 1 {
				next, _ = s.Attr("href")
				if !strings.Contains(next, "sort=-name") {
					t.Fatalf("Next link %q loses the sort", next)
				}
			}
		}
		if len(names) != 120 {
			t.Fatalf("%d rows over all pages, want 120", len(names))
		}
		keys := make([]string, len(names))
		for i, n := range names {
			f := strings.Fields(n)
			keys[i] = app.Fold(f[len(f)-1] + " " + strings.Join(f[:len(f)-1], " "))
		}
		if !slices.IsSortedFunc(keys, func(a, b string) int { return strings.Compare(b, a) }) {
			t.Errorf("names are not in Z–A order by last name: %v", names)
		}
	})
}

func TestQuickAdd(t *testing.T) {
	h := newHarness(t)
	ann := h.agent(t, "Ann Agent", "ann@example.com", false)
	dana := h.contact(t, ann, "Dana", "Duplicate", "dana@example.com")
	b := h.loggedIn(t, "ann@example.com")
	b.get(t, "/contacts")

	quickAdd := func(t *testing.T, first, last, email string, extra ...string) *page {
		t.Helper()
		f := url.Values{"first_name": {first}, "last_name": {last}, "email": {email}}
		for i := 0; i+1 < len(extra); i += 2 {
			f.Set(extra[i], extra[i+1])
		}
		return b.hx(t, http.MethodPost, "/contacts/quick-add", "quick-add", f)
	}

	t.Run("invalid input comes back in the bar with the typed values", func(t *testing.T) {
		tests := []struct {
			name                string
			first, last, email  string
			errField, errSubstr string
		}{
			{"a missing name", "", "", "someone@example.com", "qa-first", "first or last name"},
			{"a blank name", "  ", " ", "", "qa-first", "name"},
			{"an address without a domain", "Eve", "Example", "eve@", "qa-email", "name@example.com"},
			{"an address without an @", "Eve", "Example", "eve.example.com", "qa-email", "name@example.com"},
			{"an address with a space", "Eve", "Example", "eve example@example.com", "qa-email", "space"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := quickAdd(t, tt.first, tt.last, tt.email)
				p.wantStatus(http.StatusOK)
				if strings.Contains(strings.ToLower(p.body), "<html") {
					t.Errorf("an htmx Quick Add got a full page")
				}
				p.one("form#quick-add")
				if got := p.text("#" + tt.errField + "-err"); !strings.Contains(got, tt.errSubstr) {
					t.Errorf("error on %s = %q, want it to mention %q", tt.errField, got, tt.errSubstr)
				}
				if inv, _ := p.one("#" + tt.errField).Attr("aria-invalid"); inv != "true" {
					t.Errorf("%s is not marked aria-invalid", tt.errField)
				}
				for sel, want := range map[string]string{"#qa-first": tt.first, "#qa-last": tt.last, "#qa-email": tt.email} {
					if got := p.val(sel); got != want {
						t.Errorf("%s = %q, want %q kept", sel, got, want)
					}
				}
				if p.find("template").Length() != 0 {
					t.Errorf("an invalid Quick Add sent a row")
				}
			})
		}
		if n := activeCount(t, h, ann.ID); n != 1 {
			t.Errorf("%d contacts after invalid Quick Adds, want 1", n)
		}
	})

	t.Run("without htmx an invalid Quick Add re-renders the whole page with the input", func(t *testing.T) {
		p := b.post(t, "/contacts/quick-add", url.Values{"first_name": {""}, "last_name": {""}, "email": {"x@example.com"}})
		p.wantStatus(http.StatusUnprocessableEntity)
		p.one("html")
		if got := p.val("#qa-email"); got != "x@example.com" {
			t.Errorf("email = %q, want it kept", got)
		}
		if p.text("#qa-first-err") == "" {
			t.Errorf("no name error")
		}
		if len(rowIDs(p)) != 1 {
			t.Errorf("the page lacks the list")
		}
	})

	t.Run("a duplicate email warns with a link to the contact and Add anyway", func(t *testing.T) {
		for _, email := range []string{"dana@example.com", "DANA@Example.COM"} {
			p := quickAdd(t, "Second", "Dana", email)
			p.wantStatus(http.StatusOK)
			w := p.one("#qa-duplicate")
			link := w.Find("a.dup-link")
			if link.Length() != 1 || strings.TrimSpace(link.Text()) != dana.DisplayName() {
				t.Errorf("%s: warning links %q, want Dana Duplicate", email, link.Text())
			}
			if href, _ := link.Attr("href"); href != "/contacts?q=dana%40example.com" {
				t.Errorf("link href = %q", href)
			}
			force := w.Find("button#qa-force")
			if name, _ := force.Attr("name"); name != "force" || force.AttrOr("value", "") != "1" || strings.TrimSpace(force.Text()) != "Add anyway" {
				t.Errorf("Add anyway button = %s", outer(force))
			}
			if p.val("#qa-first") != "Second" || p.val("#qa-last") != "Dana" || p.val("#qa-email") != email {
				t.Errorf("the typed values were not kept")
			}
		}
		if n := activeCount(t, h, ann.ID); n != 1 {
			t.Fatalf("a duplicate warning created a contact: %d", n)
		}

		p := quickAdd(t, "Second", "Dana", "dana@example.com", "force", "1")
		p.wantStatus(http.StatusOK)
		if p.find("#qa-duplicate").Length() != 0 {
			t.Errorf("Add anyway warned again")
		}
		dups, _ := h.contacts.WithEmail(context.Background(), ann.ID, "dana@example.com")
		if len(dups) != 2 {
			t.Errorf("%d contacts with the address after Add anyway, want 2", len(dups))
		}
	})

	t.Run("a successful Quick Add sends the row out of band and a cleared form", func(t *testing.T) {
		before := activeCount(t, h, ann.ID)
		p := quickAdd(t, "Fiona", "Fresh", "fiona@Example.COM")
		p.wantStatus(http.StatusOK)
		res, _ := h.contacts.List(context.Background(), app.ContactQuery{OwnerID: ann.ID, Text: "Fiona"})
		if len(res.Items) != 1 {
			t.Fatalf("Fiona was not created: %d found", len(res.Items))
		}
		fiona := res.Items[0]
		if fiona.PrimaryEmail() != "fiona@example.com" {
			t.Errorf("email stored as %q, want the domain lower-cased", fiona.PrimaryEmail())
		}
		tb := p.one("template > tbody")
		if oob, _ := tb.Attr("hx-swap-oob"); oob != "afterbegin:#contact-rows" {
			t.Errorf("row hx-swap-oob = %q", oob)
		}
		row := tb.Find("tr#contact-" + fiona.ID)
		if row.Length() != 1 || !strings.Contains(row.Text(), "Fiona Fresh") || !row.HasClass("fresh") {
			t.Errorf("out-of-band row = %s", outer(tb))
		}
		for _, sel := range []string{"#qa-first", "#qa-last", "#qa-email"} {
			if got := p.val(sel); got != "" {
				t.Errorf("%s = %q, want the form cleared", sel, got)
			}
		}
		if got := p.text("#quick-add .alert-success"); !strings.Contains(got, "Added Fiona Fresh") {
			t.Errorf("confirmation = %q", got)
		}
		if got := p.text("#contact-count"); got != strconv.Itoa(before+1)+" contacts" {
			t.Errorf("count = %q, want %d contacts", got, before+1)
		}
		if oob, _ := p.one("#contact-count").Attr("hx-swap-oob"); oob != "true" {
			t.Errorf("count is not out of band")
		}
	})

	t.Run("a Quick Add on a filtered list leaves its count alone", func(t *testing.T) {
		f := url.Values{"first_name": {"Hana"}, "last_name": {"Filtered"}}
		hh := htmx("quick-add")
		hh.Set("X-CSRF-Token", b.token(t))
		hh.Set("HX-Current-URL", h.srv.URL+"/contacts?q=smith")
		hh.Set("Content-Type", "application/x-www-form-urlencoded")
		p := b.do(t, http.MethodPost, "/contacts/quick-add", strings.NewReader(f.Encode()), hh)
		p.wantStatus(http.StatusOK)
		if p.find("#contact-count").Length() != 0 {
			t.Errorf("the filtered list's count was replaced with %q", p.text("#contact-count"))
		}
		if p.find("template tr").Length() != 1 {
			t.Errorf("no row sent")
		}
	})

	t.Run("without htmx a successful Quick Add redirects to the list", func(t *testing.T) {
		p := b.post(t, "/contacts/quick-add", url.Values{"first_name": {"Gus"}, "last_name": {"Plain"}})
		p.wantRedirect("/contacts")
		if !strings.Contains(b.get(t, "/contacts?q=Plain").text("#contact-rows"), "Gus Plain") {
			t.Errorf("Gus Plain is not listed")
		}
	})

	t.Run("the Quick Add form on the page can be submitted without JavaScript", func(t *testing.T) {
		// A browser without Fetch Metadata (no Sec-Fetch-Site) posts exactly the form's fields.
		fb := h.loggedIn(t, "ann@example.com")
		form := fb.get(t, "/contacts").one("form#quick-add")
		f := url.Values{}
		form.Find("input[name]").Each(func(_ int, s *goquery.Selection) {
			f.Set(s.AttrOr("name", ""), s.AttrOr("value", ""))
		})
		f.Set("first_name", "Nora")
		f.Set("last_name", "Noscript")
		p := fb.do(t, http.MethodPost, form.AttrOr("action", ""), strings.NewReader(f.Encode()),
			hdr("Content-Type", "application/x-www-form-urlencoded"))
		if f.Get("_csrf") == "" {
			t.Errorf("the form has no _csrf field")
		}
		p.wantRedirect("/contacts")
	})
}

func TestInlineEdit(t *testing.T) {
	h := newHarness(t)
	ann := h.agent(t, "Ann Agent", "ann@example.com", false)
	b := h.loggedIn(t, "ann@example.com")
	b.get(t, "/contacts")

	newContact := func(t *testing.T) *app.Contact {
		t.Helper()
		c := &app.Contact{FirstName: "Ivy", LastName: "Inline", Emails: []app.Email{{Address: "ivy@example.com"}, {Address: "ivy.work@example.com"}},
			Phones: []app.Phone{{Number: "555-0101", Label: "Mobile"}}}
		got, err := h.contacts.Create(context.Background(), ann.ID, c)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	save := func(t *testing.T, c *app.Contact, first, last, email, phone string, version int64) *page {
		t.Helper()
		return b.hx(t, http.MethodPut, "/contacts/"+c.ID+"/row", "contact-"+c.ID, url.Values{
			"first_name": {first}, "last_name": {last}, "email": {email}, "phone": {phone},
			"version": {strconv.FormatInt(version, 10)}})
	}

	t.Run("Edit turns the row into a form with the current values", func(t *testing.T) {
		c := newContact(t)
		p := b.get(t, "/contacts/"+c.ID+"/edit-row", htmx("contact-"+c.ID))
		p.wantStatus(http.StatusOK)
		row := p.one("tr#contact-" + c.ID)
		if !row.HasClass("editing") {
			t.Errorf("row class = %q, want editing", row.AttrOr("class", ""))
		}
		for name, want := range map[string]string{"first_name": "Ivy", "last_name": "Inline", "email": "ivy@example.com", "phone": "555-0101", "version": "1"} {
			if got := p.val("tr.editing input[name=" + name + "]"); got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
		if p.find("tr.editing .save-btn[hx-put='/contacts/"+c.ID+"/row']").Length() != 1 ||
			p.find("tr.editing .cancel-btn[hx-get='/contacts/"+c.ID+"/row']").Length() != 1 {
			t.Errorf("Save and Cancel are not wired: %s", outer(row))
		}
	})

	t.Run("Cancel gets the plain row back", func(t *testing.T) {
		c := newContact(t)
		p := b.get(t, "/contacts/"+c.ID+"/row", htmx("contact-"+c.ID))
		p.wantStatus(http.StatusOK)
		row := p.one("tr#contact-" + c.ID)
		if row.HasClass("editing") || !strings.Contains(row.Text(), "Ivy Inline") {
			t.Errorf("row = %s", outer(row))
		}
	})

	t.Run("Save with valid values returns the updated row", func(t *testing.T) {
		c := newContact(t)
		p := save(t, c, "Ivy", "Updated", "ivy.new@example.com", "555-0199", 1)
		p.wantStatus(http.StatusOK)
		row := p.one("tr#contact-" + c.ID)
		if row.HasClass("editing") {
			t.Fatalf("row is still a form: %s", outer(row))
		}
		if got := strings.Join(strings.Fields(row.Find("td.name").Text()), " "); got != "Ivy Updated" {
			t.Errorf("name = %q", got)
		}
		if !strings.Contains(row.Text(), "ivy.new@example.com") || !strings.Contains(row.Text(), "555-0199") {
			t.Errorf("row = %s", outer(row))
		}
		if v := row.AttrOr("data-version", ""); v != "2" {
			t.Errorf("data-version = %q, want 2", v)
		}
		got, _ := h.contacts.Get(context.Background(), ann.ID, c.ID)
		if got.PrimaryEmail() != "ivy.new@example.com" || len(got.Emails) != 2 || got.Emails[1].Address != "ivy.work@example.com" {
			t.Errorf("stored emails = %+v, want the primary replaced and the second kept", got.Emails)
		}
		if got.PrimaryPhone() != "555-0199" || got.Version != 2 {
			t.Errorf("stored phone %q version %d", got.PrimaryPhone(), got.Version)
		}
	})

	t.Run("an invalid email comes back in the row with the typed values", func(t *testing.T) {
		c := newContact(t)
		p := save(t, c, "Ivy", "Typed", "not-an-email", "555-0101", 1)
		p.wantStatus(http.StatusOK)
		row := p.one("tr#contact-" + c.ID + ".editing")
		if got := p.val("tr.editing input[name=email]"); got != "not-an-email" {
			t.Errorf("email = %q, want the typed value", got)
		}
		if got := p.val("tr.editing input[name=last_name]"); got != "Typed" {
			t.Errorf("last name = %q, want the typed value", got)
		}
		if got := p.text("#edit-" + c.ID + "-email-err"); got == "" {
			t.Errorf("no error next to the email: %s", outer(row))
		}
		if inv, _ := p.one("#edit-" + c.ID + "-email").Attr("aria-invalid"); inv != "true" {
			t.Errorf("email is not marked aria-invalid")
		}
		if got, _ := h.contacts.Get(context.Background(), ann.ID, c.ID); got.Version != 1 || got.LastName != "Inline" {
			t.Errorf("an invalid save changed the contact: %+v", got)
		}
	})

	t.Run("an invalid phone comes back in the row", func(t *testing.T) {
		c := newContact(t)
		p := save(t, c, "Ivy", "Inline", "ivy@example.com", "12", 1)
		p.wantStatus(http.StatusOK)
		p.one("tr#contact-" + c.ID + ".editing")
		if p.text("#edit-"+c.ID+"-phone-err") == "" || p.val("tr.editing input[name=phone]") != "12" {
			t.Errorf("phone error or value missing:\n%s", p.body)
		}
	})

	t.Run("a stale version comes back in the row with the conflict and the typed values", func(t *testing.T) {
		c := newContact(t)
		save(t, c, "Ivy", "First", "ivy@example.com", "555-0101", 1).wantStatus(http.StatusOK) // now version 2
		p := save(t, c, "Ivy", "Second", "ivy@example.com", "555-0101", 1)
		p.wantStatus(http.StatusOK)
		row := p.one("tr#contact-" + c.ID + ".editing")
		if got := row.Find(".row-error").Text(); !strings.Contains(got, "changed since you opened it") {
			t.Errorf("message = %q", got)
		}
		if got := p.val("tr.editing input[name=last_name]"); got != "Second" {
			t.Errorf("last name = %q, want the typed value", got)
		}
		if got := p.val("tr.editing input[name=version]"); got != "2" {
			t.Errorf("version = %q, want the current version so Save again applies", got)
		}
		if got, _ := h.contacts.Get(context.Background(), ann.ID, c.ID); got.LastName != "First" {
			t.Errorf("the stale save overwrote the contact: %q", got.LastName)
		}
		// Saving again on the refreshed version goes through.
		save(t, c, "Ivy", "Second", "ivy@example.com", "555-0101", 2).one("tr#contact-" + c.ID + ":not(.editing)")
	})

	t.Run("a missing contact is a 404", func(t *testing.T) {
		for _, r := range []struct{ method, path string }{
			{http.MethodGet, "/contacts/01ARZ3NDEKTSV4RRFFQ69G5FAV/row"},
			{http.MethodGet, "/contacts/01ARZ3NDEKTSV4RRFFQ69G5FAV/edit-row"},
			{http.MethodPut, "/contacts/01ARZ3NDEKTSV4RRFFQ69G5FAV/row"},
		} {
			p := b.hx(t, r.method, r.path, "contact-x", url.Values{"version": {"1"}})
			if p.status != http.StatusNotFound {
				t.Errorf("%s %s: status %d, want 404", r.method, r.path, p.status)
			}
			// The message goes to the top of the page rather than into the row.
			if p.header.Get("HX-Retarget") != "#main" || p.header.Get("HX-Reswap") != "afterbegin" {
				t.Errorf("%s %s: HX-Retarget %q HX-Reswap %q", r.method, r.path, p.header.Get("HX-Retarget"), p.header.Get("HX-Reswap"))
			}
			if strings.Contains(strings.ToLower(p.body), "<html") || p.find(".alert-error").Length() != 1 {
				t.Errorf("%s %s: want only an alert, got:\n%s", r.method, r.path, p.body)
			}
		}
		p := b.get(t, "/contacts/01ARZ3NDEKTSV4RRFFQ69G5FAV/row")
		p.wantStatus(http.StatusNotFound)
		if got := p.text("main h1"); got != "Not found" {
			t.Errorf("without htmx: h1 = %q, want an error page", got)
		}
	})
}
