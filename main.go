// Command agentbook is a self-hosted contact manager for real-estate agents. With no subcommand
// it serves the web UI and API; its other subcommands administer a data folder, through the
// running server's unix socket when there is one.
//
// This file is the only one that knows every concrete type: it wires the store, the index and
// the services together.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"syscall"
	"time"

	"agentbook/app"
	"agentbook/app/imports"
	"agentbook/app/web"
	"agentbook/embed"
	"agentbook/jobs"
	"agentbook/mail"
	"agentbook/search"
	"agentbook/store"

	"github.com/robfig/cron/v3"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	var ue usageError
	switch {
	case err == nil:
	case errors.As(err, &ue):
		fmt.Fprintln(os.Stderr, "agentbook:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "agentbook:", err)
		os.Exit(1)
	}
}

// usageError marks a misuse of the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `usage: agentbook [serve] [flags]
       agentbook user add --email E --name N [--admin] [--phone P] [--password P | password on stdin]
       agentbook token create --email E
       agentbook seed --owner E --n N
       agentbook import --owner E FILE [--delimiter X] [--duplicates skip|update|create] [--group G] [--dry-run]
       agentbook export --owner E [--format csv|vcf] > FILE
       agentbook reindex
       agentbook backup FILE
       agentbook restore FILE   (into an empty data folder)
Every subcommand takes --data (default ./data; env AGENTBOOK_DATA).`

// run is the whole program, so tests can run it on a temp folder with :0 ports.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "user" || cmd == "token" {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return usageError{cmd + " needs a subcommand (user add, token create)\n" + usage}
		}
		cmd, args = cmd+" "+args[0], args[1:]
	}
	switch cmd {
	case "serve":
		cfg, err := parseServe(args, getenv, stderr)
		if err != nil {
			return err
		}
		return serve(ctx, cfg, stdout, stderr)
	case "user add", "token create", "seed", "reindex", "import", "export":
		return runOp(ctx, cmd, args, getenv, stdin, stdout, stderr)
	case "backup":
		return runBackup(ctx, args, getenv, stdout, stderr)
	case "restore":
		return runRestore(ctx, args, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q\n%s", cmd, usage)}
}

// Config is the server's configuration from flags and AGENTBOOK_* environment variables.
type Config struct {
	Addr    string
	Data    string
	BaseURL string
	// baseURLFromAddr is set when --base-url was not given: links then use the address the
	// server actually listens on (--addr may say port 0 or no host).
	baseURLFromAddr bool
	LogLevel        string
	SessionTTL      time.Duration

	SMTPSink        string   // the embedded sink's address, "off" for none
	SinkReject      []string // recipient globs the sink refuses with 550 5.1.1
	SinkMaxSize     int64    // bytes
	ImportMaxSize   int64    // bytes
	DigestDaily     string   // cron spec of the daily digests of saved searches
	DigestWeekly    string   // cron spec of the weekly digests
	JobOutbox       string   // cron spec of the outbox retry
	JobReconcile    string   // cron spec of the index reconciliation
	JobValueLogGC   string   // cron spec of Badger's value-log garbage collection
	JobSessions     string   // cron spec of the expired-sessions cleanup
	JobRecheck      string   // cron spec of the re-check of undecided addresses
	JobBackup       string   // cron spec of the nightly backup
	JobReport       string   // cron spec of the Contact Summary's rebuild
	BackupKeep      int      // nightly backups kept in data/backups; 0 turns them off
	SinkMaxMessages int
	SMTPRelay       string // host:port; "" delivers to the sink
	SMTPUser        string
	SMTPPassword    string
	SMTPStartTLS    bool
	DNSCheck        bool
}

// globList is a comma-separated flag value (--sink-reject '*@bounce.test,*@nowhere.test').
type globList []string

func (g *globList) String() string { return strings.Join(*g, ",") }

func (g *globList) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			if _, err := path.Match(p, ""); err != nil {
				return fmt.Errorf("bad glob %q: %v", p, err)
			}
			*g = append(*g, p)
		}
	}
	return nil
}

// newFlags returns a flag set whose flags fall back to AGENTBOOK_<NAME> when not given.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args, then fills every flag not given on the command line from the
// environment (AGENTBOOK_BASE_URL for --base-url). Flags win over the environment.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		env := "AGENTBOOK_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(env); v != "" {
			if e := f.Value.Set(v); e != nil {
				err = usageError{fmt.Sprintf("%s=%q: %v", env, v, e)}
			}
		}
	})
	return err
}

func parseServe(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	var c Config
	fs := newFlags("serve", stderr)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "HTTP listen address")
	fs.StringVar(&c.Data, "data", "./data", "data folder")
	fs.StringVar(&c.BaseURL, "base-url", "", "public URL used in links inside emails (default http://<addr>)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.DurationVar(&c.SessionTTL, "session-idle", 12*time.Hour, "log agents out after this long without use")
	fs.StringVar(&c.SMTPSink, "smtp-sink", "127.0.0.1:2525", "listen address of the embedded SMTP sink, or off")
	fs.Var((*globList)(&c.SinkReject), "sink-reject", "comma-separated recipient globs the sink answers with 550 5.1.1 (e.g. *@bounce.test)")
	fs.Int64Var(&c.SinkMaxSize, "sink-max-size", 10<<20, "largest message the sink accepts, in bytes")
	fs.Int64Var(&c.ImportMaxSize, "import-max-size", imports.DefaultMaxSize, "largest file an import accepts, in bytes")
	fs.StringVar(&c.DigestDaily, "digest-daily", "0 8 * * *", "when daily saved-search digests go out (cron: minute hour day month weekday)")
	fs.StringVar(&c.DigestWeekly, "digest-weekly", "0 8 * * 1", "when weekly saved-search digests go out (cron)")
	fs.StringVar(&c.JobOutbox, "job-outbox-retry", "* * * * *", "when the outbox retries mail that is due (cron)")
	fs.StringVar(&c.JobReconcile, "job-reconcile-index", "0 * * * *", "when contacts not yet indexed are indexed (cron)")
	fs.StringVar(&c.JobValueLogGC, "job-value-log-gc", "30 * * * *", "when the database reclaims space from its value log (cron)")
	fs.StringVar(&c.JobSessions, "job-session-cleanup", "15 * * * *", "when expired sessions are deleted (cron)")
	fs.StringVar(&c.JobRecheck, "job-recheck-addresses", "45 * * * *", "when addresses a DNS failure left undecided are checked again (cron)")
	fs.StringVar(&c.JobReport, "job-report", "*/15 * * * *", "when the Contact Summary is brought up to date (cron)")
	fs.StringVar(&c.JobBackup, "job-backup", "0 3 * * *", "when the nightly backup runs (cron; with --backup-keep)")
	fs.IntVar(&c.BackupKeep, "backup-keep", 0, "nightly backups to keep in data/backups (0: no nightly backup)")
	fs.IntVar(&c.SinkMaxMessages, "sink-max-messages", 5000, "messages the sink keeps; the oldest are dropped beyond it")
	fs.StringVar(&c.SMTPRelay, "smtp-relay", "", "host:port of the SMTP relay that delivers mail (default: the sink)")
	fs.StringVar(&c.SMTPUser, "smtp-user", "", "relay user name (AUTH PLAIN)")
	fs.StringVar(&c.SMTPPassword, "smtp-password", "", "relay password")
	fs.BoolVar(&c.SMTPStartTLS, "smtp-starttls", false, "use STARTTLS with the relay")
	fs.BoolVar(&c.DNSCheck, "dns-check", true, "check that an address's domain accepts mail before sending (false for offline use)")
	if err := parseFlags(fs, args, getenv); err != nil {
		return c, err
	}
	if c.SinkMaxSize < 1024 {
		return c, usageError{"--sink-max-size must be at least 1024 bytes"}
	}
	if c.ImportMaxSize < 1024 {
		return c, usageError{"--import-max-size must be at least 1024 bytes"}
	}
	for name, spec := range map[string]string{"--digest-daily": c.DigestDaily, "--digest-weekly": c.DigestWeekly,
		"--job-outbox-retry": c.JobOutbox, "--job-reconcile-index": c.JobReconcile, "--job-value-log-gc": c.JobValueLogGC,
		"--job-session-cleanup": c.JobSessions, "--job-recheck-addresses": c.JobRecheck, "--job-backup": c.JobBackup,
		"--job-report": c.JobReport} {
		if _, err := cron.ParseStandard(spec); err != nil {
			return c, usageError{fmt.Sprintf("%s %q: %v", name, spec, err)}
		}
	}
	if c.SinkMaxMessages < 1 {
		return c, usageError{"--sink-max-messages must be at least 1"}
	}
	if fs.NArg() > 0 {
		return c, usageError{"serve takes no arguments: " + strings.Join(fs.Args(), " ")}
	}
	if c.BaseURL == "" {
		c.BaseURL, c.baseURLFromAddr = "http://"+c.Addr, true
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.SessionTTL < time.Minute {
		return c, usageError{"--session-idle must be at least 1m"}
	}
	return c, nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// backend is an open data folder: the store, the index and the services on them.
type backend struct {
	store    *store.Store
	index    *search.Index
	indexer  *app.Indexer
	contacts *app.ContactService
	accounts *app.Accounts
	imports  *imports.Service
	exports  *imports.Exporter
	logger   *slog.Logger
}

func socketPath(data string) string { return filepath.Join(data, "agentbook.sock") }

// open opens the data folder and brings the index up to date with the store: a new or outdated
// index is rebuilt, and records marked but not indexed (a crash) are indexed again.
func open(ctx context.Context, data string, logger *slog.Logger, sessionTTL time.Duration) (*backend, error) {
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	st, err := store.Open(store.Options{Dir: filepath.Join(data, "db"), Logger: logger, Terms: search.Terms})
	if err != nil {
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return nil, fmt.Errorf("the data folder %s is in use by another agentbook process", data)
		}
		return nil, err
	}
	idx, fresh, err := search.Open(filepath.Join(data, "index"))
	if err != nil {
		st.Close()
		return nil, err
	}
	now := time.Now
	b := &backend{store: st, index: idx, logger: logger}
	b.indexer = app.NewIndexer(st, idx, logger)
	b.contacts = &app.ContactService{Store: st, Index: idx, Indexer: b.indexer, Now: now}
	if os.Getenv("GOMEMLIMIT") == "" {
		b.contacts.BulkMemory = (&memoryLimiter{limit: bulkMemoryLimit, settle: settleMemoryLimit, idle: processIdle, live: liveHeap}).hold
	}
	b.accounts = &app.Accounts{Store: st, Now: now, IdleTTL: sessionTTL, Limiter: app.NewLoginLimiter(15*time.Minute, 20, 5)}
	start := time.Now()
	var n int
	if fresh {
		// A new data folder, or one from an agentbook whose index or stored search terms were
		// laid out differently: say so, since it takes a while with many contacts.
		logger.Info("building the search index from the store (about 25 s per 100,000 contacts)", "component", "indexer")
		n, err = b.reindex(ctx)
	} else {
		n, err = b.indexer.Reconcile(ctx)
	}
	if err != nil {
		b.close()
		return nil, fmt.Errorf("bring the index up to date: %w", err)
	}
	if n > 0 || fresh {
		logger.Info("index brought up to date", "component", "indexer", "rebuilt", fresh, "indexed", n, "took", time.Since(start).Round(time.Millisecond))
	}
	b.indexer.Start()
	b.imports = &imports.Service{Contacts: b.contacts, Store: st, Dir: filepath.Join(data, "imports"), Now: now,
		Logger: logger.With("component", "imports")}
	b.exports = &imports.Exporter{Contacts: b.contacts}
	if err := b.imports.Recover(ctx); err != nil {
		b.close()
		return nil, fmt.Errorf("recover imports: %w", err)
	}
	return b, nil
}

func (b *backend) close() {
	if b.imports != nil {
		b.imports.Close()
	}
	b.indexer.Close()
	if err := b.index.Close(); err != nil {
		b.logger.Error("close index", "err", err)
	}
	if err := b.store.Close(); err != nil {
		b.logger.Error("close store", "err", err)
	}
}

// reindex rebuilds the index, and the search terms the store keeps, from the store's records.
func (b *backend) reindex(ctx context.Context) (int, error) {
	if _, err := b.store.RefreshTerms(ctx); err != nil {
		return 0, err
	}
	return b.indexer.Rebuild(ctx)
}

// bulkMemoryLimit is the Go memory limit while a bulk write (import, seed) runs: the collector
// works harder near it instead of letting the heap grow 70 % past what is live. A 100,000-row
// import peaked at 335 MB resident instead of 414 MB, at the same speed; 150 MB cost 15 % of the
// speed for 310 MB. It was 175 MB until bulk writes paused the index's merges, which saved more
// CPU than the lower limit costs.
const bulkMemoryLimit = 165 << 20

// settleMemoryLimit is the Go memory limit once every bulk write has stored its rows and only
// their background work is left (the index's merges, the marks, the agent's list loaded again):
// that work allocates less and sooner lets go of it, and the heap would otherwise stay at the
// bulk limit throughout. After a 100,000-row import the heap stayed at 116–128 MB through that
// work instead of 150–185 MB (at 140 MB; 130 MB now, 120 MB made that work take half as much
// CPU again).
const settleMemoryLimit = 130 << 20

// startMergeSegments is how many index segments the server finds as it starts before it treats
// their merges as bulk work: a merged index of 100,000 contacts has about 10.
const startMergeSegments = 20

// memoryLimiter sets the memory limit while bulk writes run: limit while any of them is
// writing, settle while the rest only settle, and the server's own setting again once every
// hold is released, when it also hands the memory the holds used back to the system.
type memoryLimiter struct {
	limit, settle int64
	// idle, when set, returns once the process has been idle for a while, or when ctx ends. The
	// last release waits for it, at the settle limit: the index's merges end before Badger's
	// compactions and the reload of the agent's list, whose buffers would otherwise stay
	// resident (the release is also when the memory goes back to the system).
	idle func(ctx context.Context)
	// live, when set, returns the heap the last collection found live (liveHeap); a limit is
	// never set below an eighth more than that, so that an agent with several hundred thousand
	// contacts, whose list alone is over the limits, does not have the collector run without
	// pause.
	live func() int64

	mu       sync.Mutex
	writing  int
	settling int
	prev     int64
}

// limiterHold is one bulk write's hold (app.MemoryHold).
type limiterHold struct {
	m        *memoryLimiter
	settled  bool
	released bool
}

func (m *memoryLimiter) hold() app.MemoryHold {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.writing+m.settling == 0 {
		m.prev = debug.SetMemoryLimit(-1)
	}
	m.writing++
	m.apply()
	return &limiterHold{m: m}
}

// apply sets the limit the holds call for; m.mu is held.
func (m *memoryLimiter) apply() {
	floor := int64(0)
	if m.live != nil {
		floor = m.live() * 9 / 8
	}
	switch {
	case m.writing > 0:
		debug.SetMemoryLimit(max(m.limit, floor))
	case m.settling > 0:
		debug.SetMemoryLimit(max(m.settle, floor))
	default:
		debug.SetMemoryLimit(m.prev)
	}
}

// liveHeap is the heap the last collection marked live.
func liveHeap() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

func (h *limiterHold) Settle() {
	m := h.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if h.settled || h.released {
		return
	}
	h.settled = true
	m.writing--
	m.settling++
	m.apply()
}

func (h *limiterHold) Release() {
	m := h.m
	m.mu.Lock()
	if h.released {
		m.mu.Unlock()
		return
	}
	h.released = true
	if h.settled {
		m.settling--
	} else {
		m.writing--
	}
	if m.writing+m.settling == 0 && m.idle != nil {
		m.settling++ // released once the process is idle, still at the settle limit
		m.mu.Unlock()
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			m.idle(ctx)
			m.mu.Lock()
			m.settling--
			m.finish()
		}()
		return
	}
	m.finish()
}

// finish applies the limit after a release; m.mu is held, and finish releases it.
func (m *memoryLimiter) finish() {
	m.apply()
	last := m.writing+m.settling == 0
	m.mu.Unlock()
	if last {
		// What the bulk work left behind is garbage now: collect it and give the pages back,
		// rather than keep them resident until the scavenger gets round to it.
		debug.FreeOSMemory()
	}
}

// processIdle returns once the process has used under 5 % of a core for two seconds in a row,
// or when ctx ends (at once where the CPU time cannot be read).
func processIdle(ctx context.Context) {
	last, ok := processCPU()
	for quiet := 0; ok && quiet < 2; {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
		now, _ := processCPU()
		if now-last < 50*time.Millisecond {
			quiet++
		} else {
			quiet = 0
		}
		last = now
	}
}

// serverGCPercent is the collector's target while serving (unless GOGC says otherwise): the heap
// may grow 70% past what is live before a collection, not 100%. At 100,000 contacts that keeps
// the server near 275 MB resident instead of 310 MB, for no measurable latency; a hard memory
// limit was tried and made bulk seeding and importing collect without pause.
const serverGCPercent = 70

func serve(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
	logger := newLogger(stderr, cfg.LogLevel)
	started := time.Now()
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
	b, err := open(ctx, cfg.Data, logger, cfg.SessionTTL)
	if err != nil {
		return err
	}
	defer b.close()
	// The agents' name orders are loaded now, beside the start, rather than by the first
	// type-ahead; the store closes only once this is done.
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		start := time.Now()
		if err := b.store.LoadNameOrders(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("load name orders", "component", "store", "err", err)
			return
		}
		logger.Debug("name orders loaded", "component", "store", "took", time.Since(start).Round(time.Millisecond))
	}()
	defer func() { <-loaded }()
	if b.contacts.BulkMemory != nil && b.index.Segments() > startMergeSegments {
		// Merging the segments a CLI seed or import left to the index, beside loading the name
		// orders, is bulk work too (the merges of a 100,000-contact seed's 74 segments took the
		// server to 319 MB resident as it started).
		hold := b.contacts.BulkMemory()
		go func() {
			<-loaded
			wctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			_ = b.index.WaitMerged(wctx)
			hold.Release()
		}()
	}

	m, err := startMail(cfg, b, logger)
	if err != nil {
		return err
	}
	defer m.close()

	listings := &app.ListingService{Store: b.store, Listings: b.store, Index: app.NewSearchIndex(), Outbox: m.outbox,
		Now: time.Now, BaseURL: cfg.BaseURL, Logger: logger.With("component", "listings")}
	if n, err := listings.LoadIndex(ctx); err != nil {
		return fmt.Errorf("load saved searches: %w", err)
	} else if n > 0 {
		logger.Info("saved searches loaded", "component", "listings", "n", n)
	}

	reports := &app.ReportService{Store: b.store, Users: b.store, Now: time.Now, Logger: logger.With("component", "report")}
	sched, err := newJobs(cfg, b, m, listings, reports, logger)
	if err != nil {
		return err
	}
	sched.Start()
	defer func() { // runs before the mail, the index and the store close (deferred earlier)
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := sched.Stop(sctx); err != nil {
			logger.Warn("stop jobs", "err", err)
		}
	}()

	portal := &app.PortalService{Store: b.store, Contacts: b.contacts, Outbox: m.outbox, Now: time.Now, BaseURL: cfg.BaseURL,
		Limiter: app.NewLoginLimiter(15*time.Minute, 20, 5), Logger: logger.With("component", "portal")}
	b.contacts.AfterDelete = portal.RemoveAccount
	defer portal.Close() // runs before the store closes (b.close was deferred first)

	opts := web.Options{Contacts: b.contacts, Accounts: b.accounts, Static: embed.Static, Logger: logger,
		SecureCookies: strings.HasPrefix(cfg.BaseURL, "https://"), SessionTTL: cfg.SessionTTL,
		Health:  func() error { _, err := b.index.Count(); return err },
		Reindex: b.reindex, MailNote: m.note, MailWaiting: m.outbox.Waiting(), Prefs: b.store,
		Imports: b.imports, ImportMaxSize: cfg.ImportMaxSize, Exports: b.exports, Listings: listings, Portal: portal, Jobs: sched,
		Reports: reports}
	b.imports.MaxSize = cfg.ImportMaxSize
	if m.mailbox != nil {
		opts.Mailbox = m.mailbox
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if cfg.baseURLFromAddr {
		listings.BaseURL = "http://" + publicAddr(ln.Addr())
		portal.BaseURL = listings.BaseURL
	}
	sock := socketPath(cfg.Data)
	_ = os.Remove(sock) // a stale socket from a crash; Badger's lock proves no server is running
	sl, err := net.Listen("unix", sock)
	if err != nil {
		ln.Close()
		return fmt.Errorf("listen on %s: %w", sock, err)
	}
	if err := os.Chmod(sock, 0o600); err != nil {
		ln.Close()
		sl.Close()
		return fmt.Errorf("chmod socket: %w", err)
	}
	httpSrv := &http.Server{Handler: web.New(opts), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	sockSrv := &http.Server{Handler: web.NewSocket(opts), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 2)
	go func() { errc <- httpSrv.Serve(ln) }()
	go func() { errc <- sockSrv.Serve(sl) }()
	url := "http://" + ln.Addr().String()
	logger.Info("agentbook started", "addr", url, "data", cfg.Data, "took", time.Since(started).Round(time.Millisecond))
	fmt.Fprintf(stdout, "agentbook listening on %s\n", url)
	if m.sink != nil {
		fmt.Fprintf(stdout, "agentbook SMTP sink on %s\n", m.sink.Addr())
	}

	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			logger.Error("server stopped", "err", err)
		}
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(sctx); err != nil {
		logger.Warn("http shutdown", "err", err)
	}
	if err := sockSrv.Shutdown(sctx); err != nil {
		logger.Warn("socket shutdown", "err", err)
	}
	_ = os.Remove(sock)
	return nil
}

// publicAddr is a listening address as a link can use it: an unspecified host (0.0.0.0, ::)
// becomes localhost.
func publicAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// newJobs returns the scheduler of the jobs that keep the server healthy, each on the schedule
// its flag gives.
func newJobs(cfg Config, b *backend, m *mailParts, listings *app.ListingService, reports *app.ReportService, logger *slog.Logger) (*jobs.Scheduler, error) {
	digests := func(schedule string) func(context.Context) (string, error) {
		return func(ctx context.Context) (string, error) {
			n, err := listings.SendDigests(ctx, schedule)
			return fmt.Sprintf("%d emails queued", n), err
		}
	}
	list := []jobs.Job{
		{Name: "outbox-retry", Title: "Outbox retry", Spec: cfg.JobOutbox, Run: func(ctx context.Context) (string, error) {
			if m.outbox.Waiting() {
				return "mail waits: no sink and no relay", nil
			}
			n, err := m.outbox.Deliver(ctx)
			return fmt.Sprintf("%d sent", n), err
		}},
		{Name: "reconcile-index", Title: "Index reconciliation", Spec: cfg.JobReconcile, Run: func(ctx context.Context) (string, error) {
			n, err := b.indexer.Reconcile(ctx)
			return fmt.Sprintf("%d contacts indexed", n), err
		}},
		{Name: "value-log-gc", Title: "Database space reclaim", Spec: cfg.JobValueLogGC, Run: func(context.Context) (string, error) {
			n, err := b.store.CollectGarbage()
			return fmt.Sprintf("%d value-log files rewritten", n), err
		}},
		{Name: "session-cleanup", Title: "Expired sessions and invitations cleanup", Spec: cfg.JobSessions, Run: func(ctx context.Context) (string, error) {
			n, err := b.store.DeleteExpiredSessions(ctx, time.Now())
			if err != nil {
				return "", err
			}
			links, sessions, err := b.store.DeleteExpiredPortal(ctx, time.Now())
			return fmt.Sprintf("%d sessions, %d portal sessions, %d expired invitation links deleted", n, sessions, links), err
		}},
		{Name: "recheck-addresses", Title: "Re-check undecided addresses", Spec: cfg.JobRecheck, Run: func(ctx context.Context) (string, error) {
			checked, invalid, err := b.contacts.RecheckUnknown(ctx, 200)
			return fmt.Sprintf("%d checked, %d invalid", checked, invalid), err
		}},
		{Name: "contact-summary", Title: "Contact Summary rebuild", Spec: cfg.JobReport, Run: func(ctx context.Context) (string, error) {
			r, err := reports.RebuildAll(ctx)
			return fmt.Sprintf("%d contacts updated, %d removed", r.Contacts, r.Removed), err
		}},
		{Name: "digests-daily", Title: "Daily saved-search digests", Spec: cfg.DigestDaily, Run: digests(app.ScheduleDaily)},
		{Name: "digests-weekly", Title: "Weekly saved-search digests", Spec: cfg.DigestWeekly, Run: digests(app.ScheduleWeekly)},
	}
	if cfg.BackupKeep > 0 {
		list = append(list, jobs.Job{Name: "nightly-backup", Title: fmt.Sprintf("Nightly backup (keeps %d)", cfg.BackupKeep), Spec: cfg.JobBackup,
			Run: func(context.Context) (string, error) {
				file, err := nightlyBackup(cfg.Data, cfg.BackupKeep, time.Now(), b.store.Backup)
				return "wrote " + filepath.Base(file), err
			}})
	}
	return jobs.New(jobs.Options{Logger: logger, Jobs: list})
}

// mailParts is the running mail machinery: the sink and its mailbox, and the outbox's sender.
type mailParts struct {
	mailbox *store.Mailbox // nil when the sink is off
	sink    *mail.Sink
	outbox  *app.Outbox
	note    string
}

// startMail starts the sink (unless off) and the outbox sender, which delivers to the relay, or
// to the sink when no relay is set. With neither, mail waits in the outbox.
func startMail(cfg Config, b *backend, logger *slog.Logger) (*mailParts, error) {
	m := &mailParts{}
	relay := cfg.SMTPRelay
	if !strings.EqualFold(cfg.SMTPSink, "off") {
		m.mailbox = b.store.Mailbox(cfg.SinkMaxMessages)
		sink, err := mail.NewSink(mail.SinkOptions{Addr: cfg.SMTPSink, Mailbox: m.mailbox, MaxSize: cfg.SinkMaxSize,
			Reject: cfg.SinkReject, Logger: logger})
		if err == nil {
			err = sink.Start()
		}
		if err != nil {
			m.mailbox.Close()
			return nil, fmt.Errorf("start the SMTP sink on %s (use --smtp-sink off or another address): %w", cfg.SMTPSink, err)
		}
		m.sink = sink
		if relay == "" {
			relay = sink.Addr()
		}
	}
	verifier := &app.Verifier{DNS: cfg.DNSCheck, Canary: "gmail.com"}
	m.outbox = &app.Outbox{Store: b.store, Verifier: verifier, Marker: b.contacts, Logger: logger}
	switch {
	case relay == "":
		m.note = "Mail waits in the outbox: the SMTP sink is off and no relay is set (--smtp-relay)."
	case cfg.SMTPRelay == "":
		m.note = "Mail is delivered to this built-in sink only; set --smtp-relay to deliver it for real."
	default:
		m.note = "Mail is delivered through the relay " + cfg.SMTPRelay + "; the sink shows only what is sent to it."
	}
	if relay != "" {
		m.outbox.Mailer = mail.NewSender(mail.SenderOptions{Addr: relay, Username: cfg.SMTPUser, Password: cfg.SMTPPassword,
			StartTLS: cfg.SMTPStartTLS, HelloName: hostOf(cfg.BaseURL)})
	}
	b.contacts.Outbox, b.contacts.Verifier = m.outbox, verifier
	m.outbox.Start()
	return m, nil
}

func (m *mailParts) close() {
	m.outbox.Close()
	if m.sink != nil {
		m.sink.Close()
	}
	if m.mailbox != nil {
		m.mailbox.Close()
	}
}

// hostOf returns the host of a URL, for the EHLO greeting.
func hostOf(u string) string {
	h := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	if i := strings.IndexAny(h, "/:"); i >= 0 {
		h = h[:i]
	}
	if h == "" {
		return "localhost"
	}
	return h
}

// runOp runs an operator subcommand through the running server's socket, or directly on the
// data folder when no server is running.
func runOp(ctx context.Context, cmd string, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags(cmd, stderr)
	data := fs.String("data", "./data", "data folder")
	var (
		email, name, phone, password, owner string
		admin                               bool
		n                                   int
		imp                                 web.ImportRequest
		format                              string
	)
	switch cmd {
	case "user add":
		fs.StringVar(&email, "email", "", "agent's email")
		fs.StringVar(&name, "name", "", "agent's name")
		fs.StringVar(&phone, "phone", "", "agent's phone")
		fs.StringVar(&password, "password", "", "password (default: read a line from stdin)")
		fs.BoolVar(&admin, "admin", false, "make the agent an office admin")
	case "token create":
		fs.StringVar(&email, "email", "", "agent's email")
	case "seed":
		fs.StringVar(&owner, "owner", "", "email of the agent who gets the contacts")
		fs.IntVar(&n, "n", 1000, "number of contacts")
	case "import":
		fs.StringVar(&owner, "owner", "", "email of the agent who gets the contacts")
		fs.StringVar(&imp.Delimiter, "delimiter", "", "CSV delimiter: one character or tab (default: detect)")
		fs.StringVar(&imp.Duplicates, "duplicates", "skip", "rows matching a contact: skip, update or create")
		fs.StringVar(&imp.Group, "group", "", "put every imported contact in this group (created if missing)")
		fs.BoolVar(&imp.DryRun, "dry-run", false, "only report what the import would do")
	case "export":
		fs.StringVar(&owner, "owner", "", "email of the agent whose contacts are exported")
		fs.StringVar(&format, "format", "csv", "csv or vcf")
	}
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if cmd == "import" {
		if fs.NArg() != 1 || owner == "" {
			return usageError{"import needs --owner and one FILE (flags come before the file)\n" + usage}
		}
		path, err := filepath.Abs(fs.Arg(0))
		if err != nil {
			return err
		}
		imp.Owner, imp.Path = owner, path
	} else if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected arguments %q (flags come before arguments)", cmd, fs.Args())}
	}
	if cmd == "export" {
		if owner == "" {
			return usageError{"export needs --owner"}
		}
		return runExport(ctx, *data, owner, format, stdout, stderr)
	}
	var path string
	var body any
	switch cmd {
	case "user add":
		if email == "" || name == "" {
			return usageError{"user add needs --email and --name"}
		}
		if password == "" {
			line, err := bufio.NewReader(stdin).ReadString('\n')
			if err != nil && line == "" {
				return usageError{"user add needs --password or the password on stdin"}
			}
			password = strings.TrimRight(line, "\r\n")
		}
		path, body = "/v1/users", web.UserRequest{Name: name, Email: email, Phone: phone, Password: password, Admin: admin}
	case "token create":
		if email == "" {
			return usageError{"token create needs --email"}
		}
		path, body = "/v1/tokens", map[string]string{"email": email}
	case "seed":
		if owner == "" {
			return usageError{"seed needs --owner"}
		}
		path, body = "/v1/seed", map[string]any{"owner": owner, "n": n}
	case "reindex":
		path, body = "/v1/reindex", map[string]any{}
	case "import":
		path, body = "/v1/import", imp
	}

	var res any
	if conn, err := net.Dial("unix", socketPath(*data)); err == nil {
		conn.Close()
		out, err := callSocket(ctx, socketPath(*data), path, body)
		if err != nil {
			return err
		}
		res = out
	} else {
		logger := newLogger(stderr, "warn")
		b, err := open(ctx, *data, logger, time.Hour)
		if err != nil {
			return err
		}
		defer b.close()
		ops := web.Ops{Contacts: b.contacts, Accounts: b.accounts, Imports: b.imports, Exports: b.exports}
		switch cmd {
		case "user add":
			res, err = ops.AddUser(ctx, body.(web.UserRequest))
		case "token create":
			res, err = ops.CreateToken(ctx, email)
		case "seed":
			res, err = ops.Seed(ctx, owner, n)
		case "reindex":
			var k int
			k, err = b.reindex(ctx)
			res = map[string]int{"indexed": k}
		case "import":
			res, err = ops.Import(ctx, imp)
		}
		if err != nil {
			return cliError(err)
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

// runExport writes an agent's contacts to stdout, through the running server's socket or
// directly from the data folder.
func runExport(ctx context.Context, data, owner, format string, stdout, stderr io.Writer) error {
	if format != imports.ExportCSV && format != imports.ExportVCard {
		return usageError{"--format is csv or vcf"}
	}
	sock := socketPath(data)
	if conn, err := net.Dial("unix", sock); err == nil {
		conn.Close()
		return streamSocket(ctx, sock, "/v1/export", map[string]string{"owner": owner, "format": format}, stdout)
	}
	b, err := open(ctx, data, newLogger(stderr, "warn"), time.Hour)
	if err != nil {
		return err
	}
	defer b.close()
	ops := web.Ops{Contacts: b.contacts, Accounts: b.accounts, Exports: b.exports}
	bw := bufio.NewWriterSize(stdout, 64<<10)
	if err := ops.Export(ctx, owner, format, bw); err != nil {
		return cliError(err)
	}
	return bw.Flush()
}

// streamSocket posts body to the socket and copies a successful answer to w.
func streamSocket(ctx context.Context, sock, path string, body any, w io.Writer) error {
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://agentbook"+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("talk to the running server: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var out struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return errors.New(out.Error.Message)
	}
	_, err = io.Copy(w, resp.Body)
	return err
}

// backupFileArg parses the flags of backup and restore: --data and one FILE.
func backupFileArg(cmd string, args []string, getenv func(string) string, stderr io.Writer) (data, file string, err error) {
	fs := newFlags(cmd, stderr)
	d := fs.String("data", "./data", "data folder")
	if err := parseFlags(fs, args, getenv); err != nil {
		return "", "", err
	}
	if fs.NArg() != 1 {
		return "", "", usageError{cmd + " needs one FILE (flags come before the file)\n" + usage}
	}
	return *d, fs.Arg(0), nil
}

// runBackup writes a consistent snapshot of the store to FILE: through the running server's
// socket, or from the data folder directly (the store only; the index is rebuilt on restore).
// It writes FILE.tmp, fsyncs it and renames it, so a failed backup never leaves half a file.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	data, file, err := backupFileArg("backup", args, getenv, stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	err = writeFileAtomic(file, func(w io.Writer) error {
		sock := socketPath(data)
		if conn, derr := net.Dial("unix", sock); derr == nil {
			conn.Close()
			return streamSocket(ctx, sock, "/v1/backup", map[string]any{}, w)
		}
		return backupDirect(data, w, stderr)
	})
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fi, err := os.Stat(file)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"file": file, "bytes": fi.Size(), "seconds": time.Since(start).Seconds()})
}

// backupDirect backs up the store of a data folder no server holds.
func backupDirect(data string, w io.Writer, stderr io.Writer) error {
	dir := filepath.Join(data, "db")
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); err != nil {
		return fmt.Errorf("%s holds no agentbook data (no %s)", data, dir)
	}
	st, err := store.Open(store.Options{Dir: dir, Logger: newLogger(stderr, "warn")})
	if err != nil {
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return fmt.Errorf("the data folder %s is in use by another agentbook process", data)
		}
		return err
	}
	_, err = st.Backup(w)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	return err
}

// runRestore brings a backup back into an empty data folder, then opens it as the server
// would, which rebuilds the search index from the restored records.
func runRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	data, file, err := backupFileArg("restore", args, getenv, stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	if conn, err := net.Dial("unix", socketPath(data)); err == nil {
		conn.Close()
		return fmt.Errorf("agentbook is running on %s; stop it, and restore into an empty data folder", data)
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("open the backup: %w", err)
	}
	defer f.Close()
	if err := os.MkdirAll(data, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	err = store.Restore(filepath.Join(data, "db"), f)
	switch {
	case errors.Is(err, store.ErrNotEmpty):
		return fmt.Errorf("restore needs an empty data folder; move the old one away first (%s holds data)", filepath.Join(data, "db"))
	case err != nil && strings.Contains(err.Error(), "Cannot acquire directory lock"):
		return fmt.Errorf("the data folder %s is in use by another agentbook process", data)
	case err != nil:
		return fmt.Errorf("cannot restore %s: %s", file, strings.TrimPrefix(err.Error(), "store: restore: "))
	}
	// The index is derived from the records: one left from another store must not survive.
	if err := os.RemoveAll(filepath.Join(data, "index")); err != nil {
		return fmt.Errorf("remove the old index: %w", err)
	}
	b, err := open(ctx, data, newLogger(stderr, "warn"), time.Hour)
	if err != nil {
		return fmt.Errorf("open the restored data folder: %w", err)
	}
	defer b.close()
	users, err := b.store.Users(ctx)
	if err != nil {
		return err
	}
	n := 0
	for _, u := range users {
		for _, status := range []app.ContactStatus{app.StatusActive, app.StatusInactive} {
			k, err := b.store.CountContacts(ctx, u.ID, status)
			if err != nil {
				return err
			}
			n += k
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"restored": true, "contacts": n, "users": len(users), "seconds": time.Since(start).Seconds()})
}

// cliError turns a domain error into a message for the terminal, with its field errors.
func cliError(err error) error {
	if app.ErrorCode(err) == app.EINTERNAL {
		return err
	}
	msg := app.ErrorMessage(err)
	for k, v := range app.ErrorFields(err) {
		msg += fmt.Sprintf("\n  %s: %s", k, v)
	}
	return errors.New(msg)
}

func callSocket(ctx context.Context, sock, path string, body any) (any, error) {
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://agentbook"+path, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("talk to the running server: %w", err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("read the server's answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		e, _ := out["error"].(map[string]any)
		msg, _ := e["message"].(string)
		if f, ok := e["fields"].(map[string]any); ok {
			for k, v := range f {
				msg += fmt.Sprintf("\n  %s: %v", k, v)
			}
		}
		return nil, errors.New(msg)
	}
	return out, nil
}
