package web

import (
	"net/http"

	"agentbook/app"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

func (s *Server) agentsPage(c echo.Context, st int, p views.AgentsProps) error {
	agents, err := s.accounts.Users(c.Request().Context())
	if err != nil {
		return err
	}
	p.PageProps, p.Agents = pageProps(c), agents
	return render(c, st, views.AgentsPage(p))
}

// showAgentsPage lists the office's agents (admin only).
func (s *Server) showAgentsPage(c echo.Context) error {
	p := views.AgentsProps{}
	switch c.QueryParam("done") {
	case "added":
		p.Notice = "Agent added. They can log in with the email and password you chose."
	case "enabled":
		p.Notice = "Agent enabled."
	case "disabled":
		p.Notice = "Agent disabled. They can no longer log in or use API tokens; their contacts are kept."
	}
	return s.agentsPage(c, http.StatusOK, p)
}

// addAgent creates an agent account (admin only).
func (s *Server) addAgent(c echo.Context) error {
	in := app.NewUser{Name: c.FormValue("name"), Email: c.FormValue("email"), Phone: c.FormValue("phone"),
		Password: c.FormValue("password"), Admin: c.FormValue("admin") == "1"}
	if _, err := s.accounts.CreateUser(c.Request().Context(), in); err != nil {
		if code := app.ErrorCode(err); code == app.EINVALID || code == app.ECONFLICT {
			return s.agentsPage(c, http.StatusUnprocessableEntity, views.AgentsProps{Message: app.ErrorMessage(err),
				Form: views.AgentForm{Name: in.Name, Email: in.Email, Phone: in.Phone, Admin: in.Admin, Errors: app.ErrorFields(err)}})
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/agents?done=added")
}

func (s *Server) enableAgent(c echo.Context) error  { return s.setAgentEnabled(c, true) }
func (s *Server) disableAgent(c echo.Context) error { return s.setAgentEnabled(c, false) }

func (s *Server) setAgentEnabled(c echo.Context, enabled bool) error {
	_, err := s.accounts.SetEnabled(c.Request().Context(), currentUser(c), c.Param("id"), enabled)
	if app.ErrorCode(err) == app.EINVALID {
		return s.agentsPage(c, http.StatusUnprocessableEntity, views.AgentsProps{Message: app.ErrorMessage(err)})
	}
	if err != nil {
		return err
	}
	if enabled {
		return c.Redirect(http.StatusSeeOther, "/agents?done=enabled")
	}
	return c.Redirect(http.StatusSeeOther, "/agents?done=disabled")
}
