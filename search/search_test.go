package search_test

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/search"
	"agentbook/store/storetest"
)

var (
	ownerA = app.NewID()
	ownerB = app.NewID()
)

type fixture struct {
	ix     *search.Index
	byID   map[string]*app.Contact
	byName map[string]*app.Contact
}

func newContact(owner, first, last string, edit func(c *app.Contact)) *app.Contact {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c := &app.Contact{ID: app.NewID(), OwnerID: owner, FirstName: first, LastName: last,
		CreatedAt: now, UpdatedAt: now, Version: 1}
	if edit != nil {
		edit(c)
	}
	c.Normalize()
	return c
}

// people indexes a small address book for owner A and a look-alike contact for owner B.
func people(t *testing.T) *fixture {
	t.Helper()
	cs := []*app.Contact{
		newContact(ownerA, "José", "García", func(c *app.Contact) {
			c.Company = "Acme Realty"
			c.Addresses = []app.Address{{City: "San José", Region: "CA"}}
			c.Emails = []app.Email{{Address: "jose.garcia@gmail.com"}}
			c.Phones = []app.Phone{{Number: "+1 (415) 555-0100"}}
			c.GroupIDs = []string{"buyers"}
		}),
		newContact(ownerA, "Mary", "O'Brien", func(c *app.Contact) {
			c.Company = "Globex"
			c.Addresses = []app.Address{{City: "Springfield"}}
			c.Emails = []app.Email{{Address: "mary@outlook.com"}}
			c.Phones = []app.Phone{{Number: "555 0199"}}
			c.GroupIDs = []string{"sellers"}
			c.Status = app.StatusInactive
		}),
		newContact(ownerA, "Mark", "Smith", func(c *app.Contact) {
			c.Addresses = []app.Address{{City: "Salem"}}
			c.Emails = []app.Email{{Address: "msmith@gmail.com"}, {Address: "mark@smithco.com"}}
			c.Phones = []app.Phone{{Number: "(503) 555-1234"}}
			c.GroupIDs = []string{"buyers", "sellers"}
		}),
		newContact(ownerA, "Ann", "Lee", func(c *app.Contact) {
			c.Company = "Initech"
			c.Addresses = []app.Address{{City: "Sacramento"}}
			c.Emails = []app.Email{{Address: "Ann.Lee@Yahoo.com"}}
		}),
		newContact(ownerB, "José", "Other", func(c *app.Contact) {
			c.Company = "Acme Realty"
			c.Emails = []app.Email{{Address: "jose@gmail.com"}}
			c.Phones = []app.Phone{{Number: "415-555-0100"}}
			c.GroupIDs = []string{"buyers"}
		}),
	}
	f := &fixture{ix: storetest.OpenIndex(t), byID: map[string]*app.Contact{}, byName: map[string]*app.Contact{}}
	for _, c := range cs {
		f.byID[c.ID] = c
		if c.OwnerID == ownerA {
			f.byName[c.DisplayName()] = c
		}
	}
	if err := f.ix.Index(context.Background(), cs); err != nil {
		t.Fatalf("Index: %v", err)
	}
	return f
}

// names searches and returns the display names found, in name order (the index does not sort).
func (f *fixture) names(t *testing.T, q app.ContactQuery) []string {
	t.Helper()
	if q.OwnerID == "" {
		q.OwnerID = ownerA
	}
	if q.Status == "" {
		q.Status = app.StatusAll
	}
	ids, err := f.ix.MatchIDs(context.Background(), q, 100)
	if err != nil {
		t.Fatalf("MatchIDs(%+v): %v", q, err)
	}
	n, err := f.ix.CountMatches(context.Background(), q)
	if err != nil || n != len(ids) {
		t.Errorf("CountMatches = %d, %v for %d matches", n, err, len(ids))
	}
	cs := []*app.Contact{}
	for _, id := range ids {
		cs = append(cs, f.byID[id])
	}
	slices.SortFunc(cs, func(a, b *app.Contact) int {
		return cmp.Or(cmp.Compare(a.SortValue(app.SortName), b.SortValue(app.SortName)), cmp.Compare(a.ID, b.ID))
	})
	out := []string{}
	for _, c := range cs {
		out = append(out, c.DisplayName())
	}
	return out
}

func TestSearchText(t *testing.T) {
	f := people(t)
	tests := []struct {
		name string
		text string
		want []string // in name order: García, Lee, O'Brien, Smith
	}{
		{"a first-name prefix finds the contact", "mar", []string{"Mary O'Brien", "Mark Smith"}},
		{"a last-name prefix finds the contact", "gar", []string{"José García"}},
		{"a whole first name finds the contact", "Ann", []string{"Ann Lee"}},
		{"a name without its accent finds the accented name", "jose", []string{"José García"}},
		{"an accented query finds the name too", "JOSÉ", []string{"José García"}},
		{"an accent-less last name finds the accented one", "garcia", []string{"José García"}},
		{"a name with an apostrophe is found as typed", "o'brien", []string{"Mary O'Brien"}},
		{"a part of a name after an apostrophe is found", "brie", []string{"Mary O'Brien"}},
		{"a company prefix finds the contact", "acm", []string{"José García"}},
		{"the second word of a company is found", "realty", []string{"José García"}},
		{"a city prefix finds the contact", "spring", []string{"Mary O'Brien"}},
		{"a city without its accent finds the accented one", "san jose", []string{"José García"}},
		{"two words must both match", "mark salem", []string{"Mark Smith"}},
		{"two words that match different contacts find nothing", "mark springfield", []string{}},
		{"an email address prefix finds the contact", "msmith@gm", []string{"Mark Smith"}},
		{"a whole email address finds the contact", "mary@outlook.com", []string{"Mary O'Brien"}},
		{"an email is found whatever its case", "ann.lee@yahoo.COM", []string{"Ann Lee"}},
		{"a secondary email finds the contact", "mark@smithco", []string{"Mark Smith"}},
		{"the start of an email's local part finds the contact", "msmi", []string{"Mark Smith"}},
		{"a dotted local part prefix finds the contact", "jose.gar", []string{"José García"}},
		{"an email domain finds every contact with it", "gmail.com", []string{"José García", "Mark Smith"}},
		{"an email domain after an at sign finds every contact with it", "@gmail", []string{"José García", "Mark Smith"}},
		{"a whole domain after an at sign finds every contact with it", "@gmail.com", []string{"José García", "Mark Smith"}},
		{"a domain name alone finds the contact", "outlook", []string{"Mary O'Brien"}},
		{"the last digits of a phone with a dash find it", "555-0100", []string{"José García"}},
		{"an area code in parentheses and an exchange find the phone", "(415) 555", []string{"José García"}},
		{"a phone's digits run together find it", "4155550100", []string{"José García"}},
		{"a phone with its country code finds it", "+1 415 555 0100", []string{"José García"}},
		{"dots as separators find the phone", "503.555.1234", []string{"Mark Smith"}},
		{"the last four digits find the phone", "0199", []string{"Mary O'Brien"}},
		{"a common exchange finds every phone with it", "555", []string{"José García", "Mary O'Brien", "Mark Smith"}},
		{"digits in no phone find nothing", "999", []string{}},
		{"a word in no contact finds nothing", "zzz", []string{}},
		{"blank text finds every contact", "   ", []string{"José García", "Ann Lee", "Mary O'Brien", "Mark Smith"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.names(t, app.ContactQuery{Text: tt.text}); !slices.Equal(got, tt.want) {
				t.Errorf("Search(%q) = %q, want %q", tt.text, got, tt.want)
			}
			// The store's walk tests Terms with Matcher; it must accept exactly what the index finds.
			match := search.Matcher(tt.text)
			got := []string{}
			for _, name := range []string{"José García", "Ann Lee", "Mary O'Brien", "Mark Smith"} {
				if match(search.Terms(f.byName[name])) {
					got = append(got, name)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Matcher(%q) accepts %q, want %q", tt.text, got, tt.want)
			}
			// MatchIDs finds the same contacts, in no particular order.
			ids, err := f.ix.MatchIDs(context.Background(), app.ContactQuery{OwnerID: ownerA, Status: app.StatusAll, Text: tt.text}, 10)
			if err != nil {
				t.Fatal(err)
			}
			got = []string{}
			for _, id := range ids {
				got = append(got, f.byID[id].DisplayName())
			}
			want := slices.Clone(tt.want)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("MatchIDs(%q) = %q, want %q", tt.text, got, want)
			}
		})
	}
	t.Run("MatchIDs refuses more matches than asked for", func(t *testing.T) {
		_, err := f.ix.MatchIDs(context.Background(), app.ContactQuery{OwnerID: ownerA, Status: app.StatusAll, Text: "555"}, 2)
		if app.ErrorCode(err) != app.EINVALID {
			t.Errorf("MatchIDs with 3 matches and max 2: %v, want EINVALID", err)
		}
		ids, err := f.ix.MatchIDs(context.Background(), app.ContactQuery{OwnerID: ownerA, Status: app.StatusAll, Text: "555"}, 3)
		if err != nil || len(ids) != 3 {
			t.Errorf("MatchIDs with 3 matches and max 3: %v, %v", ids, err)
		}
	})
}

func TestSearchFilters(t *testing.T) {
	f := people(t)
	tests := []struct {
		name string
		q    app.ContactQuery
		want []string
	}{
		{"the active filter leaves out inactive contacts", app.ContactQuery{Status: app.StatusActive}, []string{"José García", "Ann Lee", "Mark Smith"}},
		{"the inactive filter finds only inactive contacts", app.ContactQuery{Status: app.StatusInactive}, []string{"Mary O'Brien"}},
		{"the all filter finds both", app.ContactQuery{Status: app.StatusAll, Text: "mar"}, []string{"Mary O'Brien", "Mark Smith"}},
		{"a group finds its members", app.ContactQuery{GroupID: "buyers"}, []string{"José García", "Mark Smith"}},
		{"a group and a status combine", app.ContactQuery{GroupID: "sellers", Status: app.StatusActive}, []string{"Mark Smith"}},
		{"a group and text combine", app.ContactQuery{GroupID: "buyers", Text: "gmail.com"}, []string{"José García", "Mark Smith"}},
		{"text outside the group finds nothing", app.ContactQuery{GroupID: "buyers", Text: "ann"}, []string{}},
		{"an unknown group finds nothing", app.ContactQuery{GroupID: "nobody"}, []string{}},
		{"another agent sees only their own look-alike contact", app.ContactQuery{OwnerID: ownerB, Text: "jose"}, []string{"José Other"}},
		{"another agent's phone match stays theirs", app.ContactQuery{OwnerID: ownerB, Text: "415 555 0100"}, []string{"José Other"}},
		{"an agent with no contacts finds nothing", app.ContactQuery{OwnerID: app.NewID()}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.names(t, tt.q); !slices.Equal(got, tt.want) {
				t.Errorf("Search(%+v) = %q, want %q", tt.q, got, tt.want)
			}
		})
	}
	t.Run("owner A's searches never return owner B's contacts", func(t *testing.T) {
		for _, text := range []string{"jose", "acme", "gmail.com", "@gmail", "4155550100", "other"} {
			for _, name := range f.names(t, app.ContactQuery{Text: text}) {
				if name == "José Other" {
					t.Errorf("Search(%q) for owner A returned owner B's contact", text)
				}
			}
		}
	})
	t.Run("a search without an owner is refused", func(t *testing.T) {
		if _, err := f.ix.MatchIDs(context.Background(), app.ContactQuery{Status: app.StatusAll}, 10); err == nil {
			t.Errorf("MatchIDs without owner succeeded")
		}
		if _, err := f.ix.CountMatches(context.Background(), app.ContactQuery{Status: app.StatusAll}); err == nil {
			t.Errorf("CountMatches without owner succeeded")
		}
	})
}

func TestSearchUpdatesAndDeletes(t *testing.T) {
	ctx := context.Background()
	f := people(t)
	mark := *f.byName["Mark Smith"]
	mark.LastName, mark.Emails = "Jones", nil
	f.byID[mark.ID] = &mark
	if err := f.ix.Index(ctx, []*app.Contact{&mark}); err != nil {
		t.Fatal(err)
	}
	t.Run("a re-indexed contact is found by its new name and not its old one", func(t *testing.T) {
		if got := f.names(t, app.ContactQuery{Text: "jones"}); !slices.Equal(got, []string{"Mark Jones"}) {
			t.Errorf("new name: %q", got)
		}
		if got := f.names(t, app.ContactQuery{Text: "smith"}); len(got) != 0 {
			t.Errorf("old name still found: %q", got)
		}
		if got := f.names(t, app.ContactQuery{Text: "msmith@gmail.com"}); len(got) != 0 {
			t.Errorf("removed email still found: %q", got)
		}
	})
	t.Run("a deleted contact is not found and missing IDs are ignored", func(t *testing.T) {
		if err := f.ix.Delete(ctx, []string{mark.ID, app.NewID()}); err != nil {
			t.Fatal(err)
		}
		if got := f.names(t, app.ContactQuery{Text: "mark"}); len(got) != 0 {
			t.Errorf("deleted contact found: %q", got)
		}
		if n, err := f.ix.Count(); err != nil || n != 4 {
			t.Errorf("Count = %d, %v; want 4", n, err)
		}
	})
}
