package views

import (
	"net/url"
	"strconv"

	"agentbook/app"

	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

// ActionRequiredBanner is the blue banner on the Contact Management page while any of the agent's
// contacts has an invalid address; nothing when count is 0.
func ActionRequiredBanner(count int) g.Node {
	if count == 0 {
		return nil
	}
	return Div(ID("action-required"), Class("banner action-required"), Role("alert"),
		Strong(g.Text("Action Required")),
		Span(g.Textf(" %s contact%s %s an invalid email address. Mail to %s is not sent until it is fixed.",
			thousands(count), plural(count), map[bool]string{true: "has", false: "have"}[count == 1],
			map[bool]string{true: "it", false: "them"}[count == 1])),
		A(Href("/contacts/email-addresses"), ID("view-email-addresses"), Class("button"), g.Text("View Email Addresses")),
	)
}

// InvalidEmailsProps fills the View Email Addresses page.
type InvalidEmailsProps struct {
	PageProps
	Items []app.InvalidEmail
}

// InvalidEmailsPage lists every invalid address of the agent's contacts with Edit and Remove,
// and Done to go back to the list.
func InvalidEmailsPage(p InvalidEmailsProps) g.Node {
	p.Title, p.Nav = "Invalid Email Addresses", "contacts"
	return Layout(p.PageProps,
		Div(Class("page-head"),
			H1(g.Text("Invalid Email Addresses")),
			Div(Class("head-actions"), A(Href("/contacts"), ID("done"), Class("button primary"), g.Text("Done"))),
		),
		P(Class("lead"), g.Text("Mail to these addresses can't be delivered, so agentbook does not send to them. "+
			"Edit an address to correct it (it is checked as you save), or remove an extra address the contact no longer uses.")),
		Div(Class("table-wrap"),
			Table(Class("invalid-emails"),
				THead(Tr(
					Th(Scope("col"), g.Text("Contact")),
					Th(Scope("col"), g.Text("Email address")),
					Th(Scope("col"), g.Text("Why it is invalid")),
					Th(Scope("col"), g.Text("Found")),
					Th(Scope("col"), Class("actions"), Span(Class("sr-only"), g.Text("Actions"))),
				)),
				TBody(ID("invalid-rows"),
					g.Map(p.Items, func(ie app.InvalidEmail) g.Node { return InvalidEmailRow(ie) }),
					g.If(len(p.Items) == 0, Tr(Td(ColSpan("5"), Class("empty"), g.Text("Every address is fine. Nothing to do.")))),
				),
			),
		),
	)
}

func invalidRowID(ie app.InvalidEmail) string {
	return "invalid-" + ie.Contact.ID + "-" + strconv.Itoa(emailPos(ie.Contact, ie.Email.Address))
}

func emailPos(c *app.Contact, address string) int {
	for i, e := range c.Emails {
		if app.EmailKey(e.Address) == app.EmailKey(address) {
			return i
		}
	}
	return 0
}

func emailQuery(address string) string { return "?address=" + url.QueryEscape(address) }

// InvalidEmailRow is one invalid address with Edit and (for a secondary address) Remove.
func InvalidEmailRow(ie app.InvalidEmail) g.Node {
	c, e := ie.Contact, ie.Email
	base := "/contacts/" + c.ID + "/emails"
	return Tr(ID(invalidRowID(ie)), Class("invalid-row"),
		Td(A(Href("/contacts/"+c.ID), g.Text(c.DisplayName()))),
		Td(Class("address"), g.Text(e.Address), g.If(e.Primary, Span(Class("badge"), g.Text("Primary")))),
		Td(Class("reason"), g.Text(e.Reason)),
		Td(Class("when"), g.If(!e.CheckedAt.IsZero(), g.Text(e.CheckedAt.Local().Format("Jan 2, 15:04")))),
		Td(Class("actions"),
			Button(Type("button"), Class("small edit-email"), hx("get", base+"/edit"+emailQuery(e.Address)),
				hx("target", "closest tr"), hx("swap", "outerHTML"), Aria("label", "Edit "+e.Address), g.Text("Edit")),
			g.If(!e.Primary, Button(Type("button"), Class("small remove-email"), hx("post", base+"/remove"),
				hx("vals", `{"address":"`+jsonEscape(e.Address)+`"}`), hx("target", "closest tr"), hx("swap", "outerHTML"),
				hx("confirm", "Remove "+e.Address+" from "+c.DisplayName()+"?"),
				Aria("label", "Remove "+e.Address), g.Text("Remove"))),
		),
	)
}

// InvalidEmailEditRow is the row turned into a form: the new address, Save and Cancel. It keeps
// what the agent typed and shows why it was refused.
func InvalidEmailEditRow(ie app.InvalidEmail, value, errMsg string) g.Node {
	c, e := ie.Contact, ie.Email
	base := "/contacts/" + c.ID + "/emails"
	id := "fix-" + invalidRowID(ie)
	return Tr(ID(invalidRowID(ie)), Class("invalid-row editing"),
		Td(A(Href("/contacts/"+c.ID), g.Text(c.DisplayName()))),
		Td(ColSpan("3"),
			Form(Class("fix-email"), g.Attr("novalidate"), hx("post", base+"/fix"), hx("target", "closest tr"), hx("swap", "outerHTML"),
				Input(Type("hidden"), Name("address"), Value(e.Address)),
				Div(Class("field grow"+errClass(errMsg)),
					Label(For(id), g.Textf("New address for %s", e.Address)),
					Input(ID(id), Type("email"), Name("new_address"), Value(value), Required(), AutoFocus(), AutoComplete("off"),
						g.If(errMsg != "", g.Group{Aria("invalid", "true"), Aria("describedby", id+"-err")})),
					g.If(errMsg != "", Span(ID(id+"-err"), Class("error"), g.Text(errMsg))),
				),
				Div(Class("row-actions"),
					Button(Type("submit"), Class("small primary save-email"), g.Text("Save")),
					Button(Type("button"), Class("small"), hx("get", base+"/row"+emailQuery(e.Address)), hx("target", "closest tr"),
						hx("swap", "outerHTML"), g.Text("Cancel")),
				),
			),
		),
		Td(),
	)
}

// InvalidEmailDoneRow replaces a row once its address is fixed or removed.
func InvalidEmailDoneRow(ie app.InvalidEmail, msg string) g.Node {
	return Tr(ID(invalidRowID(ie)), Class("invalid-row fixed"),
		Td(A(Href("/contacts/"+ie.Contact.ID), g.Text(ie.Contact.DisplayName()))),
		Td(ColSpan("4"), Span(Class("ok"), Role("status"), g.Text("✓ "+msg))),
	)
}
