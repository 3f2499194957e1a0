package views

import (
	"time"

	"agentbook/jobs"

	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

// JobsProps fills the admin's Jobs page.
type JobsProps struct {
	PageProps
	Jobs    []jobs.Status
	Notice  string
	Message string
}

// JobsPage lists the scheduled jobs with their schedule, last and next run, and Run now.
func JobsPage(p JobsProps) g.Node {
	p.Title = "Jobs"
	p.Nav = "jobs"
	return Layout(p.PageProps,
		Div(Class("page-head"), H1(g.Text("Jobs"))),
		P(Class("lead"), g.Text("Tasks that keep the server healthy, each on its own schedule. Times are the server's.")),
		Alert("success", p.Notice),
		Alert("error", p.Message),
		JobsTable(p),
	)
}

// JobsTable is the list of jobs. While a job runs it asks for itself again every 2 seconds
// (GET /jobs with HX-Request), and stops asking once none runs.
func JobsTable(p JobsProps) g.Node {
	running := false
	for _, j := range p.Jobs {
		running = running || j.Running
	}
	return Div(ID("jobs"), Class("table-wrap"),
		g.If(running, g.Group{hx("get", "/jobs"), hx("trigger", "every 2s"), hx("swap", "outerHTML")}),
		Table(Class("jobs"),
			THead(Tr(Th(g.Text("Job")), Th(g.Text("Schedule")), Th(g.Text("Last run")), Th(g.Text("Duration")),
				Th(g.Text("Result")), Th(g.Text("Next run")), Th(Span(Class("sr-only"), g.Text("Actions"))))),
			TBody(
				g.If(len(p.Jobs) == 0, Tr(Td(ColSpan("7"), Class("empty"), g.Text("No jobs are scheduled.")))),
				g.Map(p.Jobs, func(j jobs.Status) g.Node { return jobRow(p, j) }),
			),
		),
	)
}

func jobRow(p JobsProps, j jobs.Status) g.Node {
	hint := jobs.Describe(j.Spec)
	return Tr(ID("job-"+j.Name), g.If(j.Running, Class("running")),
		Td(Class("job-title"), g.Text(j.Title)),
		Td(Class("job-schedule"),
			g.Text(hint),
			g.If(hint != j.Spec, Code(Class("spec"), g.Text(j.Spec))),
		),
		Td(Class("when job-last"), jobWhen(j.LastStart, "never")),
		Td(Class("job-took"), g.Text(jobDuration(j))),
		Td(Class("job-result"), jobResult(j)),
		Td(Class("when job-next"), jobWhen(j.Next, "—")),
		Td(Class("actions"),
			Form(Method("post"), Action("/jobs/"+j.Name+"/run"), Class("inline"),
				CSRFField(p.CSRF),
				Button(Type("submit"), Class("small"), g.If(j.Running, Disabled()),
					Aria("label", "Run "+j.Title+" now"), g.Text("Run now")),
			),
		),
	)
}

func jobWhen(t time.Time, zero string) g.Node {
	if t.IsZero() {
		return g.Text(zero)
	}
	return Time(DateTime(t.UTC().Format(time.RFC3339)), g.Text(t.Local().Format("Jan 2, 15:04:05")))
}

func jobDuration(j jobs.Status) string {
	switch {
	case j.Runs == 0:
		return "—"
	case j.LastDuration < time.Second:
		return j.LastDuration.Round(time.Millisecond).String()
	}
	return j.LastDuration.Round(100 * time.Millisecond).String()
}

func jobResult(j jobs.Status) g.Node {
	switch {
	case j.Running:
		return Span(Class("job-running"), g.Text("Running…"))
	case j.Runs == 0:
		return Span(Class("job-never"), g.Text("Not run yet"))
	case j.LastErr != "":
		return Span(Class("job-failed"), g.Text("Failed: "+j.LastErr))
	case j.LastResult == "":
		return Span(Class("job-ok"), g.Text("OK"))
	}
	return Span(Class("job-ok"), g.Text(j.LastResult))
}
