package app_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/store/storetest"
)

func TestContactServiceCreate(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		c      *app.Contact
		groups []string // group names to create and put the contact in; "?" is an unknown ID
		code   string
		fields map[string]string
	}{
		{name: "a valid contact is stored as version 1", c: newPerson(" Ann ", "Lee", "ann@example.com")},
		{name: "a contact in the agent's groups is stored", c: newPerson("Ann", "Lee", "ann@example.com"), groups: []string{"Buyers", "Sellers"}},
		{name: "an invalid contact is refused with its field errors", c: newPerson("", "", "nope"), code: app.EINVALID,
			fields: map[string]string{"first_name": "Enter a first name, a last name, a company or an email address.",
				"emails[0].address": "Enter an email address like name@example.com."}},
		{name: "a group the agent does not have is refused under its own key", c: newPerson("Ann", "Lee", "ann@example.com"),
			groups: []string{"Buyers", "?"}, code: app.EINVALID, fields: map[string]string{"groups[1].id": "No such group."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, _, st, _ := storetest.Services(t)
			owner := app.NewID()
			for _, name := range tt.groups {
				id := app.NewID()
				if name != "?" {
					g, err := cs.CreateGroup(ctx, owner, name)
					if err != nil {
						t.Fatal(err)
					}
					id = g.ID
				}
				tt.c.GroupIDs = append(tt.c.GroupIDs, id)
			}
			got, err := cs.Create(ctx, owner, tt.c)
			if tt.code != "" {
				wantCode(t, err, tt.code)
				if f := app.ErrorFields(err); !maps.Equal(f, tt.fields) {
					t.Errorf("fields = %v, want %v", f, tt.fields)
				}
				if n, _ := st.CountContacts(ctx, owner, app.StatusActive); n != 0 {
					t.Errorf("a refused contact was stored")
				}
				return
			}
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			stored, err := cs.Get(ctx, owner, got.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Version != 1 || stored.OwnerID != owner || stored.FirstName != "Ann" || !stored.Emails[0].Primary ||
				stored.Status != app.StatusActive || len(stored.GroupIDs) != len(tt.groups) {
				t.Errorf("stored %+v", stored)
			}
		})
	}
}

func TestContactServiceUpdate(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		owner func(owner string) string
		edit  func(c *app.Contact)
		code  string
	}{
		{name: "an edit based on the current version is saved as the next version"},
		{name: "an edit based on an older version is a conflict", edit: func(c *app.Contact) { c.Version-- }, code: app.ECONFLICT},
		{name: "an edit of another agent's contact is not found", owner: func(string) string { return app.NewID() }, code: app.ENOTFOUND},
		{name: "an invalid edit is refused", edit: func(c *app.Contact) { c.Birthday = "someday" }, code: app.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, _, _, _ := storetest.Services(t)
			owner := app.NewID()
			c, err := cs.Create(ctx, owner, newPerson("Ann", "Lee", "ann@example.com"))
			if err != nil {
				t.Fatal(err)
			}
			c, err = cs.Update(ctx, owner, &app.Contact{ID: c.ID, Version: 1, FirstName: "Ann", LastName: "Lee",
				Emails: []app.Email{{Address: "ann@example.com"}}})
			if err != nil {
				t.Fatal(err)
			}
			edit := &app.Contact{ID: c.ID, Version: c.Version, FirstName: "Ann", LastName: "Park",
				Emails: []app.Email{{Address: "ann@example.com"}}}
			if tt.edit != nil {
				tt.edit(edit)
			}
			as := owner
			if tt.owner != nil {
				as = tt.owner(owner)
			}
			_, err = cs.Update(ctx, as, edit)
			stored, gerr := cs.Get(ctx, owner, c.ID)
			if gerr != nil {
				t.Fatal(gerr)
			}
			if tt.code != "" {
				wantCode(t, err, tt.code)
				if stored.LastName != "Lee" || stored.Version != 2 {
					t.Errorf("a refused edit changed the contact to %s at version %d", stored.LastName, stored.Version)
				}
				return
			}
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			if stored.LastName != "Park" || stored.Version != 3 || !stored.UpdatedAt.After(stored.CreatedAt) {
				t.Errorf("stored %s at version %d updated %v; want Park at 3 after creation", stored.LastName, stored.Version, stored.UpdatedAt)
			}
		})
	}

	t.Run("a conflict message says the contact changed", func(t *testing.T) {
		cs, _, _, _ := storetest.Services(t)
		owner := app.NewID()
		c, _ := cs.Create(ctx, owner, newPerson("Ann", "Lee", "ann@example.com"))
		stale := *c
		c.LastName = "Park"
		if _, err := cs.Update(ctx, owner, c); err != nil {
			t.Fatal(err)
		}
		_, err := cs.Update(ctx, owner, &stale)
		if msg := app.ErrorMessage(err); !strings.Contains(msg, "changed since you opened it (now version 2") {
			t.Errorf("message = %q", msg)
		}
	})
	t.Run("an address kept through an edit keeps its verification result", func(t *testing.T) {
		cs, _, st, _ := storetest.Services(t)
		owner := app.NewID()
		c, _ := cs.Create(ctx, owner, newPerson("Ann", "Lee", "ann@example.com"))
		c.Emails[0].Status, c.Emails[0].Reason = app.EmailInvalid, "mailbox unavailable"
		c.Version++
		if err := st.UpdateContact(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, err := cs.Update(ctx, owner, &app.Contact{ID: c.ID, Version: c.Version, FirstName: "Ann",
			Emails: []app.Email{{Address: "new@example.com"}, {Address: "ANN@example.com"}}})
		if err != nil {
			t.Fatal(err)
		}
		if e := got.Emails[1]; e.Status != app.EmailInvalid || e.Reason != "mailbox unavailable" {
			t.Errorf("kept address = %+v, want it still invalid", e)
		}
		if e := got.Emails[0]; e.Status != app.EmailUnknown {
			t.Errorf("new address = %+v, want unknown", e)
		}
	})
}

func TestContactServiceWithEmail(t *testing.T) {
	ctx := context.Background()
	cs, _, _, _ := storetest.Services(t)
	owner := app.NewID()
	john, _ := cs.Create(ctx, owner, newPerson("John", "Doe", "family@example.com"))
	jane, _ := cs.Create(ctx, owner, &app.Contact{FirstName: "Jane", Emails: []app.Email{{Address: "jane@example.com"}, {Address: "Family@example.com"}}})
	if _, err := cs.Create(ctx, app.NewID(), newPerson("Jim", "Roe", "family@example.com")); err != nil {
		t.Fatal(err)
	}
	got, err := cs.WithEmail(ctx, owner, "FAMILY@example.com", "", "jane@example.com")
	if err != nil {
		t.Fatal(err)
	}
	ids := idsOf(got)
	want := []string{john.ID, jane.ID}
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("WithEmail = %v, want John and Jane once each and not the other agent's Jim", namesOf(got))
	}
}

func TestContactServiceListRefusesBadInput(t *testing.T) {
	cs, _, _, _ := storetest.Services(t)
	tests := []struct {
		name  string
		q     app.ContactQuery
		field string
	}{
		{"an unknown sort is refused", app.ContactQuery{Sort: "shoe_size"}, "sort"},
		{"an unknown status is refused", app.ContactQuery{Status: "deleted"}, "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.OwnerID = app.NewID()
			_, err := cs.List(context.Background(), tt.q)
			wantCode(t, err, app.EINVALID)
			if _, ok := app.ErrorFields(err)[tt.field]; !ok {
				t.Errorf("fields = %v, want a %q entry", app.ErrorFields(err), tt.field)
			}
		})
	}
}

// TestContactServiceListPathsAgree pages through the same contacts twice: unfiltered (read from
// the store's ordered keys) and filtered by a group every contact is in (answered by the index).
// Both must give the same rows, totals and cursors, and a cursor from one must work on the other.
func TestContactServiceListPathsAgree(t *testing.T) {
	ctx := context.Background()
	cs, _, _, _ := storetest.Services(t)
	clk := newClock()
	tick := 0
	cs.Now = func() time.Time { // every other write shares a timestamp, so updated ties happen
		tick++
		if tick%2 == 0 {
			clk.Advance(time.Millisecond)
		}
		return clk.Now()
	}
	owner := app.NewID()
	g, err := cs.CreateGroup(ctx, owner, "Everyone")
	if err != nil {
		t.Fatal(err)
	}
	names := [][2]string{
		{"Ann", "Lee"}, {"ann", "Lee"}, {"José", "Núñez"}, {"Jose", "Nunez"}, {"Zoë", "Adams"}, {"", "Adams"},
		{"Émile", "Zola"}, {"Bob", "O'Hara"}, {"Li", "Wei"}, {"Ann", "Lee"}, {"Kim", "Park"}, {"Sam", "Ortiz"},
		{"Amy", "Ng"}, {"Ravi", "Patel"}, {"Ola", "Berg"}, {"Ida", "Berg"}, {"Max", "Moe"}, {"Eve", "Ash"},
	}
	var mine []*app.Contact
	for i, n := range names {
		c := newPerson(n[0], n[1], fmt.Sprintf("c%02d@example.com", i))
		if n == [2]string{"", "Adams"} {
			c.FirstName, c.LastName, c.Company = "", "", "Adams Realty" // nameless: sorts by company after names
		}
		c.GroupIDs = []string{g.ID}
		if i%6 == 5 {
			c.Status = app.StatusInactive
		}
		created, err := cs.Create(ctx, owner, c)
		if err != nil {
			t.Fatalf("create %v: %v", n, err)
		}
		mine = append(mine, created)
	}
	for _, i := range []int{0, 4, 9} { // edits move contacts in the updated order
		mine[i].Title = "Edited"
		if _, err := cs.Update(ctx, owner, mine[i]); err != nil {
			t.Fatal(err)
		}
	}
	// Another agent's look-alike contacts never show up.
	for i := range 3 {
		if _, err := cs.Create(ctx, app.NewID(), newPerson("Ann", fmt.Sprint("Lee", i), "x@example.com")); err != nil {
			t.Fatal(err)
		}
	}

	for _, status := range []app.ContactStatus{app.StatusActive, app.StatusInactive} {
		for _, sortBy := range []string{app.SortName, app.SortCreated, app.SortUpdated} {
			for _, desc := range []bool{false, true} {
				for _, limit := range []int{1, 4, 200} {
					name := fmt.Sprintf("%s contacts sorted by %s %s in pages of %d agree", status, sortBy, order(desc), limit)
					t.Run(name, func(t *testing.T) {
						store := app.ContactQuery{OwnerID: owner, Status: status, Sort: sortBy, Desc: desc, Limit: limit}
						index := store
						index.GroupID = g.ID
						var rows []string
						for page := 0; ; page++ {
							if page > len(mine) {
								t.Fatal("paging did not end")
							}
							a, err := cs.List(ctx, store)
							if err != nil {
								t.Fatal(err)
							}
							b, err := cs.List(ctx, index)
							if err != nil {
								t.Fatal(err)
							}
							if !slices.Equal(idsOf(a.Items), idsOf(b.Items)) {
								t.Fatalf("page %d: store path %q, index path %q", page, namesOf(a.Items), namesOf(b.Items))
							}
							if a.Total != b.Total {
								t.Errorf("page %d: totals %d and %d differ", page, a.Total, b.Total)
							}
							if (a.Next == nil) != (b.Next == nil) || (a.Next != nil && *a.Next != *b.Next) {
								t.Fatalf("page %d: cursors %+v and %+v differ", page, a.Next, b.Next)
							}
							rows = append(rows, idsOf(a.Items)...)
							if a.Next == nil {
								break
							}
							// Cross the cursors: each path continues from the other's cursor.
							store.After, index.After = b.Next, a.Next
						}
						want := 0
						for _, c := range mine {
							if c.Status == status {
								want++
							}
						}
						seen := map[string]bool{}
						for _, id := range rows {
							seen[id] = true
						}
						if len(rows) != want || len(seen) != want {
							t.Errorf("paged %d rows (%d distinct), want %d", len(rows), len(seen), want)
						}
					})
				}
			}
		}
	}
}

func order(desc bool) string {
	if desc {
		return "descending"
	}
	return "ascending"
}

func idsOf(cs []*app.Contact) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func namesOf(cs []*app.Contact) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.DisplayName()
	}
	return out
}
