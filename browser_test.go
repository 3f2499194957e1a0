package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// findChromium returns the path of a Chromium or Chrome binary, or "".
func findChromium() string {
	if p := os.Getenv("AGENTBOOK_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// stepTimeout bounds every browser step, so a missing element fails the test instead of
// hanging it.
const stepTimeout = 10 * time.Second

// browser drives one tab for a test and keeps what it needs to report failures.
type browser struct {
	t     *testing.T
	ctx   context.Context // has a running browser; steps derive a timeout from it
	base  string
	shots string

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// do runs steps with a bounded time; on failure it saves a screenshot and stops the test.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fail(what, err)
	}
}

// value runs one action that returns a value, bounded like do.
func value[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fail(what, err)
	}
	return v
}

// eval evaluates a JavaScript expression and decodes its value.
func eval[T any](b *browser, what, js string) T {
	b.t.Helper()
	return value(b, what, chromedp.Evaluate[T](js))
}

// poll reports whether a JavaScript predicate becomes true within d.
func (b *browser) poll(js string, d time.Duration) bool {
	ctx, cancel := context.WithTimeout(b.ctx, d+time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(d)))
	return err == nil
}

// waitFor polls a JavaScript predicate until it is true.
func (b *browser) waitFor(what, js string) {
	b.t.Helper()
	b.do(what, chromedp.Poll[chromedp.Void](js,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout-time.Second)))
}

func (b *browser) fail(what string, err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	if png, e := chromedp.Run(ctx, chromedp.FullScreenshot(100)); e == nil {
		name := filepath.Join(b.shots, "FAILED-"+safeName(what)+".png")
		if os.WriteFile(name, png, 0o644) == nil {
			b.t.Logf("screenshot of the failure: %s", name)
		}
	}
	if loc, e := chromedp.Run(ctx, chromedp.Location()); e == nil {
		b.t.Logf("page: %s", loc)
	}
	if html, e := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main") ? document.querySelector("main").outerHTML : document.documentElement.outerHTML`)); e == nil {
		if len(html) > 6000 {
			html = html[:6000] + "…"
		}
		b.t.Logf("main element:\n%s", html)
	}
	b.logConsole()
	b.t.Fatalf("%s: %v", what, err)
}

// shot saves a full-page screenshot.
func (b *browser) shot(name string) {
	b.t.Helper()
	png := value(b, "screenshot "+name, chromedp.FullScreenshot(100))
	path := filepath.Join(b.shots, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Errorf("write screenshot: %v", err)
		return
	}
	b.t.Logf("screenshot: %s", path)
}

func (b *browser) logConsole() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.console {
		b.t.Logf("console %s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line)
	}
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, s)
}

// activeID describes the focused element as TAG#id.
const activeID = `document.activeElement ? document.activeElement.tagName + "#" + document.activeElement.id : ""`

// rowNames is the names shown in the contact list, in order.
const rowNames = `Array.from(document.querySelectorAll("#contact-rows tr.row td.name strong")).map(e => e.textContent.trim())`

// startBrowser starts headless Chromium on a server (skipping the test when there is none,
// outside CI) and returns a browser whose console is checked when the test ends.
func startBrowser(t *testing.T, srv *testServer) *browser {
	t.Helper()
	execPath := findChromium()
	if execPath == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium found; browser tests must run in CI")
		}
		t.Skip("no Chromium found (set AGENTBOOK_CHROMIUM); skipping the browser test")
	}
	shots := os.Getenv("AGENTBOOK_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	// The whole browser session has a hard limit; each step has its own, shorter one.
	root, cancelRoot := context.WithTimeout(context.Background(), 55*time.Second)
	actx, cancelAlloc := chromedp.NewExecAllocator(root, opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc(); cancelRoot() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium (%s): %v", execPath, err)
	}
	b := &browser{t: t, ctx: ctx, base: srv.URL, shots: shots}
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		// Uncaught exceptions and CSP violations are bugs even when every check passed.
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, m := range b.console {
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				t.Errorf("browser console %s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line)
			} else {
				t.Logf("browser console %s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line)
			}
		}
	})
	return b
}

// TestBrowser runs the Contact Management flow in real Chromium against the whole program:
// first-run setup, Quick Add (success, invalid input, duplicate), type-ahead filter with the
// state in the URL, inline edit with Save and Escape, reload, log out and log in.
func TestBrowser(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	b := startBrowser(t, srv)

	const (
		adminName  = "Olivia Office"
		adminEmail = "olivia@office.test"
		adminPass  = "correct horse battery"
	)

	// First run: every page leads to setup.
	b.do("open / on a new install", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("setup-form")))
	if loc := value(b, "location", chromedp.Location()); !strings.HasSuffix(loc, "/setup") {
		t.Fatalf("/ on a new install went to %s, want /setup", loc)
	}
	b.shot("01-setup")
	b.do("fill the setup form",
		chromedp.SendKeys(chromedp.ID("f-name"), adminName),
		chromedp.SendKeys(chromedp.ID("f-email"), adminEmail),
		chromedp.SendKeys(chromedp.ID("f-password"), adminPass),
		chromedp.Click(chromedp.CSS(`#setup-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("quick-add")),
	)
	if loc := value(b, "location", chromedp.Location()); !strings.HasSuffix(loc, "/contacts") {
		t.Errorf("after setup the browser is on %s, want /contacts", loc)
	}
	if txt := value(b, "empty state", chromedp.Text(chromedp.ID("empty-row"))); !strings.Contains(txt, "No contacts yet") {
		t.Errorf("empty list says %q, want the empty state", txt)
	}
	if who := value(b, "header", chromedp.Text(chromedp.CSS(".topbar .who"))); !strings.Contains(who, adminName) {
		t.Errorf("header shows %q, want the admin's name", who)
	}
	b.shot("02-contacts-empty")

	// A marker on window survives htmx swaps and disappears on a reload.
	eval[bool](b, "set marker", `window.__agentbookMarker = "no reload"; true`)
	const markerKept = `window.__agentbookMarker === "no reload"`

	quickAdd := func(what, first, last, email string) {
		t.Helper()
		b.do(what,
			chromedp.SendKeys(chromedp.ID("qa-first"), first),
			chromedp.SendKeys(chromedp.ID("qa-last"), last),
			chromedp.SendKeys(chromedp.ID("qa-email"), email),
			chromedp.Click(chromedp.ID("qa-add")),
		)
	}
	qaValues := func() [3]string {
		t.Helper()
		return eval[[3]string](b, "quick add values", `["qa-first","qa-last","qa-email"].map(id => document.getElementById(id).value)`)
	}

	// Quick Add: the row appears without a reload.
	quickAdd("quick add Zoë", "Zoë", "Quinlan", "zoe@example.com")
	b.waitFor("row for Zoë appears", rowNames+`.includes("Zoë Quinlan")`)
	if !eval[bool](b, "marker", markerKept) {
		t.Fatal("the page reloaded on Quick Add (window marker lost)")
	}
	b.waitFor("empty state hidden", `!document.getElementById("empty-row") || document.getElementById("empty-row").offsetParent === null`)
	if txt := value(b, "count", chromedp.Text(chromedp.ID("contact-count"))); txt != "1 contact" {
		t.Errorf("count after the first Quick Add = %q, want %q", txt, "1 contact")
	}
	if v := qaValues(); v != [3]string{} {
		t.Errorf("Quick Add fields after success = %q, want them cleared", v)
	}
	if txt := value(b, "confirmation", chromedp.Text(chromedp.CSS("#quick-add .alert-success"))); !strings.Contains(txt, "Zoë Quinlan") {
		t.Errorf("confirmation = %q, want it to name the contact", txt)
	}
	if !b.poll(`document.activeElement && document.activeElement.id === "qa-first"`, 2*time.Second) {
		t.Errorf("focus after Quick Add is on %q, want qa-first", eval[string](b, "focus", activeID))
	}

	// A malformed address (accepted by the browser's own check) comes back inline with the input.
	quickAdd("quick add with a malformed email", "Mal", "Formed", "mal@example")
	b.waitFor("inline email error", `!!document.querySelector("#quick-add #qa-email-err")`)
	if v := qaValues(); v != [3]string{"Mal", "Formed", "mal@example"} {
		t.Errorf("Quick Add fields after the error = %q, want what was typed", v)
	}
	if inv := value(b, "aria-invalid", chromedp.AttributeValue(chromedp.ID("qa-email"), "aria-invalid")); inv.Value != "true" {
		t.Errorf("email input aria-invalid = %+v, want true", inv)
	}
	if !b.poll(`document.activeElement && document.activeElement.id === "qa-email"`, 2*time.Second) {
		t.Errorf("focus after an invalid Quick Add is on %q, want qa-email", eval[string](b, "focus", activeID))
	}
	if n := len(eval[[]string](b, "rows", rowNames)); n != 1 {
		t.Errorf("an invalid Quick Add changed the list: %d rows", n)
	}
	b.shot("03-quick-add-invalid")
	b.do("clear quick add", chromedp.Clear(chromedp.ID("qa-first")), chromedp.Clear(chromedp.ID("qa-last")), chromedp.Clear(chromedp.ID("qa-email")))

	// A duplicate address asks first; Add anyway adds it.
	quickAdd("quick add Ann", "Ann", "Other", "ann@example.com")
	b.waitFor("row for Ann appears", rowNames+`.includes("Ann Other")`)
	quickAdd("quick add a duplicate of Ann's email", "Anna", "Dup", "ANN@example.com")
	b.waitFor("duplicate warning", `!!document.getElementById("qa-duplicate")`)
	if v := qaValues(); v != [3]string{"Anna", "Dup", "ANN@example.com"} {
		t.Errorf("Quick Add fields with the duplicate warning = %q, want what was typed", v)
	}
	if txt := value(b, "duplicate warning", chromedp.Text(chromedp.ID("qa-duplicate"))); !strings.Contains(txt, "Ann Other") {
		t.Errorf("duplicate warning = %q, want it to name Ann Other", txt)
	}
	if n := len(eval[[]string](b, "rows", rowNames)); n != 2 {
		t.Errorf("the duplicate was added before Add anyway: %d rows", n)
	}
	b.shot("04-quick-add-duplicate")
	b.do("add anyway", chromedp.Click(chromedp.ID("qa-force")))
	b.waitFor("row for Anna appears", rowNames+`.includes("Anna Dup")`)
	b.waitFor("duplicate warning gone", `!document.getElementById("qa-duplicate")`)

	quickAdd("quick add Bob", "Bob", "Builder", "bob@example.com")
	b.waitFor("row for Bob appears", rowNames+`.includes("Bob Builder")`)
	quickAdd("quick add Carla", "Carla", "Diaz", "")
	b.waitFor("row for Carla appears", rowNames+`.includes("Carla Diaz")`)
	if !eval[bool](b, "marker", markerKept) {
		t.Fatal("the page reloaded during Quick Add (window marker lost)")
	}
	if txt := value(b, "count", chromedp.Text(chromedp.ID("contact-count"))); txt != "5 contacts" {
		t.Errorf("count after five Quick Adds = %q, want %q", txt, "5 contacts")
	}
	b.shot("05-contacts")

	// Type-ahead filter: the list narrows and the URL keeps the filter.
	b.do("type zo into the filter", chromedp.SendKeys(chromedp.ID("filter-q"), "zo"))
	b.waitFor("list narrows to Zoë", rowNames+`.join("|") === "Zoë Quinlan" && location.search.includes("q=zo")`)
	if !eval[bool](b, "marker", markerKept) {
		t.Fatal("the page reloaded on filtering (window marker lost)")
	}
	if txt := value(b, "count", chromedp.Text(chromedp.ID("contact-count"))); txt != "1 contact" {
		t.Errorf("count with the filter = %q, want %q", txt, "1 contact")
	}
	if focused := eval[string](b, "focus", activeID); focused != "INPUT#filter-q" {
		t.Errorf("focus after filtering is on %q, want the filter box", focused)
	}
	b.shot("06-filtered")

	// Inline edit: Save.
	id := eval[string](b, "row id", `document.querySelector("#contact-rows tr.row").id.replace("contact-", "")`)
	row := "#contact-" + id
	first := "edit-" + id + "-first_name"
	b.do("edit the row", chromedp.Click(chromedp.CSS(row+" .edit-btn")), chromedp.WaitVisible(chromedp.ID(first)))
	// htmx settles the class a moment after the swap (the old row had the same id).
	b.waitFor("row has class editing", `document.querySelector("tr.editing`+row+`") !== null`)
	if v := value(b, "first name input", chromedp.Value(chromedp.ID(first))); v != "Zoë" {
		t.Errorf("edit row first name = %q, want Zoë", v)
	}
	if !b.poll(`document.activeElement && document.activeElement.id === "`+first+`"`, 2*time.Second) {
		t.Errorf("focus after Edit is on %q, want the first name input (embed/static/app.js focuses it on htmx:afterSwap)",
			eval[string](b, "focus", activeID))
	}
	b.shot("07-edit-row")
	b.do("change the first name and save",
		chromedp.Clear(chromedp.ID(first)),
		chromedp.SendKeys(chromedp.ID(first), "Zoey"),
		chromedp.Click(chromedp.CSS(row+" .save-btn")),
	)
	b.waitFor("saved row", `(() => { const r = document.querySelector("`+row+`");
		return r && !r.classList.contains("editing") && r.querySelector("td.name").textContent.includes("Zoey Quinlan"); })()`)
	if !eval[bool](b, "marker", markerKept) {
		t.Fatal("the page reloaded on Save (window marker lost)")
	}
	b.shot("08-saved-row")

	// Inline edit: Escape restores the row and drops the change.
	b.do("edit again and press Escape",
		chromedp.Click(chromedp.CSS(row+" .edit-btn")),
		chromedp.WaitVisible(chromedp.ID(first)),
		chromedp.SendKeys(chromedp.ID(first), "Nope"),
		chromedp.SendKeys(chromedp.ID(first), kb.Escape),
	)
	b.waitFor("row restored", `(() => { const r = document.querySelector("`+row+`");
		return r && !r.classList.contains("editing") && r.querySelector("td.name").textContent.trim() === "Zoey Quinlan"; })()`)
	if !b.poll(`document.activeElement && document.activeElement.matches("`+row+` .edit-btn")`, 2*time.Second) {
		t.Errorf("focus after Escape is on %q, want the row's Edit button (embed/static/app.js gives it back on htmx:afterSwap)",
			eval[string](b, "focus", activeID))
	}

	// Reload: the filter is still there (from the URL) and the change persisted.
	b.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("contact-rows")))
	if eval[bool](b, "marker", markerKept) {
		t.Error("the window marker survived a reload; the reload did not happen")
	}
	if loc := value(b, "location", chromedp.Location()); !strings.Contains(loc, "q=zo") {
		t.Errorf("after reload the URL is %s, want q=zo", loc)
	}
	if v := value(b, "filter value", chromedp.Value(chromedp.ID("filter-q"))); v != "zo" {
		t.Errorf("after reload the filter box has %q, want zo", v)
	}
	if names := eval[[]string](b, "rows", rowNames); fmt.Sprint(names) != "[Zoey Quinlan]" {
		t.Errorf("after reload the list is %q, want [Zoey Quinlan]", names)
	}

	// Log out, then log in again; the login returns to the page that asked for it.
	b.do("log out",
		chromedp.Click(chromedp.CSS(`.topbar form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("login-form")),
	)
	if txt := value(b, "notice", chromedp.Text(chromedp.ID("main"))); !strings.Contains(txt, "You are logged out.") {
		t.Errorf("login page after logout says %q, want the logout notice", txt)
	}
	b.do("open contacts while logged out", chromedp.Navigate(srv.URL+"/contacts?q=bob"), chromedp.WaitVisible(chromedp.ID("login-form")))
	if loc := value(b, "location", chromedp.Location()); !strings.Contains(loc, "/login?next=") {
		t.Errorf("contacts while logged out went to %s, want /login?next=…", loc)
	}
	b.do("wrong password",
		chromedp.SendKeys(chromedp.ID("f-email"), adminEmail),
		chromedp.SendKeys(chromedp.ID("f-password"), "wrong password!"),
		chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#main .alert-error`)),
	)
	if v := value(b, "email kept", chromedp.Value(chromedp.ID("f-email"))); v != adminEmail {
		t.Errorf("after a wrong password the email box has %q, want %q", v, adminEmail)
	}
	b.shot("09-login-error")
	b.do("log in",
		chromedp.SendKeys(chromedp.ID("f-password"), adminPass),
		chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("quick-add")),
	)
	if loc := value(b, "location", chromedp.Location()); !strings.Contains(loc, "/contacts?q=bob") {
		t.Errorf("after login the browser is on %s, want /contacts?q=bob", loc)
	}
	if names := eval[[]string](b, "rows", rowNames); fmt.Sprint(names) != "[Bob Builder]" {
		t.Errorf("after login the list is %q, want [Bob Builder]", names)
	}

	// A realistic list for the screenshot: seed through the CLI while the server runs.
	mustCLI(t, nil, "seed", "--data", data, "--owner", adminEmail, "--n", "120")
	b.do("open the full list", chromedp.Navigate(srv.URL+"/contacts"), chromedp.WaitVisible(chromedp.ID("page-next")))
	if txt := value(b, "count", chromedp.Text(chromedp.ID("contact-count"))); txt != "125 contacts" {
		t.Errorf("count after seeding = %q, want %q", txt, "125 contacts")
	}
	if n := len(eval[[]string](b, "rows", rowNames)); n != 50 {
		t.Errorf("first page has %d rows, want 50", n)
	}
	b.shot("10-contacts-seeded")
	b.do("next page", chromedp.Click(chromedp.ID("page-next")), chromedp.WaitVisible(chromedp.ID("page-prev")))
	b.waitFor("page 2 in the URL", `location.search.includes("page=2")`)
	if txt := value(b, "range", chromedp.Text(chromedp.CSS("#contact-list .range"))); txt != "Showing 51–100" {
		t.Errorf("page 2 range = %q, want %q", txt, "Showing 51–100")
	}

	// Add Contact: two emails (the second with Notify), two phones and an address, rows added
	// and removed without a reload, then the second email made the primary.
	b.do("open Add Contact", chromedp.Click(chromedp.ID("add-contact")), chromedp.WaitVisible(chromedp.ID("contact-form")))
	b.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__formMarker = 1`))
	email := func(i int) string { return fmt.Sprintf(`#email-rows .email-row:nth-child(%d)`, i) }
	b.do("fill names and the first email",
		chromedp.SendKeys(chromedp.ID("f-first_name"), "Dana"),
		chromedp.SendKeys(chromedp.ID("f-last_name"), "Scully"),
		chromedp.SendKeys(chromedp.CSS(email(1)+` input[type=email]`), "dana@fbi.test"),
		chromedp.Click(chromedp.ID("add-email")),
	)
	// A new row takes the focus once htmx has settled it; type only then.
	b.waitFor("a second email row with the focus", `document.querySelectorAll("#email-rows .email-row").length === 2 &&
		document.querySelectorAll("#email-rows .email-row")[1].contains(document.activeElement)`)
	b.do("fill the second email with Notify",
		chromedp.SendKeys(chromedp.CSS(email(2)+` input[type=email]`), "dana.home@example.com"),
		chromedp.Click(chromedp.CSS(email(2)+` input[type=checkbox]`)),
		chromedp.Click(chromedp.ID("add-email")),
	)
	b.waitFor("a third email row with the focus", `document.querySelectorAll("#email-rows .email-row").length === 3 &&
		document.querySelectorAll("#email-rows .email-row")[2].contains(document.activeElement)`)
	b.do("remove the third email row", chromedp.Click(chromedp.CSS(email(3)+` .row-remove`)))
	b.waitFor("two email rows again", `document.querySelectorAll("#email-rows .email-row").length === 2`)
	b.do("two phones and an address",
		chromedp.SendKeys(chromedp.CSS(`#phone-rows .multi-row:nth-child(1) input[type=tel]`), "(202) 555-0101"),
		chromedp.Click(chromedp.ID("add-phone")),
	)
	b.waitFor("a second phone row with the focus", `document.querySelectorAll("#phone-rows .multi-row").length === 2 &&
		document.querySelectorAll("#phone-rows .multi-row")[1].contains(document.activeElement)`)
	b.do("fill the second phone and add an address",
		chromedp.SendKeys(chromedp.CSS(`#phone-rows .multi-row:nth-child(2) input[type=tel]`), "202-555-0199"),
		chromedp.Click(chromedp.ID("add-address")),
	)
	b.waitFor("an address row with the focus on its street", `document.querySelectorAll("#address-rows .multi-row").length === 1 &&
		document.activeElement && document.activeElement.name && document.activeElement.name.startsWith("address_street_")`)
	b.do("fill the address", chromedp.SendKeys(chromedp.CSS(`#address-rows input[name^=address_city_]`), "Annapolis"))
	if !eval[bool](b, "form marker", `window.__formMarker === 1`) {
		t.Fatal("adding rows reloaded the page")
	}
	b.shot("11-add-contact")
	if got := eval[string](b, "city", `document.querySelector("#address-rows input[name^=address_city_]").value`); got != "Annapolis" {
		t.Errorf("city field holds %q", got)
	}
	b.do("save", chromedp.Submit(chromedp.ID("save-contact")), chromedp.WaitVisible(chromedp.CSS(".alert-success")))
	if got := eval[string](b, "saved city", `document.querySelector("#address-rows input[name^=address_city_]").value`); got != "Annapolis" {
		t.Errorf("saved city = %q", got)
	}
	if got := eval[[]string](b, "saved emails", `[...document.querySelectorAll("#email-rows input[type=email]")].map(e => e.value)`); strings.Join(got, ",") != "dana@fbi.test,dana.home@example.com" {
		t.Errorf("saved emails = %q", got)
	}
	if !eval[bool](b, "notify kept", `document.querySelectorAll("#email-rows .email-row")[1].querySelector("input[type=checkbox]").checked`) {
		t.Error("the second email's Notify was not saved")
	}
	if n := eval[int](b, "phones", `document.querySelectorAll("#phone-rows .multi-row").length`); n != 2 {
		t.Errorf("saved phones = %d, want 2", n)
	}
	b.do("make the second email the primary and save",
		chromedp.Click(chromedp.CSS(email(2)+` .make-primary`)),
	)
	b.waitFor("the second email moved first", `document.querySelector("#email-rows input[type=email]").value === "dana.home@example.com"`)
	b.do("save again",
		chromedp.Evaluate[chromedp.Void](`document.querySelector(".alert-success").remove()`), // wait for the new page's
		chromedp.Submit(chromedp.ID("save-contact")),
		chromedp.WaitVisible(chromedp.CSS(".alert-success")),
	)
	if got := eval[string](b, "primary", `document.querySelector("#email-rows input[type=email]").value`); got != "dana.home@example.com" {
		t.Errorf("primary after Make primary = %q", got)
	}

	// Groups: create one in Edit Group List, put the contact in it, take it out with the X.
	contactURL := eval[string](b, "contact URL", `location.pathname`)
	b.do("open Edit Group List", chromedp.Navigate(srv.URL+"/groups"), chromedp.WaitVisible(chromedp.ID("new-group")))
	b.do("add the group Hot Leads", // (the seeded contacts brought Buyers, Sellers, …)
		chromedp.SendKeys(chromedp.ID("new-group"), "Hot Leads"),
		chromedp.Submit(chromedp.ID("new-group")),
		chromedp.WaitVisible(chromedp.CSS(".alert-success")),
	)
	b.do("back to the contact", chromedp.Navigate(srv.URL+contactURL), chromedp.WaitVisible(chromedp.ID("groups-add")))
	b.do("pick Hot Leads and Save Changes",
		chromedp.Click(chromedp.ID("groups-add")),
		chromedp.WaitVisible(chromedp.ID("groups-save")),
		chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll("#contact-groups .field.checkbox")].find(f => f.textContent.includes("Hot Leads")).querySelector("input").click()`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(".alert-success") && document.querySelector(".alert-success").remove()`),
		chromedp.Submit(chromedp.ID("groups-save")),
		chromedp.WaitVisible(chromedp.CSS(".alert-success")),
	)
	if got := eval[string](b, "chips", `[...document.querySelectorAll("#contact-groups .chip")].map(c => c.textContent).join(",")`); got != "Hot Leads" {
		t.Errorf("groups after Save Changes = %q, want Hot Leads", got)
	}
	b.do("remove the group with its X",
		chromedp.Evaluate[chromedp.Void](`document.querySelector(".alert-success").remove()`),
		chromedp.Click(chromedp.CSS("#contact-groups .link-x")),
		chromedp.WaitVisible(chromedp.CSS(".alert-success")),
	)
	if n := eval[int](b, "chips", `document.querySelectorAll("#contact-groups .chip").length`); n != 0 {
		t.Errorf("%d groups left after the X", n)
	}

	// Deactivate, then find the contact under Inactive only.
	b.do("deactivate",
		chromedp.Evaluate[chromedp.Void](`document.querySelector(".alert-success").remove()`),
		chromedp.Click(chromedp.ID("deactivate")),
		chromedp.WaitVisible(chromedp.ID("reactivate")),
	)
	b.do("list inactive contacts", chromedp.Navigate(srv.URL+"/contacts?status=inactive"), chromedp.WaitVisible(chromedp.ID("contact-rows")))
	if got := eval[[]string](b, "inactive rows", rowNames); strings.Join(got, ",") != "Dana Scully" {
		t.Errorf("inactive list = %q, want Dana Scully", got)
	}

	// Select three contacts (shift-click for the range), remove them with one confirmation, undo.
	b.do("open the list", chromedp.Navigate(srv.URL+"/contacts"), chromedp.WaitVisible(chromedp.ID("remove-selected")))
	before := eval[[]string](b, "rows before", rowNames)
	b.do("select the first three rows",
		chromedp.Click(chromedp.CSS("#contact-rows tr:nth-child(1) .row-select")),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#contact-rows tr:nth-child(3) .row-select").dispatchEvent(new MouseEvent("click", {bubbles: true, shiftKey: true}))`),
	)
	if n := eval[int](b, "selected", `document.querySelectorAll("#contact-rows .row-select:checked").length`); n != 3 {
		t.Fatalf("shift-click selected %d rows, want 3", n)
	}
	b.do("Remove selected", chromedp.Click(chromedp.ID("remove-selected")), chromedp.WaitVisible(chromedp.ID("confirm-remove-many")))
	if got := value(b, "confirmation", chromedp.Text(chromedp.CSS("h1"))); got != "Remove 3 contacts?" {
		t.Errorf("confirmation = %q", got)
	}
	b.do("confirm", chromedp.Click(chromedp.ID("confirm-remove-many")), chromedp.WaitVisible(chromedp.ID("undo-notice")))
	after := eval[[]string](b, "rows after", rowNames)
	for _, name := range before[:3] {
		if slices.Contains(after, name) {
			t.Errorf("%s is still listed after the removal", name)
		}
	}
	b.shot("12-removed-with-undo")
	b.do("undo", chromedp.Click(chromedp.ID("undo-remove")), chromedp.WaitVisible(chromedp.CSS(".alert-success")))
	if got := eval[[]string](b, "rows after undo", rowNames); !slices.Equal(got[:3], before[:3]) {
		t.Errorf("after Undo the list starts %q, want %q", got[:3], before[:3])
	}
}
