package views

import (
	"strings"
	"time"

	"agentbook/app"

	g "maragu.dev/gomponents"
	c "maragu.dev/gomponents/components"
	. "maragu.dev/gomponents/html"
)

// PortalProps is what every page of the client portal needs. The portal is its own small site:
// its header shows the contact's agent, not agentbook's navigation.
type PortalProps struct {
	Title   string
	CSRF    string
	Agent   *app.User    // the contact's agent; nil on pages shown before anyone is known
	Contact *app.Contact // the logged-in contact; nil when logged out
	Nav     string       // the active entry: "home", "details", "messages", "searches"
}

// PortalLayout is the portal's page frame: a header with the agent's name and contact details,
// the navigation once the contact is logged in, and the content.
func PortalLayout(p PortalProps, body ...g.Node) g.Node {
	title := "Client portal"
	if p.Title != "" {
		title = p.Title + " · Client portal"
	}
	return c.HTML5(c.HTML5Props{
		Title:    title,
		Language: "en",
		Head: []g.Node{
			Link(Rel("stylesheet"), Href("/static/app.css")),
			Link(Rel("icon"), Href("/static/favicon.svg"), Type("image/svg+xml")),
		},
		Body: []g.Node{
			Class("portal"),
			portalHeader(p),
			Main(ID("main"), Class("portal-main"), g.Group(body)),
		},
	})
}

func portalHeader(p PortalProps) g.Node {
	tagline := "Client portal"
	if p.Contact != nil && p.Contact.FirstName != "" {
		tagline = "Client portal for " + p.Contact.FirstName
	}
	return Header(Class("portal-top"),
		Div(Class("portal-id"),
			portalAgentCard(p.Agent),
			P(Class("portal-for"), g.Text(tagline)),
		),
		g.If(p.Contact != nil, Nav(Aria("label", "Portal"), Class("portal-nav"),
			navLink("/portal", "Home", p.Nav == "home"),
			navLink("/portal/details", "My details", p.Nav == "details"),
			navLink("/portal/messages", "Messages", p.Nav == "messages"),
			navLink("/portal/searches", "My searches", p.Nav == "searches"),
			Form(Method("post"), Action("/portal/logout"), Class("inline"),
				CSRFField(p.CSRF),
				Button(Type("submit"), Class("link"), g.Text("Log out")),
			),
		)),
	)
}

func portalAgentCard(a *app.User) g.Node {
	if a == nil {
		return nil
	}
	return Div(Class("portal-agent"),
		Strong(Class("portal-agent-name"), g.Text(a.Name)),
		g.If(a.Email != "", A(Class("portal-agent-email"), Href("mailto:"+a.Email), g.Text(a.Email))),
		g.If(a.Phone != "", A(Class("portal-agent-phone"), Href("tel:"+strings.Map(telRune, a.Phone)), g.Text(a.Phone))),
	)
}

// telRune keeps the characters a tel: link may carry.
func telRune(r rune) rune {
	if r == '+' || (r >= '0' && r <= '9') {
		return r
	}
	return -1
}

// PortalErrorPage shows an error inside the portal, with a way back to the portal's home.
func PortalErrorPage(p PortalProps, status int, msg string) g.Node {
	p.Title = httpTitle(status)
	return PortalLayout(p, Section(Class("card narrow"),
		H1(g.Text(httpTitle(status))),
		P(g.Text(msg)),
		P(A(Href("/portal"), g.Text("Back to your portal"))),
	))
}

// PortalLoginProps fills the portal's login page.
type PortalLoginProps struct {
	PortalProps
	Username string
	Message  string // why the login failed
	Notice   string
}

// PortalLoginPage asks a contact for their username and password.
func PortalLoginPage(p PortalLoginProps) g.Node {
	p.Title = "Log in"
	return PortalLayout(p.PortalProps, Section(Class("card narrow"),
		H1(g.Text("Log in to your client portal")),
		Alert("info", p.Notice),
		Alert("error", p.Message),
		Form(Method("post"), Action("/portal/login"), ID("portal-login-form"),
			CSRFField(p.CSRF),
			FieldInput(Field{Label: "Username", Name: "username", Value: p.Username, Autocomplete: "username", Required: true,
				Hint: "Usually your email address."}),
			FieldInput(Field{Label: "Password", Name: "password", Type: "password", Autocomplete: "current-password", Required: true}),
			Div(Class("form-actions"),
				Button(Type("submit"), Class("primary"), g.Text("Log in")),
				A(Href("/portal/forgot"), g.Text("Forgot your password?")),
			),
		),
	))
}

// PortalForgotProps fills the page where a contact asks for a new set-password link.
type PortalForgotProps struct {
	PortalProps
	Username string
	Sent     bool // the request was made: the same answer whether or not the account exists
}

// PortalForgotPage asks for the username, or says a link was emailed if it is one.
func PortalForgotPage(p PortalForgotProps) g.Node {
	p.Title = "Forgot your password?"
	if p.Sent {
		return PortalLayout(p.PortalProps, Section(Class("card narrow"), ID("portal-forgot-sent"),
			H1(g.Text("Check your email")),
			P(g.Text("If that is your username, we have emailed you a link to choose a new password. The link works once, for 24 hours.")),
			P(A(Href("/portal/login"), g.Text("Back to log in"))),
		))
	}
	return PortalLayout(p.PortalProps, Section(Class("card narrow"),
		H1(g.Text("Forgot your password?")),
		P(g.Text("Enter your username (usually your email address) and we will email you a link to choose a new password.")),
		Form(Method("post"), Action("/portal/forgot"), ID("portal-forgot-form"),
			CSRFField(p.CSRF),
			FieldInput(Field{Label: "Username or email", Name: "username", Value: p.Username, Autocomplete: "username", Required: true}),
			Div(Class("form-actions"),
				Button(Type("submit"), Class("primary"), g.Text("Email me a link")),
				A(Href("/portal/login"), g.Text("Back to log in")),
			),
		),
	))
}

// PortalSetPasswordProps fills the page a set-password link opens.
type PortalSetPasswordProps struct {
	PortalProps
	Token    string
	Username string
	Errors   map[string]string
	Message  string
}

// PortalSetPasswordPage asks for a new password, twice.
func PortalSetPasswordPage(p PortalSetPasswordProps) g.Node {
	p.Title = "Choose a password"
	agent := "your agent"
	if p.Agent != nil {
		agent = p.Agent.Name
	}
	return PortalLayout(p.PortalProps, Section(Class("card narrow"),
		H1(g.Text("Choose a password for "+p.Username)),
		P(g.Textf("This is your private client portal with %s. Your username is ", agent), Strong(g.Text(p.Username)), g.Text(".")),
		Alert("error", p.Message),
		Form(Method("post"), Action("/portal/set-password/"+p.Token), ID("portal-password-form"),
			CSRFField(p.CSRF),
			// Lets password managers store the new password under the right username: they skip
			// type=hidden inputs, so it is a hidden text input.
			Input(Type("text"), Name("username"), Value(p.Username), AutoComplete("username"), ReadOnly(), g.Attr("hidden")),
			FieldInput(Field{Label: "New password", Name: "password", Type: "password", Error: p.Errors["password"],
				Autocomplete: "new-password", Required: true, Hint: "At least 10 characters."}),
			FieldInput(Field{Label: "Repeat the password", Name: "confirm", Type: "password", Error: p.Errors["confirm"],
				Autocomplete: "new-password", Required: true}),
			Button(Type("submit"), Class("primary"), g.Text("Set password")),
		),
	))
}

// PortalPasswordSetPage says the password is set and leads to the login page.
func PortalPasswordSetPage(p PortalProps) g.Node {
	p.Title = "Password set"
	return PortalLayout(p, Section(Class("card narrow"), ID("portal-password-set"),
		H1(g.Text("Password set — log in")),
		P(g.Text("Your password is saved. Log in with your username and the new password.")),
		P(A(Class("button primary"), Href("/portal/login"), g.Text("Log in"))),
	))
}

// PortalLinkInvalidPage explains that a set-password link cannot be used, and what to do.
func PortalLinkInvalidPage(p PortalProps, msg string) g.Node {
	p.Title = "This link does not work"
	return PortalLayout(p, Section(Class("card narrow"), ID("portal-link-invalid"),
		H1(g.Text("This link does not work")),
		P(g.Text(msg)),
		P(A(Href("/portal/forgot"), g.Text("Forgot your password?")), g.Text(" · "), A(Href("/portal/login"), g.Text("Log in"))),
	))
}

// PortalHomePage welcomes the logged-in contact and leads to the portal's pages.
func PortalHomePage(p PortalProps) g.Node {
	p.Title, p.Nav = "Home", "home"
	first, agent := "", "your agent"
	if p.Contact != nil {
		first = p.Contact.FirstName
	}
	if p.Agent != nil {
		agent = p.Agent.Name
	}
	welcome := "Welcome"
	if first != "" {
		welcome += ", " + first
	}
	return PortalLayout(p, Section(Class("card"),
		H1(g.Text(welcome)),
		P(g.Textf("This is your private client portal with %s.", agent)),
		Ul(Class("portal-links"),
			Li(A(Href("/portal/details"), g.Text("My details")), Span(Class("muted"), g.Text(" — keep your phone number and mailing address up to date"))),
			Li(A(Href("/portal/messages"), g.Text("Messages")), Span(Class("muted"), g.Textf(" — write to %s and read the answers", agent))),
			Li(A(Href("/portal/searches"), g.Text("My searches")), Span(Class("muted"), g.Text(" — the homes you are looking for, and their email alerts"))),
		),
	))
}

// PortalDetailsProps fills the contact's own details form.
type PortalDetailsProps struct {
	PortalProps
	Phone   string
	Address app.Address
	Errors  map[string]string
	Message string
	Notice  string
}

// PortalDetailsPage lets the contact change their phone number and mailing address.
func PortalDetailsPage(p PortalDetailsProps) g.Node {
	p.Title, p.Nav = "My details", "details"
	return PortalLayout(p.PortalProps, Section(Class("card portal-form"),
		H1(g.Text("My details")),
		P(Class("muted"), g.Text("Your agent sees the changes you make here.")),
		Alert("success", p.Notice),
		Alert("error", p.Message),
		Form(Method("post"), Action("/portal/details"), ID("portal-details-form"),
			CSRFField(p.CSRF),
			FieldInput(Field{Label: "Phone", Name: "phone", Type: "tel", Value: p.Phone, Error: p.Errors["phone"], Autocomplete: "tel"}),
			FieldSet(
				Legend(g.Text("Mailing address")),
				FieldInput(Field{Label: "Street", Name: "street", Value: p.Address.Street, Error: p.Errors["street"], Autocomplete: "street-address"}),
				Div(Class("inline-fields"),
					FieldInput(Field{Label: "City", Name: "city", Value: p.Address.City, Error: p.Errors["city"], Autocomplete: "address-level2"}),
					FieldInput(Field{Label: "State or region", Name: "region", Value: p.Address.Region, Error: p.Errors["region"], Autocomplete: "address-level1"}),
					FieldInput(Field{Label: "Postal code", Name: "postal_code", Value: p.Address.PostalCode, Error: p.Errors["postal_code"], Autocomplete: "postal-code"}),
					FieldInput(Field{Label: "Country", Name: "country", Value: p.Address.Country, Error: p.Errors["country"], Autocomplete: "country-name"}),
				),
			),
			Div(Class("form-actions"), Button(Type("submit"), Class("primary"), g.Text("Save my details"))),
		),
	))
}

// PortalMessagesProps fills the conversation page.
type PortalMessagesProps struct {
	PortalProps
	Messages []*app.PortalMessage // oldest first
	Text     string               // the message being written, kept when it could not be sent
	Error    string
	Notice   string
}

// PortalMessagesPage shows the conversation with the agent and a form to write to them.
func PortalMessagesPage(p PortalMessagesProps) g.Node {
	p.Title, p.Nav = "Messages", "messages"
	agent := "Your agent"
	if p.Agent != nil {
		agent = p.Agent.Name
	}
	return PortalLayout(p.PortalProps, Section(Class("card portal-form"),
		H1(g.Text("Messages")),
		g.If(len(p.Messages) == 0, P(Class("muted"), ID("portal-no-messages"), g.Textf("No messages yet. Write to %s below.", agent))),
		g.If(len(p.Messages) > 0, Ol(ID("portal-messages"), Class("portal-messages"),
			g.Map(p.Messages, func(m *app.PortalMessage) g.Node {
				who, cls := agent, "from-agent"
				if m.FromContact {
					who, cls = "You", "from-contact"
				}
				return Li(Class("portal-message "+cls), ID("message-"+m.ID),
					Div(Class("portal-message-head"),
						Strong(Class("who"), g.Text(who)), g.Text(" "),
						portalTime(m.CreatedAt),
					),
					Div(Class("portal-message-text"), g.Text(m.Text)),
				)
			}),
		)),
		Alert("success", p.Notice),
		Form(Method("post"), Action("/portal/messages"), ID("portal-message-form"),
			CSRFField(p.CSRF),
			Div(Class("field"+errClass(p.Error)),
				Label(For("f-text"), g.Textf("Write to %s", agent)),
				Textarea(ID("f-text"), Name("text"), Rows("5"), Required(), MaxLength("5000"),
					g.If(p.Error != "", g.Group{Aria("invalid", "true"), Aria("describedby", "f-text-err")}),
					g.Text(p.Text)),
				g.If(p.Error != "", Span(ID("f-text-err"), Class("error"), g.Text(p.Error))),
			),
			Div(Class("form-actions"), Button(Type("submit"), Class("primary"), g.Text("Send"))),
		),
	))
}

func portalTime(t time.Time) g.Node {
	return Time(DateTime(t.Format(time.RFC3339)), g.Text(t.Local().Format("Jan 2, 2006 15:04")))
}

// PortalSearchesProps fills the contact's saved searches page.
type PortalSearchesProps struct {
	PortalProps
	Searches []*app.SavedSearch
	Notice   string
	Message  string
}

// PortalSearchesPage lists the contact's saved searches, each with a switch for its email alerts.
func PortalSearchesPage(p PortalSearchesProps) g.Node {
	p.Title, p.Nav = "My searches", "searches"
	return PortalLayout(p.PortalProps, Section(Class("card"),
		H1(g.Text("My searches")),
		Alert("success", p.Notice),
		Alert("error", p.Message),
		g.If(len(p.Searches) == 0, P(Class("muted"), ID("portal-no-searches"),
			g.Text("You have no saved searches yet. Tell your agent what kind of home you are looking for."))),
		g.If(len(p.Searches) > 0, Ul(Class("search-list"), ID("portal-searches"),
			g.Map(p.Searches, func(ss *app.SavedSearch) g.Node { return portalSearch(p.CSRF, ss) }),
		)),
	))
}

func portalSearch(csrf string, ss *app.SavedSearch) g.Node {
	on := ss.Schedule != app.ScheduleOff
	state, next, label := "Email alerts are off.", "on", "Turn email alerts on"
	if on {
		state, next, label = "Email alerts are on ("+scheduleName(ss.Schedule)+").", "off", "Turn email alerts off"
	}
	return Li(ID("search-"+ss.ID), Class("portal-search"),
		Strong(g.Text(ss.Name)),
		P(Class("muted"), g.Text(SearchSummary(ss))),
		Form(Method("post"), Action("/portal/searches/"+ss.ID+"/notifications"), Class("inline-form"),
			CSRFField(csrf),
			Input(Type("hidden"), Name("notify"), Value(next)),
			Span(Class("portal-search-state"), g.Text(state)),
			Button(Type("submit"), g.Text(label)),
		),
	)
}

func scheduleName(s string) string {
	switch s {
	case app.ScheduleASAP:
		return "as soon as a home matches"
	case app.ScheduleDaily:
		return "daily"
	case app.ScheduleWeekly:
		return "weekly"
	}
	return s
}
