package app_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/search"
	"agentbook/store"
	"agentbook/views"
)

// BenchmarkReportRebuild builds the Contact Summary of one agent with 100,000 contacts and
// 1,000,000 activity events (N and EVENTS override), written straight through the store in big
// batches on an on-disk store, and prints: the full build, an incremental build after 1,000 new
// events, and the report page (query and render, sorted and filtered various ways) p50/p99.
// Targets: full < 30 s, incremental < 1 s, page p99 ≤ 50 ms.
func BenchmarkReportRebuild(b *testing.B) {
	n, events := 100000, 1000000
	if v, _ := strconv.Atoi(os.Getenv("N")); v > 0 {
		n = v
	}
	if v, _ := strconv.Atoi(os.Getenv("EVENTS")); v > 0 {
		events = v
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, err := store.Open(store.Options{Dir: filepath.Join(b.TempDir(), "db"), Terms: search.Terms, NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		owner := app.NewID()
		now := time.Now().UTC()
		setup := time.Now()
		ids := make([]string, n)
		cs := make([]*app.Contact, 0, 5000)
		for j := range n {
			c := &app.Contact{ID: app.NewID(), OwnerID: owner, FirstName: "First" + strconv.Itoa(j), LastName: "Last" + strconv.Itoa(j%977),
				Status: app.StatusActive, Version: 1, CreatedAt: now, UpdatedAt: now}
			ids[j] = c.ID
			if cs = append(cs, c); len(cs) == cap(cs) || j == n-1 {
				if err := st.CreateContacts(ctx, cs); err != nil {
					b.Fatal(err)
				}
				cs = cs[:0]
			}
		}
		kinds := []string{app.ActivityPortalLogin, app.ActivityMessageIn, app.ActivityMessageOut, app.ActivityDetailsChanged}
		batch := make([]*app.ActivityEvent, 0, 2000)
		for j := range events {
			batch = append(batch, &app.ActivityEvent{OwnerID: owner, ContactID: ids[(j*7919)%n], Kind: kinds[j%len(kinds)],
				At: now.Add(-time.Duration(j%(120*24)) * time.Hour)})
			if len(batch) == cap(batch) || j == events-1 {
				if err := st.AddActivity(ctx, batch...); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		mail := make([]*app.OutMessage, 0, 1000)
		for j := range n / 5 { // 20,000 emails sent, every fifth contact
			mail = append(mail, &app.OutMessage{ID: app.NewID(), OwnerID: owner, ContactID: ids[j*5], Kind: app.MailToContact,
				Status: app.MailSent, Subject: "Hello", SentAt: now.Add(-time.Duration(j%2000) * time.Hour), CreatedAt: now})
			if len(mail) == cap(mail) {
				if err := st.EnqueueMail(ctx, mail); err != nil {
					b.Fatal(err)
				}
				mail = mail[:0]
			}
		}
		b.Logf("setup: %d contacts, %d events, %d emails written in %s", n, events, n/5, time.Since(setup).Round(time.Millisecond))
		svc := &app.ReportService{Store: st, Users: st, Now: time.Now}
		b.StartTimer()

		start := time.Now()
		r, err := svc.Rebuild(ctx, owner, false)
		full := time.Since(start)
		if err != nil || !r.Full || r.Contacts != n {
			b.Fatalf("full build: %+v, %v", r, err)
		}

		b.StopTimer()
		batch = batch[:0]
		for j := range 1000 {
			batch = append(batch, &app.ActivityEvent{OwnerID: owner, ContactID: ids[(j*104729)%n], Kind: app.ActivityPortalLogin, At: time.Now()})
		}
		if err := st.AddActivity(ctx, batch...); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start = time.Now()
		r, err = svc.Rebuild(ctx, owner, false)
		inc := time.Since(start)
		if err != nil || r.Full || r.Contacts == 0 {
			b.Fatalf("incremental build: %+v, %v", r, err)
		}
		incN := r.Contacts

		// A server restarted: the first page loads the stored snapshot.
		cold := &app.ReportService{Store: st, Users: st, Now: time.Now}
		start = time.Now()
		if _, err := cold.Page(ctx, app.ReportQuery{OwnerID: owner}); err != nil {
			b.Fatal(err)
		}
		coldLoad := time.Since(start)

		queries := []app.ReportQuery{
			{OwnerID: owner},
			{OwnerID: owner, Sort: "last_activity_at", Desc: true},
			{OwnerID: owner, Sort: "emails_sent", Desc: true, Offset: 500},
			{OwnerID: owner, Text: "last12"},
			{OwnerID: owner, Sort: "portal_logins", Status: app.StatusActive},
			{OwnerID: owner, Sort: "messages_from_contact", Desc: true, Text: "first9"},
		}
		var times []time.Duration
		for k := range 600 {
			q := queries[k%len(queries)]
			start := time.Now()
			p, err := svc.Page(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			if err := views.ReportPage(views.ReportProps{Report: p}).Render(io.Discard); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(start))
		}
		slices.Sort(times)
		p50, p99 := times[len(times)/2], times[len(times)*99/100]
		b.StopTimer()
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(full.Seconds(), "full-s")
		b.ReportMetric(inc.Seconds(), "incremental-s")
		b.ReportMetric(float64(p99.Microseconds())/1000, "page-p99-ms")
		b.Logf("full build of %d contacts / %d events: %s (target < 30 s)", n, events, full.Round(time.Millisecond))
		b.Logf("incremental build after 1,000 events (%d contacts): %s (target < 1 s)", incN, inc.Round(time.Millisecond))
		b.Logf("first page after a restart (loads the snapshot): %s", coldLoad.Round(time.Millisecond))
		b.Logf("report page (query + render), %d requests over %d sorts/filters: p50 %s, p99 %s, max %s (target p99 ≤ 50 ms)",
			len(times), len(queries), p50.Round(time.Microsecond), p99.Round(time.Microsecond), times[len(times)-1].Round(time.Microsecond))
	}
}
