package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// BenchmarkPortalInvite is the performance check of the Client portal issue: Create Portal
// Accounts with Invite for N contacts (AGENTBOOK_PORTAL_N, default 10,000) on the real binary,
// from the API call until every invitation is in the SMTP sink. Run it with
//
//	go test -run '^$' -bench PortalInvite -benchtime 1x .
//
// It prints figures and never fails on them.
func BenchmarkPortalInvite(b *testing.B) {
	n := 10000
	if v, _ := strconv.Atoi(os.Getenv("AGENTBOOK_PORTAL_N")); v > 0 {
		n = v
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "agentbook")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	mustRun(b, bin, "user", "add", "--data", data, "--email", "load@example.com", "--name", "Load Agent", "--password", "load-password-1")
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(mustRun(b, bin, "token", "create", "--data", data, "--email", "load@example.com"), &tok); err != nil {
		b.Fatal(err)
	}
	mustRun(b, bin, "seed", "--data", data, "--owner", "load@example.com", "--n", strconv.Itoa(n))

	cmd := exec.Command(bin, "--data", data, "--addr", "127.0.0.1:0", "--log-level", "warn", "--smtp-sink", "127.0.0.1:0",
		"--dns-check=false", "--sink-max-messages", strconv.Itoa(2*n))
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
	base := regexp.MustCompile(`http://\S+`).FindString(line)
	go io.Copy(io.Discard, out)
	srv := &binServer{cmd: cmd, url: base}
	defer srv.stop(b)

	api := func(method, path string, body any, v any) int {
		var rd io.Reader
		if body != nil {
			raw, _ := json.Marshal(body)
			rd = bytes.NewReader(raw)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Body.Close()
		if v != nil {
			json.NewDecoder(res.Body).Decode(v)
		}
		return res.StatusCode
	}
	start := time.Now()
	var run struct {
		ID      string `json:"id"`
		Status  string `json:"status"`
		Created int    `json:"created"`
		Invited int    `json:"invited"`
	}
	if st := api(http.MethodPost, "/api/v1/portal-accounts", map[string]bool{"invite": true}, &run); st != http.StatusAccepted {
		b.Fatalf("start: %d", st)
	}
	for run.Status != "done" {
		time.Sleep(100 * time.Millisecond)
		api(http.MethodGet, "/api/v1/portal-accounts/"+run.ID, nil, &run)
	}
	created := time.Since(start)
	var mail struct {
		Total int `json:"total"`
	}
	deadline := time.Now().Add(5 * time.Minute)
	for mail.Total < run.Invited && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		api(http.MethodGet, "/api/v1/mail/messages?limit=1", nil, &mail)
	}
	inSink := time.Since(start)
	fmt.Printf("\nCreate Portal Accounts with Invite, %d contacts, on this machine:\n", n)
	fmt.Printf("  accounts created and invitations queued  %6.1f s  (%d created, %d invited)\n", created.Seconds(), run.Created, run.Invited)
	fmt.Printf("  every invitation in the sink             %6.1f s  (%d captured)\n", inSink.Seconds(), mail.Total)
}
