package web

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"agentbook/app"
	"agentbook/views"

	"github.com/labstack/echo/v4"
	g "maragu.dev/gomponents"
)

// encodeCursor turns a list position into an opaque URL-safe string.
func encodeCursor(c *app.Cursor) string {
	if c == nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(c.Value + "\x00" + c.ID))
}

func decodeCursor(s string) (*app.Cursor, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, &app.Error{Code: app.EINVALID, Message: "The page cursor is not valid; start from the first page.", Fields: map[string]string{"cursor": "not a cursor from this server"}}
	}
	v, id, ok := strings.Cut(string(b), "\x00")
	if !ok || id == "" {
		return nil, &app.Error{Code: app.EINVALID, Message: "The page cursor is not valid; start from the first page.", Fields: map[string]string{"cursor": "not a cursor from this server"}}
	}
	return &app.Cursor{Value: v, ID: id}, nil
}

// parseSort reads "name", "-name", "created", … into a field and a direction.
func parseSort(s string) (string, bool, error) {
	desc := strings.HasPrefix(s, "-")
	f := strings.TrimPrefix(s, "-")
	switch {
	case s == "":
		return app.SortName, false, nil
	case app.IsSortField(f):
		return f, desc, nil
	}
	return "", false, &app.Error{Code: app.EINVALID, Message: "Sort by one of " + strings.Join(app.SortFields(), ", ") + ", or the same with a leading - for descending.",
		Fields: map[string]string{"sort": "unknown sort " + s}}
}

// listPage runs a list query in either direction: after a cursor (next) or before one
// (previous, by reading backwards and reversing), and returns the items with both cursors.
func listPage(c echo.Context, svc ContactService, q app.ContactQuery, before *app.Cursor) (*app.ContactList, *app.Cursor, error) {
	ctx := c.Request().Context()
	if before == nil {
		res, err := svc.List(ctx, q)
		if err != nil {
			return nil, nil, err
		}
		var prev *app.Cursor
		if q.After != nil && len(res.Items) > 0 {
			prev = &app.Cursor{Value: res.Items[0].SortValue(q.Sort), ID: res.Items[0].ID}
		}
		return res, prev, nil
	}
	q.Desc, q.After = !q.Desc, before
	res, err := svc.List(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	items := res.Items
	for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
		items[i], items[j] = items[j], items[i]
	}
	var prev *app.Cursor
	if res.Next != nil && len(items) > 0 {
		prev = &app.Cursor{Value: items[0].SortValue(q.Sort), ID: items[0].ID}
	}
	res.Next = nil
	if len(items) > 0 {
		last := items[len(items)-1]
		res.Next = &app.Cursor{Value: last.SortValue(q.Sort), ID: last.ID}
	}
	return res, prev, nil
}

func groupNames(gs []*app.Group) map[string]string {
	m := make(map[string]string, len(gs))
	for _, g := range gs {
		m[g.ID] = g.Name
	}
	return m
}

// loadList reads the list state from the URL and loads that page; an invalid state becomes a
// message in the list, not an error page.
func (s *Server) loadList(c echo.Context) (views.ContactListProps, error) {
	u := currentUser(c)
	ctx := c.Request().Context()
	lq := views.ListQuery{Q: c.QueryParam("q"), Status: c.QueryParam("status"), Group: c.QueryParam("group"),
		EmailStatus: c.QueryParam("email_status"),
		Sort:        c.QueryParam("sort"), After: c.QueryParam("after"), Before: c.QueryParam("before")}
	lq.Page, _ = strconv.Atoi(c.QueryParam("page"))
	if lq.Page < 1 || (lq.After == "" && lq.Before == "") {
		lq.Page = 1
	}
	gs, err := s.contacts.Groups(ctx, u.ID)
	if err != nil {
		return views.ContactListProps{}, err
	}
	cols, err := s.columns(c)
	if err != nil {
		return views.ContactListProps{}, err
	}
	p := views.ContactListProps{Query: lq, Groups: gs, GroupNames: groupNames(gs), Columns: cols}
	field, desc, err := parseSort(lq.Sort)
	if err != nil {
		p.Message = "That sort order is unknown; showing names A–Z."
		field, desc, p.Query.Sort = app.SortName, false, ""
	}
	after, err1 := decodeCursor(lq.After)
	before, err2 := decodeCursor(lq.Before)
	if err1 != nil || err2 != nil {
		p.Message = "That page link is out of date; showing the first page."
		after, before, p.Query.Page = nil, nil, 1
	}
	q := app.ContactQuery{OwnerID: u.ID, Text: lq.Q, GroupID: lq.Group, Status: app.ContactStatus(lq.Status),
		EmailStatus: lq.EmailStatus, Sort: field, Desc: desc, After: after, Limit: 50}
	res, prev, err := listPage(c, s.contacts, q, before)
	if app.ErrorCode(err) == app.EINVALID {
		p.Message = app.ErrorMessage(err)
		return p, nil
	}
	if err != nil {
		return p, err
	}
	p.Items, p.Total, p.Next, p.Prev = res.Items, res.Total, encodeCursor(res.Next), encodeCursor(prev)
	if p.Portal, err = s.portalAccounts(ctx, u.ID, cols, p.Items); err != nil {
		return p, err
	}
	if p.Activity, err = s.activityRows(ctx, u.ID, cols, p.Items); err != nil {
		return p, err
	}
	if p.Prev == "" {
		p.Query.Page = 1
	}
	return p, nil
}

// showContactsPage serves the Contact Management page, or only its list when htmx asks for it.
func (s *Server) showContactsPage(c echo.Context) error {
	c.Response().Header().Add("Vary", "HX-Request")
	list, err := s.loadList(c)
	if err != nil {
		return err
	}
	if isHX(c) && c.Request().Header.Get("HX-Target") == "contact-list" {
		c.Response().Header().Set("HX-Push-Url", list.Query.URL()) // the short form, without defaults
		return render(c, http.StatusOK, g.Group{views.ContactList(list), views.SortSelect(list.Query.Sort, true)})
	}
	p := views.ContactsProps{PageProps: pageProps(c), List: list}
	if p.QuickAdd.Hidden, err = s.quickAddHidden(c); err != nil {
		return err
	}
	if p.InvalidEmails, err = s.contacts.CountInvalidEmails(c.Request().Context(), currentUser(c).ID); err != nil {
		return err
	}
	if tok := c.QueryParam("undo"); tok != "" {
		if removed := s.contacts.Undoable(currentUser(c).ID, tok); len(removed) > 0 {
			names := make([]string, len(removed))
			for i, r := range removed {
				names[i] = r.DisplayName()
			}
			p.Undo = &views.UndoNotice{Text: "Removed " + strings.Join(names, ", ") + ".", Token: tok}
		}
	}
	switch c.QueryParam("done") {
	case "undo-expired":
		p.Notice = "That removal can no longer be undone."
	case "restored":
		p.Notice = "Contacts restored."
	case "none-selected":
		p.Notice = "Select the contacts to remove with the boxes in the first column."
	case "columns":
		p.Notice = "Your columns are saved."
	case "none-selected-email":
		p.Notice = "Select the contacts to email with the boxes in the first column."
	}
	return render(c, http.StatusOK, views.ContactsPage(p))
}
