//go:build unix

package app

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"
)

// benchOffice is the saved searches and new listings of a large office: searchCount searches over
// cityCount cities whose popularity is skewed (Zipf), and listings mostly in the popular cities.
type benchOffice struct {
	searches []*SavedSearch
	listings []*Listing
}

func newBenchOffice(searchCount, listingCount, cityCount int) *benchOffice {
	r := rand.New(rand.NewPCG(7, 11))
	popular := rand.NewZipf(r, 1.1, 1, uint64(cityCount-1))
	first := []string{"Port", "Mount", "Lake", "New", "East", "West", "North", "South", "Fort", "Saint", "Glen", "Rivière"}
	second := []string{"Alder", "Birch", "Cedar", "Dover", "Elm", "Fairview", "Granby", "Hudson", "Irving", "Jasper",
		"Kent", "Laval", "Milton", "Nelson", "Oxford", "Perth", "Québec", "Ridge", "Salem", "Trois"}
	cities := make([]string, cityCount)
	zips := make([][]string, cityCount)
	for i := range cities {
		cities[i] = fmt.Sprintf("%s %s %d", first[i%len(first)], second[i/len(first)%len(second)], i)
		n := 3 + r.IntN(10)
		if i < 50 {
			n = 40
		}
		for j := range n {
			zips[i] = append(zips[i], fmt.Sprintf("%05d", 10_000+i*50+j))
		}
	}
	types := PropertyTypes()
	o := &benchOffice{}
	for i := range searchCount {
		s := &SavedSearch{
			ID: fmt.Sprintf("01J%023d", i), OwnerID: fmt.Sprintf("agent-%03d", r.IntN(300)),
			Name: "Family home", ContactIDs: []string{fmt.Sprintf("contact-%07d", r.IntN(1_000_000))},
			Schedule: []string{ScheduleOff, ScheduleASAP, ScheduleDaily, ScheduleWeekly}[r.IntN(4)],
			BedsMin:  r.IntN(5), BathsMin: float64(r.IntN(5)) / 2,
		}
		if r.IntN(100) >= 3 {
			n := 1
			if p := r.IntN(100); p >= 92 {
				n = 3
			} else if p >= 70 {
				n = 2
			}
			c := popular.Uint64()
			s.Cities = append(s.Cities, cities[c])
			for range n - 1 {
				s.Cities = append(s.Cities, cities[popular.Uint64()])
			}
			if r.IntN(4) == 0 {
				for range 1 + r.IntN(3) {
					s.PostalCodes = append(s.PostalCodes, zips[c][r.IntN(len(zips[c]))])
				}
			}
		}
		if r.IntN(100) >= 15 {
			s.PriceMin = int64(200+r.IntN(26)*50) * 1000
		}
		if r.IntN(100) >= 10 {
			s.PriceMax = s.PriceMin + int64(100+r.IntN(15)*50)*1000
		}
		switch p := r.IntN(100); {
		case p >= 85:
			s.PropertyTypes = []string{types[r.IntN(3)], types[3+r.IntN(2)]}
		case p >= 40:
			s.PropertyTypes = []string{types[r.IntN(len(types))]}
		}
		if r.IntN(100) < 30 {
			s.AreaMin = 800 + r.IntN(23)*100
		}
		o.searches = append(o.searches, s)
	}
	for i := range listingCount {
		c := popular.Uint64()
		o.listings = append(o.listings, &Listing{
			ID: fmt.Sprintf("L%06d", i), City: cities[c], PostalCode: zips[c][r.IntN(len(zips[c]))],
			Price: int64(150+r.IntN(2000)) * 1000, Beds: 1 + r.IntN(6), Baths: float64(2+r.IntN(7)) / 2,
			PropertyType: types[r.IntN(len(types))], Area: 600 + r.IntN(3400), Status: ListingActive,
		})
	}
	return o
}

// BenchmarkMatchListing matches new listings against the saved searches of a whole office and
// prints the latency of one Match, what it tested and found, and what building the index cost.
func BenchmarkMatchListing(b *testing.B) {
	const searchCount, listingCount = 100_000, 10_000
	o := newBenchOffice(searchCount, listingCount, 2000)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	x := NewSearchIndex()
	for _, s := range o.searches {
		x.Put(s)
	}
	build := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	heapMB := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)

	took := make([]time.Duration, len(o.listings))
	found := 0
	var cpu time.Duration
	for b.Loop() {
		found = 0
		c := cpuTime()
		for i, l := range o.listings {
			t := time.Now()
			found += len(x.Match(l))
			took[i] = time.Since(t)
		}
		cpu = cpuTime() - c
	}
	b.StopTimer()
	tested := 0
	for _, l := range o.listings {
		tested += len(x.anywhere.items)
		city, zip := x.cities[PlaceKey(l.City)], x.zips[PlaceKey(l.PostalCode)]
		if city != nil {
			tested += len(city.items)
		}
		if zip != nil {
			for _, c := range zip.items {
				if !slices.Contains(x.byID[c.s.ID].in, city) {
					tested++
				}
			}
		}
	}

	slices.Sort(took)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	p50, p99, worst := ms(took[len(took)/2]), ms(took[len(took)*99/100]), ms(took[len(took)-1])
	perTested, perFound := float64(tested)/listingCount, float64(found)/listingCount
	cpuPer := ms(cpu) / listingCount
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p99, "p99-ms")
	b.ReportMetric(worst, "max-ms")
	b.ReportMetric(cpuPer, "cpu-ms/match")
	b.ReportMetric(perTested, "tested/match")
	b.ReportMetric(perFound, "found/match")
	b.ReportMetric(ms(build), "build-ms")
	b.ReportMetric(heapMB, "index-MB")
	fmt.Printf("match %d listings among %d searches: p50 %.3f ms, p99 %.3f ms, max %.3f ms, "+
		"CPU %.3f ms a match; %.0f searches tested and %.1f found per listing; "+
		"build %.0f ms, index heap %.1f MB\n",
		listingCount, x.Len(), p50, p99, worst, cpuPer, perTested, perFound, ms(build), heapMB)
	runtime.KeepAlive(o)
}

// cpuTime returns the CPU time the process has used, GC and all: on a busy machine the wall-clock
// latencies also count the time spent waiting for a core.
func cpuTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
