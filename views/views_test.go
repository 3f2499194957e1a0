package views_test

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/views"

	"github.com/PuerkitoBio/goquery"
	g "maragu.dev/gomponents"
)

// render renders a node and parses it; a table row is parsed inside a table, as htmx swaps it.
func render(t *testing.T, n g.Node) (*goquery.Document, string) {
	t.Helper()
	var b strings.Builder
	if err := n.Render(&b); err != nil {
		t.Fatalf("render: %v", err)
	}
	html := b.String()
	src := html
	if strings.HasPrefix(src, "<tr") {
		src = "<table><tbody>" + src + "</tbody></table>"
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc, html
}

func text(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

var (
	when  = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	admin = &app.User{ID: "U1", Name: "Ada Admin", Email: "ada@example.com", Role: app.RoleAdmin, Enabled: true}
	agent = &app.User{ID: "U2", Name: "Nat Agent", Email: "nat@example.com", Role: app.RoleAgent, Enabled: false}
)

func contact(id, first, last string, emails ...string) *app.Contact {
	c := &app.Contact{ID: id, FirstName: first, LastName: last, Status: app.StatusActive, CreatedAt: when, UpdatedAt: when, Version: 3}
	for _, e := range emails {
		c.Emails = append(c.Emails, app.Email{Address: e})
	}
	return c
}

func someContacts() []*app.Contact {
	a := contact("C1", "Alice", "Adams", "alice@example.com", "alice.work@example.com")
	a.Phones = []app.Phone{{Number: "555-0100", Label: "Mobile"}}
	a.Company = "Acme"
	a.GroupIDs = []string{"G1", "G-gone"}
	b := contact("C2", "Bob", "Baker")
	b.Status = app.StatusInactive
	return []*app.Contact{a, b}
}

var groups = []*app.Group{{ID: "G1", Name: "Buyers"}, {ID: "G2", Name: "Sellers"}}

func listProps() views.ContactListProps {
	return views.ContactListProps{Items: someContacts(), Groups: groups, GroupNames: map[string]string{"G1": "Buyers", "G2": "Sellers"}, Total: 2}
}

// TestEveryInputHasALabel renders each page and fragment, in its plain and error states, and
// checks that every visible control has exactly one label naming it, that IDs are unique, and
// that aria-describedby points at an element that exists.
func TestEveryInputHasALabel(t *testing.T) {
	errs := map[string]string{"name": "Enter a name.", "email": "Enter an email address.", "password": "Use at least 10 characters.", "phone": "Too short.",
		"first_name": "Enter a first or last name."}
	page := views.PageProps{User: admin, CSRF: "tok"}
	tests := []struct {
		name string
		node g.Node
	}{
		{"the setup page", views.SetupPage(views.SetupProps{})},
		{"the setup page with errors", views.SetupPage(views.SetupProps{Name: "A", Email: "a@", Errors: errs, Message: "Please correct the highlighted fields."})},
		{"the login page", views.LoginPage(views.LoginProps{Next: "/contacts", Message: "No."})},
		{"the contacts page", views.ContactsPage(views.ContactsProps{PageProps: page, List: listProps()})},
		{"the contacts page with Quick Add errors and a duplicate", views.ContactsPage(views.ContactsProps{PageProps: page, List: listProps(),
			QuickAdd: views.QuickAddProps{FirstName: "A", Email: "alice@example.com", Errors: errs, Duplicates: someContacts()[:1]}})},
		{"an empty contacts page", views.ContactsPage(views.ContactsProps{PageProps: page})},
		{"the contact list", views.ContactList(listProps())},
		{"the Quick Add form", views.QuickAddForm(views.QuickAddProps{})},
		{"the Quick Add form with errors", views.QuickAddForm(views.QuickAddProps{Errors: errs, Email: "x@"})},
		{"the Quick Add success", views.QuickAddAdded(views.QuickAddProps{Added: someContacts()[0]}, someContacts()[0], views.ListView{}, 3)},
		{"the list controls", views.ListControls(listProps())},
		{"an inline edit row", views.ContactEditRow(views.RowEditProps{Contact: someContacts()[0], FirstName: "Alice"})},
		{"an inline edit row with errors", views.ContactEditRow(views.RowEditProps{Contact: someContacts()[0], Errors: errs, Message: "Fix it."})},
		{"the agents page", views.AgentsPage(views.AgentsProps{PageProps: page, Agents: []*app.User{admin, agent}})},
		{"the agents page with errors", views.AgentsPage(views.AgentsProps{PageProps: page, Agents: []*app.User{admin}, Form: views.AgentForm{Name: "N", Errors: errs}})},
		{"an error page", views.ErrorPage(page, 404, "Contact not found.")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, html := render(t, tt.node)
			controls := doc.Find("input, select, textarea").FilterFunction(func(_ int, s *goquery.Selection) bool {
				switch s.AttrOr("type", "text") {
				case "hidden", "submit", "button", "reset", "image":
					return false
				}
				return true
			})
			if controls.Length() == 0 && !strings.Contains(tt.name, "error page") && !strings.Contains(tt.name, "contact list") {
				t.Fatalf("no controls found in:\n%s", html)
			}
			controls.Each(func(_ int, s *goquery.Selection) {
				id := s.AttrOr("id", "")
				name := s.AttrOr("name", "?")
				if id == "" {
					t.Errorf("control %s has no id, so no label can name it", name)
					return
				}
				labels := doc.Find(`label[for="` + id + `"]`)
				if labels.Length() != 1 {
					t.Errorf("control #%s (%s) has %d labels, want 1", id, name, labels.Length())
				} else if text(labels) == "" {
					t.Errorf("the label of #%s is empty", id)
				}
			})
			seen := map[string]bool{}
			doc.Find("[id]").Each(func(_ int, s *goquery.Selection) {
				id := s.AttrOr("id", "")
				if seen[id] {
					t.Errorf("id %q is used twice", id)
				}
				seen[id] = true
			})
			doc.Find("[aria-describedby]").Each(func(_ int, s *goquery.Selection) {
				for _, ref := range strings.Fields(s.AttrOr("aria-describedby", "")) {
					if !seen[ref] {
						t.Errorf("aria-describedby=%q names no element", ref)
					}
				}
			})
			doc.Find("label[for]").Each(func(_ int, s *goquery.Selection) {
				if !seen[s.AttrOr("for", "")] {
					t.Errorf("label %q is for a missing id %q", text(s), s.AttrOr("for", ""))
				}
			})
		})
	}
}

func TestFieldInput(t *testing.T) {
	t.Run("an error marks the input and is linked to it", func(t *testing.T) {
		doc, _ := render(t, views.FieldInput(views.Field{Label: "Email", Name: "emails[1].address", Type: "email", Value: "bad@", Error: "Enter an email."}))
		in := doc.Find("input")
		if id := in.AttrOr("id", ""); id != "f-emails-1-address" {
			t.Errorf("id = %q", id)
		}
		if in.AttrOr("aria-invalid", "") != "true" || in.AttrOr("aria-describedby", "") != "f-emails-1-address-err" {
			t.Errorf("input = %v", in.Nodes[0].Attr)
		}
		if got := text(doc.Find("#f-emails-1-address-err")); got != "Enter an email." {
			t.Errorf("error = %q", got)
		}
		if in.AttrOr("value", "") != "bad@" {
			t.Errorf("the typed value is not kept")
		}
		if !doc.Find(".field").HasClass("has-error") {
			t.Errorf("the field is not marked has-error")
		}
	})
	t.Run("a password is never echoed", func(t *testing.T) {
		doc, _ := render(t, views.FieldInput(views.Field{Label: "Password", Name: "password", Type: "password", Value: "hunter22"}))
		if _, ok := doc.Find("input").Attr("value"); ok {
			t.Errorf("the password input has a value")
		}
	})
}

func TestContactListEmptyState(t *testing.T) {
	tests := []struct {
		name      string
		query     views.ListQuery
		want      string
		clearLink bool
	}{
		{"no contacts at all invites a Quick Add", views.ListQuery{}, "No contacts yet. Add your first one with Quick Add above.", false},
		{"active status is the unfiltered list", views.ListQuery{Status: "active"}, "No contacts yet.", false},
		{"a text filter offers to clear it", views.ListQuery{Q: "zzz"}, "No contacts match this filter.", true},
		{"a group filter matches nothing", views.ListQuery{Group: "G1"}, "No contacts match this filter.", false},
		{"an inactive filter matches nothing", views.ListQuery{Status: "inactive"}, "No contacts match this filter.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, html := render(t, views.ContactList(views.ContactListProps{Query: tt.query}))
			row := doc.Find("#contact-rows > tr#empty-row")
			if row.Length() != 1 {
				t.Fatalf("no empty row in:\n%s", html)
			}
			if got := text(row); !strings.Contains(got, tt.want) {
				t.Errorf("empty row = %q, want %q", got, tt.want)
			}
			if got := row.Find("td").AttrOr("colspan", ""); got != "8" {
				t.Errorf("colspan = %q, want 8 (every column)", got)
			}
			clear := row.Find(`a[href="/contacts"]`)
			if (clear.Length() == 1) != tt.clearLink {
				t.Errorf("Clear the filter link present = %v, want %v", clear.Length() == 1, tt.clearLink)
			}
			if got := text(doc.Find("#contact-count")); got != "0 contacts" {
				t.Errorf("count = %q", got)
			}
			if doc.Find(".range, nav.pager").Length() != 0 {
				t.Errorf("an empty list shows a range or a pager")
			}
		})
	}

	t.Run("a list with rows has no empty row", func(t *testing.T) {
		doc, _ := render(t, views.ContactList(listProps()))
		if doc.Find("#empty-row").Length() != 0 {
			t.Errorf("empty row shown with contacts")
		}
		if got := text(doc.Find("#contact-count")); got != "2 contacts" {
			t.Errorf("count = %q", got)
		}
	})

	t.Run("counts are singular for one and grouped in thousands", func(t *testing.T) {
		for total, want := range map[int]string{1: "1 contact", 1234567: "1,234,567 contacts", 999: "999 contacts"} {
			doc, _ := render(t, views.ContactList(views.ContactListProps{Total: total}))
			if got := text(doc.Find("#contact-count")); got != want {
				t.Errorf("total %d: count = %q, want %q", total, got, want)
			}
		}
	})

	t.Run("a message is shown in the list", func(t *testing.T) {
		doc, _ := render(t, views.ContactList(views.ContactListProps{Message: "Sort by name."}))
		if got := text(doc.Find("#contact-list .alert-error")); got != "Sort by name." {
			t.Errorf("message = %q", got)
		}
	})
}

func TestPager(t *testing.T) {
	items := func(n int) []*app.Contact {
		out := make([]*app.Contact, n)
		for i := range out {
			out[i] = contact("C"+string(rune('A'+i%26))+string(rune('a'+i/26)), "F", "L")
		}
		return out
	}
	type link struct {
		present bool
		query   url.Values // the link's query; nil when absent
	}
	tests := []struct {
		name              string
		props             views.ContactListProps
		first, prev, next link
		pageNo, showing   string
	}{
		{name: "a single page has no pager",
			props: views.ContactListProps{Items: items(3), Total: 3, Query: views.ListQuery{Page: 1}}, showing: "Showing 1–3"},
		{name: "the first page has only Next",
			props:  views.ContactListProps{Items: items(50), Total: 120, Next: "N1", Query: views.ListQuery{Page: 1}},
			next:   link{true, url.Values{"after": {"N1"}, "page": {"2"}}},
			pageNo: "Page 1", showing: "Showing 1–50"},
		{name: "the second page has Previous and Next but no First",
			props:  views.ContactListProps{Items: items(50), Total: 120, Next: "N2", Prev: "P2", Query: views.ListQuery{Page: 2, After: "N1"}},
			prev:   link{true, url.Values{"before": {"P2"}}},
			next:   link{true, url.Values{"after": {"N2"}, "page": {"3"}}},
			pageNo: "Page 2", showing: "Showing 51–100"},
		{name: "the last page keeps the filter and sort in First and Previous",
			props: views.ContactListProps{Items: items(20), Total: 120, Prev: "P3",
				Query: views.ListQuery{Page: 3, After: "N2", Q: "smith", Sort: "-name", Status: "all", Group: "G1"}},
			first:  link{true, url.Values{"q": {"smith"}, "sort": {"-name"}, "status": {"all"}, "group": {"G1"}}},
			prev:   link{true, url.Values{"before": {"P3"}, "page": {"2"}, "q": {"smith"}, "sort": {"-name"}, "status": {"all"}, "group": {"G1"}}},
			pageNo: "Page 3", showing: "Showing 101–120"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, html := render(t, views.ContactList(tt.props))
			if got := text(doc.Find(".range")); got != tt.showing {
				t.Errorf("range = %q, want %q", got, tt.showing)
			}
			pager := doc.Find("nav.pager")
			if !tt.next.present && !tt.prev.present {
				if pager.Length() != 0 {
					t.Errorf("a single page shows a pager:\n%s", html)
				}
				return
			}
			if pager.AttrOr("aria-label", "") == "" {
				t.Errorf("the pager has no aria-label")
			}
			if got := text(pager.Find(".page-no")); got != tt.pageNo {
				t.Errorf("page number = %q, want %q", got, tt.pageNo)
			}
			for id, want := range map[string]link{"page-first": tt.first, "page-prev": tt.prev, "page-next": tt.next} {
				a := pager.Find("a#" + id)
				if (a.Length() == 1) != want.present {
					t.Errorf("#%s present = %v, want %v", id, a.Length() == 1, want.present)
					continue
				}
				if !want.present {
					continue
				}
				href := a.AttrOr("href", "")
				u, err := url.Parse(href)
				if err != nil || u.Path != "/contacts" {
					t.Errorf("#%s href = %q", id, href)
					continue
				}
				got := u.Query()
				for k, v := range want.query {
					if got.Get(k) != v[0] {
						t.Errorf("#%s %s = %q, want %q (href %q)", id, k, got.Get(k), v[0], href)
					}
				}
				if id == "page-first" && (got.Has("after") || got.Has("before") || got.Has("page")) {
					t.Errorf("First link %q keeps a position", href)
				}
				if id == "page-prev" && got.Has("after") || id == "page-next" && got.Has("before") {
					t.Errorf("#%s href %q has both directions", id, href)
				}
				for attr, v := range map[string]string{"hx-get": href, "hx-target": "#contact-list", "hx-swap": "outerHTML", "hx-push-url": "true"} {
					if a.AttrOr(attr, "") != v {
						t.Errorf("#%s %s = %q, want %q", id, attr, a.AttrOr(attr, ""), v)
					}
				}
			}
		})
	}
}

func TestListQueryURL(t *testing.T) {
	tests := []struct {
		name string
		q    views.ListQuery
		want string
	}{
		{"defaults leave the URL bare", views.ListQuery{Status: "active", Sort: "name", Page: 1}, "/contacts"},
		{"a text filter is escaped", views.ListQuery{Q: "a&b c"}, "/contacts?q=a%26b+c"},
		{"every part is kept", views.ListQuery{Q: "x", Status: "all", Group: "G", Sort: "-created", Page: 2, After: "A"},
			"/contacts?after=A&group=G&page=2&q=x&sort=-created&status=all"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.q.URL(); got != tt.want {
				t.Errorf("URL() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestContactRow(t *testing.T) {
	names := map[string]string{"G1": "Buyers"}

	t.Run("a row shows name, primary email, phone, company and known groups", func(t *testing.T) {
		c := someContacts()[0]
		doc, _ := render(t, views.ContactRow(c, views.ListView{GroupNames: names}, false))
		row := doc.Find("tr#contact-C1")
		if row.Length() != 1 {
			t.Fatal("no row")
		}
		if row.AttrOr("data-version", "") != "3" || row.HasClass("fresh") || row.HasClass("inactive") {
			t.Errorf("row attributes = %v", row.Nodes[0].Attr)
		}
		if got := text(row.Find("td.name")); got != "Alice Adams" {
			t.Errorf("name = %q", got)
		}
		if a := row.Find(`a[href="mailto:alice@example.com"]`); a.Length() != 1 {
			t.Errorf("no mailto link for the primary email")
		}
		if got := text(row.Find(".more")); got != "+1" {
			t.Errorf("more emails = %q, want +1", got)
		}
		if !strings.Contains(text(row), "555-0100") || !strings.Contains(text(row), "Acme") {
			t.Errorf("row = %q", text(row))
		}
		if got := text(row.Find(".chip")); got != "Buyers" {
			t.Errorf("groups = %q, want only the known group", got)
		}
		if got := row.Find("time").AttrOr("datetime", ""); got != "2025-03-14T15:09:26Z" {
			t.Errorf("datetime = %q", got)
		}
		edit := row.Find("button.edit-btn")
		if edit.AttrOr("hx-get", "") != "/contacts/C1/edit-row" || edit.AttrOr("hx-target", "") != "closest tr" ||
			edit.AttrOr("aria-label", "") != "Edit Alice Adams" || text(edit) != "Edit" {
			t.Errorf("Edit button = %v", edit.Nodes[0].Attr)
		}
		span := 0
		row.Find("td").Each(func(_ int, td *goquery.Selection) {
			n, err := strconv.Atoi(td.AttrOr("colspan", "1"))
			if err != nil {
				t.Fatal(err)
			}
			span += n
		})
		if want := len(views.DefaultColumns()) + 2; span != want {
			t.Errorf("the cells span %d columns, want %d like the header", span, want)
		}
	})

	t.Run("an inactive contact is marked and a fresh one highlighted", func(t *testing.T) {
		c := someContacts()[1]
		doc, _ := render(t, views.ContactRow(c, views.ListView{GroupNames: names}, true))
		row := doc.Find("tr#contact-C2")
		if !row.HasClass("inactive") || !row.HasClass("fresh") || text(row.Find(".badge")) != "Inactive" {
			t.Errorf("row = %v %q", row.Nodes[0].Attr, text(row))
		}
	})

	t.Run("names are escaped, not markup", func(t *testing.T) {
		c := contact("C9", `<script>alert(1)</script>`, `"><img src=x onerror=alert(2)>`, `x"onmouseover="alert(3)@example.com`)
		doc, html := render(t, views.ContactRow(c, views.ListView{GroupNames: names}, false))
		if doc.Find("script, img").Length() != 0 || strings.Contains(html, "<script>") {
			t.Errorf("markup from a name was rendered:\n%s", html)
		}
		doc.Find("*").Each(func(_ int, s *goquery.Selection) {
			for _, a := range s.Nodes[0].Attr {
				if strings.HasPrefix(a.Key, "on") {
					t.Errorf("an attribute %s was injected", a.Key)
				}
			}
		})
		if !strings.Contains(text(doc.Find("td.name")), "<script>alert(1)</script>") {
			t.Errorf("the name is not shown as text: %q", text(doc.Find("td.name")))
		}
	})

	t.Run("the list renders the same row markup as the fragment", func(t *testing.T) {
		c := someContacts()[0]
		_, fragment := render(t, views.ContactRow(c, views.ListView{GroupNames: names}, false))
		_, list := render(t, views.ContactList(views.ContactListProps{Items: []*app.Contact{c}, GroupNames: names, Total: 1}))
		if !strings.Contains(list, fragment) {
			t.Errorf("the list's row differs from ContactRow")
		}
	})
}

func TestContactEditRow(t *testing.T) {
	c := someContacts()[0]
	t.Run("the row is a form with the given values and the version", func(t *testing.T) {
		doc, _ := render(t, views.ContactEditRow(views.RowEditProps{Contact: c, FirstName: "Alicia", LastName: "Adams",
			Email: "typed@", Phone: "555", Version: 3, Message: "Changed since you opened it."}))
		row := doc.Find("tr#contact-C1.editing")
		if row.Length() != 1 {
			t.Fatal("no editing row")
		}
		for name, want := range map[string]string{"first_name": "Alicia", "last_name": "Adams", "email": "typed@", "phone": "555", "version": "3"} {
			if got := row.Find("input[name="+name+"]").AttrOr("value", "?"); got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
		if got := text(row.Find("[role=alert]")); got != "Changed since you opened it." {
			t.Errorf("message = %q", got)
		}
		save, cancel := row.Find(".save-btn"), row.Find(".cancel-btn")
		if save.AttrOr("hx-put", "") != "/contacts/C1/row" || save.AttrOr("hx-include", "") != "closest tr" {
			t.Errorf("Save = %v", save.Nodes[0].Attr)
		}
		if cancel.AttrOr("hx-get", "") != "/contacts/C1/row" {
			t.Errorf("Cancel = %v", cancel.Nodes[0].Attr)
		}
		span := 0
		row.Find("td").Each(func(_ int, td *goquery.Selection) {
			n, err := strconv.Atoi(td.AttrOr("colspan", "1"))
			if err != nil {
				t.Fatal(err)
			}
			span += n
		})
		if want := len(views.DefaultColumns()) + 2; span != want {
			t.Errorf("the cells span %d columns, want %d like the header", span, want)
		}
	})
	t.Run("a field error is shown next to its input", func(t *testing.T) {
		doc, _ := render(t, views.ContactEditRow(views.RowEditProps{Contact: c, Email: "typed@", Errors: map[string]string{"email": "Enter an email address like name@example.com."}}))
		in := doc.Find("#edit-C1-email")
		if in.AttrOr("aria-invalid", "") != "true" || in.AttrOr("aria-describedby", "") != "edit-C1-email-err" {
			t.Errorf("input = %v", in.Nodes[0].Attr)
		}
		if got := text(doc.Find("#edit-C1-email-err")); !strings.Contains(got, "name@example.com") {
			t.Errorf("error = %q", got)
		}
	})
}

func TestQuickAddForm(t *testing.T) {
	t.Run("the bar has the reference product's words and posts by htmx to itself", func(t *testing.T) {
		doc, _ := render(t, views.QuickAddForm(views.QuickAddProps{}))
		f := doc.Find("form#quick-add")
		if f.AttrOr("method", "") != "post" || f.AttrOr("action", "") != "/contacts/quick-add" ||
			f.AttrOr("hx-post", "") != "/contacts/quick-add" || f.AttrOr("hx-target", "") != "this" || f.AttrOr("hx-swap", "") != "outerHTML" {
			t.Errorf("form = %v", f.Nodes[0].Attr)
		}
		if got := text(f.Find(".bar-title")); got != "Quick Add" {
			t.Errorf("title = %q", got)
		}
		if got := text(f.Find("button[type=submit]#qa-add")); got != "Add" {
			t.Errorf("button = %q", got)
		}
		for _, label := range []string{"First name", "Last name", "Email"} {
			if f.Find("label:contains('"+label+"')").Length() != 1 {
				t.Errorf("no %q label", label)
			}
		}
	})

	t.Run("the page's form carries the CSRF token for a submission without JavaScript", func(t *testing.T) {
		doc, _ := render(t, views.ContactsPage(views.ContactsProps{PageProps: views.PageProps{User: admin, CSRF: "tok"}}))
		if got := doc.Find("form#quick-add input[type=hidden][name=_csrf]").AttrOr("value", ""); got != "tok" {
			t.Errorf("_csrf = %q, want the page's token", got)
		}
	})

	t.Run("typed values are escaped", func(t *testing.T) {
		evil := `"><script>alert(1)</script>`
		doc, html := render(t, views.QuickAddForm(views.QuickAddProps{FirstName: evil, Email: evil, Duplicates: someContacts()[:1]}))
		if doc.Find("script").Length() != 0 || strings.Contains(html, "<script>") {
			t.Errorf("markup from input was rendered:\n%s", html)
		}
		if got := doc.Find("#qa-first").AttrOr("value", ""); got != evil {
			t.Errorf("value = %q, want the typed text", got)
		}
	})

	t.Run("a duplicate warning links each existing contact and offers Add anyway", func(t *testing.T) {
		dups := someContacts()
		dups[1].Emails = []app.Email{{Address: "alice@example.com"}}
		doc, _ := render(t, views.QuickAddForm(views.QuickAddProps{FirstName: "Al", Email: "alice@example.com", Duplicates: dups}))
		w := doc.Find("form#quick-add #qa-duplicate")
		if w.AttrOr("role", "") != "alert" {
			t.Errorf("warning role = %q", w.AttrOr("role", ""))
		}
		links := w.Find("a.dup-link")
		if links.Length() != 2 || text(links.First()) != "Alice Adams" || links.First().AttrOr("href", "") != "/contacts?q=alice%40example.com" {
			t.Errorf("links = %d, first %q %q", links.Length(), text(links.First()), links.First().AttrOr("href", ""))
		}
		if !strings.Contains(text(w), "alice@example.com") {
			t.Errorf("the warning does not name the address: %q", text(w))
		}
		force := w.Find("button#qa-force")
		if force.AttrOr("type", "") != "submit" || force.AttrOr("name", "") != "force" || force.AttrOr("value", "") != "1" || text(force) != "Add anyway" {
			t.Errorf("Add anyway = %v %q", force.Nodes[0].Attr, text(force))
		}
	})

	t.Run("a success is a cleared form, the row out of band and the count", func(t *testing.T) {
		c := someContacts()[0]
		doc, _ := render(t, views.QuickAddAdded(views.QuickAddProps{Added: c}, c, views.ListView{GroupNames: map[string]string{"G1": "Buyers"}}, 1234))
		if got := text(doc.Find("form#quick-add .alert-success")); got != "Added Alice Adams." {
			t.Errorf("confirmation = %q", got)
		}
		doc.Find("form#quick-add input:not([type=hidden]):not([type=checkbox])").Each(func(_ int, s *goquery.Selection) {
			if v := s.AttrOr("value", ""); v != "" {
				t.Errorf("%s = %q, want cleared", s.AttrOr("name", ""), v)
			}
		})
		if _, ticked := doc.Find("#qa-portal").Attr("checked"); ticked {
			t.Error("the Portal box stays ticked after a success")
		}
		tb := doc.Find("template > tbody")
		if tb.AttrOr("hx-swap-oob", "") != "afterbegin:#contact-rows" || tb.Find("tr#contact-C1.fresh").Length() != 1 {
			t.Errorf("out-of-band row missing or not fresh")
		}
		count := doc.Find("#contact-count")
		if count.AttrOr("hx-swap-oob", "") != "true" || text(count) != "1,234 contacts" {
			t.Errorf("count = %v %q", count.Nodes[0].Attr, text(count))
		}
	})

	t.Run("an unknown total leaves the count on the page alone", func(t *testing.T) {
		c := someContacts()[0]
		doc, _ := render(t, views.QuickAddAdded(views.QuickAddProps{Added: c}, c, views.ListView{}, -1))
		if doc.Find("#contact-count").Length() != 0 {
			t.Errorf("a count was sent for a filtered list")
		}
		if doc.Find("template > tbody > tr#contact-C1").Length() != 1 {
			t.Errorf("no row")
		}
	})
}

func TestListControls(t *testing.T) {
	doc, _ := render(t, views.ListControls(views.ContactListProps{Groups: groups,
		Query: views.ListQuery{Q: "smith", Status: "inactive", Group: "G2", Sort: "-created"}}))
	f := doc.Find("form#list-controls")
	if f.AttrOr("method", "") != "get" || f.AttrOr("action", "") != "/contacts" || f.AttrOr("hx-target", "") != "#contact-list" {
		t.Errorf("form = %v", f.Nodes[0].Attr)
	}
	if got := f.Find("#filter-q").AttrOr("value", ""); got != "smith" {
		t.Errorf("filter = %q", got)
	}
	for sel, want := range map[string]string{"#filter-status": "inactive", "#filter-group": "G2", "#filter-sort": "-created"} {
		sel := f.Find(sel + " option[selected]")
		if sel.Length() != 1 || sel.AttrOr("value", "") != want {
			t.Errorf("%s selected %d options, value %q, want %q", sel.Text(), sel.Length(), sel.AttrOr("value", ""), want)
		}
	}
	if got := f.Find("#filter-group option").Length(); got != 3 {
		t.Errorf("%d group options, want All groups + 2", got)
	}
}

func TestLayout(t *testing.T) {
	t.Run("the CSRF token reaches htmx as valid JSON in hx-headers", func(t *testing.T) {
		for _, tok := range []string{"abc123", `we"ird\tok`} {
			doc, _ := render(t, views.ErrorPage(views.PageProps{User: admin, CSRF: tok}, 404, "x"))
			var hv map[string]string
			if err := json.Unmarshal([]byte(doc.Find("body").AttrOr("hx-headers", "")), &hv); err != nil {
				t.Fatalf("hx-headers is not JSON: %v", err)
			}
			if hv["X-CSRF-Token"] != tok {
				t.Errorf("token = %q, want %q", hv["X-CSRF-Token"], tok)
			}
			if doc.Find(`header form[action="/logout"] input[name=_csrf]`).AttrOr("value", "") != tok {
				t.Errorf("Log out form lacks the token")
			}
		}
	})

	t.Run("only scripts from files, so the CSP needs no unsafe-inline", func(t *testing.T) {
		doc, _ := render(t, views.ContactsPage(views.ContactsProps{PageProps: views.PageProps{User: admin, CSRF: "t"}, List: listProps()}))
		doc.Find("script").Each(func(_ int, s *goquery.Selection) {
			if s.AttrOr("src", "") == "" || strings.TrimSpace(s.Text()) != "" {
				t.Errorf("inline script")
			}
		})
		if doc.Find("style, [style]").Length() != 0 {
			t.Errorf("inline style")
		}
		var cfg map[string]any
		if err := json.Unmarshal([]byte(doc.Find(`meta[name=htmx-config]`).AttrOr("content", "")), &cfg); err != nil {
			t.Fatalf("htmx-config is not JSON: %v", err)
		}
		if cfg["includeIndicatorStyles"] != false || cfg["allowEval"] != false {
			t.Errorf("htmx-config = %v: htmx would inject styles or eval under the CSP", cfg)
		}
	})

	t.Run("navigation shows Agents to admins only and marks the current page", func(t *testing.T) {
		doc, _ := render(t, views.ContactsPage(views.ContactsProps{PageProps: views.PageProps{User: admin, CSRF: "t"}}))
		if doc.Find(`nav a[href="/agents"]`).Length() != 1 {
			t.Errorf("an admin does not see Agents")
		}
		if cur := doc.Find(`nav a[aria-current=page]`); cur.AttrOr("href", "") != "/contacts" {
			t.Errorf("current page link = %q", cur.AttrOr("href", ""))
		}
		if got := text(doc.Find("title")); got != "Contact Management · agentbook" {
			t.Errorf("title = %q", got)
		}
		doc, _ = render(t, views.ContactsPage(views.ContactsProps{PageProps: views.PageProps{User: &app.User{Name: "Nat", Role: app.RoleAgent}, CSRF: "t"}}))
		if doc.Find(`a[href="/agents"]`).Length() != 0 {
			t.Errorf("an agent sees Agents")
		}
		doc, _ = render(t, views.LoginPage(views.LoginProps{}))
		if doc.Find("header nav, header form").Length() != 0 {
			t.Errorf("the login page shows navigation")
		}
	})

	t.Run("error pages are titled by status", func(t *testing.T) {
		for st, want := range map[int]string{403: "Not allowed", 404: "Not found", 409: "Changed by someone else", 500: "Something went wrong"} {
			doc, _ := render(t, views.ErrorPage(views.PageProps{}, st, "msg"))
			if got := text(doc.Find("main h1")); got != want {
				t.Errorf("%d: h1 = %q, want %q", st, got, want)
			}
		}
	})
}

func TestAgentsPage(t *testing.T) {
	doc, _ := render(t, views.AgentsPage(views.AgentsProps{PageProps: views.PageProps{User: admin, CSRF: "t"}, Agents: []*app.User{admin, agent}}))
	if doc.Find("#agent-U1 form").Length() != 0 {
		t.Errorf("the admin can disable their own account")
	}
	f := doc.Find(`#agent-U2 form[action="/agents/U2/enable"]`)
	if f.Length() != 1 || text(f.Find("button")) != "Enable" || f.Find("input[name=_csrf]").AttrOr("value", "") != "t" {
		t.Errorf("a disabled agent's row lacks Enable with the token")
	}
	if !doc.Find("#agent-U2").HasClass("inactive") || !strings.Contains(text(doc.Find("#agent-U2")), "Disabled") {
		t.Errorf("a disabled agent is not marked")
	}
}
