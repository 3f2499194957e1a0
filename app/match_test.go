package app_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"agentbook/app"
)

// home returns an active three-bedroom condo in San Jose, changed by fn.
func home(fn func(l *app.Listing)) *app.Listing {
	l := &app.Listing{
		ID: "L1", City: "San Jose", PostalCode: "95112", Price: 800_000, Beds: 3, Baths: 2,
		PropertyType: app.PropertyCondo, Area: 1500, Status: app.ListingActive,
	}
	if fn != nil {
		fn(l)
	}
	return l
}

func TestSavedSearchMatches(t *testing.T) {
	tests := []struct {
		name    string
		search  app.SavedSearch
		listing *app.Listing
		want    bool
	}{
		{"A search with no criteria matches any active listing", app.SavedSearch{}, home(nil), true},

		{"A search for the listing's city matches", app.SavedSearch{Cities: []string{"San Jose"}}, home(nil), true},
		{"A search for another city does not match", app.SavedSearch{Cities: []string{"Oakland"}}, home(nil), false},
		{"A search for the listing's postal code matches", app.SavedSearch{PostalCodes: []string{"95112"}}, home(nil), true},
		{"A search for another postal code does not match", app.SavedSearch{PostalCodes: []string{"95113"}}, home(nil), false},
		{"A search naming the city and another postal code matches on the city",
			app.SavedSearch{Cities: []string{"San Jose"}, PostalCodes: []string{"94601"}}, home(nil), true},
		{"A search naming another city and the postal code matches on the postal code",
			app.SavedSearch{Cities: []string{"Oakland"}, PostalCodes: []string{"95112"}}, home(nil), true},
		{"A search naming the city and the postal code matches",
			app.SavedSearch{Cities: []string{"San Jose"}, PostalCodes: []string{"95112"}}, home(nil), true},
		{"A search naming neither the city nor the postal code does not match",
			app.SavedSearch{Cities: []string{"Oakland"}, PostalCodes: []string{"94601"}}, home(nil), false},
		{"A search for several cities matches a listing in any of them",
			app.SavedSearch{Cities: []string{"Oakland", "San Jose", "Fremont"}}, home(nil), true},
		{"A search for several cities does not match a listing in none of them",
			app.SavedSearch{Cities: []string{"Oakland", "Fremont"}}, home(nil), false},
		{"A search for several postal codes matches a listing in any of them",
			app.SavedSearch{PostalCodes: []string{"94601", "95112"}}, home(nil), true},
		{"A listing without a city matches a search for its postal code",
			app.SavedSearch{PostalCodes: []string{"95112"}}, home(func(l *app.Listing) { l.City = "" }), true},
		{"A listing without a postal code does not match a search for postal codes only",
			app.SavedSearch{PostalCodes: []string{"95112"}}, home(func(l *app.Listing) { l.PostalCode = "" }), false},

		{"Cities compare without regard to case and spacing",
			app.SavedSearch{Cities: []string{"  san   JOSE "}}, home(nil), true},
		{"A listing's city compares without regard to case and spacing",
			app.SavedSearch{Cities: []string{"San Jose"}}, home(func(l *app.Listing) { l.City = "SAN\tjose  " }), true},
		{"Postal codes compare without regard to case and spacing",
			app.SavedSearch{PostalCodes: []string{" h2x  1y4"}}, home(func(l *app.Listing) { l.PostalCode = "H2X 1Y4" }), true},
		{"A city with an accent matches the city spelled without",
			app.SavedSearch{Cities: []string{"Montréal"}}, home(func(l *app.Listing) { l.City = "Montreal" }), true},
		{"A city without an accent matches the city spelled with",
			app.SavedSearch{Cities: []string{"montreal"}}, home(func(l *app.Listing) { l.City = "MONTRÉAL" }), true},
		{"Letters that do not decompose are folded too",
			app.SavedSearch{Cities: []string{"Tromsø"}}, home(func(l *app.Listing) { l.City = "Tromso" }), true},
		{"Spacing inside a name still separates words",
			app.SavedSearch{Cities: []string{"SanJose"}}, home(nil), false},

		{"A price at the minimum matches", app.SavedSearch{PriceMin: 800_000}, home(nil), true},
		{"A price below the minimum does not match", app.SavedSearch{PriceMin: 800_001}, home(nil), false},
		{"A price at the maximum matches", app.SavedSearch{PriceMax: 800_000}, home(nil), true},
		{"A price above the maximum does not match", app.SavedSearch{PriceMax: 799_999}, home(nil), false},
		{"A price inside the range matches", app.SavedSearch{PriceMin: 700_000, PriceMax: 900_000}, home(nil), true},
		{"A minimum price of zero leaves the range open below",
			app.SavedSearch{PriceMax: 900_000}, home(func(l *app.Listing) { l.Price = 0 }), true},
		{"A maximum price of zero leaves the range open above",
			app.SavedSearch{PriceMin: 700_000}, home(func(l *app.Listing) { l.Price = 50_000_000 }), true},
		{"A range whose minimum exceeds its maximum matches nothing",
			app.SavedSearch{PriceMin: 900_000, PriceMax: 700_000}, home(nil), false},

		{"Beds at the minimum match", app.SavedSearch{BedsMin: 3}, home(nil), true},
		{"More beds than the minimum match", app.SavedSearch{BedsMin: 2}, home(nil), true},
		{"Fewer beds than the minimum do not match", app.SavedSearch{BedsMin: 4}, home(nil), false},
		{"A minimum of zero beds matches a studio",
			app.SavedSearch{}, home(func(l *app.Listing) { l.Beds = 0 }), true},

		{"One and a half baths meet a minimum of 1.5",
			app.SavedSearch{BathsMin: 1.5}, home(func(l *app.Listing) { l.Baths = 1.5 }), true},
		{"One bath does not meet a minimum of 1.5",
			app.SavedSearch{BathsMin: 1.5}, home(func(l *app.Listing) { l.Baths = 1 }), false},
		{"Two baths meet a minimum of 1.5", app.SavedSearch{BathsMin: 1.5}, home(nil), true},

		{"An area at the minimum matches", app.SavedSearch{AreaMin: 1500}, home(nil), true},
		{"An area below the minimum does not match", app.SavedSearch{AreaMin: 1501}, home(nil), false},

		{"A search for the listing's property type matches",
			app.SavedSearch{PropertyTypes: []string{app.PropertyCondo}}, home(nil), true},
		{"A search for another property type does not match",
			app.SavedSearch{PropertyTypes: []string{app.PropertyHouse}}, home(nil), false},
		{"A search for several property types matches any of them",
			app.SavedSearch{PropertyTypes: []string{app.PropertyHouse, app.PropertyCondo}}, home(nil), true},
		{"A search for several property types does not match another",
			app.SavedSearch{PropertyTypes: []string{app.PropertyHouse, app.PropertyTownhouse}}, home(nil), false},
		{"A search for no property type matches every type",
			app.SavedSearch{}, home(func(l *app.Listing) { l.PropertyType = app.PropertyLand }), true},

		{"A search meeting every criterion at its boundary matches", app.SavedSearch{
			Cities: []string{"San Jose"}, PriceMin: 800_000, PriceMax: 800_000, BedsMin: 3, BathsMin: 2,
			AreaMin: 1500, PropertyTypes: []string{app.PropertyCondo},
		}, home(nil), true},
		{"A search failing one criterion of many does not match", app.SavedSearch{
			Cities: []string{"San Jose"}, PriceMin: 700_000, PriceMax: 900_000, BedsMin: 4,
			PropertyTypes: []string{app.PropertyCondo},
		}, home(nil), false},
		{"A search whose schedule is off still matches",
			app.SavedSearch{Schedule: app.ScheduleOff, Cities: []string{"San Jose"}}, home(nil), true},

		{"A pending listing matches nothing",
			app.SavedSearch{}, home(func(l *app.Listing) { l.Status = app.ListingPending }), false},
		{"A sold listing matches nothing",
			app.SavedSearch{Cities: []string{"San Jose"}}, home(func(l *app.Listing) { l.Status = app.ListingSold }), false},
		{"A listing without a status matches nothing",
			app.SavedSearch{}, home(func(l *app.Listing) { l.Status = "" }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.search
			s.ID = "S1"
			if got := s.Matches(tt.listing); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
			x := app.NewSearchIndex()
			x.Put(&s)
			if got := len(x.Match(tt.listing)) == 1; got != tt.want {
				t.Errorf("index found the search: %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSearchIndexPutReplaceRemove(t *testing.T) {
	x := app.NewSearchIndex()
	inSanJose, inOakland := home(nil), home(func(l *app.Listing) { l.City, l.PostalCode = "Oakland", "94601" })
	ids := func(l *app.Listing) []string {
		var out []string
		for _, s := range x.Match(l) {
			out = append(out, s.ID)
		}
		slices.Sort(out)
		return out
	}

	s := &app.SavedSearch{ID: "a", Cities: []string{"San Jose"}}
	x.Put(s)
	x.Put(&app.SavedSearch{ID: "b", PostalCodes: []string{"95112", "94601"}})
	x.Put(&app.SavedSearch{ID: "c"})
	if got, want := ids(inSanJose), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("San Jose matches %v, want %v", got, want)
	}
	if x.Len() != 3 {
		t.Errorf("Len = %d, want 3", x.Len())
	}

	s.Cities[0] = "Oakland"
	s.PriceMax = 1
	if got, want := ids(inSanJose), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("after the caller changed its search, San Jose matches %v, want %v", got, want)
	}

	x.Put(&app.SavedSearch{ID: "a", Cities: []string{"Oakland"}})
	if got, want := ids(inSanJose), []string{"b", "c"}; !slices.Equal(got, want) {
		t.Errorf("after replacing a, San Jose matches %v, want %v", got, want)
	}
	if got, want := ids(inOakland), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("after replacing a, Oakland matches %v, want %v", got, want)
	}
	if x.Len() != 3 {
		t.Errorf("after replacing a, Len = %d, want 3", x.Len())
	}

	x.Remove("b")
	x.Remove("c")
	x.Remove("missing")
	if got, want := ids(inOakland), []string{"a"}; !slices.Equal(got, want) {
		t.Errorf("after removing b and c, Oakland matches %v, want %v", got, want)
	}
	x.Remove("a")
	if got := ids(inOakland); len(got) != 0 || x.Len() != 0 {
		t.Errorf("after removing all, Oakland matches %v and Len = %d, want none", got, x.Len())
	}
}

func TestSearchIndexMatchesOnce(t *testing.T) {
	x := app.NewSearchIndex()
	x.Put(&app.SavedSearch{ID: "a", Cities: []string{"San Jose", "san jose"}, PostalCodes: []string{"95112", " 95112"}})
	x.Put(&app.SavedSearch{ID: "b", Cities: []string{"95112"}})
	if got := x.Match(home(nil)); len(got) != 1 || got[0].ID != "a" {
		t.Errorf("Match returned %d searches, want a once (b names 95112 as a city)", len(got))
	}
	got := x.Match(home(func(l *app.Listing) { l.City = "95112" }))
	if len(got) != 2 || got[0].ID == got[1].ID {
		t.Errorf("with a city equal to the postal code, Match returned %d searches, want a and b once each", len(got))
	}
}

// TestSearchIndexAgreesWithMatches compares the index with testing every search, over random
// searches and listings drawn from a small vocabulary so that places collide in case, spacing
// and accents, while searches are replaced and removed.
func TestSearchIndexAgreesWithMatches(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cities := []string{"San Jose", "san  jose", "SAN JOSE ", "Montréal", "montreal", "Québec", "Oakland",
		"Fremont", "Tromsø", "", "95112"}
	zips := []string{"95112", " 95112", "95113", "H2X 1Y4", "h2x1y4", "94601", ""}
	types := append(app.PropertyTypes(), "castle", "Condo", "")
	pick := func(from []string, most int) []string {
		out := make([]string, r.IntN(most+1))
		for i := range out {
			out[i] = from[r.IntN(len(from))]
		}
		return out
	}
	search := func(id string) *app.SavedSearch {
		s := &app.SavedSearch{ID: id, PropertyTypes: pick(types, 2)}
		if r.IntN(10) > 0 {
			s.Cities, s.PostalCodes = pick(cities, 3), pick(zips, 2)
		}
		if r.IntN(2) == 0 {
			s.PriceMin = int64(r.IntN(10)) * 100_000
		}
		if r.IntN(2) == 0 {
			s.PriceMax = int64(r.IntN(10)+5) * 100_000
		}
		s.BedsMin, s.BathsMin, s.AreaMin = r.IntN(5), float64(r.IntN(5))/2, r.IntN(4)*500
		return s
	}
	listing := func() *app.Listing {
		l := &app.Listing{
			City: cities[r.IntN(len(cities))], PostalCode: zips[r.IntN(len(zips))],
			Price: int64(r.IntN(17)-1) * 100_000, Beds: r.IntN(6), Baths: float64(r.IntN(6)) / 2,
			Area: r.IntN(5) * 500, PropertyType: types[r.IntN(len(types))], Status: app.ListingActive,
		}
		if r.IntN(10) == 0 {
			l.Status = app.ListingPending
		}
		return l
	}

	x := app.NewSearchIndex()
	all := map[string]*app.SavedSearch{}
	for i := range 2000 {
		s := search(fmt.Sprint("s", i))
		all[s.ID] = s
		x.Put(s)
	}
	compare := func(stage string) {
		t.Helper()
		for range 200 {
			l := listing()
			var want, got []string
			for _, s := range all {
				if s.Matches(l) {
					want = append(want, s.ID)
				}
			}
			for _, s := range x.Match(l) {
				got = append(got, s.ID)
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: listing %+v: index found %d searches, testing all found %d", stage, l, len(got), len(want))
			}
		}
		if x.Len() != len(all) {
			t.Fatalf("%s: Len = %d, want %d", stage, x.Len(), len(all))
		}
	}
	compare("after putting")

	for i := range 2000 {
		id := fmt.Sprint("s", r.IntN(2000))
		switch i % 3 {
		case 0:
			x.Remove(id)
			delete(all, id)
		default:
			s := search(id)
			all[id] = s
			x.Put(s)
		}
	}
	compare("after replacing and removing")
}

func TestSearchIndexConcurrentUse(t *testing.T) {
	x := app.NewSearchIndex()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				id := fmt.Sprint(w, "-", i%20)
				x.Put(&app.SavedSearch{ID: id, Cities: []string{"San Jose"}})
				for _, s := range x.Match(home(nil)) {
					_ = s.ID
				}
				if i%3 == 0 {
					x.Remove(id)
				}
			}
		})
	}
	wg.Wait()
	if n := x.Len(); n > 80 {
		t.Errorf("Len = %d, want at most 80", n)
	}
}
