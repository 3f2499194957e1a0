package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/store"
)

// noEnv keeps the tests independent of AGENTBOOK_* variables on the machine that runs them.
func noEnv(string) string { return "" }

// syncBuffer is a bytes.Buffer that the server's goroutines and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testServer is the whole program, run by run() in a goroutine as `agentbook serve`.
type testServer struct {
	URL    string
	SMTP   string // the sink's address
	Data   string
	Stderr *syncBuffer

	cancel  context.CancelFunc
	done    chan error
	once    sync.Once
	stopErr error
}

// startServer runs `agentbook serve --addr 127.0.0.1:0 --data data` with the sink on a free port
// refusing *@bounce.test, no DNS checks, and any extra flags, and waits until it prints the
// addresses it listens on. The server is stopped when the test ends, if the test has not stopped
// it already.
func startServer(t *testing.T, data string, extra ...string) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &testServer{Data: data, Stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	pr, pw := io.Pipe()
	go func() {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--smtp-sink", "127.0.0.1:0",
			"--sink-reject", "*@bounce.test", "--dns-check=false"}, extra...)
		err := run(ctx, args, noEnv, strings.NewReader(""), pw, s.Stderr)
		pw.Close()
		s.done <- err
	}()
	first := make(chan string, 2)
	go func() {
		sc := bufio.NewScanner(pr)
		sent := 0
		for sc.Scan() { // keep draining so the server never blocks on stdout
			if sent < 2 {
				first <- sc.Text()
				sent++
			}
		}
		close(first)
	}()
	select {
	case line, ok := <-first:
		if !ok {
			err := <-s.done
			t.Fatalf("serve stopped before it listened: %v\nstderr:\n%s", err, s.Stderr.String())
		}
		const prefix = "agentbook listening on "
		if !strings.HasPrefix(line, prefix) {
			cancel()
			t.Fatalf("first line on stdout = %q, want %q…", line, prefix)
		}
		s.URL = strings.TrimSpace(strings.TrimPrefix(line, prefix))
		if line, ok := <-first; ok && strings.HasPrefix(line, "agentbook SMTP sink on ") {
			s.SMTP = strings.TrimPrefix(line, "agentbook SMTP sink on ")
		}
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("serve did not print its address within 30s\nstderr:\n%s", s.Stderr.String())
	}
	t.Cleanup(func() {
		if err := s.stop(); err != nil && !errors.Is(err, errStopTimeout) {
			t.Logf("server stopped with: %v", err)
		}
		if t.Failed() {
			t.Logf("server stderr:\n%s", s.Stderr.String())
		}
	})
	return s
}

var errStopTimeout = errors.New("serve did not return within 15s of cancel")

// stop cancels the server's context and returns what run returned.
func (s *testServer) stop() error {
	s.once.Do(func() {
		s.cancel()
		select {
		case s.stopErr = <-s.done:
		case <-time.After(15 * time.Second):
			s.stopErr = errStopTimeout
		}
	})
	return s.stopErr
}

// cli runs one CLI subcommand through run() and returns its stdout.
func cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, args, noEnv, strings.NewReader(""), &stdout, &stderr)
	if err != nil && stderr.Len() > 0 {
		t.Logf("agentbook %s: stderr:\n%s", strings.Join(args, " "), stderr.String())
	}
	return stdout.String(), err
}

// mustCLI runs a subcommand that must succeed and decodes its JSON output into v.
func mustCLI(t *testing.T, v any, args ...string) {
	t.Helper()
	out, err := cli(t, args...)
	if err != nil {
		t.Fatalf("agentbook %s: %v", strings.Join(args, " "), err)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(out), v); err != nil {
			t.Fatalf("agentbook %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// apiError is the JSON error body of the API.
type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// apiContact is the part of a contact in JSON that these tests look at.
type apiContact struct {
	ID        string `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company"`
	Status    string `json:"status"`
	Emails    []struct {
		Address string `json:"address"`
		Primary bool   `json:"primary"`
	} `json:"emails"`
	Version int64 `json:"version"`
}

type apiList struct {
	Items      []apiContact `json:"items"`
	Total      int          `json:"total"`
	NextCursor string       `json:"next_cursor"`
}

// call sends one API request and returns the status and the body; if out is not nil and the
// body is JSON, it is decoded into out.
func call(t *testing.T, method, url, token string, body any, out any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: body is not JSON (%d): %v\n%s", method, url, resp.StatusCode, err, b)
		}
	}
	return resp.StatusCode, b
}

func expectStatus(t *testing.T, what string, got, want int, body []byte) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: status %d, want %d; body: %s", what, got, want, body)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestRunWholeProgram runs agentbook as its users do: the server, the CLI through the socket
// while it runs, the JSON API, a graceful stop, the CLI on the stopped folder, and a restart.
func TestRunWholeProgram(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	api := srv.URL + "/api/v1"

	t.Run("healthz answers 200 once the server listens", func(t *testing.T) {
		var h map[string]string
		st, b := call(t, "GET", srv.URL+"/healthz", "", nil, &h)
		expectStatus(t, "GET /healthz", st, http.StatusOK, b)
		if h["status"] != "ok" {
			t.Errorf("healthz body = %s, want status ok", b)
		}
	})
	if !fileExists(socketPath(data)) {
		t.Fatalf("the socket %s does not exist while the server runs", socketPath(data))
	}

	// The CLI goes through the socket while the server holds the data folder.
	var user struct{ ID, Name, Email, Role string }
	mustCLI(t, &user, "user", "add", "--data", data, "--email", "a@x.test", "--name", "A", "--password", "longpassword1")
	if user.Email != "a@x.test" || user.Name != "A" || user.ID == "" {
		t.Fatalf("user add printed %+v", user)
	}
	if _, err := cli(t, "user", "add", "--data", data, "--email", "a@x.test", "--name", "A again", "--password", "longpassword1"); err == nil {
		t.Errorf("user add with an email already taken succeeded")
	}
	var tok struct{ Token string }
	mustCLI(t, &tok, "token", "create", "--data", data, "--email", "a@x.test")
	if tok.Token == "" {
		t.Fatal("token create printed no token")
	}
	var seeded struct {
		Created int `json:"created"`
	}
	mustCLI(t, &seeded, "seed", "--data", data, "--owner", "a@x.test", "--n", "300")
	if seeded.Created != 300 {
		t.Fatalf("seed created %d, want 300", seeded.Created)
	}

	t.Run("the list has the 300 seeded contacts, page by page", func(t *testing.T) {
		var l apiList
		st, b := call(t, "GET", api+"/contacts?limit=10", tok.Token, nil, &l)
		expectStatus(t, "GET contacts", st, http.StatusOK, b)
		if l.Total != 300 || len(l.Items) != 10 || l.NextCursor == "" {
			t.Fatalf("first page: total %d, %d items, next_cursor %q; want 300, 10, a cursor", l.Total, len(l.Items), l.NextCursor)
		}
		seen := map[string]bool{}
		cursor := ""
		for range 5 {
			var p apiList
			u := api + "/contacts?limit=200&sort=-created"
			if cursor != "" {
				u += "&cursor=" + cursor
			}
			st, b := call(t, "GET", u, tok.Token, nil, &p)
			expectStatus(t, "GET contacts page", st, http.StatusOK, b)
			for _, c := range p.Items {
				if seen[c.ID] {
					t.Fatalf("contact %s on two pages", c.ID)
				}
				seen[c.ID] = true
			}
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		if len(seen) != 300 {
			t.Errorf("paging through the list gave %d contacts, want 300", len(seen))
		}
	})

	t.Run("a contact goes through create, read, patch with versions and delete", func(t *testing.T) {
		var c apiContact
		st, b := call(t, "POST", api+"/contacts", tok.Token, map[string]any{
			"first_name": "Ada", "last_name": "Lovelace",
			"emails": []map[string]any{{"address": "Ada@Example.com", "label": "Work"}},
		}, &c)
		expectStatus(t, "POST contact", st, http.StatusCreated, b)
		if c.ID == "" || c.FirstName != "Ada" || c.Version < 1 || c.Status != "active" {
			t.Fatalf("created contact = %s", b)
		}
		if len(c.Emails) != 1 || !c.Emails[0].Primary {
			t.Errorf("created contact's emails = %+v, want one primary", c.Emails)
		}
		one := api + "/contacts/" + c.ID

		var got apiContact
		st, b = call(t, "GET", one, tok.Token, nil, &got)
		expectStatus(t, "GET contact", st, http.StatusOK, b)
		if got.ID != c.ID || got.LastName != "Lovelace" || got.Version != c.Version {
			t.Fatalf("GET contact = %s", b)
		}

		var v2 apiContact
		st, b = call(t, "PATCH", one, tok.Token, map[string]any{"version": c.Version, "company": "Analytical Engines"}, &v2)
		expectStatus(t, "PATCH with the current version", st, http.StatusOK, b)
		if v2.Company != "Analytical Engines" || v2.Version <= c.Version {
			t.Fatalf("patched contact = %s", b)
		}
		if v2.FirstName != "Ada" || len(v2.Emails) != 1 {
			t.Errorf("a merge patch of company changed other fields: %s", b)
		}

		var ae apiError
		st, b = call(t, "PATCH", one, tok.Token, map[string]any{"version": c.Version, "company": "Stale Ltd"}, &ae)
		expectStatus(t, "PATCH with a stale version", st, http.StatusConflict, b)
		if ae.Error.Code != "conflict" || ae.Error.Message == "" {
			t.Errorf("stale PATCH body = %s, want error.code conflict with a message", b)
		}

		st, b = call(t, "PATCH", one, tok.Token, map[string]any{"company": "No Version"}, &ae)
		expectStatus(t, "PATCH without a version", st, http.StatusUnprocessableEntity, b)

		var v3 apiContact
		st, b = call(t, "PATCH", one, tok.Token, map[string]any{"version": v2.Version, "last_name": "King"}, &v3)
		expectStatus(t, "PATCH with the current version again", st, http.StatusOK, b)
		if v3.LastName != "King" || v3.Company != "Analytical Engines" {
			t.Errorf("second patch = %s", b)
		}

		st, b = call(t, "DELETE", one, tok.Token, nil, nil)
		expectStatus(t, "DELETE contact", st, http.StatusNoContent, b)
		ae = apiError{}
		st, b = call(t, "GET", one, tok.Token, nil, &ae)
		expectStatus(t, "GET deleted contact", st, http.StatusNotFound, b)
		if ae.Error.Code != "not_found" {
			t.Errorf("GET deleted contact body = %s, want error.code not_found", b)
		}

		var l apiList
		st, b = call(t, "GET", api+"/contacts?limit=1", tok.Token, nil, &l)
		expectStatus(t, "GET contacts", st, http.StatusOK, b)
		if l.Total != 300 {
			t.Errorf("total after create and delete = %d, want 300", l.Total)
		}
	})

	t.Run("the API without a valid token answers 401 in JSON", func(t *testing.T) {
		for _, token := range []string{"", "not-a-token"} {
			var ae apiError
			st, b := call(t, "GET", api+"/contacts", token, nil, &ae)
			expectStatus(t, fmt.Sprintf("GET contacts with token %q", token), st, http.StatusUnauthorized, b)
			if ae.Error.Code != "unauthorized" || ae.Error.Message == "" {
				t.Errorf("token %q: body = %s, want error.code unauthorized", token, b)
			}
		}
	})

	t.Run("the server stops gracefully and removes its socket", func(t *testing.T) {
		if err := srv.stop(); err != nil {
			t.Fatalf("run returned %v after cancel, want nil", err)
		}
		if fileExists(socketPath(data)) {
			t.Errorf("socket %s still exists after shutdown", socketPath(data))
		}
		if _, err := http.Get(srv.URL + "/healthz"); err == nil {
			t.Errorf("the server still answers after shutdown")
		}
	})

	// With the server stopped, the CLI opens the data folder itself.
	var tok2 struct{ Token string }
	mustCLI(t, &tok2, "token", "create", "--data", data, "--email", "a@x.test")
	if tok2.Token == "" || tok2.Token == tok.Token {
		t.Fatalf("token create without a server printed %q", tok2.Token)
	}

	t.Run("misuse of the command line is a usage error", func(t *testing.T) {
		for _, args := range [][]string{
			{"seed", "--data", data},
			{"seed", "--data", data, "--owner"},
			{"token", "create", "--data", data},
			{"user", "add", "--data", data, "--email", "b@x.test"},
			{"user"},
			{"frobnicate"},
			{"serve", "--data", data, "extra"},
			{"token", "create", "--data", data, "--email", "a@x.test", "positional"},
		} {
			_, err := cli(t, args...)
			var ue usageError
			if !errors.As(err, &ue) {
				t.Errorf("agentbook %s: err = %v, want a usage error", strings.Join(args, " "), err)
			}
		}
		if _, err := cli(t, "token", "create", "--data", data, "--email", "nobody@x.test"); err == nil {
			t.Errorf("token create for an unknown agent succeeded")
		} else if errors.As(err, new(usageError)) {
			t.Errorf("token create for an unknown agent is a usage error (%v), want a plain failure", err)
		}
	})

	t.Run("after a restart the data and both tokens are there", func(t *testing.T) {
		srv2 := startServer(t, data)
		for _, token := range []string{tok.Token, tok2.Token} {
			var l apiList
			st, b := call(t, "GET", srv2.URL+"/api/v1/contacts?limit=1", token, nil, &l)
			expectStatus(t, "GET contacts after restart", st, http.StatusOK, b)
			if l.Total != 300 {
				t.Errorf("total after restart = %d, want 300", l.Total)
			}
		}
		if err := srv2.stop(); err != nil {
			t.Errorf("second server: run returned %v", err)
		}
	})
}

// TestRunSecondServeRefused checks that a second server on a data folder in use fails with a
// clear message and leaves the first one working.
func TestRunSecondServeRefused(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr syncBuffer
	err := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--smtp-sink", "off"}, noEnv, strings.NewReader(""), &stdout, &stderr)
	if err == nil {
		t.Fatal("a second serve on the same data folder returned nil")
	}
	t.Logf("second serve: %v", err)
	if !strings.Contains(err.Error(), "in use") || !strings.Contains(err.Error(), data) {
		t.Errorf("second serve error = %q, want it to say the folder %s is in use", err, data)
	}
	if strings.Contains(stdout.String(), "listening") {
		t.Errorf("second serve printed %q", stdout.String())
	}

	// The first server still runs, with its socket.
	st, b := call(t, "GET", srv.URL+"/healthz", "", nil, nil)
	expectStatus(t, "healthz of the first server", st, http.StatusOK, b)
	if !fileExists(socketPath(data)) {
		t.Fatal("the second serve removed the first server's socket")
	}
	mustCLI(t, nil, "user", "add", "--data", data, "--email", "a@x.test", "--name", "A", "--password", "longpassword1")
	if err := srv.stop(); err != nil {
		t.Fatalf("run returned %v after cancel", err)
	}
}

// TestRunCrashRecovery simulates a crash between a store commit and the index update: records
// are written to the store (with their index marks) while the index is left as it was. The
// next start must find them by search, the edited one under its new name only.
func TestRunCrashRecovery(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	mustCLI(t, nil, "user", "add", "--data", data, "--email", "a@x.test", "--name", "A", "--password", "longpassword1")
	var tok struct{ Token string }
	mustCLI(t, &tok, "token", "create", "--data", data, "--email", "a@x.test")
	var c apiContact
	st, b := call(t, "POST", srv.URL+"/api/v1/contacts", tok.Token, map[string]any{"first_name": "Oldname", "last_name": "Person"}, &c)
	expectStatus(t, "POST contact", st, http.StatusCreated, b)
	if err := srv.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}

	// Write behind the index's back, as a crash right after the Badger commit would leave it.
	ctx := context.Background()
	st0, err := store.Open(store.Options{Dir: filepath.Join(data, "db"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	u, err := st0.UserByEmail(ctx, "a@x.test")
	if err != nil {
		st0.Close()
		t.Fatal(err)
	}
	cur, err := st0.Contact(ctx, u.ID, c.ID)
	if err != nil {
		st0.Close()
		t.Fatal(err)
	}
	now := time.Now().UTC()
	cur.FirstName, cur.Version, cur.UpdatedAt = "Crashfixed", cur.Version+1, now
	if err := st0.UpdateContact(ctx, cur); err != nil {
		st0.Close()
		t.Fatal(err)
	}
	orphan := &app.Contact{ID: app.NewID(), OwnerID: u.ID, FirstName: "Unindexed", LastName: "Orphan",
		Status: app.StatusActive, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := st0.CreateContacts(ctx, []*app.Contact{orphan}); err != nil {
		st0.Close()
		t.Fatal(err)
	}
	if err := st0.Close(); err != nil {
		t.Fatal(err)
	}

	srv2 := startServer(t, data)
	search := func(q string) apiList {
		var l apiList
		st, b := call(t, "GET", srv2.URL+"/api/v1/contacts?q="+q, tok.Token, nil, &l)
		expectStatus(t, "search "+q, st, http.StatusOK, b)
		return l
	}
	if l := search("Crashfixed"); l.Total != 1 || len(l.Items) != 1 || l.Items[0].ID != c.ID {
		t.Errorf("search for the edited name after the crash: %+v, want contact %s", l, c.ID)
	}
	if l := search("Oldname"); l.Total != 0 {
		t.Errorf("search for the old name after the crash still finds %d contact(s)", l.Total)
	}
	if l := search("Unindexed"); l.Total != 1 || len(l.Items) != 1 || l.Items[0].ID != orphan.ID {
		t.Errorf("search for the unindexed new contact after the crash: %+v, want contact %s", l, orphan.ID)
	}
	if l := search(""); l.Total != 2 {
		t.Errorf("total after the crash = %d, want 2", l.Total)
	}
	if err := srv2.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
}
