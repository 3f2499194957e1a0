package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"agentbook/app"
	"agentbook/app/imports"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

// ImportService is what the handlers need from imports.Service.
type ImportService interface {
	Upload(ctx context.Context, ownerID, fileName string, r io.Reader, set imports.Settings) (*app.Import, *imports.Preview, error)
	Preview(ctx context.Context, ownerID, id string, set imports.Settings) (*app.Import, *imports.Preview, error)
	Start(ctx context.Context, ownerID, id string) (*app.Import, error)
	Run(ctx context.Context, ownerID, id string) (*app.Import, error)
	Get(ctx context.Context, ownerID, id string) (*app.Import, error)
	List(ctx context.Context, ownerID string) ([]*app.Import, error)
	Undo(ctx context.Context, ownerID, id string) (*app.Import, error)
	StartUndo(ctx context.Context, ownerID, id string) (*app.Import, error)
	FailedCSV(ctx context.Context, ownerID, id string, w io.Writer) error
}

// importMax is the largest import file accepted.
func (s *Server) importMax() int64 {
	if s.opt.ImportMaxSize > 0 {
		return s.opt.ImportMaxSize
	}
	return imports.DefaultMaxSize
}

// isUpload reports whether a request is an import upload, which may be larger than a form.
func isUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && (r.URL.Path == "/contacts/import" || r.URL.Path == "/api/v1/imports" ||
		r.URL.Path == "/listings/import")
}

// bodyLimit caps request bodies: 2 MB, or the import size limit (plus the form around the
// file) for an upload.
func (s *Server) bodyLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		limit := int64(2 << 20)
		if isUpload(r) {
			limit = s.importMax() + 1<<20
		}
		if r.ContentLength > limit && !isUpload(r) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "The request is too large.")
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
		return next(c)
	}
}

// uploadedFile opens the multipart file field, turning a body over the limit into a clear message.
func (s *Server) uploadedFile(c echo.Context) (multipart.File, string, error) {
	// Parts past the first 1 MB go to a temporary file (removed when the request ends), so a
	// large upload does not sit in memory.
	err := c.Request().ParseMultipartForm(1 << 20)
	var fh *multipart.FileHeader
	if err == nil {
		fh, err = c.FormFile("file")
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		msg := fmt.Sprintf("The file is larger than the %d MB limit. Split it into smaller files.", s.importMax()>>20)
		return nil, "", &app.Error{Code: app.EINVALID, Message: msg, Fields: map[string]string{"file": msg}}
	case errors.Is(err, http.ErrMissingFile):
		return nil, "", &app.Error{Code: app.EINVALID, Message: "Choose a file to import.", Fields: map[string]string{"file": "Choose a file to import."}}
	case err != nil:
		return nil, "", &app.Error{Code: app.EINVALID, Message: "The upload could not be read. Try again.", Fields: map[string]string{"file": "The upload could not be read."}}
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "", fmt.Errorf("open upload: %w", err)
	}
	return f, fh.Filename, nil
}

func importForm(c echo.Context) views.ImportForm {
	return views.ImportForm{Delimiter: c.FormValue("delimiter"), Other: c.FormValue("other"),
		Duplicates: c.FormValue("duplicates"), Group: c.FormValue("group")}
}

// importSettings turns the form into settings.
func importSettings(f views.ImportForm) imports.Settings {
	d := f.Delimiter
	if d == "other" {
		d = f.Other
		if d == "" {
			d = "other" // refused by the service with a message
		}
	}
	return imports.Settings{Delimiter: d, Duplicates: f.Duplicates, Group: f.Group}
}

// showImportPage: GET /contacts/import — the upload form and recent imports.
func (s *Server) showImportPage(c echo.Context) error {
	return s.renderImportPage(c, http.StatusOK, views.ImportForm{}, nil)
}

func (s *Server) renderImportPage(c echo.Context, status int, f views.ImportForm, err error) error {
	recent, lerr := s.opt.Imports.List(c.Request().Context(), currentUser(c).ID)
	if lerr != nil {
		return lerr
	}
	p := views.ImportProps{PageProps: pageProps(c), Form: f, Recent: recent, MaxSize: fmt.Sprintf("%d MB", s.importMax()>>20)}
	if err != nil {
		p.Message, p.Fields = app.ErrorMessage(err), app.ErrorFields(err)
		if fields := p.Fields; fields["delimiter"] != "" {
			p.Message = fields["delimiter"]
		}
	}
	return render(c, status, views.ImportPage(p))
}

// uploadImport: POST /contacts/import — keep the file and show its preview.
func (s *Server) uploadImport(c echo.Context) error {
	f, name, err := s.uploadedFile(c)
	form := importForm(c)
	if err != nil {
		if app.ErrorCode(err) == app.EINVALID {
			return s.renderImportPage(c, http.StatusUnprocessableEntity, form, err)
		}
		return err
	}
	defer f.Close()
	im, pv, err := s.opt.Imports.Upload(c.Request().Context(), currentUser(c).ID, name, f, importSettings(form))
	if app.ErrorCode(err) == app.EINVALID {
		return s.renderImportPage(c, http.StatusUnprocessableEntity, form, err)
	}
	if err != nil {
		return err
	}
	return s.renderPreview(c, http.StatusOK, im, pv, nil)
}

func (s *Server) renderPreview(c echo.Context, status int, im *app.Import, pv *imports.Preview, err error) error {
	groups, gerr := s.contacts.Groups(c.Request().Context(), currentUser(c).ID)
	if gerr != nil {
		return gerr
	}
	p := views.ImportPreviewProps{PageProps: pageProps(c), Import: im, Preview: pv, Groups: groups}
	if err != nil {
		p.Message, p.Fields = app.ErrorMessage(err), app.ErrorFields(err)
	}
	c.Response().Header().Set("Vary", "HX-Request")
	if isHX(c) {
		return render(c, status, views.ImportPreviewBody(p))
	}
	return render(c, status, views.ImportPreviewPage(p))
}

// showImport: GET /contacts/import/:id — the preview of an import not yet run, else its progress
// or result.
func (s *Server) showImport(c echo.Context) error {
	ctx, owner := c.Request().Context(), currentUser(c).ID
	im, err := s.opt.Imports.Get(ctx, owner, c.Param("id"))
	if err != nil {
		return err
	}
	if im.Status == app.ImportPreview {
		im, pv, err := s.opt.Imports.Preview(ctx, owner, im.ID, imports.Settings{Delimiter: im.Delimiter,
			Duplicates: im.Duplicates, Group: im.Group, Mapping: im.Mapping})
		if err != nil {
			if app.ErrorCode(err) == app.EINVALID || app.ErrorCode(err) == app.ENOTFOUND {
				return s.renderImportPage(c, http.StatusOK, views.ImportForm{}, err)
			}
			return err
		}
		return s.renderPreview(c, http.StatusOK, im, pv, nil)
	}
	return render(c, http.StatusOK, views.ImportStatusPage(views.ImportStatusProps{PageProps: pageProps(c), Import: im}))
}

// previewImport: POST /contacts/import/:id/preview — preview again with a mapping or other
// duplicates and group choices.
func (s *Server) previewImport(c echo.Context) error {
	ctx, owner := c.Request().Context(), currentUser(c).ID
	cur, err := s.opt.Imports.Get(ctx, owner, c.Param("id"))
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return app.Errorf(app.EINVALID, "The form could not be read.")
	}
	set := imports.Settings{Delimiter: cur.Delimiter, Duplicates: form.Get("duplicates"), Group: form.Get("group"), Mapping: cur.Mapping}
	if form.Get("mapped") != "" {
		set.Mapping = form["map"]
		if set.Mapping == nil {
			set.Mapping = []string{}
		}
	}
	im, pv, err := s.opt.Imports.Preview(ctx, owner, cur.ID, set)
	if app.ErrorCode(err) == app.EINVALID {
		im, pv, perr := s.opt.Imports.Preview(ctx, owner, cur.ID, imports.Settings{Delimiter: cur.Delimiter,
			Duplicates: cur.Duplicates, Group: cur.Group, Mapping: cur.Mapping})
		if perr != nil {
			return perr
		}
		im.Group, im.Duplicates = form.Get("group"), form.Get("duplicates")
		return s.renderPreview(c, http.StatusOK, im, pv, err)
	}
	if err != nil {
		return err
	}
	return s.renderPreview(c, http.StatusOK, im, pv, nil)
}

// runImport: POST /contacts/import/:id/run — save the settings and start the import; the page
// then shows its progress.
func (s *Server) runImport(c echo.Context) error {
	ctx, owner := c.Request().Context(), currentUser(c).ID
	cur, err := s.opt.Imports.Get(ctx, owner, c.Param("id"))
	if err != nil {
		return err
	}
	if cur.Status == app.ImportPreview && c.FormValue("duplicates") == cur.Duplicates && strings.Join(strings.Fields(c.FormValue("group")), " ") == cur.Group {
		// The preview on screen is the one stored: start without reading the file again.
		if _, err := s.opt.Imports.Start(ctx, owner, cur.ID); err != nil {
			if app.ErrorCode(err) != app.ECONFLICT {
				return err
			}
			if now, gerr := s.opt.Imports.Get(ctx, owner, cur.ID); gerr == nil && now.Status == app.ImportPreview {
				// Another import of the agent's is running: say so on the preview.
				im, pv, perr := s.opt.Imports.Preview(ctx, owner, cur.ID, imports.Settings{Delimiter: cur.Delimiter,
					Duplicates: cur.Duplicates, Group: cur.Group, Mapping: cur.Mapping})
				if perr != nil {
					return perr
				}
				return s.renderPreview(c, http.StatusOK, im, pv, err)
			}
		}
	} else if cur.Status == app.ImportPreview {
		set := imports.Settings{Delimiter: cur.Delimiter, Duplicates: c.FormValue("duplicates"), Group: c.FormValue("group"), Mapping: cur.Mapping}
		im, pv, err := s.opt.Imports.Preview(ctx, owner, cur.ID, set)
		if app.ErrorCode(err) == app.EINVALID {
			return s.previewImport(c)
		}
		if err != nil {
			return err
		}
		if pv.Problem != "" || pv.NeedsMapping {
			return s.renderPreview(c, http.StatusOK, im, pv, nil)
		}
		if _, err := s.opt.Imports.Start(ctx, owner, cur.ID); err != nil {
			if app.ErrorCode(err) == app.ECONFLICT {
				return s.renderPreview(c, http.StatusOK, im, pv, err)
			}
			return err
		}
	}
	return c.Redirect(http.StatusSeeOther, "/contacts/import/"+cur.ID)
}

// showImportProgress: GET /contacts/import/:id/progress — the progress fragment htmx polls.
func (s *Server) showImportProgress(c echo.Context) error {
	im, err := s.opt.Imports.Get(c.Request().Context(), currentUser(c).ID, c.Param("id"))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.ImportProgress(im, csrfToken(c)))
}

// downloadFailedRows: GET /contacts/import/:id/failed.csv
func (s *Server) downloadFailedRows(c echo.Context) error {
	ctx, owner := c.Request().Context(), currentUser(c).ID
	im, err := s.opt.Imports.Get(ctx, owner, c.Param("id"))
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(im.FileName, ".csv")
	name = strings.TrimSuffix(name, ".vcf")
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", safeFileName(name+"-failed-rows.csv")))
	c.Response().WriteHeader(http.StatusOK)
	return s.opt.Imports.FailedCSV(ctx, owner, im.ID, c.Response())
}

// safeFileName keeps a download name to plain characters.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 32 || r == '"' || r == '\\' || r == '/' || r > 126 {
			return '_'
		}
		return r
	}, s)
}

// undoImport: POST /contacts/import/:id/undo
func (s *Server) undoImport(c echo.Context) error {
	im, err := s.opt.Imports.StartUndo(c.Request().Context(), currentUser(c).ID, c.Param("id"))
	if err != nil {
		if app.ErrorCode(err) == app.ECONFLICT {
			cur, gerr := s.opt.Imports.Get(c.Request().Context(), currentUser(c).ID, c.Param("id"))
			if gerr != nil {
				return gerr
			}
			return render(c, http.StatusConflict, views.ImportStatusPage(views.ImportStatusProps{PageProps: pageProps(c), Import: cur}))
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/contacts/import/"+im.ID)
}
