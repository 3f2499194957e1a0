package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"agentbook/app"
)

// BenchmarkImport is the performance check from the Import/Export issue. It builds the binary,
// writes a Google Contacts CSV of N rows (AGENTBOOK_IMPORT_N, default 100,000), uploads it to
// a fresh server through the API and waits for the import to finish (parse, dedupe, store,
// index), then waits for the background work that follows it (index to disk, marks, list
// reload), exports everything as CSV and vCard, and imports the file again (every row a
// duplicate). It prints rows per second and the server's peak resident memory through the
// import and that background work. Run it with
//
//	go test -run '^$' -bench Import -benchtime 1x .
//
// It prints figures and never fails on them.
func BenchmarkImport(b *testing.B) {
	n := 100000
	if v := os.Getenv("AGENTBOOK_IMPORT_N"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "agentbook")
	if out, err := osexec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	file := filepath.Join(dir, "google.csv")
	size := writeGoogleCSV(b, file, n)
	data := filepath.Join(dir, "data")
	mustRun(b, bin, "user", "add", "--data", data, "--email", "load@example.com", "--name", "Load Agent", "--password", "load-password-1")
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(mustRun(b, bin, "token", "create", "--data", data, "--email", "load@example.com"), &tok); err != nil {
		b.Fatal(err)
	}
	srv := startBinary(b, bin, data)
	defer srv.stop(b)
	_, startHWM := procMem(srv.cmd.Process.Pid)

	stopSampling := sampleMem(srv.cmd.Process.Pid)
	stealBefore, cpuBefore := cpuSteal(), procCPU(srv.cmd.Process.Pid)
	first, took, accepted := apiImport(b, srv.url, tok.Token, file)
	steal, cpuDone := cpuSteal()-stealBefore, procCPU(srv.cmd.Process.Pid)
	rss, hwmDone := procMem(srv.cmd.Process.Pid)
	// The import is done once every row is stored and searchable; the index then reaches the
	// disk, the index marks are cleared and the agent's list is loaded again in the background.
	// Memory is sampled until that is over too, and the exports start on a settled server.
	settle := waitIdle(srv.cmd.Process.Pid, time.Minute)
	cpuSettled := procCPU(srv.cmd.Process.Pid)
	rssSettled, _ := procMem(srv.cmd.Process.Pid)
	anonPeak, filePeak := stopSampling()
	_, hwm := procMem(srv.cmd.Process.Pid)
	csvTook, csvBytes := apiExport(b, srv.url, tok.Token, "csv")
	vcfTook, vcfBytes := apiExport(b, srv.url, tok.Token, "vcf")
	// Writing 5 to clear_refs resets the peak resident memory (VmHWM) to what is resident now.
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", srv.cmd.Process.Pid), []byte("5"), 0)
	againStart, _ := procMem(srv.cmd.Process.Pid)
	again, againTook, _ := apiImport(b, srv.url, tok.Token, file)
	_, againHWM := procMem(srv.cmd.Process.Pid)

	fmt.Printf("\nImport and export, %d rows (%.1f MB Google Contacts CSV), on this machine:\n", n, float64(size)/(1<<20))
	fmt.Printf("  import (upload → done)          %8.2f s  (%.0f rows/s; created %v, failed %v)\n", took.Seconds(), float64(n)/took.Seconds(), first["created"], first["failed"])
	fmt.Printf("    of which upload and check       %8.2f s  (the file read through once before the import starts)\n", accepted.Seconds())
	fmt.Printf("    server CPU time                 %8.1f s  (user and system, both cores; %.1f s more for the background work after it)\n", cpuDone-cpuBefore, cpuSettled-cpuDone)
	fmt.Printf("    CPU time taken by other VMs     %8.2f s  (steal, from /proc/stat: this machine's runs vary with it)\n", steal)
	fmt.Printf("  server RSS at done              %8.0f MB (peak %.0f MB until then; %.0f MB at start)\n", rss, hwmDone, startHWM)
	fmt.Printf("  background work after it        %8.1f s  (index to disk, marks, list reload; waited for 3 idle seconds)\n", settle.Seconds())
	fmt.Printf("  server RSS peak, import and that %7.0f MB (%.0f MB once it is over)\n", hwm, rssSettled)
	fmt.Printf("  of which, sampled every 100 ms    peak %.0f MB anonymous (heap), peak %.0f MB mapped files (Badger tables, index segments)\n", anonPeak, filePeak)
	fmt.Printf("  export CSV                      %8.2f s  (%.1f MB)\n", csvTook.Seconds(), float64(csvBytes)/(1<<20))
	fmt.Printf("  export vCard                    %8.2f s  (%.1f MB)\n", vcfTook.Seconds(), float64(vcfBytes)/(1<<20))
	fmt.Printf("  re-import, all duplicates       %8.2f s  (%.0f rows/s; created %v, skipped %v)\n", againTook.Seconds(), float64(n)/againTook.Seconds(), again["created"], again["skipped"])
	fmt.Printf("    server RSS peak                 %8.0f MB (%.0f MB as it started, after the exports)\n", againHWM, againStart)
}

// sampleMem samples a process's anonymous and file-backed resident memory every 100 ms until the
// returned function is called, which returns the peaks in MB (Linux).
func sampleMem(pid int) func() (anon, file float64) {
	done := make(chan struct{})
	res := make(chan [2]float64)
	go func() {
		var peak [2]float64
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
				for _, l := range strings.Split(string(st), "\n") {
					f := strings.Fields(l)
					if len(f) < 2 {
						continue
					}
					kb, _ := strconv.ParseFloat(f[1], 64)
					switch f[0] {
					case "RssAnon:":
						peak[0] = max(peak[0], kb/1024)
					case "RssFile:":
						peak[1] = max(peak[1], kb/1024)
					}
				}
			}
			select {
			case <-done:
				res <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() (float64, float64) {
		close(done)
		p := <-res
		return p[0], p[1]
	}
}

// writeGoogleCSV writes n synthetic contacts in Google Contacts' current CSV layout.
func writeGoogleCSV(b testing.TB, path string, n int) int64 {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("First Name,Middle Name,Last Name,Organization Name,Organization Title,Birthday,Notes,Labels," +
		"E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value," +
		"Address 1 - Label,Address 1 - Street,Address 1 - City,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country\r\n")
	groups := []string{"Buyers", "Sellers", "Past Clients", "Investors"}
	now := time.Now()
	for done := 0; done < n; done += 5000 {
		for i, c := range app.SeedContacts("x", min(5000, n-done), nil, uint64(done)+7, now) {
			e2 := ""
			if len(c.Emails) > 1 {
				e2 = c.Emails[1].Address
			}
			a := c.Addresses[0]
			fmt.Fprintf(w, "%s,,%s,%s,%s,,,* myContacts ::: %s,* Home,%s,Work,%s,Mobile,%s,Home,%s,%s,%s,%s,%s\r\n",
				c.FirstName, c.LastName, c.Company, c.Title, groups[(done+i)%len(groups)], c.Emails[0].Address, e2,
				c.Phones[0].Number, a.Street, a.City, a.Region, a.PostalCode, a.Country)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	st, _ := f.Stat()
	f.Close()
	return st.Size()
}

// cpuSteal returns the seconds of CPU time the hypervisor gave to others (all CPUs), or 0.
func cpuSteal() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0])
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	v, _ := strconv.ParseFloat(f[8], 64)
	return v / 100 // USER_HZ
}

// apiImport uploads a file through the API and waits for the import; it returns the import.
func apiImport(b *testing.B, base, token, path string) (out map[string]any, took, accepted time.Duration) {
	start := time.Now()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, err := mw.CreateFormFile("file", filepath.Base(path))
		if err == nil {
			var f *os.File
			if f, err = os.Open(path); err == nil {
				_, err = io.Copy(fw, f)
				f.Close()
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/imports", pr)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		b.Fatalf("import: %d %s", res.StatusCode, body)
	}
	json.Unmarshal(body, &out)
	accepted = time.Since(start)
	id, _ := out["id"].(string)
	for {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/imports/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out = map[string]any{}
		json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		if out["status"] != "running" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if out["status"] != "done" {
		b.Fatalf("import ended %v", out)
	}
	return out, time.Since(start), accepted
}

// apiExport downloads every contact and returns the time and size.
func apiExport(b *testing.B, base, token, format string) (time.Duration, int64) {
	start := time.Now()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/exports?format="+format, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	n, _ := io.Copy(&buf, res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(buf.String()[:min(buf.Len(), 400)], "First Name") && format == "csv" {
		b.Fatalf("export %s: %d %.300s", format, res.StatusCode, buf.String())
	}
	return time.Since(start), n
}
