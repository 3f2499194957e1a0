package web

import (
	"net/http"
	"strconv"

	"agentbook/app"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

// listView is how the agent's list shows rows: their columns and group names.
func (s *Server) listView(c echo.Context, rows ...*app.Contact) (views.ListView, error) {
	u := currentUser(c)
	gs, err := s.contacts.Groups(c.Request().Context(), u.ID)
	if err != nil {
		return views.ListView{}, err
	}
	cols, err := s.columns(c)
	if err != nil {
		return views.ListView{}, err
	}
	// The rows the view will draw get their portal accounts for the Portal column.
	portal, err := s.portalAccounts(c.Request().Context(), u.ID, cols, rows)
	if err != nil {
		return views.ListView{}, err
	}
	activity, err := s.activityRows(c.Request().Context(), u.ID, cols, rows)
	return views.ListView{Columns: cols, GroupNames: groupNames(gs), Portal: portal, Activity: activity}, err
}

func (s *Server) loadOwnContact(c echo.Context) (*app.Contact, map[string]string, error) {
	u := currentUser(c)
	ctx := c.Request().Context()
	contact, err := s.contacts.Get(ctx, u.ID, c.Param("id"))
	if err != nil {
		return nil, nil, err
	}
	gs, err := s.contacts.Groups(ctx, u.ID)
	if err != nil {
		return nil, nil, err
	}
	return contact, groupNames(gs), nil
}

// showContactRow returns a contact's list row (Cancel of an inline edit).
func (s *Server) showContactRow(c echo.Context) error {
	contact, _, err := s.loadOwnContact(c)
	if err != nil {
		return err
	}
	view, err := s.listView(c, contact)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.ContactRow(contact, view, false))
}

// editContactRow turns a row into its inline edit form.
func (s *Server) editContactRow(c echo.Context) error {
	contact, _, err := s.loadOwnContact(c)
	if err != nil {
		return err
	}
	view, err := s.listView(c, contact)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.ContactEditRow(views.RowEditProps{Contact: contact, View: view,
		FirstName: contact.FirstName, LastName: contact.LastName, Email: contact.PrimaryEmail(),
		Phone: contact.PrimaryPhone(), Version: contact.Version}))
}

// saveContactRow saves an inline edit: names, primary email and primary phone. Errors and
// conflicts come back in the row (status 200 so htmx swaps it) with what the user typed.
func (s *Server) saveContactRow(c echo.Context) error {
	u := currentUser(c)
	contact, _, err := s.loadOwnContact(c)
	if err != nil {
		return err
	}
	view, err := s.listView(c, contact)
	if err != nil {
		return err
	}
	in := views.RowEditProps{Contact: contact, View: view, FirstName: c.FormValue("first_name"),
		LastName: c.FormValue("last_name"), Email: c.FormValue("email"), Phone: c.FormValue("phone")}
	in.Version, _ = strconv.ParseInt(c.FormValue("version"), 10, 64)
	next := *contact
	next.Version = in.Version
	next.FirstName, next.LastName = in.FirstName, in.LastName
	next.Emails = append([]app.Email(nil), contact.Emails...)
	switch email := app.NormalizeEmail(in.Email); {
	case email == "" && len(next.Emails) > 0:
		next.Emails = next.Emails[1:] // clearing the primary promotes the next address
	case email != "" && len(next.Emails) == 0:
		next.Emails = []app.Email{{Address: email, Label: "Home"}}
	case email != "":
		if app.EmailKey(next.Emails[0].Address) != app.EmailKey(email) {
			next.Emails[0] = app.Email{Address: email, Label: next.Emails[0].Label, Notify: true}
		}
	}
	next.Phones = append([]app.Phone(nil), contact.Phones...)
	switch phone := in.Phone; {
	case phone == "" && len(next.Phones) > 0:
		next.Phones = next.Phones[1:]
	case phone != "" && len(next.Phones) == 0:
		next.Phones = []app.Phone{{Number: phone, Label: "Mobile"}}
	case phone != "":
		next.Phones[0].Number = phone
	}
	saved, err := s.contacts.Update(c.Request().Context(), u.ID, &next)
	switch app.ErrorCode(err) {
	case "":
		return render(c, http.StatusOK, views.ContactRow(saved, view, false))
	case app.EINVALID:
		in.Errors = rowFields(app.ErrorFields(err))
		in.Message = "Please correct the highlighted fields."
	case app.ECONFLICT:
		in.Message = app.ErrorMessage(err)
		in.Version = contact.Version // Save again applies this input over the current version
	default:
		return err
	}
	return render(c, http.StatusOK, views.ContactEditRow(in))
}

func rowFields(f map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range f {
		switch k {
		case "emails[0].address":
			out["email"] = v
		case "phones[0].number":
			out["phone"] = v
		case "first_name", "last_name":
			out[k] = v
		default:
			if _, ok := out["email"]; !ok && len(k) > 6 && k[:6] == "emails" {
				out["email"] = v
			}
		}
	}
	return out
}
