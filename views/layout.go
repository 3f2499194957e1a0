// Package views renders agentbook's HTML with gomponents. Views are plain functions of their
// props; a page is built from the same fragment functions that handlers return to htmx.
// Views do no I/O.
package views

import (
	"strings"

	"agentbook/app"

	g "maragu.dev/gomponents"
	c "maragu.dev/gomponents/components"
	. "maragu.dev/gomponents/html"
)

// PageProps is what every full page needs.
type PageProps struct {
	Title string
	User  *app.User // nil on the setup and login pages
	CSRF  string
	Nav   string // the active navigation entry: "contacts", "report", "mail", "agents", "jobs", "preferences"
	// Scripts are extra scripts the page needs (paths under /vendor or /static), loaded before app.js.
	Scripts []string
}

// hx returns an hx-* attribute; the htmx helper module is not served here, so these few are local.
func hx(name, value string) g.Node { return g.Attr("hx-"+name, value) }

// CSRFField is the hidden form field that carries the CSRF token.
func CSRFField(token string) g.Node {
	return Input(Type("hidden"), Name("_csrf"), Value(token))
}

// Layout is the page frame: head, header with navigation, main content.
func Layout(p PageProps, body ...g.Node) g.Node {
	title := "agentbook"
	if p.Title != "" {
		title = p.Title + " · agentbook"
	}
	return c.HTML5(c.HTML5Props{
		Title:    title,
		Language: "en",
		Head: []g.Node{
			Meta(Name("htmx-config"), Content(`{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"historyCacheSize":0,"refreshOnHistoryMiss":true}`)),
			Link(Rel("stylesheet"), Href("/static/app.css")),
			Link(Rel("icon"), Href("/static/favicon.svg"), Type("image/svg+xml")),
			Script(Src("/vendor/htmx.min.js"), Defer()),
			g.Map(p.Scripts, func(src string) g.Node { return Script(Src(src), Defer()) }),
			Script(Src("/static/app.js"), Defer()),
		},
		Body: []g.Node{
			g.If(p.CSRF != "", hx("headers", `{"X-CSRF-Token":"`+jsonEscape(p.CSRF)+`"}`)),
			header(p),
			Main(ID("main"), g.Group(body)),
		},
	})
}

func jsonEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

func header(p PageProps) g.Node {
	return Header(Class("topbar"),
		A(Class("brand"), Href("/"), g.Text("agentbook")),
		g.If(p.User != nil, g.Group{
			Nav(Aria("label", "Main"),
				navLink("/contacts", "Contact Management", p.Nav == "contacts"),
				navLink("/reports/contact-summary", "Contact Summary", p.Nav == "report"),
				navLink("/listings", "Listings", p.Nav == "listings"),
				navLink("/mail", "Mail", p.Nav == "mail"),
				g.If(p.User != nil && p.User.IsAdmin(), navLink("/agents", "Agents", p.Nav == "agents")),
				g.If(p.User != nil && p.User.IsAdmin(), navLink("/jobs", "Jobs", p.Nav == "jobs")),
			),
			Div(Class("who"),
				Span(g.Text(userName(p.User))),
				A(Href("/preferences/portal"), ID("portal-prefs-link"), g.If(p.Nav == "preferences", Aria("current", "page")), g.Text("Portal Preferences")),
				Form(Method("post"), Action("/logout"), Class("inline"),
					CSRFField(p.CSRF),
					Button(Type("submit"), Class("link"), g.Text("Log out")),
				),
			),
		}),
	)
}

func userName(u *app.User) string {
	if u == nil {
		return ""
	}
	return u.Name
}

func navLink(href, text string, active bool) g.Node {
	return A(Href(href), g.Text(text), g.If(active, g.Group{Class("active"), Aria("current", "page")}))
}

// Field is a labelled input with its error message, keeping the value the user typed.
type Field struct {
	Label        string
	Name         string
	Type         string
	Value        string
	Error        string
	Autocomplete string
	Required     bool
	Hint         string
	ID           string
}

// FieldInput renders a Field.
func FieldInput(f Field) g.Node {
	id := f.ID
	if id == "" {
		id = "f-" + strings.NewReplacer("[", "-", "]", "", ".", "-").Replace(f.Name)
	}
	typ := f.Type
	if typ == "" {
		typ = "text"
	}
	return Div(Class("field"+errClass(f.Error)),
		Label(For(id), g.Text(f.Label)),
		Input(ID(id), Name(f.Name), Type(typ), g.If(typ != "password", Value(f.Value)),
			g.If(f.Autocomplete != "", AutoComplete(f.Autocomplete)),
			g.If(f.Required, Required()),
			g.If(f.Error != "", g.Group{Aria("invalid", "true"), Aria("describedby", id+"-err")}),
		),
		g.If(f.Hint != "", Small(Class("hint"), g.Text(f.Hint))),
		g.If(f.Error != "", Span(ID(id+"-err"), Class("error"), g.Text(f.Error))),
	)
}

func errClass(e string) string {
	if e != "" {
		return " has-error"
	}
	return ""
}

// Alert is a message box; kind is "error", "warning", "info" or "success".
func Alert(kind, msg string) g.Node {
	if msg == "" {
		return nil
	}
	role := "status"
	if kind == "error" {
		role = "alert"
	}
	return Div(Class("alert alert-"+kind), Role(role), g.Text(msg))
}

// ErrorPage shows an error that has no better place, with a way back.
func ErrorPage(p PageProps, status int, msg string) g.Node {
	return Layout(p, Section(Class("card narrow"),
		H1(g.Text(httpTitle(status))),
		P(g.Text(msg)),
		P(A(Href("/contacts"), g.Text("Back to Contact Management"))),
	))
}

func httpTitle(status int) string {
	switch status {
	case 401:
		return "Please log in"
	case 403:
		return "Not allowed"
	case 404:
		return "Not found"
	case 409:
		return "Changed by someone else"
	case 422:
		return "Please check your input"
	case 429:
		return "Too many requests"
	}
	return "Something went wrong"
}
