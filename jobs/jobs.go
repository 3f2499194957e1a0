// Package jobs runs the tasks that keep the server healthy (mail retries, index reconciliation,
// garbage collection, session cleanup, digests), each on its own cron schedule. A job never
// overlaps itself, a panic in one is logged and recorded rather than fatal, every run is logged,
// and Stop cancels the runs in progress and waits for them.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"agentbook/app"

	"github.com/robfig/cron/v3"
)

// Job is one scheduled task.
type Job struct {
	// Name identifies the job in URLs and logs ("outbox-retry"): unique, lower case, no spaces.
	Name string
	// Title is what the Jobs page calls it ("Outbox retry").
	Title string
	// Spec is when it runs: a five-field cron spec (minute hour day-of-month month weekday) or a
	// descriptor such as @hourly or @every 10m.
	Spec string
	// Run does the work and returns a short summary for the log and the Jobs page ("sent 3").
	// It should return soon after ctx is cancelled, which Stop does.
	Run func(ctx context.Context) (result string, err error)
}

// Status is a job's schedule and the outcome of its last run, for the Jobs page.
type Status struct {
	Name, Title, Spec string
	// Running is true while a run is in progress.
	Running bool
	// LastStart is when the current run (if Running) or the last one began; zero if never run.
	LastStart time.Time
	// LastDuration, LastResult and LastErr describe the last finished run. LastErr is "" when it
	// succeeded, and "panic: …" when it panicked.
	LastDuration time.Duration
	LastResult   string
	LastErr      string
	// Next is when the schedule runs the job next.
	Next time.Time
	// Runs counts the finished runs since the server started.
	Runs int
}

// Options configures a Scheduler.
type Options struct {
	Jobs   []Job
	Logger *slog.Logger
	// Location is the time zone the specs are read in (default time.Local).
	Location *time.Location
	// Now is the clock runs are timed with (default time.Now); the schedule itself follows the
	// real clock.
	Now func() time.Time
}

// Scheduler runs jobs on their schedules and on demand.
type Scheduler struct {
	cron   *cron.Cron
	logger *slog.Logger
	loc    *time.Location
	now    func() time.Time
	ctx    context.Context // the runs' context, cancelled by Stop
	cancel context.CancelFunc
	runs   sync.WaitGroup // every run in progress, scheduled or manual
	jobs   []*entry       // in registration order
	byName map[string]*entry

	mu      sync.Mutex // guards stopped and every entry's state
	stopped bool
}

// entry is a registered job and its state.
type entry struct {
	job      Job
	schedule cron.Schedule
	id       cron.EntryID

	running   bool
	lastStart time.Time
	lastTook  time.Duration
	result    string
	err       string
	runs      int
}

// New checks the jobs (a valid spec, a name, a Run, no name twice) and returns a scheduler that
// runs them once started.
func New(opt Options) (*Scheduler, error) {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Location == nil {
		opt.Location = time.Local
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Scheduler{
		cron:   cron.New(cron.WithLocation(opt.Location)),
		logger: opt.Logger.With("component", "jobs"),
		loc:    opt.Location,
		now:    opt.Now,
		ctx:    ctx,
		cancel: cancel,
		byName: map[string]*entry{},
	}
	for _, j := range opt.Jobs {
		switch {
		case !validName(j.Name):
			cancel()
			return nil, fmt.Errorf("jobs: job name %q: use lower-case letters, digits and dashes", j.Name)
		case j.Run == nil:
			cancel()
			return nil, fmt.Errorf("jobs: job %s has no Run", j.Name)
		case s.byName[j.Name] != nil:
			cancel()
			return nil, fmt.Errorf("jobs: two jobs are named %s", j.Name)
		}
		sched, err := cron.ParseStandard(j.Spec)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("jobs: job %s: spec %q: %w", j.Name, j.Spec, err)
		}
		if j.Title == "" {
			j.Title = j.Name
		}
		e := &entry{job: j, schedule: sched}
		e.id = s.cron.Schedule(sched, cron.FuncJob(func() { s.trigger(e) }))
		s.jobs = append(s.jobs, e)
		s.byName[j.Name] = e
	}
	return s, nil
}

// Start runs the jobs on their schedules in the background until Stop.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops scheduling, cancels the context of the runs in progress and waits for them to
// return, or for ctx to be done (then it returns ctx's error). A stopped scheduler does not
// start again.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	cronDone := s.cron.Stop().Done()
	s.cancel()
	done := make(chan struct{})
	go func() {
		s.runs.Wait()
		<-cronDone
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.logger.Warn("jobs still running at shutdown", "running", s.runningNames())
		return fmt.Errorf("jobs: stop: %w", ctx.Err())
	}
}

// RunNow starts the job in the background now. It returns ENOTFOUND if there is no job of that
// name, and ECONFLICT if the job is already running or the scheduler is stopped.
func (s *Scheduler) RunNow(name string) error {
	e := s.byName[name]
	if e == nil {
		return app.Errorf(app.ENOTFOUND, "There is no job named %q.", name)
	}
	ok, err := s.claim(e)
	if !ok {
		return err
	}
	go s.run(e, "manual")
	return nil
}

// Statuses returns every job's status, in the order the jobs were given to New.
func (s *Scheduler) Statuses() []Status {
	next := map[cron.EntryID]time.Time{}
	for _, ce := range s.cron.Entries() { // not under s.mu: it waits for the cron's loop
		next[ce.ID] = ce.Next
	}
	now := s.now().In(s.loc)
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Status, len(s.jobs))
	for i, e := range s.jobs {
		n := next[e.id]
		if n.IsZero() && !s.stopped { // not started yet: the cron has not computed it
			n = e.schedule.Next(now)
		}
		out[i] = Status{Name: e.job.Name, Title: e.job.Title, Spec: e.job.Spec, Running: e.running,
			LastStart: e.lastStart, LastDuration: e.lastTook, LastResult: e.result, LastErr: e.err,
			Next: n, Runs: e.runs}
	}
	return out
}

// trigger is the cron's call: it runs the job unless a run is in progress.
func (s *Scheduler) trigger(e *entry) {
	ok, err := s.claim(e)
	if !ok {
		s.logger.Warn("job skipped", "job", e.job.Name, "reason", app.ErrorMessage(err))
		return
	}
	s.run(e, "schedule")
}

// claim marks the job running; false (with the reason) if it already is or the scheduler stopped.
func (s *Scheduler) claim(e *entry) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return false, app.Errorf(app.ECONFLICT, "The server is shutting down; %s did not start.", e.job.Title)
	}
	if e.running {
		return false, app.Errorf(app.ECONFLICT, "%s is already running.", e.job.Title)
	}
	e.running, e.lastStart = true, s.now()
	s.runs.Add(1) // before Stop's Wait: Stop sets stopped under the same lock first
	return true, nil
}

// run runs a claimed job, records and logs the outcome.
func (s *Scheduler) run(e *entry, trigger string) {
	defer s.runs.Done()
	s.mu.Lock()
	start := e.lastStart
	s.mu.Unlock()
	result, err := s.call(e, trigger)
	took := s.now().Sub(start)

	s.mu.Lock()
	e.running, e.lastTook, e.result, e.err = false, took, result, ""
	if err != nil {
		e.err = err.Error()
	}
	e.runs++
	s.mu.Unlock()

	log := s.logger.With("job", e.job.Name, "trigger", trigger, "took", took.Round(time.Millisecond))
	switch {
	case err == nil:
		log.Info("job done", "result", result)
	case s.ctx.Err() != nil:
		log.Warn("job cut short by shutdown", "result", result, "err", err)
	default:
		log.Error("job failed", "result", result, "err", err)
	}
}

// call runs the job's function, turning a panic into an error ("panic: …") logged with its stack.
func (s *Scheduler) call(e *entry, trigger string) (result string, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("job panicked", "job", e.job.Name, "trigger", trigger, "panic", r, "stack", string(debug.Stack()))
			result, err = "", fmt.Errorf("panic: %v", r)
		}
	}()
	return e.job.Run(s.ctx)
}

func (s *Scheduler) runningNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for _, e := range s.jobs {
		if e.running {
			names = append(names, e.job.Name)
		}
	}
	return names
}

// validName reports whether a job name is non-empty lower-case letters, digits and dashes.
func validName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// Describe says a common schedule in plain English ("0 8 * * *" is "daily at 08:00",
// "*/15 * * * *" is "every 15 minutes") and returns any other spec as it is.
func Describe(spec string) string {
	switch strings.TrimSpace(spec) {
	case "@hourly":
		return "hourly"
	case "@daily", "@midnight":
		return "daily at 00:00"
	case "@weekly":
		return "weekly on Sunday at 00:00"
	case "@monthly":
		return "monthly on day 1 at 00:00"
	case "@yearly", "@annually":
		return "yearly on 1 January at 00:00"
	}
	if d, ok := strings.CutPrefix(spec, "@every "); ok {
		if _, err := time.ParseDuration(strings.TrimSpace(d)); err == nil {
			return "every " + strings.TrimSpace(d)
		}
		return spec
	}
	f := strings.Fields(spec)
	if len(f) != 5 || f[3] != "*" {
		return spec
	}
	minute, hour, dom, dow := f[0], f[1], f[2], f[4]
	if hour == "*" && dom == "*" && dow == "*" {
		switch n, ok := step(minute, 59); {
		case minute == "*":
			return "every minute"
		case ok && n == 1:
			return "every minute"
		case ok:
			return "every " + strconv.Itoa(n) + " minutes"
		}
		if m, ok := number(minute, 0, 59); ok {
			if m == 0 {
				return "hourly"
			}
			return fmt.Sprintf("hourly at :%02d", m)
		}
		return spec
	}
	m, ok := number(minute, 0, 59)
	if !ok {
		return spec
	}
	if n, ok := step(hour, 23); ok && dom == "*" && dow == "*" {
		every := "every " + strconv.Itoa(n) + " hours"
		if n == 1 {
			every = "hourly"
		}
		if m == 0 {
			return every
		}
		return fmt.Sprintf("%s at :%02d", every, m)
	}
	h, ok := number(hour, 0, 23)
	if !ok {
		return spec
	}
	at := fmt.Sprintf("%02d:%02d", h, m)
	switch {
	case dom == "*" && dow == "*":
		return "daily at " + at
	case dom == "*" && (dow == "1-5" || strings.EqualFold(dow, "MON-FRI")):
		return "weekdays at " + at
	case dom == "*":
		if d, ok := weekday(dow); ok {
			return "weekly on " + d + " at " + at
		}
	case dow == "*":
		if d, ok := number(dom, 1, 31); ok {
			return fmt.Sprintf("monthly on day %d at %s", d, at)
		}
	}
	return spec
}

// number reads a cron field that is one number within [lo, hi].
func number(field string, lo, hi int) (int, bool) {
	n, err := strconv.Atoi(field)
	if err != nil || n < lo || n > hi || strings.HasPrefix(field, "+") {
		return 0, false
	}
	return n, true
}

// step reads a cron field of the form */n with n in [1, most].
func step(field string, most int) (int, bool) {
	s, ok := strings.CutPrefix(field, "*/")
	if !ok {
		return 0, false
	}
	return number(s, 1, most)
}

// weekday reads a cron weekday field that names one day (0–7 or SUN–SAT).
func weekday(field string) (string, bool) {
	days := []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	if n, ok := number(field, 0, 7); ok {
		return days[n%7], true
	}
	for _, d := range days {
		if strings.EqualFold(field, d[:3]) {
			return d, true
		}
	}
	return "", false
}
