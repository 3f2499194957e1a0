package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// pressed marks a mouse event as made with the left button held down.
func pressed(p *input.DispatchMouseEventParams) {
	p.Button = input.MouseButtonLeft
	p.Buttons = 1
}

// center returns the middle of the element matching sel, with dy added (a fraction of its height).
func center(b *browser, sel string, dy float64) (float64, float64) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2 + r.height * %f]; })()`, sel, dy)
	xy := eval[[]float64](b, "position of "+sel, js)
	return xy[0], xy[1]
}

// drag presses the mouse on from, moves it in steps to to (dy: a fraction of the target's height
// from its middle: negative above, positive below) and releases it there.
func drag(b *browser, what, from, to string, dy float64) {
	b.t.Helper()
	x0, y0 := center(b, from, 0)
	x1, y1 := center(b, to, dy)
	steps := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x0, y0, chromedp.ButtonLeft, chromedp.ClickCount(1))}
	for i := 1; i <= 20; i++ {
		f := float64(i) / 20
		steps = append(steps, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x0+(x1-x0)*f, y0+(y1-y0)*f, pressed), chromedp.Sleep(15*time.Millisecond))
	}
	steps = append(steps, chromedp.Sleep(150*time.Millisecond), chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x1, y1, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.Sleep(200*time.Millisecond))
	b.do(what, steps...)
}

const (
	selectedKeys = `Array.from(document.querySelectorAll("#selected-columns .column-item")).map(e => e.dataset.key)`
	listHeaders  = `Array.from(document.querySelectorAll("table.contacts thead th:not(.select):not(.actions)")).map(e => e.textContent.replace(/[▲▼]/g, "").trim())`
)

// TestBrowserCustomizeList runs Customize Contact List, Show/Hide Quick Add and header sorting in
// Chromium: a column is dragged from Available to Selected, then to first place, saved, and the
// list shows it first after a reload; Collapse and the Advanced menu toggle the Quick Add bar and
// the choice persists; a header click sorts the list.
func TestBrowserCustomizeList(t *testing.T) {
	srv := startServer(t, t.TempDir())
	mustCLI(t, nil, "user", "add", "--data", srv.Data, "--email", "ada@office.test", "--name", "Ada Agent", "--password", "correct horse battery")
	var tok struct{ Token string }
	mustCLI(t, &tok, "token", "create", "--data", srv.Data, "--email", "ada@office.test")
	for _, c := range []struct{ first, city string }{{"Ann", "Portland"}, {"Bob", "Austin"}, {"Cy", "Denver"}} {
		st, body := call(t, "POST", srv.URL+"/api/v1/contacts", tok.Token, map[string]any{"first_name": c.first, "last_name": "Test",
			"addresses": []map[string]any{{"city": c.city}}}, nil)
		expectStatus(t, "create contact", st, http.StatusCreated, body)
	}

	b := startBrowser(t, srv)
	b.login("ada@office.test", "correct horse battery")

	// Show/Hide Quick Add.
	b.do("Collapse", chromedp.Click(chromedp.ID("qa-collapse")), chromedp.WaitNotPresent(chromedp.ID("quick-add")))
	b.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("advanced-button")))
	if n := eval[int](b, "bar after reload", `document.querySelectorAll("#quick-add").length`); n != 0 {
		t.Fatal("the collapsed Quick Add bar is back after a reload")
	}
	b.do("open Advanced", chromedp.Click(chromedp.ID("advanced-button")), chromedp.WaitVisible(chromedp.ID("menu-quick-add")))
	b.shot("columns-01-advanced-menu")
	b.do("Escape", chromedp.KeyEvent("\u001b"))
	b.waitFor("Escape closes the menu", `!document.getElementById("advanced").open`)
	if got := eval[string](b, "focus", activeID); got != "SUMMARY#advanced-button" {
		t.Errorf("after Escape the focus is on %s", got)
	}
	b.do("Show Quick Add from the menu", chromedp.Click(chromedp.ID("advanced-button")), chromedp.WaitVisible(chromedp.ID("menu-quick-add")),
		chromedp.Click(chromedp.ID("menu-quick-add")), chromedp.WaitVisible(chromedp.ID("quick-add")))
	if open := eval[bool](b, "menu closed", `document.getElementById("advanced").open`); open {
		t.Error("the menu stays open after choosing an entry")
	}
	b.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("quick-add")))

	// A header click sorts.
	b.do("sort by Name descending", chromedp.Click(chromedp.CSS(`th[data-sort="name"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`th[data-sort="name"][aria-sort="descending"]`)))
	if got := eval[[]string](b, "rows", rowNames); strings.Join(got, ",") != "Cy Test,Bob Test,Ann Test" {
		t.Errorf("after the Name header click: %v", got)
	}
	if loc := value(b, "location", chromedp.Location()); !strings.HasSuffix(loc, "/contacts?sort=-name") {
		t.Errorf("the sort is not in the URL: %s", loc)
	}

	// Customize Contact List: drag City into Selected, then to first place.
	b.do("open Customize Contact List", chromedp.Click(chromedp.ID("advanced-button")), chromedp.WaitVisible(chromedp.ID("menu-columns")),
		chromedp.Click(chromedp.ID("menu-columns")), chromedp.WaitVisible(chromedp.ID("available-columns")))
	b.shot("columns-02-customize")
	// Dropped on the top part of Groups, City goes just before it.
	drag(b, "drag City to Selected", `#available-columns [data-key=city] .handle`, `#selected-columns [data-key=groups]`, -0.4)
	if got := eval[[]string](b, "selected", selectedKeys); strings.Join(got, ",") != "name,email,phone,company,city,groups,updated" {
		t.Fatalf("after dragging City in, Selected = %v", got)
	}
	drag(b, "drag City to first place", `#selected-columns [data-key=city] .handle`, `#selected-columns .column-item:first-child`, -0.4)
	if got := eval[[]string](b, "selected", selectedKeys); len(got) == 0 || got[0] != "city" {
		t.Fatalf("after dragging City up, Selected = %v", got)
	}
	// The keyboard way: Title in with its Add button, then up once.
	b.do("add Title with its button", chromedp.Click(chromedp.CSS(`#available-columns [data-key=title] .col-add`)))
	b.do("move it up", chromedp.Click(chromedp.CSS(`#selected-columns [data-key=title] .col-up`)))
	want := "city,name,email,phone,company,groups,title,updated"
	if got := eval[[]string](b, "selected", selectedKeys); strings.Join(got, ",") != want {
		t.Fatalf("Selected = %v, want %s", got, want)
	}
	b.shot("columns-03-arranged")
	b.do("Save", chromedp.Click(chromedp.ID("save-columns")), chromedp.WaitVisible(chromedp.ID("quick-add")))
	b.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("contact-rows")))
	if got := eval[[]string](b, "headers", listHeaders); strings.Join(got, ",") != "City,Name,Email,Phone,Company,Groups,Title,Updated" {
		t.Errorf("the list's columns after a reload = %v", got)
	}
	if got := eval[string](b, "first city", `document.querySelector("#contact-rows tr.row td[data-col=city]").textContent`); got == "" {
		t.Error("the City column is empty")
	}
	b.do("sort by City", chromedp.Click(chromedp.CSS(`th[data-sort="city"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`th[data-sort="city"][aria-sort="ascending"]`)))
	if got := eval[[]string](b, "cities", `Array.from(document.querySelectorAll("#contact-rows td[data-col=city]")).map(e => e.textContent)`); strings.Join(got, ",") != "Austin,Denver,Portland" {
		t.Errorf("sorted by city: %v", got)
	}
	b.shot("columns-04-list")
}
