package store

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"agentbook/app"
	"agentbook/search"

	"github.com/dgraph-io/badger/v4"
)

// openTestStore opens an in-memory store that is closed when the test ends.
func openTestStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(Options{InMemory: true, Terms: search.Terms})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// createTestContacts creates n active contacts of owner "o", each given its fields by set.
func createTestContacts(t *testing.T, s *Store, n int, set func(i int, c *app.Contact)) []*app.Contact {
	t.Helper()
	var cs []*app.Contact
	for i := range n {
		c := &app.Contact{ID: app.NewID(), OwnerID: "o", Status: app.StatusActive, Version: 1}
		set(i, c)
		cs = append(cs, c)
	}
	if err := s.CreateContacts(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
	return cs
}

// TestLoadListInChunks: a list read a few keys per transaction has every key of the name order
// once, in order, with its terms and sort values, whether or not the chunks divide it evenly.
func TestLoadListInChunks(t *testing.T) {
	s := openTestStore(t)
	createTestContacts(t, s, 40, func(i int, c *app.Contact) {
		c.FirstName, c.LastName = fmt.Sprintf("F%02d", i%7), fmt.Sprintf("L%02d", i)
	})
	prefix := namePrefix("o", app.StatusActive)
	var want []string
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			want = append(want, string(it.Item().Key()[len(prefix):]))
		}
		return nil
	})
	if err != nil || len(want) != 40 {
		t.Fatalf("%d name keys, %v", len(want), err)
	}
	defer func(n int) { loadChunk = n }(loadChunk)
	for _, n := range []int{1, 6, 8, 39, 40, 41} {
		loadChunk = n
		l, err := loadList(s.db, prefix)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(l.keys, want) || len(l.terms) != 40 || len(l.byID) != 40 {
			t.Fatalf("chunks of %d: %d keys, %d terms, %d IDs\n got %q\nwant %q", n, len(l.keys), len(l.terms), len(l.byID), l.keys, want)
		}
		for i, k := range l.keys {
			if e := l.byID[idOf(k)]; e == nil || e.key != k || e.sorts == nil || string(e.terms) != string(l.terms[i]) {
				t.Fatalf("chunks of %d: entry of %q is %+v", n, k, e)
			}
		}
	}
}
