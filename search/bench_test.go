package search_test

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/search"
)

// BenchmarkIndexBulk indexes 100,000 seeded contacts into an on-disk index in batches of 1,250
// (an import's batches, in halves) and waits until the index is on disk, then until its merges
// are over; it prints contacts per second and the CPU time the process used for it all (steadier
// than the time on this shared machine).
func BenchmarkIndexBulk(b *testing.B) {
	const n, batch = 100000, 1250
	cs := app.SeedContacts(app.NewID(), n, []string{app.NewID(), app.NewID()}, 1, time.Now())
	ctx := context.Background()
	for b.Loop() {
		dir := b.TempDir()
		ix, _, err := search.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		start, cpu0 := time.Now(), cpuTime()
		for i := 0; i < n; i += batch {
			if err := ix.Index(ctx, cs[i:min(i+batch, n)]); err != nil {
				b.Fatal(err)
			}
		}
		if err := ix.WaitDurable(ctx); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		if err := ix.WaitMerged(ctx); err != nil {
			b.Fatal(err)
		}
		cpu := cpuTime() - cpu0
		segs, _ := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
		fmt.Printf("%d segment files\n", len(segs))
		fmt.Printf("indexed %d contacts in %.2f s (%.0f contacts/s); %.1f CPU-seconds with the merges after it\n", n, took.Seconds(), n/took.Seconds(), cpu.Seconds())
		ix.Close()
	}
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
