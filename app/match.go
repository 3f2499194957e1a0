package app

import (
	"math"
	"slices"
	"sync"
)

// SearchIndex finds the saved searches a listing matches without testing every search, so that a
// new or changed listing reaches the contacts who want it among the whole office's searches.
//
// It files each search under the PlaceKey of every city it names and, apart, of every postal code,
// and a search naming no place on an "anywhere" shelf. A listing's candidates are the searches on
// the shelf of its city, of its postal code and anywhere: exactly those whose place criterion it
// meets. Each shelf holds the other criteria of its searches in line, compiled from
// SavedSearch.Matches, so that Match tests thousands of candidates in one pass over contiguous
// memory and reads only the searches it returns. Searches whose schedule is off are indexed too:
// Reverse Prospecting asks for them.
//
// The index keeps its own copy of every search. It is safe for concurrent use.
type SearchIndex struct {
	mu       sync.RWMutex
	byID     map[string]*filed
	cities   map[string]*shelf
	zips     map[string]*shelf
	anywhere shelf
}

// filed is where a search is filed.
type filed struct {
	in []*shelf // the shelves holding it: one per distinct city and postal code key, or anywhere
	at []int    // its position on each shelf in in
}

// shelf is the searches filed under one key, in no order; removal swaps the last one in.
type shelf struct {
	key   string
	of    map[string]*shelf // the map holding the shelf; nil for anywhere
	items []criteria
}

// criteria is a saved search's criteria other than its places, with open bounds widened to the
// extremes, so that testing one is a few comparisons on the shelf itself. admits restates
// SavedSearch.Matches; TestSearchIndexAgreesWithMatches keeps the two in step.
type criteria struct {
	priceMin, priceMax int64
	bathsMin           float64
	bedsMin, areaMin   int
	types              uint8 // the known property types asked for, one bit each (see typeBit)
	anyType            bool  // no property type asked for
	otherTypes         bool  // some property type asked for has no bit: compare s.PropertyTypes
	s                  *SavedSearch
}

// compile returns the criteria of s, which the index owns.
func compile(s *SavedSearch) criteria {
	c := criteria{
		priceMin: s.PriceMin, priceMax: s.PriceMax, bathsMin: s.BathsMin, bedsMin: s.BedsMin,
		areaMin: s.AreaMin, anyType: len(s.PropertyTypes) == 0, s: s,
	}
	if !(s.PriceMin > 0) {
		c.priceMin = math.MinInt64
	}
	if !(s.PriceMax > 0) {
		c.priceMax = math.MaxInt64
	}
	if !(s.BathsMin > 0) {
		c.bathsMin = math.Inf(-1)
	}
	if !(s.BedsMin > 0) {
		c.bedsMin = math.MinInt
	}
	if !(s.AreaMin > 0) {
		c.areaMin = math.MinInt
	}
	known := PropertyTypes()
	for _, t := range s.PropertyTypes {
		if b := typeBit(known, t); b != 0 {
			c.types |= b
		} else {
			c.otherTypes = true
		}
	}
	return c
}

// typeBit returns the bit of property type t among the known types, or 0 for another type.
func typeBit(known []string, t string) uint8 {
	if i := slices.Index(known, t); i >= 0 && i < 8 {
		return 1 << i
	}
	return 0
}

// admits reports whether an active listing in one of the search's places meets its other
// criteria; lType is typeBit of the listing's property type.
func (c *criteria) admits(l *Listing, lType uint8) bool {
	return l.Price >= c.priceMin && l.Price <= c.priceMax && l.Beds >= c.bedsMin &&
		l.Baths >= c.bathsMin && l.Area >= c.areaMin &&
		(c.anyType || c.types&lType != 0 || c.otherTypes && slices.Contains(c.s.PropertyTypes, l.PropertyType))
}

// NewSearchIndex returns an empty index.
func NewSearchIndex() *SearchIndex {
	return &SearchIndex{
		byID:   make(map[string]*filed),
		cities: make(map[string]*shelf),
		zips:   make(map[string]*shelf),
	}
}

// Put adds a search, or replaces the search with the same ID. The index copies s, so the caller
// may change or reuse s afterwards.
func (x *SearchIndex) Put(s *SavedSearch) {
	cp := *s
	cp.Cities = slices.Clone(s.Cities)
	cp.PostalCodes = slices.Clone(s.PostalCodes)
	cp.PropertyTypes = slices.Clone(s.PropertyTypes)
	cp.ContactIDs = slices.Clone(s.ContactIDs)
	c := compile(&cp)
	cities, zips := placeKeys(cp.Cities), placeKeys(cp.PostalCodes)

	x.mu.Lock()
	defer x.mu.Unlock()
	if old := x.byID[cp.ID]; old != nil {
		x.unfile(old)
	}
	f := &filed{}
	if len(cities) == 0 && len(zips) == 0 {
		x.anywhere.add(f, c)
	}
	fileUnder(x.cities, cities, f, c)
	fileUnder(x.zips, zips, f, c)
	x.byID[cp.ID] = f
}

// placeKeys returns the distinct PlaceKeys of places.
func placeKeys(places []string) []string {
	var keys []string
	for _, p := range places {
		if k := PlaceKey(p); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// fileUnder puts f on the shelf of each key in shelves, adding the shelves missing.
func fileUnder(shelves map[string]*shelf, keys []string, f *filed, c criteria) {
	for _, k := range keys {
		sh := shelves[k]
		if sh == nil {
			sh = &shelf{key: k, of: shelves}
			shelves[k] = sh
		}
		sh.add(f, c)
	}
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

// Match returns every search the listing matches (SavedSearch.Matches), each once, in no
// particular order; nil for a listing that is not active. The searches are the index's own
// copies and must not be modified; a later Put replaces a copy rather than changing it.
func (x *SearchIndex) Match(l *Listing) []*SavedSearch {
	if l.Status != ListingActive {
		return nil
	}
	lType := typeBit(PropertyTypes(), l.PropertyType)
	city, zip := PlaceKey(l.City), PlaceKey(l.PostalCode)

	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []*SavedSearch
	onCity := x.cities[city]
	if onCity != nil {
		out = onCity.admitted(out, l, lType)
	}
	if onZip := x.zips[zip]; onZip != nil {
		n := len(out)
		out = onZip.admitted(out, l, lType)
		if onCity != nil {
			// A search naming both the listing's city and its postal code was found above.
			kept := slices.DeleteFunc(out[n:], func(s *SavedSearch) bool {
				return slices.Contains(x.byID[s.ID].in, onCity)
			})
			out = out[:n+len(kept)]
		}
	}
	return x.anywhere.admitted(out, l, lType)
}

// Len returns the number of searches in the index.
func (x *SearchIndex) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.byID)
}

// admitted appends to out the searches on the shelf whose criteria admit l.
func (sh *shelf) admitted(out []*SavedSearch, l *Listing, lType uint8) []*SavedSearch {
	for i := range sh.items {
		if c := &sh.items[i]; c.admits(l, lType) {
			out = append(out, c.s)
		}
	}
	return out
}

// unfile takes f off every shelf holding it and drops place shelves left empty. x.mu must be held.
func (x *SearchIndex) unfile(f *filed) {
	for i, sh := range f.in {
		moved := sh.remove(f.at[i])
		if moved != nil {
			mf := x.byID[moved.ID]
			mf.at[slices.Index(mf.in, sh)] = f.at[i]
		}
		if len(sh.items) == 0 && sh.of != nil {
			delete(sh.of, sh.key)
		}
	}
}

func (sh *shelf) add(f *filed, c criteria) {
	f.in = append(f.in, sh)
	f.at = append(f.at, len(sh.items))
	sh.items = append(sh.items, c)
}

// remove takes the search at position i off the shelf, moving the last one into its place, and
// returns the search moved, if any.
func (sh *shelf) remove(i int) (moved *SavedSearch) {
	last := len(sh.items) - 1
	if i != last {
		sh.items[i] = sh.items[last]
		moved = sh.items[i].s
	}
	sh.items[last] = criteria{}
	sh.items = sh.items[:last]
	return moved
}
