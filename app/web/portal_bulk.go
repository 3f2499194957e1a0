package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	"agentbook/app"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

// Create Portal Accounts (with Invite), its API, Portal Preferences, and the accounts behind the
// contact list's Portal column.

// confirmPortalAccounts: GET /contacts/portal-accounts?invite=0|1 — what Create Portal Accounts
// will do, and the button that does it.
func (s *Server) confirmPortalAccounts(c echo.Context) error {
	return s.renderPortalConfirm(c, http.StatusOK, c.QueryParam("invite") == "1", "")
}

func (s *Server) renderPortalConfirm(c echo.Context, st int, invite bool, msg string) error {
	ctx, u := c.Request().Context(), currentUser(c)
	active, err := s.contacts.List(ctx, app.ContactQuery{OwnerID: u.ID, Status: app.StatusActive, Limit: 1})
	if err != nil {
		return err
	}
	has, err := s.opt.Portal.AccountsOf(ctx, u.ID)
	if err != nil {
		return err
	}
	p := views.PortalBulkConfirmProps{PageProps: pageProps(c), Invite: invite, Active: active.Total, WithAccount: len(has),
		Waiting: s.opt.MailWaiting, Message: msg}
	if invite {
		prefs, err := s.opt.Portal.Prefs(ctx, u.ID)
		if err != nil {
			return err
		}
		p.Subject, _ = app.RenderInvite(prefs, sampleInvite(c, u))
	}
	return render(c, st, views.PortalBulkConfirmPage(p))
}

// createPortalAccounts: POST /contacts/portal-accounts (invite=0|1) — start the run and show its
// progress; a run of the agent's already going is said on the confirmation page.
func (s *Server) createPortalAccounts(c echo.Context) error {
	invite := c.FormValue("invite") == "1"
	r, err := s.opt.Portal.StartBulk(c.Request().Context(), currentUser(c), invite)
	if app.ErrorCode(err) == app.ECONFLICT {
		return s.renderPortalConfirm(c, http.StatusOK, invite, app.ErrorMessage(err))
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/contacts/portal-accounts/"+r.ID)
}

// showPortalAccountsRun: GET /contacts/portal-accounts/:run — a run's progress, then its result.
func (s *Server) showPortalAccountsRun(c echo.Context) error {
	r, err := s.opt.Portal.BulkStatus(currentUser(c).ID, c.Param("run"))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.PortalBulkPage(views.PortalBulkProps{PageProps: pageProps(c), Run: r}))
}

// showPortalAccountsProgress: GET /contacts/portal-accounts/:run/progress — the fragment htmx polls.
func (s *Server) showPortalAccountsProgress(c echo.Context) error {
	r, err := s.opt.Portal.BulkStatus(currentUser(c).ID, c.Param("run"))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.PortalBulkProgress(r))
}

// apiBulkSkip is a skipped contact in the API's answer.
type apiBulkSkip struct {
	ContactID string `json:"contact_id"`
	Name      string `json:"name"`
	Reason    string `json:"reason"`
}

// apiBulkRun is a Create Portal Accounts run in the API.
type apiBulkRun struct {
	ID      string        `json:"id"`
	Status  string        `json:"status"` // running or done
	Invite  bool          `json:"invite"`
	Total   int           `json:"total"`
	Seen    int           `json:"seen"`
	Created int           `json:"created"`
	Invited int           `json:"invited"`
	Skipped []apiBulkSkip `json:"skipped"`
	Error   string        `json:"error,omitempty"` // why the run stopped early
}

func bulkRunJSON(r *app.BulkPortalResult) apiBulkRun {
	out := apiBulkRun{ID: r.ID, Status: "running", Invite: r.Invite, Total: r.Total, Seen: r.Seen, Created: r.Created,
		Invited: r.Invited, Skipped: make([]apiBulkSkip, len(r.Skipped)), Error: r.Err}
	if r.Done {
		out.Status = "done"
	}
	for i, sk := range r.Skipped {
		out.Skipped[i] = apiBulkSkip{ContactID: sk.ContactID, Name: sk.Name, Reason: sk.Reason}
	}
	return out
}

// apiCreatePortalAccounts: POST /api/v1/portal-accounts {"invite":bool} → 202 {"id","status"};
// 409 while a run of the agent's is going.
func (s *Server) apiCreatePortalAccounts(c echo.Context) error {
	var in struct {
		Invite bool `json:"invite"`
	}
	if err := json.NewDecoder(c.Request().Body).Decode(&in); err != nil && !errors.Is(err, io.EOF) {
		return &app.Error{Code: app.EINVALID, Message: `Send a JSON object such as {"invite": true}.`, Fields: map[string]string{"invite": "a boolean"}}
	}
	r, err := s.opt.Portal.StartBulk(c.Request().Context(), currentUser(c), in.Invite)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"id": r.ID, "status": "running"})
}

// apiGetPortalAccounts: GET /api/v1/portal-accounts/{id} — a run's progress or result.
func (s *Server) apiGetPortalAccounts(c echo.Context) error {
	r, err := s.opt.Portal.BulkStatus(currentUser(c).ID, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, bulkRunJSON(r))
}

// sampleInvite are the sample values of the invitation preview: a contact named Jamie, a sample
// link on this server, and the agent's own name, email and phone.
func sampleInvite(c echo.Context, agent *app.User) app.InviteFields {
	return app.InviteFields{FirstName: "Jamie", LastName: "Rivera", Username: "jamie@example.com",
		Link: c.Scheme() + "://" + c.Request().Host + "/portal/set-password/sample-link", Agent: agent, LinkDays: 14}
}

func (s *Server) renderPortalPrefs(c echo.Context, st int, p views.PortalPrefsProps) error {
	p.PageProps = pageProps(c)
	p.Preview.Subject, p.Preview.Body = app.RenderInvite(app.PortalPrefs{Subject: p.Subject, Body: p.Body}, sampleInvite(c, currentUser(c)))
	return render(c, st, views.PortalPrefsPage(p))
}

// showPortalPrefs: GET /preferences/portal
func (s *Server) showPortalPrefs(c echo.Context) error {
	prefs, err := s.opt.Portal.Prefs(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	p := views.PortalPrefsProps{Subject: prefs.Subject, Body: prefs.Body, NotifyFirstLogin: prefs.NotifyFirstLogin}
	switch c.QueryParam("done") {
	case "saved":
		p.Notice = "Your portal preferences are saved."
	case "reset":
		p.Notice = "The default invitation is back."
	}
	return s.renderPortalPrefs(c, http.StatusOK, p)
}

// portalPrefsForm reads the Portal Preferences form.
func portalPrefsForm(c echo.Context) app.PortalPrefs {
	return app.PortalPrefs{Subject: c.FormValue("subject"), Body: strings.ReplaceAll(c.FormValue("body"), "\r\n", "\n"),
		NotifyFirstLogin: c.FormValue("notify_first_login") != ""}
}

// savePortalPrefs: POST /preferences/portal — Save, or with reset=1 Reset to the default (the
// subject and message; the notification choice stays as stored). Field errors re-render the
// form with the agent's input.
func (s *Server) savePortalPrefs(c echo.Context) error {
	ctx, u := c.Request().Context(), currentUser(c)
	in, done := portalPrefsForm(c), "saved"
	if c.FormValue("reset") != "" {
		cur, err := s.opt.Portal.Prefs(ctx, u.ID)
		if err != nil {
			return err
		}
		def := app.DefaultPortalPrefs()
		in, done = app.PortalPrefs{Subject: def.Subject, Body: def.Body, NotifyFirstLogin: cur.NotifyFirstLogin}, "reset"
	}
	_, err := s.opt.Portal.SavePrefs(ctx, u.ID, in)
	if app.ErrorCode(err) == app.EINVALID {
		return s.renderPortalPrefs(c, http.StatusUnprocessableEntity, views.PortalPrefsProps{Subject: in.Subject, Body: in.Body,
			NotifyFirstLogin: in.NotifyFirstLogin, Errors: app.ErrorFields(err)})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/preferences/portal?done="+done)
}

// previewPortalPrefs: POST /preferences/portal/preview — the invitation rendered with sample
// values: the preview box for htmx (as the agent types), else the whole page with the input kept
// (the Preview button without JavaScript). Nothing is saved.
func (s *Server) previewPortalPrefs(c echo.Context) error {
	c.Response().Header().Add("Vary", "HX-Request")
	in := portalPrefsForm(c)
	if isHX(c) {
		var p views.PortalPreviewProps
		p.Subject, p.Body = app.RenderInvite(in, sampleInvite(c, currentUser(c)))
		return render(c, http.StatusOK, views.InvitePreview(p))
	}
	return s.renderPortalPrefs(c, http.StatusOK, views.PortalPrefsProps{Subject: in.Subject, Body: in.Body, NotifyFirstLogin: in.NotifyFirstLogin})
}

// portalAccounts returns the portal accounts of a page of contacts for the Portal column
// (contact ID → account; no entry when none), or nil when the column is not shown.
func (s *Server) portalAccounts(ctx context.Context, ownerID string, cols []string, cs []*app.Contact) (map[string]*app.PortalAccount, error) {
	if s.opt.Portal == nil || !slices.Contains(cols, views.ColPortal) {
		return nil, nil
	}
	return s.opt.Portal.AccountsFor(ctx, ownerID, cs)
}
