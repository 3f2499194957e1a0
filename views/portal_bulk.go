package views

import (
	"fmt"

	"agentbook/app"

	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

// PortalBulkConfirmProps fills the page that asks before Create Portal Accounts (with Invite).
type PortalBulkConfirmProps struct {
	PageProps
	Invite      bool
	Active      int    // the agent's active contacts
	WithAccount int    // the agent's contacts that already have a portal account
	Subject     string // the invitation's subject as the agent set it (with Invite)
	Waiting     bool   // mail cannot leave this server yet (no sink, no relay)
	Message     string // why the run could not start (one is already going)
}

func portalBulkTitle(invite bool) string {
	if invite {
		return "Create Portal Accounts with Invite"
	}
	return "Create Portal Accounts"
}

// PortalBulkConfirmPage says what Create Portal Accounts will do, and does it on confirmation.
func PortalBulkConfirmPage(p PortalBulkConfirmProps) g.Node {
	p.Title, p.Nav = portalBulkTitle(p.Invite), "contacts"
	invite := "0"
	if p.Invite {
		invite = "1"
	}
	return Layout(p.PageProps,
		Div(Class("page-head"),
			H1(g.Text(p.Title)),
			A(Href("/contacts"), g.Text("‹ Contact Management")),
		),
		Form(ID("portal-bulk-form"), Class("card"), Method("post"), Action("/contacts/portal-accounts"),
			CSRFField(p.CSRF),
			Input(Type("hidden"), Name("invite"), Value(invite)),
			Alert("error", p.Message),
			Div(ID("portal-bulk-about"),
				P(g.Textf("You have %s active contact%s; %s of your contacts already %s a portal account.",
					thousands(p.Active), plural(p.Active), thousands(p.WithAccount), map[bool]string{true: "has", false: "have"}[p.WithAccount == 1])),
				P(g.Text("agentbook creates a portal account for each active contact with a valid email address who has none; "+
					"the username is their email address. Contacts with no email, an invalid one, inactive contacts and those who "+
					"already have an account are skipped and listed at the end.")),
				g.If(p.Invite, g.Group{
					P(g.Text("Each new account holder is emailed an invitation with a link to choose a password. "),
						g.If(p.Subject != "", g.Group{g.Text("Its subject: "), Q(ID("portal-bulk-subject"), g.Text(p.Subject)), g.Text(". ")}),
						A(Href("/preferences/portal"), g.Text("Change the invitation in Portal Preferences")), g.Text(".")),
					g.If(p.Waiting, Alert("info", "Mail waits in the outbox: this server has neither the SMTP sink nor a relay (--smtp-relay). It is sent once one is configured.")),
				}),
				g.If(!p.Invite, P(g.Text("No email is sent: the contacts cannot log in until you invite them from their page, "+
					"or run Create Portal Accounts with Invite."))),
			),
			Div(Class("form-actions"),
				Button(Type("submit"), Class("primary"), ID("portal-bulk-start"), g.Text("Create portal accounts")),
				A(Href("/contacts"), g.Text("Cancel")),
			),
		),
	)
}

// PortalBulkProps fills the page of a Create Portal Accounts run.
type PortalBulkProps struct {
	PageProps
	Run *app.BulkPortalResult
}

// PortalBulkPage shows a run's progress bar (polled by htmx) and, once it is done, the result.
func PortalBulkPage(p PortalBulkProps) g.Node {
	p.Title, p.Nav = portalBulkTitle(p.Run.Invite), "contacts"
	return Layout(p.PageProps,
		Div(Class("page-head"),
			H1(g.Text(p.Title)),
			A(Href("/contacts"), g.Text("‹ Contact Management")),
		),
		PortalBulkProgress(p.Run),
	)
}

// skipReasons are the reasons a run passes a contact over, in the order the result lists them,
// with their headings.
var skipReasons = []struct{ reason, heading, id string }{
	{"no email", "No email address", "skipped-no-email"},
	{"invalid email", "Invalid email address", "skipped-invalid-email"},
	{"inactive", "Inactive", "skipped-inactive"},
	{"already has one", "Already have an account", "skipped-has-account"},
}

// maxSkipNames is how many names the result lists per reason; the API has them all.
const maxSkipNames = 200

// PortalBulkProgress is the progress bar while a run goes on (it asks again every half second)
// and the result when it is done: created, invited, and the skipped contacts by reason.
func PortalBulkProgress(r *app.BulkPortalResult) g.Node {
	pct := 100
	if r.Total > 0 {
		pct = min(100, r.Seen*100/r.Total)
	}
	status := "Creating portal accounts"
	if r.Done {
		status = "Finished"
		if r.Err != "" {
			status = "Stopped"
		}
	}
	groups := map[string][]app.BulkSkip{}
	for _, sk := range r.Skipped {
		groups[sk.Reason] = append(groups[sk.Reason], sk)
	}
	return Div(ID("portal-bulk-progress"), Class("card"),
		g.If(!r.Done, g.Group{hx("get", "/contacts/portal-accounts/"+r.ID+"/progress"), hx("trigger", "every 500ms"), hx("swap", "outerHTML")}),
		P(ID("portal-bulk-status"), Role("status"), Aria("live", "polite"), Strong(g.Text(status)),
			g.If(!r.Done, g.Textf(": %s of %s contacts", thousands(r.Seen), thousands(r.Total))),
		),
		g.If(!r.Done, Progress(ID("portal-bulk-bar"), Max("100"), Value(fmt.Sprint(pct)), Aria("label", "Progress"), g.Textf("%d%%", pct))),
		Dl(Class("import-counts"),
			Dt(g.Text("Accounts created")), Dd(ID("count-created"), g.Text(thousands(r.Created))),
			Dt(g.Text("Invitations")), Dd(ID("count-invited"), g.Text(thousands(r.Invited))),
			Dt(g.Text("Skipped")), Dd(ID("count-skipped"), g.Text(thousands(len(r.Skipped)))),
		),
		Alert("error", r.Err),
		g.If(r.Done, g.Group{
			g.If(r.Invite && r.Invited > 0, P(g.Textf("%s invitation%s queued in the outbox; each delivery shows on the contact's page.",
				thousands(r.Invited), plural(r.Invited)))),
			g.If(len(r.Skipped) > 0, Section(ID("portal-bulk-skipped"),
				H2(g.Text("Skipped")),
				g.Map(skipReasons, func(sr struct{ reason, heading, id string }) g.Node {
					return skipGroup(sr.id, sr.heading, sr.reason, groups[sr.reason])
				}),
			)),
			Div(Class("form-actions"),
				A(Class("button primary"), ID("portal-bulk-done"), Href("/contacts"), g.Text("Back to Contact Management")),
			),
		}),
	)
}

func skipGroup(id, heading, reason string, skips []app.BulkSkip) g.Node {
	if len(skips) == 0 {
		return nil
	}
	shown := skips[:min(len(skips), maxSkipNames)]
	return Div(ID(id), Class("skip-group"), Data("reason", reason),
		H3(g.Textf("%s (%s)", heading, thousands(len(skips)))),
		g.If(reason == "invalid email", P(A(Href("/contacts/email-addresses"), g.Text("Fix invalid addresses")))),
		Ul(Class("skip-names"), g.Map(shown, func(sk app.BulkSkip) g.Node {
			return Li(A(Href("/contacts/"+sk.ContactID), g.Text(sk.Name)))
		})),
		g.If(len(skips) > len(shown), P(g.Textf("…and %s more.", thousands(len(skips)-len(shown))))),
	)
}

// PortalPrefsProps fills Portal Preferences. Subject, Body and NotifyFirstLogin are what the form
// shows: the stored preferences, or the agent's input.
type PortalPrefsProps struct {
	PageProps
	Subject, Body    string
	NotifyFirstLogin bool
	Errors           map[string]string
	Notice           string
	Preview          PortalPreviewProps
}

// PortalPreviewProps is an invitation rendered with sample values.
type PortalPreviewProps struct {
	Subject, Body string
}

// InvitePlaceholders are the placeholders an invitation may use, with what each stands for.
var InvitePlaceholders = [][2]string{
	{"{{first_name}}", "the contact's first name"},
	{"{{last_name}}", "the contact's last name"},
	{"{{username}}", "the contact's portal username (their email)"},
	{"{{portal_link}}", "the link to choose a password (required)"},
	{"{{link_days}}", "how many days the link works"},
	{"{{agent_name}}", "your name"},
	{"{{agent_email}}", "your email"},
	{"{{agent_phone}}", "your phone"},
}

// PortalPrefsPage is Portal Preferences: the default invitation, with a live preview, and
// whether to be emailed when a contact first logs in. Typing refreshes the preview through
// htmx; without JavaScript the Preview button does.
func PortalPrefsPage(p PortalPrefsProps) g.Node {
	p.Title, p.Nav = "Portal Preferences", "preferences"
	field := func(name string) g.Node {
		if p.Errors[name] == "" {
			return nil
		}
		return g.Group{Aria("invalid", "true"), Aria("describedby", "prefs-"+name+"-err")}
	}
	fieldErr := func(name string) g.Node {
		if p.Errors[name] == "" {
			return nil
		}
		return Span(ID("prefs-"+name+"-err"), Class("error"), g.Text(p.Errors[name]))
	}
	return Layout(p.PageProps,
		Div(Class("page-head"), H1(g.Text("Portal Preferences"))),
		Alert("success", p.Notice),
		g.If(len(p.Errors) > 0, Alert("error", "Please check the fields marked below.")),
		Div(Class("portal-prefs"),
			Form(ID("portal-prefs"), Class("card"), Method("post"), Action("/preferences/portal"),
				hx("post", "/preferences/portal/preview"), hx("trigger", "keyup changed delay:300ms"),
				hx("target", "#invite-preview"), hx("swap", "outerHTML"), hx("sync", "this:replace"),
				CSRFField(p.CSRF),
				H2(g.Text("Default invitation")),
				P(Class("hint"), g.Text("Create Portal Accounts with Invite and the contact page's Invite send this message.")),
				Div(Class("field"+errClass(p.Errors["subject"])),
					Label(For("prefs-subject"), g.Text("Subject")),
					Input(ID("prefs-subject"), Name("subject"), Type("text"), Value(p.Subject), Required(), MaxLength("200"), AutoComplete("off"), field("subject")),
					fieldErr("subject"),
				),
				Div(Class("field"+errClass(p.Errors["body"])),
					Label(For("prefs-body"), g.Text("Message")),
					Textarea(ID("prefs-body"), Name("body"), Rows("14"), Required(), Aria("describedby", "prefs-placeholders"), field("body"), g.Text(p.Body)),
					fieldErr("body"),
				),
				Div(ID("prefs-placeholders"), Class("hint placeholders"),
					P(g.Text("Placeholders, replaced in each invitation:")),
					Ul(g.Map(InvitePlaceholders, func(ph [2]string) g.Node {
						return Li(Code(g.Text(ph[0])), g.Text(" "+ph[1]))
					})),
				),
				H2(g.Text("Notifications")),
				Div(Class("field checkbox"),
					Input(ID("prefs-notify"), Type("checkbox"), Name("notify_first_login"), Value("1"), g.If(p.NotifyFirstLogin, Checked())),
					Label(For("prefs-notify"), g.Text("Email me when a contact logs in for the first time")),
				),
				Div(Class("form-actions"),
					Button(Type("submit"), Class("primary"), ID("prefs-save"), g.Text("Save")),
					Button(Type("submit"), ID("prefs-preview"), FormAction("/preferences/portal/preview"), FormNoValidate(), g.Text("Preview")),
					Button(Type("submit"), ID("prefs-reset"), Name("reset"), Value("1"), FormNoValidate(),
						g.Attr("data-confirm", "Put back agentbook's default subject and message? Your own text is lost."),
						g.Text("Reset to the default")),
				),
			),
			InvitePreview(p.Preview),
		),
	)
}

// InvitePreview is the invitation as a contact named Jamie would receive it; htmx replaces it
// as the agent types.
func InvitePreview(p PortalPreviewProps) g.Node {
	return Section(ID("invite-preview"), Class("card invite-preview"), Aria("live", "polite"), Aria("label", "Preview"),
		H2(g.Text("Preview")),
		P(Class("hint"), g.Text("As Jamie would receive it, with a sample link.")),
		Div(Class("preview-subject"), Span(Class("label"), g.Text("Subject: ")), Strong(ID("preview-subject"), g.Text(p.Subject))),
		Pre(ID("preview-body"), Class("preview-body"), g.Text(p.Body)),
	)
}
