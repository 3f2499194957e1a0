package store_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/store"
	"agentbook/store/storetest"

	"github.com/dgraph-io/badger/v4"
)

// savedSearch returns a new saved search of owner attached to contacts, ready for PutSavedSearch.
func savedSearch(owner, name string, contacts ...string) *app.SavedSearch {
	return &app.SavedSearch{ID: app.NewID(), OwnerID: owner, Name: name, Cities: []string{"Springfield"},
		PriceMax: 500000, BedsMin: 3, PropertyTypes: []string{app.PropertyHouse}, Schedule: app.ScheduleDaily,
		ContactIDs: contacts, CreatedAt: t0, UpdatedAt: t0, Version: 1}
}

// nextSearch returns a copy of the stored search prepared as its next version.
func nextSearch(s *app.SavedSearch, edit func(*app.SavedSearch)) *app.SavedSearch {
	n := *s
	n.ContactIDs = slices.Clone(s.ContactIDs)
	n.Version = s.Version + 1
	n.UpdatedAt = s.UpdatedAt.Add(time.Second)
	if edit != nil {
		edit(&n)
	}
	return &n
}

func putSearch(t *testing.T, st *store.Store, ss ...*app.SavedSearch) {
	t.Helper()
	for _, s := range ss {
		if err := st.PutSavedSearch(context.Background(), s); err != nil {
			t.Fatalf("PutSavedSearch %s: %v", s.Name, err)
		}
	}
}

// links returns every contact-to-search link key in the store, in key order. Reading through
// SavedSearchesOf alone would not show a link left behind: it skips links to missing searches.
func links(t *testing.T, st *store.Store) []string {
	t.Helper()
	var ks []string
	err := st.DB().View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("sl/")})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			ks = append(ks, string(it.Item().KeyCopy(nil)))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read link keys: %v", err)
	}
	return ks
}

func searchIDs(ss []*app.SavedSearch) []string {
	ids := make([]string, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	return ids
}

func TestStorePutSavedSearch(t *testing.T) {
	ctx := context.Background()
	owner, other := app.NewID(), app.NewID()
	tests := []struct {
		name string
		// stored is put first (when not nil), then put, which fails with code ("" succeeds).
		// The owner then reads back put when it succeeded, stored when it failed.
		stored func() *app.SavedSearch
		put    func(stored *app.SavedSearch) *app.SavedSearch
		code   string
	}{
		{
			name: "a created saved search is read back whole by its owner",
			put:  func(*app.SavedSearch) *app.SavedSearch { return savedSearch(owner, "Family home", "c1", "c2") },
		},
		{
			name:   "a replace with the next version is read back",
			stored: func() *app.SavedSearch { return savedSearch(owner, "Family home", "c1") },
			put: func(s *app.SavedSearch) *app.SavedSearch {
				return nextSearch(s, func(n *app.SavedSearch) { n.Name, n.PriceMax = "Bigger home", 750000 })
			},
		},
		{
			name: "a create whose version is not 1 is a conflict",
			put: func(*app.SavedSearch) *app.SavedSearch {
				s := savedSearch(owner, "Family home")
				s.Version = 2
				return s
			},
			code: app.ECONFLICT,
		},
		{
			name:   "a replace with the stored version is a conflict",
			stored: func() *app.SavedSearch { return savedSearch(owner, "Family home") },
			put: func(s *app.SavedSearch) *app.SavedSearch {
				n := nextSearch(s, nil)
				n.Version = s.Version
				return n
			},
			code: app.ECONFLICT,
		},
		{
			name:   "a replace that skips a version is a conflict",
			stored: func() *app.SavedSearch { return savedSearch(owner, "Family home") },
			put: func(s *app.SavedSearch) *app.SavedSearch {
				return nextSearch(nextSearch(s, nil), nil)
			},
			code: app.ECONFLICT,
		},
		{
			name:   "another agent putting the same ID as a new search is not found",
			stored: func() *app.SavedSearch { return savedSearch(owner, "Family home", "c1") },
			put: func(s *app.SavedSearch) *app.SavedSearch {
				n := *s
				n.OwnerID, n.ContactIDs = other, []string{"c9"}
				return &n
			},
			code: app.ENOTFOUND,
		},
		{
			name:   "another agent replacing the search is not found",
			stored: func() *app.SavedSearch { return savedSearch(owner, "Family home", "c1") },
			put: func(s *app.SavedSearch) *app.SavedSearch {
				return nextSearch(s, func(n *app.SavedSearch) { n.OwnerID = other })
			},
			code: app.ENOTFOUND,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := storetest.Open(t)
			var stored *app.SavedSearch
			if tt.stored != nil {
				stored = tt.stored()
				putSearch(t, st, stored)
			}
			put := tt.put(stored)
			err := st.PutSavedSearch(ctx, put)
			wantCode(t, err, tt.code)
			want := put
			if tt.code != "" {
				want = stored
			}
			if want == nil {
				if _, err := st.SavedSearch(ctx, put.OwnerID, put.ID); app.ErrorCode(err) != app.ENOTFOUND {
					t.Fatalf("SavedSearch after a failed create: %v, want ENOTFOUND", err)
				}
				return
			}
			got, err := st.SavedSearch(ctx, want.OwnerID, want.ID)
			if err != nil {
				t.Fatalf("SavedSearch: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("SavedSearch = %+v, want %+v", got, want)
			}
			if _, err := st.SavedSearch(ctx, other, want.ID); app.ErrorCode(err) != app.ENOTFOUND {
				t.Fatalf("another agent's SavedSearch: %v, want ENOTFOUND", err)
			}
			if ss, err := st.SavedSearchesOf(ctx, other, "c9"); err != nil || len(ss) != 0 {
				t.Fatalf("another agent's SavedSearchesOf = %v, %v; want none", ss, err)
			}
		})
	}
}

func TestStoreSavedSearchErrors(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	owner := app.NewID()

	t.Run("a missing saved search is not found with a user-safe message", func(t *testing.T) {
		_, err := st.SavedSearch(ctx, owner, app.NewID())
		wantCode(t, err, app.ENOTFOUND)
		if msg := app.ErrorMessage(err); msg != "Saved search not found." {
			t.Fatalf("message = %q", msg)
		}
	})
	t.Run("a conflict says to reload", func(t *testing.T) {
		s := savedSearch(owner, "Condo")
		s.Version = 3
		err := st.PutSavedSearch(ctx, s)
		wantCode(t, err, app.ECONFLICT)
		if msg := app.ErrorMessage(err); msg != "This saved search was changed since you opened it. Reload it and make your change again." {
			t.Fatalf("message = %q", msg)
		}
	})
	t.Run("deleting a missing saved search is not found", func(t *testing.T) {
		wantCode(t, st.DeleteSavedSearch(ctx, owner, app.NewID()), app.ENOTFOUND)
	})
}

func TestStoreDeleteSavedSearch(t *testing.T) {
	ctx := context.Background()
	owner, other := app.NewID(), app.NewID()

	t.Run("a deleted saved search is gone with its links", func(t *testing.T) {
		st := storetest.Open(t)
		s, kept := savedSearch(owner, "Family home", "c1", "c2"), savedSearch(owner, "Condo", "c1")
		putSearch(t, st, s, kept)
		if err := st.DeleteSavedSearch(ctx, owner, s.ID); err != nil {
			t.Fatalf("DeleteSavedSearch: %v", err)
		}
		if _, err := st.SavedSearch(ctx, owner, s.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("SavedSearch after delete: %v, want ENOTFOUND", err)
		}
		for contact, want := range map[string][]string{"c1": {kept.ID}, "c2": {}} {
			got, err := st.SavedSearchesOf(ctx, owner, contact)
			if err != nil {
				t.Fatalf("SavedSearchesOf %s: %v", contact, err)
			}
			if ids := searchIDs(got); !slices.Equal(ids, want) {
				t.Errorf("SavedSearchesOf %s = %v, want %v", contact, ids, want)
			}
		}
		if got, want := links(t, st), []string{"sl/" + owner + "/c1/" + kept.ID}; !slices.Equal(got, want) {
			t.Errorf("link keys = %v, want %v", got, want)
		}
		wantCode(t, st.DeleteSavedSearch(ctx, owner, s.ID), app.ENOTFOUND)
	})
	t.Run("another agent cannot delete a saved search", func(t *testing.T) {
		st := storetest.Open(t)
		s := savedSearch(owner, "Family home", "c1")
		putSearch(t, st, s)
		wantCode(t, st.DeleteSavedSearch(ctx, other, s.ID), app.ENOTFOUND)
		if _, err := st.SavedSearch(ctx, owner, s.ID); err != nil {
			t.Fatalf("SavedSearch after another agent's delete: %v", err)
		}
	})
}

func TestStoreSavedSearchesOf(t *testing.T) {
	ctx := context.Background()
	owner, other := app.NewID(), app.NewID()

	t.Run("links follow a replace that drops and adds contacts", func(t *testing.T) {
		st := storetest.Open(t)
		s := savedSearch(owner, "Family home", "dropped", "kept")
		putSearch(t, st, s)
		putSearch(t, st, nextSearch(s, func(n *app.SavedSearch) { n.ContactIDs = []string{"kept", "added"} }))
		prefix := "sl/" + owner + "/"
		if got, want := links(t, st), []string{prefix + "added/" + s.ID, prefix + "kept/" + s.ID}; !slices.Equal(got, want) {
			t.Errorf("link keys = %v, want %v", got, want)
		}
		for contact, want := range map[string][]string{"dropped": {}, "kept": {s.ID}, "added": {s.ID}} {
			got, err := st.SavedSearchesOf(ctx, owner, contact)
			if err != nil {
				t.Fatalf("SavedSearchesOf %s: %v", contact, err)
			}
			if ids := searchIDs(got); !slices.Equal(ids, want) {
				t.Errorf("SavedSearchesOf %s = %v, want %v", contact, ids, want)
			}
			if len(got) == 1 && !slices.Equal(got[0].ContactIDs, []string{"kept", "added"}) {
				t.Errorf("SavedSearchesOf %s: ContactIDs = %v, want the replacement's", contact, got[0].ContactIDs)
			}
		}
	})
	t.Run("a contact's searches come by name, ignoring case, ties by ID", func(t *testing.T) {
		st := storetest.Open(t)
		b := savedSearch(owner, "beach house", "c1")
		a := savedSearch(owner, "Apartment", "c1")
		c1 := savedSearch(owner, "Cabin", "c1")
		c2 := savedSearch(owner, "cabin", "c1")
		elsewhere := savedSearch(owner, "Aardvark", "c2")
		theirs := savedSearch(other, "Aardvark", "c1")
		putSearch(t, st, b, c2, a, c1, elsewhere, theirs)
		cabins := []string{c1.ID, c2.ID}
		slices.Sort(cabins)
		got, err := st.SavedSearchesOf(ctx, owner, "c1")
		if err != nil {
			t.Fatalf("SavedSearchesOf: %v", err)
		}
		if ids, want := searchIDs(got), append([]string{a.ID, b.ID}, cabins...); !slices.Equal(ids, want) {
			t.Fatalf("SavedSearchesOf = %v, want %v", ids, want)
		}
	})
}

func TestStoreSavedSearches(t *testing.T) {
	ctx := context.Background()
	owner, other := app.NewID(), app.NewID()
	st := storetest.Open(t)
	z := savedSearch(owner, "zoned land")
	a := savedSearch(owner, "Acreage", "c1")
	m := savedSearch(owner, "Mid-century")
	theirs := savedSearch(other, "Another agent's")
	putSearch(t, st, z, a, m, theirs)

	t.Run("an agent's searches come by name, ignoring case", func(t *testing.T) {
		got, err := st.SavedSearches(ctx, owner)
		if err != nil {
			t.Fatalf("SavedSearches: %v", err)
		}
		if ids, want := searchIDs(got), []string{a.ID, m.ID, z.ID}; !slices.Equal(ids, want) {
			t.Fatalf("SavedSearches = %v, want %v", ids, want)
		}
	})
	t.Run("every agent's searches are visited once", func(t *testing.T) {
		var seen []string
		err := st.EachSavedSearch(ctx, func(s *app.SavedSearch) error {
			seen = append(seen, s.ID)
			return nil
		})
		if err != nil {
			t.Fatalf("EachSavedSearch: %v", err)
		}
		want := []string{z.ID, a.ID, m.ID, theirs.ID}
		slices.Sort(seen)
		slices.Sort(want)
		if !slices.Equal(seen, want) {
			t.Fatalf("EachSavedSearch visited %v, want %v", seen, want)
		}
	})
	t.Run("the visit stops at fn's error and returns it", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		err := st.EachSavedSearch(ctx, func(*app.SavedSearch) error {
			calls++
			return stop
		})
		if !errors.Is(err, stop) || calls != 1 {
			t.Fatalf("EachSavedSearch = %v after %d calls, want stop after 1", err, calls)
		}
	})
}

// listing returns a new listing created at, ready for PutListing.
func listing(address string, at time.Time) *app.Listing {
	return &app.Listing{ID: app.NewID(), AgentID: app.NewID(), Address: address, City: "Springfield",
		PostalCode: "12345", Price: 450000, Beds: 3, Baths: 2, PropertyType: app.PropertyHouse, Area: 1800,
		Status: app.ListingActive, CreatedAt: at, UpdatedAt: at, Version: 1}
}

func TestStoreListings(t *testing.T) {
	ctx := context.Background()

	t.Run("a listing follows the version rules", func(t *testing.T) {
		st := storetest.Open(t)
		l := listing("1 Main St", t0)
		if err := st.PutListing(ctx, l); err != nil {
			t.Fatalf("PutListing: %v", err)
		}
		n := *l
		n.Version, n.Price, n.Status = 2, 425000, app.ListingPending
		if err := st.PutListing(ctx, &n); err != nil {
			t.Fatalf("PutListing next version: %v", err)
		}
		wantCode(t, st.PutListing(ctx, l), app.ECONFLICT)
		stale := n
		stale.Version = 4
		wantCode(t, st.PutListing(ctx, &stale), app.ECONFLICT)
		fresh := listing("2 Main St", t0)
		fresh.Version = 2
		wantCode(t, st.PutListing(ctx, fresh), app.ECONFLICT)
		got, err := st.Listing(ctx, l.ID)
		if err != nil {
			t.Fatalf("Listing: %v", err)
		}
		if !reflect.DeepEqual(got, &n) {
			t.Fatalf("Listing = %+v, want %+v", got, &n)
		}
	})
	t.Run("a missing listing is not found", func(t *testing.T) {
		st := storetest.Open(t)
		_, err := st.Listing(ctx, app.NewID())
		wantCode(t, err, app.ENOTFOUND)
		if msg := app.ErrorMessage(err); msg != "Listing not found." {
			t.Fatalf("message = %q", msg)
		}
	})
	t.Run("listings come newest first, ties by ID descending", func(t *testing.T) {
		st := storetest.Open(t)
		old := listing("1 Old Rd", t0)
		newest := listing("3 New Rd", t0.Add(2*time.Hour))
		tie1, tie2 := listing("2 Tie Rd", t0.Add(time.Hour)), listing("2b Tie Rd", t0.Add(time.Hour))
		for _, l := range []*app.Listing{newest, old, tie1, tie2} {
			if err := st.PutListing(ctx, l); err != nil {
				t.Fatalf("PutListing: %v", err)
			}
		}
		ties := []string{tie1.ID, tie2.ID}
		slices.Sort(ties)
		got, err := st.Listings(ctx)
		if err != nil {
			t.Fatalf("Listings: %v", err)
		}
		ids := make([]string, len(got))
		for i, l := range got {
			ids[i] = l.ID
		}
		if want := []string{newest.ID, ties[1], ties[0], old.ID}; !slices.Equal(ids, want) {
			t.Fatalf("Listings = %v, want %v", ids, want)
		}
	})
}
