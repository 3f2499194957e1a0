package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"agentbook/app"

	"github.com/dgraph-io/badger/v4"
)

// Import keys.
//
//	im/<owner>/<id>                 import JSON
//	ij/<import>/c/<contact>         the contacts one transaction of the import created: their
//	                                IDs concatenated (ULIDs, 26 bytes each), keyed by the first
//	ij/<import>/u/<contact>         the stored version the import's first update of it replaced
//	if/<import>/<row, 10 digits>    a failed row JSON
const (
	pImport       = "im/"
	pImportJrnl   = "ij/"
	pImportFailed = "if/"
)

// idLen is the length of a ULID, the ID of every record.
const idLen = 26

// batchChunk is how many contacts one transaction of a batch writes at most; fewer when they are
// large (see chunks).
const batchChunk = 500

// chunks splits n items into runs for one transaction each: at most max items, and within
// Badger's limits on a transaction's bytes and entries (ErrTxnTooBig past 15 % of a memtable),
// by each item's estimated cost. The estimates are generous (contactCost counts a contact's
// text four times; Badger's own count is about twice), so nine tenths of the limits are used.
func (s *Store) chunks(n, max int, cost func(i int) (bytes, entries int)) [][2]int {
	maxBytes, maxEntries := int(s.db.MaxBatchSize())*9/10, int(s.db.MaxBatchCount())*9/10
	var out [][2]int
	start, size, entries := 0, 0, 0
	for i := 0; i < n; i++ {
		b, e := cost(i)
		if i > start && (i-start == max || size+b > maxBytes || entries+e > maxEntries) {
			out = append(out, [2]int{start, i})
			start, size, entries = i, 0, 0
		}
		size, entries = size+b, entries+e
	}
	if n > start {
		out = append(out, [2]int{start, n})
	}
	return out
}

// contactCost estimates what writing c costs a transaction: its record, its name-order value
// (terms and sort values), a prior version in an import's journal, and its keys.
func contactCost(c *app.Contact) (bytes, entries int) {
	n := len(c.FirstName) + len(c.MiddleName) + len(c.LastName) + len(c.Company) + len(c.Title) + len(c.Notes) + len(c.Birthday)
	for _, e := range c.Emails {
		n += len(e.Address) + len(e.Label) + len(e.Reason) + 16
	}
	for _, p := range c.Phones {
		n += len(p.Number) + len(p.Label)
	}
	for _, a := range c.Addresses {
		n += len(a.Label) + len(a.Street) + len(a.City) + len(a.Region) + len(a.PostalCode) + len(a.Country)
	}
	n += 27 * len(c.GroupIDs)
	return 4*n + 600, 8 + len(c.Emails)
}

func failedRowCost(f app.FailedRow) (bytes, entries int) {
	n := len(f.Message) + 64
	for _, c := range f.Cells {
		n += 2*len(c) + 3 // quoted in JSON
	}
	return n, 1
}

// WriteContactBatch implements app.Store. Creates are trusted to carry new IDs.
func (s *Store) WriteContactBatch(_ context.Context, b app.ContactBatch) error {
	prior := make(map[string]*app.Contact, len(b.Prior))
	for _, c := range b.Prior {
		prior[c.ID] = c
	}
	type op struct {
		c    *app.Contact
		kind byte // c create, u update, d delete
	}
	ops := make([]op, 0, len(b.Create)+len(b.Update)+len(b.Delete))
	for _, c := range b.Create {
		ops = append(ops, op{c, 'c'})
	}
	for _, c := range b.Update {
		ops = append(ops, op{c, 'u'})
	}
	for _, c := range b.Delete {
		ops = append(ops, op{c, 'd'})
	}
	// The failed rows are written first, in transactions of their own: a file's worth of them
	// with long cells does not fit in one.
	if b.ImportID != "" {
		for _, r := range s.chunks(len(b.Failed), math.MaxInt, func(i int) (int, int) { return failedRowCost(b.Failed[i]) }) {
			err := s.update(func(txn *badger.Txn) error {
				for _, f := range b.Failed[r[0]:r[1]] {
					if err := setJSON(txn, fmt.Sprintf("%s%s/%010d", pImportFailed, b.ImportID, f.Row), f); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("store: write failed rows: %w", err)
			}
		}
	}
	for _, r := range s.chunks(len(ops), batchChunk, func(i int) (int, int) { return contactCost(ops[i].c) }) {
		part := ops[r[0]:r[1]]
		err := s.writeContacts(func(txn *badger.Txn, w *writeSet) error {
			counts := map[string]int64{}
			var created []byte
			for _, o := range part {
				if err := s.batchOp(txn, w, b.ImportID, o.c, o.kind, prior[o.c.ID], counts); err != nil {
					return err
				}
				if o.kind == 'c' {
					created = append(created, o.c.ID...)
				}
			}
			if b.ImportID != "" && len(created) > 0 {
				if err := txn.Set([]byte(pImportJrnl+b.ImportID+"/c/"+string(created[:idLen])), created); err != nil {
					return err
				}
			}
			for k, d := range counts {
				if err := addCount(txn, k, d); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			if app.ErrorCode(err) == app.EINTERNAL {
				return fmt.Errorf("store: write contact batch: %w", err)
			}
			return err
		}
	}
	return nil
}

func (s *Store) batchOp(txn *badger.Txn, w *writeSet, importID string, c *app.Contact, kind byte, prior *app.Contact, counts map[string]int64) error {
	switch kind {
	case 'c':
		if err := s.putContact(txn, c, w); err != nil {
			return err
		}
		if len(c.ID) != idLen {
			return fmt.Errorf("contact ID %q is not a ULID", c.ID)
		}
		counts[countKey(c.OwnerID, c.Status)]++
		return nil
	case 'u':
		cur, err := s.loadOwned(txn, c.OwnerID, c.ID)
		if err != nil {
			return err
		}
		if cur.Version != c.Version-1 {
			return app.Errorf(app.ECONFLICT, "Contact %s was changed during the import.", c.DisplayName())
		}
		if err := s.removeContact(txn, cur, w); err != nil {
			return err
		}
		if err := s.putContact(txn, c, w); err != nil {
			return err
		}
		counts[countKey(c.OwnerID, cur.Status)]--
		counts[countKey(c.OwnerID, c.Status)]++
		if importID != "" && prior != nil {
			k := []byte(pImportJrnl + importID + "/u/" + c.ID)
			if _, err := txn.Get(k); errors.Is(err, badger.ErrKeyNotFound) { // keep the first
				return txn.Set(k, encodeContact(prior))
			} else if err != nil {
				return err
			}
		}
		return nil
	default:
		cur, err := s.loadOwned(txn, c.OwnerID, c.ID)
		if err != nil {
			return err
		}
		if cur.Version != c.Version {
			return app.Errorf(app.ECONFLICT, "Contact %s was changed since.", cur.DisplayName())
		}
		if err := s.removeContact(txn, cur, w); err != nil {
			return err
		}
		counts[countKey(c.OwnerID, cur.Status)]--
		return s.mark(txn, c.ID, uint64(cur.Version)+1)
	}
}

// ImportJournal implements app.Store.
func (s *Store) ImportJournal(ctx context.Context, importID string, fn func(created string, prior *app.Contact) error) error {
	prefix := pImportJrnl + importID + "/"
	return s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix), PrefetchValues: true, PrefetchSize: 10})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			rest := strings.TrimPrefix(string(it.Item().Key()), prefix)
			switch {
			case strings.HasPrefix(rest, "c/"):
				ids, err := it.Item().ValueCopy(nil)
				if err != nil {
					return err
				}
				for len(ids) >= idLen {
					if err := fn(string(ids[:idLen]), nil); err != nil {
						return err
					}
					ids = ids[idLen:]
				}
			case strings.HasPrefix(rest, "u/"):
				var c app.Contact
				if err := it.Item().Value(func(b []byte) error { return decodeContact(b, &c) }); err != nil {
					return err
				}
				if err := fn("", &c); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// FailedRows implements app.Store.
func (s *Store) FailedRows(ctx context.Context, importID string, fn func(app.FailedRow) error) error {
	prefix := pImportFailed + importID + "/"
	return s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix), PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var f app.FailedRow
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &f) }); err != nil {
				return err
			}
			if err := fn(f); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteImportJournal implements app.Store.
func (s *Store) DeleteImportJournal(_ context.Context, importID string) error {
	for {
		var ks []string
		if err := s.db.View(func(txn *badger.Txn) error {
			ks = keys(txn, pImportJrnl+importID+"/", 5000)
			return nil
		}); err != nil {
			return err
		}
		if len(ks) == 0 {
			return nil
		}
		if err := s.update(func(txn *badger.Txn) error {
			for _, k := range ks {
				if err := txn.Delete([]byte(k)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return fmt.Errorf("store: delete import journal %s: %w", importID, err)
		}
	}
}

// PutImport implements app.Store.
func (s *Store) PutImport(_ context.Context, im *app.Import) error {
	return s.update(func(txn *badger.Txn) error { return setJSON(txn, pImport+im.OwnerID+"/"+im.ID, im) })
}

// Import implements app.Store.
func (s *Store) Import(_ context.Context, ownerID, id string) (*app.Import, error) {
	var im app.Import
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, pImport+ownerID+"/"+id, &im) })
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, notFound("Import")
	}
	if err != nil {
		return nil, err
	}
	return &im, nil
}

// Imports implements app.Store.
func (s *Store) Imports(_ context.Context, ownerID string) ([]*app.Import, error) {
	var out []*app.Import
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pImport + ownerID + "/"), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var im app.Import
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &im) }); err != nil {
				return err
			}
			out = append(out, &im)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, err
}
