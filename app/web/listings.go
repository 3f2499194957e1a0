package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"agentbook/app"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

// ListingService is what the handlers need from app.ListingService.
type ListingService interface {
	SaveSearch(ctx context.Context, ownerID string, ss *app.SavedSearch) (*app.SavedSearch, error)
	Search(ctx context.Context, ownerID, id string) (*app.SavedSearch, error)
	Searches(ctx context.Context, ownerID string) ([]*app.SavedSearch, error)
	SearchesOf(ctx context.Context, ownerID, contactID string) ([]*app.SavedSearch, error)
	DeleteSearch(ctx context.Context, ownerID, id string) error
	Unsubscribe(ctx context.Context, ownerID, id, token string) (*app.SavedSearch, error)
	AddListing(ctx context.Context, actor *app.User, l *app.Listing) (*app.Listing, *app.NotifyResult, error)
	UpdateListing(ctx context.Context, actor *app.User, l *app.Listing) (*app.Listing, *app.NotifyResult, error)
	Listing(ctx context.Context, id string) (*app.Listing, error)
	AllListings(ctx context.Context) ([]*app.Listing, error)
	ReverseProspecting(ctx context.Context, viewer *app.User, listingID string) (*app.Prospects, error)
	ContactAgents(ctx context.Context, viewer *app.User, listingID, note string) (int, error)
}

// searchInput reads the saved-search form.
func searchInput(c echo.Context) (views.SearchInput, error) {
	form, err := c.FormParams()
	if err != nil {
		return views.SearchInput{}, app.Errorf(app.EINVALID, "The form could not be read.")
	}
	in := views.SearchInput{Name: form.Get("name"), Cities: form.Get("cities"), PostalCodes: form.Get("postal_codes"),
		PriceMin: form.Get("price_min"), PriceMax: form.Get("price_max"), BedsMin: form.Get("beds_min"),
		BathsMin: form.Get("baths_min"), AreaMin: form.Get("area_min"), Schedule: form.Get("schedule"),
		AlsoFor: form.Get("also_for"), Types: form["property_types"]}
	in.Version, _ = strconv.ParseInt(form.Get("version"), 10, 64)
	return in, nil
}

// numberField parses a form number; "" is 0 (open). A bad one is a field error.
func numberField(fe app.FieldErrors, name, v string) int64 {
	v = strings.NewReplacer(",", "", "$", "", " ", "").Replace(v)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		fe.Add(name, "Enter a whole number.")
	}
	return n
}

func decimalField(fe app.FieldErrors, name, v string) float64 {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		fe.Add(name, "Enter a number such as 2 or 2.5.")
	}
	return f
}

// searchOf turns the form into a saved search; contactIDs are the contacts it stays attached to.
func (s *Server) searchOf(c echo.Context, in views.SearchInput, contactIDs []string) (*app.SavedSearch, error) {
	fe := app.FieldErrors{}
	ss := &app.SavedSearch{Name: in.Name, Cities: app.SplitList(in.Cities), PostalCodes: app.SplitList(in.PostalCodes),
		PriceMin: numberField(fe, "price_min", in.PriceMin), PriceMax: numberField(fe, "price_max", in.PriceMax),
		BedsMin: int(numberField(fe, "beds_min", in.BedsMin)), BathsMin: decimalField(fe, "baths_min", in.BathsMin),
		AreaMin: int(numberField(fe, "area_min", in.AreaMin)), PropertyTypes: in.Types, Schedule: in.Schedule,
		ContactIDs: contactIDs, Version: in.Version}
	if also := strings.TrimSpace(in.AlsoFor); also != "" {
		found, err := s.contacts.WithEmail(c.Request().Context(), currentUser(c).ID, also)
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			fe.Add("also_for", "None of your contacts has this email address.")
		}
		for _, f := range found {
			ss.ContactIDs = append(ss.ContactIDs, f.ID)
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return ss, nil
}

// showNewSearch: GET /contacts/:id/searches/new
func (s *Server) showNewSearch(c echo.Context) error {
	ct, _, err := s.loadOwnContact(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.SearchFormPage(views.SearchFormProps{PageProps: pageProps(c), Contact: ct,
		Input: views.SearchInput{Schedule: app.ScheduleASAP, Cities: ct.City()}}))
}

// createSearch: POST /contacts/:id/searches
func (s *Server) createSearch(c echo.Context) error {
	ct, _, err := s.loadOwnContact(c)
	if err != nil {
		return err
	}
	in, err := searchInput(c)
	if err != nil {
		return err
	}
	ss, err := s.searchOf(c, in, []string{ct.ID})
	if err == nil {
		_, err = s.opt.Listings.SaveSearch(c.Request().Context(), currentUser(c).ID, ss)
	}
	if err != nil {
		if code := app.ErrorCode(err); code == app.EINVALID || code == app.ECONFLICT {
			return render(c, http.StatusUnprocessableEntity, views.SearchFormPage(views.SearchFormProps{PageProps: pageProps(c),
				Contact: ct, Input: in, Errors: app.ErrorFields(err), Message: app.ErrorMessage(err)}))
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/contacts/"+ct.ID+"?saved=search")
}

// searchContext loads an agent's saved search and the contact whose page the form came from
// (?contact=, else the search's first contact).
func (s *Server) searchContext(c echo.Context) (*app.SavedSearch, *app.Contact, []*app.Contact, error) {
	ctx, owner := c.Request().Context(), currentUser(c).ID
	ss, err := s.opt.Listings.Search(ctx, owner, c.Param("id"))
	if err != nil {
		return nil, nil, nil, err
	}
	var attached []*app.Contact
	for _, id := range ss.ContactIDs {
		if ct, err := s.contacts.Get(ctx, owner, id); err == nil {
			attached = append(attached, ct)
		}
	}
	from := c.QueryParam("contact")
	for _, ct := range attached {
		if from == "" || ct.ID == from {
			return ss, ct, attached, nil
		}
	}
	if len(attached) == 0 {
		return nil, nil, nil, app.Errorf(app.ENOTFOUND, "Saved search not found.")
	}
	return ss, attached[0], attached, nil
}

func inputOfSearch(ss *app.SavedSearch) views.SearchInput {
	num := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	baths := ""
	if ss.BathsMin > 0 {
		baths = strconv.FormatFloat(ss.BathsMin, 'f', -1, 64)
	}
	return views.SearchInput{Name: ss.Name, Cities: strings.Join(ss.Cities, ", "), PostalCodes: strings.Join(ss.PostalCodes, ", "),
		PriceMin: num(ss.PriceMin), PriceMax: num(ss.PriceMax), BedsMin: num(int64(ss.BedsMin)), BathsMin: baths,
		AreaMin: num(int64(ss.AreaMin)), Schedule: ss.Schedule, Types: ss.PropertyTypes, Version: ss.Version}
}

// showEditSearch: GET /searches/:id/edit[?contact=]
func (s *Server) showEditSearch(c echo.Context) error {
	ss, ct, attached, err := s.searchContext(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.SearchFormPage(views.SearchFormProps{PageProps: pageProps(c), Contact: ct, Search: ss,
		Input: inputOfSearch(ss), Attached: attached}))
}

// saveSearch: POST /searches/:id[?contact=]
func (s *Server) saveSearch(c echo.Context) error {
	cur, ct, attached, err := s.searchContext(c)
	if err != nil {
		return err
	}
	in, err := searchInput(c)
	if err != nil {
		return err
	}
	form, _ := c.FormParams()
	ss, err := s.searchOf(c, in, form["contact_id"])
	if err == nil {
		ss.ID = cur.ID
		_, err = s.opt.Listings.SaveSearch(c.Request().Context(), currentUser(c).ID, ss)
	}
	if err != nil {
		if code := app.ErrorCode(err); code == app.EINVALID || code == app.ECONFLICT {
			return render(c, http.StatusUnprocessableEntity, views.SearchFormPage(views.SearchFormProps{PageProps: pageProps(c),
				Contact: ct, Search: cur, Input: in, Attached: attached, Errors: app.ErrorFields(err), Message: app.ErrorMessage(err)}))
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/contacts/"+ct.ID+"?saved=search")
}

// removeSearch: POST /searches/:id/remove[?contact=]
func (s *Server) removeSearch(c echo.Context) error {
	_, ct, _, err := s.searchContext(c)
	if err != nil {
		return err
	}
	if err := s.opt.Listings.DeleteSearch(c.Request().Context(), currentUser(c).ID, c.Param("id")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/contacts/"+ct.ID+"?saved=search-removed")
}

// unsubscribe: GET /unsubscribe/:owner/:id/:token — the one-click link in a listing email. It
// needs no login: the random token is the key.
func (s *Server) unsubscribe(c echo.Context) error {
	ss, err := s.opt.Listings.Unsubscribe(c.Request().Context(), c.Param("owner"), c.Param("id"), c.Param("token"))
	if err != nil {
		if app.ErrorCode(err) == app.ENOTFOUND {
			return app.Errorf(app.ENOTFOUND, "This unsubscribe link is not valid any more.")
		}
		return err
	}
	return render(c, http.StatusOK, views.UnsubscribedPage(views.PageProps{CSRF: csrfToken(c)}, ss.Name))
}

// listingInput reads the listing form.
func listingInput(c echo.Context) (views.ListingInput, error) {
	form, err := c.FormParams()
	if err != nil {
		return views.ListingInput{}, app.Errorf(app.EINVALID, "The form could not be read.")
	}
	in := views.ListingInput{Address: form.Get("address"), City: form.Get("city"), PostalCode: form.Get("postal_code"),
		Price: form.Get("price"), Beds: form.Get("beds"), Baths: form.Get("baths"), Area: form.Get("area"),
		PropertyType: form.Get("property_type"), Status: form.Get("status"), AgentID: form.Get("agent_id")}
	in.Version, _ = strconv.ParseInt(form.Get("version"), 10, 64)
	return in, nil
}

func listingOf(in views.ListingInput) (*app.Listing, error) {
	fe := app.FieldErrors{}
	l := &app.Listing{Address: in.Address, City: in.City, PostalCode: in.PostalCode, Price: numberField(fe, "price", in.Price),
		Beds: int(numberField(fe, "beds", in.Beds)), Baths: decimalField(fe, "baths", in.Baths), Area: int(numberField(fe, "area", in.Area)),
		PropertyType: in.PropertyType, Status: in.Status, AgentID: in.AgentID, Version: in.Version}
	return l, fe.Err()
}

// showListings: GET /listings
func (s *Server) showListings(c echo.Context) error {
	ls, err := s.opt.Listings.AllListings(c.Request().Context())
	if err != nil {
		return err
	}
	users, err := s.accounts.Users(c.Request().Context())
	if err != nil {
		return err
	}
	agents := map[string]*app.User{}
	for _, u := range users {
		agents[u.ID] = u
	}
	return render(c, http.StatusOK, views.ListingsPage(views.ListingsProps{PageProps: pageProps(c), Items: ls, Agents: agents}))
}

func (s *Server) listingForm(c echo.Context, in views.ListingInput, err error) (views.ListingFormProps, error) {
	users, uerr := s.accounts.Users(c.Request().Context())
	if uerr != nil {
		return views.ListingFormProps{}, uerr
	}
	p := views.ListingFormProps{PageProps: pageProps(c), Input: in, Agents: users}
	if err != nil {
		p.Errors, p.Message = app.ErrorFields(err), app.ErrorMessage(err)
	}
	return p, nil
}

// showNewListing: GET /listings/new
func (s *Server) showNewListing(c echo.Context) error {
	p, err := s.listingForm(c, views.ListingInput{Status: app.ListingActive}, nil)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.ListingFormPage(p))
}

// createListing: POST /listings/new
func (s *Server) createListing(c echo.Context) error {
	in, err := listingInput(c)
	if err != nil {
		return err
	}
	l, err := listingOf(in)
	var res *app.NotifyResult
	if err == nil {
		l, res, err = s.opt.Listings.AddListing(c.Request().Context(), currentUser(c), l)
	}
	if err != nil {
		if app.ErrorCode(err) == app.EINVALID {
			p, perr := s.listingForm(c, in, err)
			if perr != nil {
				return perr
			}
			return render(c, http.StatusUnprocessableEntity, views.ListingFormPage(p))
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/listings/"+l.ID+"?added="+strconv.Itoa(res.Queued))
}

// showListing: GET /listings/:id — any agent's listing: listings are the office's.
func (s *Server) showListing(c echo.Context) error {
	l, err := s.opt.Listings.Listing(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	notice := ""
	if n := c.QueryParam("added"); n != "" {
		notice = "Listing saved. Notification emails queued: " + n + "."
	}
	if n := c.QueryParam("sent"); n != "" {
		notice = "Email queued to " + n + " agents."
		if n == "1" {
			notice = "Email queued to the agent."
		}
	}
	return s.renderListing(c, http.StatusOK, l, views.ListingInputOf(l), nil, notice)
}

func (s *Server) renderListing(c echo.Context, status int, l *app.Listing, in views.ListingInput, ferr error, notice string) error {
	ctx := c.Request().Context()
	form, err := s.listingForm(c, in, ferr)
	if err != nil {
		return err
	}
	rp, err := s.opt.Listings.ReverseProspecting(ctx, currentUser(c), l.ID)
	if err != nil {
		return err
	}
	p := views.ListingPageProps{Form: form, Listing: l, Prospects: rp, Notice: notice}
	if a, err := s.accounts.Users(ctx); err == nil {
		for _, u := range a {
			if u.ID == l.AgentID {
				p.Agent = u
			}
		}
	}
	return render(c, status, views.ListingPage(p))
}

// saveListing: POST /listings/:id
func (s *Server) saveListing(c echo.Context) error {
	cur, err := s.opt.Listings.Listing(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	in, err := listingInput(c)
	if err != nil {
		return err
	}
	l, err := listingOf(in)
	var res *app.NotifyResult
	if err == nil {
		l.ID = cur.ID
		l, res, err = s.opt.Listings.UpdateListing(c.Request().Context(), currentUser(c), l)
	}
	if err != nil {
		if code := app.ErrorCode(err); code == app.EINVALID || code == app.ECONFLICT {
			return s.renderListing(c, http.StatusUnprocessableEntity, cur, in, err, "")
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/listings/"+l.ID+"?added="+strconv.Itoa(res.Queued))
}

// contactAgents: POST /listings/:id/contact-agents
func (s *Server) contactAgents(c echo.Context) error {
	n, err := s.opt.Listings.ContactAgents(c.Request().Context(), currentUser(c), c.Param("id"), c.FormValue("note"))
	if err != nil {
		if app.ErrorCode(err) == app.EINVALID {
			l, lerr := s.opt.Listings.Listing(c.Request().Context(), c.Param("id"))
			if lerr != nil {
				return lerr
			}
			return s.renderListing(c, http.StatusUnprocessableEntity, l, views.ListingInputOf(l), err, "")
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/listings/"+c.Param("id")+"?sent="+strconv.Itoa(n))
}
