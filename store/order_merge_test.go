package store

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"agentbook/app"
)

// TestOrderListMergeAgreesWithOneByOne applies random batches of inserts, updates and deletes,
// some repeating a key within the batch, both one change at a time and merged, and compares the
// name orders, the ID maps and every column's order after every batch, the columns also with
// ones built afresh.
func TestOrderListMergeAgreesWithOneByOne(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	newList := func() *orderList {
		l := &orderList{byID: map[string]*orderEntry{}, cols: map[string][]*orderEntry{}}
		for _, f := range app.SortFields() {
			if isColumn(f) {
				l.cols[f] = columnOf(f).build(l.byID)
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
			want := columnOf(f).build(one.byID)
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
