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
