package app

import (
	"context"
	"fmt"
)

// BulkWriter stores batches of contact changes (imports, their undo, seed) and indexes each batch
// while the next is stored. Write stores synchronously, so what Write returned nil for is on disk;
// Close waits for the index and clears the batches' index marks once it is durable.
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
	if err == nil { // one wait for the disk at the end, not one per batch
		err = ix.clearMarks(w.ctx, marks)
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

// Close waits until every written batch is indexed and durable. An indexing error leaves the
// contacts marked, so the next start indexes them again; the stored contacts stand.
func (w *BulkWriter) Close() error {
	close(w.jobs)
	err := <-w.errc
	if w.release != nil {
		w.release()
	}
	return err
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
