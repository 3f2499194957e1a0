package search_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/search"
)

// BenchmarkIndexBulk indexes 50,000 seeded contacts into an on-disk index in batches of 1,250
// (an import's batches, in halves) and waits until the index is on disk, merges included; it
// prints contacts per second.
func BenchmarkIndexBulk(b *testing.B) {
	const n, batch = 50000, 1250
	cs := app.SeedContacts(app.NewID(), n, []string{app.NewID(), app.NewID()}, 1, time.Now())
	ctx := context.Background()
	for b.Loop() {
		ix, _, err := search.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for i := 0; i < n; i += batch {
			if err := ix.Index(ctx, cs[i:min(i+batch, n)]); err != nil {
				b.Fatal(err)
			}
		}
		if err := ix.WaitDurable(ctx); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		fmt.Printf("indexed %d contacts in %.2f s (%.0f contacts/s)\n", n, took.Seconds(), n/took.Seconds())
		ix.Close()
	}
}
