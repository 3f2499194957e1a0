package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"path"
	"strconv"

	"agentbook/app"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

// newRowKey returns a fresh key tying one email, phone or address row's inputs together.
func newRowKey() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// validKey accepts the keys newRowKey makes (and nothing that could surprise an ID or a name).
func validKey(k string) bool {
	if k == "" || len(k) > 16 {
		return false
	}
	for _, r := range k {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

// parseContactForm reads the Add Contact / Contact Details form into a contact and into the rows
// to show again. Blank rows are dropped first, so row i of the form is entry i of the contact and
// field errors such as emails[1].address land on the right row.
func parseContactForm(c echo.Context) (*app.Contact, views.ContactInput, error) {
	form, err := c.FormParams()
	if err != nil {
		return nil, views.ContactInput{}, app.Errorf(app.EINVALID, "The form could not be read.")
	}
	in := views.ContactInput{FirstName: form.Get("first_name"), MiddleName: form.Get("middle_name"),
		LastName: form.Get("last_name"), Company: form.Get("company"), Title: form.Get("title"),
		Notes: form.Get("notes"), Birthday: form.Get("birthday"), ReverseProspecting: form.Get("reverse_prospecting") == "1"}
	in.Version, _ = strconv.ParseInt(form.Get("version"), 10, 64)
	ct := &app.Contact{FirstName: in.FirstName, MiddleName: in.MiddleName, LastName: in.LastName,
		Company: in.Company, Title: in.Title, Notes: in.Notes, Birthday: in.Birthday,
		ReverseProspecting: in.ReverseProspecting, Version: in.Version}
	for _, k := range form["email_key"] {
		if !validKey(k) {
			continue
		}
		r := views.EmailRow{Key: k, Address: form.Get("email_address_" + k), Label: form.Get("email_label_" + k),
			Notify: form.Get("email_notify_"+k) == "1"}
		if blank(r.Address) && blank(r.Label) {
			continue
		}
		in.Emails = append(in.Emails, r)
		ct.Emails = append(ct.Emails, app.Email{Address: r.Address, Label: r.Label, Notify: r.Notify})
	}
	for _, k := range form["phone_key"] {
		if !validKey(k) {
			continue
		}
		r := views.PhoneRow{Key: k, Number: form.Get("phone_number_" + k), Label: form.Get("phone_label_" + k)}
		if blank(r.Number) {
			continue
		}
		in.Phones = append(in.Phones, r)
		ct.Phones = append(ct.Phones, app.Phone{Number: r.Number, Label: r.Label})
	}
	for _, k := range form["address_key"] {
		if !validKey(k) {
			continue
		}
		r := views.AddressRow{Key: k, Label: form.Get("address_label_" + k), Street: form.Get("address_street_" + k),
			City: form.Get("address_city_" + k), Region: form.Get("address_region_" + k),
			PostalCode: form.Get("address_postal_" + k), Country: form.Get("address_country_" + k)}
		if blank(r.Street + r.City + r.Region + r.PostalCode + r.Country) {
			continue
		}
		in.Addresses = append(in.Addresses, r)
		ct.Addresses = append(ct.Addresses, app.Address{Label: r.Label, Street: r.Street, City: r.City,
			Region: r.Region, PostalCode: r.PostalCode, Country: r.Country})
	}
	return ct, in, nil
}

func blank(s string) bool {
	for _, r := range s {
		if r != ' ' && r != '\t' && r != '\r' && r != '\n' {
			return false
		}
	}
	return true
}

// inputOf shows a stored contact in the form, with an empty email and phone row to fill in.
func inputOf(ct *app.Contact) views.ContactInput {
	in := views.ContactInput{FirstName: ct.FirstName, MiddleName: ct.MiddleName, LastName: ct.LastName,
		Company: ct.Company, Title: ct.Title, Notes: ct.Notes, Birthday: ct.Birthday,
		ReverseProspecting: ct.ReverseProspecting, Version: ct.Version}
	for _, e := range ct.Emails {
		in.Emails = append(in.Emails, views.EmailRow{Key: newRowKey(), Address: e.Address, Label: e.Label, Notify: e.Notify, Status: e.Status, Reason: e.Reason})
	}
	for _, p := range ct.Phones {
		in.Phones = append(in.Phones, views.PhoneRow{Key: newRowKey(), Number: p.Number, Label: p.Label})
	}
	for _, a := range ct.Addresses {
		in.Addresses = append(in.Addresses, views.AddressRow{Key: newRowKey(), Label: a.Label, Street: a.Street,
			City: a.City, Region: a.Region, PostalCode: a.PostalCode, Country: a.Country})
	}
	if len(in.Emails) == 0 {
		in.Emails = []views.EmailRow{{Key: newRowKey(), Label: "Home"}}
	}
	if len(in.Phones) == 0 {
		in.Phones = []views.PhoneRow{{Key: newRowKey(), Label: "Mobile"}}
	}
	return in
}

// withBlankRows keeps at least one email and phone row on a re-rendered form.
func withBlankRows(in views.ContactInput) views.ContactInput {
	if len(in.Emails) == 0 {
		in.Emails = []views.EmailRow{{Key: newRowKey(), Label: "Home"}}
	}
	if len(in.Phones) == 0 {
		in.Phones = []views.PhoneRow{{Key: newRowKey(), Label: "Mobile"}}
	}
	return in
}

// showNewContactPage: GET /contacts/new, the Add Contact form.
func (s *Server) showNewContactPage(c echo.Context) error {
	return render(c, http.StatusOK, views.ContactFormPage(views.ContactFormProps{PageProps: pageProps(c),
		Input: inputOf(&app.Contact{})}))
}

// createContact: POST /contacts/new.
func (s *Server) createContact(c echo.Context) error {
	ct, in, err := parseContactForm(c)
	if err != nil {
		return err
	}
	created, err := s.contacts.Create(c.Request().Context(), currentUser(c).ID, ct)
	if code := app.ErrorCode(err); code == app.EINVALID {
		return render(c, http.StatusUnprocessableEntity, views.ContactFormPage(views.ContactFormProps{PageProps: pageProps(c),
			Input: withBlankRows(in), Errors: app.ErrorFields(err), Message: app.ErrorMessage(err)}))
	} else if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/contacts/"+created.ID+"?saved=added")
}

// showContactPage: GET /contacts/:id, a contact's details.
func (s *Server) showContactPage(c echo.Context) error {
	ct, names, err := s.loadOwnContact(c)
	if err != nil {
		return err
	}
	p, err := s.contactPageProps(c, ct, names)
	if err != nil {
		return err
	}
	switch c.QueryParam("saved") {
	case "added":
		p.Notice = "Contact added."
	case "1":
		p.Notice = "Contact saved."
	case "deactivated":
		p.Notice = "Contact deactivated. Everything is kept; it is listed under the Inactive status and gets no notifications."
	case "reactivated":
		p.Notice = "Contact reactivated."
	case "restored":
		p.Notice = "Contact restored."
	case "groups":
		p.Notice = "Groups saved."
	case "search":
		p.Notice = "Saved search saved."
	case "search-removed":
		p.Notice = "Saved search removed."
	default:
		p.Notice = portalNotice(c.QueryParam("saved"))
	}
	return render(c, http.StatusOK, views.ContactFormPage(p))
}

// contactPageProps loads everything a contact's page shows besides the contact itself.
func (s *Server) contactPageProps(c echo.Context, ct *app.Contact, names map[string]string) (views.ContactFormProps, error) {
	ctx, owner := c.Request().Context(), currentUser(c).ID
	all, err := s.contacts.Groups(ctx, owner)
	if err != nil {
		return views.ContactFormProps{}, err
	}
	mail, err := s.contacts.ContactMail(ctx, owner, ct.ID)
	if err != nil {
		return views.ContactFormProps{}, err
	}
	p := views.ContactFormProps{PageProps: pageProps(c), Contact: ct, Input: inputOf(ct), GroupName: names, AllGroups: all, Mail: mail}
	if s.opt.Listings != nil {
		if p.Searches, err = s.opt.Listings.SearchesOf(ctx, owner, ct.ID); err != nil {
			return views.ContactFormProps{}, err
		}
	}
	if s.opt.Portal != nil {
		if p.Portal, err = s.contactPortal(ctx, owner, ct.ID); err != nil {
			return views.ContactFormProps{}, err
		}
	}
	return p, nil
}

// saveContact: POST /contacts/:id. Invalid input and conflicts re-render the form with what the
// user typed; a conflict never overwrites the other change.
func (s *Server) saveContact(c echo.Context) error {
	cur, names, err := s.loadOwnContact(c)
	if err != nil {
		return err
	}
	ct, in, err := parseContactForm(c)
	if err != nil {
		return err
	}
	next := *cur // fields the form does not show (groups, status) are kept
	next.FirstName, next.MiddleName, next.LastName = ct.FirstName, ct.MiddleName, ct.LastName
	next.Company, next.Title, next.Notes, next.Birthday = ct.Company, ct.Title, ct.Notes, ct.Birthday
	next.Emails, next.Phones, next.Addresses = ct.Emails, ct.Phones, ct.Addresses
	next.ReverseProspecting, next.Version = ct.ReverseProspecting, ct.Version
	_, err = s.contacts.Update(c.Request().Context(), currentUser(c).ID, &next)
	switch app.ErrorCode(err) {
	case "":
		return c.Redirect(http.StatusSeeOther, "/contacts/"+cur.ID+"?saved=1")
	case app.EINVALID, app.ECONFLICT:
		p := views.ContactFormProps{PageProps: pageProps(c), Contact: cur, Input: withBlankRows(in), GroupName: names,
			Errors: app.ErrorFields(err), Message: app.ErrorMessage(err)}
		st := http.StatusUnprocessableEntity
		if app.ErrorCode(err) == app.ECONFLICT {
			st = http.StatusConflict
		}
		return render(c, st, views.ContactFormPage(p))
	}
	return err
}

// newFormRow: GET /contacts/form/{email,phone,address}-row — an empty row for the form.
func (s *Server) newFormRow(c echo.Context) error {
	k := newRowKey()
	switch path.Base(c.Path()) {
	case "email-row":
		return render(c, http.StatusOK, views.EmailRowFields(views.EmailRow{Key: k, Label: "Other"}, ""))
	case "phone-row":
		return render(c, http.StatusOK, views.PhoneRowFields(views.PhoneRow{Key: k, Label: "Mobile"}, ""))
	case "address-row":
		return render(c, http.StatusOK, views.AddressRowFields(views.AddressRow{Key: k, Label: "Home"}))
	}
	return app.Errorf(app.ENOTFOUND, "No such form row.")
}

// deactivateContact: POST /contacts/:id/deactivate.
func (s *Server) deactivateContact(c echo.Context) error {
	return s.setContactStatus(c, app.StatusInactive, "deactivated")
}

// reactivateContact: POST /contacts/:id/reactivate.
func (s *Server) reactivateContact(c echo.Context) error {
	return s.setContactStatus(c, app.StatusActive, "reactivated")
}

func (s *Server) setContactStatus(c echo.Context, st app.ContactStatus, done string) error {
	ct, err := s.contacts.SetStatus(c.Request().Context(), currentUser(c).ID, c.Param("id"), st)
	if err != nil {
		return err
	}
	return redirect(c, "/contacts/"+ct.ID+"?saved="+done)
}
