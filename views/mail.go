package views

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"agentbook/app"

	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

// MailProps fills the Mail page: the messages the embedded sink captured.
type MailProps struct {
	PageProps
	Items   []*app.CapturedMessage
	Total   int
	Query   string
	Before  string // the cursor of this page ("" for the newest)
	Next    string // the cursor of the next (older) page, "" when none
	SinkOff bool   // the sink is not running
	Note    string // how mail leaves this server (the relay), or why it waits
	Notice  string
	All     bool // an admin sees every agent's mail
}

// MailPage lists captured mail, newest first, with a filter and Clear.
func MailPage(p MailProps) g.Node {
	p.Title, p.Nav = "Mail", "mail"
	scope := "Mail you sent"
	if p.All {
		scope = "All mail"
	}
	return Layout(p.PageProps,
		Div(Class("page-head"),
			H1(g.Text("Mail")),
			Div(Class("head-actions"),
				g.If(p.Total > 0, Form(Method("post"), Action("/mail/clear"), Class("inline"),
					CSRFField(p.CSRF),
					Button(Type("submit"), ID("mail-clear"), Class("danger"), g.Textf("Clear %s", strings.ToLower(scope))),
				)),
			),
		),
		P(Class("lead"), g.Text("Every email agentbook sends is captured here by its built-in SMTP sink, so you can read exactly what a contact would receive. "+
			"Links in captured mail work.")),
		Alert("success", p.Notice),
		g.If(p.SinkOff, Alert("info", "The SMTP sink is off (--smtp-sink off): nothing new is captured.")),
		g.If(p.Note != "", Alert("info", p.Note)),
		Form(ID("mail-filter"), Class("list-controls"), Role("search"), Method("get"), Action("/mail"),
			Div(Class("field grow"),
				Label(For("mail-q"), g.Text("Filter mail")),
				Input(ID("mail-q"), Type("search"), Name("q"), Value(p.Query), Placeholder("From, to or subject"), AutoComplete("off")),
			),
			Button(Type("submit"), g.Text("Filter")),
		),
		Div(Class("list-head"), Span(ID("mail-count"), Class("count"), g.Textf("%s: %s message%s", scope, thousands(p.Total), plural(p.Total)))),
		Div(Class("table-wrap"),
			Table(Class("mail"),
				THead(Tr(
					Th(Scope("col"), g.Text("Received")),
					Th(Scope("col"), g.Text("From")),
					Th(Scope("col"), g.Text("To")),
					Th(Scope("col"), g.Text("Subject")),
					Th(Scope("col"), g.Text("Size")),
				)),
				TBody(ID("mail-rows"),
					g.Map(p.Items, func(m *app.CapturedMessage) g.Node {
						return Tr(Class("mail-row"),
							Td(Class("when"), g.Text(m.ReceivedAt.Local().Format("Jan 2 15:04:05"))),
							Td(g.Text(m.From)),
							Td(g.Text(strings.Join(m.To, ", "))),
							Td(A(Href("/mail/"+m.ID), Class("mail-link"), g.Text(orNone(m.Subject)))),
							Td(Class("when"), g.Text(size(m.Size))),
						)
					}),
					g.If(len(p.Items) == 0, Tr(Td(ColSpan("5"), Class("empty"), g.Text(emptyMail(p.Query))))),
				),
			),
		),
		g.If(p.Next != "" || p.Before != "", Nav(Class("pager"), Aria("label", "Pages"),
			g.If(p.Before != "", A(ID("mail-newest"), Href(mailURL(p.Query, "")), g.Text("« Newest"))),
			g.If(p.Next != "", A(ID("mail-older"), Href(mailURL(p.Query, p.Next)), g.Text("Older ›"))),
		)),
	)
}

func mailURL(q, before string) string {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if before != "" {
		v.Set("before", before)
	}
	if len(v) == 0 {
		return "/mail"
	}
	return "/mail?" + v.Encode()
}

func emptyMail(q string) string {
	if q != "" {
		return "No captured mail matches this filter."
	}
	return "No mail captured yet. Email a contact, or send any message to the sink with an SMTP client."
}

func orNone(s string) string {
	if s == "" {
		return "(no subject)"
	}
	return s
}

func size(n int) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.Itoa((n+512)>>10) + " KB"
	}
	return strconv.Itoa(n) + " B"
}

// MailMessageProps fills one captured message's page.
type MailMessageProps struct {
	PageProps
	Message *app.CapturedMessage
	View    string // text, html or headers
}

// MailMessagePage shows one captured message as text (with working links), as rendered HTML in a
// sandboxed frame (no scripts, no remote loads), or its headers.
func MailMessagePage(p MailMessageProps) g.Node {
	m := p.Message
	p.Title, p.Nav = orNone(m.Subject), "mail"
	view := p.View
	if view == "" {
		view = "text"
		if m.Text == "" && m.HTML != "" {
			view = "html"
		}
	}
	tab := func(name, label string, enabled bool) g.Node {
		if !enabled {
			return Span(Class("tab disabled"), g.Text(label))
		}
		return A(Href("/mail/"+m.ID+"?view="+name), Class("tab"), ID("tab-"+name),
			g.If(view == name, g.Group{Class("tab active"), Aria("current", "page")}), g.Text(label))
	}
	var body g.Node
	switch view {
	case "html":
		body = IFrame(ID("mail-html"), Class("mail-html"), Src("/mail/"+m.ID+"/html"), TitleAttr("HTML of the message"),
			g.Attr("sandbox", "allow-popups allow-popups-to-escape-sandbox"), g.Attr("referrerpolicy", "no-referrer"))
	case "headers":
		body = Table(Class("headers"), TBody(g.Map(m.Headers, func(h app.Header) g.Node {
			return Tr(Th(Scope("row"), g.Text(h.Name)), Td(g.Text(h.Value)))
		})))
	default:
		body = Pre(ID("mail-text"), Class("mail-text"), linkify(m.Text))
	}
	return Layout(p.PageProps,
		P(A(Href("/mail"), g.Text("‹ Back to Mail"))),
		Section(Class("card"),
			H1(ID("mail-subject"), g.Text(orNone(m.Subject))),
			Dl(Class("mail-meta"),
				Dt(g.Text("From")), Dd(g.Text(m.From)),
				Dt(g.Text("To")), Dd(ID("mail-to"), g.Text(strings.Join(m.To, ", "))),
				Dt(g.Text("Received")), Dd(g.Text(m.ReceivedAt.Local().Format("Mon Jan 2 2006, 15:04:05"))),
				Dt(g.Text("Size")), Dd(g.Text(size(m.Size))),
				g.If(len(m.Attachments) > 0, g.Group{Dt(g.Text("Attachments")), Dd(Ul(Class("plain"), g.Map(m.Attachments, func(a app.Attachment) g.Node {
					return Li(g.Textf("%s (%s, %s)", orDash(a.Filename), a.ContentType, size(a.Size)))
				})))}),
			),
			Nav(Class("tabs"), Aria("label", "Views of the message"),
				tab("text", "Text", m.Text != ""), tab("html", "HTML", m.HTML != ""), tab("headers", "Headers", true)),
			body,
		),
	)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

var urlPattern = regexp.MustCompile(`https?://[^\s<>"')\]]+`)

// linkify renders text with its http(s) URLs as links that open in a new tab.
func linkify(text string) g.Node {
	var nodes g.Group
	last := 0
	for _, loc := range urlPattern.FindAllStringIndex(text, -1) {
		u := strings.TrimRight(text[loc[0]:loc[1]], ".,;:!?")
		end := loc[0] + len(u)
		nodes = append(nodes, g.Text(text[last:loc[0]]),
			A(Href(u), Target("_blank"), Rel("noopener noreferrer"), g.Text(u)))
		last = end
	}
	nodes = append(nodes, g.Text(text[last:]))
	return nodes
}
