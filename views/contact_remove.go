package views

import (
	"agentbook/app"

	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

// RemoveContactProps fills the confirmation asked before a contact is removed.
type RemoveContactProps struct {
	PageProps
	Contact *app.Contact
}

// RemoveContactPage names the contact and asks to confirm its removal.
func RemoveContactPage(p RemoveContactProps) g.Node {
	c := p.Contact
	p.Title, p.Nav = "Remove "+c.DisplayName(), "contacts"
	return Layout(p.PageProps, Section(Class("card narrow"),
		H1(g.Textf("Remove %s?", c.DisplayName())),
		P(g.Text("The contact and everything about it are deleted. You can undo this for a few seconds afterwards. To keep the contact but hide it, deactivate it instead.")),
		Form(Method("post"), Action("/contacts/"+c.ID+"/remove"), Class("form-actions"),
			CSRFField(p.CSRF),
			Button(Type("submit"), Class("danger"), ID("confirm-remove"), g.Textf("Remove %s", c.DisplayName())),
			A(Href("/contacts/"+c.ID), g.Text("Cancel")),
		),
	))
}

// UndoNotice says what was removed and offers Undo while it can still be undone.
type UndoNotice struct {
	Text  string
	Token string
}

func undoNotice(u *UndoNotice, csrf string) g.Node {
	if u == nil {
		return nil
	}
	return Div(Class("alert alert-info undo"), Role("status"), ID("undo-notice"),
		Span(g.Text(u.Text+" ")),
		Form(Method("post"), Action("/contacts/undo"), Class("inline"),
			CSRFField(csrf),
			Input(Type("hidden"), Name("token"), Value(u.Token)),
			Button(Type("submit"), Class("small"), ID("undo-remove"), g.Text("Undo")),
		),
	)
}

// RemoveContactsProps fills the one confirmation for removing several selected contacts.
type RemoveContactsProps struct {
	PageProps
	Contacts []*app.Contact
}

// RemoveContactsPage shows the count and the names and asks once.
func RemoveContactsPage(p RemoveContactsProps) g.Node {
	n := len(p.Contacts)
	p.Title, p.Nav = "Remove contacts", "contacts"
	return Layout(p.PageProps, Section(Class("card narrow"),
		H1(g.Textf("Remove %d contact%s?", n, plural(n))),
		Ul(g.Map(p.Contacts, func(c *app.Contact) g.Node { return Li(g.Text(c.DisplayName())) })),
		P(g.Text("They and everything about them are deleted. You can undo this for a few seconds afterwards.")),
		Form(Method("post"), Action("/contacts/remove"), Class("form-actions"),
			CSRFField(p.CSRF),
			g.Map(p.Contacts, func(c *app.Contact) g.Node { return Input(Type("hidden"), Name("id"), Value(c.ID)) }),
			Button(Type("submit"), Class("danger"), ID("confirm-remove-many"), g.Textf("Remove %d contact%s", n, plural(n))),
			A(Href("/contacts"), g.Text("Cancel")),
		),
	))
}
