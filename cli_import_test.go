package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// TestCLIImportExport imports a file and exports it again from the command line, first on the
// data folder directly, then through a running server's socket.
func TestCLIImportExport(t *testing.T) {
	data := t.TempDir()
	file := filepath.Join(t.TempDir(), "outlook.csv")
	csv := "First Name,Last Name,E-mail Address,Mobile Phone,Categories,Birthday\r\n" +
		"Ana,Silva,ana@example.com,555-0101,Buyers;Open House,4/12/1985\r\n" +
		"Ben,Okafor,ben@example.com,,,0/0/00\r\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, nil, "user add", "--data", data, "--email", "a@example.com", "--name", "Agent A", "--password", "correct horse battery")

	var res struct {
		Status  string `json:"status"`
		Created int    `json:"created"`
		Skipped int    `json:"skipped"`
		Failed  int    `json:"failed"`
	}
	mustCLI(t, &res, "import", "--data", data, "--owner", "a@example.com", file)
	if res.Status != "done" || res.Created != 2 {
		t.Fatalf("direct import: %+v", res)
	}
	out, err := cli(t, "export", "--data", data, "--owner", "a@example.com")
	if err != nil || !strings.HasPrefix(out, "\ufeffFirst Name") || !strings.Contains(out, "1985-04-12") || !strings.Contains(out, "Buyers ::: Open House") {
		t.Fatalf("direct export: %v\n%s", err, out)
	}

	if _, err := cli(t, "import", "--data", data, "--owner", "a@example.com", "--duplicates", "merge", file); err == nil ||
		!strings.Contains(err.Error(), "skip, update or create") {
		t.Errorf("a bad --duplicates: %v", err)
	}
	if _, err := cli(t, "import", "--data", data, "--owner", "a@example.com"); err == nil {
		t.Error("import without a file succeeded")
	}

	srv := startServer(t, data)
	defer srv.stop()
	mustCLI(t, &res, "import", "--data", data, "--owner", "a@example.com", file)
	if res.Status != "done" || res.Created != 0 || res.Skipped != 2 {
		t.Errorf("re-import through the socket: %+v", res)
	}
	vcf, err := cli(t, "export", "--data", data, "--owner", "a@example.com", "--format", "vcf")
	if err != nil || strings.Count(vcf, "BEGIN:VCARD") != 2 {
		t.Errorf("export through the socket: %v\n%s", err, vcf)
	}
}

func TestMemoryLimiterHoldsTheLimitWhileAnyBulkWriteRuns(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	limit := func() int64 { return debug.SetMemoryLimit(-1) }
	m := &memoryLimiter{limit: 123 << 20, settle: 99 << 20}
	h1, h2 := m.hold(), m.hold()
	if got := limit(); got != 123<<20 {
		t.Fatalf("limit while held = %d", got)
	}
	h1.Settle()
	if got := limit(); got != 123<<20 {
		t.Errorf("limit with one write settling and one writing = %d, want the bulk limit", got)
	}
	h2.Settle()
	h2.Settle() // a second call changes nothing
	if got := limit(); got != 99<<20 {
		t.Errorf("limit with both settling = %d, want the settle limit", got)
	}
	h3 := m.hold()
	if got := limit(); got != 123<<20 {
		t.Errorf("limit with a new write = %d, want the bulk limit", got)
	}
	h3.Release() // released without settling: on an error
	h1.Release()
	h1.Release()
	if got := limit(); got != 99<<20 {
		t.Errorf("limit with one hold left, settling = %d", got)
	}
	h2.Release()
	if got := limit(); got != before {
		t.Errorf("limit after the last release = %d, want %d", got, before)
	}
}

// TestMemoryLimiterReleasesOnceIdle: the last release keeps the settle limit until the process
// is idle, and a new bulk write meanwhile takes the bulk limit again.
func TestMemoryLimiterReleasesOnceIdle(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	limit := func() int64 { return debug.SetMemoryLimit(-1) }
	idle := make(chan struct{})
	m := &memoryLimiter{limit: 123 << 20, settle: 99 << 20, idle: func(ctx context.Context) { <-idle }}
	h := m.hold()
	h.Settle()
	h.Release()
	if got := limit(); got != 99<<20 {
		t.Fatalf("limit after the last release, before idle = %d, want the settle limit", got)
	}
	h2 := m.hold()
	if got := limit(); got != 123<<20 {
		t.Errorf("limit with a new write while the release waits = %d, want the bulk limit", got)
	}
	h2.Release() // the first release still waits for idle
	if got := limit(); got != 99<<20 {
		t.Errorf("limit with a release still waiting = %d, want the settle limit", got)
	}
	idle <- struct{}{}
	deadline := time.Now().Add(5 * time.Second)
	for limit() != before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := limit(); got != before {
		t.Errorf("limit once idle = %d, want %d", got, before)
	}
}

// TestMemoryLimiterNeverLimitsBelowTheLiveHeap: with more live heap than a limit allows (an
// agent with several hundred thousand contacts), a hold sets an eighth more than the live heap.
func TestMemoryLimiterNeverLimitsBelowTheLiveHeap(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	limit := func() int64 { return debug.SetMemoryLimit(-1) }
	live := int64(320 << 20)
	m := &memoryLimiter{limit: 123 << 20, settle: 99 << 20, live: func() int64 { return live }}
	h := m.hold()
	if got := limit(); got != 360<<20 {
		t.Errorf("limit with 320 MB live = %d MB, want 360", got>>20)
	}
	live = 60 << 20
	h.Settle()
	if got := limit(); got != 99<<20 {
		t.Errorf("settle limit with 60 MB live = %d MB, want 99", got>>20)
	}
	h.Release()
	if got := limit(); got != before {
		t.Errorf("limit after the release = %d, want %d", got, before)
	}
}
