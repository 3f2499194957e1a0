package main

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// backupResult and restoreResult are what `agentbook backup` and `restore` print.
type backupResult struct {
	File    string  `json:"file"`
	Bytes   int64   `json:"bytes"`
	Seconds float64 `json:"seconds"`
}

type restoreResult struct {
	Restored bool    `json:"restored"`
	Contacts int     `json:"contacts"`
	Seconds  float64 `json:"seconds"`
}

// officeState is what the API shows of an agent's data, to compare an office before a backup
// with the one restored from it.
type officeState struct {
	total   int
	search  map[string][]string // name → IDs found
	groups  map[string]string   // name → ID
	members map[string]int      // group name → contacts in it
	report  string              // the Contact Summary's rows, as the API gives them
}

func readOffice(t *testing.T, base, token string, names []string, refreshReport bool) officeState {
	t.Helper()
	api := base + "/api/v1"
	s := officeState{search: map[string][]string{}, groups: map[string]string{}, members: map[string]int{}}
	if refreshReport {
		st, b := call(t, "POST", api+"/reports/contact-summary/refresh", token, nil, nil)
		if st >= 300 {
			t.Fatalf("refresh the report: %d %s", st, b)
		}
	}
	var rep struct {
		Items json.RawMessage `json:"items"`
	}
	st0, b0 := call(t, "GET", api+"/reports/contact-summary?limit=500", token, nil, &rep)
	expectStatus(t, "GET the report", st0, http.StatusOK, b0)
	s.report = string(rep.Items)
	var l apiList
	st, b := call(t, "GET", api+"/contacts?limit=1&status=all", token, nil, &l)
	expectStatus(t, "GET contacts", st, http.StatusOK, b)
	s.total = l.Total
	for _, n := range names {
		var found apiList
		st, b := call(t, "GET", api+"/contacts?limit=200&q="+url.QueryEscape(n), token, nil, &found)
		expectStatus(t, "search "+n, st, http.StatusOK, b)
		for _, c := range found.Items {
			s.search[n] = append(s.search[n], c.ID)
		}
	}
	var gs struct {
		Items []struct{ ID, Name string } `json:"items"`
	}
	st, b = call(t, "GET", api+"/groups", token, nil, &gs)
	expectStatus(t, "GET groups", st, http.StatusOK, b)
	for _, g := range gs.Items {
		s.groups[g.Name] = g.ID
		var in apiList
		st, b := call(t, "GET", api+"/contacts?limit=1&group="+g.ID, token, nil, &in)
		expectStatus(t, "GET contacts of group "+g.Name, st, http.StatusOK, b)
		s.members[g.Name] = in.Total
	}
	return s
}

// TestRunBackupRestore backs an office up with the server stopped and while it runs, restores
// the second backup into an empty data folder, and checks through the API that the restored
// office is the same: contacts, search, groups, and the agents with their tokens.
func TestRunBackupRestore(t *testing.T) {
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	mustCLI(t, nil, "user", "add", "--data", data, "--email", "a@x.test", "--name", "A", "--password", "longpassword1")
	var seeded struct{ Created int }
	mustCLI(t, &seeded, "seed", "--data", data, "--owner", "a@x.test", "--n", "200")
	if seeded.Created != 200 {
		t.Fatalf("seed created %d, want 200", seeded.Created)
	}
	csv := filepath.Join(tmp, "backup-night.csv")
	if err := os.WriteFile(csv, []byte("First Name,Last Name,Email\nAda,Lovelace,ada@example.com\nGrace,Hopper,grace@example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, nil, "import", "--data", data, "--owner", "a@x.test", "--group", "Backup Night", csv)

	// With no server, backup opens the store itself.
	stopped := filepath.Join(tmp, "stopped.agentbook")
	var br backupResult
	mustCLI(t, &br, "backup", "--data", data, stopped)
	if br.File != stopped || br.Bytes <= 0 {
		t.Fatalf("backup printed %+v", br)
	}
	if fi, err := os.Stat(stopped); err != nil || fi.Size() != br.Bytes {
		t.Fatalf("the backup file: %v, %v; backup said %d bytes", fi, err, br.Bytes)
	}
	if fileExists(stopped + ".tmp") {
		t.Errorf("backup left %s.tmp behind", stopped)
	}

	// While the server runs, backup goes through its socket and sees the latest writes.
	srv := startServer(t, data)
	var tok struct{ Token string }
	mustCLI(t, &tok, "token", "create", "--data", data, "--email", "a@x.test")
	var c apiContact
	st, b := call(t, "POST", srv.URL+"/api/v1/contacts", tok.Token, map[string]any{"first_name": "Zelda", "last_name": "Quixotic"}, &c)
	expectStatus(t, "POST contact", st, http.StatusCreated, b)
	var first apiList
	st, b = call(t, "GET", srv.URL+"/api/v1/contacts?limit=1&sort=name", tok.Token, nil, &first)
	expectStatus(t, "GET contacts", st, http.StatusOK, b)
	names := []string{"Lovelace", "Quixotic", first.Items[0].LastName}
	before := readOffice(t, srv.URL, tok.Token, names, true)
	if before.total != 203 || before.members["Backup Night"] != 2 || len(before.search["Quixotic"]) != 1 {
		t.Fatalf("the office before the backup: %+v", before)
	}
	running := filepath.Join(tmp, "running.agentbook")
	mustCLI(t, &br, "backup", "--data", data, running)
	head := make([]byte, 19)
	if f, err := os.Open(running); err != nil {
		t.Fatal(err)
	} else {
		f.Read(head)
		f.Close()
	}
	if string(head) != "agentbook-backup 1\n" {
		t.Errorf("the backup through the socket starts with %q", head)
	}
	if !strings.Contains(srv.Stderr.String(), "backup streamed") {
		t.Errorf("the server did not log the backup; did it go through the socket?")
	}

	t.Run("restore refuses while the server holds the data folder", func(t *testing.T) {
		_, err := cli(t, "restore", "--data", data, running)
		if err == nil || !strings.Contains(err.Error(), "running") {
			t.Errorf("restore onto a running server's folder: %v", err)
		}
	})
	if err := srv.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}

	t.Run("restore refuses a data folder that holds data", func(t *testing.T) {
		_, err := cli(t, "restore", "--data", data, running)
		if err == nil || !strings.Contains(err.Error(), "restore needs an empty data folder; move the old one away first") {
			t.Errorf("restore into a folder with data: %v", err)
		}
		if !fileExists(filepath.Join(data, "index")) {
			t.Errorf("the refused restore removed the folder's index")
		}
	})

	t.Run("restore refuses a file that is not a backup", func(t *testing.T) {
		empty := filepath.Join(tmp, "never")
		_, err := cli(t, "restore", "--data", empty, csv)
		if err == nil || !strings.Contains(err.Error(), "not an agentbook backup") {
			t.Errorf("restore of a CSV file: %v", err)
		}
		if fileExists(filepath.Join(empty, "db")) {
			t.Errorf("the refused restore created %s", filepath.Join(empty, "db"))
		}
	})

	t.Run("the backup taken while stopped restores too", func(t *testing.T) {
		var rr restoreResult
		mustCLI(t, &rr, "restore", "--data", filepath.Join(tmp, "from-stopped"), stopped)
		if !rr.Restored || rr.Contacts != 202 {
			t.Errorf("restore printed %+v, want 202 contacts", rr)
		}
	})

	restoredData := filepath.Join(tmp, "restored")
	var rr restoreResult
	mustCLI(t, &rr, "restore", "--data", restoredData, running)
	if !rr.Restored || rr.Contacts != 203 {
		t.Fatalf("restore printed %+v, want 203 contacts", rr)
	}
	if !fileExists(filepath.Join(restoredData, "index")) {
		t.Errorf("restore did not build the index")
	}

	srv2 := startServer(t, restoredData)
	var tok2 struct{ Token string }
	mustCLI(t, &tok2, "token", "create", "--data", restoredData, "--email", "a@x.test")
	after := readOffice(t, srv2.URL, tok2.Token, names, false)
	if after.report != before.report || len(before.report) < 1000 {
		t.Errorf("the Contact Summary after the restore differs (%d bytes, before %d)", len(after.report), len(before.report))
	}
	if after.total != before.total {
		t.Errorf("contacts after the restore: %d, before: %d", after.total, before.total)
	}
	for _, n := range names {
		if strings.Join(after.search[n], ",") != strings.Join(before.search[n], ",") {
			t.Errorf("search %q after the restore finds %v, before %v", n, after.search[n], before.search[n])
		}
	}
	if !maps.Equal(after.groups, before.groups) || !maps.Equal(after.members, before.members) {
		t.Errorf("groups after the restore: %v %v, before %v %v", after.groups, after.members, before.groups, before.members)
	}
	var old apiList
	st, b = call(t, "GET", srv2.URL+"/api/v1/contacts?limit=1", tok.Token, nil, &old)
	expectStatus(t, "the token made before the backup, after the restore", st, http.StatusOK, b)
	if old.Total != 203 {
		t.Errorf("the token made before the backup sees %d contacts after the restore, want 203", old.Total)
	}
	if err := srv2.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
}
