package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"agentbook/app"

	"github.com/dgraph-io/badger/v4"
)

// Contact Summary keys:
//
//	rd/<owner>/<contact>   the contact changed since the report's last build (value: a fresh ID)
//	rs/<owner>/<contact>   the contact's report row JSON
//	rm/<owner>             the report's header JSON (as of, weekly activity)
const (
	pReportDirty = "rd/"
	pReportRow   = "rs/"
	pReportMeta  = "rm/"
)

var _ app.ReportStore = (*Store)(nil)

// markReport marks an agent's contact changed for the Contact Summary, in the transaction of
// the write that changed it. The value is new each time, so that a build clears only the marks
// it read.
func markReport(txn *badger.Txn, ownerID, contactID string) error {
	return markReportWith(txn, ownerID, contactID, []byte(app.NewID()))
}

// markReportWith is markReport with the mark's value given: a transaction that marks many
// contacts (a bulk write's) gives them all one, which is new to that transaction all the same.
func markReportWith(txn *badger.Txn, ownerID, contactID string, mark []byte) error {
	if ownerID == "" || contactID == "" {
		return nil
	}
	return txn.Set([]byte(pReportDirty+ownerID+"/"+contactID), mark)
}

// ReportDirty implements app.ReportStore. A limit below 0 returns every mark.
func (s *Store) ReportDirty(_ context.Context, ownerID string, limit int) (map[string]string, error) {
	out := map[string]string{}
	prefix := pReportDirty + ownerID + "/"
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix), PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid() && (limit < 0 || len(out) < limit); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			out[strings.TrimPrefix(string(it.Item().Key()), prefix)] = string(v)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: report marks of %s: %w", ownerID, err)
	}
	return out, nil
}

// ClearReportDirty implements app.ReportStore, 1,000 marks per transaction.
func (s *Store) ClearReportDirty(_ context.Context, ownerID string, marks map[string]string) error {
	ids := make([]string, 0, len(marks))
	for id := range marks {
		ids = append(ids, id)
	}
	const chunk = 1000
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		err := s.update(func(txn *badger.Txn) error {
			for _, id := range part {
				k := pReportDirty + ownerID + "/" + id
				v, err := getString(txn, k)
				if errors.Is(err, badger.ErrKeyNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				if v != marks[id] {
					continue // changed again since it was read
				}
				if err := txn.Delete([]byte(k)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: clear report marks of %s: %w", ownerID, err)
		}
	}
	return nil
}

// recordIters are the iterators ContactRecords moves forward contact by contact.
type recordIters struct {
	owner                               string
	account, events, msgs, mail, search *badger.Iterator
}

func (r *recordIters) close() {
	r.account.Close()
	r.events.Close()
	r.msgs.Close()
	r.mail.Close()
	r.search.Close()
}

// eachUnder moves it to prefix and calls fn for each key under it. Contacts come in ID order,
// so the iterator is usually there already: it seeks only when it is behind, and a full build
// reads each kind of record in one sequential pass.
func eachUnder(it *badger.Iterator, prefix string, fn func(item *badger.Item) error) error {
	p := []byte(prefix)
	if it.Valid() && bytes.Compare(it.Item().Key(), p) < 0 {
		it.Seek(p)
	}
	for ; it.Valid() && bytes.HasPrefix(it.Item().Key(), p); it.Next() {
		if err := fn(it.Item()); err != nil {
			return err
		}
	}
	return nil
}

// load reads one contact's records.
func (r *recordIters) load(txn *badger.Txn, rec *app.ContactRecords) error {
	id := rec.ContactID
	err := eachUnder(r.account, pPortal+id, func(item *badger.Item) error {
		if len(item.Key()) != len(pPortal)+len(id) {
			return nil
		}
		var a app.PortalAccount
		if err := item.Value(func(b []byte) error { return json.Unmarshal(b, &a) }); err != nil {
			return err
		}
		if a.OwnerID == r.owner {
			rec.Account = &a
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = eachUnder(r.events, activityPrefix(r.owner, id), func(item *badger.Item) error {
		ev := &app.ActivityEvent{}
		rec.Events = append(rec.Events, ev)
		return item.Value(func(b []byte) error { return json.Unmarshal(b, ev) })
	})
	if err != nil {
		return err
	}
	err = eachUnder(r.msgs, portalMsgPrefix(r.owner, id), func(item *badger.Item) error {
		m := &app.PortalMessage{}
		rec.Messages = append(rec.Messages, m)
		return item.Value(func(b []byte) error { return json.Unmarshal(b, m) })
	})
	if err != nil {
		return err
	}
	err = eachUnder(r.mail, pOutboxOf+r.owner+"/"+id+"/", func(item *badger.Item) error {
		return appendMail(txn, &rec.Mail, string(item.Key()))
	})
	if err != nil {
		return err
	}
	return eachUnder(r.search, searchLinkPrefix(r.owner, id), func(item *badger.Item) error {
		k := string(item.Key())
		var ss app.SavedSearch
		err := getJSON(txn, searchKey(r.owner, k[strings.LastIndexByte(k, '/')+1:]), &ss)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err == nil {
			rec.Searches = append(rec.Searches, &ss)
		}
		return err
	})
}

// ContactRecords implements app.ReportStore. It reads in one transaction, moving one iterator
// per kind of record forward contact by contact (in ID order), so that a full build is a single
// pass over each kind.
func (s *Store) ContactRecords(ctx context.Context, ownerID string, ids []string, fn func(*app.ContactRecords) error) error {
	err := s.db.View(func(txn *badger.Txn) error {
		iter := func(prefix string, values bool) *badger.Iterator {
			return txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix + ownerID + "/"), PrefetchValues: values, PrefetchSize: 64})
		}
		r := &recordIters{owner: ownerID, events: iter(pActivity, true), msgs: iter(pPortalMsg, true),
			mail: iter(pOutboxOf, false), search: iter(pSearchLink, false),
			account: txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pPortal), PrefetchValues: false})}
		defer r.close()
		for _, it := range []*badger.Iterator{r.account, r.events, r.msgs, r.mail, r.search} {
			it.Rewind()
		}
		one := func(rec *app.ContactRecords) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if rec.Contact != nil {
				if err := r.load(txn, rec); err != nil {
					return err
				}
			}
			return fn(rec)
		}
		if ids != nil {
			ids = slices.Clone(ids)
			slices.Sort(ids) // the iterators only move forward
			for _, id := range ids {
				rec := &app.ContactRecords{ContactID: id}
				var c app.Contact
				switch err := getContact(txn, id, &c); {
				case err == nil && c.OwnerID == ownerID:
					rec.Contact = &c
				case err != nil && !errors.Is(err, badger.ErrKeyNotFound):
					return err
				}
				if err := one(rec); err != nil {
					return err
				}
			}
			return nil
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pContact), PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			c := &app.Contact{}
			if err := it.Item().Value(func(b []byte) error { return decodeContact(b, c) }); err != nil {
				return err
			}
			if c.OwnerID != ownerID {
				continue
			}
			if err := one(&app.ContactRecords{ContactID: c.ID, Contact: c}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("store: contact records of %s: %w", ownerID, err)
	}
	return err
}

// ReportMeta implements app.ReportStore.
func (s *Store) ReportMeta(_ context.Context, ownerID string) (*app.ReportMeta, error) {
	var m app.ReportMeta
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, pReportMeta+ownerID, &m) })
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, notFound("Report")
	}
	if err != nil {
		return nil, fmt.Errorf("store: report of %s: %w", ownerID, err)
	}
	return &m, nil
}

// ReportRows implements app.ReportStore.
func (s *Store) ReportRows(ctx context.Context, ownerID string, fn func(*app.ReportRow) error) error {
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pReportRow + ownerID + "/"), PrefetchValues: true, PrefetchSize: 256})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			r := &app.ReportRow{}
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, r) }); err != nil {
				return err
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("store: report rows of %s: %w", ownerID, err)
	}
	return nil
}

// ReportRowsByID implements app.ReportStore.
func (s *Store) ReportRowsByID(_ context.Context, ownerID string, ids []string) (map[string]*app.ReportRow, error) {
	out := make(map[string]*app.ReportRow, len(ids))
	err := s.db.View(func(txn *badger.Txn) error {
		for _, id := range ids {
			r := &app.ReportRow{}
			err := getJSON(txn, pReportRow+ownerID+"/"+id, r)
			if errors.Is(err, badger.ErrKeyNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out[id] = r
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: report rows of %s: %w", ownerID, err)
	}
	return out, nil
}

// SaveReport implements app.ReportStore. Rows go through a write batch (a full build writes
// one per contact, more than a transaction holds); the header is written last, so a snapshot
// without one is rebuilt in full.
func (s *Store) SaveReport(_ context.Context, ownerID string, meta *app.ReportMeta, rows []*app.ReportRow, removed []string, full bool) error {
	prefix := pReportRow + ownerID + "/"
	if full {
		keep := make(map[string]bool, len(rows))
		for _, r := range rows {
			keep[r.ContactID] = true
		}
		err := s.db.View(func(txn *badger.Txn) error {
			for _, k := range keys(txn, prefix, 0) {
				if id := strings.TrimPrefix(k, prefix); !keep[id] {
					removed = append(removed, id)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: save report of %s: %w", ownerID, err)
		}
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for _, r := range rows {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if err := wb.Set([]byte(prefix+r.ContactID), b); err != nil {
			return fmt.Errorf("store: save report of %s: %w", ownerID, err)
		}
	}
	for _, id := range removed {
		if err := wb.Delete([]byte(prefix + id)); err != nil {
			return fmt.Errorf("store: save report of %s: %w", ownerID, err)
		}
	}
	b, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("store: save report of %s: %w", ownerID, err)
	}
	err = s.update(func(txn *badger.Txn) error { return txn.Set([]byte(pReportMeta+ownerID), b) })
	if err != nil {
		return fmt.Errorf("store: save report of %s: %w", ownerID, err)
	}
	return nil
}
