package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strings"
	"time"

	"agentbook/app"
	"agentbook/app/imports"

	"github.com/labstack/echo/v4"
)

// NewSocket returns the operator API served on the unix socket in the data folder (mode 0600,
// so only the account running agentbook can use it). The CLI uses it while the server holds the
// data folder; it offers the same operations the CLI performs directly otherwise.
func NewSocket(opt Options) *echo.Echo {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	s := &Server{contacts: opt.Contacts, accounts: opt.Accounts, logger: opt.Logger.With("component", "socket"), opt: opt}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		c.Request().URL.Path = "/api/" + c.Request().URL.Path // JSON errors
		s.handleError(err, c)
	}
	e.POST("/v1/users", s.opAddUser)
	e.POST("/v1/tokens", s.opCreateToken)
	e.POST("/v1/seed", s.opSeed)
	e.POST("/v1/reindex", s.opReindex)
	e.POST("/v1/import", s.opImport)
	e.POST("/v1/export", s.opExport)
	e.POST("/v1/backup", s.opBackup)
	// Profiles for the operator: curl --unix-socket data/agentbook.sock http://x/debug/pprof/profile
	e.GET("/debug/pprof/*", echo.WrapHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch strings.TrimPrefix(r.URL.Path, "/debug/pprof/") {
		case "profile":
			pprof.Profile(w, r)
		case "trace":
			pprof.Trace(w, r)
		default:
			pprof.Index(w, r)
		}
	})))
	return e
}

// UserRequest is the body of the operator's "user add".
type UserRequest struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Phone    string `json:"phone"`
	Password string `json:"password"`
	Admin    bool   `json:"admin"`
}

// UserResult is an agent account as the CLI prints it.
type UserResult struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

// Ops are the operator operations, shared by the socket handlers and the CLI's direct mode.
type Ops struct {
	Contacts ContactService
	Accounts AccountService
	Reindex  func(ctx context.Context) (int, error)
	Imports  ImportService
	Exports  ExportService
}

// ImportRequest is the body of the operator's "import": a file on this machine, and the settings.
type ImportRequest struct {
	Owner      string `json:"owner"`
	Path       string `json:"path"`
	Delimiter  string `json:"delimiter"`
	Duplicates string `json:"duplicates"`
	Group      string `json:"group"`
	DryRun     bool   `json:"dry_run"`
}

// Import imports a file for the agent with the email and returns the outcome.
func (o Ops) Import(ctx context.Context, r ImportRequest) (map[string]any, error) {
	u, err := o.Accounts.UserByEmail(ctx, r.Owner)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(r.Path)
	if err != nil {
		return nil, app.Errorf(app.EINVALID, "Cannot open %s: %v", r.Path, errors.Unwrap(err))
	}
	defer f.Close()
	start := time.Now()
	im, pv, err := o.Imports.Upload(ctx, u.ID, filepath.Base(r.Path), f, imports.Settings{Delimiter: r.Delimiter, Duplicates: r.Duplicates, Group: r.Group, CheckOnly: !r.DryRun})
	if err != nil {
		return nil, err
	}
	switch {
	case pv.NeedsMapping:
		return nil, app.Errorf(app.EINVALID, "None of the columns (%s) is one agentbook recognises; import this file in the browser, which lets you map them.", strings.Join(pv.Header, ", "))
	case pv.Problem != "":
		return nil, app.Errorf(app.EINVALID, "%s", pv.Problem)
	case r.DryRun:
		return map[string]any{"id": im.ID, "status": im.Status, "format": im.Format, "encoding": im.Encoding, "total": im.Total,
			"created": pv.Create, "updated": pv.Update, "skipped": pv.Skip, "failed": pv.Fail, "new_groups": pv.NewGroups}, nil
	}
	im, err = o.Imports.Run(ctx, u.ID, im.ID)
	if err != nil && im == nil {
		return nil, err
	}
	secs := time.Since(start).Seconds()
	errs := im.Errors
	if len(errs) > 20 {
		errs = errs[:20]
	}
	return map[string]any{"id": im.ID, "status": im.Status, "message": im.Message, "format": im.Format, "total": im.Total,
		"created": im.Created, "updated": im.Updated, "skipped": im.Skipped, "failed": im.Failed, "errors": errs,
		"seconds": secs, "rows_per_second": float64(im.Read) / secs}, nil
}

// Export writes every contact of the agent with the email to w, as csv or vcf.
func (o Ops) Export(ctx context.Context, owner, format string, w io.Writer) error {
	u, err := o.Accounts.UserByEmail(ctx, owner)
	if err != nil {
		return err
	}
	if format == "" {
		format = imports.ExportCSV
	}
	return o.Exports.Export(ctx, app.ContactQuery{OwnerID: u.ID, Status: app.StatusAll}, true, format, w)
}

// AddUser creates an agent account.
func (o Ops) AddUser(ctx context.Context, r UserRequest) (*UserResult, error) {
	u, err := o.Accounts.CreateUser(ctx, app.NewUser{Name: r.Name, Email: r.Email, Phone: r.Phone, Password: r.Password, Admin: r.Admin})
	if err != nil {
		return nil, err
	}
	return &UserResult{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role}, nil
}

// CreateToken issues an API token for an agent.
func (o Ops) CreateToken(ctx context.Context, email string) (map[string]string, error) {
	t, err := o.Accounts.CreateToken(ctx, email)
	if err != nil {
		return nil, err
	}
	return map[string]string{"token": t}, nil
}

// Seed creates n synthetic contacts for the agent with the email.
func (o Ops) Seed(ctx context.Context, owner string, n int) (map[string]any, error) {
	u, err := o.Accounts.UserByEmail(ctx, owner)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	created, err := o.Contacts.Seed(ctx, u.ID, n)
	if err != nil {
		return nil, err
	}
	secs := time.Since(start).Seconds()
	return map[string]any{"created": created, "seconds": secs, "per_second": float64(created) / secs}, nil
}

func (s *Server) ops() Ops {
	return Ops{Contacts: s.contacts, Accounts: s.accounts, Reindex: s.opt.Reindex, Imports: s.opt.Imports, Exports: s.opt.Exports}
}

func (s *Server) opImport(c echo.Context) error {
	var r ImportRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	res, err := s.ops().Import(c.Request().Context(), r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// opExport streams the export itself (not JSON); an error before the first byte is JSON.
func (s *Server) opExport(c echo.Context) error {
	var r struct {
		Owner  string `json:"owner"`
		Format string `json:"format"`
	}
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	u, err := s.accounts.UserByEmail(c.Request().Context(), r.Owner)
	if err != nil {
		return err
	}
	if r.Format != "" && r.Format != imports.ExportCSV && r.Format != imports.ExportVCard {
		return app.Errorf(app.EINVALID, "The export format is csv or vcf.")
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/octet-stream")
	c.Response().WriteHeader(http.StatusOK)
	if err := s.ops().Export(c.Request().Context(), u.Email, r.Format, c.Response()); err != nil {
		s.logger.Error("export", "err", err)
	}
	return nil
}

func (s *Server) opAddUser(c echo.Context) error {
	var r UserRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	res, err := s.ops().AddUser(c.Request().Context(), r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

func (s *Server) opCreateToken(c echo.Context) error {
	var r struct {
		Email string `json:"email"`
	}
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	res, err := s.ops().CreateToken(c.Request().Context(), r.Email)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

func (s *Server) opSeed(c echo.Context) error {
	var r struct {
		Owner string `json:"owner"`
		N     int    `json:"n"`
	}
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	res, err := s.ops().Seed(c.Request().Context(), r.Owner, r.N)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (s *Server) opReindex(c echo.Context) error {
	n, err := s.opt.Reindex(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"indexed": n})
}

// Backuper writes a consistent snapshot of every record to w (the store implements it).
type Backuper interface {
	Backup(w io.Writer) (uint64, error)
}

// opBackup streams a backup of the store (not JSON). Options has no field for it: the store
// already arrives as Prefs, so the backup is taken from there when it can make one. An error
// before the first byte is JSON; after it, the connection is cut so that the CLI sees a
// truncated stream and keeps no file.
func (s *Server) opBackup(c echo.Context) error {
	b, ok := s.opt.Prefs.(Backuper)
	if !ok {
		return app.Errorf(app.EINTERNAL, "This server cannot make backups.")
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/octet-stream")
	c.Response().WriteHeader(http.StatusOK)
	start := time.Now()
	if _, err := b.Backup(c.Response()); err != nil {
		s.logger.Error("backup", "err", err)
		panic(http.ErrAbortHandler)
	}
	s.logger.Info("backup streamed", "bytes", c.Response().Size, "took", time.Since(start).Round(time.Millisecond))
	return nil
}
