package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"agentbook/app"

	"github.com/labstack/echo/v4"
)

// contactFields are the fields of a contact that a client writes and reads alike.
type contactFields struct {
	FirstName          string        `json:"first_name"`
	MiddleName         string        `json:"middle_name"`
	LastName           string        `json:"last_name"`
	Company            string        `json:"company"`
	Title              string        `json:"title"`
	Emails             []app.Email   `json:"emails"`
	Phones             []app.Phone   `json:"phones"`
	Addresses          []app.Address `json:"addresses"`
	Groups             []groupRef    `json:"groups"`
	Notes              string        `json:"notes"`
	Birthday           string        `json:"birthday"`
	ReverseProspecting bool          `json:"reverse_prospecting"`
	Status             string        `json:"status"`
}

// contactJSON is a contact as the API shows it (DESIGN.md, "A contact in JSON").
type contactJSON struct {
	ID string `json:"id"`
	contactFields
	Portal    *portalJSON `json:"portal"` // null when the contact has no portal account
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
	Version   int64       `json:"version"`
}

type groupRef struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// contactInput is what POST accepts and what a PATCH is merged into.
type contactInput struct {
	contactFields
	Version *int64 `json:"version"`
}

func toJSON(c *app.Contact, names map[string]string) contactJSON {
	out := contactJSON{ID: c.ID, contactFields: contactFields{FirstName: c.FirstName, MiddleName: c.MiddleName,
		LastName: c.LastName, Company: c.Company, Title: c.Title, Emails: c.Emails, Phones: c.Phones,
		Addresses: c.Addresses, Groups: []groupRef{}, Notes: c.Notes, Birthday: c.Birthday,
		ReverseProspecting: c.ReverseProspecting, Status: string(c.Status)},
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Version: c.Version}
	for _, id := range c.GroupIDs {
		out.Groups = append(out.Groups, groupRef{ID: id, Name: names[id]})
	}
	if out.Emails == nil {
		out.Emails = []app.Email{}
	}
	if out.Phones == nil {
		out.Phones = []app.Phone{}
	}
	if out.Addresses == nil {
		out.Addresses = []app.Address{}
	}
	return out
}

func (in *contactInput) apply(c *app.Contact) {
	c.FirstName, c.MiddleName, c.LastName = in.FirstName, in.MiddleName, in.LastName
	c.Company, c.Title, c.Notes, c.Birthday = in.Company, in.Title, in.Notes, in.Birthday
	c.Emails, c.Phones, c.Addresses = in.Emails, in.Phones, in.Addresses
	c.ReverseProspecting = in.ReverseProspecting
	c.Status = app.ContactStatus(in.Status)
	c.GroupIDs = nil
	for _, g := range in.Groups {
		c.GroupIDs = append(c.GroupIDs, g.ID)
	}
}

// decodeJSON reads a JSON body strictly, with a clear message for malformed input.
func decodeJSON(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	return nil
}

func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return &app.Error{Code: app.EINVALID, Message: "The request body has a value of the wrong type.",
			Fields: map[string]string{strings.TrimPrefix(te.Field, "contactFields."): fmt.Sprintf("expected %s", te.Type)}}
	}
	return app.Errorf(app.EINVALID, "The request body is not valid JSON: %s.", err.Error())
}

func (s *Server) groupNames(c echo.Context, ownerID string) (map[string]string, error) {
	gs, err := s.contacts.Groups(c.Request().Context(), ownerID)
	if err != nil {
		return nil, err
	}
	return groupNames(gs), nil
}

// apiListContacts: GET /api/v1/contacts?q=&group=&status=&sort=&limit=&cursor=
func (s *Server) apiListContacts(c echo.Context) error {
	u := currentUser(c)
	field, desc, err := parseSort(c.QueryParam("sort"))
	if err != nil {
		return err
	}
	after, err := decodeCursor(c.QueryParam("cursor"))
	if err != nil {
		return err
	}
	limit := 50
	if l := c.QueryParam("limit"); l != "" {
		limit, err = strconv.Atoi(l)
		if err != nil || limit < 1 || limit > app.MaxPageSize {
			return &app.Error{Code: app.EINVALID, Message: fmt.Sprintf("limit must be between 1 and %d.", app.MaxPageSize),
				Fields: map[string]string{"limit": "between 1 and 200"}}
		}
	}
	res, err := s.contacts.List(c.Request().Context(), app.ContactQuery{OwnerID: u.ID, Text: c.QueryParam("q"),
		GroupID: c.QueryParam("group"), Status: app.ContactStatus(c.QueryParam("status")), EmailStatus: c.QueryParam("email_status"), Sort: field, Desc: desc,
		After: after, Limit: limit})
	if err != nil {
		return err
	}
	names, err := s.groupNames(c, u.ID)
	if err != nil {
		return err
	}
	items := make([]contactJSON, len(res.Items))
	for i, ct := range res.Items {
		items[i] = toJSON(ct, names)
	}
	if err := s.withPortals(c.Request().Context(), u.ID, items); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "total": res.Total, "next_cursor": encodeCursor(res.Next)})
}

// apiCreateContact: POST /api/v1/contacts
func (s *Server) apiCreateContact(c echo.Context) error {
	u := currentUser(c)
	var in contactInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ct := &app.Contact{}
	in.apply(ct)
	created, err := s.contacts.Create(c.Request().Context(), u.ID, ct)
	if err != nil {
		return err
	}
	names, err := s.groupNames(c, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toJSON(created, names))
}

// apiGetContact: GET /api/v1/contacts/:id — 404 for a missing contact and for another agent's.
func (s *Server) apiGetContact(c echo.Context) error {
	u := currentUser(c)
	ct, err := s.contacts.Get(c.Request().Context(), u.ID, c.Param("id"))
	if err != nil {
		return err
	}
	names, err := s.groupNames(c, u.ID)
	if err != nil {
		return err
	}
	out, err := s.withPortal(c.Request().Context(), u.ID, toJSON(ct, names))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiPatchContact: PATCH /api/v1/contacts/:id with a JSON merge patch that carries "version".
func (s *Server) apiPatchContact(c echo.Context) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return app.Errorf(app.EINVALID, "Could not read the request body.")
	}
	var patch map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&patch); err != nil || patch == nil {
		return app.Errorf(app.EINVALID, "The request body must be a JSON object (a merge patch).")
	}
	v, ok := patch["version"]
	if !ok || v == nil {
		return &app.Error{Code: app.EINVALID, Message: "Send the version your change is based on.", Fields: map[string]string{"version": "required"}}
	}
	for _, ro := range []string{"id", "created_at", "updated_at", "portal"} {
		delete(patch, ro)
	}
	cur, err := s.contacts.Get(ctx, u.ID, c.Param("id"))
	if err != nil {
		return err
	}
	names, err := s.groupNames(c, u.ID)
	if err != nil {
		return err
	}
	doc, err := json.Marshal(toJSON(cur, names))
	if err != nil {
		return err
	}
	var base map[string]any
	if err := json.Unmarshal(doc, &base); err != nil {
		return err
	}
	for _, ro := range []string{"id", "created_at", "updated_at", "portal"} {
		delete(base, ro)
	}
	merged, err := json.Marshal(mergePatch(base, patch))
	if err != nil {
		return err
	}
	var in contactInput
	d2 := json.NewDecoder(bytes.NewReader(merged))
	d2.DisallowUnknownFields()
	if err := d2.Decode(&in); err != nil {
		return jsonError(err)
	}
	if in.Version == nil {
		return &app.Error{Code: app.EINVALID, Message: "Send the version your change is based on.", Fields: map[string]string{"version": "required"}}
	}
	next := *cur
	in.apply(&next)
	next.Version = *in.Version
	saved, err := s.contacts.Update(ctx, u.ID, &next)
	if err != nil {
		return err
	}
	out, err := s.withPortal(ctx, u.ID, toJSON(saved, names))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// mergePatch applies an RFC 7386 JSON merge patch: objects merge, null deletes, anything else
// (arrays included) replaces.
func mergePatch(target, patch map[string]any) map[string]any {
	if target == nil {
		target = map[string]any{}
	}
	for k, pv := range patch {
		if pv == nil {
			delete(target, k)
			continue
		}
		if pm, ok := pv.(map[string]any); ok {
			tm, _ := target[k].(map[string]any)
			target[k] = mergePatch(tm, pm)
			continue
		}
		target[k] = pv
	}
	return target
}

// apiDeleteContact: DELETE /api/v1/contacts/:id
func (s *Server) apiDeleteContact(c echo.Context) error {
	if err := s.contacts.Delete(c.Request().Context(), currentUser(c).ID, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiDeactivateContact: POST /api/v1/contacts/:id/deactivate
func (s *Server) apiDeactivateContact(c echo.Context) error {
	return s.apiSetStatus(c, app.StatusInactive)
}

// apiReactivateContact: POST /api/v1/contacts/:id/reactivate
func (s *Server) apiReactivateContact(c echo.Context) error {
	return s.apiSetStatus(c, app.StatusActive)
}

func (s *Server) apiSetStatus(c echo.Context, st app.ContactStatus) error {
	u := currentUser(c)
	ct, err := s.contacts.SetStatus(c.Request().Context(), u.ID, c.Param("id"), st)
	if err != nil {
		return err
	}
	names, err := s.groupNames(c, u.ID)
	if err != nil {
		return err
	}
	out, err := s.withPortal(c.Request().Context(), u.ID, toJSON(ct, names))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiListGroups: GET /api/v1/groups
func (s *Server) apiListGroups(c echo.Context) error {
	gs, err := s.contacts.Groups(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	items := make([]groupRef, len(gs))
	for i, g := range gs {
		items[i] = groupRef{ID: g.ID, Name: g.Name}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "total": len(items)})
}

// apiCreateGroup: POST /api/v1/groups {"name"}
func (s *Server) apiCreateGroup(c echo.Context) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	g, err := s.contacts.CreateGroup(c.Request().Context(), currentUser(c).ID, in.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, groupRef{ID: g.ID, Name: g.Name})
}
