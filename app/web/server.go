// Package web is agentbook's HTTP layer: the HTML/htmx UI, the JSON API, and the operator
// socket the CLI uses while the server runs. It knows the domain (app) and the views, never
// Badger or Bleve.
package web

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"agentbook/app"
	"agentbook/views"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	g "maragu.dev/gomponents"
)

// ContactService is what the handlers need from app.ContactService.
type ContactService interface {
	Create(ctx context.Context, ownerID string, c *app.Contact) (*app.Contact, error)
	SetStatus(ctx context.Context, ownerID, id string, status app.ContactStatus) (*app.Contact, error)
	Remove(ctx context.Context, ownerID string, ids ...string) (string, []*app.Contact, error)
	Undo(ctx context.Context, ownerID, token string) ([]*app.Contact, error)
	Undoable(ownerID, token string) []*app.Contact
	Update(ctx context.Context, ownerID string, c *app.Contact) (*app.Contact, error)
	Delete(ctx context.Context, ownerID, id string) error
	Get(ctx context.Context, ownerID, id string) (*app.Contact, error)
	WithEmail(ctx context.Context, ownerID string, emails ...string) ([]*app.Contact, error)
	List(ctx context.Context, q app.ContactQuery) (*app.ContactList, error)
	Groups(ctx context.Context, ownerID string) ([]*app.Group, error)
	CreateGroup(ctx context.Context, ownerID, name string) (*app.Group, error)
	RenameGroup(ctx context.Context, ownerID, id, name string) (*app.Group, error)
	DeleteGroup(ctx context.Context, ownerID, id string) (int, error)
	GroupCounts(ctx context.Context, ownerID string) (map[string]int, error)
	SetGroups(ctx context.Context, ownerID, id string, groupIDs []string) (*app.Contact, error)
	Seed(ctx context.Context, ownerID string, n int) (int, error)
	EmailContacts(ctx context.Context, sender *app.User, ids []string, m app.Compose) (*app.EmailResult, error)
	ContactMail(ctx context.Context, ownerID, contactID string) ([]*app.OutMessage, error)
	InvalidEmails(ctx context.Context, ownerID string) ([]app.InvalidEmail, error)
	CountInvalidEmails(ctx context.Context, ownerID string) (int, error)
	FixEmail(ctx context.Context, ownerID, contactID, oldAddress, newAddress string) (*app.Contact, error)
	RemoveEmail(ctx context.Context, ownerID, contactID, address string) (*app.Contact, error)
}

// AccountService is what the handlers need from app.Accounts.
type AccountService interface {
	NeedsSetup(ctx context.Context) (bool, error)
	Setup(ctx context.Context, in app.NewUser) (*app.User, error)
	CreateUser(ctx context.Context, in app.NewUser) (*app.User, error)
	SetEnabled(ctx context.Context, actor *app.User, id string, enabled bool) (*app.User, error)
	Login(ctx context.Context, email, password, ip string) (string, *app.User, error)
	Authenticate(ctx context.Context, token string) (*app.User, error)
	Logout(ctx context.Context, token string) error
	CreateToken(ctx context.Context, email string) (string, error)
	UserByToken(ctx context.Context, token string) (*app.User, error)
	UserByEmail(ctx context.Context, email string) (*app.User, error)
	Users(ctx context.Context) ([]*app.User, error)
}

// PrefStore keeps each agent's preferences (the store implements it).
type PrefStore interface {
	// GetPref reads a preference into v; ENOTFOUND if never set.
	GetPref(ctx context.Context, userID, name string, v any) error
	// PutPref stores a preference.
	PutPref(ctx context.Context, userID, name string, v any) error
}

// Options configures the HTTP server.
type Options struct {
	Contacts      ContactService
	Accounts      AccountService
	Static        fs.FS // holds static/ and vendor/
	Logger        *slog.Logger
	SecureCookies bool // set when served over TLS (an https base URL)
	SessionTTL    time.Duration
	// Health reports whether the store and the index are open.
	Health func() error
	// Reindex rebuilds the search index from the store (operator socket only).
	Reindex func(ctx context.Context) (int, error)
	// Prefs keeps the agents' list columns and Quick Add choice.
	Prefs PrefStore
	// Mailbox is the SMTP sink's captured mail; nil when the sink is off.
	Mailbox app.Mailbox
	// MailNote says where mail goes, or that it waits (no sink and no relay); shown on the Mail page.
	MailNote string
	// MailWaiting is true when mail cannot leave the server (no sink and no relay).
	MailWaiting bool
	// Imports previews, runs and undoes imports; ImportMaxSize bounds an upload (0: 50 MB).
	Imports       ImportService
	ImportMaxSize int64
	// Exports writes an agent's contacts as CSV or vCard.
	Exports ExportService
	// Listings keeps saved searches and listings, and does Reverse Prospecting.
	Listings ListingService
	// Portal runs the client portal and its accounts.
	Portal PortalService
	// Jobs is the scheduler of the maintenance jobs, shown on the admin's Jobs page; nil for none.
	Jobs JobService
	// Reports serves and refreshes the Contact Summary; nil when it is off.
	Reports ReportService
}

// Server holds the handlers' dependencies.
type Server struct {
	contacts ContactService
	accounts AccountService
	logger   *slog.Logger
	opt      Options
	setUp    atomic.Bool // true once an account exists; saves a lookup per request
}

const (
	sessionCookie = "ab_session"
	csrfCookie    = "ab_csrf"
	ctxUser       = "user"
	ctxCSRF       = "csrf"
)

// New returns the Echo instance serving the UI and the JSON API.
func New(opt Options) *echo.Echo {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	s := &Server{contacts: opt.Contacts, accounts: opt.Accounts, logger: opt.Logger.With("component", "web"), opt: opt}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// Behind no proxy by default: the peer address is the client (X-Forwarded-For is not trusted,
	// so it cannot be used to dodge the login rate limit).
	e.IPExtractor = echo.ExtractIPDirect()
	e.HTTPErrorHandler = s.handleError
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.logger.Error("panic", "path", c.Request().URL.Path, "err", err, "stack", string(stack))
			return err
		}}))
	e.Use(securityHeaders)
	e.Use(s.bodyLimit)

	e.GET("/healthz", s.healthz)
	static, _ := fs.Sub(opt.Static, "static")
	vendor, _ := fs.Sub(opt.Static, "vendor")
	e.StaticFS("/static", static)
	e.StaticFS("/vendor", vendor)

	api := e.Group("/api/v1", s.requireToken)
	api.GET("/contacts", s.apiListContacts)
	api.POST("/contacts", s.apiCreateContact)
	api.GET("/contacts/:id", s.apiGetContact)
	api.PATCH("/contacts/:id", s.apiPatchContact)
	api.DELETE("/contacts/:id", s.apiDeleteContact)
	api.POST("/contacts/:id/deactivate", s.apiDeactivateContact)
	api.POST("/contacts/:id/reactivate", s.apiReactivateContact)
	api.POST("/contacts/:id/email", s.apiEmailContact)
	api.GET("/mail/messages", s.apiListMail)
	api.GET("/mail/messages/:id", s.apiGetMail)
	api.DELETE("/mail/messages", s.apiClearMail)
	api.POST("/imports", s.apiCreateImport)
	api.GET("/imports", s.apiListImports)
	api.GET("/imports/:id", s.apiGetImport)
	api.GET("/imports/:id/failed", s.apiFailedRows)
	api.POST("/imports/:id/undo", s.apiUndoImport)
	api.GET("/exports", s.apiExport)
	api.GET("/saved-searches", s.apiListSearches)
	api.POST("/saved-searches", s.apiCreateSearch)
	api.GET("/saved-searches/:id", s.apiGetSearch)
	api.PATCH("/saved-searches/:id", s.apiUpdateSearch)
	api.PUT("/saved-searches/:id", s.apiUpdateSearch)
	api.DELETE("/saved-searches/:id", s.apiDeleteSearch)
	api.GET("/listings", s.apiListListings)
	api.POST("/listings", s.apiCreateListing)
	api.GET("/listings/:id", s.apiGetListing)
	api.PATCH("/listings/:id", s.apiUpdateListing)
	api.GET("/listings/:id/matches", s.apiListingMatches)
	api.GET("/reports/contact-summary", s.apiReport)
	api.POST("/reports/contact-summary/refresh", s.apiRefreshReport)
	api.GET("/groups", s.apiListGroups)
	api.POST("/groups", s.apiCreateGroup)
	api.PATCH("/groups/:id", s.apiRenameGroup)
	api.DELETE("/groups/:id", s.apiDeleteGroup)
	api.Any("/*", func(c echo.Context) error { return app.Errorf(app.ENOTFOUND, "No such API route.") })

	ui := e.Group("", middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "query:_csrf,header:X-CSRF-Token,form:_csrf", // query first: an upload's form is not read to find it
		CookieName:     csrfCookie,
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   opt.SecureCookies,
		CookieSameSite: http.SameSiteLaxMode,
		CookieMaxAge:   86400 * 7,
		ContextKey:     ctxCSRF,
		ErrorHandler: func(err error, c echo.Context) error {
			return app.Errorf(app.EFORBIDDEN, "Your form expired or came from another site. Reload the page and try again.")
		},
	}), s.requireSetup)
	ui.GET("/setup", s.showSetupPage)
	ui.POST("/setup", s.setup)
	ui.GET("/login", s.showLoginPage)
	ui.POST("/login", s.login)
	ui.POST("/logout", s.logout)
	ui.GET("/unsubscribe/:owner/:id/:token", s.unsubscribe)

	// Client portal (portal_site.go): a small site for contacts, with its own ab_portal session
	// cookie scoped to /portal. A portal session reaches only these pages, for its own contact.
	ui.GET("/portal/login", s.showPortalLoginPage)
	ui.POST("/portal/login", s.portalLogin)
	ui.POST("/portal/logout", s.portalLogout)
	ui.GET("/portal/forgot", s.showPortalForgotPage)
	ui.POST("/portal/forgot", s.requestPortalReset)
	ui.GET("/portal/set-password/:token", s.showPortalSetPassword)
	ui.POST("/portal/set-password/:token", s.setPortalPassword)
	portal := ui.Group("/portal", s.requirePortal)
	portal.GET("", s.showPortalHome)
	portal.GET("/details", s.showPortalDetails)
	portal.POST("/details", s.savePortalDetails)
	portal.GET("/messages", s.showPortalMessages)
	portal.POST("/messages", s.sendPortalMessage)
	portal.GET("/searches", s.showPortalSearches)
	portal.POST("/searches/:id/notifications", s.setPortalSearchAlerts)
	// End of client portal.

	in := ui.Group("", s.requireSession)
	in.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/contacts") })
	in.GET("/contacts", s.showContactsPage)
	in.POST("/contacts/quick-add", s.quickAddContact)
	in.GET("/contacts/new", s.showNewContactPage)
	in.POST("/contacts/new", s.createContact)
	for _, kind := range []string{"email-row", "phone-row", "address-row"} {
		in.GET("/contacts/form/"+kind, s.newFormRow)
	}
	in.GET("/contacts/email-addresses", s.showInvalidEmails)
	in.GET("/contacts/columns", s.showColumnsPage)
	in.POST("/contacts/columns", s.saveColumns)
	in.POST("/contacts/quick-add/toggle", s.toggleQuickAdd)
	in.GET("/contacts/import", s.showImportPage)
	in.POST("/contacts/import", s.uploadImport)
	in.GET("/contacts/import/:id", s.showImport)
	in.POST("/contacts/import/:id/preview", s.previewImport)
	in.POST("/contacts/import/:id/run", s.runImport)
	in.GET("/contacts/import/:id/progress", s.showImportProgress)
	in.GET("/contacts/import/:id/failed.csv", s.downloadFailedRows)
	in.POST("/contacts/import/:id/undo", s.undoImport)
	in.GET("/contacts/export", s.showExportPage)
	in.GET("/contacts/export/download", s.downloadExport)
	in.GET("/contacts/:id/searches/new", s.showNewSearch)
	in.POST("/contacts/:id/searches", s.createSearch)
	in.GET("/searches/:id/edit", s.showEditSearch)
	in.POST("/searches/:id", s.saveSearch)
	in.POST("/searches/:id/remove", s.removeSearch)
	in.GET("/listings", s.showListings)
	in.GET("/listings/new", s.showNewListing)
	in.POST("/listings/new", s.createListing)
	in.GET("/listings/import", s.showListingImport)
	in.POST("/listings/import", s.importListings)
	in.GET("/listings/:id", s.showListing)
	in.POST("/listings/:id", s.saveListing)
	in.POST("/listings/:id/contact-agents", s.contactAgents)
	in.GET("/contacts/email", s.showComposeMany)
	in.POST("/contacts/email", s.emailContacts)
	in.GET("/contacts/:id", s.showContactPage)
	in.GET("/contacts/:id/email", s.showCompose)
	in.POST("/contacts/:id/email", s.emailContact)
	in.GET("/contacts/:id/emails/edit", s.editInvalidEmail)
	in.GET("/contacts/:id/emails/row", s.showInvalidEmailRow)
	in.POST("/contacts/:id/emails/fix", s.fixInvalidEmail)
	in.POST("/contacts/:id/emails/remove", s.removeInvalidEmail)
	in.GET("/mail", s.showMailPage)
	in.POST("/mail/clear", s.clearMail)
	in.GET("/mail/:id", s.showMailMessage)
	in.GET("/mail/:id/html", s.showMailHTML)
	in.POST("/contacts/:id", s.saveContact)
	in.POST("/contacts/:id/deactivate", s.deactivateContact)
	in.POST("/contacts/:id/reactivate", s.reactivateContact)
	in.POST("/contacts/:id/groups/add", s.addContactGroups)
	in.POST("/contacts/:id/groups/remove", s.removeContactGroup)
	// A contact's client portal (contact_portal.go): the account, invitations and messages.
	if opt.Portal != nil {
		in.POST("/contacts/:id/portal", s.createContactPortal)
		in.POST("/contacts/:id/portal/invite", s.inviteContactPortal)
		in.POST("/contacts/:id/messages", s.sendContactMessage)
		api.POST("/contacts/:id/portal", s.apiCreateContactPortal)
	}
	// Contact Summary (report.go): the report from its snapshot, its CSV, and Refresh now.
	in.GET("/reports/contact-summary", s.showReportPage)
	in.GET("/reports/contact-summary.csv", s.downloadReportCSV)
	in.POST("/reports/contact-summary/refresh", s.refreshReport)
	in.GET("/groups", s.showGroupsPage)
	in.POST("/groups", s.addGroup)
	in.POST("/groups/:id/rename", s.renameGroup)
	in.GET("/groups/:id/remove", s.confirmRemoveGroup)
	in.POST("/groups/:id/remove", s.removeGroup)
	in.GET("/contacts/:id/remove", s.confirmRemoveContact)
	in.POST("/contacts/:id/remove", s.removeContact)
	in.POST("/contacts/undo", s.undoRemove)
	in.GET("/contacts/remove", s.confirmRemoveContacts)
	in.POST("/contacts/remove", s.removeContacts)
	in.GET("/contacts/:id/row", s.showContactRow)
	in.GET("/contacts/:id/edit-row", s.editContactRow)
	in.PUT("/contacts/:id/row", s.saveContactRow)
	in.GET("/agents", s.showAgentsPage, s.requireAdmin)
	in.POST("/agents", s.addAgent, s.requireAdmin)
	in.POST("/agents/:id/enable", s.enableAgent, s.requireAdmin)
	in.POST("/agents/:id/disable", s.disableAgent, s.requireAdmin)
	// Jobs (jobs.go): the scheduled maintenance jobs and Run now, for the admin.
	in.GET("/jobs", s.showJobsPage, s.requireAdmin)
	in.POST("/jobs/:name/run", s.runJob, s.requireAdmin)
	// Portal accounts (portal_bulk.go): Create Portal Accounts (with Invite), its API, and
	// Portal Preferences. The API routes take precedence over api's catch-all whatever the order.
	api.POST("/portal-accounts", s.apiCreatePortalAccounts)
	api.GET("/portal-accounts/:id", s.apiGetPortalAccounts)
	in.GET("/contacts/portal-accounts", s.confirmPortalAccounts)
	in.POST("/contacts/portal-accounts", s.createPortalAccounts)
	in.GET("/contacts/portal-accounts/:run", s.showPortalAccountsRun)
	in.GET("/contacts/portal-accounts/:run/progress", s.showPortalAccountsProgress)
	in.GET("/preferences/portal", s.showPortalPrefs)
	in.POST("/preferences/portal", s.savePortalPrefs)
	in.POST("/preferences/portal/preview", s.previewPortalPrefs)
	// End of portal accounts.
	return e
}

func (s *Server) healthz(c echo.Context) error {
	if s.opt.Health != nil {
		if err := s.opt.Health(); err != nil {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// securityHeaders sets a CSP that needs no inline script, and the usual hardening headers.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		return next(c)
	}
}

// status maps a domain error code to its HTTP status.
func status(code string) int {
	switch code {
	case app.EINVALID:
		return http.StatusUnprocessableEntity
	case app.ENOTFOUND:
		return http.StatusNotFound
	case app.ECONFLICT:
		return http.StatusConflict
	case app.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case app.EFORBIDDEN:
		return http.StatusForbidden
	case app.ERATELIMITED:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// handleError is the one place errors become responses: JSON under /api, an HTML page or
// fragment elsewhere. Internal errors are logged and never shown.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, msg := app.ErrorCode(err), app.ErrorMessage(err)
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code, msg = httpCode(he.Code), http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok && he.Code < 500 {
			msg = strings.ToUpper(m[:1]) + m[1:] + "."
		}
	}
	st := status(code)
	if code == app.EINTERNAL {
		s.logger.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	if strings.HasPrefix(c.Request().URL.Path, "/api/") {
		body := map[string]any{"code": code, "message": msg}
		if f := app.ErrorFields(err); len(f) > 0 {
			body["fields"] = f
		}
		_ = c.JSON(st, map[string]any{"error": body})
		return
	}
	if strings.HasPrefix(c.Request().URL.Path, "/portal") {
		// A contact never sees the agents' frame: the portal has its own.
		if st == http.StatusUnauthorized {
			_ = c.Redirect(http.StatusSeeOther, "/portal/login")
			return
		}
		_ = render(c, st, views.PortalErrorPage(portalProps(c), st, msg))
		return
	}
	if st == http.StatusUnauthorized {
		redirectToLogin(c)
		return
	}
	p := views.PageProps{CSRF: csrfToken(c)}
	if u, ok := c.Get(ctxUser).(*app.User); ok {
		p.User = u
	}
	if isHX(c) {
		// htmx does not swap error responses by default; show the message where the user is.
		c.Response().Header().Set("HX-Retarget", "#main")
		c.Response().Header().Set("HX-Reswap", "afterbegin")
		_ = render(c, st, views.Alert("error", msg))
		return
	}
	_ = render(c, st, views.ErrorPage(p, st, msg))
}

func httpCode(st int) string {
	switch st {
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return app.ENOTFOUND
	case http.StatusUnauthorized:
		return app.EUNAUTHORIZED
	case http.StatusForbidden:
		return app.EFORBIDDEN
	case http.StatusRequestEntityTooLarge, http.StatusBadRequest, http.StatusUnsupportedMediaType:
		return app.EINVALID
	case http.StatusTooManyRequests:
		return app.ERATELIMITED
	}
	return app.EINTERNAL
}

func isHX(c echo.Context) bool {
	return c.Request().Header.Get("HX-Request") == "true" && c.Request().Header.Get("HX-History-Restore-Request") != "true"
}

// render writes a page or fragment. It is rendered into a buffer first: gomponents writes in
// many small pieces, and each write through the response costs more than the rendering.
func render(c echo.Context, st int, n g.Node) error {
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 {
			buf.Reset()
			renderBuffers.Put(buf)
		}
	}()
	if err := n.Render(buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(st)
	_, err := c.Response().Write(buf.Bytes())
	return err
}

var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func csrfToken(c echo.Context) string {
	t, _ := c.Get(ctxCSRF).(string)
	return t
}

func currentUser(c echo.Context) *app.User {
	u, _ := c.Get(ctxUser).(*app.User)
	return u
}

func pageProps(c echo.Context) views.PageProps {
	return views.PageProps{User: currentUser(c), CSRF: csrfToken(c)}
}
