package views

import (
	"slices"
	"strings"

	"agentbook/app"

	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

// Column is one column the contact list can show: its key (kept in the agent's preferences),
// its header, the sort its header applies ("" when it does not sort), and its cell.
type Column struct {
	Key   string
	Label string
	Sort  string
	class string
	cell  func(c *app.Contact, groupNames map[string]string) g.Node
}

// Column keys. Name is always shown: it is how a row opens.
const (
	ColName = "name"
)

// AllColumns lists every column in the order Customize Contact List offers them.
func AllColumns() []Column {
	text := func(f func(c *app.Contact) string) func(*app.Contact, map[string]string) g.Node {
		return func(c *app.Contact, _ map[string]string) g.Node { return g.Text(f(c)) }
	}
	return []Column{
		{Key: ColName, Label: "Name", Sort: app.SortName, class: "name", cell: nameCell},
		{Key: "first_name", Label: "First name", Sort: app.SortFirstName, cell: text(func(c *app.Contact) string { return c.FirstName })},
		{Key: "last_name", Label: "Last name", Sort: app.SortLastName, cell: text(func(c *app.Contact) string { return c.LastName })},
		{Key: "email", Label: "Email", Sort: app.SortEmail, cell: primaryEmailCell},
		{Key: "emails", Label: "All emails", cell: allEmailsCell},
		{Key: "phone", Label: "Phone", cell: text((*app.Contact).PrimaryPhone)},
		{Key: "company", Label: "Company", Sort: app.SortCompany, cell: text(func(c *app.Contact) string { return c.Company })},
		{Key: "title", Label: "Title", Sort: app.SortTitle, cell: text(func(c *app.Contact) string { return c.Title })},
		{Key: "city", Label: "City", Sort: app.SortCity, cell: text((*app.Contact).City)},
		{Key: "region", Label: "Region", Sort: app.SortRegion, cell: text((*app.Contact).Region)},
		{Key: "postal_code", Label: "Postal code", Sort: app.SortPostalCode, cell: text((*app.Contact).PostalCode)},
		{Key: "groups", Label: "Groups", cell: groupsCell},
		{Key: "status", Label: "Status", cell: text(func(c *app.Contact) string { return statusLabel(c.Status) })},
		{Key: "email_status", Label: "Email status", Sort: app.SortEmailStatus, cell: emailStatusCell},
		{Key: "reverse_prospecting", Label: "Reverse prospecting", cell: text(func(c *app.Contact) string { return yesNo(c.ReverseProspecting) })},
		{Key: "created", Label: "Created", Sort: app.SortCreated, class: "when", cell: func(c *app.Contact, _ map[string]string) g.Node { return when(c.CreatedAt) }},
		{Key: "updated", Label: "Updated", Sort: app.SortUpdated, class: "when", cell: func(c *app.Contact, _ map[string]string) g.Node { return when(c.UpdatedAt) }},
		{Key: "notes", Label: "Notes", class: "notes", cell: text(func(c *app.Contact) string { return firstLine(c.Notes, 80) })},
	}
}

// DefaultColumns is the list an agent sees until they customize it.
func DefaultColumns() []string {
	return []string{ColName, "email", "phone", "company", "groups", "updated"}
}

// ColumnsFor returns the columns with the keys, in that order, leaving out unknown keys and
// repeats and putting Name first when it is missing.
func ColumnsFor(keys []string) []Column {
	all := AllColumns()
	byKey := map[string]Column{}
	for _, c := range all {
		byKey[c.Key] = c
	}
	var out []Column
	seen := map[string]bool{}
	if !slices.Contains(keys, ColName) {
		out, seen[ColName] = append(out, byKey[ColName]), true
	}
	for _, k := range keys {
		if c, ok := byKey[k]; ok && !seen[k] {
			out, seen[k] = append(out, c), true
		}
	}
	return out
}

// ColumnKeys returns the keys of columns.
func ColumnKeys(cols []Column) []string {
	keys := make([]string, len(cols))
	for i, c := range cols {
		keys[i] = c.Key
	}
	return keys
}

func nameCell(c *app.Contact, _ map[string]string) g.Node {
	return g.Group{A(Href("/contacts/"+c.ID), Class("contact-link"), Strong(g.Text(c.DisplayName()))),
		g.If(c.Status == app.StatusInactive, Span(Class("badge"), g.Text("Inactive")))}
}

func primaryEmailCell(c *app.Contact, _ map[string]string) g.Node {
	return g.Group{
		g.If(c.PrimaryEmail() != "", A(Href("mailto:"+c.PrimaryEmail()), g.Text(c.PrimaryEmail()))),
		g.If(len(c.Emails) > 1, Span(Class("more"), g.Textf(" +%d", len(c.Emails)-1))),
		g.If(c.EmailStatus() == app.EmailInvalid, A(Href("/contacts/email-addresses"), Class("badge badge-invalid"),
			TitleAttr("An address is invalid: mail to it is not sent"), g.Text("Invalid"))),
	}
}

func allEmailsCell(c *app.Contact, _ map[string]string) g.Node {
	return g.Map(c.Emails, func(e app.Email) g.Node {
		return Div(A(Href("mailto:"+e.Address), g.Text(e.Address)), g.If(e.Label != "", Span(Class("more"), g.Text(" "+e.Label))))
	})
}

func groupsCell(c *app.Contact, names map[string]string) g.Node {
	return g.Map(groupList(c, names), func(n string) g.Node { return Span(Class("chip"), g.Text(n)) })
}

func emailStatusCell(c *app.Contact, _ map[string]string) g.Node {
	switch c.EmailStatus() {
	case app.EmailInvalid:
		return A(Href("/contacts/email-addresses"), Class("badge badge-invalid"), g.Text("Invalid"))
	case app.EmailValid:
		return Span(Class("email-valid"), g.Text("Verified"))
	case app.EmailUnknown:
		return Span(Class("more"), g.Text("Not checked"))
	}
	return nil
}

func statusLabel(s app.ContactStatus) string {
	if s == app.StatusInactive {
		return "Inactive"
	}
	return "Active"
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return ""
}

// firstLine is the first line of s, cut at n characters.
func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(strings.TrimSpace(s)); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return strings.TrimSpace(s)
}
