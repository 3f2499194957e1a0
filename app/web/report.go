package web

import (
	"context"
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"agentbook/app"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

// ReportService is what the Contact Summary needs from app.ReportService.
type ReportService interface {
	// Page returns one page of an agent's report from its snapshot.
	Page(ctx context.Context, q app.ReportQuery) (*app.ReportPage, error)
	// Rebuild brings an agent's snapshot up to date (only the changed contacts unless full).
	Rebuild(ctx context.Context, ownerID string, full bool) (app.BuildResult, error)
	// Rows returns the snapshot rows of the given contacts, for the list's activity columns.
	Rows(ctx context.Context, ownerID string, ids []string) (map[string]*app.ReportRow, error)
}

// reportFilter reads the report's filter and sort from the query string.
func reportFilter(c echo.Context) (views.ReportFilter, int) {
	f := views.ReportFilter{Text: strings.TrimSpace(c.QueryParam("q")), GroupID: c.QueryParam("group")}
	switch st := c.QueryParam("status"); st {
	case "active", "inactive":
		f.Status = st
	}
	sort := c.QueryParam("sort")
	f.Desc = strings.HasPrefix(sort, "-")
	f.Sort = strings.TrimPrefix(sort, "-")
	offset, _ := strconv.Atoi(c.QueryParam("offset"))
	return f, max(offset, 0)
}

func reportQuery(ownerID string, f views.ReportFilter, offset, limit int) app.ReportQuery {
	return app.ReportQuery{OwnerID: ownerID, Text: f.Text, GroupID: f.GroupID, Status: app.ContactStatus(f.Status),
		Sort: f.Sort, Desc: f.Desc, Offset: offset, Limit: limit}
}

func (s *Server) reports() (ReportService, error) {
	if s.opt.Reports == nil {
		return nil, app.Errorf(app.ENOTFOUND, "The Contact Summary is not available on this server.")
	}
	return s.opt.Reports, nil
}

// showReportPage shows the Contact Summary from the stored snapshot.
func (s *Server) showReportPage(c echo.Context) error {
	svc, err := s.reports()
	if err != nil {
		return err
	}
	u := currentUser(c)
	ctx := c.Request().Context()
	f, offset := reportFilter(c)
	page, err := svc.Page(ctx, reportQuery(u.ID, f, offset, 50))
	if app.ErrorCode(err) == app.EINVALID { // an unknown sort: by name
		f.Sort, f.Desc = "", false
		page, err = svc.Page(ctx, reportQuery(u.ID, f, offset, 50))
	}
	if err != nil {
		return err
	}
	groups, err := s.contacts.Groups(ctx, u.ID)
	if err != nil {
		return err
	}
	p := views.ReportProps{PageProps: pageProps(c), Report: page, Groups: groups, Filter: f}
	if c.QueryParam("refreshed") != "" {
		p.Notice = "The report is up to date."
	}
	return render(c, http.StatusOK, views.ReportPage(p))
}

// refreshReport rebuilds the agent's report now (Refresh now) and shows it again.
func (s *Server) refreshReport(c echo.Context) error {
	svc, err := s.reports()
	if err != nil {
		return err
	}
	if _, err := svc.Rebuild(c.Request().Context(), currentUser(c).ID, false); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/reports/contact-summary?refreshed=1")
}

// downloadReportCSV writes the filtered, sorted report as CSV, with its totals row last.
func (s *Server) downloadReportCSV(c echo.Context) error {
	svc, err := s.reports()
	if err != nil {
		return err
	}
	f, _ := reportFilter(c)
	page, err := svc.Page(c.Request().Context(), reportQuery(currentUser(c).ID, f, 0, -1))
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="contact-summary.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write([]string{"contact_id", "name", "status", "has_portal", "portal_logins", "last_login_at",
		"messages_from_contact", "messages_to_contact", "unread_messages", "emails_sent", "last_email_at",
		"emails_bounced", "saved_searches", "search_alerts", "last_activity_at"})
	line := func(r *app.ReportRow, id, name, status, portal string) error {
		return w.Write([]string{id, safeCSV(name), status, portal, strconv.Itoa(r.PortalLogins), csvTime(r.LastLoginAt),
			strconv.Itoa(r.MessagesFromContact), strconv.Itoa(r.MessagesToContact), strconv.Itoa(r.UnreadMessages),
			strconv.Itoa(r.EmailsSent), csvTime(r.LastEmailAt), strconv.Itoa(r.EmailsBounced),
			strconv.Itoa(r.SavedSearches), strconv.Itoa(r.SearchAlerts), csvTime(r.LastActivityAt)})
	}
	for _, r := range page.Items {
		if err := line(r, r.ContactID, r.Name, string(r.Status), strconv.FormatBool(r.HasPortal)); err != nil {
			return nil // the client went away
		}
	}
	_ = line(page.Totals, "", "Total", "", strconv.Itoa(page.PortalAccounts))
	w.Flush()
	return nil
}

// safeCSV keeps a spreadsheet from reading a name as a formula.
func safeCSV(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// reportRowJSON is one row of the report as the API shows it (DESIGN.md).
type reportRowJSON struct {
	ContactID           string     `json:"contact_id"`
	Name                string     `json:"name"`
	Status              string     `json:"status"`
	HasPortal           bool       `json:"has_portal"`
	PortalLogins        int        `json:"portal_logins"`
	LastLoginAt         *time.Time `json:"last_login_at"`
	MessagesFromContact int        `json:"messages_from_contact"`
	MessagesToContact   int        `json:"messages_to_contact"`
	UnreadMessages      int        `json:"unread_messages"`
	EmailsSent          int        `json:"emails_sent"`
	LastEmailAt         *time.Time `json:"last_email_at"`
	EmailsBounced       int        `json:"emails_bounced"`
	SavedSearches       int        `json:"saved_searches"`
	SearchAlerts        int        `json:"search_alerts"`
	LastActivityAt      *time.Time `json:"last_activity_at"`
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// apiReport answers GET /api/v1/reports/contact-summary: one page (limit, cursor = the offset
// of the next page), filtered by q, group and status and sorted by sort.
func (s *Server) apiReport(c echo.Context) error {
	svc, err := s.reports()
	if err != nil {
		return err
	}
	f, _ := reportFilter(c)
	offset := 0
	if cur := c.QueryParam("cursor"); cur != "" {
		if offset, err = strconv.Atoi(cur); err != nil || offset < 0 {
			return &app.Error{Code: app.EINVALID, Message: "The page cursor is not valid; start from the first page.",
				Fields: map[string]string{"cursor": "not a cursor from this server"}}
		}
	}
	limit := 50
	if l := c.QueryParam("limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil || limit < 1 || limit > 500 {
			return &app.Error{Code: app.EINVALID, Message: "The limit must be a number from 1 to 500.",
				Fields: map[string]string{"limit": "1 to 500"}}
		}
	}
	page, err := svc.Page(c.Request().Context(), reportQuery(currentUser(c).ID, f, offset, limit))
	if err != nil {
		return err
	}
	items := make([]reportRowJSON, len(page.Items))
	for i, r := range page.Items {
		items[i] = reportRowJSON{ContactID: r.ContactID, Name: r.Name, Status: string(r.Status), HasPortal: r.HasPortal,
			PortalLogins: r.PortalLogins, LastLoginAt: timeOrNil(r.LastLoginAt), MessagesFromContact: r.MessagesFromContact,
			MessagesToContact: r.MessagesToContact, UnreadMessages: r.UnreadMessages, EmailsSent: r.EmailsSent,
			LastEmailAt: timeOrNil(r.LastEmailAt), EmailsBounced: r.EmailsBounced, SavedSearches: r.SavedSearches,
			SearchAlerts: r.SearchAlerts, LastActivityAt: timeOrNil(r.LastActivityAt)}
	}
	next := ""
	if page.Next > 0 {
		next = strconv.Itoa(page.Next)
	}
	weeks := make([]map[string]any, len(page.Weeks))
	for i, w := range page.Weeks {
		weeks[i] = map[string]any{"week": w.Start.Format("2006-01-02"), "count": w.Count}
	}
	return c.JSON(http.StatusOK, map[string]any{"as_of": timeOrNil(page.AsOf), "items": items, "total": page.Total,
		"next_cursor": next, "weeks": weeks})
}

// apiRefreshReport answers POST /api/v1/reports/contact-summary/refresh: the agent's report is
// brought up to date before it answers.
func (s *Server) apiRefreshReport(c echo.Context) error {
	svc, err := s.reports()
	if err != nil {
		return err
	}
	r, err := svc.Rebuild(c.Request().Context(), currentUser(c).ID, false)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"full": r.Full, "contacts": r.Contacts, "removed": r.Removed})
}

// activityRows returns the Contact Summary rows of the contacts for the list's activity
// columns; nil when none of them is shown (or there is no report).
func (s *Server) activityRows(ctx context.Context, ownerID string, cols []string, cs []*app.Contact) (map[string]*app.ReportRow, error) {
	if s.opt.Reports == nil || !slices.ContainsFunc(cols, func(k string) bool { return slices.Contains(views.ActivityColumns(), k) }) {
		return nil, nil
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return s.opt.Reports.Rows(ctx, ownerID, ids)
}
