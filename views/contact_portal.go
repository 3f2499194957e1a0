package views

import (
	"strconv"
	"time"

	"agentbook/app"

	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

// ContactPortal is the agent's view of a contact's client portal: the account, the conversation
// and the activity the contact left.
type ContactPortal struct {
	Account    *app.PortalAccount // nil when the contact has no account
	Messages   []*app.PortalMessage
	Activity   []*app.ActivityEvent // newest first
	Reply      string               // the reply as typed, kept when it could not be sent
	ReplyError string               // why the reply could not be sent
	Error      string               // why the last create or invite failed
}

// contactPortal is the Client portal section of a contact's page, left out when the props carry
// no portal (the portal is not configured).
func contactPortal(p ContactFormProps) g.Node {
	if p.Contact == nil || p.Portal == nil {
		return nil
	}
	return ContactPortalSection(p.Contact, *p.Portal, p.CSRF)
}

// ContactPortalSection shows the contact's portal account (or offers to create one), the
// conversation with a reply form, and the portal activity timeline.
func ContactPortalSection(c *app.Contact, p ContactPortal, csrf string) g.Node {
	base := "/contacts/" + c.ID
	return Section(ID("portal"), Class("card contact-portal"),
		H2(g.Text("Client portal")),
		g.If(p.Error != "", Div(Class("alert alert-error"), Role("alert"), ID("portal-error"), g.Text(p.Error))),
		g.If(p.Account == nil, cpCreate(c, base, csrf)),
		g.If(p.Account != nil, g.Iff(p.Account != nil, func() g.Node { return cpAccount(p.Account, base, csrf) })),
		g.If(p.Account != nil || len(p.Messages) > 0, cpConversation(c, p, base, csrf)),
		g.If(p.Account != nil || len(p.Activity) > 0, cpActivity(p.Activity)),
	)
}

func cpCreate(c *app.Contact, base, csrf string) g.Node {
	return g.Group{
		P(Class("muted"), ID("portal-none"), g.Text("This contact has no portal account. With one, they log in with their email address to see the homes "+
			"that match their searches, keep their details up to date and message you.")),
		g.If(len(c.Emails) == 0, P(Class("hint"), g.Text("Add an email address first: it is the contact's username."))),
		Form(Method("post"), Action(base+"/portal"), Class("cp-actions"),
			CSRFField(csrf),
			Button(Type("submit"), Name("invite"), Value("0"), ID("portal-create"), g.Text("Create portal")),
			Button(Type("submit"), Name("invite"), Value("1"), Class("primary"), ID("portal-create-invite"), g.Text("Create portal and send invitation")),
		),
	}
}

func cpAccount(a *app.PortalAccount, base, csrf string) g.Node {
	invited, login := "not yet", "never"
	if !a.InvitedAt.IsZero() {
		invited = cpWhen(a.InvitedAt)
	}
	if !a.LastLoginAt.IsZero() {
		login = cpWhen(a.LastLoginAt)
	}
	return g.Group{
		Dl(ID("portal-account"), Class("cp-facts"),
			Dt(g.Text("Username")), Dd(ID("portal-username"), g.Text(a.Username)),
			Dt(g.Text("Created")), Dd(ID("portal-created"), g.Text(cpWhen(a.CreatedAt))),
			Dt(g.Text("Invited")), Dd(ID("portal-invited"), g.Text(invited)),
			Dt(g.Text("Last login")), Dd(ID("portal-last-login"), g.Text(login)),
			Dt(g.Text("Logins")), Dd(ID("portal-logins"), g.Text(strconv.Itoa(a.Logins))),
		),
		Form(Method("post"), Action(base+"/portal/invite"), Class("cp-actions"),
			CSRFField(csrf),
			Button(Type("submit"), ID("portal-invite"), g.Text("Send invitation")),
			Small(Class("hint"), g.Text(" Emails a new link to set a password; earlier links stop working.")),
		),
	}
}

func cpConversation(c *app.Contact, p ContactPortal, base, csrf string) g.Node {
	name := c.DisplayName()
	return g.Group{
		H3(g.Text("Messages")),
		g.If(len(p.Messages) == 0, P(Class("muted"), ID("portal-no-messages"), g.Text("No messages yet."))),
		g.If(len(p.Messages) > 0, Ol(ID("portal-messages"), Class("cp-messages"), g.Map(p.Messages, func(m *app.PortalMessage) g.Node {
			who, cls := "You", "from-agent"
			if m.FromContact {
				who, cls = name, "from-contact"
			}
			return Li(ID("message-"+m.ID), Class("cp-message "+cls),
				Div(Class("meta"),
					Strong(Class("who"), g.Text(who)), g.Text(" "),
					cpTime(m.CreatedAt),
					g.If(!m.FromContact && !m.ReadAt.IsZero(), Span(Class("muted read"), g.Text(" · read"))),
				),
				P(Class("text"), g.Text(m.Text)),
			)
		}))),
		g.If(p.Account != nil, Form(Method("post"), Action(base+"/messages"), ID("portal-reply"), Class("cp-reply"),
			CSRFField(csrf),
			Div(Class("field"+errClass(p.ReplyError)),
				Label(For("portal-reply-text"), g.Text("Message to "+name)),
				Textarea(ID("portal-reply-text"), Name("text"), Rows("3"), MaxLength(strconv.Itoa(app.MaxMessage)),
					g.If(p.ReplyError != "", g.Group{Aria("invalid", "true"), Aria("describedby", "portal-reply-err")}), g.Text(p.Reply)),
				g.If(p.ReplyError != "", Span(ID("portal-reply-err"), Class("error"), g.Text(p.ReplyError))),
				Small(Class("hint"), g.Text("They read it in the portal; the email they get only says there is a new message.")),
			),
			Button(Type("submit"), Class("primary"), ID("portal-send"), g.Text("Send")),
		)),
	}
}

func cpActivity(evs []*app.ActivityEvent) g.Node {
	return g.Group{
		H3(g.Text("Activity")),
		g.If(len(evs) == 0, P(Class("muted"), ID("portal-no-activity"), g.Text("No portal activity yet."))),
		g.If(len(evs) > 0, Ol(ID("portal-activity"), Class("cp-activity"), g.Map(evs, func(e *app.ActivityEvent) g.Node {
			return Li(Class("activity-"+e.Kind), cpTime(e.At), g.Text(" "), Span(Class("what"), g.Text(cpActivityText(e))))
		}))),
	}
}

// cpActivityText says what an activity event was, in words for the contact's agent.
func cpActivityText(e *app.ActivityEvent) string {
	switch e.Kind {
	case app.ActivityPortalLogin:
		return "Logged into the portal"
	case app.ActivityMessageIn:
		return "Sent a message"
	case app.ActivityMessageOut:
		return "You sent a message"
	case app.ActivityMessageRead:
		if e.Detail != "" {
			return "Read your messages (" + e.Detail + ")"
		}
		return "Read your messages"
	case app.ActivityDetailsChanged:
		if e.Detail != "" {
			return "Changed their details: " + e.Detail
		}
		return "Changed their details"
	case app.ActivityInvited:
		return "Invited to the portal"
	}
	if e.Detail != "" {
		return e.Kind + ": " + e.Detail
	}
	return e.Kind
}

func cpWhen(t time.Time) string { return t.Local().Format("Jan 2, 2006 15:04") }

func cpTime(t time.Time) g.Node {
	return Time(Class("when"), DateTime(t.UTC().Format(time.RFC3339)), g.Text(cpWhen(t)))
}
