package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// importRows is how many good rows the browser import test's file has: enough for the import
// to run a few seconds, so the progress bar is seen moving.
const importRows = 15000

// importBadLine is the data line (1 = the first after the header) holding an invalid email;
// it is within the preview's first rows. The import names it by its file line: header + 3.
const importBadLine, importBadRow = 3, 4

// writeImportCSV writes a Google Contacts export with rows good contacts and, at data line bad,
// one row whose email is not an address. Names, emails and phones are unique, so no row is a
// duplicate of another.
func writeImportCSV(t *testing.T, rows, bad int) string {
	t.Helper()
	firsts := []string{"Ava", "Ben", "Chloe", "Diego", "Emma", "Farid", "Grace", "Hugo", "Iris", "Jonas", "Keiko", "Liam", "Mei", "Nora", "Omar", "Priya"}
	lasts := []string{"Okafor", "Silva", "Nguyen", "Müller", "Kowalski", "Haddad", "Larsen", "Moreau", "Tanaka", "Reyes", "Byrne", "Costa"}
	companies := []string{"", "Harbor Realty", "", "Oak & Pine Homes", "", "Summit Lending"}
	path := filepath.Join(t.TempDir(), "google-contacts.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	rec := func(r ...string) {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	rec("First Name", "Middle Name", "Last Name", "Organization Name", "Organization Title", "Labels",
		"E-mail 1 - Label", "E-mail 1 - Value", "Phone 1 - Label", "Phone 1 - Value")
	for i := 0; i < rows; i++ {
		if i == bad-1 {
			rec("Broken", "", "Address", "", "", "* myContacts", "* Home", "not an email", "", "")
		}
		first, last := firsts[i%len(firsts)], lasts[i/len(firsts)%len(lasts)]
		title := ""
		if company := companies[i%len(companies)]; company != "" {
			title = "Agent"
		}
		email := fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(first), strings.ToLower(strings.ReplaceAll(last, "ü", "ue")), i)
		phone := fmt.Sprintf("(%03d) 555-%04d", 202+i/10000, i%10000)
		rec(first, "", last, companies[i%len(companies)], title, "* myContacts", "* Home", email, "Mobile", phone)
	}
	w.Flush()
	if err := errors.Join(w.Error(), f.Close()); err != nil {
		t.Fatal(err)
	}
	return path
}

// fetchText fetches a URL from the page (with its session) and returns the body.
func fetchText(b *browser, url string) string {
	b.t.Helper()
	return value(b, "fetch "+url, chromedp.Evaluate[string](fmt.Sprintf(`fetch(%q).then(r => r.ok ? r.text() : "HTTP " + r.status)`, url),
		chromedp.EvalAwaitPromise))
}

// TestBrowserImport runs Import Contacts in Chromium against the whole program: a Google
// Contacts CSV of 15,001 rows (one with an invalid email) is chosen in the file input and
// uploaded; the preview names the layout, counts the rows and marks the bad one; a group typed
// in updates the preview in place; the run shows a progress bar that moves, then the result
// with the failed row, its CSV and a link to the imported contacts; Undo import removes them.
// Export Contacts and the column mapping screen are opened for their screenshots.
func TestBrowserImport(t *testing.T) {
	srv := startServer(t, t.TempDir())
	mustCLI(t, nil, "user", "add", "--data", srv.Data, "--email", "ada@office.test", "--name", "Ada Agent", "--password", "correct horse battery")
	file := writeImportCSV(t, importRows, importBadLine)
	total := importRows + 1

	b := startBrowser(t, srv)
	b.login("ada@office.test", "correct horse battery")

	// Upload.
	b.do("open Import Contacts from the Advanced menu", chromedp.Click(chromedp.ID("advanced-button")), chromedp.WaitVisible(chromedp.ID("menu-import")),
		chromedp.Click(chromedp.ID("menu-import")), chromedp.WaitVisible(chromedp.ID("import-file")))
	if loc := value(b, "location", chromedp.Location()); !strings.HasSuffix(loc, "/contacts/import") {
		t.Fatalf("Import Contacts opened %s", loc)
	}
	if d := eval[string](b, "delimiter", `document.getElementById("import-delimiter").selectedOptions[0].textContent`); d != "Detect" {
		t.Errorf("Delimiter is %q, want Detect", d)
	}
	if hidden := eval[bool](b, "Other delimiter", `document.getElementById("import-other").closest(".field").hidden`); !hidden {
		t.Error("the Other delimiter field shows while Delimiter is Detect")
	}
	b.shot("import-01-upload")
	b.do("choose the file and Upload File", chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{file}),
		chromedp.Click(chromedp.ID("import-upload")), chromedp.WaitVisible(chromedp.ID("preview-rows")))

	// Preview.
	if txt := value(b, "about", chromedp.Text(chromedp.ID("import-about"))); !strings.Contains(txt, "Google Contacts") {
		t.Errorf("#import-about = %q, want Google Contacts", txt)
	}
	totals := value(b, "totals", chromedp.Text(chromedp.ID("import-totals")))
	for _, want := range []string{fmt.Sprintf("%s rows", thousandsTest(total)), thousandsTest(importRows) + " to create", "1 with errors"} {
		if !strings.Contains(totals, want) {
			t.Errorf("#import-totals = %q, want %q in it", totals, want)
		}
	}
	if n := eval[int](b, "preview rows", `document.querySelectorAll("#preview-rows tbody tr").length`); n != 20 {
		t.Errorf("the preview has %d rows, want 20", n)
	}
	bad := eval[[]string](b, "bad row", `[...document.querySelectorAll("#preview-rows tr.action-error")].map(r => r.cells[0].textContent + "|" + r.cells[r.cells.length - 1].textContent)`)
	if len(bad) != 1 || !strings.HasPrefix(bad[0], fmt.Sprint(importBadRow)+"|") || !strings.Contains(bad[0], "Email") {
		t.Errorf("error rows in the preview = %q, want row %d with a message about the Email", bad, importBadRow)
	}
	if n := eval[int](b, "create rows", `document.querySelectorAll("#preview-rows tr.action-create").length`); n != 19 {
		t.Errorf("the preview has %d rows to create, want 19", n)
	}
	// The error row's Note is what the agent needs from the preview: it must not be scrolled out
	// of sight to the right.
	if w := eval[[]float64](b, "note position", `[document.querySelector("#preview-rows tr.action-error td:last-child").getBoundingClientRect().right,
		document.getElementById("preview-rows").parentElement.getBoundingClientRect().right]`); w[0] > w[1]+1 {
		t.Errorf("the error row's Note ends at %.0f px, past the preview's right edge at %.0f px", w[0], w[1])
	}

	// Update preview swaps the preview in place.
	eval[bool](b, "set marker", `window.__importMarker = 1; true`)
	b.do("type a group and Update preview", chromedp.SendKeys(chromedp.ID("import-group"), "Spring Open House"),
		chromedp.Click(chromedp.ID("import-refresh")))
	b.waitFor("New groups in the totals", `(document.getElementById("import-totals") || {}).textContent.includes("New groups: Spring Open House")`)
	if !eval[bool](b, "marker", `window.__importMarker === 1`) {
		t.Fatal("Update preview reloaded the page (window marker lost)")
	}
	if v := value(b, "group kept", chromedp.Value(chromedp.ID("import-group"))); v != "Spring Open House" {
		t.Errorf("after Update preview the group field holds %q", v)
	}
	if txt := value(b, "run button", chromedp.Text(chromedp.ID("import-run"))); txt != "Import "+thousandsTest(importRows)+" contacts" {
		t.Errorf("the run button says %q", txt)
	}
	b.shot("import-02-preview")

	// Run: the page polls the progress; a listener records the bar after every swap.
	b.do("Import", chromedp.Click(chromedp.ID("import-run")), chromedp.WaitVisible(chromedp.ID("import-progress")))
	importURL := value(b, "location", chromedp.Location())
	if !strings.Contains(importURL, "/contacts/import/") {
		t.Fatalf("the run went to %s", importURL)
	}
	running := eval[bool](b, "record the bar", `(() => {
		window.__bars = [];
		const rec = () => { const bar = document.getElementById("import-bar"); if (bar) window.__bars.push(bar.value); };
		rec();
		document.addEventListener("htmx:afterSettle", rec);
		return !!document.getElementById("import-bar");
	})()`)
	if !running {
		t.Fatalf("the import had finished before its page showed (%s); make the file larger", value(b, "status", chromedp.Text(chromedp.ID("import-status"))))
	}
	if txt := value(b, "status", chromedp.Text(chromedp.ID("import-status"))); !strings.HasPrefix(txt, "Running") || !strings.Contains(txt, "of "+thousandsTest(total)+" rows") {
		t.Errorf("#import-status while running = %q", txt)
	}
	b.waitFor("the bar moves", `window.__bars.some(v => v > 0)`)
	b.shot("import-03-progress")
	const finished = `!document.getElementById("import-bar") && document.getElementById("import-status").textContent.startsWith("Done")`
	if !b.poll(finished, 40*time.Second) {
		b.fail("wait for the import to finish", fmt.Errorf("still running after 40s; bar values %v", eval[[]float64](b, "bars", `window.__bars`)))
	}
	bars := eval[[]float64](b, "bar values", `window.__bars`)
	t.Logf("progress bar values seen: %v", bars)
	moved := false
	for i := 1; i < len(bars); i++ {
		if bars[i] < bars[i-1] {
			t.Errorf("the bar went back: %v", bars)
		}
		moved = moved || bars[i] > bars[i-1]
	}
	if len(bars) < 2 || !moved {
		t.Errorf("the bar did not move while the import ran: %v", bars)
	}

	// Result.
	if n := value(b, "created", chromedp.Text(chromedp.ID("count-created"))); n != thousandsTest(importRows) {
		t.Errorf("Created = %s, want %d", n, importRows)
	}
	if n := value(b, "failed", chromedp.Text(chromedp.ID("count-failed"))); n != "1" {
		t.Errorf("Failed = %s, want 1", n)
	}
	if txt := value(b, "errors", chromedp.Text(chromedp.ID("import-errors"))); !strings.Contains(txt, fmt.Sprintf("Row %d:", importBadRow)) || !strings.Contains(txt, "Email") {
		t.Errorf("#import-errors = %q, want row %d and its Email", txt, importBadRow)
	}
	failedURL := eval[string](b, "failed rows link", `document.getElementById("import-failed").href`)
	if csv := fetchText(b, failedURL); !strings.Contains(csv, "not an email") || !strings.Contains(csv, fmt.Sprintf("\n%d,", importBadRow)) {
		t.Errorf("the failed rows CSV:\n%s", csv)
	}
	if !eval[bool](b, "marker", `window.__bars !== undefined`) {
		t.Error("the progress page reloaded while it polled")
	}
	b.shot("import-04-result")

	b.do("View contacts", chromedp.Click(chromedp.ID("import-view")), chromedp.WaitVisible(chromedp.ID("contact-rows")))
	if loc := value(b, "location", chromedp.Location()); !strings.Contains(loc, "group=") {
		t.Errorf("View contacts opened %s, want the group's list", loc)
	}
	if g := eval[string](b, "group filter", `document.getElementById("filter-group").selectedOptions[0].textContent`); g != "Spring Open House" {
		t.Errorf("the list's group filter shows %q", g)
	}
	if txt := value(b, "count", chromedp.Text(chromedp.ID("contact-count"))); txt != thousandsTest(importRows)+" contacts" {
		t.Errorf("the group's list counts %q", txt)
	}
	if names := eval[[]string](b, "rows", rowNames); len(names) != 50 || strings.Contains(strings.Join(names, ","), "Broken") {
		t.Errorf("the group's first page shows %d rows: %q", len(names), names)
	}

	// Export Contacts, with the imported contacts in it.
	b.do("open Export Contacts", chromedp.Navigate(srv.URL+"/contacts/export"), chromedp.WaitVisible(chromedp.ID("export-form")))
	if txt := value(b, "scope", chromedp.Text(chromedp.CSS(`label[for=scope-all]`))); !strings.Contains(txt, thousandsTest(importRows)) {
		t.Errorf("Export Contacts offers %q", txt)
	}
	b.shot("import-05-export")

	// Undo import; the confirmation is answered by a stand-in that records its question.
	b.do("back to the import", chromedp.Navigate(importURL), chromedp.WaitVisible(chromedp.ID("import-undo")))
	// (The question is kept in sessionStorage: the undo loads a new page.)
	eval[bool](b, "answer confirm", `window.confirm = q => { sessionStorage.setItem("asked", q); return true; }; true`)
	// The undo runs in the background; the page shows Undoing until it is done.
	b.do("Undo import", chromedp.Click(chromedp.ID("import-undo")), chromedp.WaitNotPresent(chromedp.ID("import-undo")),
		chromedp.WaitVisible(chromedp.ID("import-status")))
	b.waitFor("the undo finishes", `(document.getElementById("import-status") || {}).textContent === "Undone"`)
	if q := eval[string](b, "question", `sessionStorage.getItem("asked") || ""`); !strings.HasPrefix(q, "Undo this import? "+thousandsTest(importRows)+" created contacts") {
		t.Errorf("Undo import asked %q", q)
	}
	if txt := value(b, "result", chromedp.Text(chromedp.ID("import-progress"))); !strings.Contains(txt, "the contacts it created were removed") {
		t.Errorf("the page after Undo says %q", txt)
	}
	if txt := value(b, "status", chromedp.Text(chromedp.ID("import-status"))); txt != "Undone" {
		t.Errorf("#import-status after Undo = %q, want Undone", txt)
	}
	if n := eval[int](b, "undo button", `document.querySelectorAll("#import-undo").length`); n != 0 {
		t.Error("Undo import is still offered after the undo")
	}
	b.shot("import-06-undone")
	b.do("open the list", chromedp.Navigate(srv.URL+"/contacts"), chromedp.WaitVisible(chromedp.ID("contact-count")))
	if txt := value(b, "count", chromedp.Text(chromedp.ID("contact-count"))); txt != "0 contacts" {
		t.Errorf("after the undo the list counts %q, want 0 contacts", txt)
	}

	// The mapping screen, for a file whose columns agentbook does not know.
	other := filepath.Join(t.TempDir(), "kunden.csv")
	if err := os.WriteFile(other, []byte("Kunde,Mailadresse\r\nJonas Weber,jonas@example.de\r\nLea Braun,lea@example.de\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.do("upload a file with unknown columns", chromedp.Navigate(srv.URL+"/contacts/import"), chromedp.WaitVisible(chromedp.ID("import-file")),
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{other}),
		chromedp.Click(chromedp.ID("import-upload")), chromedp.WaitVisible(chromedp.ID("import-mapping")))
	if cols := eval[[]string](b, "columns", `[...document.querySelectorAll("#import-mapping tbody tr td:first-child")].map(td => td.textContent)`); strings.Join(cols, ",") != "Kunde,Mailadresse" {
		t.Errorf("the mapping screen lists %q", cols)
	}
	b.shot("import-07-mapping")
	b.do("Import Contacts with the recent imports", chromedp.Navigate(srv.URL+"/contacts/import"), chromedp.WaitVisible(chromedp.CSS("table.imports")))
	if txt := value(b, "recent", chromedp.Text(chromedp.CSS("table.imports"))); !strings.Contains(txt, "google-contacts.csv") || !strings.Contains(txt, "Undone") {
		t.Errorf("Recent imports = %q", txt)
	}
	b.shot("import-08-recent")
}

// thousandsTest formats n as the pages do: 15000 → "15,000".
func thousandsTest(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
