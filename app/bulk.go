package app

import (
	"context"
	"fmt"
	"time"
)

// BulkWriter stores batches of contact changes (imports, their undo, seed) and indexes each batch
// while the next is stored. Write stores synchronously, so what Write returned nil for is on disk;
// Close waits until every batch is indexed (searchable). The batches' index marks are cleared by
// the indexer's background loop once the index is on disk, as for any other write: waiting for
// that here took 2.3 s at the end of a 100,000-row import, a seventh of it. The bulk memory
// hold (BulkMemory) lasts until then and until the index's merges are over, since that work
// and the reload of the agent's list use as much memory as the write.
type BulkWriter struct {
	s       *ContactService
	ctx     context.Context
	jobs    chan ContactBatch
	errc    chan error
	owner   string
	release func()
}

// NewBulkWriter starts a bulk write for an agent's contacts; call Close when done.
func (s *ContactService) NewBulkWriter(ctx context.Context, ownerID string) *BulkWriter {
	w := &BulkWriter{s: s, ctx: ctx, jobs: make(chan ContactBatch, 2), errc: make(chan error, 1), owner: ownerID}
	if s.BulkMemory != nil {
		w.release = s.BulkMemory()
	}
	go w.index()
	return w
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
	// The memory hold ends once the marks are handled and the index's merges are over (or now,
	// on an error): that work follows every bulk write and uses as much memory as the write.
	release := w.release
	if err == nil && release != nil {
		ix.clearLater(marks, func() {
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				_ = ix.index.WaitMerged(ctx) // on a timeout, the hold ends all the same
				release()
			}()
		})
	} else {
		if err == nil {
			ix.clearLater(marks, nil)
		}
		if release != nil {
			release()
		}
	}
	w.errc <- err
}

// Write stores one batch (see ContactBatch) and queues it for the index.
func (w *BulkWriter) Write(b ContactBatch) error {
	for _, cs := range [][]*Contact{b.Create, b.Update, b.Delete} {
		for _, c := range cs {
			if c.OwnerID != w.owner {
				return fmt.Errorf("bulk write: contact %s belongs to another agent", c.ID)
			}
		}
	}
	if err := w.s.Store.WriteContactBatch(w.ctx, b); err != nil {
		return err
	}
	w.jobs <- ContactBatch{Create: b.Create, Update: b.Update, Delete: b.Delete}
	return nil
}

// Close waits until every written batch is indexed. An indexing error leaves the contacts
// marked, so the next start indexes them again; the stored contacts stand.
func (w *BulkWriter) Close() error {
	close(w.jobs)
	return <-w.errc
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
