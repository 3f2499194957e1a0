package web

import (
	"net/http"

	"agentbook/app"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

// showInvalidEmails: GET /contacts/email-addresses — View Email Addresses, the Action Required list.
func (s *Server) showInvalidEmails(c echo.Context) error {
	items, err := s.contacts.InvalidEmails(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.InvalidEmailsPage(views.InvalidEmailsProps{PageProps: pageProps(c), Items: items}))
}

// invalidEmail finds the address named by the "address" parameter on the agent's contact.
func (s *Server) invalidEmail(c echo.Context) (app.InvalidEmail, error) {
	ct, _, err := s.loadOwnContact(c)
	if err != nil {
		return app.InvalidEmail{}, err
	}
	address := c.FormValue("address")
	for _, e := range ct.Emails {
		if app.EmailKey(e.Address) == app.EmailKey(address) {
			return app.InvalidEmail{Contact: ct, Email: e}, nil
		}
	}
	return app.InvalidEmail{}, app.Errorf(app.ENOTFOUND, "The contact no longer has the address %s.", address)
}

// editInvalidEmail: GET /contacts/:id/emails/edit?address=… — the row as a form.
func (s *Server) editInvalidEmail(c echo.Context) error {
	ie, err := s.invalidEmail(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.InvalidEmailEditRow(ie, ie.Email.Address, ""))
}

// showInvalidEmailRow: GET /contacts/:id/emails/row?address=… — Cancel puts the row back.
func (s *Server) showInvalidEmailRow(c echo.Context) error {
	ie, err := s.invalidEmail(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.InvalidEmailRow(ie))
}

// fixInvalidEmail: POST /contacts/:id/emails/fix (address, new_address) — checks the new address
// on the spot; a refused one keeps the form with what was typed and why.
func (s *Server) fixInvalidEmail(c echo.Context) error {
	ie, err := s.invalidEmail(c)
	if err != nil {
		return err
	}
	typed := c.FormValue("new_address")
	_, err = s.contacts.FixEmail(c.Request().Context(), currentUser(c).ID, ie.Contact.ID, ie.Email.Address, typed)
	if app.ErrorCode(err) == app.EINVALID {
		msg := app.ErrorFields(err)["address"]
		if msg == "" {
			msg = app.ErrorMessage(err)
		}
		return render(c, http.StatusOK, views.InvalidEmailEditRow(ie, typed, msg))
	}
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.InvalidEmailDoneRow(ie, "Saved "+app.NormalizeEmail(typed)+" in place of "+ie.Email.Address+"."))
}

// removeInvalidEmail: POST /contacts/:id/emails/remove (address) — secondary addresses only.
func (s *Server) removeInvalidEmail(c echo.Context) error {
	ie, err := s.invalidEmail(c)
	if err != nil {
		return err
	}
	if _, err := s.contacts.RemoveEmail(c.Request().Context(), currentUser(c).ID, ie.Contact.ID, ie.Email.Address); err != nil {
		return err
	}
	return render(c, http.StatusOK, views.InvalidEmailDoneRow(ie, "Removed "+ie.Email.Address+"."))
}
