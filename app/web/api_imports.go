package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"agentbook/app"
	"agentbook/app/imports"

	"github.com/labstack/echo/v4"
)

// apiCreateImport: POST /api/v1/imports (multipart: file; optional delimiter, duplicates, group,
// dry_run) → 202 {"id","status"} while it runs, or 200 with the preview's totals for a dry run.
func (s *Server) apiCreateImport(c echo.Context) error {
	f, name, err := s.uploadedFile(c)
	if err != nil {
		return err
	}
	defer f.Close()
	ctx, owner := c.Request().Context(), currentUser(c).ID
	set := imports.Settings{Delimiter: c.FormValue("delimiter"), Duplicates: c.FormValue("duplicates"), Group: c.FormValue("group")}
	if m := c.FormValue("mapping"); m != "" {
		set.Mapping = strings.Split(m, ",")
	}
	dry, _ := strconv.ParseBool(c.FormValue("dry_run"))
	set.CheckOnly = !dry
	im, pv, err := s.opt.Imports.Upload(ctx, owner, name, f, set)
	if err != nil {
		return err
	}
	switch {
	case pv.NeedsMapping:
		return &app.Error{Code: app.EINVALID, Message: fmt.Sprintf("None of the columns (%s) is one agentbook recognises. Send mapping=field,field,… (one per column; fields: %s).",
			strings.Join(pv.Header, ", "), strings.Join(mappableNames(), ", ")), Fields: map[string]string{"mapping": "needed for this file"}}
	case pv.Problem != "":
		return &app.Error{Code: app.EINVALID, Message: pv.Problem, Fields: map[string]string{"file": pv.Problem}}
	}
	if dry {
		return c.JSON(http.StatusOK, map[string]any{"id": im.ID, "status": im.Status, "format": im.Format, "encoding": im.Encoding,
			"total": im.Total, "created": pv.Create, "updated": pv.Update, "skipped": pv.Skip, "failed": pv.Fail, "new_groups": pv.NewGroups})
	}
	im, err = s.opt.Imports.Start(ctx, owner, im.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"id": im.ID, "status": im.Status})
}

func mappableNames() []string {
	var out []string
	for _, f := range imports.MappableFields() {
		if f[0] != "" {
			out = append(out, f[0])
		}
	}
	return out
}

// apiListImports: GET /api/v1/imports
func (s *Server) apiListImports(c echo.Context) error {
	ims, err := s.opt.Imports.List(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": ims, "total": len(ims)})
}

// apiGetImport: GET /api/v1/imports/{id}
func (s *Server) apiGetImport(c echo.Context) error {
	im, err := s.opt.Imports.Get(c.Request().Context(), currentUser(c).ID, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, im)
}

// apiFailedRows: GET /api/v1/imports/{id}/failed — the failed rows as CSV.
func (s *Server) apiFailedRows(c echo.Context) error {
	return s.downloadFailedRows(c)
}

// apiUndoImport: POST /api/v1/imports/{id}/undo
func (s *Server) apiUndoImport(c echo.Context) error {
	im, err := s.opt.Imports.Undo(c.Request().Context(), currentUser(c).ID, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, im)
}

// apiExport: GET /api/v1/exports?format=csv|vcf[&q&group&status&email_status] — every contact,
// or those the filter finds.
func (s *Server) apiExport(c echo.Context) error {
	_, q, filtered, err := exportQuery(c)
	if err != nil {
		return err
	}
	return s.writeExport(c, q, !filtered, c.QueryParam("format"))
}
