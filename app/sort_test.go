package app_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"agentbook/app"
	"agentbook/store/storetest"
)

// TestListSortedByColumn checks every sort (name too: the index does not sort) against a sort
// done here: for each column, both directions and several filters, paging through with small pages gives exactly the matching
// contacts in (sort value, ID) order, whether the list walks the stored order (many matches) or
// orders a few matches itself.
func TestListSortedByColumn(t *testing.T) {
	ctx := context.Background()
	cs, _, _, _ := storetest.Services(t)
	owner := app.NewID()
	buyers, err := cs.CreateGroup(ctx, owner, "Buyers")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 9))
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	var all []*app.Contact
	for i := 0; i < 240; i++ {
		c := &app.Contact{FirstName: pick("Ann", "Bob", "Åsa", "", "Zoe", "ann"), LastName: pick("Lee", "Smith", "Ng", "", "Öberg"),
			Company: pick("", "", "Acme", "acme", "Zenith", "Élan"), Title: pick("", "Broker", "Agent"),
			Emails:    []app.Email{{Address: fmt.Sprintf("p%d@%s.example", i, pick("a", "b"))}},
			Addresses: []app.Address{{City: pick("", "Austin", "Boston", "Ürümqi"), Region: pick("", "TX", "MA"), PostalCode: pick("", "02110", "73301")}}}
		if c.FirstName == "" && c.LastName == "" {
			c.Company = "Co " + fmt.Sprint(i)
		}
		if r.IntN(3) == 0 {
			c.GroupIDs = []string{buyers.ID}
		}
		if r.IntN(10) == 0 {
			c.Emails = nil
		}
		saved, err := cs.Create(ctx, owner, c)
		if err != nil {
			t.Fatal(err)
		}
		if r.IntN(5) == 0 {
			if saved, err = cs.SetStatus(ctx, owner, saved.ID, app.StatusInactive); err != nil {
				t.Fatal(err)
			}
		}
		if r.IntN(6) == 0 && len(saved.Emails) > 0 {
			if _, err := cs.SetEmailVerdict(ctx, owner, saved.Emails[0].Address, app.Verdict{Status: app.EmailInvalid, Reason: "test"}); err != nil {
				t.Fatal(err)
			}
		}
		all = append(all, saved)
	}
	for i, c := range all { // reload: verdicts changed some
		if all[i], err = cs.Get(ctx, owner, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	filters := []struct {
		name string
		q    app.ContactQuery
		keep func(c *app.Contact) bool
	}{
		{"active contacts", app.ContactQuery{}, func(c *app.Contact) bool { return c.Status == app.StatusActive }},
		{"all contacts", app.ContactQuery{Status: app.StatusAll}, func(*app.Contact) bool { return true }},
		{"a text filter", app.ContactQuery{Text: "ann"}, func(c *app.Contact) bool {
			return c.Status == app.StatusActive && strings.HasPrefix(app.Fold(c.FirstName), "ann")
		}},
		{"a text filter over both statuses", app.ContactQuery{Text: "ann", Status: app.StatusAll}, func(c *app.Contact) bool {
			return strings.HasPrefix(app.Fold(c.FirstName), "ann")
		}},
		{"a group", app.ContactQuery{GroupID: buyers.ID, Status: app.StatusAll}, func(c *app.Contact) bool { return slices.Contains(c.GroupIDs, buyers.ID) }},
		{"invalid addresses", app.ContactQuery{EmailStatus: app.EmailInvalid}, func(c *app.Contact) bool {
			return c.Status == app.StatusActive && c.EmailStatus() == app.EmailInvalid
		}},
		{"a text filter and an email status", app.ContactQuery{Text: "ann", EmailStatus: app.EmailUnknown}, func(c *app.Contact) bool {
			return c.Status == app.StatusActive && c.EmailStatus() == app.EmailUnknown && strings.HasPrefix(app.Fold(c.FirstName), "ann")
		}},
		{"an email status over both statuses", app.ContactQuery{EmailStatus: app.EmailNone, Status: app.StatusAll}, func(c *app.Contact) bool {
			return c.EmailStatus() == app.EmailNone
		}},
	}
	for _, mode := range []struct {
		way            string
		small, maxWalk int
	}{
		{"walking the stored order", 1, 0},
		{"ordering the matches", 100000, 0},
		{"ordering every match when a walk gives up", 1, 3},
	} {
		cs.SmallMatch, cs.MaxWalk = mode.small, mode.maxWalk
		way := mode.way
		for _, f := range filters {
			for _, field := range app.SortFields() {
				for _, desc := range []bool{false, true} {
					t.Run(fmt.Sprintf("%s sorted by %s (desc %v), %s", f.name, field, desc, way), func(t *testing.T) {
						var want []string
						var keep []*app.Contact
						for _, c := range all {
							if f.keep(c) {
								keep = append(keep, c)
							}
						}
						slices.SortFunc(keep, func(a, b *app.Contact) int {
							return cmp.Or(strings.Compare(a.SortValue(field), b.SortValue(field)), strings.Compare(a.ID, b.ID))
						})
						if desc {
							slices.Reverse(keep)
						}
						for _, c := range keep {
							want = append(want, c.ID)
						}
						q := f.q
						q.OwnerID, q.Sort, q.Desc, q.Limit = owner, field, desc, 7
						var got []string
						for pages := 0; pages < 100; pages++ {
							l, err := cs.List(ctx, q)
							if err != nil {
								t.Fatal(err)
							}
							if l.Total != len(want) {
								t.Fatalf("total %d, want %d", l.Total, len(want))
							}
							for _, c := range l.Items {
								got = append(got, c.ID)
							}
							if l.Next == nil {
								break
							}
							q.After = l.Next
						}
						if !slices.Equal(got, want) {
							t.Fatalf("got %d contacts, want %d; first difference at %d", len(got), len(want), firstDiff(got, want))
						}
					})
				}
			}
		}
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
