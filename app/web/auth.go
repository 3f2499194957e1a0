package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"agentbook/app"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

// requireSetup sends every page to /setup while no account exists, and /setup away after.
func (s *Server) requireSetup(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !s.setUp.Load() {
			need, err := s.accounts.NeedsSetup(c.Request().Context())
			if err != nil {
				return err
			}
			if !need {
				s.setUp.Store(true)
			}
		}
		onSetup := c.Path() == "/setup"
		switch {
		case !s.setUp.Load() && !onSetup:
			return redirect(c, "/setup")
		case s.setUp.Load() && onSetup:
			return redirect(c, "/login")
		}
		return next(c)
	}
}

func redirect(c echo.Context, to string) error {
	if c.Request().Header.Get("HX-Request") == "true" {
		c.Response().Header().Set("HX-Redirect", to)
		return c.NoContent(http.StatusOK)
	}
	return c.Redirect(http.StatusSeeOther, to)
}

func redirectToLogin(c echo.Context) {
	to := "/login"
	if r := c.Request(); r.Method == http.MethodGet && r.Header.Get("HX-Request") != "true" && r.URL.Path != "/" {
		to += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	_ = redirect(c, to)
}

// requireSession loads the logged-in agent or sends the browser to the login page.
func (s *Server) requireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(sessionCookie)
		if err != nil {
			redirectToLogin(c)
			return nil
		}
		u, err := s.accounts.Authenticate(c.Request().Context(), ck.Value)
		if app.ErrorCode(err) == app.EUNAUTHORIZED {
			s.clearSessionCookie(c)
			redirectToLogin(c)
			return nil
		}
		if err != nil {
			return err
		}
		c.Set(ctxUser, u)
		c.Response().Header().Set("Cache-Control", "no-store")
		if c.Request().Method == http.MethodGet && !isHX(c) {
			// The cookie's lifetime follows use, like the session's idle expiry on the server.
			s.setSessionCookie(c, ck.Value)
		}
		return next(c)
	}
}

func (s *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if u := currentUser(c); u == nil || !u.IsAdmin() {
			return app.Errorf(app.EFORBIDDEN, "Only the office admin can manage agents.")
		}
		return next(c)
	}
}

// requireToken authenticates API requests by bearer token.
func (s *Server) requireToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get("Authorization")
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(tok) == "" {
			return app.Errorf(app.EUNAUTHORIZED, "Send an API token: Authorization: Bearer <token> (create one with `agentbook token create`).")
		}
		u, err := s.accounts.UserByToken(c.Request().Context(), strings.TrimSpace(tok))
		if err != nil {
			return err
		}
		c.Set(ctxUser, u)
		return next(c)
	}
}

func (s *Server) setSessionCookie(c echo.Context, token string) {
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.opt.SecureCookies || c.IsTLS(), SameSite: http.SameSiteLaxMode,
		MaxAge: int(s.opt.SessionTTL / time.Second)})
}

func (s *Server) clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: s.opt.SecureCookies || c.IsTLS(), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

func (s *Server) showSetupPage(c echo.Context) error {
	return render(c, http.StatusOK, views.SetupPage(views.SetupProps{PageProps: pageProps(c)}))
}

func (s *Server) setup(c echo.Context) error {
	in := app.NewUser{Name: c.FormValue("name"), Email: c.FormValue("email"), Password: c.FormValue("password")}
	ctx := c.Request().Context()
	if _, err := s.accounts.Setup(ctx, in); err != nil {
		if code := app.ErrorCode(err); code == app.EINVALID || code == app.ECONFLICT {
			return render(c, http.StatusUnprocessableEntity, views.SetupPage(views.SetupProps{PageProps: pageProps(c),
				Name: in.Name, Email: in.Email, Errors: app.ErrorFields(err), Message: app.ErrorMessage(err)}))
		}
		return err
	}
	s.setUp.Store(true)
	token, _, err := s.accounts.Login(ctx, in.Email, in.Password, c.RealIP())
	if err != nil {
		return err
	}
	s.setSessionCookie(c, token)
	return c.Redirect(http.StatusSeeOther, "/contacts")
}

func (s *Server) showLoginPage(c echo.Context) error {
	p := views.LoginProps{PageProps: pageProps(c), Next: safeNext(c.QueryParam("next"))}
	if c.QueryParam("bye") != "" {
		p.Notice = "You are logged out."
	}
	return render(c, http.StatusOK, views.LoginPage(p))
}

// safeNext keeps a post-login redirect on this site: a path, with no control characters or
// backslashes (browsers drop tabs and newlines and read "\\" as "/", so "/\t/evil.example"
// would otherwise lead off-site).
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return ""
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return ""
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return next
}

func (s *Server) login(c echo.Context) error {
	email, password := c.FormValue("email"), c.FormValue("password")
	next := safeNext(c.FormValue("next"))
	token, _, err := s.accounts.Login(c.Request().Context(), email, password, c.RealIP())
	if err != nil {
		code := app.ErrorCode(err)
		if code == app.EINTERNAL {
			return err
		}
		return render(c, status(code), views.LoginPage(views.LoginProps{PageProps: pageProps(c),
			Email: email, Message: app.ErrorMessage(err), Next: next}))
	}
	s.setSessionCookie(c, token)
	if next == "" {
		next = "/contacts"
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) logout(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil {
		if err := s.accounts.Logout(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	s.clearSessionCookie(c)
	return redirect(c, "/login?bye=1")
}
