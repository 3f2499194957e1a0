package views

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"agentbook/app"

	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

// ReportFilter is the Contact Summary's filter and sort as the URL carries them.
type ReportFilter struct {
	Text    string
	GroupID string
	Status  string // "active", "inactive" or "" for all
	Sort    string
	Desc    bool
}

// Query returns the filter as URL query values, with the offset when not 0.
func (f ReportFilter) Query(offset int) url.Values {
	v := url.Values{}
	if f.Text != "" {
		v.Set("q", f.Text)
	}
	if f.GroupID != "" {
		v.Set("group", f.GroupID)
	}
	if f.Status != "" {
		v.Set("status", f.Status)
	}
	if f.Sort != "" && f.Sort != "name" || f.Desc {
		s := f.Sort
		if s == "" {
			s = "name"
		}
		if f.Desc {
			s = "-" + s
		}
		v.Set("sort", s)
	}
	if offset > 0 {
		v.Set("offset", strconv.Itoa(offset))
	}
	return v
}

// ReportProps fills the Contact Summary page.
type ReportProps struct {
	PageProps
	Report *app.ReportPage
	Groups []*app.Group
	Filter ReportFilter
	Notice string
}

// reportColumn is one column of the Contact Summary table.
type reportColumn struct {
	key, label string
	cell       func(r *app.ReportRow) string
	numeric    bool
}

func countCell(n func(r *app.ReportRow) int) func(r *app.ReportRow) string {
	return func(r *app.ReportRow) string { return strconv.Itoa(n(r)) }
}

func dateCell(t func(r *app.ReportRow) time.Time) func(r *app.ReportRow) string {
	return func(r *app.ReportRow) string {
		if t(r).IsZero() {
			return "—"
		}
		return t(r).Local().Format("Jan 2, 2006")
	}
}

func reportColumns() []reportColumn {
	return []reportColumn{
		{key: "portal", label: "Portal", cell: func(r *app.ReportRow) string { return yesNo(r.HasPortal) }},
		{key: "portal_logins", label: "Logins", numeric: true, cell: countCell(func(r *app.ReportRow) int { return r.PortalLogins })},
		{key: "last_login_at", label: "Last login", cell: dateCell(func(r *app.ReportRow) time.Time { return r.LastLoginAt })},
		{key: "messages_from_contact", label: "Messages from", numeric: true, cell: countCell(func(r *app.ReportRow) int { return r.MessagesFromContact })},
		{key: "messages_to_contact", label: "Messages to", numeric: true, cell: countCell(func(r *app.ReportRow) int { return r.MessagesToContact })},
		{key: "unread_messages", label: "Unread", numeric: true, cell: countCell(func(r *app.ReportRow) int { return r.UnreadMessages })},
		{key: "emails_sent", label: "Emails sent", numeric: true, cell: countCell(func(r *app.ReportRow) int { return r.EmailsSent })},
		{key: "last_email_at", label: "Last sent", cell: dateCell(func(r *app.ReportRow) time.Time { return r.LastEmailAt })},
		{key: "emails_bounced", label: "Bounced", numeric: true, cell: countCell(func(r *app.ReportRow) int { return r.EmailsBounced })},
		{key: "saved_searches", label: "Saved searches", numeric: true, cell: countCell(func(r *app.ReportRow) int { return r.SavedSearches })},
		{key: "search_alerts", label: "With notifications", numeric: true, cell: countCell(func(r *app.ReportRow) int { return r.SearchAlerts })},
		{key: "last_activity_at", label: "Last activity", cell: dateCell(func(r *app.ReportRow) time.Time { return r.LastActivityAt })},
	}
}

// ReportPage is the Contact Summary: the weekly activity chart, the filter, and the table.
func ReportPage(p ReportProps) g.Node {
	p.Title = "Contact Summary"
	p.Nav = "report"
	r := p.Report
	return Layout(p.PageProps,
		Div(Class("page-head"),
			H1(g.Text("Contact Summary")),
			Div(Class("actions"),
				A(Class("button"), ID("report-csv"), Href("/reports/contact-summary.csv?"+p.Filter.Query(0).Encode()), g.Text("Export CSV")),
				Form(Method("post"), Action("/reports/contact-summary/refresh"), Class("inline"),
					CSRFField(p.CSRF),
					Button(Type("submit"), Class("button"), ID("report-refresh"), g.Text("Refresh now")),
				),
			),
		),
		P(ID("report-as-of"), Class("lead"), asOf(r.AsOf)),
		Alert("success", p.Notice),
		ActivityChart(r.Weeks),
		reportFilterForm(p),
		reportTable(p),
	)
}

func asOf(t time.Time) g.Node {
	if t.IsZero() {
		return g.Text("This report has not been built yet. Refresh now builds it.")
	}
	return g.Group{g.Text("As of "), Time(DateTime(t.Format(time.RFC3339)), g.Text(t.Local().Format("Jan 2, 2006 3:04 PM"))),
		g.Text(". The report is rebuilt on a schedule; Refresh now brings it up to date.")}
}

// ActivityChart is an SVG bar chart of the agent's contact activity per week, with the figures
// also in its title, description and labels, so that it reads without JavaScript or sight.
func ActivityChart(weeks []app.WeekCount) g.Node {
	const w, h, left, bottom, top = 720, 220, 44, 36, 16
	most := 0
	total := 0
	for _, wk := range weeks {
		most = max(most, wk.Count)
		total += wk.Count
	}
	scale := max(niceMax(most), 1)
	plotH := float64(h - bottom - top)
	n := max(len(weeks), 1)
	slot := float64(w-left-8) / float64(n)
	var b strings.Builder
	desc := make([]string, 0, len(weeks))
	for _, wk := range weeks {
		desc = append(desc, fmt.Sprintf("week of %s: %d", wk.Start.Format("Jan 2"), wk.Count))
	}
	fmt.Fprintf(&b, `<figure class="report-chart" id="activity-chart"><svg role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 %d %d" width="100%%" xmlns="http://www.w3.org/2000/svg">`, w, h)
	fmt.Fprintf(&b, `<title id="chart-title">Contact activity per week, last %d weeks: %d in all</title>`, len(weeks), total)
	fmt.Fprintf(&b, `<desc id="chart-desc">%s.</desc>`, escape(strings.Join(desc, "; ")))
	// axis and grid
	for _, v := range []int{0, scale / 2, scale} {
		y := float64(top) + plotH - plotH*float64(v)/float64(scale)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ccc" stroke-width="1"/>`, left, w-8, y, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="11" text-anchor="end" fill="#555">%d</text>`, left-6, y+4, v)
	}
	for i, wk := range weeks {
		bh := plotH * float64(wk.Count) / float64(scale)
		x := float64(left) + slot*float64(i) + slot*0.15
		y := float64(top) + plotH - bh
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#2b6cb0" data-week="%s" data-count="%d"><title>Week of %s: %d</title></rect>`,
			x, y, slot*0.7, bh, wk.Start.Format("2006-01-02"), wk.Count, wk.Start.Format("Jan 2, 2006"), wk.Count)
		if wk.Count > 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle" fill="#333">%d</text>`, x+slot*0.35, y-3, wk.Count)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="#555">%s</text>`, x+slot*0.35, h-bottom+16, wk.Start.Format("Jan 2"))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#555">Week starting (Monday)</text>`, left, h-4)
	b.WriteString(`</svg><figcaption>Portal logins, messages, other contact activity and emails sent, per week.</figcaption></figure>`)
	return g.Raw(b.String())
}

func escape(s string) string { return htmlEscaper.Replace(s) }

// niceMax rounds n up to 1, 2 or 5 times a power of ten, for the chart's scale.
func niceMax(n int) int {
	if n <= 0 {
		return 0
	}
	p := 1
	for {
		for _, m := range []int{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
		p *= 10
	}
}

func reportFilterForm(p ReportProps) g.Node {
	f := p.Filter
	return Form(ID("report-filter"), Method("get"), Action("/reports/contact-summary"), Class("list-controls"),
		Label(For("report-q"), Class("sr-only"), g.Text("Name")),
		Input(ID("report-q"), Type("search"), Name("q"), Value(f.Text), Placeholder("Filter by name")),
		Label(For("report-group"), Class("sr-only"), g.Text("Group")),
		Select(ID("report-group"), Name("group"),
			Option(Value(""), g.Text("All groups")),
			g.Map(p.Groups, func(gr *app.Group) g.Node {
				return Option(Value(gr.ID), g.If(gr.ID == f.GroupID, Selected()), g.Text(gr.Name))
			}),
		),
		Label(For("report-status"), Class("sr-only"), g.Text("Status")),
		Select(ID("report-status"), Name("status"),
			Option(Value(""), g.If(f.Status == "", Selected()), g.Text("Active and inactive")),
			Option(Value("active"), g.If(f.Status == "active", Selected()), g.Text("Active")),
			Option(Value("inactive"), g.If(f.Status == "inactive", Selected()), g.Text("Inactive")),
		),
		g.If(f.Sort != "" || f.Desc, Input(Type("hidden"), Name("sort"), Value(f.Query(0).Get("sort")))),
		Button(Type("submit"), Class("button"), g.Text("Filter")),
	)
}

func (f ReportFilter) sortLink(key, label string) g.Node {
	cur := f.Sort
	if cur == "" {
		cur = "name"
	}
	// A click on the column the report is sorted by reverses it.
	next := f
	next.Sort, next.Desc = key, cur == key && !f.Desc
	arrow := ""
	if cur == key {
		arrow = " ▲"
		if f.Desc {
			arrow = " ▼"
		}
	}
	return A(Href("/reports/contact-summary?"+next.Query(0).Encode()), g.Text(label+arrow))
}

func ariaSort(f ReportFilter, key string) g.Node {
	cur := f.Sort
	if cur == "" {
		cur = "name"
	}
	if cur != key {
		return nil
	}
	if f.Desc {
		return Aria("sort", "descending")
	}
	return Aria("sort", "ascending")
}

func reportTable(p ReportProps) g.Node {
	r, f := p.Report, p.Filter
	cols := reportColumns()
	t := r.Totals
	return Div(Class("table-wrap"),
		Table(ID("report"), Class("report"),
			THead(Tr(
				Th(Scope("col"), ariaSort(f, "name"), f.sortLink("name", "Name")),
				g.Map(cols, func(c reportColumn) g.Node {
					return Th(Scope("col"), ariaSort(f, c.key), g.If(c.numeric, Class("num")), f.sortLink(c.key, c.label))
				}),
			)),
			TBody(
				g.If(len(r.Items) == 0, Tr(Td(ColSpan(strconv.Itoa(len(cols)+1)), Class("empty"), g.Text("No contacts match.")))),
				g.Map(r.Items, func(row *app.ReportRow) g.Node {
					return Tr(ID("report-"+row.ContactID), Data("contact", row.ContactID),
						Td(Class("name"), A(Href("/contacts/"+row.ContactID), g.Text(nameOr(row.Name))),
							g.If(row.Status == app.StatusInactive, Span(Class("badge"), g.Text("Inactive")))),
						g.Map(cols, func(c reportColumn) g.Node {
							return Td(Data("col", c.key), g.If(c.numeric, Class("num")), g.Text(c.cell(row)))
						}),
					)
				}),
			),
			TFoot(Tr(ID("report-totals"),
				Th(Scope("row"), g.Textf("Total (%d contacts)", r.Total)),
				g.Map(cols, func(c reportColumn) g.Node {
					v := c.cell(t)
					if c.key == "portal" {
						v = strconv.Itoa(r.PortalAccounts)
					}
					return Td(Data("col", c.key), g.If(c.numeric, Class("num")), g.Text(v))
				}),
			)),
		),
		reportPager(r, f),
	)
}

func nameOr(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(no name)"
	}
	return s
}

func reportPager(r *app.ReportPage, f ReportFilter) g.Node {
	if r.Offset == 0 && r.Next == 0 {
		return nil
	}
	prev := max(r.Offset-50, 0)
	return Nav(Class("pager"), Aria("label", "Pages"),
		g.If(r.Offset > 0, A(ID("report-prev"), Href("/reports/contact-summary?"+f.Query(prev).Encode()), g.Text("Previous"))),
		Span(g.Textf(" %d–%d of %d ", r.Offset+1, r.Offset+len(r.Items), r.Total)),
		g.If(r.Next > 0, A(ID("report-next"), Href("/reports/contact-summary?"+f.Query(r.Next).Encode()), g.Text("Next"))),
	)
}
