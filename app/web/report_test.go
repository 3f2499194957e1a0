package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"agentbook/app"

	"github.com/PuerkitoBio/goquery"
)

// reportOffice is two agents, the first with three contacts and some activity.
type reportOffice struct {
	h          *harness
	ann, bob   *app.User
	c1, c2, c3 *app.Contact
	other      *app.Contact // bob's
}

func newReportOffice(t *testing.T) *reportOffice {
	t.Helper()
	h := newHarness(t)
	o := &reportOffice{h: h}
	o.ann = h.agent(t, "Ann Agent", "ann@example.com", true)
	o.bob = h.agent(t, "Bob Agent", "bob@example.com", false)
	o.c1 = h.contact(t, o.ann, "Alice", "Able", "alice@example.com")
	o.c2 = h.contact(t, o.ann, "Carl", "Cole", "carl@example.com")
	o.c3 = h.contact(t, o.ann, "Dora", "Dunn", "dora@example.com")
	o.other = h.contact(t, o.bob, "Zed", "Secret", "zed@example.com")
	ctx, now := context.Background(), time.Now().UTC()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.store.AddActivity(ctx,
		&app.ActivityEvent{OwnerID: o.ann.ID, ContactID: o.c2.ID, Kind: app.ActivityPortalLogin, At: now},
		&app.ActivityEvent{OwnerID: o.ann.ID, ContactID: o.c2.ID, Kind: app.ActivityPortalLogin, At: now.AddDate(0, 0, -14)},
		&app.ActivityEvent{OwnerID: o.bob.ID, ContactID: o.other.ID, Kind: app.ActivityPortalLogin, At: now}))
	must(h.store.EnqueueMail(ctx, []*app.OutMessage{
		{ID: app.NewID(), OwnerID: o.ann.ID, ContactID: o.c3.ID, Status: app.MailSent, SentAt: now, CreatedAt: now},
		{ID: app.NewID(), OwnerID: o.ann.ID, ContactID: o.c3.ID, Status: app.MailSent, SentAt: now, CreatedAt: now},
		{ID: app.NewID(), OwnerID: o.ann.ID, ContactID: o.c1.ID, Status: app.MailBounced, CreatedAt: now},
	}))
	must(h.store.AddPortalMessage(ctx, &app.PortalMessage{OwnerID: o.ann.ID, ContactID: o.c1.ID, FromContact: true, Text: "Hello", CreatedAt: now}))
	return o
}

func TestContactSummaryPage(t *testing.T) {
	o := newReportOffice(t)
	b := o.h.loggedIn(t, "ann@example.com")

	p := b.get(t, "/reports/contact-summary")
	p.wantStatus(http.StatusOK)
	if !strings.Contains(p.text("#report-as-of"), "not been built") {
		t.Errorf("before any build the page says %q", p.text("#report-as-of"))
	}
	if p.find(`nav[aria-label="Main"] a[href="/reports/contact-summary"]`).Length() != 1 {
		t.Errorf("the main navigation has no Contact Summary link")
	}

	t.Run("Refresh now builds the report and shows it", func(t *testing.T) {
		p := b.post(t, "/reports/contact-summary/refresh", url.Values{})
		p.wantRedirect("/reports/contact-summary?refreshed=1")
		p = b.get(t, "/reports/contact-summary?refreshed=1")
		if got := p.find("#report tbody tr").Length(); got != 3 {
			t.Fatalf("rows = %d, want ann's 3", got)
		}
		if strings.Contains(p.body, "Secret") || strings.Contains(p.body, o.other.ID) {
			t.Errorf("ann's report shows bob's contact")
		}
		if !strings.HasPrefix(p.text("#report-as-of"), "As of") {
			t.Errorf("as of = %q", p.text("#report-as-of"))
		}
		if got := p.text("#report-" + o.c3.ID + ` td[data-col="emails_sent"]`); got != "2" {
			t.Errorf("Dora's emails sent = %q, want 2", got)
		}
		if got := p.text("#report-" + o.c2.ID + ` td[data-col="portal_logins"]`); got != "0" {
			t.Errorf("Carl's logins (no account) = %q, want 0", got)
		}
		if got := p.text(`#report-totals td[data-col="emails_sent"]`); got != "2" {
			t.Errorf("total emails sent = %q, want 2", got)
		}
		if got := p.text(`#report-totals td[data-col="emails_bounced"]`); got != "1" {
			t.Errorf("total bounced = %q, want 1", got)
		}
		if got := p.text(`#report-totals td[data-col="unread_messages"]`); got != "1" {
			t.Errorf("total unread = %q, want 1", got)
		}
	})

	t.Run("the chart is an SVG with a title, a description and 12 bars", func(t *testing.T) {
		p := b.get(t, "/reports/contact-summary")
		if p.find("#activity-chart svg title#chart-title").Length() != 1 || p.find("#activity-chart svg desc").Length() != 1 {
			t.Fatalf("no chart title/desc")
		}
		if got := p.find("#activity-chart rect.bar").Length(); got != 12 {
			t.Errorf("bars = %d, want 12", got)
		}
		// 2 logins and 2 emails sent by ann's contacts; bob's login is not hers.
		if title := p.text("#chart-title"); !strings.Contains(title, ": 4 in all") {
			t.Errorf("chart title = %q, want 4 in all", title)
		}
	})

	t.Run("sorting by a column orders the rows", func(t *testing.T) {
		p := b.get(t, "/reports/contact-summary?sort=-emails_sent")
		ids := p.find("#report tbody tr").Map(func(_ int, s *goquery.Selection) string { v, _ := s.Attr("data-contact"); return v })
		if len(ids) != 3 || ids[0] != o.c3.ID {
			t.Errorf("rows by emails sent, most first = %v, want Dora first", ids)
		}
		if p.find(`th[aria-sort="descending"]`).Length() != 1 {
			t.Errorf("the sorted column is not marked")
		}
		p = b.get(t, "/reports/contact-summary?sort=name")
		if got := p.text("#report tbody tr:first-child td.name a"); got != "Alice Able" {
			t.Errorf("first by name = %q", got)
		}
	})

	t.Run("filtering by name keeps the matching rows and their totals", func(t *testing.T) {
		p := b.get(t, "/reports/contact-summary?q=dora")
		if got := p.find("#report tbody tr").Length(); got != 1 {
			t.Errorf("rows = %d, want 1", got)
		}
		if got := p.text(`#report-totals td[data-col="emails_bounced"]`); got != "0" {
			t.Errorf("total bounced for Dora only = %q", got)
		}
		p = b.get(t, "/reports/contact-summary?status=inactive")
		if got := p.find("#report tbody tr.row, #report tbody tr[data-contact]").Length(); got != 0 {
			t.Errorf("inactive rows = %d, want 0", got)
		}
	})

	t.Run("the CSV has a header, ann's rows and a totals row", func(t *testing.T) {
		p := b.get(t, "/reports/contact-summary.csv?sort=-emails_sent")
		p.wantStatus(http.StatusOK)
		if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("Content-Type = %q", ct)
		}
		recs, err := csv.NewReader(strings.NewReader(p.body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 5 || recs[0][0] != "contact_id" || recs[1][0] != o.c3.ID || recs[4][1] != "Total" || recs[4][9] != "2" {
			t.Errorf("CSV = %v", recs)
		}
		if strings.Contains(p.body, "Secret") {
			t.Errorf("ann's CSV has bob's contact")
		}
	})

	t.Run("new activity shows after Refresh now", func(t *testing.T) {
		if err := o.h.store.AddActivity(context.Background(), &app.ActivityEvent{OwnerID: o.ann.ID, ContactID: o.c1.ID, Kind: app.ActivityMessageIn, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
		b.post(t, "/reports/contact-summary/refresh", url.Values{})
		p := b.get(t, "/reports/contact-summary")
		if title := p.text("#chart-title"); !strings.Contains(title, ": 5 in all") {
			t.Errorf("chart title after a new event = %q", title)
		}
	})

	t.Run("another agent sees only their own contacts", func(t *testing.T) {
		bb := o.h.loggedIn(t, "bob@example.com")
		bb.post(t, "/reports/contact-summary/refresh", url.Values{})
		p := bb.get(t, "/reports/contact-summary")
		if got := p.find("#report tbody tr[data-contact]").Length(); got != 1 || strings.Contains(p.body, "Alice") {
			t.Errorf("bob's report has %d rows: %s", got, p.text("#report tbody"))
		}
	})
}

func TestContactSummaryAPI(t *testing.T) {
	o := newReportOffice(t)
	tok := o.h.token(t, "ann@example.com")
	r := o.h.api(t, tok, "POST", "/api/v1/reports/contact-summary/refresh", nil)
	if r.status != http.StatusOK {
		t.Fatalf("refresh: %d %s", r.status, r.body)
	}
	var body struct {
		AsOf       *time.Time       `json:"as_of"`
		Items      []map[string]any `json:"items"`
		Total      int              `json:"total"`
		NextCursor string           `json:"next_cursor"`
	}
	r = o.h.api(t, tok, "GET", "/api/v1/reports/contact-summary?limit=2&sort=-emails_sent", nil)
	r.decode(t, &body)
	if body.AsOf == nil || body.Total != 3 || len(body.Items) != 2 || body.NextCursor != "2" {
		t.Fatalf("page 1 = %s", r.body)
	}
	if body.Items[0]["contact_id"] != o.c3.ID || body.Items[0]["emails_sent"] != float64(2) {
		t.Errorf("first item = %v", body.Items[0])
	}
	for _, k := range []string{"name", "portal_logins", "last_login_at", "messages_from_contact", "messages_to_contact", "emails_bounced", "saved_searches", "last_activity_at"} {
		if _, ok := body.Items[0][k]; !ok {
			t.Errorf("item has no %s", k)
		}
	}
	r = o.h.api(t, tok, "GET", "/api/v1/reports/contact-summary?limit=2&sort=-emails_sent&cursor=2", nil)
	r.decode(t, &body)
	if len(body.Items) != 1 || body.NextCursor != "" {
		t.Errorf("page 2 = %s", r.body)
	}
	o.h.api(t, tok, "GET", "/api/v1/reports/contact-summary?sort=bogus", nil).wantError(t, http.StatusUnprocessableEntity, app.EINVALID)
	o.h.api(t, "", "GET", "/api/v1/reports/contact-summary", nil).wantError(t, http.StatusUnauthorized, app.EUNAUTHORIZED)

	// Bob's token sees only bob's contact.
	bt := o.h.token(t, "bob@example.com")
	o.h.api(t, bt, "POST", "/api/v1/reports/contact-summary/refresh", nil)
	r = o.h.api(t, bt, "GET", "/api/v1/reports/contact-summary", nil)
	r.decode(t, &body)
	if len(body.Items) != 1 || body.Items[0]["contact_id"] != o.other.ID {
		t.Errorf("bob's report = %s", r.body)
	}
}

func TestActivityColumnsComeFromTheReport(t *testing.T) {
	o := newReportOffice(t)
	b := o.h.loggedIn(t, "ann@example.com")
	if _, err := o.h.reports.Rebuild(context.Background(), o.ann.ID, false); err != nil {
		t.Fatal(err)
	}
	b.post(t, "/contacts/columns", url.Values{"column": {"name", "portal_logins", "messages", "emails_sent"}})
	p := b.get(t, "/contacts")
	if got := p.text("#contact-" + o.c3.ID + ` td[data-col="emails_sent"]`); got != "2" {
		t.Errorf("Dora's Emails sent cell = %q, want 2", got)
	}
	if got := p.text("#contact-" + o.c1.ID + ` td[data-col="messages"]`); got != "1" {
		t.Errorf("Alice's Messages cell = %q, want 1", got)
	}
	if p.find(`th`).FilterFunction(func(_ int, s *goquery.Selection) bool { return strings.Contains(s.Text(), "Portal logins") }).Length() != 1 {
		t.Errorf("no Portal logins header")
	}
}
