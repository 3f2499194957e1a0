package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/search"

	"github.com/dgraph-io/badger/v4"
)

// TestRefreshTermsUpgradesNameValues checks the upgrade from name-order values without sort
// values (terms only, as written before contacts-17): such values are read as terms, SortKeys
// still gives the right keys (from the records), and RefreshTerms rewrites them with sort values.
func TestRefreshTermsUpgradesNameValues(t *testing.T) {
	ctx := context.Background()
	s, err := Open(Options{InMemory: true, Terms: search.Terms})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var cs []*app.Contact
	var ids []string
	for i := range 30 {
		c := &app.Contact{ID: app.NewID(), OwnerID: "o", FirstName: fmt.Sprintf("F%02d", 30-i), LastName: "Lee", Company: fmt.Sprintf("C%02d", i%7),
			Status: app.StatusActive, Version: 1, CreatedAt: time.Now(), UpdatedAt: time.Now().Add(time.Duration(i) * time.Minute)}
		c.Normalize()
		cs, ids = append(cs, c), append(ids, c.ID)
	}
	if err := s.CreateContacts(ctx, cs); err != nil {
		t.Fatal(err)
	}
	// Write the name-order values as an older agentbook did: the terms alone.
	err = s.db.Update(func(txn *badger.Txn) error {
		for _, c := range cs {
			if err := txn.Set([]byte(sortKey(c, app.SortName)), search.Terms(c)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.order.reset()
	s.records = newRecordCache(100) // nothing cached: the legacy path reads the records
	want := func(field string) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.SortValue(field)+"\x00"+c.ID)
		}
		slices.Sort(out)
		return out
	}
	check := func(when string) {
		t.Helper()
		for _, f := range []string{app.SortCompany, app.SortFirstName, app.SortUpdated} {
			got, err := s.SortKeys(ctx, "o", ids, f)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			if !slices.Equal(got, want(f)) {
				t.Errorf("%s: SortKeys(%s) = %q, want %q", when, f, got, want(f))
			}
		}
	}
	sortsKept := func() (n int) {
		err := s.order.read(s.db, namePrefix("o", app.StatusActive), func(l *orderList) {
			for _, e := range l.byID {
				if e.sorts != nil {
					n++
				}
				if len(e.terms) == 0 {
					t.Errorf("entry %s lost its terms", e.key)
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := sortsKept(); n != 0 {
		t.Fatalf("%d legacy entries have sort values", n)
	}
	check("with legacy values")
	if n, err := s.RefreshTerms(ctx); err != nil || n != len(cs) {
		t.Fatalf("RefreshTerms = %d, %v", n, err)
	}
	if n := sortsKept(); n != len(cs) {
		t.Fatalf("after RefreshTerms %d of %d entries have sort values", n, len(cs))
	}
	check("after RefreshTerms")
}

func TestLoadNameOrders(t *testing.T) {
	ctx := context.Background()
	s, err := Open(Options{InMemory: true, Terms: search.Terms})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u := &app.User{ID: app.NewID(), Email: "a@x.test", Name: "A", Enabled: true}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	c := &app.Contact{ID: app.NewID(), OwnerID: u.ID, FirstName: "Ann", Status: app.StatusActive, Version: 1}
	if err := s.CreateContacts(ctx, []*app.Contact{c}); err != nil {
		t.Fatal(err)
	}
	s.order.reset()
	if err := s.LoadNameOrders(ctx); err != nil {
		t.Fatal(err)
	}
	s.order.mu.RLock()
	l := s.order.lists[namePrefix(u.ID, app.StatusActive)]
	s.order.mu.RUnlock()
	if l == nil || len(l.keys) != 1 {
		t.Fatalf("the agent's name order is not loaded: %+v", l)
	}
}
