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
// values (terms only, as written before contacts-17) and from the column-order keys kept before
// the other orders moved to memory: such values are read as terms and the sort values taken
// from the records, so SortKeys and column lists are right; RefreshTerms rewrites the values with
// sort values, and upgradeLayout (which Open runs) deletes the column keys, once.
func TestRefreshTermsUpgradesNameValues(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	var ids []string
	cs := createTestContacts(t, s, 30, func(i int, c *app.Contact) {
		c.FirstName, c.LastName, c.Company = fmt.Sprintf("F%02d", 30-i), "Lee", fmt.Sprintf("C%02d", i%7)
		c.CreatedAt, c.UpdatedAt = time.Now(), time.Now().Add(time.Duration(i)*time.Minute)
		c.Normalize()
		ids = append(ids, c.ID)
	})
	// Write the name-order values as an older agentbook did: the terms alone; and its keys of
	// the other orders.
	err := s.db.Update(func(txn *badger.Txn) error {
		for _, c := range cs {
			if err := txn.Set([]byte(sortKey(c, app.SortName)), search.Terms(c)); err != nil {
				return err
			}
			for _, f := range []string{app.SortCompany, app.SortCreated, app.SortEmailStatus} {
				if err := txn.Set([]byte(sortKey(c, f)), nil); err != nil {
					return err
				}
			}
			other := *c // another agent's, which sorts after o's
			other.OwnerID = "p"
			if err := txn.Set([]byte(sortKey(&other, app.SortCity)), nil); err != nil {
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
	if n := sortsKept(); n != len(cs) {
		t.Fatalf("%d of %d legacy entries got their sort values from the records", n, len(cs))
	}
	check("with legacy values")
	page, _, err := s.ListContacts(ctx, app.ContactPage{OwnerID: "o", Status: app.StatusActive, Sort: app.SortCompany, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range page {
		got = append(got, c.SortValue(app.SortCompany)+"\x00"+c.ID)
	}
	if !slices.Equal(got, want(app.SortCompany)) {
		t.Errorf("list by company with legacy values = %q, want %q", got, want(app.SortCompany))
	}
	columnKeys := func() (n int) {
		err := s.db.View(func(txn *badger.Txn) error {
			n = len(keys(txn, pContactSort, 0)) - len(keys(txn, namePrefix("o", app.StatusActive), 0))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := columnKeys(); n != 4*len(cs) {
		t.Fatalf("%d column keys before RefreshTerms, want %d", n, 4*len(cs))
	}
	if n, err := s.RefreshTerms(ctx); err != nil || n != len(cs) {
		t.Fatalf("RefreshTerms = %d, %v", n, err)
	}
	if n := sortsKept(); n != len(cs) {
		t.Fatalf("after RefreshTerms %d of %d entries have sort values", n, len(cs))
	}
	check("after RefreshTerms")
	if n := columnKeys(); n != 4*len(cs) {
		t.Fatalf("RefreshTerms touched column keys: %d left, want %d", n, 4*len(cs))
	}
	if err := s.upgradeLayout(); err != nil {
		t.Fatal(err)
	}
	if n := columnKeys(); n != 4*len(cs) {
		t.Fatalf("upgradeLayout ran again on an upgraded store: %d column keys left, want %d", n, 4*len(cs))
	}
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Delete([]byte(kLayout)) }); err != nil {
		t.Fatal(err)
	}
	if err := s.upgradeLayout(); err != nil {
		t.Fatal(err)
	}
	if n := columnKeys(); n != 0 {
		t.Errorf("%d column keys left after upgradeLayout", n)
	}
	check("after upgradeLayout")
	err = s.db.View(func(txn *badger.Txn) error {
		for _, c := range cs {
			item, err := txn.Get([]byte(sortKey(c, app.SortName)))
			if err != nil {
				return err
			}
			v, _ := item.ValueCopy(nil)
			if _, sorts := splitNameValue(v); string(sorts) != string(app.PackSortValues(c)) {
				t.Errorf("stored name value of %s holds sort values %q, want %q", c.ID, sorts, app.PackSortValues(c))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
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
