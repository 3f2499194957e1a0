package app

import (
	"context"
	"fmt"
	"sync"
)

// MemoryHold keeps the server's memory in check through a bulk write (see
// ContactService.BulkMemory). Settle says the writes are over and only their background work
// (the index's merges, the marks, the agent's list loaded again) is left, which needs less;
// Release ends the hold. Each may be called more than once.
type MemoryHold interface {
	Settle()
	Release()
}

// BulkWriter stores batches of contact changes (imports, their undo, seed) and indexes each batch
// while the next is stored; Queue also lets its caller prepare the next batch while one is being
// stored. Write stores synchronously, so what Write returned nil for is on disk; Close waits
// until every batch is indexed (searchable). The batches' index marks are cleared by the
// indexer's background loop once the index is on disk, as for any other write: waiting for
// that here took 2.3 s at the end of a 100,000-row import, a seventh of it. The bulk memory
// hold (BulkMemory) settles once every batch is indexed and is released once the marks are
// handled and the index's merges are over, since that work and the reload of the agent's list
// use memory too.
type BulkWriter struct {
	s      *ContactService
	ctx    context.Context
	stores chan ContactBatch // to the store goroutine
	jobs   chan ContactBatch // stored, to the index goroutine
	stored sync.WaitGroup    // queued batches not yet stored
	errc   chan error
	owner  string
	hold   MemoryHold // nil without ContactService.BulkMemory
	resume func()     // lets the index merge its segments again

	mu  sync.Mutex
	err error // the first store error; every later batch is dropped
}

// NewBulkWriter starts a bulk write for an agent's contacts; call Close when done.
func (s *ContactService) NewBulkWriter(ctx context.Context, ownerID string) *BulkWriter {
	w := &BulkWriter{s: s, ctx: ctx, stores: make(chan ContactBatch, 1), jobs: make(chan ContactBatch, 2),
		errc: make(chan error, 1), owner: ownerID}
	if s.BulkMemory != nil {
		w.hold = s.BulkMemory()
	}
	w.resume = s.Indexer.index.PauseMerges()
	go w.store()
	go w.index()
	return w
}

// store writes the queued batches in order and passes each stored one to the index.
func (w *BulkWriter) store() {
	defer close(w.jobs)
	for b := range w.stores {
		if w.failed() == nil {
			if err := w.s.Store.WriteContactBatch(w.ctx, b); err != nil {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
			} else {
				w.jobs <- ContactBatch{Create: b.Create, Update: b.Update, Delete: b.Delete}
			}
		}
		w.stored.Done()
	}
}

func (w *BulkWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *BulkWriter) index() {
	ix := w.s.Indexer
	var err error
	var marks []IndexMark
	for b := range w.jobs {
		if err != nil {
			continue
		}
		var m []IndexMark
		if len(b.Create) > 0 {
			m, err = ix.indexNew(w.ctx, b.Create)
			marks = append(marks, m...)
		}
		var ids []string
		for _, c := range b.Update {
			ids = append(ids, c.ID)
		}
		for _, c := range b.Delete {
			ids = append(ids, c.ID)
		}
		if err == nil && len(ids) > 0 {
			m, err = ix.sync(w.ctx, ids)
			marks = append(marks, m...)
		}
	}
	w.resume()
	// The memory hold ends once the marks are handled and the index's merges are over (or now,
	// on an error): that work follows every bulk write and uses as much memory as the write.
	hold := w.hold
	switch {
	case hold == nil:
		if err == nil {
			ix.clearLater(marks, nil)
		}
	case err == nil:
		hold.Settle()
		ix.clearAfterMerged(marks, func() { go hold.Release() })
	default:
		hold.Release()
	}
	w.errc <- err
}

// Queue hands one batch (see ContactBatch) to be stored and then indexed, and returns without
// waiting for it to be stored, unless an earlier batch still waits for its turn: the caller
// prepares its next batch meanwhile. A failure to store an earlier batch is returned by this
// call (or the next, or Flush, or Close), and no later batch is stored.
func (w *BulkWriter) Queue(b ContactBatch) error {
	for _, cs := range [][]*Contact{b.Create, b.Update, b.Delete} {
		for _, c := range cs {
			if c.OwnerID != w.owner {
				return fmt.Errorf("bulk write: contact %s belongs to another agent", c.ID)
			}
		}
	}
	if err := w.failed(); err != nil {
		return err
	}
	w.stored.Add(1)
	w.stores <- b
	return nil
}

// Flush waits until every queued batch is stored (on disk), and returns the first store error.
func (w *BulkWriter) Flush() error {
	w.stored.Wait()
	return w.failed()
}

// Write stores one batch and returns once it is on disk.
func (w *BulkWriter) Write(b ContactBatch) error {
	if err := w.Queue(b); err != nil {
		return err
	}
	return w.Flush()
}

// Close waits until every queued batch is stored and indexed, and returns the first error. An
// indexing error leaves the contacts marked, so the next start indexes them again; the stored
// contacts stand.
func (w *BulkWriter) Close() error {
	close(w.stores)
	ierr := <-w.errc
	if err := w.failed(); err != nil {
		return err
	}
	return ierr
}

// EachContact calls fn for every contact of the agent, active ones first, each in creation order.
func (s *ContactService) EachContact(ctx context.Context, ownerID string, fn func(*Contact) error) error {
	for _, st := range []ContactStatus{StatusActive, StatusInactive} {
		var after *Cursor
		for {
			cs, more, err := s.Store.ListContacts(ctx, ContactPage{OwnerID: ownerID, Status: st, Sort: SortCreated, After: after, Limit: 1000})
			if err != nil {
				return err
			}
			for _, c := range cs {
				if err := fn(c); err != nil {
					return err
				}
			}
			if !more || len(cs) == 0 {
				break
			}
			last := cs[len(cs)-1]
			after = &Cursor{Value: last.SortValue(SortCreated), ID: last.ID}
		}
	}
	return nil
}
