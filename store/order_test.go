package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/store/storetest"

	"github.com/dgraph-io/badger/v4"
)

// TestStoreNameOrderFollowsWrites checks the in-memory orders against Badger after concurrent
// creates, renames, status changes and deletes, with the orders loaded before, during and after
// the writes and listed by columns while they go on: a walk that accepts everything lists
// exactly the contacts of Badger's name keys, and every list, by name or by a column, either
// way, is in the order their records give.
func TestStoreNameOrderFollowsWrites(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	all := func([]byte) bool { return true }
	walk := func(status app.ContactStatus, desc bool) []string {
		ids, _, complete, err := st.MatchContacts(ctx, app.ContactPage{OwnerID: "o", Status: status, Sort: app.SortName, Desc: desc, Limit: 100000}, all, 1<<30)
		if err != nil || !complete {
			t.Fatalf("MatchContacts: %v, complete %v", err, complete)
		}
		return ids
	}
	list := func(status app.ContactStatus, sort string, desc bool) []string {
		cs, _, err := st.ListContacts(ctx, app.ContactPage{OwnerID: "o", Status: status, Sort: sort, Desc: desc, Limit: 100000})
		if err != nil {
			t.Error(err)
		}
		ids := []string{}
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		return ids
	}
	// stored returns the contacts of Badger's name keys, and each sort's order from their records.
	stored := func(status app.ContactStatus) ([]string, func(sort string, desc bool) []string) {
		var ids []string
		prefix := "cs/o/" + string(status) + "/name/"
		err := st.DB().View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix)})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				k := string(it.Item().Key())
				ids = append(ids, k[strings.LastIndexByte(k, 0)+1:])
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		cs, err := st.ContactsByID(ctx, ids)
		if err != nil || len(cs) != len(ids) {
			t.Fatalf("records of the name keys: %d of %d, %v", len(cs), len(ids), err)
		}
		return ids, func(sort string, desc bool) []string {
			keys := make([]string, len(cs))
			for i, c := range cs {
				keys[i] = c.SortValue(sort) + "\x00" + c.ID
			}
			slices.Sort(keys)
			if desc {
				slices.Reverse(keys)
			}
			out := []string{}
			for _, k := range keys {
				out = append(out, k[strings.LastIndexByte(k, 0)+1:])
			}
			return out
		}
	}
	walk(app.StatusActive, false)                   // loaded before any write
	list(app.StatusActive, app.SortLastName, false) // and a column built
	var wg sync.WaitGroup
	done, listed := make(chan struct{}), make(chan struct{})
	go func() { // lists by columns while the writes go on
		defer close(listed)
		for {
			select {
			case <-done:
				return
			default:
			}
			for _, s := range []app.ContactStatus{app.StatusActive, app.StatusInactive} {
				list(s, app.SortLastName, true)
				list(s, app.SortCreated, false)
			}
		}
	}()
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			var mine []*app.Contact
			for i := 0; i < 150; i++ {
				switch op := r.IntN(4); {
				case op == 0 || len(mine) == 0:
					c := &app.Contact{ID: app.NewID(), OwnerID: "o", FirstName: fmt.Sprintf("F%d", r.IntN(50)),
						LastName: fmt.Sprintf("L%d", r.IntN(50)), Status: app.StatusActive, Version: 1}
					if err := st.CreateContacts(ctx, []*app.Contact{c}); err != nil {
						t.Error(err)
						return
					}
					mine = append(mine, c)
				case op == 1:
					c := mine[r.IntN(len(mine))]
					n := *c
					n.LastName, n.Version = fmt.Sprintf("R%d", r.IntN(50)), c.Version+1
					if err := st.UpdateContact(ctx, &n); err != nil {
						t.Error(err)
						return
					}
					*c = n
				case op == 2:
					c := mine[r.IntN(len(mine))]
					n := *c
					n.Status, n.Version = app.StatusInactive, c.Version+1
					if c.Status == app.StatusInactive {
						n.Status = app.StatusActive
					}
					if err := st.UpdateContact(ctx, &n); err != nil {
						t.Error(err)
						return
					}
					*c = n
				default:
					k := r.IntN(len(mine))
					if err := st.DeleteContact(ctx, "o", mine[k].ID); err != nil {
						t.Error(err)
						return
					}
					mine = slices.Delete(mine, k, k+1)
				}
				if i == 75 && w == 0 {
					walk(app.StatusInactive, false) // loaded while writes go on
				}
			}
		}(w)
	}
	wg.Wait()
	close(done)
	<-listed
	for _, status := range []app.ContactStatus{app.StatusActive, app.StatusInactive} {
		ids, want := stored(status)
		if len(ids) == 0 {
			t.Fatalf("no %s contacts: the test did not exercise much", status)
		}
		for _, desc := range []bool{false, true} {
			if got := walk(status, desc); !slices.Equal(got, want(app.SortName, desc)) {
				t.Errorf("%s desc=%v: the name order has %d contacts, Badger %d\n got %v\nwant %v", status, desc, len(got), len(ids), got, want(app.SortName, desc))
			}
			for _, f := range app.SortFields() {
				if got := list(status, f, desc); !slices.Equal(got, want(f, desc)) {
					t.Errorf("%s by %s desc=%v: listed %d contacts\n got %v\nwant %v", status, f, desc, len(got), got, want(f, desc))
				}
			}
		}
	}
}

// TestStoreRecordCacheFollowsWrites reads contacts through the record cache while others rewrite
// them: once the writes are done, every cached read equals a direct read of the record.
func TestStoreRecordCacheFollowsWrites(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	var ids []string
	for i := 0; i < 50; i++ {
		c := &app.Contact{ID: app.NewID(), OwnerID: "o", FirstName: "F", LastName: fmt.Sprint(i), Status: app.StatusActive, Version: 1}
		if err := st.CreateContacts(ctx, []*app.Contact{c}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for r := 0; r < 3; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				cs, err := st.ContactsByID(ctx, ids)
				if err != nil {
					t.Error(err)
					return
				}
				if len(cs) > 0 {
					cs[0].Emails = append(cs[0].Emails, app.Email{Address: "scribble@x.test"}) // callers own their copies
				}
			}
		}()
	}
	var writers sync.WaitGroup
	for w := 0; w < 4; w++ {
		writers.Add(1)
		go func(w int) {
			defer writers.Done()
			for i := w; i < len(ids); i += 4 {
				for v := 0; v < 10; v++ {
					c, err := st.Contact(ctx, "o", ids[i])
					if err != nil {
						t.Error(err)
						return
					}
					c.FirstName, c.Version = fmt.Sprintf("V%d", c.Version+1), c.Version+1
					if err := st.UpdateContact(ctx, c); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}(w)
	}
	writers.Wait()
	close(stop)
	readers.Wait()
	cs, err := st.ContactsByID(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cs {
		direct, err := st.Contact(ctx, "o", ids[i])
		if err != nil {
			t.Fatal(err)
		}
		if c.Version != direct.Version || c.FirstName != direct.FirstName || len(c.Emails) != len(direct.Emails) {
			t.Errorf("contact %d: cached read %s v%d (%d emails), record %s v%d (%d emails)", i, c.FirstName, c.Version, len(c.Emails), direct.FirstName, direct.Version, len(direct.Emails))
		}
	}
}

// TestStoreSortKeysFromNameOrder checks that SortKeys, which reads sort values from the name
// orders in memory, gives exactly the keys the records give, for every sort field, for active and
// inactive contacts, after updates, and never for another agent's contacts.
func TestStoreSortKeysFromNameOrder(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	r := rand.New(rand.NewPCG(7, 8))
	var mine, theirs []*app.Contact
	for i := range 80 {
		c := &app.Contact{ID: app.NewID(), OwnerID: "o", FirstName: fmt.Sprintf("F%03d", r.IntN(1000)), LastName: fmt.Sprintf("Ł%03d", r.IntN(1000)),
			Company: []string{"", "Acme", "Zeta Homes"}[i%3], Title: []string{"Broker", ""}[i%2], Status: app.StatusActive, Version: 1,
			Emails:    []app.Email{{Address: fmt.Sprintf("p%d@example.com", r.IntN(1000)), Status: []string{app.EmailUnknown, app.EmailInvalid, app.EmailValid}[i%3]}},
			Addresses: []app.Address{{City: []string{"Dover", "Salem", ""}[i%3], Region: "MA", PostalCode: fmt.Sprintf("%05d", r.IntN(99999))}}}
		if i%4 == 0 {
			c.Status = app.StatusInactive
		}
		c.CreatedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		c.UpdatedAt = c.CreatedAt.Add(time.Duration(r.IntN(1e6)) * time.Second)
		c.Normalize()
		mine = append(mine, c)
	}
	for range 5 {
		c := &app.Contact{ID: app.NewID(), OwnerID: "x", FirstName: "Other", Status: app.StatusActive, Version: 1}
		theirs = append(theirs, c)
	}
	if err := st.CreateContacts(ctx, append(slices.Clone(mine), theirs...)); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		var ids []string
		for _, c := range append(slices.Clone(mine), theirs...) {
			ids = append(ids, c.ID)
		}
		for _, f := range app.SortFields() {
			var want []string
			for _, c := range mine {
				want = append(want, c.SortValue(f)+"\x00"+c.ID)
			}
			got, err := st.SortKeys(ctx, "o", ids, f)
			if err != nil {
				t.Fatal(err)
			}
			if f == app.SortCreated { // made from the IDs alone; ownership is checked later
				continue
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s: SortKeys(%s) = %q\nwant %q", when, f, got, want)
			}
		}
	}
	check("after creating")
	for i, c := range mine[:20] {
		next := *c
		next.Company, next.Version, next.UpdatedAt = "Renamed "+c.Company, c.Version+1, c.UpdatedAt.Add(time.Hour)
		next.Emails = []app.Email{{Address: fmt.Sprintf("new%d@example.org", i), Status: app.EmailValid}}
		if i%2 == 0 {
			next.Status = map[app.ContactStatus]app.ContactStatus{app.StatusActive: app.StatusInactive, app.StatusInactive: app.StatusActive}[c.Status]
		}
		next.Normalize()
		if err := st.UpdateContact(ctx, &next); err != nil {
			t.Fatal(err)
		}
		mine[i] = &next
	}
	check("after updates and status changes")
}

// TestStoreContactsToReadShares checks that ContactsToRead hands out the cached records
// themselves (no copying for list pages), while ContactsByID gives copies a caller may change
// without the change reaching anyone else.
func TestStoreContactsToReadShares(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	c := &app.Contact{ID: app.NewID(), OwnerID: "o", FirstName: "Ann", Status: app.StatusActive, Version: 1,
		Emails: []app.Email{{Address: "ann@example.com"}}}
	if err := st.CreateContacts(ctx, []*app.Contact{c}); err != nil {
		t.Fatal(err)
	}
	st.ContactsByID(ctx, []string{c.ID}) // cached now
	a, _ := st.ContactsToRead(ctx, []string{c.ID})
	b, _ := st.ContactsToRead(ctx, []string{c.ID})
	if len(a) != 1 || len(b) != 1 || a[0] != b[0] {
		t.Fatalf("ContactsToRead gave %p and %p; want the one cached record", a, b)
	}
	mine, _ := st.ContactsByID(ctx, []string{c.ID})
	mine[0].FirstName, mine[0].Emails[0].Address = "Changed", "changed@example.com"
	again, _ := st.ContactsByID(ctx, []string{c.ID})
	if again[0].FirstName != "Ann" || again[0].Emails[0].Address != "ann@example.com" || a[0].FirstName != "Ann" {
		t.Fatalf("a change to ContactsByID's copy reached the cache: %+v", again[0])
	}
}
