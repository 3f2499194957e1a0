package app_test

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/search"
	"agentbook/store/storetest"
)

// TestListTypeAheadWalkAgreesWithOracle checks the paths of broad and narrow type-ahead filters
// sorted by name (a walk of the store's name order testing each contact's terms, or the index's
// matches put in name order) against an answer worked out here from every contact: the same
// contacts, the same order, the same totals, page after page, both ways.
func TestListTypeAheadWalkAgreesWithOracle(t *testing.T) {
	ctx := context.Background()
	contacts, accounts, _, _ := storetest.Services(t)
	u, err := accounts.CreateUser(ctx, app.NewUser{Name: "W", Email: "w@x.test", Password: "longpassword1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := contacts.Seed(ctx, u.ID, 3000); err != nil {
		t.Fatal(err)
	}
	var all []*app.Contact
	if err := contacts.EachContact(ctx, u.ID, func(c *app.Contact) error { all = append(all, c); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"a", "j", "m", "jo", "ma", "sm", "gmail", "@yahoo", "555", "smi", "zzz", "san"} {
		for _, desc := range []bool{false, true} {
			t.Run("the filter "+text+" gives the oracle's pages", func(t *testing.T) {
				match := search.Matcher(text)
				var want []*app.Contact
				for _, c := range all {
					if c.Status == app.StatusActive && match(search.Terms(c)) {
						want = append(want, c)
					}
				}
				slices.SortFunc(want, func(a, b *app.Contact) int {
					return cmp.Or(strings.Compare(a.SortValue(app.SortName), b.SortValue(app.SortName)), strings.Compare(a.ID, b.ID))
				})
				if desc {
					slices.Reverse(want)
				}
				q := app.ContactQuery{OwnerID: u.ID, Text: text, Status: app.StatusActive, Sort: app.SortName, Desc: desc, Limit: 50}
				for page := 0; page < 4; page++ {
					got, err := contacts.List(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					var gotIDs, wantIDs []string
					for _, c := range got.Items {
						gotIDs = append(gotIDs, c.ID)
					}
					for _, c := range want[min(page*50, len(want)):min(page*50+50, len(want))] {
						wantIDs = append(wantIDs, c.ID)
					}
					if !slices.Equal(gotIDs, wantIDs) || got.Total != len(want) || (got.Next != nil) != (len(want) > page*50+50) {
						t.Fatalf("page %d: list %v (total %d, next %v), want %v (total %d)", page, gotIDs, got.Total, got.Next != nil, wantIDs, len(want))
					}
					if got.Next == nil {
						break
					}
					q.After = got.Next
				}
			})
		}
	}
}

// TestListCountsFollowWrites checks that a filter's total changes as soon as a write changes it,
// although counts are kept between requests.
func TestListCountsFollowWrites(t *testing.T) {
	ctx := context.Background()
	contacts, accounts, _, _ := storetest.Services(t)
	u, err := accounts.CreateUser(ctx, app.NewUser{Name: "C", Email: "c@x.test", Password: "longpassword1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := contacts.Seed(ctx, u.ID, 500); err != nil {
		t.Fatal(err)
	}
	total := func(text string) int {
		res, err := contacts.List(ctx, app.ContactQuery{OwnerID: u.ID, Text: text, Status: app.StatusActive, Sort: app.SortName, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	before := total("a")
	total("a")
	c, err := contacts.Create(ctx, u.ID, &app.Contact{FirstName: "Aardvark", LastName: "Zed"})
	if err != nil {
		t.Fatal(err)
	}
	if got := total("a"); got != before+1 {
		t.Errorf("after adding a match the total is %d, want %d", got, before+1)
	}
	if err := contacts.Delete(ctx, u.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	if got := total("a"); got != before {
		t.Errorf("after deleting it the total is %d, want %d", got, before)
	}
}

// TestListWalksBesideWrites runs lists that walk both statuses' name orders (text over all
// statuses, in several orders) beside writes that move contacts between them, and fails if
// anything stops: reads of the in-memory orders once deadlocked against a waiting write.
func TestListWalksBesideWrites(t *testing.T) {
	ctx := context.Background()
	contacts, accounts, _, _ := storetest.Services(t)
	u, err := accounts.CreateUser(ctx, app.NewUser{Name: "D", Email: "d@x.test", Password: "longpassword1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := contacts.Seed(ctx, u.ID, 600); err != nil {
		t.Fatal(err)
	}
	contacts.SmallMatch = 1 // every filtered list walks an order
	var ids []string
	if err := contacts.EachContact(ctx, u.ID, func(c *app.Contact) error { ids = append(ids, c.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sorts := []string{app.SortCompany, app.SortName, app.SortUpdated, app.SortEmailStatus}
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				q := app.ContactQuery{OwnerID: u.ID, Status: app.StatusAll, Text: []string{"a", "jo", "m"}[i%3], Sort: sorts[(i+w)%len(sorts)], Desc: i%2 == 0, Limit: 20}
				if i%5 == 0 {
					q.Text, q.EmailStatus = "", app.EmailUnknown
				}
				if _, err := contacts.List(ctx, q); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			st := app.StatusInactive
			if i%2 == 1 {
				st = app.StatusActive
			}
			if _, err := contacts.SetStatus(ctx, u.ID, ids[i%len(ids)], st); err != nil {
				errs <- err
				return
			}
		}
	}()
	time.Sleep(2 * time.Second)
	close(done)
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(20 * time.Second):
		t.Fatal("lists and writes did not finish: a deadlock")
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
