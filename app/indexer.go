package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Indexer keeps the search index in step with the store. Writers call Sync with the IDs they
// changed after their transaction commits; Sync re-reads the records (missing → delete), so the
// index always ends up with the latest stored version. Marks are cleared in the background, and
// whatever a crash leaves marked is indexed again by Reconcile at the next start.
type Indexer struct {
	store  Store
	index  Index
	logger *slog.Logger

	mu      sync.Mutex // serialises read-record-then-index so an older read never wins
	clearMu sync.Mutex
	flushMu sync.Mutex // one flush at a time: Reconcile's flush must wait for one in progress
	pending []IndexMark
	after   []func() // run once the pending marks are handled (see clearLater)
	wake    chan struct{}
	done    chan struct{}
	stop    chan struct{}
	// closing ends the waits of clearAfterMerged, which deferred counts.
	closing  chan struct{}
	deferred sync.WaitGroup
	started  atomic.Bool
	// gen counts changes to the index; whatever was computed from it at an older gen is stale.
	gen atomic.Uint64
}

// Generation returns a number that changes whenever the index changes.
func (ix *Indexer) Generation() uint64 { return ix.gen.Load() }

// NewIndexer returns an Indexer; call Start to clear marks in the background and Close to stop.
func NewIndexer(store Store, index Index, logger *slog.Logger) *Indexer {
	if logger == nil {
		logger = slog.Default()
	}
	return &Indexer{store: store, index: index, logger: logger.With("component", "indexer"),
		wake: make(chan struct{}, 1), done: make(chan struct{}), stop: make(chan struct{}), closing: make(chan struct{})}
}

// Start runs the background loop that clears index marks in batches.
func (ix *Indexer) Start() {
	ix.started.Store(true)
	go func() {
		defer close(ix.done)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ix.stop:
				ix.flush()
				return
			case <-t.C:
			case <-ix.wake:
			}
			ix.flush()
		}
	}()
}

// Close clears the marks still pending and stops the background loop.
func (ix *Indexer) Close() {
	select {
	case <-ix.stop:
		return
	default:
	}
	close(ix.closing)
	ix.deferred.Wait()
	close(ix.stop)
	if ix.started.Load() {
		<-ix.done
	} else {
		ix.flush()
	}
}

func (ix *Indexer) flush() {
	ix.flushMu.Lock()
	defer ix.flushMu.Unlock()
	ix.clearMu.Lock()
	marks, after := ix.pending, ix.after
	ix.pending, ix.after = nil, nil
	ix.clearMu.Unlock()
	defer func() {
		for _, f := range after {
			f()
		}
	}()
	if len(marks) == 0 {
		return
	}
	// A mark is cleared only once the index has its record on disk, not just in memory.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := ix.index.WaitDurable(ctx); err != nil {
		ix.logger.Warn("index not on disk yet; marks kept", "n", len(marks), "err", err)
		return
	}
	if err := ix.store.ClearIndexMarks(ctx, marks); err != nil {
		// The marks stay; the records are indexed again at the next Reconcile. Harmless.
		ix.logger.Warn("clear index marks", "n", len(marks), "err", err)
	}
}

// Sync indexes the current stored state of the given contacts now.
func (ix *Indexer) Sync(ctx context.Context, ids ...string) error {
	marks, err := ix.sync(ctx, ids)
	if err != nil {
		return err
	}
	ix.clearMu.Lock()
	ix.pending = append(ix.pending, marks...)
	n := len(ix.pending)
	ix.clearMu.Unlock()
	if n >= 1000 {
		select {
		case ix.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

func (ix *Indexer) sync(ctx context.Context, ids []string) ([]IndexMark, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	// Read the marks before the records: a write that lands in between bumps its mark's seq,
	// so clearing the seq read here leaves the newer mark in place.
	marks, err := ix.store.IndexMarksFor(ctx, ids)
	if err != nil {
		return nil, err
	}
	// Large batches (seed, rebuild) are split in two halves indexed concurrently: the halves hold
	// different IDs, and the index builds each half's segment in the calling goroutine, so this
	// uses both cores of a small server.
	if len(ids) < 400 {
		return marks, ix.indexIDs(ctx, ids)
	}
	half := len(ids) / 2
	errs := make(chan error, 1)
	go func() { errs <- ix.indexIDs(ctx, ids[half:]) }()
	err1 := ix.indexIDs(ctx, ids[:half])
	if err2 := <-errs; err1 == nil {
		err1 = err2
	}
	if err1 != nil {
		return nil, err1
	}
	return marks, nil
}

// indexIDs indexes the stored contacts with the given IDs and removes the missing ones.
func (ix *Indexer) indexIDs(ctx context.Context, ids []string) error {
	cs, err := ix.store.ContactsByID(ctx, ids)
	if err != nil {
		return err
	}
	found := make(map[string]bool, len(cs))
	for _, c := range cs {
		found[c.ID] = true
	}
	var gone []string
	for _, id := range ids {
		if !found[id] {
			gone = append(gone, id)
		}
	}
	defer ix.gen.Add(1) // also on failure: part of the batch may have landed
	if err := ix.index.Index(ctx, cs); err != nil {
		return fmt.Errorf("indexer: index %d contacts: %w", len(cs), err)
	}
	if err := ix.index.Delete(ctx, gone); err != nil {
		return fmt.Errorf("indexer: delete %d contacts: %w", len(gone), err)
	}
	return nil
}

// indexNew indexes contacts this process just created, from the copies in hand instead of
// re-reading them, and returns their marks for the caller to clear once the index is durable
// (clearMarks). A contact whose mark is no longer its creation version was changed since, and
// is re-read as usual.
func (ix *Indexer) indexNew(ctx context.Context, cs []*Contact) ([]IndexMark, error) {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	ix.mu.Lock()
	marks, err := ix.store.IndexMarksFor(ctx, ids)
	if err != nil {
		ix.mu.Unlock()
		return nil, err
	}
	seq := make(map[string]uint64, len(marks))
	for _, m := range marks {
		seq[m.ID] = m.Seq
	}
	var fresh []*Contact
	var changed []string
	for _, c := range cs {
		if seq[c.ID] == uint64(c.Version) {
			fresh = append(fresh, c)
		} else {
			changed = append(changed, c.ID)
		}
	}
	half := len(fresh) / 2
	errs := make(chan error, 1)
	defer ix.gen.Add(1)
	go func() { errs <- ix.index.Index(ctx, fresh[half:]) }()
	err = ix.index.Index(ctx, fresh[:half])
	if err2 := <-errs; err == nil {
		err = err2
	}
	if err == nil {
		err = ix.indexIDs(ctx, changed)
	}
	ix.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("indexer: index new contacts: %w", err)
	}
	return marks, nil
}

// clearLater hands marks of contacts indexed just now to the background loop, which clears them
// once the index is on disk (as Sync does), then calls after (if not nil), whether or not the
// marks could be cleared.
func (ix *Indexer) clearLater(marks []IndexMark, after func()) {
	ix.clearMu.Lock()
	ix.pending = append(ix.pending, marks...)
	if after != nil {
		ix.after = append(ix.after, after)
	}
	ix.clearMu.Unlock()
	select {
	case ix.wake <- struct{}{}:
	default:
	}
}

// clearAfterMerged is clearLater once the index's merges are over, or at once when the indexer
// closes. A bulk write's marks wait for them: clearing 100,000 marks sets off Badger compactions
// that, beside the merges, took the server's memory over 300 MB.
func (ix *Indexer) clearAfterMerged(marks []IndexMark, after func()) {
	ix.deferred.Add(1)
	go func() {
		defer ix.deferred.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		go func() {
			select {
			case <-ix.closing:
				cancel()
			case <-ctx.Done():
			}
		}()
		_ = ix.index.WaitMerged(ctx) // on a timeout or a close, the marks are cleared all the same
		ix.clearLater(marks, after)
	}()
}

// clearMarks clears marks once everything indexed so far is on disk.
func (ix *Indexer) clearMarks(ctx context.Context, marks []IndexMark) error {
	if err := ix.index.WaitDurable(ctx); err != nil {
		return err
	}
	return ix.store.ClearIndexMarks(ctx, marks)
}

// Reconcile indexes every contact that is still marked: after a crash between a store write and
// the index update, or after Rebuild. It returns how many contacts it indexed.
func (ix *Indexer) Reconcile(ctx context.Context) (int, error) {
	ix.flush()
	total := 0
	// Each pass indexes every marked contact in batches, then waits once for the index to reach
	// the disk and clears the marks it indexed. Marks that writers add meanwhile are indexed by
	// their own Sync; a later pass picks up any left.
	for pass := 0; pass < 3; pass++ {
		marks, err := ix.store.IndexMarks(ctx, 1<<30)
		if err != nil {
			return total, err
		}
		if len(marks) == 0 {
			return total, nil
		}
		var done []IndexMark
		for start := 0; start < len(marks); start += 1000 {
			part := marks[start:min(start+1000, len(marks))]
			ids := make([]string, len(part))
			for i, m := range part {
				ids[i] = m.ID
			}
			got, err := ix.sync(ctx, ids)
			if err != nil {
				return total, err
			}
			done = append(done, got...)
			total += len(ids)
		}
		if err := ix.clearMarks(ctx, done); err != nil {
			return total, err
		}
	}
	return total, nil
}

// Rebuild marks every stored contact and indexes them all (for a new or outdated index).
func (ix *Indexer) Rebuild(ctx context.Context) (int, error) {
	if _, err := ix.store.MarkAllForIndex(ctx); err != nil {
		return 0, err
	}
	return ix.Reconcile(ctx)
}
