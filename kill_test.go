package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test start this test binary as the real agentbook process (to kill it with
// SIGKILL): with AGENTBOOK_TEST_AS_MAIN=1 it runs main instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("AGENTBOOK_TEST_AS_MAIN") == "1" {
		os.Args = append([]string{"agentbook"}, os.Args[1:]...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startProcess runs `agentbook serve` as a separate process on data, with its sink on a free
// port and no DNS checks, and returns its URL.
func startProcess(t *testing.T, data string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "--data", data, "--addr", "127.0.0.1:0", "--log-level", "warn",
		"--smtp-sink", "127.0.0.1:0", "--dns-check=false")
	cmd.Env = append(os.Environ(), "AGENTBOOK_TEST_AS_MAIN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		lines <- l
	}()
	select {
	case l := <-lines:
		u := regexp.MustCompile(`http://\S+`).FindString(l)
		if u == "" {
			t.Fatalf("server printed %q, not its address", l)
		}
		return cmd, u
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start within 30 s")
	}
	return nil, ""
}

// TestRunKill9KeepsAcknowledgedWrites kills the server with SIGKILL right after the API
// acknowledged writes: every contact it answered 201 for (and every edit it answered 200 for)
// is there after a restart, and is found by search.
func TestRunKill9KeepsAcknowledgedWrites(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, nil, "user", "add", "--data", data, "--email", "k@x.test", "--name", "K", "--password", "longpassword1")
	var tok struct{ Token string }
	mustCLI(t, &tok, "token", "create", "--data", data, "--email", "k@x.test")

	cmd, url := startProcess(t, data)
	var ids []string
	for i := 0; i < 40; i++ {
		var c apiContact
		st, b := call(t, "POST", url+"/api/v1/contacts", tok.Token,
			map[string]any{"first_name": fmt.Sprintf("Killtest%02d", i), "last_name": "Survivor"}, &c)
		expectStatus(t, "POST contact", st, http.StatusCreated, b)
		ids = append(ids, c.ID)
	}
	var edited apiContact
	st, b := call(t, "PATCH", url+"/api/v1/contacts/"+ids[0], tok.Token,
		map[string]any{"first_name": "Renamedbeforekill", "version": 1}, &edited)
	expectStatus(t, "PATCH contact", st, http.StatusOK, b)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	_, url = startProcess(t, data)
	var l apiList
	st, b = call(t, "GET", url+"/api/v1/contacts?q=survivor&limit=200", tok.Token, nil, &l)
	expectStatus(t, "search after kill -9", st, http.StatusOK, b)
	if l.Total != 40 {
		t.Errorf("after kill -9 a search finds %d of the 40 acknowledged contacts", l.Total)
	}
	st, b = call(t, "GET", url+"/api/v1/contacts?q=renamedbeforekill", tok.Token, nil, &l)
	expectStatus(t, "search edited", st, http.StatusOK, b)
	if l.Total != 1 || l.Items[0].ID != ids[0] {
		t.Errorf("after kill -9 the acknowledged edit is not found: %+v", l)
	}
}

// TestRunRebuildsDeletedIndex deletes the index folder of a stopped server: the next start
// rebuilds it from the store and every contact is found as last saved.
func TestRunRebuildsDeletedIndex(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	mustCLI(t, nil, "user", "add", "--data", data, "--email", "r@x.test", "--name", "R", "--password", "longpassword1")
	var tok struct{ Token string }
	mustCLI(t, &tok, "token", "create", "--data", data, "--email", "r@x.test")
	mustCLI(t, nil, "seed", "--data", data, "--owner", "r@x.test", "--n", "250")
	var c apiContact
	st, b := call(t, "POST", srv.URL+"/api/v1/contacts", tok.Token, map[string]any{"first_name": "Indexgone", "last_name": "Findme"}, &c)
	expectStatus(t, "POST contact", st, http.StatusCreated, b)
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(data, "index")); err != nil {
		t.Fatal(err)
	}
	srv = startServer(t, data)
	var l apiList
	st, b = call(t, "GET", srv.URL+"/api/v1/contacts?q=indexgone", tok.Token, nil, &l)
	expectStatus(t, "search", st, http.StatusOK, b)
	if l.Total != 1 || l.Items[0].ID != c.ID {
		t.Errorf("after deleting the index, search finds %+v", l)
	}
	st, b = call(t, "GET", srv.URL+"/api/v1/contacts?status=all", tok.Token, nil, &l) // an index query
	expectStatus(t, "list all", st, http.StatusOK, b)
	if l.Total != 251 {
		t.Errorf("after deleting the index, the index holds %d contacts, want 251", l.Total)
	}
}

// TestRunSocketIsPrivate checks that only the account running agentbook can use its socket.
func TestRunSocketIsPrivate(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	fi, err := os.Stat(filepath.Join(data, "agentbook.sock"))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("socket mode = %o, want 600", perm)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
}

// TestRunKill9KeepsAcknowledgedMail kills the server with SIGKILL while its outbox is delivering
// to the sink: after a restart every email the API acknowledged (202) is delivered, and none is
// delivered twice.
func TestRunKill9KeepsAcknowledgedMail(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, nil, "user", "add", "--data", data, "--email", "m@x.test", "--name", "M", "--password", "longpassword1")
	var tok struct{ Token string }
	mustCLI(t, &tok, "token", "create", "--data", data, "--email", "m@x.test")

	cmd, url := startProcess(t, data)
	const n = 40
	var ids []string
	for i := 0; i < n; i++ {
		var c apiContact
		st, b := call(t, "POST", url+"/api/v1/contacts", tok.Token, map[string]any{"first_name": fmt.Sprintf("Mail%02d", i),
			"emails": []map[string]any{{"address": fmt.Sprintf("mail%02d@example.com", i)}}}, &c)
		expectStatus(t, "POST contact", st, http.StatusCreated, b)
		ids = append(ids, c.ID)
	}
	want := map[string]bool{}
	for i, id := range ids {
		subject := fmt.Sprintf("Kill test %02d", i)
		st, b := call(t, "POST", url+"/api/v1/contacts/"+id+"/email", tok.Token, map[string]any{"subject": subject, "text": "Hello"}, nil)
		expectStatus(t, "POST email", st, http.StatusAccepted, b)
		want[subject] = true
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	_, url = startProcess(t, data)
	var got struct {
		Items []struct{ Subject string }
		Total int
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, b := call(t, "GET", url+"/api/v1/mail/messages?limit=200", tok.Token, nil, &got)
		expectStatus(t, "list mail", st, http.StatusOK, b)
		if got.Total >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	seen := map[string]int{}
	for _, m := range got.Items {
		seen[m.Subject]++
	}
	for s := range want {
		if seen[s] != 1 {
			t.Errorf("%q was delivered %d times, want once", s, seen[s])
		}
	}
	if got.Total != n {
		t.Errorf("the sink holds %d messages, want %d", got.Total, n)
	}
}
