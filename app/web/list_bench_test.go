package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"agentbook/views"
)

// BenchmarkContactListPage serves the htmx list fragment of 50 rows with every column selected,
// in process (no network), and reports the time and allocations per request:
//
//	go test -run '^$' -bench ContactListPage -benchmem ./app/web/
func BenchmarkContactListPage(b *testing.B) {
	h := newHarness(b)
	u := h.agent(b, "Load Agent", "load@example.com", false)
	if _, err := h.contacts.Seed(context.Background(), u.ID, 500); err != nil {
		b.Fatal(err)
	}
	br := h.loggedIn(b, "load@example.com")
	form := url.Values{}
	for _, c := range views.AllColumns() {
		form.Add("column", c.Key)
	}
	br.post(b, "/contacts/columns", form)
	req := httptest.NewRequest(http.MethodGet, "/contacts?q=", nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "contact-list")
	u0, _ := url.Parse(h.srv.URL)
	for _, c := range br.jar.Cookies(u0) {
		req.AddCookie(c)
	}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.echo.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
