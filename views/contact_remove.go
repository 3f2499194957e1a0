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
