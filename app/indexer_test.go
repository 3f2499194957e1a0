package app_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/store/storetest"
)

// newPerson returns an unsaved contact with a name and an email.
func newPerson(first, last, email string) *app.Contact {
	return &app.Contact{FirstName: first, LastName: last, Emails: []app.Email{{Address: email}}}
}

// findText lists the agent's contacts matching text (any status) and returns their display names.
func findText(t *testing.T, cs *app.ContactService, owner, text string) []string {
	t.Helper()
	l, err := cs.List(context.Background(), app.ContactQuery{OwnerID: owner, Text: text, Status: app.StatusAll, Limit: app.MaxPageSize})
	if err != nil {
		t.Fatalf("List(%q): %v", text, err)
	}
	names := []string{}
	for _, c := range l.Items {
		names = append(names, c.DisplayName())
	}
	return names
}

func TestIndexerSyncOnWrite(t *testing.T) {
	ctx := context.Background()
	cs, _, _, _ := storetest.Services(t)
	owner := app.NewID()
	c, err := cs.Create(ctx, owner, newPerson("José", "García", "jose@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		do   func() error
		text string
		want []string
	}{
		{"a created contact is found by text at once", func() error { return nil }, "jose", []string{"José García"}},
		{"a created contact is found by email at once", func() error { return nil }, "jose@ex", []string{"José García"}},
		{"an edited contact is found by its new name at once", func() error {
			c.LastName = "Ruiz"
			var err error
			c, err = cs.Update(ctx, owner, c)
			return err
		}, "ruiz", []string{"José Ruiz"}},
		{"an edited contact is no longer found by its old name", func() error { return nil }, "garcia", []string{}},
		{"a deleted contact is no longer found", func() error { return cs.Delete(ctx, owner, c.ID) }, "jose", []string{}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if err := s.do(); err != nil {
				t.Fatal(err)
			}
			if got := findText(t, cs, owner, s.text); !slices.Equal(got, s.want) {
				t.Errorf("List(%q) = %q, want %q", s.text, got, s.want)
			}
		})
	}
}

func TestIndexerReconcileAfterCrash(t *testing.T) {
	ctx := context.Background()
	cs, _, st, ix := storetest.Services(t)
	owner := app.NewID()
	var saved []*app.Contact
	for _, p := range [][3]string{{"Ann", "Lee", "ann@example.com"}, {"Bob", "Brown", "bob@example.com"}, {"Cy", "Cole", "cy@example.com"}} {
		c, err := cs.Create(ctx, owner, newPerson(p[0], p[1], p[2]))
		if err != nil {
			t.Fatal(err)
		}
		saved = append(saved, c)
	}

	// The "crash": records written to the store whose index update never happened.
	now := time.Now().UTC()
	var created []*app.Contact
	for _, p := range [][3]string{{"Dee", "Dale", "dee@example.com"}, {"Eve", "Eton", "eve@example.com"}} {
		c := newPerson(p[0], p[1], p[2])
		c.Normalize()
		c.ID, c.OwnerID, c.CreatedAt, c.UpdatedAt, c.Version = app.NewID(), owner, now, now, 1
		created = append(created, c)
	}
	if err := st.CreateContacts(ctx, created); err != nil {
		t.Fatal(err)
	}
	renamed := *saved[1]
	renamed.LastName, renamed.Version, renamed.UpdatedAt = "Black", renamed.Version+1, now.Add(time.Second)
	if err := st.UpdateContact(ctx, &renamed); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteContact(ctx, owner, saved[2].ID); err != nil {
		t.Fatal(err)
	}

	t.Run("before reconciling, the index misses the crashed writes", func(t *testing.T) {
		if got := findText(t, cs, owner, "dee"); len(got) != 0 {
			t.Fatalf("the index already has an unsynced contact: %q", got)
		}
		if got := findText(t, cs, owner, "brown"); !slices.Equal(got, []string{"Bob Black"}) {
			t.Fatalf("the stale index entry should find Bob by his old name (record loaded from the store): %q", got)
		}
	})
	t.Run("Reconcile indexes exactly the contacts written since the last sync", func(t *testing.T) {
		n, err := cs.Indexer.Reconcile(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 4 { // two created, one updated, one deleted
			t.Errorf("Reconcile indexed %d contacts, want 4", n)
		}
		if marks, _ := st.IndexMarks(ctx, 100); len(marks) != 0 {
			t.Errorf("marks left after Reconcile: %v", marks)
		}
	})
	t.Run("after reconciling, every crashed write is searchable", func(t *testing.T) {
		for text, want := range map[string][]string{
			"dee":     {"Dee Dale"},
			"eve@":    {"Eve Eton"},
			"black":   {"Bob Black"},
			"brown":   {},
			"cy":      {},
			"example": {"Bob Black", "Dee Dale", "Eve Eton", "Ann Lee"},
		} {
			if got := findText(t, cs, owner, text); !slices.Equal(got, want) {
				t.Errorf("List(%q) = %q, want %q", text, got, want)
			}
		}
		if n, _ := ix.Count(); n != 4 {
			t.Errorf("index holds %d documents, want 4", n)
		}
	})
	t.Run("a second Reconcile finds nothing to do", func(t *testing.T) {
		if n, err := cs.Indexer.Reconcile(ctx); err != nil || n != 0 {
			t.Errorf("Reconcile = %d, %v; want 0", n, err)
		}
	})
}

func TestIndexerRebuild(t *testing.T) {
	ctx := context.Background()
	cs, _, st, _ := storetest.Services(t)
	owner, other := app.NewID(), app.NewID()
	var last []*app.Contact
	for i := range 30 {
		c, err := cs.Create(ctx, owner, newPerson("First", fmt.Sprintf("Person%02d", i), fmt.Sprintf("p%02d@example.com", i)))
		if err != nil {
			t.Fatal(err)
		}
		last = append(last, c)
	}
	for i := 0; i < 30; i += 3 {
		last[i].LastName = fmt.Sprintf("Renamed%02d", i)
		c, err := cs.Update(ctx, owner, last[i])
		if err != nil {
			t.Fatal(err)
		}
		last[i] = c
	}
	if err := cs.Delete(ctx, owner, last[29].ID); err != nil {
		t.Fatal(err)
	}
	last = last[:29]
	if _, err := cs.Create(ctx, other, newPerson("Other", "Agent", "o@example.com")); err != nil {
		t.Fatal(err)
	}

	fresh := storetest.OpenIndex(t)
	indexer := app.NewIndexer(st, fresh, nil)
	indexer.Start()
	t.Cleanup(indexer.Close)
	rebuilt := &app.ContactService{Store: st, Index: fresh, Indexer: indexer, Now: time.Now}
	if _, err := indexer.Rebuild(ctx); err != nil {
		t.Fatalf("Rebuild: %v", err)
	}

	t.Run("the rebuilt index holds every stored contact and nothing else", func(t *testing.T) {
		if n, err := fresh.Count(); err != nil || n != 30 {
			t.Errorf("Count = %d, %v; want 29 of the owner's and 1 of the other agent's", n, err)
		}
	})
	t.Run("every contact is found as it was last saved", func(t *testing.T) {
		for i, c := range last {
			if got := findText(t, rebuilt, owner, c.LastName); !slices.Equal(got, []string{c.DisplayName()}) {
				t.Errorf("contact %d: List(%q) = %q, want %q", i, c.LastName, got, c.DisplayName())
			}
		}
	})
	t.Run("old names and deleted contacts are not found", func(t *testing.T) {
		for _, text := range []string{"person00", "person03", "person29", "p29@"} {
			if got := findText(t, rebuilt, owner, text); len(got) != 0 {
				t.Errorf("List(%q) = %q, want nothing", text, got)
			}
		}
	})
	t.Run("the rebuilt index answers like the one kept in step", func(t *testing.T) {
		for _, text := range []string{"first", "renamed", "person1", "example.com"} {
			if got, want := findText(t, rebuilt, owner, text), findText(t, cs, owner, text); !slices.Equal(got, want) {
				t.Errorf("List(%q) on the rebuilt index = %q, on the live one %q", text, got, want)
			}
		}
	})
	t.Run("no contact is left marked", func(t *testing.T) {
		if marks, _ := st.IndexMarks(ctx, 100); len(marks) != 0 {
			t.Errorf("marks left after Rebuild: %v", marks)
		}
	})
}

// TestBulkWriterIndexesThenClearsMarks checks a bulk write's contacts are found as soon as the
// writer closes, and that their index marks are cleared afterwards by the indexer's background
// loop (Close no longer waits for the index to reach the disk).
func TestBulkWriterIndexesThenClearsMarks(t *testing.T) {
	ctx := context.Background()
	cs, _, st, _ := storetest.Services(t)
	owner := app.NewID()
	w := cs.NewBulkWriter(ctx, owner)
	for b := range 3 {
		var batch []*app.Contact
		for i := range 500 {
			c := newPerson(fmt.Sprintf("Bulk%d", i), fmt.Sprintf("Batch%d", b), fmt.Sprintf("b%d.%d@example.com", b, i))
			c.ID, c.OwnerID, c.Status, c.Version = app.NewID(), owner, app.StatusActive, 1
			c.CreatedAt, c.UpdatedAt = time.Now(), time.Now()
			c.Normalize()
			batch = append(batch, c)
		}
		if err := w.Write(app.ContactBatch{Create: batch}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	l, err := cs.List(ctx, app.ContactQuery{OwnerID: owner, Text: "batch2", Status: app.StatusAll, Limit: 10})
	if err != nil || l.Total != 500 {
		t.Errorf("found %d of batch 2's 500 contacts right after Close (%v)", l.Total, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		marks, err := st.IndexMarks(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(marks) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("index marks still there 10 s after the bulk write: %v…", marks)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBulkWriterQueueStopsAtTheFirstFailedBatch: queued batches are stored in order; once one
// fails, the error comes back from Flush and Close and no later batch is stored, and a memory
// hold settles and is released either way.
func TestBulkWriterQueueStopsAtTheFirstFailedBatch(t *testing.T) {
	ctx := context.Background()
	cs, _, st, _ := storetest.Services(t)
	hold := &countingHold{}
	cs.BulkMemory = func() app.MemoryHold { return hold }
	owner := app.NewID()
	batch := func(name string, n int) []*app.Contact {
		var out []*app.Contact
		for i := range n {
			c := newPerson(name, fmt.Sprint(i), fmt.Sprintf("%s%d@example.com", name, i))
			c.ID, c.OwnerID, c.Status, c.Version = app.NewID(), owner, app.StatusActive, 1
			c.CreatedAt, c.UpdatedAt = time.Now(), time.Now()
			c.Normalize()
			out = append(out, c)
		}
		return out
	}
	first, bad, last := batch("first", 20), batch("bad", 20), batch("last", 20)
	bad[7].ID = "not-a-ulid"
	w := cs.NewBulkWriter(ctx, owner)
	if err := w.Queue(app.ContactBatch{Create: first}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, err := st.ContactsByID(ctx, []string{first[0].ID, first[19].ID}); err != nil || len(got) != 2 {
		t.Fatalf("after Flush, %d of the first batch's contacts are stored (%v)", len(got), err)
	}
	if err := w.Queue(app.ContactBatch{Create: bad}); err != nil {
		t.Fatal(err) // stored after Queue returns: its error comes later
	}
	_ = w.Queue(app.ContactBatch{Create: last}) // may already see the failure
	if err := w.Flush(); err == nil {
		t.Fatal("Flush after a failed batch returned nil")
	}
	if err := w.Close(); err == nil {
		t.Fatal("Close after a failed batch returned nil")
	}
	if got, err := st.ContactsByID(ctx, []string{last[0].ID, bad[0].ID}); err != nil || len(got) != 0 {
		t.Errorf("%d contacts of the failed and later batches were stored (%v)", len(got), err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for hold.released.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if hold.settled.Load() != 1 || hold.released.Load() != 1 {
		t.Errorf("memory hold settled %d times, released %d times; want 1 and 1", hold.settled.Load(), hold.released.Load())
	}
}

type countingHold struct{ settled, released atomic.Int32 }

func (h *countingHold) Settle()  { h.settled.Add(1) }
func (h *countingHold) Release() { h.released.Add(1) }

// mergingIndex is an index whose merges never end until the wait is given up.
type mergingIndex struct{ anIndex }

type anIndex = app.Index // embedded under another name than its method Index

func (mergingIndex) WaitMerged(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

type noHold struct{}

func (noHold) Settle()  {}
func (noHold) Release() {}

// TestBulkMarksClearedWhenTheIndexerCloses: a bulk write's index marks wait for the index's
// merges to end, but an indexer that closes first clears them, so that a CLI seed or import
// that exits straight away leaves nothing for the next start to index again.
func TestBulkMarksClearedWhenTheIndexerCloses(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	ix := mergingIndex{storetest.OpenIndex(t)}
	indexer := app.NewIndexer(st, ix, nil)
	indexer.Start()
	cs := &app.ContactService{Store: st, Index: ix, Indexer: indexer, Now: time.Now,
		BulkMemory: func() app.MemoryHold { return noHold{} }}
	owner := app.NewID()
	bw := cs.NewBulkWriter(ctx, owner)
	var batch app.ContactBatch
	for i := range 50 {
		c := newPerson(fmt.Sprintf("P%d", i), "Lee", fmt.Sprintf("p%d@example.com", i))
		c.ID, c.OwnerID, c.Status, c.Version = app.NewID(), owner, app.StatusActive, 1
		batch.Create = append(batch.Create, c)
	}
	if err := bw.Write(batch); err != nil {
		t.Fatal(err)
	}
	if err := bw.Close(); err != nil {
		t.Fatal(err)
	}
	if marks, _ := st.IndexMarks(ctx, 100); len(marks) != 50 {
		t.Fatalf("%d marks while the merges go on; want the 50 of the write", len(marks))
	}
	done := make(chan struct{})
	go func() { indexer.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the indexer did not close while a bulk write's marks waited for the merges")
	}
	if marks, _ := st.IndexMarks(ctx, 100); len(marks) != 0 {
		t.Fatalf("%d marks left once the indexer closed", len(marks))
	}
}
