package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"agentbook/app"

	"github.com/dgraph-io/badger/v4"
)

// nameOrder keeps, in memory, each agent's contacts in every list order. The name order holds
// the same entries as the Badger keys cs/<owner>/<status>/name/… (each contact's search terms
// and packed sort values), loaded from them on first use; every other column's order is built
// from those entries on first use and kept in step with them, with no keys of its own (an
// import writes 7 keys a contact instead of 18). A type-ahead walk reads about 50 ns per entry
// here against about 1 µs through a Badger iterator. Badger stays the truth: a list is built
// from it, and every committed contact write is applied to the loaded lists while the store's
// write lock is still held, so lists see writes in commit order.
type nameOrder struct {
	mu      sync.RWMutex
	lists   map[string]*orderList // by key prefix "cs/<owner>/<status>/name/"
	dropped chan struct{}         // a merge dropped columns or a list (keepColumns)
	// gone holds the lists a bulk write dropped, for keepColumns to load again once the writes
	// to them settle (see apply).
	gone map[string]*goneList
}

// goneList is a list dropped by a bulk write: the columns it had, and a count of the writes to
// it since (the list settles when that count stays still).
type goneList struct {
	wanted map[string]bool
	writes uint64
}

type orderList struct {
	keys  []string // "<sort value>\x00<id>", sorted
	terms [][]byte
	byID  map[string]*orderEntry // id → its key, terms and sort values
	// cols holds, for each other sort asked for so far, the entries of byID in that column's
	// order (its value, then the ID). A large merge drops them (see merge); wanted remembers
	// which were built, for keepColumns to build them again.
	cols     map[string][]*orderEntry
	wanted   map[string]bool
	gen      uint64       // counts changes
	lastRead atomic.Int64 // when a list last read it (unix nanoseconds)
	// log holds the changes not yet taken by every column, which take them when next read
	// (catchUp): a Quick Add costs the columns nothing until a list by one of them. applied
	// counts, per column, the changes of log it has taken.
	log     []colChange
	applied map[string]int
}

// orderEntry is one contact's place in a name order: its key, its search terms and its packed
// sort values. Entries are replaced, never changed.
type orderEntry struct {
	key   string
	terms []byte
	sorts []byte
}

// nameValueSorts starts a name-order value that holds sort values: the byte, the length of the
// packed values, the values, then the search terms. A value written before then is the terms
// alone, which start with a field letter (or are empty).
const nameValueSorts = 0x01

// nameValue is the value of a contact's name-order key.
func nameValue(c *app.Contact, terms []byte) []byte {
	sorts := app.PackSortValues(c)
	b := make([]byte, 0, 1+binary.MaxVarintLen32+len(sorts)+len(terms))
	b = append(b, nameValueSorts)
	b = binary.AppendUvarint(b, uint64(len(sorts)))
	b = append(b, sorts...)
	return append(b, terms...)
}

// splitNameValue returns the terms and packed sort values of a name-order value, without copying.
func splitNameValue(v []byte) (terms, sorts []byte) {
	if len(v) == 0 || v[0] != nameValueSorts {
		return v, nil
	}
	n, w := binary.Uvarint(v[1:])
	if w <= 0 || uint64(len(v)-1-w) < n {
		return nil, nil // damaged: neither, so the record is read instead
	}
	start := 1 + w
	return v[start+int(n):], v[start : start+int(n)]
}

func idOf(key string) string { return key[strings.LastIndexByte(key, 0)+1:] }

// orderOp is one change to a name-order key, recorded inside a transaction and applied after
// it commits.
type orderOp struct {
	prefix, key  string
	terms, sorts []byte
	del          bool
}

func newNameOrder() *nameOrder {
	return &nameOrder{lists: map[string]*orderList{}, dropped: make(chan struct{}, 1), gone: map[string]*goneList{}}
}

// apply makes the loaded lists follow committed writes. Inserting an entry that is there, or
// deleting one that is not, is harmless, so a list built while the writes committed stays right.
func (o *nameOrder) apply(ops []orderOp) {
	if len(ops) == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	byList := map[string][]orderOp{}
	for _, op := range ops {
		if g := o.gone[op.prefix]; g != nil {
			g.writes++
		}
		if o.lists[op.prefix] != nil {
			byList[op.prefix] = append(byList[op.prefix], op)
		}
	}
	now := time.Now()
	for prefix, ops := range byList {
		l := o.lists[prefix]
		if len(ops) > dropListOps && now.Sub(time.Unix(0, l.lastRead.Load())) > readRecently {
			// A bulk write (an import, a seed) that nobody is reading the list beside: keeping
			// the list in memory while it grows made the collector scan it on every cycle
			// (imports a third slower); it is loaded again once the writes settle.
			delete(o.lists, prefix)
			g := o.gone[prefix]
			if g == nil {
				g = &goneList{wanted: map[string]bool{}}
				o.gone[prefix] = g
			}
			for f := range l.wanted {
				g.wanted[f] = true
			}
			g.writes++
			o.signal()
			continue
		}
		l.gen++
		dropped := false
		if len(ops) <= mergeOps {
			for _, op := range ops {
				dropped = l.applyOne(op) || dropped
			}
		} else {
			dropped = l.merge(ops)
		}
		if dropped {
			o.signal()
		}
	}
}

func (o *nameOrder) signal() {
	select {
	case o.dropped <- struct{}{}:
	default:
	}
}

// dropListOps is the number of changes to a list in one transaction above which apply drops the
// list rather than merging them, unless a list read it within readRecently. An import's
// transactions hold 300–500 contacts; an agent's own edits one or two.
const (
	dropListOps  = 64
	readRecently = 5 * time.Second
)

// mergeOps is the number of changes to one list above which apply merges them in one pass
// rather than moving the orders' tails once per change (a 100,000-row import would move them
// 100,000 times).
const mergeOps = 16

// rebuildCols is the number of changes in one merge above which it drops the list's columns
// rather than logging the changes for them (building one takes 30–150 ms at 100,000 contacts).
const rebuildCols = 64

// maxLog is the number of changes a list logs for columns that have not taken them before it
// drops those columns (they are built again in the background).
const maxLog = 4096

// colChange is one change of a list's entries, logged for its columns to take when next read:
// old removed and added added (either may be nil).
type colChange struct{ old, added *orderEntry }

// logChange logs a change for the columns and reports whether the log grew too long and the
// columns were dropped.
func (l *orderList) logChange(old, added *orderEntry) (dropped bool) {
	if len(l.cols) == 0 || (old == nil && added == nil) {
		return false
	}
	l.log = append(l.log, colChange{old, added})
	if len(l.log) > maxLog {
		l.dropColumns()
		return true
	}
	return false
}

func (l *orderList) dropColumns() {
	clear(l.cols)
	clear(l.applied)
	l.log = nil
}

// catchUp applies to a column the changes logged since it last did: the entries removed are
// found by binary search and dropped in one pass, the ones added merged in (see merge). Once
// every column has taken the whole log, the log is emptied.
func (l *orderList) catchUp(field string) {
	changes := l.log[l.applied[field]:]
	if len(changes) == 0 {
		return
	}
	c := columnOf(field)
	col := l.cols[field]
	pending := map[*orderEntry]bool{} // added by these changes, not in col yet
	var added []*orderEntry
	var at []int
	for _, ch := range changes {
		if ch.old != nil {
			if pending[ch.old] {
				delete(pending, ch.old)
			} else if i := c.search(col, ch.old); i < len(col) && col[i] == ch.old {
				at = append(at, i)
			} else if i := slices.Index(col, ch.old); i >= 0 { // not where its values say: never expected
				at = append(at, i)
			}
		}
		if ch.added != nil {
			pending[ch.added] = true
			added = append(added, ch.added)
		}
	}
	added = slices.DeleteFunc(added, func(e *orderEntry) bool { return !pending[e] })
	l.cols[field] = c.mergeIn(deleteAt(col, at), added)
	l.applied[field] = len(l.log)
	for f := range l.cols {
		if l.applied[f] != len(l.log) {
			return
		}
	}
	l.log = nil
	clear(l.applied)
}

// applyOne applies one change; it reports whether the columns were dropped (logChange).
func (l *orderList) applyOne(op orderOp) (dropped bool) {
	i := sort.SearchStrings(l.keys, op.key)
	found := i < len(l.keys) && l.keys[i] == op.key
	switch {
	case op.del && found:
		l.keys = slices.Delete(l.keys, i, i+1)
		l.terms = slices.Delete(l.terms, i, i+1)
	case !op.del && found:
		l.terms[i] = op.terms
	case !op.del:
		l.keys = slices.Insert(l.keys, i, op.key)
		l.terms = slices.Insert(l.terms, i, op.terms)
	}
	return l.logChange(l.applyToID(op))
}

// applyToID applies op to byID and returns the entry it replaced or removed and the one it added.
func (l *orderList) applyToID(op orderOp) (old, added *orderEntry) {
	id := idOf(op.key)
	old = l.byID[id]
	switch {
	case !op.del:
		added = &orderEntry{op.key, op.terms, op.sorts}
		l.byID[id] = added
	case old != nil && old.key == op.key:
		delete(l.byID, id)
	default:
		old = nil
	}
	return old, added
}

// merge applies many changes at once: the last change to each key wins; removed entries are
// dropped in one pass over each order, then the new ones, sorted, are merged in from the end,
// each found by binary search and the old entries after it moved in one copy. It reports
// whether it dropped the columns instead.
func (l *orderList) merge(ops []orderOp) (dropped bool) {
	last := make(map[string]int, len(ops))
	changes := make([]colChange, 0, len(ops))
	for i, op := range ops {
		last[op.key] = i
		old, added := l.applyToID(op)
		changes = append(changes, colChange{old, added})
	}
	if len(changes) > rebuildCols && len(l.cols) > 0 {
		// Merging into every column for each batch of a large import cost a sixth of its CPU
		// (a random read per comparison); the columns are built again once the import is over
		// (keepColumns), or by the first list that needs one before.
		l.dropColumns()
		dropped = true
	}
	for _, ch := range changes {
		dropped = l.logChange(ch.old, ch.added) || dropped
	}

	var ins []orderOp
	var drop []int
	for k, i := range last {
		op := ops[i]
		j := sort.SearchStrings(l.keys, k)
		found := j < len(l.keys) && l.keys[j] == k
		switch {
		case op.del && found:
			drop = append(drop, j)
		case !op.del && found:
			l.terms[j] = op.terms
		case !op.del:
			ins = append(ins, op)
		}
	}
	l.keys, l.terms = deleteAt(l.keys, drop), deleteAt(l.terms, drop)
	if len(ins) == 0 {
		return dropped
	}
	slices.SortFunc(ins, func(a, b orderOp) int { return strings.Compare(a.key, b.key) })
	end := len(l.keys) // l.keys[:end] are the old keys not moved yet
	l.keys = slices.Grow(l.keys, len(ins))[:end+len(ins)]
	l.terms = slices.Grow(l.terms, len(ins))[:end+len(ins)]
	for j := len(ins) - 1; j >= 0; j-- {
		// The old keys after ins[j] move up by j+1 places, past it and the new keys before it.
		p := sort.SearchStrings(l.keys[:end], ins[j].key)
		copy(l.keys[p+j+1:end+j+1], l.keys[p:end])
		copy(l.terms[p+j+1:end+j+1], l.terms[p:end])
		l.keys[p+j], l.terms[p+j] = ins[j].key, ins[j].terms
		end = p
	}
	return dropped
}

// deleteAt removes the elements at the indexes at (which it sorts) in one pass, moving each run
// between them with one copy.
func deleteAt[T any](s []T, at []int) []T {
	if len(at) == 0 {
		return s
	}
	slices.Sort(at)
	at = slices.Compact(at)
	w := at[0]
	for k, i := range at {
		next := len(s)
		if k+1 < len(at) {
			next = at[k+1]
		}
		w += copy(s[w:], s[i+1:next])
	}
	clear(s[w:])
	return s[:w]
}

// column is the order of one sort other than name: by a packed sort value (packed is its index
// in app.PackedSortFields), or by ID for created (packed < 0); ties go by ID.
type column struct{ packed int }

func columnOf(field string) column {
	if field == app.SortCreated {
		return column{-1}
	}
	return column{slices.Index(app.PackedSortFields, field)}
}

// isColumn reports whether field's order is kept as a column (name is the list itself).
func isColumn(field string) bool {
	return field == app.SortCreated || slices.Contains(app.PackedSortFields, field)
}

func (c column) value(e *orderEntry) []byte {
	if c.packed < 0 {
		return []byte(idOf(e.key))
	}
	v, _ := app.PackedSortAt(e.sorts, c.packed)
	return v
}

// pair is an entry with its value in a column, for sorting without decoding it each time: the
// first eight bytes of the value and of the ID as numbers, compared before the rest (most
// comparisons end there, without reading the entry's memory).
type pair struct {
	pre, idPre uint64
	v          []byte
	id         string
	e          *orderEntry
}

func cmpUint(a, b uint64) int {
	if a < b {
		return -1
	}
	return 1
}

func prefix8[T string | []byte](b T) uint64 {
	var p [8]byte
	copy(p[:], b)
	return binary.BigEndian.Uint64(p[:])
}

func (c column) cmp(a, b *orderEntry) int {
	if c.packed >= 0 {
		va, _ := app.PackedSortAt(a.sorts, c.packed)
		vb, _ := app.PackedSortAt(b.sorts, c.packed)
		if r := bytes.Compare(va, vb); r != 0 {
			return r
		}
	}
	return strings.Compare(idOf(a.key), idOf(b.key))
}

// cmpCursor compares e with the place (value, id).
func (c column) cmpCursor(e *orderEntry, value []byte, id string) int {
	id0 := idOf(e.key)
	if c.packed < 0 {
		if r := strings.Compare(id0, string(value)); r != 0 {
			return r
		}
	} else {
		v, _ := app.PackedSortAt(e.sorts, c.packed)
		if r := bytes.Compare(v, value); r != 0 {
			return r
		}
	}
	return strings.Compare(id0, id)
}

// build returns the entries in the column's order.
func (c column) build(entries []*orderEntry) []*orderEntry {
	ps := make([]pair, 0, len(entries))
	for _, e := range entries {
		id := idOf(e.key)
		var v []byte
		if c.packed >= 0 {
			v, _ = app.PackedSortAt(e.sorts, c.packed)
		}
		ps = append(ps, pair{prefix8(v), prefix8(id), v, id, e})
	}
	slices.SortFunc(ps, func(a, b pair) int { // for created, v is nil: the ID is the value
		if a.pre != b.pre {
			return cmpUint(a.pre, b.pre)
		}
		if r := bytes.Compare(a.v, b.v); r != 0 {
			return r
		}
		if a.idPre != b.idPre {
			return cmpUint(a.idPre, b.idPre)
		}
		return strings.Compare(a.id, b.id)
	})
	col := make([]*orderEntry, len(ps))
	for i, p := range ps {
		col[i] = p.e
	}
	return col
}

func (c column) search(col []*orderEntry, e *orderEntry) int {
	i, _ := slices.BinarySearchFunc(col, e, c.cmp)
	return i
}

// mergeIn merges the entries of add, in any order, into col, from the end (see merge).
func (c column) mergeIn(col, add []*orderEntry) []*orderEntry {
	if len(add) == 0 {
		return col
	}
	add = slices.Clone(add)
	slices.SortFunc(add, c.cmp)
	end := len(col) // col[:end] are the old entries not moved yet
	col = slices.Grow(col, len(add))[:end+len(add)]
	for j := len(add) - 1; j >= 0; j-- {
		// The old entries after add[j] move up by j+1 places, past it and the new ones before it.
		v, id := c.value(add[j]), idOf(add[j].key)
		p := sort.Search(end, func(i int) bool { return c.cmpCursor(col[i], v, id) >= 0 })
		copy(col[p+j+1:end+j+1], col[p:end])
		col[p+j] = add[j]
		end = p
	}
	return col
}

// reset forgets every list; they are built again from Badger when next used.
func (o *nameOrder) reset() {
	o.mu.Lock()
	o.lists = map[string]*orderList{}
	o.gone = map[string]*goneList{}
	o.mu.Unlock()
}

// LoadNameOrders loads every agent's orders of active contacts into memory, which the first list
// would otherwise do (about 0.4 s at 100,000 contacts, and 30–50 ms more for each column's
// order). The server calls it in the background as it starts.
func (s *Store) LoadNameOrders(ctx context.Context) error {
	users, err := s.Users(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		for _, f := range app.SortFields() {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := s.order.readAll(s.db, []string{namePrefix(u.ID, app.StatusActive)}, f, func([]*orderList) {}); err != nil {
				return fmt.Errorf("store: load orders: %w", err)
			}
		}
	}
	return nil
}

// readAll calls fn with the lists for prefixes, in their order, under one read lock, loading
// any that is not loaded and building its order of field (any sort field; "" for none) first.
// Never take one list's read lock inside another's: a read lock waits for a writer that is
// waiting, and loading a list is a write, so nested reads deadlock.
func (o *nameOrder) readAll(db *badger.DB, prefixes []string, field string, fn func([]*orderList)) error {
	for {
		for _, p := range prefixes {
			if err := o.load(db, p, field); err != nil {
				return err
			}
		}
		o.mu.RLock()
		ls := make([]*orderList, len(prefixes))
		ready := true
		for i, p := range prefixes {
			ls[i] = o.lists[p]
			ready = ready && ls[i].has(field)
		}
		if ready {
			now := time.Now().UnixNano()
			for _, l := range ls {
				l.lastRead.Store(now)
			}
			fn(ls)
			o.mu.RUnlock()
			return nil
		}
		o.mu.RUnlock() // a reset came in between: load them again
	}
}

// read calls fn with the list for prefix under the read lock (see readAll).
func (o *nameOrder) read(db *badger.DB, prefix string, fn func(*orderList)) error {
	return o.readAll(db, []string{prefix}, "", func(ls []*orderList) { fn(ls[0]) })
}

// has reports whether the list is loaded with its order of field.
func (l *orderList) has(field string) bool {
	return l != nil && (!isColumn(field) || (l.cols[field] != nil && l.applied[field] == len(l.log)))
}

// load loads the list for prefix from Badger, and builds its order of field, unless they are.
// A column is built from a copy of the entries, outside the lock (30–150 ms at 100,000
// contacts), and kept unless the list changed meanwhile.
func (o *nameOrder) load(db *badger.DB, prefix, field string) error {
	for try := 0; ; try++ {
		o.mu.RLock()
		l := o.lists[prefix]
		ready := l.has(field)
		var entries []*orderEntry
		var gen uint64
		building := l != nil && !ready && l.cols[field] == nil
		if building {
			entries, gen = l.snapshot(), l.gen
		}
		o.mu.RUnlock()
		switch {
		case ready:
			return nil
		case l == nil:
			o.mu.Lock()
			if o.lists[prefix] == nil {
				l, err := loadList(db, prefix)
				if err != nil {
					o.mu.Unlock()
					return err
				}
				o.lists[prefix] = l
			}
			o.mu.Unlock()
		case !building: // built, but behind the log
			o.mu.Lock()
			if o.lists[prefix] == l && l.cols[field] != nil {
				l.catchUp(field)
			}
			o.mu.Unlock()
		case try > 0: // the list keeps changing (an import): build it under the lock
			o.mu.Lock()
			if o.lists[prefix] == l && l.cols[field] == nil {
				l.install(field, columnOf(field).build(l.snapshot()))
			}
			o.mu.Unlock()
		default:
			col := columnOf(field).build(entries)
			o.mu.Lock()
			if o.lists[prefix] == l && l.gen == gen && l.cols[field] == nil {
				l.install(field, col)
			}
			o.mu.Unlock()
		}
	}
}

// install makes col, built from every current entry, the list's column for field.
func (l *orderList) install(field string, col []*orderEntry) {
	l.cols[field] = col
	l.applied[field] = len(l.log)
	l.wanted[field] = true
}

func (l *orderList) snapshot() []*orderEntry {
	entries := make([]*orderEntry, 0, len(l.byID))
	for _, e := range l.byID {
		entries = append(entries, e)
	}
	return entries
}

// keepColumns loads again, in the background, the lists that bulk writes dropped and builds
// the columns that large merges dropped, once a list has had no change for settle: the first
// list after an import then finds them ready. It returns when stop is closed.
func (o *nameOrder) keepColumns(db *badger.DB, settle time.Duration, stop <-chan struct{}) {
	type want struct {
		prefix, field string
		gen           uint64
	}
	for {
		select {
		case <-stop:
			return
		case <-o.dropped:
		}
		for {
			var builds []want
			gone := map[string]uint64{}
			o.mu.RLock()
			for prefix, l := range o.lists {
				for f := range l.wanted {
					if l.cols[f] == nil {
						builds = append(builds, want{prefix, f, l.gen})
					}
				}
			}
			for prefix, g := range o.gone {
				gone[prefix] = g.writes
			}
			o.mu.RUnlock()
			if len(builds) == 0 && len(gone) == 0 {
				break
			}
			select {
			case <-stop:
				return
			case <-time.After(settle):
			}
			for _, w := range builds {
				o.mu.RLock()
				l := o.lists[w.prefix]
				settled := l != nil && l.gen == w.gen
				o.mu.RUnlock()
				if settled {
					_ = o.load(db, w.prefix, w.field) // an error leaves it to the next list
				}
			}
			for prefix, writes := range gone {
				o.reload(db, prefix, writes)
			}
		}
	}
}

// reload loads a list that a bulk write dropped, and its columns, if no write reached it since
// its count of writes was writes.
func (o *nameOrder) reload(db *badger.DB, prefix string, writes uint64) {
	o.mu.RLock()
	g := o.gone[prefix]
	settled := g != nil && g.writes == writes
	var fields []string
	if settled {
		for f := range g.wanted {
			fields = append(fields, f)
		}
	}
	o.mu.RUnlock()
	if !settled {
		return
	}
	for _, f := range append([]string{""}, fields...) {
		if err := o.load(db, prefix, f); err != nil {
			return // left for the next list to load
		}
	}
	o.mu.Lock()
	if g := o.gone[prefix]; g != nil && g.writes == writes {
		delete(o.gone, prefix)
	}
	o.mu.Unlock()
}

// loadList reads a name order from Badger. A value written before sort values were kept with
// the terms gets them from the contact's record.
func loadList(db *badger.DB, prefix string) (*orderList, error) {
	l := &orderList{byID: map[string]*orderEntry{}, cols: map[string][]*orderEntry{}, wanted: map[string]bool{}, applied: map[string]int{}}
	// The list is read loadChunk keys per transaction: an iterator keeps every table it started
	// with, and one over a whole list of 100,000 (2 s beside the background work of an import)
	// kept the tables a compaction had replaced mapped until it ended, 70 MB more resident. The
	// caller holds the order's lock, so no write's change is applied meanwhile; a write that
	// commits between two chunks applies its changes to the loaded list afterwards, and upserts
	// and deletes by key come out the same whichever chunk saw them.
	from := []byte(prefix)
	for from != nil {
		err := db.View(func(txn *badger.Txn) error {
			opt := badger.DefaultIteratorOptions
			opt.Prefix = []byte(prefix)
			it := txn.NewIterator(opt)
			defer it.Close()
			var bare []*orderEntry
			n, start := 0, from
			from = nil // unless the chunk ends before the list does
			for it.Seek(start); it.Valid(); it.Next() {
				item := it.Item()
				if n == loadChunk {
					from = item.KeyCopy(nil)
					break
				}
				n++
				v, err := item.ValueCopy(nil)
				if err != nil {
					return err
				}
				k := string(bytes.TrimPrefix(item.Key(), []byte(prefix)))
				terms, sorts := splitNameValue(v)
				l.keys = append(l.keys, k)
				l.terms = append(l.terms, terms)
				e := &orderEntry{k, terms, sorts}
				l.byID[idOf(k)] = e
				if sorts == nil {
					bare = append(bare, e)
				}
			}
			for _, e := range bare {
				var c app.Contact
				if err := getContact(txn, idOf(e.key), &c); err == nil {
					e.sorts = app.PackSortValues(&c)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return l, nil
}

// loadChunk is how many keys of a list loadList reads per transaction.
var loadChunk = 4096

// orderView is one list in the order of one sort: the name order's keys, or a column.
type orderView struct {
	l      *orderList
	byName bool
	col    []*orderEntry
	c      column
}

func (l *orderList) view(field string) orderView {
	if !isColumn(field) {
		return orderView{l: l, byName: true}
	}
	return orderView{l: l, col: l.cols[field], c: columnOf(field)}
}

func (v orderView) len() int {
	if v.byName {
		return len(v.l.keys)
	}
	return len(v.col)
}

func (v orderView) id(i int) string {
	if v.byName {
		return idOf(v.l.keys[i])
	}
	return idOf(v.col[i].key)
}

// entry returns the i-th contact's entry (terms and sort values).
func (v orderView) entry(i int) *orderEntry {
	if v.byName {
		return v.l.byID[idOf(v.l.keys[i])]
	}
	return v.col[i]
}

// cmp compares v's i-th entry with w's j-th, w a view of the same sort.
func (v orderView) cmp(i int, w orderView, j int) int {
	if v.byName {
		return strings.Compare(v.l.keys[i], w.l.keys[j])
	}
	return v.c.cmp(v.col[i], w.col[j])
}

// start returns the index where a walk from after starts: the first entry past it, going up
// or down; -1 or len when there is none. A nil after starts at the end the walk starts from.
func (v orderView) start(after *app.Cursor, desc bool) int {
	n := v.len()
	if after == nil {
		if desc {
			return n - 1
		}
		return 0
	}
	var cmp func(i int) int
	if v.byName {
		key := after.Value + "\x00" + after.ID
		cmp = func(i int) int { return strings.Compare(v.l.keys[i], key) }
	} else {
		value := []byte(after.Value)
		cmp = func(i int) int { return v.c.cmpCursor(v.col[i], value, after.ID) }
	}
	if desc {
		return sort.Search(n, func(i int) bool { return cmp(i) >= 0 }) - 1 // the last before after
	}
	return sort.Search(n, func(i int) bool { return cmp(i) > 0 }) // the first after after
}
