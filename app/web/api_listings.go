package web

import (
	"net/http"
	"time"

	"agentbook/app"

	"github.com/labstack/echo/v4"
)

// searchJSON is a saved search in the API (without its unsubscribe secret).
type searchJSON struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Cities        []string  `json:"cities"`
	PostalCodes   []string  `json:"postal_codes"`
	PriceMin      int64     `json:"price_min"`
	PriceMax      int64     `json:"price_max"`
	BedsMin       int       `json:"beds_min"`
	BathsMin      float64   `json:"baths_min"`
	PropertyTypes []string  `json:"property_types"`
	AreaMin       int       `json:"area_min"`
	Schedule      string    `json:"schedule"`
	ContactIDs    []string  `json:"contact_ids"`
	CreatedAt     time.Time `json:"created_at,omitzero"`
	UpdatedAt     time.Time `json:"updated_at,omitzero"`
	Version       int64     `json:"version"`
}

func toSearchJSON(ss *app.SavedSearch) searchJSON {
	return searchJSON{ID: ss.ID, Name: ss.Name, Cities: ss.Cities, PostalCodes: ss.PostalCodes, PriceMin: ss.PriceMin,
		PriceMax: ss.PriceMax, BedsMin: ss.BedsMin, BathsMin: ss.BathsMin, PropertyTypes: ss.PropertyTypes, AreaMin: ss.AreaMin,
		Schedule: ss.Schedule, ContactIDs: ss.ContactIDs, CreatedAt: ss.CreatedAt, UpdatedAt: ss.UpdatedAt, Version: ss.Version}
}

func (j searchJSON) search() *app.SavedSearch {
	return &app.SavedSearch{ID: j.ID, Name: j.Name, Cities: j.Cities, PostalCodes: j.PostalCodes, PriceMin: j.PriceMin,
		PriceMax: j.PriceMax, BedsMin: j.BedsMin, BathsMin: j.BathsMin, PropertyTypes: j.PropertyTypes, AreaMin: j.AreaMin,
		Schedule: j.Schedule, ContactIDs: j.ContactIDs, Version: j.Version}
}

// apiListSearches: GET /api/v1/saved-searches[?contact_id=]
func (s *Server) apiListSearches(c echo.Context) error {
	ctx, owner := c.Request().Context(), currentUser(c).ID
	var ss []*app.SavedSearch
	var err error
	if id := c.QueryParam("contact_id"); id != "" {
		ss, err = s.opt.Listings.SearchesOf(ctx, owner, id)
	} else {
		ss, err = s.opt.Listings.Searches(ctx, owner)
	}
	if err != nil {
		return err
	}
	items := make([]searchJSON, len(ss))
	for i, x := range ss {
		items[i] = toSearchJSON(x)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "total": len(items)})
}

// apiCreateSearch: POST /api/v1/saved-searches
func (s *Server) apiCreateSearch(c echo.Context) error {
	var in searchJSON
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	in.ID = ""
	ss, err := s.opt.Listings.SaveSearch(c.Request().Context(), currentUser(c).ID, in.search())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toSearchJSON(ss))
}

// apiGetSearch: GET /api/v1/saved-searches/{id}
func (s *Server) apiGetSearch(c echo.Context) error {
	ss, err := s.opt.Listings.Search(c.Request().Context(), currentUser(c).ID, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSearchJSON(ss))
}

// apiUpdateSearch: PUT or PATCH /api/v1/saved-searches/{id} with the whole search and its version.
func (s *Server) apiUpdateSearch(c echo.Context) error {
	ctx, owner := c.Request().Context(), currentUser(c).ID
	cur, err := s.opt.Listings.Search(ctx, owner, c.Param("id"))
	if err != nil {
		return err
	}
	in := toSearchJSON(cur)
	in.Version = 0
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Version == 0 {
		return &app.Error{Code: app.EINVALID, Message: "Send the version the change is based on.", Fields: map[string]string{"version": "required"}}
	}
	in.ID = cur.ID
	ss, err := s.opt.Listings.SaveSearch(ctx, owner, in.search())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSearchJSON(ss))
}

// apiDeleteSearch: DELETE /api/v1/saved-searches/{id}
func (s *Server) apiDeleteSearch(c echo.Context) error {
	if err := s.opt.Listings.DeleteSearch(c.Request().Context(), currentUser(c).ID, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiListListings: GET /api/v1/listings
func (s *Server) apiListListings(c echo.Context) error {
	ls, err := s.opt.Listings.AllListings(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": ls, "total": len(ls)})
}

// apiCreateListing: POST /api/v1/listings → 201 with the listing and "notified": emails queued.
func (s *Server) apiCreateListing(c echo.Context) error {
	var in app.Listing
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	in.ID = ""
	l, res, err := s.opt.Listings.AddListing(c.Request().Context(), currentUser(c), &in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"listing": l, "matched": res.Matched, "notified": res.Queued})
}

// apiGetListing: GET /api/v1/listings/{id}
func (s *Server) apiGetListing(c echo.Context) error {
	l, err := s.opt.Listings.Listing(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

// apiUpdateListing: PATCH /api/v1/listings/{id} with fields to change and the version.
func (s *Server) apiUpdateListing(c echo.Context) error {
	ctx := c.Request().Context()
	cur, err := s.opt.Listings.Listing(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	in := *cur
	in.Version = 0
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Version == 0 {
		return &app.Error{Code: app.EINVALID, Message: "Send the version the change is based on.", Fields: map[string]string{"version": "required"}}
	}
	in.ID = cur.ID
	l, res, err := s.opt.Listings.UpdateListing(ctx, currentUser(c), &in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"listing": l, "matched": res.Matched, "notified": res.Queued})
}

// apiListingMatches: GET /api/v1/listings/{id}/matches — Reverse Prospecting:
// {"own":[contacts],"others":[{"agent":{"name","email","phone"},"count"}]}. The caller's own
// matching contacts in full; of other agents' contacts only a count.
func (s *Server) apiListingMatches(c echo.Context) error {
	rp, err := s.opt.Listings.ReverseProspecting(c.Request().Context(), currentUser(c), c.Param("id"))
	if err != nil {
		return err
	}
	names, err := s.groupNames(c, currentUser(c).ID)
	if err != nil {
		return err
	}
	type agent struct {
		Name  string `json:"name"`
		Email string `json:"email"`
		Phone string `json:"phone"`
	}
	type other struct {
		Agent agent `json:"agent"`
		Count int   `json:"count"`
	}
	out := struct {
		Own    []contactJSON `json:"own"`
		Others []other       `json:"others"`
	}{Own: []contactJSON{}, Others: []other{}}
	for _, m := range rp.Own {
		out.Own = append(out.Own, toJSON(m.Contact, names))
	}
	for _, a := range rp.Others {
		out.Others = append(out.Others, other{Agent: agent{Name: a.Name, Email: a.Email, Phone: a.Phone}, Count: a.Count})
	}
	return c.JSON(http.StatusOK, out)
}
