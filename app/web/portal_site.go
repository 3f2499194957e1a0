package web

import (
	"context"
	"net/http"
	"slices"

	"agentbook/app"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

// The client portal at /portal is a small site of its own for an agent's contacts. It has its
// own session cookie, scoped to /portal and separate from the agents' ab_session: a portal
// session never reaches the agent UI or the API, and every page works on the session's own
// contact only.

const (
	portalCookie     = "ab_portal"
	ctxPortalAccount = "portal_account"
	ctxPortalContact = "portal_contact"
	ctxPortalAgent   = "portal_agent"
)

func (s *Server) setPortalCookie(c echo.Context, token string) {
	// No MaxAge: the cookie ends with the browser; the server ends the session after its TTL.
	c.SetCookie(&http.Cookie{Name: portalCookie, Value: token, Path: "/portal", HttpOnly: true,
		Secure: s.opt.SecureCookies || c.IsTLS(), SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearPortalCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: portalCookie, Value: "", Path: "/portal", HttpOnly: true,
		Secure: s.opt.SecureCookies || c.IsTLS(), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// requirePortal loads the logged-in contact, their portal account and their agent, or sends the
// browser to the portal's login page. Errors of the pages behind it are shown in the portal's
// own frame.
func (s *Server) requirePortal(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(portalCookie)
		if err != nil || ck.Value == "" {
			return redirect(c, "/portal/login")
		}
		ctx := c.Request().Context()
		a, contact, err := s.opt.Portal.Authenticate(ctx, ck.Value)
		if app.ErrorCode(err) == app.EUNAUTHORIZED {
			s.clearPortalCookie(c)
			return redirect(c, "/portal/login")
		}
		if err != nil {
			return err
		}
		agent, err := s.portalAgent(ctx, a.OwnerID)
		if err != nil {
			return err
		}
		c.Set(ctxPortalAccount, a)
		c.Set(ctxPortalContact, contact)
		c.Set(ctxPortalAgent, agent)
		c.Response().Header().Set("Cache-Control", "no-store")
		return s.portalErrors(c, next(c))
	}
}

// portalErrors shows a page's error in the portal's frame. Internal errors go to handleError,
// which logs them and shows no detail.
func (s *Server) portalErrors(c echo.Context, err error) error {
	if err == nil || c.Response().Committed {
		return err
	}
	code := app.ErrorCode(err)
	switch code {
	case app.EINTERNAL:
		return err
	case app.EUNAUTHORIZED:
		return redirect(c, "/portal/login")
	}
	st := status(code)
	return render(c, st, views.PortalErrorPage(portalProps(c), st, app.ErrorMessage(err)))
}

// portalAgent returns the agent a contact belongs to. AccountService has no lookup by ID; an
// office has a handful of agents.
func (s *Server) portalAgent(ctx context.Context, id string) (*app.User, error) {
	users, err := s.accounts.Users(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if u.ID == id {
			return u, nil
		}
	}
	return nil, app.Errorf(app.ENOTFOUND, "Your agent could not be found.")
}

func portalAccount(c echo.Context) *app.PortalAccount {
	a, _ := c.Get(ctxPortalAccount).(*app.PortalAccount)
	return a
}

func portalContact(c echo.Context) *app.Contact {
	ct, _ := c.Get(ctxPortalContact).(*app.Contact)
	return ct
}

func portalProps(c echo.Context) views.PortalProps {
	a, _ := c.Get(ctxPortalAgent).(*app.User)
	return views.PortalProps{CSRF: csrfToken(c), Agent: a, Contact: portalContact(c)}
}

// showPortalLoginPage shows the login form, or the portal to a contact already logged in.
func (s *Server) showPortalLoginPage(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	if ck, err := c.Cookie(portalCookie); err == nil && ck.Value != "" {
		if _, _, err := s.opt.Portal.Authenticate(c.Request().Context(), ck.Value); err == nil {
			return c.Redirect(http.StatusSeeOther, "/portal")
		}
	}
	p := views.PortalLoginProps{PortalProps: portalProps(c)}
	if c.QueryParam("bye") != "" {
		p.Notice = "You are logged out."
	}
	return render(c, http.StatusOK, views.PortalLoginPage(p))
}

func (s *Server) portalLogin(c echo.Context) error {
	username, password := c.FormValue("username"), c.FormValue("password")
	token, _, err := s.opt.Portal.Login(c.Request().Context(), username, password, c.RealIP())
	if err != nil {
		code := app.ErrorCode(err)
		if code == app.EINTERNAL {
			return err
		}
		return render(c, status(code), views.PortalLoginPage(views.PortalLoginProps{PortalProps: portalProps(c),
			Username: username, Message: app.ErrorMessage(err)}))
	}
	s.setPortalCookie(c, token)
	return c.Redirect(http.StatusSeeOther, "/portal")
}

func (s *Server) portalLogout(c echo.Context) error {
	if ck, err := c.Cookie(portalCookie); err == nil && ck.Value != "" {
		if err := s.opt.Portal.Logout(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	s.clearPortalCookie(c)
	return redirect(c, "/portal/login?bye=1")
}

func (s *Server) showPortalForgotPage(c echo.Context) error {
	return render(c, http.StatusOK, views.PortalForgotPage(views.PortalForgotProps{PortalProps: portalProps(c)}))
}

// requestPortalReset emails a new set-password link if the username is one; the answer is the
// same either way.
func (s *Server) requestPortalReset(c echo.Context) error {
	username := c.FormValue("username")
	if username == "" {
		return render(c, http.StatusOK, views.PortalForgotPage(views.PortalForgotProps{PortalProps: portalProps(c)}))
	}
	if err := s.opt.Portal.RequestReset(c.Request().Context(), username); err != nil {
		return err
	}
	return render(c, http.StatusOK, views.PortalForgotPage(views.PortalForgotProps{PortalProps: portalProps(c), Sent: true}))
}

// showPortalSetPassword shows the form a set-password link opens, or why the link is no good.
func (s *Server) showPortalSetPassword(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	token := c.Param("token")
	a, agent, err := s.opt.Portal.LinkAccount(c.Request().Context(), token)
	if err != nil {
		return s.portalLinkError(c, err)
	}
	p := portalProps(c)
	p.Agent = agent
	return render(c, http.StatusOK, views.PortalSetPasswordPage(views.PortalSetPasswordProps{PortalProps: p,
		Token: token, Username: a.Username}))
}

func (s *Server) setPortalPassword(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	token := c.Param("token")
	ctx := c.Request().Context()
	a, agent, err := s.opt.Portal.LinkAccount(ctx, token)
	if err != nil {
		return s.portalLinkError(c, err)
	}
	p := portalProps(c)
	p.Agent = agent
	if _, err := s.opt.Portal.SetPassword(ctx, token, c.FormValue("password"), c.FormValue("confirm")); err != nil {
		if app.ErrorCode(err) == app.EINVALID && len(app.ErrorFields(err)) > 0 {
			return render(c, http.StatusUnprocessableEntity, views.PortalSetPasswordPage(views.PortalSetPasswordProps{PortalProps: p,
				Token: token, Username: a.Username, Errors: app.ErrorFields(err), Message: app.ErrorMessage(err)}))
		}
		return s.portalLinkError(c, err)
	}
	return render(c, http.StatusOK, views.PortalPasswordSetPage(p))
}

// portalLinkError shows an unknown, used or expired link as a page that says what to do.
func (s *Server) portalLinkError(c echo.Context, err error) error {
	switch app.ErrorCode(err) {
	case app.EINVALID:
		return render(c, http.StatusOK, views.PortalLinkInvalidPage(portalProps(c), app.ErrorMessage(err)))
	case app.ENOTFOUND:
		return render(c, http.StatusNotFound, views.PortalLinkInvalidPage(portalProps(c),
			"This link is no longer valid. Ask your agent for a new invitation, or use \"Forgot your password?\"."))
	}
	return err
}

func (s *Server) showPortalHome(c echo.Context) error {
	return render(c, http.StatusOK, views.PortalHomePage(portalProps(c)))
}

// portalDetailsInput reads the details form.
func portalDetailsInput(c echo.Context) (string, app.Address) {
	return c.FormValue("phone"), app.Address{Street: c.FormValue("street"), City: c.FormValue("city"),
		Region: c.FormValue("region"), PostalCode: c.FormValue("postal_code"), Country: c.FormValue("country")}
}

func (s *Server) showPortalDetails(c echo.Context) error {
	ct := portalContact(c)
	p := views.PortalDetailsProps{PortalProps: portalProps(c), Phone: ct.PrimaryPhone()}
	if len(ct.Addresses) > 0 {
		p.Address = ct.Addresses[0]
	}
	if c.QueryParam("saved") != "" {
		p.Notice = "Your details are saved. Thank you for keeping them up to date."
	}
	return render(c, http.StatusOK, views.PortalDetailsPage(p))
}

func (s *Server) savePortalDetails(c echo.Context) error {
	phone, addr := portalDetailsInput(c)
	if _, err := s.opt.Portal.UpdateDetails(c.Request().Context(), portalAccount(c), phone, addr); err != nil {
		code := app.ErrorCode(err)
		if code != app.EINVALID && code != app.ECONFLICT {
			return err
		}
		return render(c, status(code), views.PortalDetailsPage(views.PortalDetailsProps{PortalProps: portalProps(c),
			Phone: phone, Address: addr, Errors: portalDetailErrors(app.ErrorFields(err)), Message: app.ErrorMessage(err)}))
	}
	return redirect(c, "/portal/details?saved=1")
}

// portalDetailErrors names the contact's field errors after the details form's inputs: the
// phone the form edits is the contact's first.
func portalDetailErrors(fields map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range fields {
		switch k {
		case "phones[0].number":
			out["phone"] = v
		default:
			out[k] = v
		}
	}
	return out
}

func (s *Server) showPortalMessages(c echo.Context) error {
	msgs, err := s.opt.Portal.ContactConversation(c.Request().Context(), portalAccount(c))
	if err != nil {
		return err
	}
	p := views.PortalMessagesProps{PortalProps: portalProps(c), Messages: msgs}
	if c.QueryParam("sent") != "" {
		p.Notice = "Your message is sent."
	}
	return render(c, http.StatusOK, views.PortalMessagesPage(p))
}

func (s *Server) sendPortalMessage(c echo.Context) error {
	ctx := c.Request().Context()
	text := c.FormValue("text")
	if _, err := s.opt.Portal.SendFromContact(ctx, portalAccount(c), portalContact(c), text); err != nil {
		if app.ErrorCode(err) != app.EINVALID {
			return err
		}
		msgs, cerr := s.opt.Portal.ContactConversation(ctx, portalAccount(c))
		if cerr != nil {
			return cerr
		}
		msg := app.ErrorFields(err)["text"]
		if msg == "" {
			msg = app.ErrorMessage(err)
		}
		return render(c, http.StatusUnprocessableEntity, views.PortalMessagesPage(views.PortalMessagesProps{PortalProps: portalProps(c),
			Messages: msgs, Text: text, Error: msg}))
	}
	return redirect(c, "/portal/messages?sent=1")
}

func (s *Server) showPortalSearches(c echo.Context) error {
	a := portalAccount(c)
	searches, err := s.opt.Listings.SearchesOf(c.Request().Context(), a.OwnerID, a.ContactID)
	if err != nil {
		return err
	}
	p := views.PortalSearchesProps{PortalProps: portalProps(c), Searches: searches}
	if c.QueryParam("saved") != "" {
		p.Notice = "Your choice is saved."
	}
	return render(c, http.StatusOK, views.PortalSearchesPage(p))
}

// setPortalSearchAlerts turns a saved search's email alerts on ("asap" when they were off) or off.
// Only a search the contact is attached to can be changed; any other is not found.
func (s *Server) setPortalSearchAlerts(c echo.Context) error {
	a := portalAccount(c)
	ctx := c.Request().Context()
	ss, err := s.opt.Listings.Search(ctx, a.OwnerID, c.Param("id"))
	if err != nil {
		return err
	}
	if !slices.Contains(ss.ContactIDs, a.ContactID) {
		return app.Errorf(app.ENOTFOUND, "No such saved search.")
	}
	switch c.FormValue("notify") {
	case "on":
		if ss.Schedule != app.ScheduleOff && ss.Schedule != "" {
			return redirect(c, "/portal/searches?saved=1")
		}
		ss.Schedule = app.ScheduleASAP
	case "off":
		if ss.Schedule == app.ScheduleOff {
			return redirect(c, "/portal/searches?saved=1")
		}
		ss.Schedule = app.ScheduleOff
	default:
		return app.Errorf(app.EINVALID, "Choose on or off.")
	}
	if _, err := s.opt.Listings.SaveSearch(ctx, a.OwnerID, ss); err != nil {
		return err
	}
	return redirect(c, "/portal/searches?saved=1")
}
