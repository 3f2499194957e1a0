package search_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/search"
)

// TestPauseMergesHoldsMergesUntilResumed: while paused, every batch's segment reaches the disk as
// its own file and is searchable; once resumed, the merges bring the files down; an index closed
// while paused closes.
func TestPauseMergesHoldsMergesUntilResumed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ix, _, err := search.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := func() int {
		segs, _ := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
		return len(segs)
	}
	owner := app.NewID()
	cs := app.SeedContacts(owner, 600, nil, 1, time.Now())
	index := func(cs []*app.Contact) {
		for i := 0; i < len(cs); i += 20 {
			if err := ix.Index(ctx, cs[i:i+20]); err != nil {
				t.Fatal(err)
			}
			time.Sleep(40 * time.Millisecond) // as a bulk write's batches arrive
		}
		if err := ix.WaitDurable(ctx); err != nil {
			t.Fatal(err)
		}
	}
	resume := ix.PauseMerges()
	index(cs[:300])
	time.Sleep(300 * time.Millisecond)
	paused := files()
	if n := ix.Segments(); n < paused {
		t.Errorf("paused: the index counts %d segments, %d files", n, paused)
	}
	if paused < 5 {
		t.Errorf("paused: %d segment files for 15 batches; want most batches' own", paused)
	}
	if n, err := ix.CountMatches(ctx, app.ContactQuery{OwnerID: owner, Status: app.StatusActive}); err != nil || n != 300 {
		t.Errorf("paused: %d contacts found, %v; want 300", n, err)
	}
	resume()
	resume() // a second call changes nothing
	if err := ix.WaitMerged(ctx); err != nil {
		t.Fatal(err)
	}
	if merged := files(); merged >= paused {
		t.Errorf("resumed: %d segment files, %d while paused; want them merged", merged, paused)
	}
	ix.PauseMerges()
	index(cs[300:])
	closed := make(chan error, 1)
	go func() { closed <- ix.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("an index closed while its merges are paused did not close")
	}
}
