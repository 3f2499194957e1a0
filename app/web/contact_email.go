package web

import (
	"net/http"

	"agentbook/app"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

// showCompose: GET /contacts/:id/email — write an email to one contact.
func (s *Server) showCompose(c echo.Context) error {
	ct, _, err := s.loadOwnContact(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.ComposePage(s.composeProps(c, []*app.Contact{ct})))
}

// showComposeMany: GET /contacts/email?id=…&id=… — write one email to the selected contacts.
func (s *Server) showComposeMany(c echo.Context) error {
	cs, err := s.selected(c, c.QueryParams()["id"])
	if err != nil || cs == nil {
		return err
	}
	return render(c, http.StatusOK, views.ComposePage(s.composeProps(c, cs)))
}

// selected loads the agent's contacts with the given IDs; none chosen sends the agent back to
// the list with a hint (and returns nil, nil).
func (s *Server) selected(c echo.Context, ids []string) ([]*app.Contact, error) {
	if len(ids) == 0 {
		return nil, redirect(c, "/contacts?done=none-selected-email")
	}
	if len(ids) > app.MaxEmailContacts {
		return nil, app.Errorf(app.EINVALID, "Select at most %d contacts at a time.", app.MaxEmailContacts)
	}
	u := currentUser(c)
	cs := make([]*app.Contact, 0, len(ids))
	for _, id := range ids {
		ct, err := s.contacts.Get(c.Request().Context(), u.ID, id)
		if err != nil {
			return nil, err // another agent's or a missing ID: 404, nothing shown
		}
		cs = append(cs, ct)
	}
	return cs, nil
}

func (s *Server) composeProps(c echo.Context, cs []*app.Contact) views.ComposeProps {
	p := views.ComposeProps{PageProps: pageProps(c), Contacts: cs, Action: "/contacts/email", Back: "/contacts", Waiting: s.opt.MailWaiting}
	if len(cs) == 1 && c.Param("id") != "" {
		p.Action, p.Back = "/contacts/"+cs[0].ID+"/email", "/contacts/"+cs[0].ID
	}
	return p
}

// emailContact: POST /contacts/:id/email.
func (s *Server) emailContact(c echo.Context) error {
	ct, _, err := s.loadOwnContact(c)
	if err != nil {
		return err
	}
	return s.sendCompose(c, []*app.Contact{ct})
}

// emailContacts: POST /contacts/email with the selected IDs.
func (s *Server) emailContacts(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return app.Errorf(app.EINVALID, "The form could not be read.")
	}
	cs, err := s.selected(c, form["id"])
	if err != nil || cs == nil {
		return err
	}
	return s.sendCompose(c, cs)
}

// sendCompose queues the email and shows where it went; an incomplete message re-renders the
// form with what the agent wrote.
func (s *Server) sendCompose(c echo.Context, cs []*app.Contact) error {
	p := s.composeProps(c, cs)
	p.Subject, p.Text = c.FormValue("subject"), c.FormValue("text")
	ids := make([]string, len(cs))
	for i, ct := range cs {
		ids[i] = ct.ID
	}
	res, err := s.contacts.EmailContacts(c.Request().Context(), currentUser(c), ids, app.Compose{Subject: p.Subject, Text: p.Text})
	if app.ErrorCode(err) == app.EINVALID {
		p.Errors, p.Message = app.ErrorFields(err), app.ErrorMessage(err)
		return render(c, http.StatusUnprocessableEntity, views.ComposePage(p))
	}
	if err != nil {
		return err
	}
	p.Result = res
	return render(c, http.StatusOK, views.ComposePage(p))
}

// apiEmailContact: POST /api/v1/contacts/:id/email with {"subject","text"} → 202 with where it
// was queued and what was skipped.
func (s *Server) apiEmailContact(c echo.Context) error {
	var in app.Compose
	if err := c.Bind(&in); err != nil {
		return app.Errorf(app.EINVALID, "The body must be JSON with subject and text.")
	}
	u := currentUser(c)
	if _, err := s.contacts.Get(c.Request().Context(), u.ID, c.Param("id")); err != nil {
		return err
	}
	res, err := s.contacts.EmailContacts(c.Request().Context(), u, []string{c.Param("id")}, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, res)
}
