package web

import (
	"net/http"
	"net/url"

	"agentbook/app"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

// confirmRemoveContact: GET /contacts/:id/remove — asks before removing, naming the contact.
func (s *Server) confirmRemoveContact(c echo.Context) error {
	ct, _, err := s.loadOwnContact(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.RemoveContactPage(views.RemoveContactProps{PageProps: pageProps(c), Contact: ct}))
}

// removeContact: POST /contacts/:id/remove — removes it and returns to the list with Undo.
func (s *Server) removeContact(c echo.Context) error {
	token, _, err := s.contacts.Remove(c.Request().Context(), currentUser(c).ID, c.Param("id"))
	if err != nil {
		return err
	}
	return redirect(c, "/contacts?undo="+url.QueryEscape(token))
}

// undoRemove: POST /contacts/undo — restores what a removal took, while it can.
func (s *Server) undoRemove(c echo.Context) error {
	restored, err := s.contacts.Undo(c.Request().Context(), currentUser(c).ID, c.FormValue("token"))
	if app.ErrorCode(err) == app.ENOTFOUND {
		return redirect(c, "/contacts?done=undo-expired")
	}
	if err != nil {
		return err
	}
	if len(restored) == 1 {
		return redirect(c, "/contacts/"+restored[0].ID+"?saved=restored")
	}
	return redirect(c, "/contacts?done=restored")
}

// confirmRemoveContacts: GET /contacts/remove?id=…&id=… — one confirmation for the selection.
func (s *Server) confirmRemoveContacts(c echo.Context) error {
	ids := c.QueryParams()["id"]
	if len(ids) == 0 {
		return redirect(c, "/contacts?done=none-selected")
	}
	if len(ids) > 1000 {
		return app.Errorf(app.EINVALID, "Select at most 1,000 contacts at a time.")
	}
	u := currentUser(c)
	var cs []*app.Contact
	for _, id := range ids {
		ct, err := s.contacts.Get(c.Request().Context(), u.ID, id)
		if err != nil {
			return err // another agent's or a missing ID: 404, nothing shown
		}
		cs = append(cs, ct)
	}
	return render(c, http.StatusOK, views.RemoveContactsPage(views.RemoveContactsProps{PageProps: pageProps(c), Contacts: cs}))
}

// removeContacts: POST /contacts/remove — removes the confirmed selection, with Undo.
func (s *Server) removeContacts(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil || len(form["id"]) == 0 || len(form["id"]) > 1000 {
		return app.Errorf(app.EINVALID, "Select between 1 and 1,000 contacts.")
	}
	token, _, err := s.contacts.Remove(c.Request().Context(), currentUser(c).ID, form["id"]...)
	if err != nil {
		return err
	}
	return redirect(c, "/contacts?undo="+url.QueryEscape(token))
}
