package app_test

import (
	"context"
	"slices"
	"testing"

	"agentbook/app"
	"agentbook/store/storetest"
)

// TestListTypeAheadWalkAgreesWithIndex checks the fast path for broad type-ahead filters (a walk
// of the store's name order testing each contact's terms) against the index's own sorted search:
// the same contacts, the same order, the same totals and cursors, page after page.
func TestListTypeAheadWalkAgreesWithIndex(t *testing.T) {
	ctx := context.Background()
	contacts, accounts, _, index := storetest.Services(t)
	u, err := accounts.CreateUser(ctx, app.NewUser{Name: "W", Email: "w@x.test", Password: "longpassword1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := contacts.Seed(ctx, u.ID, 3000); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"a", "j", "m", "jo", "ma", "sm", "gmail", "@yahoo", "555", "smi", "zzz", "san"} {
		for _, desc := range []bool{false, true} {
			t.Run("the filter "+text+" gives the index's pages", func(t *testing.T) {
				q := app.ContactQuery{OwnerID: u.ID, Text: text, Status: app.StatusActive, Sort: app.SortName, Desc: desc, Limit: 50}
				for page := 0; page < 4; page++ {
					got, err := contacts.List(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					ids, total, more, err := index.Search(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					gotIDs := []string{}
					for _, c := range got.Items {
						gotIDs = append(gotIDs, c.ID)
					}
					if !slices.Equal(gotIDs, ids) || got.Total != total || (got.Next != nil) != more {
						t.Fatalf("page %d: list %v (total %d, next %v), index %v (total %d, more %v)",
							page, gotIDs, got.Total, got.Next != nil, ids, total, more)
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
