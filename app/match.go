package app

import (
	"iter"
	"slices"
	"sync"
)

// SearchIndex finds the saved searches a listing matches without testing every search, so that a
// new or changed listing reaches the contacts who want it. It files each search under the PlaceKey
// of every city and postal code the search names, and a search naming no place on an "anywhere"
// list; a listing's candidates are the searches filed under its city, under its postal code and
// anywhere, and SavedSearch.Matches decides among them. Searches whose schedule is off are indexed
// too: Reverse Prospecting asks for them.
//
// The index keeps its own copy of every search. It is safe for concurrent use.
type SearchIndex struct {
	mu       sync.RWMutex
	byID     map[string]*filed
	places   map[string]*shelf
	anywhere shelf
}

// filed is a search in the index and where it is filed.
type filed struct {
	s  *SavedSearch // the index's copy; never modified, so Match can hand it out
	in []*shelf     // the shelves holding it: one per distinct place key, or the anywhere shelf
	at []int        // its position on each shelf in in
}

// shelf is the searches filed under one place key, in no order; removal swaps the last one in.
type shelf struct {
	key   string
	items []*filed
}

// NewSearchIndex returns an empty index.
func NewSearchIndex() *SearchIndex {
	return &SearchIndex{byID: make(map[string]*filed), places: make(map[string]*shelf)}
}

// Put adds a search, or replaces the search with the same ID. The index copies s, so the caller
// may change or reuse s afterwards.
func (x *SearchIndex) Put(s *SavedSearch) {
	c := *s
	c.Cities = slices.Clone(s.Cities)
	c.PostalCodes = slices.Clone(s.PostalCodes)
	c.PropertyTypes = slices.Clone(s.PropertyTypes)
	c.ContactIDs = slices.Clone(s.ContactIDs)
	var keys []string
	for _, p := range slices.Concat(c.Cities, c.PostalCodes) {
		if k := PlaceKey(p); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}

	x.mu.Lock()
	defer x.mu.Unlock()
	if old := x.byID[c.ID]; old != nil {
		x.unfile(old)
	}
	f := &filed{s: &c}
	if len(keys) == 0 {
		x.anywhere.add(f)
	}
	for _, k := range keys {
		sh := x.places[k]
		if sh == nil {
			sh = &shelf{key: k}
			x.places[k] = sh
		}
		sh.add(f)
	}
	x.byID[c.ID] = f
}

// Remove takes the search with the ID out of the index; it does nothing if there is none.
func (x *SearchIndex) Remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if f := x.byID[id]; f != nil {
		x.unfile(f)
		delete(x.byID, id)
	}
}

// Match returns every search the listing matches, each once, in no particular order; nil for a
// listing that is not active. The searches are the index's own copies and must not be modified;
// a later Put replaces a copy rather than changing it.
func (x *SearchIndex) Match(l *Listing) []*SavedSearch {
	if l.Status != ListingActive {
		return nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []*SavedSearch
	for f := range x.candidates(l) {
		if f.s.Matches(l) {
			out = append(out, f.s)
		}
	}
	return out
}

// Len returns the number of searches in the index.
func (x *SearchIndex) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.byID)
}

// candidates yields, once each, the searches filed under the listing's city, under its postal
// code and anywhere: every search that may match it. x.mu must be held.
func (x *SearchIndex) candidates(l *Listing) iter.Seq[*filed] {
	return func(yield func(*filed) bool) {
		city, zip := x.places[PlaceKey(l.City)], x.places[PlaceKey(l.PostalCode)]
		if city != nil {
			for _, f := range city.items {
				if !yield(f) {
					return
				}
			}
		}
		if zip != nil && zip != city {
			for _, f := range zip.items {
				// A search naming both the city and the postal code was yielded above.
				if (city == nil || !slices.Contains(f.in, city)) && !yield(f) {
					return
				}
			}
		}
		for _, f := range x.anywhere.items {
			if !yield(f) {
				return
			}
		}
	}
}

// unfile takes f off every shelf holding it and drops place shelves left empty. x.mu must be held.
func (x *SearchIndex) unfile(f *filed) {
	for i, sh := range f.in {
		sh.remove(f.at[i])
		if len(sh.items) == 0 && sh != &x.anywhere {
			delete(x.places, sh.key)
		}
	}
}

func (sh *shelf) add(f *filed) {
	f.in = append(f.in, sh)
	f.at = append(f.at, len(sh.items))
	sh.items = append(sh.items, f)
}

// remove takes the search at position i off the shelf, moving the last one into its place.
func (sh *shelf) remove(i int) {
	last := len(sh.items) - 1
	if i != last {
		moved := sh.items[last]
		sh.items[i] = moved
		moved.at[slices.Index(moved.in, sh)] = i
	}
	sh.items[last] = nil
	sh.items = sh.items[:last]
}
