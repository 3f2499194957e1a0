package web

import (
	"net/http"
	"net/url"

	"agentbook/app"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

// quickAddContact handles the Quick Add bar. Invalid input and duplicate warnings re-render the
// bar (status 200, so htmx swaps it) with what the user typed.
func (s *Server) quickAddContact(c echo.Context) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	in := views.QuickAddProps{CSRF: csrfToken(c), FirstName: c.FormValue("first_name"), LastName: c.FormValue("last_name"), Email: c.FormValue("email"),
		Portal: c.FormValue("portal") == "1" && s.opt.Portal != nil}
	contact := &app.Contact{FirstName: in.FirstName, LastName: in.LastName}
	if email := app.NormalizeEmail(in.Email); email != "" {
		contact.Emails = []app.Email{{Address: email, Label: "Home"}}
	}
	fe := app.FieldErrors{}
	if contact.FirstName == "" && contact.LastName == "" {
		fe.Add("first_name", "Enter a first or last name.")
	}
	if in.Email != "" {
		if msg := app.EmailSyntaxError(app.NormalizeEmail(in.Email)); msg != "" {
			fe.Add("email", msg)
		}
	}
	if len(fe) > 0 {
		in.Errors = fe
		return s.renderQuickAdd(c, in)
	}
	if c.FormValue("force") != "1" && len(contact.Emails) > 0 {
		dups, err := s.contacts.WithEmail(ctx, u.ID, contact.Emails[0].Address)
		if err != nil {
			return err
		}
		if len(dups) > 0 {
			in.Duplicates = dups
			return s.renderQuickAdd(c, in)
		}
	}
	created, err := s.contacts.Create(ctx, u.ID, contact)
	if app.ErrorCode(err) == app.EINVALID {
		in.Errors = quickAddFields(app.ErrorFields(err))
		return s.renderQuickAdd(c, in)
	}
	if err != nil {
		return err
	}
	added := views.QuickAddProps{CSRF: csrfToken(c), Added: created}
	if in.Portal {
		added.Invited, added.PortalNote = s.quickAddPortal(c, created)
	}
	view, err := s.listView(c, created)
	if err != nil {
		return err
	}
	if !isHX(c) {
		// Without JavaScript there is no confirmation, of the contact or of its portal: the new
		// contact is in the list, and its page shows the portal account or why there is none.
		return c.Redirect(http.StatusSeeOther, "/contacts")
	}
	// The count on screen is of the list as filtered; only an unfiltered one is updated.
	total := -1
	if !filtered(c.Request().Header.Get("HX-Current-URL")) {
		res, err := s.contacts.List(ctx, app.ContactQuery{OwnerID: u.ID, Status: app.StatusActive, Limit: 1})
		if err != nil {
			return err
		}
		total = res.Total
	}
	return render(c, http.StatusOK, views.QuickAddAdded(added, created, view, total))
}

// filtered reports whether the page at u lists contacts with a text, group or status filter.
func filtered(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	q := p.Query()
	st := q.Get("status")
	return q.Get("q") != "" || q.Get("group") != "" || (st != "" && st != string(app.StatusActive))
}

// quickAddFields maps the contact's field names onto the Quick Add inputs.
func quickAddFields(f map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range f {
		switch k {
		case "emails[0].address":
			out["email"] = v
		default:
			out[k] = v
		}
	}
	return out
}

func (s *Server) renderQuickAdd(c echo.Context, in views.QuickAddProps) error {
	if !isHX(c) {
		// Without JavaScript: the whole page, with the bar showing the input and messages.
		list, err := s.loadList(c)
		if err != nil {
			return err
		}
		return render(c, http.StatusUnprocessableEntity, views.ContactsPage(views.ContactsProps{PageProps: pageProps(c), QuickAdd: in, List: list}))
	}
	return render(c, http.StatusOK, views.QuickAddForm(in))
}
