package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserContactSummary opens the Contact Summary from the Advanced menu in Chromium, sorts
// it by a column, and sees the activity chart drawn.
func TestBrowserContactSummary(t *testing.T) {
	srv := startServer(t, t.TempDir())
	mustCLI(t, nil, "user", "add", "--data", srv.Data, "--email", "ada@office.test", "--name", "Ada Agent", "--password", "correct horse battery")
	var tok struct{ Token string }
	mustCLI(t, &tok, "token", "create", "--data", srv.Data, "--email", "ada@office.test")
	for _, name := range []string{"Cleo", "Abe", "Bea"} {
		st, body := call(t, "POST", srv.URL+"/api/v1/contacts", tok.Token, map[string]any{"first_name": name, "last_name": "Summary",
			"emails": []map[string]any{{"address": strings.ToLower(name) + "@example.com"}}}, nil)
		expectStatus(t, "create contact", st, http.StatusCreated, body)
	}
	b := startBrowser(t, srv)
	b.login("ada@office.test", "correct horse battery")
	b.do("open Advanced", chromedp.Click(chromedp.ID("advanced-button")), chromedp.WaitVisible(chromedp.ID("advanced-menu")))
	first := eval[string](b, "first menu entry", `document.querySelector("#advanced-menu [role=menuitem]").textContent.trim()`)
	if first != "Contact Summary" {
		t.Errorf("the Advanced menu starts with %q, want Contact Summary", first)
	}
	b.do("open Contact Summary", chromedp.Click(chromedp.CSS(`#advanced-menu a[href^="/reports/contact-summary"]`)),
		chromedp.WaitVisible(chromedp.ID("report")))
	b.do("Refresh now", chromedp.Click(chromedp.ID("report-refresh")), chromedp.WaitVisible(chromedp.CSS("#main .alert-success")))
	names := `Array.from(document.querySelectorAll("#report tbody tr td:first-child")).map(td => td.textContent.trim())`
	b.waitFor("three rows", `document.querySelectorAll("#report tbody tr").length === 3`)
	if got := eval[[]string](b, "rows", names); len(got) != 3 {
		t.Fatalf("rows %v", got)
	}
	if n := eval[int](b, "chart bars", `document.querySelectorAll("#activity-chart svg rect.bar").length`); n != 12 {
		t.Errorf("the chart has %d bars, want 12 weeks", n)
	}
	if title := eval[string](b, "chart title", `document.querySelector("#activity-chart svg title").textContent`); !strings.Contains(title, "12 weeks") {
		t.Errorf("chart title %q", title)
	}
	b.shot("report-01")
	// The report opens sorted by name; a click on the Name header reverses it, another restores it.
	if got := eval[[]string](b, "rows", names); !strings.HasPrefix(got[0], "Abe") {
		t.Errorf("first row %q, want Abe (sorted by name)", got[0])
	}
	nameHeader := chromedp.CSS(`#report thead th:first-child a`)
	b.do("sort by name, reversed", chromedp.Click(nameHeader), chromedp.WaitVisible(chromedp.CSS(`#report thead th[aria-sort=descending]`)))
	b.waitFor("sorted Z-A", `(() => { const n = `+names+`; return n.length === 3 && n[0].startsWith("Cleo"); })()`)
	if s := eval[string](b, "aria-sort", `document.querySelector("#report thead th:first-child").getAttribute("aria-sort")`); s != "descending" {
		t.Errorf("aria-sort %q", s)
	}
	b.do("sort by name again", chromedp.Click(nameHeader), chromedp.WaitVisible(chromedp.CSS(`#report thead th[aria-sort=ascending]`)))
	b.waitFor("sorted A-Z", `(() => { const n = `+names+`; return n.length === 3 && n[0].startsWith("Abe"); })()`)
	b.shot("report-02-sorted")
}
