package web_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"agentbook/app/web"
	"agentbook/jobs"
)

// jobsWorld is a server with a real scheduler (not started: jobs run only through Run now) of
// three jobs: one that succeeds, one that fails, and digests that run until released.
type jobsWorld struct {
	h       *harness
	sched   *jobs.Scheduler
	release chan struct{}
}

func newJobsWorld(t *testing.T) *jobsWorld {
	t.Helper()
	w := &jobsWorld{release: make(chan struct{})}
	sched, err := jobs.New(jobs.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Jobs: []jobs.Job{
		{Name: "outbox-retry", Title: "Outbox retry", Spec: "* * * * *",
			Run: func(context.Context) (string, error) { return "sent 2", nil }},
		{Name: "session-cleanup", Title: "Expired sessions", Spec: "0 * * * *",
			Run: func(context.Context) (string, error) { return "", errors.New("store is closed") }},
		{Name: "digests-daily", Title: "Daily digests", Spec: "0 8 * * *",
			Run: func(ctx context.Context) (string, error) {
				select {
				case <-w.release:
					return "3 emails", nil
				case <-ctx.Done():
					return "", ctx.Err()
				}
			}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sched.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	w.sched = sched
	w.h = newHarness(t, func(o *web.Options) { o.Jobs = sched })
	w.h.agent(t, "Ada Admin", "ada@example.com", true)
	w.h.agent(t, "Nat Agent", "nat@example.com", false)
	return w
}

// waitJob waits until the job has finished n runs.
func (w *jobsWorld) waitJob(t *testing.T, name string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, st := range w.sched.Statuses() {
			if st.Name == name && !st.Running && st.Runs >= n {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("job %s did not finish %d runs", name, n)
}

func TestJobsPage(t *testing.T) {
	w := newJobsWorld(t)
	admin := w.h.loggedIn(t, "ada@example.com")

	t.Run("the admin sees each job with its schedule and next run", func(t *testing.T) {
		p := admin.get(t, "/jobs")
		p.wantStatus(http.StatusOK)
		if p.find(`header nav a[href="/jobs"][aria-current=page]`).Length() != 1 {
			t.Errorf("no current Jobs link in the header:\n%s", p.body)
		}
		for _, tc := range []struct{ id, title, schedule string }{
			{"job-outbox-retry", "Outbox retry", "every minute"},
			{"job-session-cleanup", "Expired sessions", "hourly"},
			{"job-digests-daily", "Daily digests", "daily at 08:00"},
		} {
			row := "#" + tc.id
			p.one(row)
			if got := p.text(row + " .job-title"); got != tc.title {
				t.Errorf("%s title %q", tc.id, got)
			}
			if got := p.text(row + " .job-schedule"); !strings.HasPrefix(got, tc.schedule) {
				t.Errorf("%s schedule %q, want %q", tc.id, got, tc.schedule)
			}
			if got := p.text(row + " .job-last"); got != "never" {
				t.Errorf("%s last run %q before any run", tc.id, got)
			}
			if p.find(row+" .job-next time[datetime]").Length() != 1 {
				t.Errorf("%s has no next run", tc.id)
			}
			if p.find(row+` form[method=post][action="/jobs/`+strings.TrimPrefix(tc.id, "job-")+`/run"] button`).Length() != 1 {
				t.Errorf("%s has no Run now button", tc.id)
			}
		}
		if _, polls := p.one("#jobs").Attr("hx-trigger"); polls {
			t.Error("the list polls while no job runs")
		}
	})

	t.Run("Run now runs the job and the page shows its result", func(t *testing.T) {
		p := admin.post(t, "/jobs/outbox-retry/run", nil)
		p.wantRedirect("/jobs?started=outbox-retry")
		w.waitJob(t, "outbox-retry", 1)
		p = admin.get(t, p.location())
		p.wantStatus(http.StatusOK)
		if got := p.text(".alert-success"); got != "Outbox retry started." {
			t.Errorf("notice %q", got)
		}
		if got := p.text("#job-outbox-retry .job-result"); got != "sent 2" {
			t.Errorf("result %q", got)
		}
		if p.find("#job-outbox-retry .job-last time[datetime]").Length() != 1 || p.text("#job-outbox-retry .job-took") == "—" {
			t.Errorf("no last run or duration:\n%s", p.find("#job-outbox-retry").Text())
		}
	})

	t.Run("a failed run shows its error", func(t *testing.T) {
		admin.post(t, "/jobs/session-cleanup/run", nil).wantRedirect("/jobs?started=session-cleanup")
		w.waitJob(t, "session-cleanup", 1)
		if got := admin.get(t, "/jobs").text("#job-session-cleanup .job-result"); got != "Failed: store is closed" {
			t.Errorf("result %q", got)
		}
	})

	t.Run("a running job's list refreshes itself until it finishes", func(t *testing.T) {
		admin.post(t, "/jobs/digests-daily/run", nil).wantRedirect("/jobs?started=digests-daily")
		p := admin.get(t, "/jobs")
		if got, _ := p.one("#jobs").Attr("hx-trigger"); got != "every 2s" {
			t.Errorf("hx-trigger %q while a job runs", got)
		}
		if got := p.text("#job-digests-daily .job-result"); got != "Running…" {
			t.Errorf("result %q while running", got)
		}
		if _, disabled := p.one("#job-digests-daily button").Attr("disabled"); !disabled {
			t.Error("Run now is enabled while the job runs")
		}

		again := admin.post(t, "/jobs/digests-daily/run", nil)
		again.wantStatus(http.StatusConflict)
		if got := again.text(".alert-error"); got != "Daily digests is already running." {
			t.Errorf("conflict message %q", got)
		}
		again.one("#jobs")

		close(w.release)
		w.waitJob(t, "digests-daily", 1)
		f := admin.get(t, "/jobs", htmx("jobs"))
		f.wantStatus(http.StatusOK)
		if !slices.Contains(f.header.Values("Vary"), "HX-Request") {
			t.Errorf("Vary = %v, want HX-Request", f.header.Values("Vary"))
		}
		if f.find("header").Length() != 0 || f.find("#jobs").Length() != 1 {
			t.Errorf("the htmx answer is not the list alone:\n%s", f.body)
		}
		if _, polls := f.one("#jobs").Attr("hx-trigger"); polls {
			t.Error("the list still polls after the job finished")
		}
		if got := f.text("#job-digests-daily .job-result"); got != "3 emails" {
			t.Errorf("result %q", got)
		}
	})

	t.Run("an unknown job is not found", func(t *testing.T) {
		admin.post(t, "/jobs/no-such-job/run", nil).wantStatus(http.StatusNotFound)
	})
}

func TestJobsPageIsTheAdmins(t *testing.T) {
	w := newJobsWorld(t)
	nat := w.h.loggedIn(t, "nat@example.com")
	for _, tc := range []struct {
		name string
		do   func() *page
	}{
		{"an agent cannot see the Jobs page", func() *page { return nat.get(t, "/jobs") }},
		{"an agent cannot poll the list", func() *page { return nat.get(t, "/jobs", htmx("jobs")) }},
		{"an agent cannot run a job", func() *page { return nat.post(t, "/jobs/outbox-retry/run", nil) }},
		{"an agent cannot probe for job names", func() *page { return nat.post(t, "/jobs/no-such-job/run", nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.do()
			if p.status != http.StatusForbidden {
				t.Fatalf("status %d, want 403:\n%s", p.status, p.body)
			}
			if strings.Contains(p.body, "Outbox retry") {
				t.Errorf("the refusal names a job:\n%s", p.body)
			}
		})
	}
	t.Run("an agent has no Jobs link", func(t *testing.T) {
		if nat.get(t, "/contacts").find(`nav a[href="/jobs"]`).Length() != 0 {
			t.Error("a non-admin sees the Jobs link")
		}
	})
	t.Run("nothing ran", func(t *testing.T) {
		for _, st := range w.sched.Statuses() {
			if st.Runs != 0 || st.Running {
				t.Errorf("%s ran: %+v", st.Name, st)
			}
		}
	})
	t.Run("a visitor who is not logged in is sent to log in", func(t *testing.T) {
		p := w.h.browser().get(t, "/jobs")
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/login") {
			t.Errorf("got %d to %q", p.status, p.location())
		}
	})
}

func TestJobsPageWithoutScheduler(t *testing.T) {
	h := newHarness(t)
	h.agent(t, "Ada Admin", "ada@example.com", true)
	admin := h.loggedIn(t, "ada@example.com")
	p := admin.get(t, "/jobs")
	p.wantStatus(http.StatusOK)
	if got := p.text("#jobs td.empty"); got != "No jobs are scheduled." {
		t.Errorf("empty list says %q", got)
	}
	admin.post(t, "/jobs/outbox-retry/run", nil).wantStatus(http.StatusNotFound)
}
