package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"agentbook/app"
)

// TestOrderListMergeAgreesWithOneByOne applies random batches of inserts, updates and deletes,
// some repeating a key within the batch, both one change at a time and merged, and compares the
// name orders, the ID maps and every column's order after every batch, the columns also with
// ones built afresh.
func TestOrderListMergeAgreesWithOneByOne(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	newList := func() *orderList {
		l := &orderList{byID: map[string]*orderEntry{}, cols: map[string][]*orderEntry{}, wanted: map[string]bool{}, applied: map[string]int{}}
		for _, f := range app.SortFields() {
			if isColumn(f) {
				l.install(f, columnOf(f).build(l.snapshot()))
			}
		}
		return l
	}
	randomSorts := func() []byte {
		var b []byte
		for range app.PackedSortFields {
			v := fmt.Sprint(r.IntN(5)) // few values: many ties, broken by ID
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
		return b
	}
	one, merged := newList(), newList()
	var live []string
	for batch := range 300 {
		var ops []orderOp
		for range r.IntN(3 * mergeOps) {
			var op orderOp
			switch x := r.IntN(10); {
			case x < 3 && len(live) > 0: // delete or change an existing key
				k := live[r.IntN(len(live))]
				op = orderOp{key: k, del: x == 0, terms: []byte(fmt.Sprint(batch))}
			case x < 4 && len(ops) > 0: // repeat a key of this batch
				op = ops[r.IntN(len(ops))]
				op.del = !op.del
			default:
				op = orderOp{key: fmt.Sprintf("%03d\x00id%d", r.IntN(500), r.IntN(1000)), terms: []byte("t")}
			}
			op.sorts = randomSorts()
			ops = append(ops, op)
		}
		for _, op := range ops {
			one.applyOne(op)
		}
		if len(ops) > 0 {
			merged.merge(ops)
		}
		if !slices.Equal(one.keys, merged.keys) {
			t.Fatalf("batch %d: keys\n one   %q\n merge %q", batch, one.keys, merged.keys)
		}
		if !slices.IsSorted(merged.keys) {
			t.Fatalf("batch %d: merged keys not sorted", batch)
		}
		for i := range one.terms {
			if string(one.terms[i]) != string(merged.terms[i]) {
				t.Fatalf("batch %d: terms of %q: %q, merged %q", batch, one.keys[i], one.terms[i], merged.terms[i])
			}
		}
		if len(one.byID) != len(merged.byID) {
			t.Fatalf("batch %d: %d IDs, merged %d", batch, len(one.byID), len(merged.byID))
		}
		for id, e := range one.byID {
			if m := merged.byID[id]; m == nil || m.key != e.key || string(m.terms) != string(e.terms) || string(m.sorts) != string(e.sorts) {
				t.Fatalf("batch %d: ID %s: %+v, merged %+v", batch, id, e, m)
			}
		}
		for f := range one.cols {
			want := columnOf(f).build(one.snapshot())
			one.catchUp(f)             // as a read does
			if merged.cols[f] == nil { // dropped by a large merge: built again when next used
				merged.install(f, columnOf(f).build(merged.snapshot()))
			}
			merged.catchUp(f)
			if !one.has(f) || !merged.has(f) {
				t.Fatalf("batch %d: column %s not ready after catching up", batch, f)
			}
			for name, l := range map[string]*orderList{"one by one": one, "merged": merged} {
				got := l.cols[f]
				if len(got) != len(want) {
					t.Fatalf("batch %d: %s column %s has %d entries, want %d", batch, name, f, len(got), len(want))
				}
				for i := range want {
					if got[i].key != want[i].key || string(got[i].sorts) != string(want[i].sorts) {
						t.Fatalf("batch %d: %s column %s at %d: %q, want %q", batch, name, f, i, got[i].key, want[i].key)
					}
				}
			}
		}
		live = slices.Clone(one.keys)
	}
	if len(one.keys) < 100 {
		t.Fatalf("only %d keys at the end: the test did not exercise much", len(one.keys))
	}
}

// BenchmarkColumnBuild builds a column's order of 100,000 entries, as the first list by that
// column after a large import does.
func BenchmarkColumnBuild(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	var entries []*orderEntry
	for i := range 100000 {
		var sorts []byte
		for range app.PackedSortFields {
			v := fmt.Sprintf("value %d", r.IntN(50000))
			sorts = binary.AppendUvarint(sorts, uint64(len(v)))
			sorts = append(sorts, v...)
		}
		id := app.NewID() + fmt.Sprint(i)
		entries = append(entries, &orderEntry{key: "name\x00" + id, sorts: sorts})
	}
	for _, f := range []string{app.SortCreated, app.SortCity} {
		b.Run(f, func(b *testing.B) {
			for b.Loop() {
				columnOf(f).build(entries)
			}
		})
	}
}

// TestColumnsBuiltAgainAfterLargeWrite checks that a column dropped by a large batch of writes
// is built again in the background once the writes settle, and that lists by it are right
// before and after.
func TestColumnsBuiltAgainAfterLargeWrite(t *testing.T) {
	s, err := Open(Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	create := func(n int) []*app.Contact { return createInCities(t, s, n) }
	all := create(10)
	byCity := func() []string { return listedByCity(t, s) }
	want := func() []string { return byCityKeys(all) }
	if got := byCity(); !slices.Equal(got, want()) {
		t.Fatalf("by city = %q, want %q", got, want())
	}
	built := func() bool {
		var ok bool
		s.order.mu.RLock()
		ok = s.order.lists[namePrefix("o", app.StatusActive)].cols[app.SortCity] != nil
		s.order.mu.RUnlock()
		return ok
	}
	all = append(all, create(3*rebuildCols)...)
	if built() {
		t.Fatal("a large batch did not drop the column")
	}
	deadline := time.Now().Add(10 * time.Second)
	for !built() {
		if time.Now().After(deadline) {
			t.Fatal("the column was not built again within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := byCity(); !slices.Equal(got, want()) {
		t.Fatalf("by city after the rebuild = %q, want %q", got, want())
	}
	all = append(all, create(3)...) // small writes keep the column in step
	if !built() {
		t.Fatal("a small batch dropped the column")
	}
	if got := byCity(); !slices.Equal(got, want()) {
		t.Fatalf("by city after small writes = %q, want %q", got, want())
	}
}

// BenchmarkApplyOne adds one contact (a Quick Add) to a list of 100,000 ordered by city too,
// then lists by city.
func BenchmarkApplyOne(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	sorts := func() []byte {
		var s []byte
		for range app.PackedSortFields {
			v := fmt.Sprintf("value %d", r.IntN(50000))
			s = binary.AppendUvarint(s, uint64(len(v)))
			s = append(s, v...)
		}
		return s
	}
	l := &orderList{byID: map[string]*orderEntry{}, cols: map[string][]*orderEntry{}, wanted: map[string]bool{}, applied: map[string]int{}}
	var ops []orderOp
	for i := range 100000 {
		ops = append(ops, orderOp{key: fmt.Sprintf("name %d\x00%s%d", r.IntN(50000), app.NewID(), i), terms: []byte("t"), sorts: sorts()})
	}
	l.merge(ops)
	l.install(app.SortCity, columnOf(app.SortCity).build(l.snapshot()))
	for b.Loop() {
		l.applyOne(orderOp{key: fmt.Sprintf("name %d\x00%s", r.IntN(50000), app.NewID()), terms: []byte("t"), sorts: sorts()})
		l.catchUp(app.SortCity)
	}
	if len(l.log) > 0 || l.cols[app.SortCity] == nil {
		b.Fatal("the column did not take the changes")
	}
}

// TestListDroppedByBulkWriteComesBack checks that a bulk write drops a list nobody read lately,
// that a list read meanwhile loads it from Badger, and that it comes back in the background
// with the columns it had once the writes settle; and that a list read lately is kept.
func TestListDroppedByBulkWriteComesBack(t *testing.T) {
	s, err := Open(Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	prefix := namePrefix("o", app.StatusActive)
	var all []*app.Contact
	create := func(n int) { all = append(all, createInCities(t, s, n)...) }
	check := func(when string) {
		t.Helper()
		if got, want := listedByCity(t, s), byCityKeys(all); !slices.Equal(got, want) {
			t.Fatalf("%s: %d listed by city, want %d, or out of order", when, len(got), len(want))
		}
	}
	state := func() (loaded, withCity bool) {
		s.order.mu.RLock()
		defer s.order.mu.RUnlock()
		l := s.order.lists[prefix]
		return l != nil, l != nil && l.cols[app.SortCity] != nil
	}
	create(10)
	check("before")
	create(2 * dropListOps) // read just now: kept
	if loaded, _ := state(); !loaded {
		t.Fatal("a list read just now was dropped")
	}
	check("after a bulk write beside reads")
	s.order.mu.RLock()
	s.order.lists[prefix].lastRead.Store(0) // nobody has read it for long
	s.order.mu.RUnlock()
	create(2 * dropListOps)
	if loaded, _ := state(); loaded {
		t.Fatal("a bulk write kept a list nobody reads")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if loaded, withCity := state(); loaded && withCity {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the list and its column did not come back within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.order.mu.RLock()
	gone := len(s.order.gone)
	s.order.mu.RUnlock()
	if gone != 0 {
		t.Errorf("%d lists still marked gone", gone)
	}
	check("after it came back")
	s.order.mu.RLock()
	s.order.lists[prefix].lastRead.Store(0)
	s.order.mu.RUnlock()
	create(2 * dropListOps)
	check("read straight after a bulk write") // loads it from Badger
}

// createInCities stores n active contacts of agent "o" spread over 40 cities.
func createInCities(t *testing.T, s *Store, n int) []*app.Contact {
	t.Helper()
	var cs []*app.Contact
	for i := range n {
		c := &app.Contact{ID: app.NewID(), OwnerID: "o", FirstName: fmt.Sprintf("F%03d", i), Status: app.StatusActive, Version: 1,
			Addresses: []app.Address{{City: fmt.Sprintf("City %02d", (i*7)%40)}}}
		c.Normalize()
		cs = append(cs, c)
	}
	if err := s.CreateContacts(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
	return cs
}

// listedByCity lists agent "o"'s active contacts by city and returns their order keys.
func listedByCity(t *testing.T, s *Store) []string {
	t.Helper()
	page, _, err := s.ListContacts(context.Background(), app.ContactPage{OwnerID: "o", Status: app.StatusActive, Sort: app.SortCity, Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, c := range page {
		keys = append(keys, c.SortValue(app.SortCity)+"\x00"+c.ID)
	}
	return keys
}

// byCityKeys returns the contacts' order keys by city, sorted.
func byCityKeys(cs []*app.Contact) []string {
	var keys []string
	for _, c := range cs {
		keys = append(keys, c.SortValue(app.SortCity)+"\x00"+c.ID)
	}
	slices.Sort(keys)
	return keys
}
