package views

import (
	"slices"
	"strconv"
	"strings"

	"agentbook/app"
)

// Column is one column the contact list can show: its key (kept in the agent's preferences),
// its header, the sort its header applies ("" when it does not sort), and how its cell is
// written.
type Column struct {
	Key   string
	Label string
	Sort  string
	class string
	text  func(c *app.Contact) string                                   // a plain-text cell
	cell  func(w *htmlWriter, c *app.Contact, groups map[string]string) // any other cell's content
	// viewCell writes a cell that needs more of the list than group names (Portal).
	viewCell func(w *htmlWriter, c *app.Contact, v ListView)
}

// Column keys. Name is always shown: it is how a row opens.
const (
	ColName   = "name"
	ColPortal = "portal" // needs ListView.Portal: the handler looks the accounts up only when it is shown
	// The activity columns need ListView.Activity, the Contact Summary's rows, looked up only
	// when one of them is shown.
	ColPortalLogins = "portal_logins"
	ColMessages     = "messages"
	ColEmailsSent   = "emails_sent"
)

// ActivityColumns are the columns filled from the Contact Summary's snapshot.
func ActivityColumns() []string { return []string{ColPortalLogins, ColMessages, ColEmailsSent} }

// AllColumns lists every column in the order Customize Contact List offers them.
func AllColumns() []Column {
	return []Column{
		{Key: ColName, Label: "Name", Sort: app.SortName, class: "name", cell: nameCell},
		{Key: "first_name", Label: "First name", Sort: app.SortFirstName, text: func(c *app.Contact) string { return c.FirstName }},
		{Key: "last_name", Label: "Last name", Sort: app.SortLastName, text: func(c *app.Contact) string { return c.LastName }},
		{Key: "email", Label: "Email", Sort: app.SortEmail, cell: primaryEmailCell},
		{Key: "emails", Label: "All emails", cell: allEmailsCell},
		{Key: "phone", Label: "Phone", text: (*app.Contact).PrimaryPhone},
		{Key: "company", Label: "Company", Sort: app.SortCompany, text: func(c *app.Contact) string { return c.Company }},
		{Key: "title", Label: "Title", Sort: app.SortTitle, text: func(c *app.Contact) string { return c.Title }},
		{Key: "city", Label: "City", Sort: app.SortCity, text: (*app.Contact).City},
		{Key: "region", Label: "Region", Sort: app.SortRegion, text: (*app.Contact).Region},
		{Key: "postal_code", Label: "Postal code", Sort: app.SortPostalCode, text: (*app.Contact).PostalCode},
		{Key: "groups", Label: "Groups", cell: groupsCell},
		{Key: "status", Label: "Status", text: func(c *app.Contact) string { return statusLabel(c.Status) }},
		{Key: "email_status", Label: "Email status", Sort: app.SortEmailStatus, cell: emailStatusCell},
		{Key: "reverse_prospecting", Label: "Reverse prospecting", text: func(c *app.Contact) string { return yesNo(c.ReverseProspecting) }},
		{Key: "created", Label: "Created", Sort: app.SortCreated, class: "when", cell: func(w *htmlWriter, c *app.Contact, _ map[string]string) { w.when(c.CreatedAt) }},
		{Key: "updated", Label: "Updated", Sort: app.SortUpdated, class: "when", cell: func(w *htmlWriter, c *app.Contact, _ map[string]string) { w.when(c.UpdatedAt) }},
		{Key: "notes", Label: "Notes", class: "notes", text: func(c *app.Contact) string { return firstLine(c.Notes, 80) }},
		{Key: ColPortal, Label: "Portal", class: "portal", viewCell: portalCell},
		{Key: ColPortalLogins, Label: "Portal logins", class: "num", viewCell: activityCell(func(r *app.ReportRow) int { return r.PortalLogins })},
		{Key: ColMessages, Label: "Messages", class: "num", viewCell: activityCell(func(r *app.ReportRow) int { return r.MessagesFromContact + r.MessagesToContact })},
		{Key: ColEmailsSent, Label: "Emails sent", class: "num", viewCell: activityCell(func(r *app.ReportRow) int { return r.EmailsSent })},
	}
}

// td writes the column's cell for c.
func (col Column) td(w *htmlWriter, c *app.Contact, v ListView) {
	w.raw("<td")
	if col.class != "" {
		w.raw(` class="`, col.class, `"`)
	}
	w.raw(` data-col="`, col.Key, `">`)
	switch {
	case col.text != nil:
		w.esc(col.text(c))
	case col.viewCell != nil:
		col.viewCell(w, c, v)
	default:
		col.cell(w, c, v.GroupNames)
	}
	w.raw("</td>")
}

// DefaultColumns is the list an agent sees until they customize it.
func DefaultColumns() []string {
	return []string{ColName, "email", "phone", "company", "groups", "updated"}
}

// ColumnsFor returns the columns with the keys, in that order, leaving out unknown keys and
// repeats and putting Name first when it is missing.
func ColumnsFor(keys []string) []Column {
	out := make([]Column, 0, len(keys)+1)
	seen := make(map[string]bool, len(keys)+1)
	if !slices.Contains(keys, ColName) {
		out, seen[ColName] = append(out, columnsByKey[ColName]), true
	}
	for _, k := range keys {
		if c, ok := columnsByKey[k]; ok && !seen[k] {
			out, seen[k] = append(out, c), true
		}
	}
	return out
}

// columnsByKey is every column by its key, for ColumnsFor (which every list request calls).
var columnsByKey = func() map[string]Column {
	m := map[string]Column{}
	for _, c := range AllColumns() {
		m[c.Key] = c
	}
	return m
}()

// ColumnKeys returns the keys of columns.
func ColumnKeys(cols []Column) []string {
	keys := make([]string, len(cols))
	for i, c := range cols {
		keys[i] = c.Key
	}
	return keys
}

func nameCell(w *htmlWriter, c *app.Contact, _ map[string]string) {
	w.raw(`<a href="/contacts/`, c.ID, `" class="contact-link"><strong>`)
	w.esc(c.DisplayName())
	w.raw(`</strong></a>`)
	if c.Status == app.StatusInactive {
		w.raw(`<span class="badge">Inactive</span>`)
	}
}

func primaryEmailCell(w *htmlWriter, c *app.Contact, _ map[string]string) {
	if e := c.PrimaryEmail(); e != "" {
		w.raw(`<a href="mailto:`)
		w.esc(e)
		w.raw(`">`)
		w.esc(e)
		w.raw(`</a>`)
	}
	if len(c.Emails) > 1 {
		w.raw(`<span class="more"> +`, strconv.Itoa(len(c.Emails)-1), `</span>`)
	}
	if c.EmailStatus() == app.EmailInvalid {
		w.raw(`<a href="/contacts/email-addresses" class="badge badge-invalid" title="An address is invalid: mail to it is not sent">Invalid</a>`)
	}
}

func allEmailsCell(w *htmlWriter, c *app.Contact, _ map[string]string) {
	for _, e := range c.Emails {
		w.raw(`<div><a href="mailto:`)
		w.esc(e.Address)
		w.raw(`">`)
		w.esc(e.Address)
		w.raw(`</a>`)
		if e.Label != "" {
			w.raw(`<span class="more"> `)
			w.esc(e.Label)
			w.raw(`</span>`)
		}
		w.raw(`</div>`)
	}
}

func groupsCell(w *htmlWriter, c *app.Contact, names map[string]string) {
	for _, n := range groupList(c, names) {
		w.raw(`<span class="chip">`)
		w.esc(n)
		w.raw(`</span>`)
	}
}

func emailStatusCell(w *htmlWriter, c *app.Contact, _ map[string]string) {
	switch c.EmailStatus() {
	case app.EmailInvalid:
		w.raw(`<a href="/contacts/email-addresses" class="badge badge-invalid">Invalid</a>`)
	case app.EmailValid:
		w.raw(`<span class="email-valid">Verified</span>`)
	case app.EmailUnknown:
		w.raw(`<span class="more">Not checked</span>`)
	}
}

// portalCell is the contact's portal account: "—" when none, else whether they were invited or
// when they last logged in. It stays empty when the accounts were not looked up (a single row
// re-rendered after an inline edit).
func portalCell(w *htmlWriter, c *app.Contact, v ListView) {
	if v.Portal == nil {
		return
	}
	a := v.Portal[c.ID]
	switch {
	case a == nil:
		w.raw(`<span class="more" title="No portal account">—</span>`)
	case !a.LastLoginAt.IsZero():
		w.raw(`<span class="portal-login">Last login `)
		w.when(a.LastLoginAt)
		w.raw(`</span>`)
	case !a.InvitedAt.IsZero():
		w.raw(`<span class="portal-invited">Invited</span>`)
	default:
		w.raw(`<span class="portal-uninvited">Not invited</span>`)
	}
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

// activityCell writes a figure from the contact's Contact Summary row: "—" when the report has
// no row for it yet, nothing when the rows were not looked up.
func activityCell(n func(r *app.ReportRow) int) func(w *htmlWriter, c *app.Contact, v ListView) {
	return func(w *htmlWriter, c *app.Contact, v ListView) {
		if v.Activity == nil {
			return
		}
		if r := v.Activity[c.ID]; r != nil {
			w.raw(strconv.Itoa(n(r)))
		} else {
			w.raw(`<span class="more" title="Not in the Contact Summary yet">—</span>`)
		}
	}
}
