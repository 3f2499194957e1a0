package web

import (
	"net/http"
	"strconv"

	"agentbook/app"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

func (s *Server) groupsPage(c echo.Context, st int, p views.GroupsProps) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	gs, err := s.contacts.Groups(ctx, u.ID)
	if err != nil {
		return err
	}
	counts, err := s.contacts.GroupCounts(ctx, u.ID)
	if err != nil {
		return err
	}
	p.PageProps, p.Groups, p.Counts = pageProps(c), gs, counts
	return render(c, st, views.GroupsPage(p))
}

// showGroupsPage: GET /groups, Edit Group List.
func (s *Server) showGroupsPage(c echo.Context) error {
	p := views.GroupsProps{}
	switch c.QueryParam("done") {
	case "added":
		p.Notice = "Group added."
	case "renamed":
		p.Notice = "Group renamed."
	case "removed":
		p.Notice = "Group removed; its contacts are otherwise unchanged."
	}
	return s.groupsPage(c, http.StatusOK, p)
}

// addGroup: POST /groups (Add New).
func (s *Server) addGroup(c echo.Context) error {
	name := c.FormValue("name")
	if _, err := s.contacts.CreateGroup(c.Request().Context(), currentUser(c).ID, name); err != nil {
		if code := app.ErrorCode(err); code == app.EINVALID || code == app.ECONFLICT {
			return s.groupsPage(c, http.StatusUnprocessableEntity, views.GroupsProps{NewName: name,
				Errors: map[string]string{"name": app.ErrorMessage(err)}})
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/groups?done=added")
}

// renameGroup: POST /groups/:id/rename.
func (s *Server) renameGroup(c echo.Context) error {
	id, name := c.Param("id"), c.FormValue("name")
	if _, err := s.contacts.RenameGroup(c.Request().Context(), currentUser(c).ID, id, name); err != nil {
		if code := app.ErrorCode(err); code == app.EINVALID || code == app.ECONFLICT {
			return s.groupsPage(c, http.StatusUnprocessableEntity, views.GroupsProps{
				Renames: map[string]string{id: name}, Errors: map[string]string{"name-" + id: app.ErrorMessage(err)}})
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/groups?done=renamed")
}

func (s *Server) ownGroup(c echo.Context) (*app.Group, error) {
	gs, err := s.contacts.Groups(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		if g.ID == c.Param("id") {
			return g, nil
		}
	}
	return nil, app.Errorf(app.ENOTFOUND, "Group not found.")
}

// confirmRemoveGroup: GET /groups/:id/remove — says how many contacts are in it.
func (s *Server) confirmRemoveGroup(c echo.Context) error {
	g, err := s.ownGroup(c)
	if err != nil {
		return err
	}
	counts, err := s.contacts.GroupCounts(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.RemoveGroupPage(views.RemoveGroupProps{PageProps: pageProps(c), Group: g, Count: counts[g.ID]}))
}

// removeGroup: POST /groups/:id/remove.
func (s *Server) removeGroup(c echo.Context) error {
	if _, err := s.contacts.DeleteGroup(c.Request().Context(), currentUser(c).ID, c.Param("id")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/groups?done=removed")
}

// addContactGroups: POST /contacts/:id/groups/add — Save Changes after picking groups.
func (s *Server) addContactGroups(c echo.Context) error {
	ct, _, err := s.loadOwnContact(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return app.Errorf(app.EINVALID, "The form could not be read.")
	}
	ids := append(append([]string(nil), ct.GroupIDs...), form["group"]...)
	if _, err := s.contacts.SetGroups(c.Request().Context(), currentUser(c).ID, ct.ID, ids); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/contacts/"+ct.ID+"?saved=groups")
}

// removeContactGroup: POST /contacts/:id/groups/remove — the X next to a group.
func (s *Server) removeContactGroup(c echo.Context) error {
	ct, _, err := s.loadOwnContact(c)
	if err != nil {
		return err
	}
	var keep []string
	for _, g := range ct.GroupIDs {
		if g != c.FormValue("group") {
			keep = append(keep, g)
		}
	}
	if _, err := s.contacts.SetGroups(c.Request().Context(), currentUser(c).ID, ct.ID, keep); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/contacts/"+ct.ID+"?saved=groups")
}

// apiRenameGroup: PATCH /api/v1/groups/:id {"name"}
func (s *Server) apiRenameGroup(c echo.Context) error {
	if _, err := s.ownGroup(c); err != nil { // 404 before anything about the body
		return err
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	g, err := s.contacts.RenameGroup(c.Request().Context(), currentUser(c).ID, c.Param("id"), in.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, groupRef{ID: g.ID, Name: g.Name})
}

// apiDeleteGroup: DELETE /api/v1/groups/:id — its contacts lose the group.
func (s *Server) apiDeleteGroup(c echo.Context) error {
	n, err := s.contacts.DeleteGroup(c.Request().Context(), currentUser(c).ID, c.Param("id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("X-Contacts-Updated", strconv.Itoa(n))
	return c.NoContent(http.StatusNoContent)
}
