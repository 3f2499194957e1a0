package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"agentbook/app"

	"github.com/dgraph-io/badger/v4"
)

// orderPrefix is the key prefix of an agent's contacts of a status in the order of field.
func orderPrefix(owner string, status app.ContactStatus, field string) string {
	return pContactSort + owner + "/" + string(status) + "/" + field + "/"
}

func sortKey(c *app.Contact, field string) string {
	v := strings.ReplaceAll(c.SortValue(field), "\x00", "")
	return orderPrefix(c.OwnerID, c.Status, field) + v + "\x00" + c.ID
}

func countKey(owner string, status app.ContactStatus) string {
	return pCount + owner + "/" + string(status)
}

// secondaryKeys lists every index key a stored contact owns (besides its record and count): its
// name-order key first (whose value holds its terms and sort values; the other orders are kept
// in memory only), its email keys, and its invalid-email key.
func secondaryKeys(c *app.Contact) []string {
	ks := make([]string, 0, 2+len(c.Emails))
	ks = append(ks, sortKey(c, app.SortName))
	if c.EmailStatus() == app.EmailInvalid {
		ks = append(ks, pInvalid+c.OwnerID+"/"+c.ID)
	}
	for _, e := range c.Emails {
		k := pContactMail + c.OwnerID + "/" + app.EmailKey(e.Address) + "/" + c.ID
		if !slices.Contains(ks[1:], k) { // a contact has a few addresses: no map needed
			ks = append(ks, k)
		}
	}
	return ks
}

// mark records that the contact's state seq (its version; version+1 for a deletion) is not
// indexed yet. Versions only grow and IDs are never reused, so a mark is cleared only by an
// indexer that read that exact state or a later one.
func (s *Store) mark(txn *badger.Txn, id string, seq uint64) error {
	return putUint(txn, pMark+id, seq)
}

// rebuildSeq marks a contact for a rebuild; any later write replaces it with its version.
const rebuildSeq = ^uint64(0)

func addCount(txn *badger.Txn, key string, delta int64) error {
	n, err := getUint(txn, key)
	if err != nil {
		return err
	}
	v := int64(n) + delta
	if v < 0 {
		v = 0
	}
	return putUint(txn, key, uint64(v))
}

// namePrefix is the key prefix of an agent's name order for a status.
func namePrefix(owner string, status app.ContactStatus) string {
	return orderPrefix(owner, status, app.SortName)
}

// writeContacts runs fn in a transaction under the write lock, then applies the name-order
// changes fn recorded, once the transaction has committed.
func (s *Store) writeContacts(fn func(txn *badger.Txn, w *writeSet) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var w writeSet
	err := s.update(func(txn *badger.Txn) error {
		w = writeSet{} // a retried transaction starts over
		return fn(txn, &w)
	})
	if err == nil {
		s.records.invalidate(w.ids)
		s.order.apply(w.ops)
	}
	return err
}

// writeSet is what a contact transaction changed, for the in-memory structures to follow once it
// has committed.
type writeSet struct {
	ops []orderOp
	ids []string
	// report is the value of the Contact Summary marks the transaction sets (markReportWith).
	report []byte
}

// reportMark returns the value of the transaction's Contact Summary marks.
func (w *writeSet) reportMark() []byte {
	if w.report == nil {
		w.report = []byte(app.NewID())
	}
	return w.report
}

func (s *Store) putContact(txn *badger.Txn, c *app.Contact, w *writeSet) error {
	w.ids = append(w.ids, c.ID)
	if err := txn.Set([]byte(pContact+c.ID), encodeContact(c)); err != nil {
		return err
	}
	ks := secondaryKeys(c)
	for _, k := range ks[1:] {
		if err := txn.Set([]byte(k), nil); err != nil {
			return err
		}
	}
	var terms []byte
	if s.terms != nil {
		terms = s.terms(c)
	}
	k, v := ks[0], nameValue(c, terms)
	if err := txn.Set([]byte(k), v); err != nil {
		return err
	}
	prefix := namePrefix(c.OwnerID, c.Status)
	terms, sorts := splitNameValue(v)
	w.ops = append(w.ops, orderOp{prefix: prefix, key: strings.TrimPrefix(k, prefix), terms: terms, sorts: sorts})
	if err := markReportWith(txn, c.OwnerID, c.ID, w.reportMark()); err != nil {
		return err
	}
	return s.mark(txn, c.ID, uint64(c.Version))
}

// CreateContacts implements app.Store. Large batches are split into transactions of at most 500
// (fewer when the contacts are large; see chunks).
func (s *Store) CreateContacts(_ context.Context, cs []*app.Contact) error {
	for _, r := range s.chunks(len(cs), batchChunk, func(i int) (int, int) { return contactCost(cs[i]) }) {
		part := cs[r[0]:r[1]]
		err := s.writeContacts(func(txn *badger.Txn, w *writeSet) error {
			counts := map[string]int64{}
			for _, c := range part {
				if _, err := txn.Get([]byte(pContact + c.ID)); err == nil {
					return app.Errorf(app.ECONFLICT, "A contact with ID %s already exists.", c.ID)
				}
				if err := s.putContact(txn, c, w); err != nil {
					return err
				}
				counts[countKey(c.OwnerID, c.Status)]++
			}
			for k, d := range counts {
				if err := addCount(txn, k, d); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: create contacts: %w", err)
		}
	}
	return nil
}

func (s *Store) loadOwned(txn *badger.Txn, ownerID, id string) (*app.Contact, error) {
	var cur app.Contact
	err := getContact(txn, id, &cur)
	if errors.Is(err, badger.ErrKeyNotFound) || (err == nil && cur.OwnerID != ownerID) {
		return nil, notFound("Contact")
	}
	if err != nil {
		return nil, err
	}
	return &cur, nil
}

func (s *Store) removeContact(txn *badger.Txn, c *app.Contact, w *writeSet) error {
	w.ids = append(w.ids, c.ID)
	if err := markReportWith(txn, c.OwnerID, c.ID, w.reportMark()); err != nil {
		return err
	}
	for _, k := range secondaryKeys(c) {
		if err := txn.Delete([]byte(k)); err != nil {
			return err
		}
	}
	prefix := namePrefix(c.OwnerID, c.Status)
	w.ops = append(w.ops, orderOp{prefix: prefix, key: strings.TrimPrefix(sortKey(c, app.SortName), prefix), del: true})
	return txn.Delete([]byte(pContact + c.ID))
}

// UpdateContact implements app.Store.
func (s *Store) UpdateContact(_ context.Context, c *app.Contact) error {
	err := s.writeContacts(func(txn *badger.Txn, w *writeSet) error {
		cur, err := s.loadOwned(txn, c.OwnerID, c.ID)
		if err != nil {
			return err
		}
		if cur.Version != c.Version-1 {
			return app.Errorf(app.ECONFLICT, "This contact was changed since you opened it. Reload it and make your change again.")
		}
		if err := s.removeContact(txn, cur, w); err != nil {
			return err
		}
		if err := s.putContact(txn, c, w); err != nil {
			return err
		}
		if cur.Status != c.Status {
			if err := addCount(txn, countKey(c.OwnerID, cur.Status), -1); err != nil {
				return err
			}
			return addCount(txn, countKey(c.OwnerID, c.Status), 1)
		}
		return nil
	})
	if err != nil && app.ErrorCode(err) == app.EINTERNAL {
		return fmt.Errorf("store: update contact %s: %w", c.ID, err)
	}
	return err
}

// DeleteContact implements app.Store.
func (s *Store) DeleteContact(_ context.Context, ownerID, id string) error {
	err := s.writeContacts(func(txn *badger.Txn, w *writeSet) error {
		cur, err := s.loadOwned(txn, ownerID, id)
		if err != nil {
			return err
		}
		if err := s.removeContact(txn, cur, w); err != nil {
			return err
		}
		if err := s.mark(txn, id, uint64(cur.Version)+1); err != nil {
			return err
		}
		return addCount(txn, countKey(ownerID, cur.Status), -1)
	})
	if err != nil && app.ErrorCode(err) == app.EINTERNAL {
		return fmt.Errorf("store: delete contact %s: %w", id, err)
	}
	return err
}

// Contact implements app.Store.
func (s *Store) Contact(_ context.Context, ownerID, id string) (*app.Contact, error) {
	var c *app.Contact
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		c, err = s.loadOwned(txn, ownerID, id)
		return err
	})
	if err != nil && app.ErrorCode(err) == app.EINTERNAL {
		return nil, fmt.Errorf("store: contact %s: %w", id, err)
	}
	return c, err
}

// ContactsByID implements app.Store.
func (s *Store) ContactsByID(_ context.Context, ids []string) ([]*app.Contact, error) {
	return s.contactsByID(ids, false)
}

// ContactsToRead implements app.Store: cached records are returned as they are, not copied.
func (s *Store) ContactsToRead(_ context.Context, ids []string) ([]*app.Contact, error) {
	return s.contactsByID(ids, true)
}

func (s *Store) contactsByID(ids []string, shared bool) ([]*app.Contact, error) {
	out := make([]*app.Contact, 0, len(ids))
	gen := s.records.generation()
	var missed []int // positions in out still to read
	for _, id := range ids {
		c, ok := s.records.peek(id)
		if ok && !shared {
			c = cloneContact(c)
		}
		if !ok {
			missed = append(missed, len(out))
			c = &app.Contact{ID: id}
		}
		out = append(out, c)
	}
	if len(missed) == 0 {
		return out, nil
	}
	gone := map[int]bool{}
	err := s.db.View(func(txn *badger.Txn) error {
		for _, i := range missed {
			id := out[i].ID
			err := getContact(txn, id, out[i])
			if errors.Is(err, badger.ErrKeyNotFound) {
				gone[i] = true
				continue
			}
			if err != nil {
				return err
			}
			s.records.put(out[i], gen)
		}
		return nil
	})
	if len(gone) > 0 {
		kept := out[:0]
		for i, c := range out {
			if !gone[i] {
				kept = append(kept, c)
			}
		}
		out = kept
	}
	if err != nil {
		return nil, fmt.Errorf("store: contacts by id: %w", err)
	}
	return out, nil
}

// SortKeys implements app.Store. The values come from the agent's name orders in memory, which
// keep them (so only the agent's own contacts are found there); a contact not found there is read
// from the record cache, or decoded (and cached) as ContactsByID does. For created, the keys are
// made from the IDs alone, without checking their owner.
func (s *Store) SortKeys(ctx context.Context, ownerID string, ids []string, field string) ([]string, error) {
	keys := make([]string, 0, len(ids))
	if field == app.SortCreated {
		// The sort value is the ID itself. Ownership is checked when the page is loaded: the
		// IDs come from the agent's own index terms.
		for _, id := range ids {
			keys = append(keys, id+"\x00"+id)
		}
		return keys, nil
	}
	if field == app.SortName || slices.Contains(app.PackedSortFields, field) {
		for _, st := range []app.ContactStatus{app.StatusActive, app.StatusInactive} {
			if len(ids) == 0 {
				break
			}
			var rest []string
			err := s.order.read(s.db, namePrefix(ownerID, st), func(l *orderList) {
				for _, id := range ids {
					e := l.byID[id]
					if e == nil {
						rest = append(rest, id)
						continue
					}
					switch v, ok := app.PackedSortValue(e.sorts, field); {
					case field == app.SortName:
						keys = append(keys, e.key) // the name order's key is the name's sort key
					case ok:
						keys = append(keys, v+"\x00"+id)
					default:
						rest = append(rest, id)
					}
				}
			})
			if err != nil {
				return nil, err
			}
			ids = rest
		}
	}
	var missed []string
	for _, id := range ids {
		if c, ok := s.records.peek(id); ok {
			if c.OwnerID == ownerID {
				keys = append(keys, c.SortValue(field)+"\x00"+c.ID)
			}
			continue
		}
		missed = append(missed, id)
	}
	if len(missed) == 0 {
		return keys, nil
	}
	cs, err := s.ContactsByID(ctx, missed)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.OwnerID == ownerID {
			keys = append(keys, c.SortValue(field)+"\x00"+c.ID)
		}
	}
	return keys, nil
}

// ContactIDsByEmail implements app.Store.
func (s *Store) ContactIDsByEmail(_ context.Context, ownerID, email string) ([]string, error) {
	prefix := pContactMail + ownerID + "/" + app.EmailKey(email) + "/"
	var ids []string
	err := s.db.View(func(txn *badger.Txn) error {
		for _, k := range keys(txn, prefix, 0) {
			ids = append(ids, strings.TrimPrefix(k, prefix))
		}
		return nil
	})
	return ids, err
}

// ListContacts implements app.Store: it walks the order in memory, so the cost is the page
// size, not the number of contacts.
func (s *Store) ListContacts(_ context.Context, p app.ContactPage) ([]*app.Contact, bool, error) {
	ids, more, _, err := s.walk(p, []app.ContactStatus{p.Status}, false, nil, math.MaxInt)
	if err != nil {
		return nil, false, fmt.Errorf("store: list contacts: %w", err)
	}
	cs, err := s.contactsByID(ids, p.ReadOnly)
	return cs, more, err
}

// RefreshTerms rewrites the search terms and sort values kept with every contact's name-order
// key, after their encoding changed (main calls it whenever the index is rebuilt for a new
// Version).
func (s *Store) RefreshTerms(ctx context.Context) (int, error) {
	if s.terms == nil {
		return 0, nil
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	defer s.order.reset()
	n := 0
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	err := s.EachContact(ctx, func(c *app.Contact) error {
		n++
		return wb.Set([]byte(sortKey(c, app.SortName)), nameValue(c, s.terms(c)))
	})
	if err != nil {
		return 0, fmt.Errorf("store: refresh terms: %w", err)
	}
	if err := wb.Flush(); err != nil {
		return 0, fmt.Errorf("store: refresh terms: %w", err)
	}
	return n, nil
}

// dropColumnKeys drops every order key but the name order's (cs/<owner>/<status>/<field>/…),
// which stores kept before the other orders moved to memory, and returns how many prefixes it
// dropped. Badger drops a prefix from its tables directly, without writing a tombstone a key.
func (s *Store) dropColumnKeys() (int, error) {
	var owners []string
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pContactSort)})
		defer it.Close()
		for it.Rewind(); it.Valid(); {
			rest := it.Item().Key()[len(pContactSort):]
			i := bytes.IndexByte(rest, '/')
			if i < 0 {
				it.Next()
				continue
			}
			owners = append(owners, string(rest[:i]))
			it.Seek([]byte(pContactSort + string(rest[:i]) + "/\xff")) // the next owner
		}
		return nil
	})
	if err != nil || len(owners) == 0 {
		return 0, err
	}
	var prefixes [][]byte
	for _, o := range owners {
		for _, st := range []app.ContactStatus{app.StatusActive, app.StatusInactive} {
			for _, f := range app.SortFields() {
				if f != app.SortName {
					prefixes = append(prefixes, []byte(orderPrefix(o, st, f)))
				}
			}
		}
	}
	return len(prefixes), s.db.DropPrefix(prefixes...)
}

// MatchContacts implements app.Store, from the in-memory name order.
func (s *Store) MatchContacts(_ context.Context, p app.ContactPage, match func([]byte) bool, maxScan int) ([]string, bool, bool, error) {
	if p.Sort != app.SortName || s.terms == nil {
		return nil, false, false, nil
	}
	var ids []string
	more, complete := false, true
	err := s.order.read(s.db, namePrefix(p.OwnerID, p.Status), func(l *orderList) {
		n := len(l.keys)
		i, step := 0, 1
		if p.Desc {
			i, step = n-1, -1
		}
		if p.After != nil {
			after := p.After.Value + "\x00" + p.After.ID
			j := sort.SearchStrings(l.keys, after) // first key >= after
			if p.Desc {
				i = j - 1
			} else if j < n && l.keys[j] == after {
				i = j + 1
			} else {
				i = j
			}
		}
		for scanned := 0; i >= 0 && i < n; i += step {
			if scanned++; scanned > maxScan {
				complete = false
				return
			}
			if len(l.terms[i]) == 0 { // written without terms: only the index can tell
				complete = false
				return
			}
			if !match(l.terms[i]) {
				continue
			}
			if len(ids) == p.Limit {
				more = true
				return
			}
			k := l.keys[i]
			ids = append(ids, k[strings.LastIndexByte(k, 0)+1:])
		}
	})
	if err != nil {
		return nil, false, false, fmt.Errorf("store: match contacts: %w", err)
	}
	return ids, more, complete, nil
}

// CountContacts implements app.Store.
func (s *Store) CountContacts(_ context.Context, ownerID string, status app.ContactStatus) (int, error) {
	var n uint64
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		n, err = getUint(txn, countKey(ownerID, status))
		return err
	})
	return int(n), err
}

// EachContact implements app.Store.
func (s *Store) EachContact(ctx context.Context, fn func(*app.Contact) error) error {
	return s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pContact), PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var c app.Contact
			if err := it.Item().Value(func(b []byte) error { return decodeContact(b, &c) }); err != nil {
				return err
			}
			if err := fn(&c); err != nil {
				return err
			}
		}
		return nil
	})
}

// --- index marks ---

// IndexMarks implements app.Store.
func (s *Store) IndexMarks(_ context.Context, limit int) ([]app.IndexMark, error) {
	var out []app.IndexMark
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pMark), PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid() && len(out) < limit; it.Next() {
			m := app.IndexMark{ID: strings.TrimPrefix(string(it.Item().Key()), pMark)}
			if err := it.Item().Value(func(b []byte) error {
				if len(b) == 8 {
					m.Seq = binary.BigEndian.Uint64(b)
				}
				return nil
			}); err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// IndexMarksFor implements app.Store.
func (s *Store) IndexMarksFor(_ context.Context, ids []string) ([]app.IndexMark, error) {
	out := make([]app.IndexMark, 0, len(ids))
	err := s.db.View(func(txn *badger.Txn) error {
		for _, id := range ids {
			seq, err := getUint(txn, pMark+id)
			if err != nil {
				return err
			}
			if seq != 0 {
				out = append(out, app.IndexMark{ID: id, Seq: seq})
			}
		}
		return nil
	})
	return out, err
}

// IndexMarkSeq implements app.Store.
func (s *Store) IndexMarkSeq(_ context.Context, id string) (uint64, error) {
	var n uint64
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		n, err = getUint(txn, pMark+id)
		return err
	})
	return n, err
}

// ClearIndexMarks implements app.Store. These writes need no fsync of their own: a lost clear
// only means a record is indexed once more.
func (s *Store) ClearIndexMarks(_ context.Context, marks []app.IndexMark) error {
	for start := 0; start < len(marks); start += 1000 {
		part := marks[start:min(start+1000, len(marks))]
		err := s.update(func(txn *badger.Txn) error {
			for _, m := range part {
				seq, err := getUint(txn, pMark+m.ID)
				if err != nil {
					return err
				}
				if seq == m.Seq {
					if err := txn.Delete([]byte(pMark + m.ID)); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: clear index marks: %w", err)
		}
	}
	return nil
}

// MarkAllForIndex implements app.Store.
func (s *Store) MarkAllForIndex(ctx context.Context) (int, error) {
	var ids []string
	err := s.db.View(func(txn *badger.Txn) error {
		for _, k := range keys(txn, pContact, 0) {
			ids = append(ids, strings.TrimPrefix(k, pContact))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for start := 0; start < len(ids); start += 1000 {
		part := ids[start:min(start+1000, len(ids))]
		if err := s.update(func(txn *badger.Txn) error {
			for _, id := range part {
				if err := s.mark(txn, id, rebuildSeq); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return 0, fmt.Errorf("store: mark all: %w", err)
		}
	}
	return len(ids), nil
}

// InvalidEmailContacts implements app.Store.
func (s *Store) InvalidEmailContacts(_ context.Context, ownerID string) ([]string, error) {
	var ids []string
	err := s.db.View(func(txn *badger.Txn) error {
		prefix := pInvalid + ownerID + "/"
		for _, k := range keys(txn, prefix, 0) {
			ids = append(ids, strings.TrimPrefix(k, prefix))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: invalid email contacts: %w", err)
	}
	return ids, nil
}

// WalkOrder implements app.Store: it merges the in-memory orders of each status.
func (s *Store) WalkOrder(_ context.Context, p app.ContactPage, statuses []app.ContactStatus, withTerms bool,
	match func(id string, terms, sorts []byte) bool, maxScan int) ([]string, bool, bool, error) {
	if withTerms && s.terms == nil {
		return nil, false, false, nil
	}
	ids, more, complete, err := s.walk(p, statuses, withTerms, match, maxScan)
	if err != nil {
		return nil, false, false, fmt.Errorf("store: walk order: %w", err)
	}
	return ids, more, complete, nil
}

// walk walks the order p.Sort of the agent's contacts of the statuses, merged, from p.After, and
// returns up to p.Limit IDs that match accepts (nil accepts all). withTerms gives match each
// contact's terms and sort values; a contact without them ends the walk incomplete, as does
// reaching maxScan entries.
func (s *Store) walk(p app.ContactPage, statuses []app.ContactStatus, withTerms bool,
	match func(id string, terms, sorts []byte) bool, maxScan int) (ids []string, more, complete bool, err error) {
	prefixes := make([]string, len(statuses))
	for i, st := range statuses {
		prefixes[i] = namePrefix(p.OwnerID, st)
	}
	complete = true
	err = s.order.readAll(s.db, prefixes, p.Sort, func(ls []*orderList) {
		views := make([]orderView, len(ls))
		pos := make([]int, len(ls))
		for i, l := range ls {
			views[i] = l.view(p.Sort)
			pos[i] = views[i].start(p.After, p.Desc)
		}
		step := 1
		if p.Desc {
			step = -1
		}
		for scanned := 0; ; scanned++ {
			// The next entry in order among the statuses' orders.
			best := -1
			for i, v := range views {
				if pos[i] < 0 || pos[i] >= v.len() {
					continue
				}
				if best < 0 || (v.cmp(pos[i], views[best], pos[best]) < 0) != p.Desc {
					best = i
				}
			}
			if best < 0 {
				return
			}
			if scanned >= maxScan {
				complete = false
				return
			}
			v, i := views[best], pos[best]
			pos[best] += step
			if match == nil {
				if len(ids) == p.Limit {
					more = true
					return
				}
				ids = append(ids, v.id(i))
				continue
			}
			var terms, sorts []byte
			if withTerms {
				e := v.entry(i)
				if e == nil || len(e.terms) == 0 || e.sorts == nil {
					complete = false
					return
				}
				terms, sorts = e.terms, e.sorts
			}
			id := v.id(i)
			if !match(id, terms, sorts) {
				continue
			}
			if len(ids) == p.Limit {
				more = true
				return
			}
			ids = append(ids, id)
		}
	})
	return ids, more, complete, err
}
