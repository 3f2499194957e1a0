package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/search"
	"agentbook/store"
)

// BenchmarkBulkPortalInvite runs Create Portal Accounts with Invite over 10,000 seeded contacts
// (N overrides) on an on-disk store and index, the server's engines without HTTP, and reports
// accounts per second. No sender runs: the invitations stay queued in the outbox. The target is
// 10,000 accounts with invitations in under 60 s.
func BenchmarkBulkPortalInvite(b *testing.B) {
	n := 10000
	if v, _ := strconv.Atoi(os.Getenv("N")); v > 0 {
		n = v
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		st, err := store.Open(store.Options{Dir: filepath.Join(dir, "db"), Terms: search.Terms})
		if err != nil {
			b.Fatal(err)
		}
		idx, _, err := search.Open(filepath.Join(dir, "index"))
		if err != nil {
			b.Fatal(err)
		}
		ixr := app.NewIndexer(st, idx, nil)
		ixr.Start()
		contacts := &app.ContactService{Store: st, Index: idx, Indexer: ixr, Now: time.Now}
		agent := &app.User{ID: app.NewID(), Name: "Bench Agent", Email: "agent@example.com", Phone: "555-0100"}
		if got, err := contacts.Seed(ctx, agent.ID, n); err != nil || got != n {
			b.Fatalf("seed: %d, %v", got, err)
		}
		outbox := &app.Outbox{Store: st}
		portal := &app.PortalService{Store: st, Contacts: contacts, Outbox: outbox, Now: time.Now, BaseURL: "http://agentbook.test"}
		b.StartTimer()

		start := time.Now()
		r, err := portal.RunBulk(ctx, agent, true)
		took := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		queued, err := st.CountQueuedMail(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if r.Created+len(r.Skipped) != n || r.Invited != r.Created || queued != r.Invited {
			b.Fatalf("created %d, invited %d, skipped %d, queued %d of %d", r.Created, r.Invited, len(r.Skipped), queued, n)
		}
		b.ReportMetric(float64(r.Created)/took.Seconds(), "accounts/s")
		fmt.Printf("create portal accounts with invite: %d contacts, %d accounts, %d skipped, %.2f s (%.0f accounts/s)\n",
			n, r.Created, len(r.Skipped), took.Seconds(), float64(r.Created)/took.Seconds())
		ixr.Close()
		idx.Close()
		st.Close()
		b.StartTimer()
	}
}
