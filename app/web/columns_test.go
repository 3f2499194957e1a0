package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"agentbook/app"

	"github.com/PuerkitoBio/goquery"
)

// headers returns the list's column headers as shown.
func headers(p *page) []string {
	var out []string
	p.find("table.contacts thead th").Each(func(_ int, th *goquery.Selection) {
		if t := strings.TrimRight(strings.TrimSpace(th.Text()), " ▲▼"); t != "" && !th.HasClass("select") && !th.HasClass("actions") {
			out = append(out, t)
		}
	})
	return out
}

func TestCustomizeContactList(t *testing.T) {
	h := newHarness(t)
	u := h.agent(t, "Alex Agent", "alex@example.com", false)
	h.agent(t, "Other Agent", "other@example.com", false)
	ctx := context.Background()
	if _, err := h.contacts.Create(ctx, u.ID, &app.Contact{FirstName: "Ann", LastName: "Lee", Company: "Zenith", Title: "Broker",
		Emails:    []app.Email{{Address: "ann@example.com"}},
		Addresses: []app.Address{{City: "Oakland", PostalCode: "94601"}}, Notes: "Likes porches\nsecond line"}); err != nil {
		t.Fatal(err)
	}
	b := h.loggedIn(t, "alex@example.com")

	t.Run("the default columns show until the agent chooses others", func(t *testing.T) {
		if got := strings.Join(headers(b.get(t, "/contacts")), ","); got != "Name,Email,Phone,Company,Groups,Updated" {
			t.Fatalf("headers = %s", got)
		}
	})
	t.Run("Customize Contact List shows the selected columns in order and the others as available", func(t *testing.T) {
		p := b.get(t, "/contacts/columns")
		p.wantStatus(http.StatusOK)
		if n := p.find("#selected-columns .column-item").Length(); n != 6 {
			t.Errorf("%d selected", n)
		}
		if p.find("#available-columns .column-item[data-key=city]").Length() != 1 || p.find("#available-columns [data-key=name]").Length() != 0 {
			t.Error("available list")
		}
		if p.find("#selected-columns [data-key=name] .col-remove").Length() != 0 {
			t.Error("Name can be removed")
		}
		if p.find(`script[src="/vendor/Sortable.min.js"]`).Length() != 1 {
			t.Error("SortableJS is not loaded")
		}
	})
	t.Run("saving a column set shows those columns in that order, with their values", func(t *testing.T) {
		b.post(t, "/contacts/columns", url.Values{"column": {"company", "name", "city", "notes", "email_status"}}).wantRedirect("/contacts?done=columns")
		p := b.get(t, "/contacts?done=columns")
		if got := strings.Join(headers(p), ","); got != "Company,Name,City,Notes,Email status" {
			t.Fatalf("headers = %s", got)
		}
		row := p.find("#contact-rows tr.row").First()
		var cells []string
		row.Find("td[data-col]").Each(func(_ int, td *goquery.Selection) { cells = append(cells, strings.TrimSpace(td.Text())) })
		if got := strings.Join(cells, "|"); got != "Zenith|Ann Lee|Oakland|Likes porches|Not checked" {
			t.Errorf("cells = %s", got)
		}
		if !strings.Contains(p.text(".alert-success"), "columns are saved") {
			t.Error("no confirmation")
		}
		// The same columns in the fragment htmx swaps, and in a single row.
		frag := b.hx(t, http.MethodGet, "/contacts?q=ann", "contact-list", nil)
		if got := strings.Join(headers(frag), ","); got != "Company,Name,City,Notes,Email status" {
			t.Errorf("fragment headers = %s", got)
		}
	})
	t.Run("Name is kept even when left out", func(t *testing.T) {
		b.post(t, "/contacts/columns", url.Values{"column": {"title", "title"}}).wantRedirect("/contacts?done=columns")
		if got := strings.Join(headers(b.get(t, "/contacts")), ","); got != "Name,Title" {
			t.Fatalf("headers = %s", got)
		}
	})
	t.Run("an unknown column is refused and changes nothing", func(t *testing.T) {
		p := b.post(t, "/contacts/columns", url.Values{"column": {"name", "shoe_size"}})
		p.wantStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(p.text(".alert-error"), "shoe_size") {
			t.Errorf("message: %q", p.text(".alert-error"))
		}
		if got := strings.Join(headers(b.get(t, "/contacts")), ","); got != "Name,Title" {
			t.Fatalf("headers = %s", got)
		}
	})
	t.Run("columns are the agent's own", func(t *testing.T) {
		if got := strings.Join(headers(h.loggedIn(t, "other@example.com").get(t, "/contacts")), ","); got != "Name,Email,Phone,Company,Groups,Updated" {
			t.Fatalf("the other agent sees %s", got)
		}
	})
	t.Run("Restore the default columns", func(t *testing.T) {
		b.post(t, "/contacts/columns", url.Values{"reset": {"1"}}).wantRedirect("/contacts?done=columns")
		if got := strings.Join(headers(b.get(t, "/contacts")), ","); got != "Name,Email,Phone,Company,Groups,Updated" {
			t.Fatalf("headers = %s", got)
		}
	})
}

func TestQuickAddToggle(t *testing.T) {
	h := newHarness(t)
	h.agent(t, "Alex Agent", "alex@example.com", false)
	b := h.loggedIn(t, "alex@example.com")

	p := b.get(t, "/contacts")
	if p.find("form#quick-add").Length() != 1 || p.text("#menu-quick-add") != "Hide Quick Add" {
		t.Fatalf("start: bar %d, menu %q", p.find("form#quick-add").Length(), p.text("#menu-quick-add"))
	}
	var entries []string
	p.find("#advanced-menu [role=menuitem]").Each(func(_ int, s *goquery.Selection) { entries = append(entries, s.Text()) })
	if got := strings.Join(entries, ","); got != "Contact Summary,Import Contacts,Export Contacts,Create Portal Accounts,Create Portal Accounts with Invite,Hide Quick Add,Customize Contact List" {
		t.Errorf("Advanced menu = %q (only built entries)", got)
	}
	t.Run("Collapse hides the bar and the menu entry turns into Show Quick Add", func(t *testing.T) {
		r := b.hx(t, http.MethodPost, "/contacts/quick-add/toggle", "quick-add-slot", url.Values{"hidden": {"1"}})
		r.wantStatus(http.StatusOK)
		if r.find("#quick-add-slot form#quick-add").Length() != 0 || r.find("#menu-quick-add-form[hx-swap-oob]").Length() != 1 || r.text("#menu-quick-add") != "Show Quick Add" {
			t.Fatalf("%s", r.body)
		}
	})
	t.Run("the choice survives logging out and in", func(t *testing.T) {
		b.post(t, "/logout", nil)
		b2 := h.loggedIn(t, "alex@example.com")
		p := b2.get(t, "/contacts")
		if p.find("form#quick-add").Length() != 0 || p.text("#menu-quick-add") != "Show Quick Add" {
			t.Fatalf("bar %d, menu %q", p.find("form#quick-add").Length(), p.text("#menu-quick-add"))
		}
		b2.post(t, "/contacts/quick-add/toggle", url.Values{"hidden": {"0"}}).wantRedirect("/contacts")
		if b2.get(t, "/contacts").find("form#quick-add").Length() != 1 {
			t.Fatal("Show Quick Add did not bring the bar back")
		}
	})
}

func TestSortByColumn(t *testing.T) {
	h := newHarness(t)
	u := h.agent(t, "Alex Agent", "alex@example.com", false)
	ctx := context.Background()
	for _, c := range []struct{ first, company string }{{"Ann", "Beta"}, {"Bob", ""}, {"Cy", "alpha"}, {"Di", "Gamma"}} {
		if _, err := h.contacts.Create(ctx, u.ID, &app.Contact{FirstName: c.first, Company: c.company}); err != nil {
			t.Fatal(err)
		}
	}
	b := h.loggedIn(t, "alex@example.com")
	names := func(p *page) string {
		var out []string
		p.find("#contact-rows tr.row td.name strong").Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
		return strings.Join(out, ",")
	}
	p := b.get(t, "/contacts")
	th := p.one(`th[data-sort="company"]`)
	href := th.Find("a").AttrOr("href", "")
	if href != "/contacts?sort=company" || th.AttrOr("aria-sort", "") != "none" {
		t.Fatalf("Company header links to %q, aria-sort %q", href, th.AttrOr("aria-sort", ""))
	}
	t.Run("a header sorts by its column, blanks last", func(t *testing.T) {
		p := b.hx(t, http.MethodGet, href, "contact-list", nil)
		if got := names(p); got != "Cy,Ann,Di,Bob" {
			t.Fatalf("sorted by company: %s", got)
		}
		th := p.one(`th[data-sort="company"]`)
		if th.AttrOr("aria-sort", "") != "ascending" || th.Find("a").AttrOr("href", "") != "/contacts?sort=-company" {
			t.Errorf("after sorting: aria-sort %q, next %q", th.AttrOr("aria-sort", ""), th.Find("a").AttrOr("href", ""))
		}
		if p.find("#sort-field[hx-swap-oob] option[selected]").AttrOr("value", "") != "company" {
			t.Errorf("the Sort select does not follow: %s", p.find("#sort-field").Text())
		}
	})
	t.Run("again reverses it", func(t *testing.T) {
		if got := names(b.get(t, "/contacts?sort=-company")); got != "Bob,Di,Ann,Cy" {
			t.Fatalf("sorted by company descending: %s", got)
		}
	})
	t.Run("the API sorts by a column too", func(t *testing.T) {
		tok := h.token(t, "alex@example.com")
		r := h.api(t, tok, http.MethodGet, "/api/v1/contacts?sort=company&limit=2", nil)
		if r.status != http.StatusOK || !strings.Contains(r.body, `"next_cursor"`) || strings.Index(r.body, "Cy") > strings.Index(r.body, "Ann") {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
}
