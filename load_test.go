package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/views"
)

// BenchmarkLoad is the performance check from the Foundation issue. It builds the binary, seeds
// N contacts (AGENTBOOK_LOAD_N, default 100,000) for one agent through the CLI, restarts the
// server to time start-up, and measures over HTTP on loopback, for the JSON API and the htmx
// fragment of 50 rows: type-ahead filters (1–3 letters, sorted by name) from one client and from
// 8, the unfiltered first page, and Quick Add; then the server's resident memory. Run it with
//
//	go test -run '^$' -bench Load -benchtime 1x .
//
// It prints figures and never fails on them.
func BenchmarkLoad(b *testing.B) {
	n := 100000
	if v := os.Getenv("AGENTBOOK_LOAD_N"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "agentbook")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	srv := startBinary(b, bin, data)
	mustRun(b, bin, "user", "add", "--data", data, "--email", "load@example.com", "--name", "Load Agent", "--password", "load-password-1")
	start := time.Now()
	mustRun(b, bin, "seed", "--data", data, "--owner", "load@example.com", "--n", strconv.Itoa(n))
	seedTook := time.Since(start)
	srv.stop(b)

	start = time.Now()
	srv = startBinary(b, bin, data)
	startTook := time.Since(start)
	defer srv.stop(b)
	// The index merges the seeded segments in the background for a while; measure the steady
	// state an office sees, not the minute after a bulk load.
	settled := waitIdle(srv.cmd.Process.Pid, 90*time.Second)

	tok := struct{ Token string }{}
	if err := json.Unmarshal(mustRun(b, bin, "token", "create", "--data", data, "--email", "load@example.com"), &tok); err != nil {
		b.Fatal(err)
	}
	web := login(b, srv.url, "load@example.com", "load-password-1")

	api := func(q string) *http.Request {
		req, _ := http.NewRequest("GET", srv.url+"/api/v1/contacts?limit=50&sort=name&q="+url.QueryEscape(q), nil)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		return req
	}
	frag := func(q string) *http.Request {
		req, _ := http.NewRequest("GET", srv.url+"/contacts?q="+url.QueryEscape(q), nil)
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", "contact-list")
		return req
	}
	prefixes := []string{"a", "j", "m", "s", "jo", "ma", "sm", "ga", "li", "da", "ro", "mar", "smi", "joh", "gar", "wil", "and", "lee", "mi", "k", "ch", "ngu", "ale", "pa"}
	typeahead := func(mk func(string) *http.Request) func(i int) *http.Request {
		return func(i int) *http.Request { return mk(prefixes[i%len(prefixes)]) }
	}
	warm := web.client
	for i := 0; i < 50; i++ { // warm caches like a server that has been in use
		do(b, warm, api(prefixes[i%len(prefixes)]))
		do(b, web.client, frag(prefixes[i%len(prefixes)]))
	}

	fmt.Printf("\nagentbook load: %d contacts, GOMAXPROCS=%s\n", n, os.Getenv("GOMAXPROCS"))
	fmt.Printf("  seed --n %d                        %8.2f s  (%.0f contacts/s)\n", n, seedTook.Seconds(), float64(n)/seedTook.Seconds())
	fmt.Printf("  start-up (open, reconcile, listen)   %8.0f ms\n", float64(startTook.Milliseconds()))
	fmt.Printf("  background index merging after seed  %8.1f s (waited before measuring)\n", settled.Seconds())
	report := func(name string, st stats) {
		fmt.Printf("  %-36s p50 %6.2f ms  p99 %6.2f ms  %7.0f req/s  (%d requests)\n", name, st.p(50), st.p(99), st.rps, st.n)
	}
	report("API type-ahead, 1 client", measure(b, http.DefaultClient, 1, 600, typeahead(api)))
	report("HTML type-ahead, 1 client", measure(b, web.client, 1, 600, typeahead(frag)))
	report("API type-ahead, 8 clients", measure(b, http.DefaultClient, 8, 4000, typeahead(api)))
	report("HTML type-ahead, 8 clients", measure(b, web.client, 8, 4000, typeahead(frag)))
	report("API first page by name", measure(b, http.DefaultClient, 1, 600, func(int) *http.Request { return api("") }))
	report("HTML first page by name", measure(b, web.client, 1, 600, func(int) *http.Request { return frag("") }))
	report("Quick Add", measure(b, web.client, 1, 300, func(i int) *http.Request {
		form := url.Values{"first_name": {"Load"}, "last_name": {fmt.Sprintf("Quick%d", i)},
			"email": {fmt.Sprintf("quick%d-%d@example.net", i, rand.IntN(1e9))}}
		req, _ := http.NewRequest("POST", srv.url+"/contacts/quick-add", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		req.Header.Set("X-CSRF-Token", web.csrf)
		return req
	}))

	// The index merges the 300 new contacts' small segments for a few seconds: measure the
	// columns and sorts on the settled server, as before.
	fmt.Printf("  background work after Quick Add       %8.1f s (waited before measuring)\n", waitIdle(srv.cmd.Process.Pid, 60*time.Second).Seconds())

	// Customize Contact List: every column, then every sort, through the htmx list fragment.
	var all []string
	for _, col := range views.AllColumns() {
		all = append(all, col.Key)
	}
	form := url.Values{"_csrf": {web.csrf}, "column": all}
	resp, err := web.client.PostForm(srv.url+"/contacts/columns", form)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("save columns: %v %v", resp, err)
	}
	resp.Body.Close()
	sorted := func(sort, q string) *http.Request {
		req, _ := http.NewRequest("GET", srv.url+"/contacts?sort="+sort+"&q="+url.QueryEscape(q), nil)
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", "contact-list")
		return req
	}
	n18 := fmt.Sprintf("%d columns", len(all))
	report("HTML first page by name, "+n18, measure(b, web.client, 1, 600, func(int) *http.Request { return frag("") }))
	report("HTML type-ahead, 1 client, "+n18, measure(b, web.client, 1, 600, typeahead(frag)))
	for _, f := range app.SortFields() {
		if f == app.SortName {
			continue
		}
		for _, dir := range []string{"", "-"} {
			un := measure(b, web.client, 1, 100, func(int) *http.Request { return sorted(dir+f, "") })
			fi := measure(b, web.client, 1, 200, func(i int) *http.Request { return sorted(dir+f, prefixes[i%len(prefixes)]) })
			fmt.Printf("  sort %-13s first page p50 %5.2f p99 %5.2f ms; type-ahead p50 %5.2f p99 %5.2f ms\n",
				dir+f, un.p(50), un.p(99), fi.p(50), fi.p(99))
		}
	}
	rss, hwm := procMem(srv.cmd.Process.Pid)
	fmt.Printf("  resident memory now / peak           %8.0f MB / %.0f MB\n\n", rss, hwm)
}

type stats struct {
	lat []time.Duration
	rps float64
	n   int
}

func (s stats) p(q float64) float64 {
	if len(s.lat) == 0 {
		return 0
	}
	i := int(float64(len(s.lat)-1) * q / 100)
	return float64(s.lat[i].Microseconds()) / 1000
}

func measure(b *testing.B, client *http.Client, workers, total int, mk func(i int) *http.Request) stats {
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	next := make(chan int)
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				req := mk(i)
				t := time.Now()
				do(b, client, req)
				d := time.Since(t)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < total; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	took := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return stats{lat: lat, rps: float64(total) / took.Seconds(), n: total}
}

func do(b *testing.B, client *http.Client, req *http.Request) {
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		b.Fatalf("%s %s: %s", req.Method, req.URL, resp.Status)
	}
}

type binServer struct {
	cmd *exec.Cmd
	url string
}

func startBinary(b *testing.B, bin, data string) *binServer {
	cmd := exec.Command(bin, "--data", data, "--addr", "127.0.0.1:0", "--log-level", "warn")
	cmd.Env = append(os.Environ(), "GOMAXPROCS=2")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatalf("server did not start: %v", err)
	}
	u := regexp.MustCompile(`http://\S+`).FindString(line)
	go io.Copy(io.Discard, out)
	return &binServer{cmd: cmd, url: u}
}

func (s *binServer) stop(b *testing.B) {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		b.Error("server did not stop within 15 s")
	}
}

func mustRun(b *testing.B, bin string, args ...string) []byte {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("agentbook %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

type webSession struct {
	client *http.Client
	csrf   string
}

// login logs in through the form like a browser, keeping the cookies.
func login(b *testing.B, base, email, password string) webSession {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	resp, err := c.Get(base + "/login")
	if err != nil {
		b.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		b.Fatal("no CSRF token on the login page")
	}
	csrf := string(m[1])
	resp, err = c.PostForm(base+"/login", url.Values{"_csrf": {csrf}, "email": {email}, "password": {password}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/contacts" {
		b.Fatalf("login ended on %s", resp.Request.URL)
	}
	return webSession{client: c, csrf: csrf}
}

// waitIdle waits until the process has used less than 5% of a core for three seconds in a row
// (the index merges and Badger compacts in bursts), or max passes, and returns how long it waited.
func waitIdle(pid int, max time.Duration) time.Duration {
	start := time.Now()
	for idle := 0; idle < 3 && time.Since(start) < max; {
		c0 := procCPU(pid)
		time.Sleep(time.Second)
		if procCPU(pid)-c0 < 0.05 {
			idle++
		} else {
			idle = 0
		}
	}
	return time.Since(start)
}

// procCPU returns the CPU time (user and system) a process has used, in seconds (Linux).
func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	u, _ := strconv.ParseFloat(f[11], 64)
	s, _ := strconv.ParseFloat(f[12], 64)
	return (u + s) / 100 // clock ticks
}

// procMem returns a process's resident and peak resident memory in MB (Linux).
func procMem(pid int) (float64, float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	var rss, hwm float64
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && (f[0] == "VmRSS:" || f[0] == "VmHWM:") {
			kb, _ := strconv.ParseFloat(f[1], 64)
			if f[0] == "VmRSS:" {
				rss = kb / 1024
			} else {
				hwm = kb / 1024
			}
		}
	}
	return rss, hwm
}
