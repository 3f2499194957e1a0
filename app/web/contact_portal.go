package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"
	"unicode"
	"unicode/utf8"

	"agentbook/app"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

// activityShown is how many of a contact's activity events the contact page shows.
const activityShown = 50

// contactPortal loads the Client portal section of a contact's page: the account (nil when
// none), the conversation (which marks the contact's messages read) and the newest activity.
func (s *Server) contactPortal(ctx context.Context, ownerID, contactID string) (*views.ContactPortal, error) {
	a, err := s.opt.Portal.Account(ctx, ownerID, contactID)
	if app.ErrorCode(err) == app.ENOTFOUND {
		a, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	msgs, err := s.opt.Portal.AgentConversation(ctx, ownerID, contactID)
	if err != nil {
		return nil, err
	}
	evs, err := s.opt.Portal.Activity(ctx, ownerID, contactID, activityShown)
	if err != nil {
		return nil, err
	}
	return &views.ContactPortal{Account: a, Messages: msgs, Activity: evs}, nil
}

// portalNotice is the notice for a ?saved= value that a portal action redirected with.
func portalNotice(saved string) string {
	switch saved {
	case "portal":
		return "Portal account created. No invitation was sent yet."
	case "portal-invited":
		return "Portal account created and the invitation sent."
	case "invited":
		return "Invitation sent with a new link."
	case "message":
		return "Message sent."
	}
	return ""
}

// quickAddPortal creates the portal account of a contact that Quick Add just created, and sends
// the invitation. The contact stays whatever happens; the note says what did not work.
func (s *Server) quickAddPortal(c echo.Context, ct *app.Contact) (invited bool, note string) {
	a, err := s.opt.Portal.CreateAccount(c.Request().Context(), currentUser(c), ct.ID, true)
	switch {
	case err == nil:
		return true, ""
	case a == nil && (app.ErrorCode(err) == app.EINVALID || app.ErrorCode(err) == app.ECONFLICT):
		return false, "No portal: " + lowerFirst(app.ErrorMessage(err))
	case app.ErrorCode(err) == app.EINTERNAL:
		s.logger.Error("quick add portal", "contact", ct.ID, "err", err)
	}
	if a != nil {
		return false, "The portal account was created but the invitation was not sent; send it from the contact's page."
	}
	return false, "No portal: the account could not be created; try again from the contact's page."
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// createContactPortal: POST /contacts/:id/portal, with invite=1 to send the invitation too.
func (s *Server) createContactPortal(c echo.Context) error {
	ct, names, err := s.loadOwnContact(c)
	if err != nil {
		return err
	}
	invite := c.FormValue("invite") == "1"
	a, err := s.opt.Portal.CreateAccount(c.Request().Context(), currentUser(c), ct.ID, invite)
	if err != nil {
		return s.portalFailed(c, ct, names, err, func(p *views.ContactPortal) {
			p.Error = app.ErrorMessage(err)
			if a != nil {
				p.Error = "The portal account was created, but the invitation was not sent: " + lowerFirst(app.ErrorMessage(err))
			}
		})
	}
	saved := "portal"
	if invite {
		saved = "portal-invited"
	}
	return redirect(c, "/contacts/"+ct.ID+"?saved="+saved+"#portal")
}

// inviteContactPortal: POST /contacts/:id/portal/invite — a new invitation with a fresh link.
func (s *Server) inviteContactPortal(c echo.Context) error {
	ct, names, err := s.loadOwnContact(c)
	if err != nil {
		return err
	}
	_, err = s.opt.Portal.Invite(c.Request().Context(), currentUser(c), ct.ID)
	if app.ErrorCode(err) == app.ENOTFOUND {
		// The contact is the agent's (loaded above): it is the account that is missing.
		err = app.Errorf(app.EINVALID, "This contact has no portal account yet: create it first.")
	}
	if err != nil {
		return s.portalFailed(c, ct, names, err, func(p *views.ContactPortal) { p.Error = app.ErrorMessage(err) })
	}
	return redirect(c, "/contacts/"+ct.ID+"?saved=invited#portal")
}

// sendContactMessage: POST /contacts/:id/messages, the agent's message in the portal
// conversation. The contact is emailed that there is a new message.
func (s *Server) sendContactMessage(c echo.Context) error {
	ct, names, err := s.loadOwnContact(c)
	if err != nil {
		return err
	}
	text := c.FormValue("text")
	if _, err := s.opt.Portal.SendFromAgent(c.Request().Context(), currentUser(c), ct.ID, text); err != nil {
		return s.portalFailed(c, ct, names, err, func(p *views.ContactPortal) {
			p.Reply, p.ReplyError = text, app.ErrorMessage(err)
		})
	}
	return redirect(c, "/contacts/"+ct.ID+"?saved=message#portal")
}

// portalFailed shows the contact's page again with why a portal action failed (invalid input
// and conflicts; other errors go to the error handler).
func (s *Server) portalFailed(c echo.Context, ct *app.Contact, names map[string]string, err error, show func(*views.ContactPortal)) error {
	if code := app.ErrorCode(err); code != app.EINVALID && code != app.ECONFLICT {
		return err
	}
	p, perr := s.contactPageProps(c, ct, names)
	if perr != nil {
		return perr
	}
	if p.Portal == nil {
		p.Portal = &views.ContactPortal{}
	}
	show(p.Portal)
	// The section's forms post without htmx, so the page is sent with the error's status.
	return render(c, status(app.ErrorCode(err)), views.ContactFormPage(p))
}

// portalJSON is a contact's portal account in the API (DESIGN.md, "A contact in JSON").
type portalJSON struct {
	Username    string     `json:"username"`
	InvitedAt   *time.Time `json:"invited_at"`
	LastLoginAt *time.Time `json:"last_login_at"`
}

func toPortalJSON(a *app.PortalAccount) *portalJSON {
	if a == nil {
		return nil
	}
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return &portalJSON{Username: a.Username, InvitedAt: opt(a.InvitedAt), LastLoginAt: opt(a.LastLoginAt)}
}

// withPortal fills in the portal field of a contact's JSON (null when it has no account, or
// when the portal is not configured).
func (s *Server) withPortal(ctx context.Context, ownerID string, out contactJSON) (contactJSON, error) {
	if s.opt.Portal == nil {
		return out, nil
	}
	a, err := s.opt.Portal.Account(ctx, ownerID, out.ID)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	out.Portal = toPortalJSON(a)
	return out, nil
}

// withPortals fills in the portal field of a page of contacts: one scan of the agent's account
// keys, then one read for each contact on the page that has an account.
func (s *Server) withPortals(ctx context.Context, ownerID string, items []contactJSON) error {
	if s.opt.Portal == nil || len(items) == 0 {
		return nil
	}
	has, err := s.opt.Portal.AccountsOf(ctx, ownerID)
	if err != nil {
		return err
	}
	for i := range items {
		if !has[items[i].ID] {
			continue
		}
		if items[i], err = s.withPortal(ctx, ownerID, items[i]); err != nil {
			return err
		}
	}
	return nil
}

// apiCreateContactPortal: POST /api/v1/contacts/:id/portal, body {"invite":true} to send the
// invitation too (an empty body creates the account only) → 201 with the account.
func (s *Server) apiCreateContactPortal(c echo.Context) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	// The contact is checked first: another agent's ID is a 404 whatever the body.
	ct, err := s.contacts.Get(ctx, u.ID, c.Param("id"))
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return app.Errorf(app.EINVALID, "Could not read the request body.")
	}
	var in struct {
		Invite bool `json:"invite"`
	}
	if len(bytes.TrimSpace(raw)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return jsonError(err)
		}
	}
	a, err := s.opt.Portal.CreateAccount(ctx, u, ct.ID, in.Invite)
	if err != nil {
		if a != nil && app.ErrorCode(err) == app.EINVALID {
			return app.Errorf(app.EINVALID, "The portal account was created, but the invitation was not sent: %s", lowerFirst(app.ErrorMessage(err)))
		}
		return err
	}
	return c.JSON(http.StatusCreated, toPortalJSON(a))
}
