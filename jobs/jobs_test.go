package jobs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"agentbook/app"
)

// logBuffer collects log lines written from the runs' goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newScheduler returns a scheduler of the jobs that logs into the returned buffer, stopped when
// the test ends.
func newScheduler(t *testing.T, opt Options) (*Scheduler, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	opt.Logger = slog.New(slog.NewTextHandler(logs, nil))
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	s, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return s, logs
}

// status returns the job's status.
func status(t *testing.T, s *Scheduler, name string) Status {
	t.Helper()
	for _, st := range s.Statuses() {
		if st.Name == name {
			return st
		}
	}
	t.Fatalf("no job %s in %+v", name, s.Statuses())
	return Status{}
}

// waitFor polls the job's status until ok says yes, for up to five seconds.
func waitFor(t *testing.T, s *Scheduler, name string, ok func(Status) bool) Status {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := status(t, s, name)
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s never reached the state; last %+v", name, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// fakeClock is a time the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func finished(n int) func(Status) bool {
	return func(st Status) bool { return !st.Running && st.Runs >= n }
}

func ok(result string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return result, nil }
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name string
		jobs []Job
		want string // part of the error; "" for none
	}{
		{"five fields and descriptors are accepted", []Job{{Name: "a", Spec: "*/15 * * * *", Run: ok("")},
			{Name: "b", Spec: "@hourly", Run: ok("")}, {Name: "c", Spec: "@every 10m", Run: ok("")}}, ""},
		{"a spec with seconds is refused", []Job{{Name: "a", Spec: "0 0 8 * * *", Run: ok("")}}, `spec "0 0 8 * * *"`},
		{"a spec that is not cron is refused", []Job{{Name: "a", Spec: "daily", Run: ok("")}}, `spec "daily"`},
		{"an empty spec is refused", []Job{{Name: "a", Spec: "", Run: ok("")}}, `spec ""`},
		{"a job without a name is refused", []Job{{Title: "Nameless", Spec: "@hourly", Run: ok("")}}, `job name ""`},
		{"a name that does not fit a URL is refused", []Job{{Name: "Outbox retry", Spec: "@hourly", Run: ok("")}}, `job name "Outbox retry"`},
		{"a job without Run is refused", []Job{{Name: "a", Spec: "@hourly"}}, "has no Run"},
		{"two jobs of one name are refused", []Job{{Name: "a", Spec: "@hourly", Run: ok("")}, {Name: "a", Spec: "@daily", Run: ok("")}}, "two jobs are named a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(Options{Jobs: tc.jobs})
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tc.want == "":
				if n := len(s.Statuses()); n != len(tc.jobs) {
					t.Errorf("%d statuses, want %d", n, len(tc.jobs))
				}
			case err == nil || !strings.Contains(err.Error(), tc.want):
				t.Fatalf("New: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct{ name, spec, want string }{
		{"a daily time reads as daily at that time", "0 8 * * *", "daily at 08:00"},
		{"minutes past an evening hour are kept", "30 22 * * *", "daily at 22:30"},
		{"a step of minutes reads as every n minutes", "*/15 * * * *", "every 15 minutes"},
		{"every minute reads so", "* * * * *", "every minute"},
		{"a step of one minute is every minute", "*/1 * * * *", "every minute"},
		{"minute zero of every hour is hourly", "0 * * * *", "hourly"},
		{"another minute of every hour says which", "5 * * * *", "hourly at :05"},
		{"a step of hours reads as every n hours", "0 */6 * * *", "every 6 hours"},
		{"a step of hours keeps its minute", "10 */2 * * *", "every 2 hours at :10"},
		{"one weekday by number reads as weekly", "0 8 * * 1", "weekly on Monday at 08:00"},
		{"weekday 7 is Sunday", "0 8 * * 7", "weekly on Sunday at 08:00"},
		{"one weekday by name reads as weekly", "0 9 * * fri", "weekly on Friday at 09:00"},
		{"Monday to Friday reads as weekdays", "0 7 * * 1-5", "weekdays at 07:00"},
		{"a day of the month reads as monthly", "0 3 1 * *", "monthly on day 1 at 03:00"},
		{"the hourly descriptor reads so", "@hourly", "hourly"},
		{"the daily descriptor reads so", "@daily", "daily at 00:00"},
		{"an interval reads as every interval", "@every 10m", "every 10m"},
		{"a list of minutes is left as it is", "0,30 * * * *", "0,30 * * * *"},
		{"a range of hours is left as it is", "0 9-17 * * *", "0 9-17 * * *"},
		{"a month is left as it is", "0 8 1 6 *", "0 8 1 6 *"},
		{"day of month and weekday together are left as they are", "0 8 1 * 1", "0 8 1 * 1"},
		{"a time zone prefix is left as it is", "CRON_TZ=UTC 0 8 * * *", "CRON_TZ=UTC 0 8 * * *"},
		{"an hour out of range is left as it is", "0 24 * * *", "0 24 * * *"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Describe(tc.spec); got != tc.want {
				t.Errorf("Describe(%q) = %q, want %q", tc.spec, got, tc.want)
			}
		})
	}
}

// TestNextRun checks the schedule against a fake clock: before Start, Next is the spec's next
// time after Now, read in Location.
func TestNextRun(t *testing.T) {
	monday := time.Date(2026, 3, 2, 7, 59, 30, 0, time.UTC) // a Monday
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	for _, tc := range []struct {
		name string
		spec string
		now  time.Time
		loc  *time.Location
		want time.Time
	}{
		{"a daily job runs later the same day", "0 8 * * *", monday, time.UTC, time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)},
		{"a daily job past its time runs the next day", "0 8 * * *", monday.Add(time.Hour), time.UTC, time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)},
		{"a job every minute runs at the next minute", "* * * * *", monday, time.UTC, time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)},
		{"a job every 15 minutes runs at the next quarter", "*/15 * * * *", monday.Add(-20 * time.Minute), time.UTC, time.Date(2026, 3, 2, 7, 45, 0, 0, time.UTC)},
		{"an hourly job runs on the hour", "0 * * * *", monday.Add(2 * time.Minute), time.UTC, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)},
		{"a Monday job on Monday after its time waits a week", "0 7 * * 1", monday, time.UTC, time.Date(2026, 3, 9, 7, 0, 0, 0, time.UTC)},
		{"a weekly job runs on its weekday", "0 8 * * 5", monday, time.UTC, time.Date(2026, 3, 6, 8, 0, 0, 0, time.UTC)},
		{"the spec is read in the scheduler's location", "0 8 * * *", monday, paris, time.Date(2026, 3, 3, 7, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newScheduler(t, Options{Location: tc.loc, Now: func() time.Time { return tc.now },
				Jobs: []Job{{Name: "j", Spec: tc.spec, Run: ok("")}}})
			if got := status(t, s, "j").Next; !got.Equal(tc.want) {
				t.Errorf("next run %v, want %v", got, tc.want.In(tc.loc))
			}
		})
	}
}

func TestRunNow(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	clk := &fakeClock{now: t0}
	s, logs := newScheduler(t, Options{Now: clk.Now, Jobs: []Job{
		{Name: "retry", Title: "Outbox retry", Spec: "* * * * *", Run: func(context.Context) (string, error) {
			clk.Advance(1500 * time.Millisecond)
			return "sent 3", nil
		}},
		{Name: "broken", Title: "Broken", Spec: "@hourly", Run: func(context.Context) (string, error) {
			return "sent 1", errors.New("relay refused")
		}},
	}})

	t.Run("a successful run records its result and duration", func(t *testing.T) {
		if err := s.RunNow("retry"); err != nil {
			t.Fatal(err)
		}
		st := waitFor(t, s, "retry", finished(1))
		if st.LastResult != "sent 3" || st.LastErr != "" || st.Runs != 1 || st.LastDuration != 1500*time.Millisecond || !st.LastStart.Equal(t0) {
			t.Errorf("status %+v", st)
		}
		if l := logs.String(); !strings.Contains(l, "component=jobs job=retry trigger=manual took=") || !strings.Contains(l, `result="sent 3"`) {
			t.Errorf("the run is not logged:\n%s", l)
		}
	})
	t.Run("a failed run records its error", func(t *testing.T) {
		if err := s.RunNow("broken"); err != nil {
			t.Fatal(err)
		}
		st := waitFor(t, s, "broken", finished(1))
		if st.LastErr != "relay refused" || st.LastResult != "sent 1" {
			t.Errorf("status %+v", st)
		}
		if l := logs.String(); !strings.Contains(l, `level=ERROR msg="job failed" component=jobs job=broken`) || !strings.Contains(l, `err="relay refused"`) {
			t.Errorf("the failure is not logged:\n%s", l)
		}
	})
	t.Run("an unknown job is not found", func(t *testing.T) {
		if err := s.RunNow("nope"); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("RunNow: %v, want ENOTFOUND", err)
		}
	})
	t.Run("statuses keep the registration order", func(t *testing.T) {
		st := s.Statuses()
		if len(st) != 2 || st[0].Name != "retry" || st[1].Name != "broken" || st[0].Title != "Outbox retry" || st[0].Spec != "* * * * *" {
			t.Errorf("statuses %+v", st)
		}
	})
}

func TestNeverOverlaps(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	started := 0
	s, logs := newScheduler(t, Options{Jobs: []Job{{Name: "slow", Title: "Slow job", Spec: "@hourly",
		Run: func(ctx context.Context) (string, error) {
			mu.Lock()
			started++
			mu.Unlock()
			<-release
			return "done", nil
		}}}})
	if err := s.RunNow("slow"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "slow", func(st Status) bool { return st.Running })

	t.Run("Run now while it runs is a conflict", func(t *testing.T) {
		err := s.RunNow("slow")
		if app.ErrorCode(err) != app.ECONFLICT || app.ErrorMessage(err) != "Slow job is already running." {
			t.Errorf("RunNow: %v, want ECONFLICT already running", err)
		}
	})
	t.Run("the schedule's trigger while it runs is skipped and logged", func(t *testing.T) {
		s.trigger(s.byName["slow"]) // what the cron calls
		if l := logs.String(); !strings.Contains(l, `msg="job skipped" component=jobs job=slow reason="Slow job is already running."`) {
			t.Errorf("the skip is not logged:\n%s", l)
		}
	})
	close(release)
	st := waitFor(t, s, "slow", finished(1))
	t.Run("only the first run happened", func(t *testing.T) {
		mu.Lock()
		defer mu.Unlock()
		if started != 1 || st.Runs != 1 {
			t.Errorf("started %d times, %d runs recorded", started, st.Runs)
		}
	})
	t.Run("it can run again once finished", func(t *testing.T) {
		if err := s.RunNow("slow"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, s, "slow", finished(2))
	})
}

func TestPanicIsRecovered(t *testing.T) {
	s, logs := newScheduler(t, Options{Jobs: []Job{{Name: "bad", Spec: "@hourly",
		Run: func(context.Context) (string, error) { panic("nil map somewhere") }}}})
	for i := 1; i <= 2; i++ {
		if err := s.RunNow("bad"); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		st := waitFor(t, s, "bad", finished(i))
		if st.LastErr != "panic: nil map somewhere" {
			t.Errorf("run %d: LastErr %q", i, st.LastErr)
		}
	}
	l := logs.String()
	if !strings.Contains(l, `msg="job panicked" component=jobs job=bad`) || !strings.Contains(l, "jobs_test.go") {
		t.Errorf("the panic is not logged with its stack:\n%s", l)
	}
}

func TestStop(t *testing.T) {
	t.Run("Stop cancels a run and waits for it", func(t *testing.T) {
		s, _ := newScheduler(t, Options{Jobs: []Job{{Name: "long", Spec: "@hourly",
			Run: func(ctx context.Context) (string, error) {
				<-ctx.Done()
				time.Sleep(20 * time.Millisecond) // the run's own cleanup
				return "partial", ctx.Err()
			}}}})
		s.Start()
		if err := s.RunNow("long"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, s, "long", func(st Status) bool { return st.Running })
		if err := s.Stop(context.Background()); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		st := status(t, s, "long")
		if st.Running || st.Runs != 1 || st.LastErr != context.Canceled.Error() {
			t.Errorf("after Stop: %+v", st)
		}
		if err := s.RunNow("long"); app.ErrorCode(err) != app.ECONFLICT {
			t.Errorf("RunNow after Stop: %v, want ECONFLICT", err)
		}
	})
	t.Run("Stop gives up when its context ends", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		s, _ := newScheduler(t, Options{Jobs: []Job{{Name: "stubborn", Spec: "@hourly",
			Run: func(context.Context) (string, error) { <-release; return "", nil }}}})
		if err := s.RunNow("stubborn"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, s, "stubborn", func(st Status) bool { return st.Running })
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if err := s.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Stop: %v, want the deadline", err)
		}
	})
}

// TestSchedule runs a job from the real cron (at most a second or two).
func TestSchedule(t *testing.T) {
	s, logs := newScheduler(t, Options{Jobs: []Job{{Name: "tick", Spec: "@every 1s", Run: ok("tock")}}})
	s.Start()
	st := waitFor(t, s, "tick", finished(1))
	if st.LastResult != "tock" {
		t.Errorf("status %+v", st)
	}
	if !st.Next.After(st.LastStart) {
		t.Errorf("next run %v is not after the last %v", st.Next, st.LastStart)
	}
	if !strings.Contains(logs.String(), "job=tick trigger=schedule") {
		t.Errorf("the scheduled run is not logged:\n%s", logs.String())
	}
}
