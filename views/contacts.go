package views

import (
	"net/url"
	"strconv"
	"strings"

	"agentbook/app"

	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

// ContactsProps fills the Contact Management page.
type ContactsProps struct {
	PageProps
	QuickAdd QuickAddProps
	List     ContactListProps
	Undo     *UndoNotice // after a removal
	Notice   string
	// InvalidEmails is how many of the agent's contacts have an invalid address (Action Required).
	InvalidEmails int
}

// ContactListProps fills the contact list fragment that the filter, sort and pager replace.
type ContactListProps struct {
	Items      []*app.Contact
	Columns    []string          // the agent's column keys; nil for DefaultColumns
	GroupNames map[string]string // group ID → name
	Groups     []*app.Group
	Total      int
	Query      ListQuery
	Next, Prev string // encoded cursors; "" when there is no such page
	Message    string // an error to show in place of rows
	// Portal holds the portal accounts of the page's contacts (contact ID → account; no entry
	// when none), looked up only when the Portal column is shown; nil otherwise.
	Portal map[string]*app.PortalAccount
	// Activity holds the page's contacts' Contact Summary rows, looked up only when an activity
	// column (Portal logins, Messages, Emails sent) is shown; nil otherwise.
	Activity map[string]*app.ReportRow
}

// View is how the list shows a row: its columns, group names and portal accounts.
func (p ContactListProps) View() ListView {
	return ListView{Columns: p.Columns, GroupNames: p.GroupNames, Portal: p.Portal, Activity: p.Activity}
}

// ListView is what a row needs besides its contact: the agent's columns and group names, and
// the portal accounts for the Portal column.
type ListView struct {
	Columns    []string // nil for DefaultColumns
	GroupNames map[string]string
	Portal     map[string]*app.PortalAccount // nil when not looked up: the Portal cell stays empty
	Activity   map[string]*app.ReportRow     // nil when not looked up: the activity cells stay empty
	resolved   []Column                      // the columns of Columns, worked out once per list
}

func (v ListView) columns() []Column {
	switch {
	case v.resolved != nil:
		return v.resolved
	case v.Columns == nil:
		return ColumnsFor(DefaultColumns())
	}
	return ColumnsFor(v.Columns)
}

// resolve works the columns out once, for a list of many rows.
func (v ListView) resolve() ListView {
	v.resolved = v.columns()
	return v
}

// ListQuery is the list state kept in the URL.
type ListQuery struct {
	Q           string
	Status      string
	Group       string
	EmailStatus string // valid, invalid, unknown, none; "" for any
	Sort        string // name, -name, created, -created, updated, -updated
	Page        int    // 1-based, for "Showing 51–100"
	After       string
	Before      string
}

// Values encodes the list state as URL query values, leaving defaults out.
func (q ListQuery) Values() url.Values {
	v := url.Values{}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	if q.Status != "" && q.Status != "active" {
		v.Set("status", q.Status)
	}
	if q.Group != "" {
		v.Set("group", q.Group)
	}
	if q.EmailStatus != "" {
		v.Set("email_status", q.EmailStatus)
	}
	if q.Sort != "" && q.Sort != "name" {
		v.Set("sort", q.Sort)
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if q.After != "" {
		v.Set("after", q.After)
	}
	if q.Before != "" {
		v.Set("before", q.Before)
	}
	return v
}

// URL is the address of the contacts page showing this list state.
func (q ListQuery) URL() string {
	if v := q.Values().Encode(); v != "" {
		return "/contacts?" + v
	}
	return "/contacts"
}

// ContactsPage is the Contact Management page: Quick Add bar, filters, the list.
func ContactsPage(p ContactsProps) g.Node {
	p.Title = "Contact Management"
	p.Nav = "contacts"
	p.QuickAdd.CSRF = p.CSRF
	return Layout(p.PageProps,
		ActionRequiredBanner(p.InvalidEmails),
		Div(Class("page-head"),
			H1(g.Text("Contact Management")),
			Div(Class("head-actions"),
				A(Href("/groups"), ID("edit-groups"), g.Text("Edit Group List")),
				AdvancedMenu(p.CSRF, p.QuickAdd.Hidden),
				A(Href("/contacts/new"), Class("button primary"), ID("add-contact"), g.Text("Add Contact")),
			),
		),
		undoNotice(p.Undo, p.CSRF),
		Alert("success", p.Notice),
		QuickAddSlot(p.QuickAdd),
		ListControls(p.List),
		ContactList(p.List),
	)
}

// QuickAddProps fills the Quick Add bar.
type QuickAddProps struct {
	CSRF                       string // for the form's plain (no-JavaScript) submission
	FirstName, LastName, Email string
	Errors                     map[string]string
	Duplicates                 []*app.Contact // the agent's contacts that already have Email
	Added                      *app.Contact   // the contact just added, for the confirmation
	Hidden                     bool           // the agent collapsed the bar (Show/Hide Quick Add)
	// Portal is the Portal box: create the contact's portal account and send the invitation.
	Portal bool
	// PortalNote says what went wrong with the Portal box for the contact just added ("No
	// portal: …"); the contact is kept.
	PortalNote string
	// Invited is set when the contact just added got a portal account and the invitation.
	Invited bool
}

// QuickAddSlot holds the Quick Add bar, or nothing while the agent has it hidden; the Collapse
// button and the Advanced menu replace it, and the menu's entry follows out of band.
func QuickAddSlot(p QuickAddProps) g.Node {
	return g.Group{
		Div(ID("quick-add-slot"), g.If(!p.Hidden, QuickAddForm(p))),
	}
}

// QuickAddToggled answers Collapse or Show/Hide Quick Add: the slot, and the menu entry out of band.
func QuickAddToggled(p QuickAddProps) g.Node {
	return g.Group{QuickAddSlot(p), quickAddMenuItem(p.CSRF, p.Hidden, true)}
}

// QuickAddForm is the Quick Add bar. The handler answers a submission with this form (cleared on
// success, with the user's input and messages otherwise) and, on success, the new row out of band.
func QuickAddForm(p QuickAddProps) g.Node {
	return Form(ID("quick-add"), Class("quick-add card"), Method("post"), Action("/contacts/quick-add"),
		hx("post", "/contacts/quick-add"), hx("target", "this"), hx("swap", "outerHTML"),
		H2(Class("bar-title"), g.Text("Quick Add")),
		g.If(p.CSRF != "", CSRFField(p.CSRF)),
		Div(Class("quick-add-fields"),
			FieldInput(Field{Label: "First name", Name: "first_name", ID: "qa-first", Value: p.FirstName, Error: p.Errors["first_name"], Autocomplete: "off"}),
			FieldInput(Field{Label: "Last name", Name: "last_name", ID: "qa-last", Value: p.LastName, Error: p.Errors["last_name"], Autocomplete: "off"}),
			FieldInput(Field{Label: "Email", Name: "email", ID: "qa-email", Type: "email", Value: p.Email, Error: p.Errors["email"], Autocomplete: "off"}),
			Div(Class("field checkbox qa-portal"),
				Input(ID("qa-portal"), Type("checkbox"), Name("portal"), Value("1"), g.If(p.Portal, Checked()), Aria("describedby", "qa-portal-hint")),
				Label(For("qa-portal"), g.Text("Portal")),
				Span(ID("qa-portal-hint"), Class("sr-only"), g.Text("Create the contact's client portal and email the invitation")),
			),
			Div(Class("field actions"), Button(Type("submit"), Class("primary"), ID("qa-add"), g.Text("Add"))),
		),
		g.If(len(p.Duplicates) > 0, duplicateWarning(p)),
		g.If(p.Added != nil, g.Iff(p.Added != nil, func() g.Node {
			return Div(Class("alert alert-success"), Role("status"), g.Textf("Added %s.", p.Added.DisplayName()),
				g.If(p.Invited, g.Text(" Portal invitation sent.")),
				g.If(p.PortalNote != "", Span(ID("qa-portal-note"), g.Text(" "+p.PortalNote))))
		})),
		// After Add in the form, so that Enter in a field adds rather than collapses.
		Button(Type("submit"), Class("link collapse"), ID("qa-collapse"), FormAction("/contacts/quick-add/toggle"),
			Name("hidden"), Value("1"), hx("post", "/contacts/quick-add/toggle"), hx("vals", `{"hidden":"1"}`),
			hx("target", "#quick-add-slot"), hx("swap", "outerHTML"), Aria("label", "Collapse the Quick Add bar"), g.Text("Collapse")),
	)
}

// AdvancedMenu is the Advanced menu of the Contact Management page. It only lists what is built.
// A details element opens it without JavaScript; app.js closes it on Escape and outside clicks.
func AdvancedMenu(csrf string, quickAddHidden bool) g.Node {
	return Details(ID("advanced"), Class("menu"),
		Summary(Class("button"), ID("advanced-button"), Aria("haspopup", "menu"), g.Text("Advanced")),
		Ul(ID("advanced-menu"), Role("menu"), Aria("labelledby", "advanced-button"),
			Li(Role("none"), A(Role("menuitem"), Href("/reports/contact-summary"), ID("menu-report"), g.Text("Contact Summary"))),
			Li(Role("none"), A(Role("menuitem"), Href("/contacts/import"), ID("menu-import"), g.Text("Import Contacts"))),
			// app.js adds the list's current filter to this link when it is followed.
			Li(Role("none"), A(Role("menuitem"), Href("/contacts/export"), ID("menu-export"), g.Text("Export Contacts"))),
			Li(Role("none"), A(Role("menuitem"), Href("/contacts/portal-accounts?invite=0"), ID("menu-portal-accounts"), g.Text("Create Portal Accounts"))),
			Li(Role("none"), A(Role("menuitem"), Href("/contacts/portal-accounts?invite=1"), ID("menu-portal-invite"), g.Text("Create Portal Accounts with Invite"))),
			Li(Role("none"), quickAddMenuItem(csrf, quickAddHidden, false)),
			Li(Role("none"), A(Role("menuitem"), Href("/contacts/columns"), ID("menu-columns"), g.Text("Customize Contact List"))),
		),
	)
}

// quickAddMenuItem is Show Quick Add or Hide Quick Add, as a small form that works without htmx.
func quickAddMenuItem(csrf string, hidden, oob bool) g.Node {
	next, text := "1", "Hide Quick Add"
	if hidden {
		next, text = "0", "Show Quick Add"
	}
	return Form(ID("menu-quick-add-form"), Method("post"), Action("/contacts/quick-add/toggle"), Class("inline"),
		g.If(oob, hx("swap-oob", "true")),
		CSRFField(csrf), Input(Type("hidden"), Name("hidden"), Value(next)),
		Button(Type("submit"), Role("menuitem"), ID("menu-quick-add"), Class("link"),
			hx("post", "/contacts/quick-add/toggle"), hx("target", "#quick-add-slot"), hx("swap", "outerHTML"),
			g.Text(text)),
	)
}

func duplicateWarning(p QuickAddProps) g.Node {
	return Div(Class("alert alert-warning"), Role("alert"), ID("qa-duplicate"),
		P(g.Textf("You already have a contact with %s: ", p.Email),
			g.Map(p.Duplicates, func(c *app.Contact) g.Node {
				return A(Href(ListQuery{Q: c.PrimaryEmail()}.URL()), Class("dup-link"), g.Text(c.DisplayName()))
			}),
			g.Text(". Add another contact with the same address anyway?"),
		),
		Button(Type("submit"), Name("force"), Value("1"), ID("qa-force"), g.Text("Add anyway")),
	)
}

// QuickAddAdded is the response to a successful Quick Add: a cleared form with a confirmation,
// and the new row prepended to the list out of band (CSS hides an empty-state row behind it).
// A negative total leaves the count alone (the list on screen is filtered).
func QuickAddAdded(p QuickAddProps, row *app.Contact, view ListView, total int) g.Node {
	return g.Group{
		QuickAddForm(p),
		Template(TBody(hx("swap-oob", "afterbegin:#contact-rows"), ContactRow(row, view, true))),
		g.If(total >= 0, countNode(total, true)),
	}
}

// ListControls is the filter bar: type-ahead text, status, group, sort. It lives outside the list
// fragment so the text box keeps focus while the list is swapped.
func ListControls(p ContactListProps) g.Node {
	q := p.Query
	return Form(ID("list-controls"), Class("list-controls"), Role("search"), Method("get"), Action("/contacts"),
		hx("get", "/contacts"), hx("target", "#contact-list"), hx("swap", "outerHTML"),
		hx("trigger", "input changed delay:200ms from:#filter-q, search from:#filter-q, change from:select, submit"),
		hx("push-url", "true"), hx("sync", "this:replace"),
		Div(Class("field grow"),
			Label(For("filter-q"), g.Text("Filter contacts")),
			Input(ID("filter-q"), Type("search"), Name("q"), Value(q.Q), Placeholder("Name, company, city, email or phone"),
				AutoComplete("off"), Aria("controls", "contact-list")),
		),
		Div(Class("field"),
			Label(For("filter-status"), g.Text("Status")),
			Select(ID("filter-status"), Name("status"),
				option("active", "Active", q.Status == "" || q.Status == "active"),
				option("inactive", "Inactive", q.Status == "inactive"),
				option("all", "All", q.Status == "all"),
			),
		),
		Div(Class("field"),
			Label(For("filter-group"), g.Text("Group")),
			Select(ID("filter-group"), Name("group"),
				option("", "All groups", q.Group == ""),
				g.Map(p.Groups, func(gr *app.Group) g.Node { return option(gr.ID, gr.Name, q.Group == gr.ID) }),
			),
		),
		Div(Class("field"),
			Label(For("filter-email-status"), g.Text("Email status")),
			Select(ID("filter-email-status"), Name("email_status"),
				option("", "Any", q.EmailStatus == ""),
				option(app.EmailInvalid, "Invalid", q.EmailStatus == app.EmailInvalid),
				option(app.EmailValid, "Verified", q.EmailStatus == app.EmailValid),
				option(app.EmailUnknown, "Not checked yet", q.EmailStatus == app.EmailUnknown),
				option(app.EmailNone, "No email", q.EmailStatus == app.EmailNone),
			),
		),
		SortSelect(q.Sort, false),
		NoScript(Button(Type("submit"), g.Text("Filter"))),
	)
}

// SortSelect is the Sort choice of the filter bar. A column header can sort by any column; the
// list fragment then brings this select along out of band (oob) so that it shows that sort.
func SortSelect(sort string, oob bool) g.Node {
	if sort == "" {
		sort = app.SortName
	}
	opts := []struct{ value, text string }{
		{"name", "Name A–Z"}, {"-name", "Name Z–A"}, {"-created", "Newest first"}, {"created", "Oldest first"},
		{"-updated", "Recently updated"},
	}
	known := false
	for _, o := range opts {
		known = known || o.value == sort
	}
	if !known {
		for _, col := range AllColumns() {
			if col.Sort != "" && strings.TrimPrefix(sort, "-") == col.Sort {
				dir := "A–Z"
				if strings.HasPrefix(sort, "-") {
					dir = "Z–A"
				}
				if col.Sort == app.SortEmailStatus {
					dir = map[bool]string{true: "(invalid last)", false: "(invalid first)"}[strings.HasPrefix(sort, "-")]
				}
				opts = append(opts, struct{ value, text string }{sort, col.Label + " " + dir})
			}
		}
	}
	return Div(ID("sort-field"), Class("field"), g.If(oob, hx("swap-oob", "true")),
		Label(For("filter-sort"), g.Text("Sort")),
		Select(ID("filter-sort"), Name("sort"),
			g.Map(opts, func(o struct{ value, text string }) g.Node { return option(o.value, o.text, o.value == sort) }),
		),
	)
}

func option(value, text string, selected bool) g.Node {
	return Option(Value(value), g.Text(text), g.If(selected, Selected()))
}

func countNode(total int, oob bool) g.Node {
	return Span(ID("contact-count"), Class("count"), g.If(oob, hx("swap-oob", "true")),
		g.Textf("%s contact%s", thousands(total), plural(total)))
}

// ContactList is the list fragment: count, table and pager.
func ContactList(p ContactListProps) g.Node {
	q := p.Query
	view := p.View().resolve()
	cols := view.columns()
	start := (max(q.Page, 1)-1)*50 + 1
	return Section(ID("contact-list"), Class("contact-list"), Aria("live", "polite"),
		Div(Class("list-head"),
			countNode(p.Total, false),
			Form(ID("bulk-remove"), Method("get"), Action("/contacts/remove"), Class("inline bulk"),
				Button(Type("submit"), Class("small"), ID("email-selected"), FormAction("/contacts/email"), g.Text("Email selected…")),
				Button(Type("submit"), Class("small"), ID("remove-selected"), g.Text("Remove selected…"))),
			g.If(len(p.Items) > 0, Span(Class("range"), g.Textf("Showing %s–%s", thousands(start), thousands(start+len(p.Items)-1)))),
		),
		Alert("error", p.Message),
		Div(Class("table-wrap"),
			Table(Class("contacts"+map[bool]string{true: " wide", false: ""}[len(cols) > 8]),
				THead(Tr(
					Th(Scope("col"), Class("select"), Span(Class("sr-only"), g.Text("Select"))),
					g.Map(cols, func(col Column) g.Node { return columnHeader(col, q) }),
					Th(Scope("col"), Class("actions"), Span(Class("sr-only"), g.Text("Actions"))),
				)),
				TBody(ID("contact-rows"),
					g.Map(p.Items, func(c *app.Contact) g.Node { return ContactRow(c, view, false) }),
					g.If(len(p.Items) == 0, emptyRow(q, len(cols)+2)),
				),
			),
		),
		pager(p),
	)
}

// columnHeader is a column's header: a link that sorts by it (again: the other way) when the
// column sorts, with aria-sort on the column the list is sorted by.
func columnHeader(col Column, q ListQuery) g.Node {
	if col.Sort == "" {
		return Th(Scope("col"), g.Text(col.Label))
	}
	cur := q.Sort
	if cur == "" {
		cur = app.SortName
	}
	next, state, arrow := col.Sort, "none", ""
	switch cur {
	case col.Sort:
		next, state, arrow = "-"+col.Sort, "ascending", " ▲"
	case "-" + col.Sort:
		state, arrow = "descending", " ▼"
	}
	lq := q
	lq.Sort, lq.After, lq.Before, lq.Page = next, "", "", 1
	u := lq.URL()
	return Th(Scope("col"), Class("sortable"), Aria("sort", state), Data("sort", col.Sort),
		A(Href(u), hx("get", u), hx("target", "#contact-list"), hx("swap", "outerHTML"), hx("push-url", "true"),
			g.Text(col.Label), Span(Aria("hidden", "true"), g.Text(arrow))))
}

func emptyRow(q ListQuery, span int) g.Node {
	msg := "No contacts yet. Add your first one with Quick Add above."
	if q.Q != "" || q.Group != "" || q.EmailStatus != "" || (q.Status != "" && q.Status != "active") {
		msg = "No contacts match this filter."
	}
	return Tr(ID("empty-row"), Td(ColSpan(strconv.Itoa(span)), Class("empty"),
		g.Text(msg),
		g.If(q.Q != "", g.Group{g.Text(" "), A(Href("/contacts"), g.Text("Clear the filter"))}),
	))
}

func pager(p ContactListProps) g.Node {
	if p.Next == "" && p.Prev == "" {
		return nil
	}
	q := p.Query
	page := max(q.Page, 1)
	link := func(id, text string, lq ListQuery) g.Node {
		u := lq.URL()
		return A(ID(id), Href(u), hx("get", u), hx("target", "#contact-list"), hx("swap", "outerHTML"), hx("push-url", "true"), g.Text(text))
	}
	first, prev, next := q, q, q
	first.After, first.Before, first.Page = "", "", 1
	prev.After, prev.Before, prev.Page = "", p.Prev, page-1
	next.After, next.Before, next.Page = p.Next, "", page+1
	return Nav(Class("pager"), Aria("label", "Pages"),
		g.If(page > 2, link("page-first", "« First", first)),
		g.If(p.Prev != "", link("page-prev", "‹ Previous", prev)),
		Span(Class("page-no"), g.Textf("Page %d", page)),
		g.If(p.Next != "", link("page-next", "Next ›", next)),
	)
}

// RowEditProps fills the inline edit form of a row.
type RowEditProps struct {
	Contact                           *app.Contact
	FirstName, LastName, Email, Phone string
	Version                           int64
	Errors                            map[string]string
	Message                           string
	View                              ListView
}

// ContactEditRow turns a row into a small form: names, primary email, primary phone.
// Save swaps the updated row back in; Cancel (or Escape) restores it.
func ContactEditRow(p RowEditProps) g.Node {
	c := p.Contact
	id := c.ID
	in := func(label, name, typ, value string) g.Node {
		fid := "edit-" + id + "-" + name
		return Div(Class("field compact"+errClass(p.Errors[name])),
			Label(For(fid), g.Text(label)),
			Input(ID(fid), Name(name), Type(typ), Value(value), AutoComplete("off"),
				g.If(p.Errors[name] != "", g.Group{Aria("invalid", "true"), Aria("describedby", fid+"-err")})),
			g.If(p.Errors[name] != "", Span(ID(fid+"-err"), Class("error"), g.Text(p.Errors[name]))),
		)
	}
	// data-editing is there at once, while htmx settles the class a moment after the swap.
	return Tr(ID("contact-"+id), Class("row editing"), Data("editing", "true"),
		Td(Class("select")),
		Td(ColSpan(strconv.Itoa(len(p.View.columns()))), Class("edit-cell"),
			Div(Class("edit-fields"),
				in("First name", "first_name", "text", p.FirstName), in("Last name", "last_name", "text", p.LastName),
				in("Primary email", "email", "email", p.Email), in("Primary phone", "phone", "tel", p.Phone),
			),
		),
		Td(Class("actions"),
			Input(Type("hidden"), Name("version"), Value(strconv.FormatInt(p.Version, 10))),
			g.If(p.Message != "", Div(Class("error row-error"), Role("alert"), g.Text(p.Message))),
			Button(Type("button"), Class("small primary save-btn"), hx("put", "/contacts/"+id+"/row"), hx("include", "closest tr"),
				hx("target", "closest tr"), hx("swap", "outerHTML"), g.Text("Save")),
			Button(Type("button"), Class("small cancel-btn"), hx("get", "/contacts/"+id+"/row"),
				hx("target", "closest tr"), hx("swap", "outerHTML"), g.Text("Cancel")),
		),
	)
}

func groupList(c *app.Contact, names map[string]string) []string {
	var out []string
	for _, id := range c.GroupIDs {
		if n, ok := names[id]; ok {
			out = append(out, n)
		}
	}
	return out
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
