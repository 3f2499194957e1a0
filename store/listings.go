package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"agentbook/app"

	"github.com/dgraph-io/badger/v4"
)

var _ app.ListingStore = (*Store)(nil)

func searchKey(ownerID, id string) string { return pSearch + ownerID + "/" + id }

func searchLinkKey(ownerID, contactID, searchID string) string {
	return searchLinkPrefix(ownerID, contactID) + searchID
}

// searchLinkPrefix is the key prefix of the links from an agent's contact to its saved searches.
func searchLinkPrefix(ownerID, contactID string) string {
	return pSearchLink + ownerID + "/" + contactID + "/"
}

// PutSavedSearch implements app.ListingStore. A search's ID names one agent's search: putting
// an ID another agent's search has is ENOTFOUND, as reading it is.
func (s *Store) PutSavedSearch(_ context.Context, search *app.SavedSearch) error {
	err := s.update(func(txn *badger.Txn) error {
		var cur app.SavedSearch
		err := getJSON(txn, searchKey(search.OwnerID, search.ID), &cur)
		switch {
		case errors.Is(err, badger.ErrKeyNotFound):
			owner, err := getString(txn, pSearchID+search.ID)
			if err == nil && owner != search.OwnerID {
				return notFound("Saved search")
			}
			if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
				return err
			}
			if search.Version != 1 {
				return searchChanged()
			}
			if err := txn.Set([]byte(pSearchID+search.ID), []byte(search.OwnerID)); err != nil {
				return err
			}
		case err != nil:
			return err
		case cur.Version != search.Version-1:
			return searchChanged()
		}
		if err := markSearchContacts(txn, search.OwnerID, search.ContactIDs, cur.ContactIDs); err != nil {
			return err
		}
		keep := linkKeys(search)
		for k := range linkKeys(&cur) {
			if _, ok := keep[k]; ok {
				delete(keep, k) // already written
				continue
			}
			if err := txn.Delete([]byte(k)); err != nil {
				return err
			}
		}
		for k := range keep {
			if err := txn.Set([]byte(k), nil); err != nil {
				return err
			}
		}
		return setJSON(txn, searchKey(search.OwnerID, search.ID), search)
	})
	if err != nil && app.ErrorCode(err) == app.EINTERNAL {
		return fmt.Errorf("store: put saved search %s: %w", search.ID, err)
	}
	return err
}

func searchChanged() error {
	return app.Errorf(app.ECONFLICT, "This saved search was changed since you opened it. Reload it and make your change again.")
}

// linkKeys returns the keys linking a saved search's contacts to it; none for a search not
// stored yet (no ID).
func linkKeys(search *app.SavedSearch) map[string]struct{} {
	ks := make(map[string]struct{}, len(search.ContactIDs))
	if search.ID == "" {
		return ks
	}
	for _, c := range search.ContactIDs {
		if c != "" {
			ks[searchLinkKey(search.OwnerID, c, search.ID)] = struct{}{}
		}
	}
	return ks
}

// SavedSearch implements app.ListingStore.
func (s *Store) SavedSearch(_ context.Context, ownerID, id string) (*app.SavedSearch, error) {
	var search app.SavedSearch
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, searchKey(ownerID, id), &search) })
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, notFound("Saved search")
	}
	if err != nil {
		return nil, fmt.Errorf("store: saved search %s: %w", id, err)
	}
	return &search, nil
}

// DeleteSavedSearch implements app.ListingStore.
func (s *Store) DeleteSavedSearch(_ context.Context, ownerID, id string) error {
	err := s.update(func(txn *badger.Txn) error {
		var cur app.SavedSearch
		err := getJSON(txn, searchKey(ownerID, id), &cur)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return notFound("Saved search")
		}
		if err != nil {
			return err
		}
		if err := markSearchContacts(txn, ownerID, cur.ContactIDs); err != nil {
			return err
		}
		for k := range linkKeys(&cur) {
			if err := txn.Delete([]byte(k)); err != nil {
				return err
			}
		}
		if err := txn.Delete([]byte(pSearchID + id)); err != nil {
			return err
		}
		return txn.Delete([]byte(searchKey(ownerID, id)))
	})
	if err != nil && app.ErrorCode(err) == app.EINTERNAL {
		return fmt.Errorf("store: delete saved search %s: %w", id, err)
	}
	return err
}

// SavedSearchesOf implements app.ListingStore. It follows the contact's links; a link whose
// search is gone (links change with their search, so none should be) is skipped.
func (s *Store) SavedSearchesOf(_ context.Context, ownerID, contactID string) ([]*app.SavedSearch, error) {
	var out []*app.SavedSearch
	err := s.db.View(func(txn *badger.Txn) error {
		prefix := searchLinkPrefix(ownerID, contactID)
		for _, k := range keys(txn, prefix, 0) {
			var search app.SavedSearch
			err := getJSON(txn, searchKey(ownerID, strings.TrimPrefix(k, prefix)), &search)
			if errors.Is(err, badger.ErrKeyNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, &search)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: saved searches of contact %s: %w", contactID, err)
	}
	sortSearches(out)
	return out, nil
}

// SavedSearches implements app.ListingStore.
func (s *Store) SavedSearches(_ context.Context, ownerID string) ([]*app.SavedSearch, error) {
	out, err := s.savedSearches(pSearch + ownerID + "/")
	if err != nil {
		return nil, fmt.Errorf("store: saved searches of %s: %w", ownerID, err)
	}
	sortSearches(out)
	return out, nil
}

// EachSavedSearch implements app.ListingStore. The searches are read first and fn is called
// outside the read transaction: fn may send mail or write, and a long-lived transaction would
// hold Badger's memory meanwhile. Saved searches number in the thousands at most.
func (s *Store) EachSavedSearch(ctx context.Context, fn func(*app.SavedSearch) error) error {
	all, err := s.savedSearches(pSearch)
	if err != nil {
		return fmt.Errorf("store: each saved search: %w", err)
	}
	for _, search := range all {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(search); err != nil {
			return err
		}
	}
	return nil
}

// savedSearches decodes every saved search under prefix, in key order.
func (s *Store) savedSearches(prefix string) ([]*app.SavedSearch, error) {
	var out []*app.SavedSearch
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix), PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var search app.SavedSearch
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &search) }); err != nil {
				return err
			}
			out = append(out, &search)
		}
		return nil
	})
	return out, err
}

// sortSearches orders saved searches by name, case-insensitively, then by ID.
func sortSearches(ss []*app.SavedSearch) {
	slices.SortFunc(ss, func(a, b *app.SavedSearch) int {
		return cmp.Or(cmp.Compare(app.Fold(a.Name), app.Fold(b.Name)), cmp.Compare(a.ID, b.ID))
	})
}

// PutListing implements app.ListingStore.
func (s *Store) PutListing(_ context.Context, l *app.Listing) error {
	err := s.update(func(txn *badger.Txn) error {
		var cur app.Listing
		err := getJSON(txn, pListing+l.ID, &cur)
		switch {
		case errors.Is(err, badger.ErrKeyNotFound):
			if l.Version != 1 {
				return listingChanged()
			}
		case err != nil:
			return err
		case cur.Version != l.Version-1:
			return listingChanged()
		}
		return setJSON(txn, pListing+l.ID, l)
	})
	if err != nil && app.ErrorCode(err) == app.EINTERNAL {
		return fmt.Errorf("store: put listing %s: %w", l.ID, err)
	}
	return err
}

func listingChanged() error {
	return app.Errorf(app.ECONFLICT, "This listing was changed since you opened it. Reload it and make your change again.")
}

// Listing implements app.ListingStore.
func (s *Store) Listing(_ context.Context, id string) (*app.Listing, error) {
	var l app.Listing
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, pListing+id, &l) })
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, notFound("Listing")
	}
	if err != nil {
		return nil, fmt.Errorf("store: listing %s: %w", id, err)
	}
	return &l, nil
}

// Listings implements app.ListingStore: newest first by CreatedAt, then by ID, descending.
func (s *Store) Listings(_ context.Context) ([]*app.Listing, error) {
	var out []*app.Listing
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pListing), PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var l app.Listing
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &l) }); err != nil {
				return err
			}
			out = append(out, &l)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: listings: %w", err)
	}
	slices.SortFunc(out, func(a, b *app.Listing) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	return out, nil
}

// AddDigest implements app.ListingStore.
func (s *Store) AddDigest(_ context.Context, ownerID, searchID string, listingIDs []string) error {
	err := s.update(func(txn *badger.Txn) error {
		for _, id := range listingIDs {
			if err := txn.Set([]byte(pDigest+ownerID+"/"+searchID+"/"+id), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: add digest items of %s: %w", searchID, err)
	}
	return nil
}

// PendingDigests implements app.ListingStore.
func (s *Store) PendingDigests(_ context.Context) ([]app.DigestItems, error) {
	var out []app.DigestItems
	err := s.db.View(func(txn *badger.Txn) error {
		for _, k := range keys(txn, pDigest, 0) {
			parts := strings.Split(strings.TrimPrefix(k, pDigest), "/")
			if len(parts) != 3 {
				continue
			}
			if n := len(out); n == 0 || out[n-1].SearchID != parts[1] || out[n-1].OwnerID != parts[0] {
				out = append(out, app.DigestItems{OwnerID: parts[0], SearchID: parts[1]})
			}
			out[len(out)-1].ListingIDs = append(out[len(out)-1].ListingIDs, parts[2])
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: pending digests: %w", err)
	}
	return out, nil
}

// ClearDigest implements app.ListingStore.
func (s *Store) ClearDigest(_ context.Context, ownerID, searchID string, listingIDs []string) error {
	err := s.update(func(txn *badger.Txn) error {
		for _, id := range listingIDs {
			if err := txn.Delete([]byte(pDigest + ownerID + "/" + searchID + "/" + id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: clear digest items of %s: %w", searchID, err)
	}
	return nil
}

// markSearchContacts marks the contacts of a saved search (before and after a change) changed
// for the Contact Summary.
func markSearchContacts(txn *badger.Txn, ownerID string, lists ...[]string) error {
	for _, ids := range lists {
		for _, id := range ids {
			if err := markReport(txn, ownerID, id); err != nil {
				return err
			}
		}
	}
	return nil
}
