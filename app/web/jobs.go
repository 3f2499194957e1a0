package web

import (
	"net/http"
	"net/url"

	"agentbook/app"
	"agentbook/jobs"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

// JobService is what the Jobs page needs from the scheduler (jobs.Scheduler implements it).
type JobService interface {
	// Statuses returns every job's schedule and last run, in a stable order.
	Statuses() []jobs.Status
	// RunNow starts the job in the background; ENOTFOUND if there is no such job, ECONFLICT if
	// it is already running.
	RunNow(name string) error
}

func (s *Server) jobStatuses() []jobs.Status {
	if s.opt.Jobs == nil {
		return nil
	}
	return s.opt.Jobs.Statuses()
}

func (s *Server) jobsPage(c echo.Context, st int, p views.JobsProps) error {
	p.PageProps, p.Jobs = pageProps(c), s.jobStatuses()
	return render(c, st, views.JobsPage(p))
}

// showJobsPage lists the scheduled jobs (admin only). An htmx request (the list polling itself
// while a job runs) gets the list alone.
func (s *Server) showJobsPage(c echo.Context) error {
	c.Response().Header().Add("Vary", "HX-Request")
	if isHX(c) {
		return render(c, http.StatusOK, views.JobsTable(views.JobsProps{PageProps: pageProps(c), Jobs: s.jobStatuses()}))
	}
	p := views.JobsProps{}
	if name := c.QueryParam("started"); name != "" {
		for _, j := range s.jobStatuses() {
			if j.Name == name {
				p.Notice = j.Title + " started."
			}
		}
	}
	return s.jobsPage(c, http.StatusOK, p)
}

// runJob starts a job now (admin only) and goes back to the Jobs page, which follows the run.
func (s *Server) runJob(c echo.Context) error {
	name := c.Param("name")
	var err error = app.Errorf(app.ENOTFOUND, "There is no job named %q.", name)
	if s.opt.Jobs != nil {
		err = s.opt.Jobs.RunNow(name)
	}
	switch app.ErrorCode(err) {
	case "":
		s.logger.Info("job started by hand", "job", name, "by", currentUser(c).Email)
		return c.Redirect(http.StatusSeeOther, "/jobs?started="+url.QueryEscape(name))
	case app.ECONFLICT:
		return s.jobsPage(c, http.StatusConflict, views.JobsProps{Message: app.ErrorMessage(err)})
	}
	return err
}
