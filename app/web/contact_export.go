package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"agentbook/app"
	"agentbook/app/imports"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

// ExportService is what the handlers need from imports.Exporter.
type ExportService interface {
	Export(ctx context.Context, q app.ContactQuery, all bool, format string, w io.Writer) error
}

// exportQuery reads the list filter an export was asked for, and whether there is one.
func exportQuery(c echo.Context) (views.ListQuery, app.ContactQuery, bool, error) {
	lq := views.ListQuery{Q: c.QueryParam("q"), Status: c.QueryParam("status"), Group: c.QueryParam("group"),
		EmailStatus: c.QueryParam("email_status"), Sort: c.QueryParam("sort")}
	field, desc, err := parseSort(lq.Sort)
	if err != nil {
		return lq, app.ContactQuery{}, false, &app.Error{Code: app.EINVALID, Message: "That sort order is unknown.", Fields: map[string]string{"sort": "unknown sort"}}
	}
	q := app.ContactQuery{OwnerID: currentUser(c).ID, Text: lq.Q, GroupID: lq.Group, Status: app.ContactStatus(lq.Status),
		EmailStatus: lq.EmailStatus, Sort: field, Desc: desc}
	filtered := lq.Q != "" || lq.Group != "" || lq.EmailStatus != "" || (lq.Status != "" && lq.Status != string(app.StatusAll))
	return lq, q, filtered, nil
}

// showExportPage: GET /contacts/export[?list filter] — Export Contacts.
func (s *Server) showExportPage(c echo.Context) error {
	ctx := c.Request().Context()
	lq, q, filtered, err := exportQuery(c)
	if err != nil {
		return err
	}
	p := views.ExportProps{PageProps: pageProps(c), Query: lq, Filtered: filtered}
	all, err := s.contacts.List(ctx, app.ContactQuery{OwnerID: q.OwnerID, Status: app.StatusAll, Limit: 1})
	if err != nil {
		return err
	}
	p.All = all.Total
	if filtered {
		q.Limit = 1
		m, err := s.contacts.List(ctx, q)
		if app.ErrorCode(err) == app.EINVALID {
			p.Filtered, p.Message = false, app.ErrorMessage(err)
		} else if err != nil {
			return err
		} else {
			p.Matching = m.Total
		}
	}
	return render(c, http.StatusOK, views.ExportPage(p))
}

// downloadExport: GET /contacts/export/download?scope=all|filter&format=csv|vcf[&list filter]
func (s *Server) downloadExport(c echo.Context) error {
	_, q, filtered, err := exportQuery(c)
	if err != nil {
		return err
	}
	return s.writeExport(c, q, !filtered || c.QueryParam("scope") != "filter", c.QueryParam("format"))
}

// writeExport streams an export as a download.
func (s *Server) writeExport(c echo.Context, q app.ContactQuery, all bool, format string) error {
	if format == "" {
		format = imports.ExportCSV
	}
	if format != imports.ExportCSV && format != imports.ExportVCard {
		return &app.Error{Code: app.EINVALID, Message: "The export format is csv or vcf.", Fields: map[string]string{"format": "csv or vcf"}}
	}
	name := fmt.Sprintf("agentbook-contacts-%s.%s", time.Now().Format("2006-01-02"), format)
	h := c.Response().Header()
	if format == imports.ExportVCard {
		h.Set(echo.HeaderContentType, "text/vcard; charset=utf-8")
	} else {
		h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	}
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", name))
	c.Response().WriteHeader(http.StatusOK)
	// Once the first bytes are out an error can only cut the download short; it is logged.
	if err := s.opt.Exports.Export(c.Request().Context(), q, all, format, c.Response()); err != nil {
		s.logger.Error("export", "err", err)
	}
	return nil
}
