package views

import (
	"agentbook/app"

	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

// ComposeProps fills the page where an agent writes an email to one or more contacts.
type ComposeProps struct {
	PageProps
	Contacts []*app.Contact // the recipients
	Action   string         // where the form posts
	Back     string         // where Cancel goes
	Subject  string
	Text     string
	Errors   map[string]string
	Message  string
	Result   *app.EmailResult // after sending
	Waiting  bool             // mail cannot leave this server yet (no sink, no relay)
}

// ComposePage is Email Contact: the recipients with the addresses that will get the message (and
// those that won't, with why), a subject, a message, and Send. After sending it shows the result.
func ComposePage(p ComposeProps) g.Node {
	p.Title, p.Nav = "Email", "contacts"
	if p.Result != nil {
		return Layout(p.PageProps,
			H1(g.Text("Email queued")),
			Div(ID("email-result"), Class("card"),
				Alert("success", queuedText(len(p.Result.Queued))),
				g.If(p.Waiting, Alert("info", "Mail waits in the outbox: this server has neither the SMTP sink nor a relay (--smtp-relay). It is sent once one is configured.")),
				recipientList("Sending to", p.Result.Queued),
				g.If(len(p.Result.Skipped) > 0, g.Group{
					H2(g.Text("Not sent")),
					recipientList("", p.Result.Skipped),
					P(A(Href("/contacts/email-addresses"), g.Text("Fix invalid addresses"))),
				}),
				P(A(Href(p.Back), ID("back"), Class("button"), g.Text("Back"))),
			),
		)
	}
	return Layout(p.PageProps,
		H1(g.Text("Email")),
		Form(ID("compose"), Class("card"), Method("post"), Action(p.Action),
			CSRFField(p.CSRF),
			Alert("error", p.Message),
			Div(Class("field"),
				Span(Class("label"), g.Text("To")),
				Ul(ID("recipients"), Class("plain recipients"), g.Map(p.Contacts, func(c *app.Contact) g.Node {
					return Li(Input(Type("hidden"), Name("id"), Value(c.ID)), Strong(g.Text(c.DisplayName())), g.Text(" "), recipientAddresses(c))
				})),
			),
			FieldInput(Field{Label: "Subject", Name: "subject", Value: p.Subject, Error: p.Errors["subject"], Required: true, ID: "compose-subject"}),
			Div(Class("field"+errClass(p.Errors["text"])),
				Label(For("compose-text"), g.Text("Message")),
				Textarea(ID("compose-text"), Name("text"), Rows("10"), Required(),
					g.If(p.Errors["text"] != "", g.Group{Aria("invalid", "true"), Aria("describedby", "compose-text-err")}), g.Text(p.Text)),
				g.If(p.Errors["text"] != "", Span(ID("compose-text-err"), Class("error"), g.Text(p.Errors["text"]))),
				Small(Class("hint"), g.Text("Your name, email and phone are added below the message.")),
			),
			Div(Class("form-actions"),
				Button(Type("submit"), Class("primary"), ID("send-email"), g.Text("Send")),
				A(Href(p.Back), g.Text("Cancel")),
			),
		),
	)
}

func queuedText(n int) string {
	if n == 1 {
		return "Your email is in the outbox for 1 address. Its delivery shows on the contact's page."
	}
	return "Your email is in the outbox for " + thousands(n) + " addresses. Each delivery shows on the contact's page."
}

// recipientAddresses lists the addresses of c that get mail (primary and Notify), marking the
// ones that will be skipped.
func recipientAddresses(c *app.Contact) g.Node {
	var nodes g.Group
	for _, e := range c.Emails {
		if !e.Primary && !e.Notify {
			continue
		}
		switch {
		case c.Status != app.StatusActive:
			nodes = append(nodes, Span(Class("addr skipped"), g.Textf("%s (inactive contact: not sent)", e.Address)))
		case e.Status == app.EmailInvalid:
			nodes = append(nodes, Span(Class("addr skipped"), g.Textf("%s (invalid: not sent)", e.Address)))
		default:
			nodes = append(nodes, Span(Class("addr"), g.Text(e.Address)))
		}
	}
	if len(nodes) == 0 {
		return Span(Class("addr skipped"), g.Text("no email address"))
	}
	return nodes
}

func recipientList(label string, rs []app.Recipient) g.Node {
	if len(rs) == 0 {
		return nil
	}
	return Ul(Class("plain recipients"), g.If(label != "", Aria("label", label)), g.Map(rs, func(r app.Recipient) g.Node {
		return Li(A(Href("/contacts/"+r.ContactID), g.Text(r.Name)), g.If(r.Address != "", g.Textf(" — %s", r.Address)),
			g.If(r.Reason != "", Span(Class("reason"), g.Textf(": %s", r.Reason))))
	}))
}

// EmailActivity is the contact's sent mail on their page: when, subject, address and status.
func EmailActivity(ms []*app.OutMessage) g.Node {
	return Section(ID("email-activity"), Class("card"),
		H2(g.Text("Email activity")),
		g.If(len(ms) == 0, P(Class("muted"), g.Text("No email sent to this contact yet."))),
		g.If(len(ms) > 0, Div(Class("table-wrap"), Table(
			THead(Tr(Th(Scope("col"), g.Text("When")), Th(Scope("col"), g.Text("Subject")), Th(Scope("col"), g.Text("To")), Th(Scope("col"), g.Text("Status")))),
			TBody(g.Map(ms, func(m *app.OutMessage) g.Node {
				return Tr(Class("activity-row"),
					Td(Class("when"), g.Text(m.CreatedAt.Local().Format("Jan 2, 2006 15:04"))),
					Td(g.Text(m.Subject)),
					Td(g.Text(m.To)),
					Td(Span(Class("status status-"+m.Status), g.Text(mailStatusText(m.Status))),
						g.If(m.Reason != "", Small(Class("reason"), g.Text(" "+m.Reason)))),
				)
			})),
		))),
	)
}

func mailStatusText(s string) string {
	switch s {
	case app.MailQueued:
		return "Queued"
	case app.MailSent:
		return "Sent"
	case app.MailBounced:
		return "Bounced"
	case app.MailFailed:
		return "Failed"
	case app.MailNotSent:
		return "Not sent"
	}
	return s
}
