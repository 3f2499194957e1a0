package store_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/store"
	"agentbook/store/storetest"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// contact returns a new, normalized contact of owner, ready for CreateContacts.
func contact(owner, first, last string, emails ...string) *app.Contact {
	c := &app.Contact{ID: app.NewID(), OwnerID: owner, FirstName: first, LastName: last,
		CreatedAt: t0, UpdatedAt: t0, Version: 1}
	for _, e := range emails {
		c.Emails = append(c.Emails, app.Email{Address: e})
	}
	c.Normalize()
	return c
}

func create(t *testing.T, st *store.Store, cs ...*app.Contact) {
	t.Helper()
	if err := st.CreateContacts(context.Background(), cs); err != nil {
		t.Fatalf("CreateContacts: %v", err)
	}
}

// next returns a copy of the stored contact c prepared as its next version.
func next(c *app.Contact, edit func(*app.Contact)) *app.Contact {
	n := *c
	n.Emails = slices.Clone(c.Emails)
	n.Version = c.Version + 1
	n.UpdatedAt = c.UpdatedAt.Add(time.Second)
	if edit != nil {
		edit(&n)
	}
	return &n
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := app.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func TestStoreCreateContacts(t *testing.T) {
	ctx := context.Background()
	owner, other := app.NewID(), app.NewID()

	t.Run("a created contact is read back whole by its owner", func(t *testing.T) {
		st := storetest.Open(t)
		c := contact(owner, "Jane", "Doe", "jane@example.com")
		c.Phones = []app.Phone{{Number: "+1 415 555 0100", Label: "Mobile"}}
		c.GroupIDs = []string{"g1"}
		create(t, st, c)
		got, err := st.Contact(ctx, owner, c.ID)
		if err != nil {
			t.Fatalf("Contact: %v", err)
		}
		if got.FirstName != "Jane" || got.Version != 1 || !got.UpdatedAt.Equal(c.UpdatedAt) ||
			!slices.Equal(got.Emails, c.Emails) || !slices.Equal(got.Phones, c.Phones) || !slices.Equal(got.GroupIDs, c.GroupIDs) {
			t.Errorf("Contact = %+v, want %+v", got, c)
		}
	})
	t.Run("another agent's contact is not found", func(t *testing.T) {
		st := storetest.Open(t)
		c := contact(owner, "Jane", "Doe")
		create(t, st, c)
		_, err := st.Contact(ctx, other, c.ID)
		wantCode(t, err, app.ENOTFOUND)
	})
	t.Run("an ID that already exists is a conflict and nothing of the batch is stored", func(t *testing.T) {
		st := storetest.Open(t)
		c := contact(owner, "Jane", "Doe")
		create(t, st, c)
		fresh := contact(owner, "New", "One")
		err := st.CreateContacts(ctx, []*app.Contact{fresh, c})
		wantCode(t, err, app.ECONFLICT)
		if _, err := st.Contact(ctx, owner, fresh.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("the batch's other contact was stored: %v", err)
		}
		if n, _ := st.CountContacts(ctx, owner, app.StatusActive); n != 1 {
			t.Errorf("count = %d, want 1", n)
		}
	})
	t.Run("a batch larger than one transaction is stored and counted whole", func(t *testing.T) {
		st := storetest.Open(t)
		var cs []*app.Contact
		for i := range 1203 {
			cs = append(cs, contact(owner, "N", fmt.Sprintf("Contact %04d", i)))
		}
		create(t, st, cs...)
		if n, _ := st.CountContacts(ctx, owner, app.StatusActive); n != len(cs) {
			t.Errorf("count = %d, want %d", n, len(cs))
		}
		seen := 0
		if err := st.EachContact(ctx, func(*app.Contact) error { seen++; return nil }); err != nil || seen != len(cs) {
			t.Errorf("EachContact saw %d (%v), want %d", seen, err, len(cs))
		}
	})
	t.Run("contacts by ID come in the asked order and missing IDs are skipped", func(t *testing.T) {
		st := storetest.Open(t)
		a, b, c := contact(owner, "A", "A"), contact(owner, "B", "B"), contact(other, "C", "C")
		create(t, st, a, b, c)
		got, err := st.ContactsByID(ctx, []string{c.ID, app.NewID(), a.ID, b.ID})
		if err != nil {
			t.Fatal(err)
		}
		if ids := idsOf(got); !slices.Equal(ids, []string{c.ID, a.ID, b.ID}) {
			t.Errorf("ContactsByID = %v, want %v", ids, []string{c.ID, a.ID, b.ID})
		}
	})
}

func TestStoreUpdateContact(t *testing.T) {
	ctx := context.Background()
	owner, other := app.NewID(), app.NewID()
	tests := []struct {
		name string
		edit func(stored, c *app.Contact)
		code string
	}{
		{name: "the next version replaces the contact"},
		{name: "a stale version is a conflict", edit: func(s, c *app.Contact) { c.Version = s.Version }, code: app.ECONFLICT},
		{name: "a version from the future is a conflict", edit: func(s, c *app.Contact) { c.Version = s.Version + 2 }, code: app.ECONFLICT},
		{name: "another agent's contact is not found", edit: func(_, c *app.Contact) { c.OwnerID = other }, code: app.ENOTFOUND},
		{name: "a missing contact is not found", edit: func(_, c *app.Contact) { c.ID = app.NewID() }, code: app.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := storetest.Open(t)
			stored := contact(owner, "Jane", "Doe", "jane@example.com")
			create(t, st, stored)
			c := next(stored, func(c *app.Contact) { c.LastName = "Smith" })
			if tt.edit != nil {
				tt.edit(stored, c)
			}
			err := st.UpdateContact(ctx, c)
			got, gerr := st.Contact(ctx, owner, stored.ID)
			if gerr != nil {
				t.Fatalf("Contact: %v", gerr)
			}
			if tt.code == "" {
				if err != nil {
					t.Fatalf("UpdateContact: %v", err)
				}
				if got.LastName != "Smith" || got.Version != 2 {
					t.Errorf("stored %s at version %d, want Smith at version 2", got.LastName, got.Version)
				}
				return
			}
			wantCode(t, err, tt.code)
			if got.LastName != "Doe" || got.Version != 1 {
				t.Errorf("a refused update changed the contact: %s at version %d", got.LastName, got.Version)
			}
		})
	}
}

func TestStoreDeleteContact(t *testing.T) {
	ctx := context.Background()
	owner, other := app.NewID(), app.NewID()
	tests := []struct {
		name    string
		owner   string
		id      func(c *app.Contact) string
		code    string
		deleted bool
	}{
		{name: "an agent deletes their contact", owner: owner, id: func(c *app.Contact) string { return c.ID }, deleted: true},
		{name: "another agent cannot delete it", owner: other, id: func(c *app.Contact) string { return c.ID }, code: app.ENOTFOUND},
		{name: "a missing contact is not found", owner: owner, id: func(*app.Contact) string { return app.NewID() }, code: app.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := storetest.Open(t)
			c := contact(owner, "Jane", "Doe", "jane@example.com")
			create(t, st, c)
			err := st.DeleteContact(ctx, tt.owner, tt.id(c))
			if tt.code != "" {
				wantCode(t, err, tt.code)
			} else if err != nil {
				t.Fatalf("DeleteContact: %v", err)
			}
			_, gerr := st.Contact(ctx, owner, c.ID)
			if gone := app.ErrorCode(gerr) == app.ENOTFOUND; gone != tt.deleted {
				t.Fatalf("after delete, contact gone = %v, want %v", gone, tt.deleted)
			}
			ids, _ := st.ContactIDsByEmail(ctx, owner, "jane@example.com")
			list, _, _ := st.ListContacts(ctx, app.ContactPage{OwnerID: owner, Status: app.StatusActive, Sort: app.SortName, Limit: 10})
			n, _ := st.CountContacts(ctx, owner, app.StatusActive)
			want := 1
			if tt.deleted {
				want = 0
			}
			if len(ids) != want || len(list) != want || n != want {
				t.Errorf("by email %d, listed %d, counted %d; want %d each", len(ids), len(list), n, want)
			}
		})
	}
}

func TestStoreContactIDsByEmail(t *testing.T) {
	ctx := context.Background()
	owner, other := app.NewID(), app.NewID()
	st := storetest.Open(t)
	husband := contact(owner, "John", "Doe", "family@example.com", "john@example.com")
	wife := contact(owner, "Jane", "Doe", "Family@Example.com")
	stranger := contact(other, "Jim", "Roe", "family@example.com")
	create(t, st, husband, wife, stranger)

	lookup := func(t *testing.T, email string) []string {
		t.Helper()
		ids, err := st.ContactIDsByEmail(ctx, owner, email)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(ids)
		return ids
	}
	t.Run("two contacts sharing an address are both found, in any case", func(t *testing.T) {
		want := []string{husband.ID, wife.ID}
		slices.Sort(want)
		for _, q := range []string{"family@example.com", "FAMILY@EXAMPLE.COM", " family@example.com "} {
			if got := lookup(t, q); !slices.Equal(got, want) {
				t.Errorf("ContactIDsByEmail(%q) = %v, want %v", q, got, want)
			}
		}
	})
	t.Run("another agent's contact with the address is not found", func(t *testing.T) {
		if got := lookup(t, "family@example.com"); slices.Contains(got, stranger.ID) {
			t.Errorf("found another agent's contact")
		}
		ids, _ := st.ContactIDsByEmail(ctx, other, "family@example.com")
		if !slices.Equal(ids, []string{stranger.ID}) {
			t.Errorf("the other agent finds %v, want only their contact", ids)
		}
	})
	t.Run("a secondary address finds its contact", func(t *testing.T) {
		if got := lookup(t, "john@example.com"); !slices.Equal(got, []string{husband.ID}) {
			t.Errorf("got %v, want the husband", got)
		}
	})
	t.Run("an address removed by an update no longer finds the contact", func(t *testing.T) {
		if err := st.UpdateContact(ctx, next(wife, func(c *app.Contact) { c.Emails = []app.Email{{Address: "jane@example.com"}} })); err != nil {
			t.Fatal(err)
		}
		if got := lookup(t, "family@example.com"); !slices.Equal(got, []string{husband.ID}) {
			t.Errorf("got %v, want only the husband", got)
		}
		if got := lookup(t, "jane@example.com"); !slices.Equal(got, []string{wife.ID}) {
			t.Errorf("the new address finds %v, want the wife", got)
		}
	})
	t.Run("an unknown address finds nothing", func(t *testing.T) {
		if got := lookup(t, "nobody@example.com"); len(got) != 0 {
			t.Errorf("got %v, want none", got)
		}
	})
}

func TestStoreListContacts(t *testing.T) {
	ctx := context.Background()
	owner, other := app.NewID(), app.NewID()
	st := storetest.Open(t)

	names := [][2]string{
		{"Jane", "Doe"}, {"John", "Doe"}, {"Jane", "Doe"}, {"José", "Núñez"}, {"Jose", "Nunez"},
		{"Amy", "Adams"}, {"", "Adams"}, {"Zoë", "Zimmer"}, {"Émile", "Zola"}, {"Bob", "Brown"},
		{"", ""}, {"Ann", "Lee"}, {"Ann", "Lee"}, {"Ann", "Lee"}, {"Kim", "Park"}, {"Li", "Wei"},
	}
	var active []*app.Contact
	for i, n := range names {
		c := contact(owner, n[0], n[1])
		if n == [2]string{} {
			c.Company = "Acme"
		}
		// A few contacts share an update time so that ties are broken by ID.
		c.UpdatedAt = t0.Add(time.Duration((i*7)%5) * time.Millisecond)
		active = append(active, c)
	}
	inactive := contact(owner, "Old", "Client")
	inactive.Status = app.StatusInactive
	create(t, st, active...)
	create(t, st, inactive, contact(other, "Jane", "Doe"), contact(other, "Aaron", "Aardvark"))
	// An update moves a contact's updated and name keys; the old keys must not linger.
	moved := next(active[0], func(c *app.Contact) { c.LastName = "Abbott"; c.UpdatedAt = t0.Add(time.Hour) })
	if err := st.UpdateContact(ctx, moved); err != nil {
		t.Fatal(err)
	}
	active[0] = moved

	for _, sortBy := range []string{app.SortName, app.SortCreated, app.SortUpdated} {
		for _, desc := range []bool{false, true} {
			want := slices.Clone(active)
			slices.SortFunc(want, func(a, b *app.Contact) int {
				return cmp.Or(cmp.Compare(a.SortValue(sortBy), b.SortValue(sortBy)), cmp.Compare(a.ID, b.ID))
			})
			if desc {
				slices.Reverse(want)
			}
			for _, limit := range []int{1, 3, 5, 16, 100} {
				name := fmt.Sprintf("sorted by %s %s in pages of %d, every active contact appears once in order", sortBy, order(desc), limit)
				t.Run(name, func(t *testing.T) {
					got := pageAll(t, st, app.ContactPage{OwnerID: owner, Status: app.StatusActive, Sort: sortBy, Desc: desc, Limit: limit})
					if !slices.Equal(idsOf(got), idsOf(want)) {
						t.Errorf("listed\n%v\nwant\n%v", namesOf(got), namesOf(want))
					}
				})
			}
		}
	}

	t.Run("the inactive list holds only inactive contacts", func(t *testing.T) {
		got := pageAll(t, st, app.ContactPage{OwnerID: owner, Status: app.StatusInactive, Sort: app.SortName, Limit: 10})
		if !slices.Equal(idsOf(got), []string{inactive.ID}) {
			t.Errorf("listed %v, want only the inactive contact", namesOf(got))
		}
	})
	t.Run("a cursor whose contact was deleted still continues right after it", func(t *testing.T) {
		gone := storetest.Open(t) // the same contacts, less the one the cursor points at
		create(t, gone, active...)
		first, _, err := st.ListContacts(ctx, app.ContactPage{OwnerID: owner, Status: app.StatusActive, Sort: app.SortName, Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		last := first[len(first)-1]
		if err := gone.DeleteContact(ctx, owner, last.ID); err != nil {
			t.Fatal(err)
		}
		for _, desc := range []bool{false, true} {
			p := app.ContactPage{OwnerID: owner, Status: app.StatusActive, Sort: app.SortName, Desc: desc, Limit: 3,
				After: &app.Cursor{Value: last.SortValue(app.SortName), ID: last.ID}}
			want, _, err := st.ListContacts(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := gone.ListContacts(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) != 3 || !slices.Equal(idsOf(got), idsOf(want)) {
				t.Errorf("%s after a deleted cursor: %v, want %v", order(desc), namesOf(got), namesOf(want))
			}
		}
	})
	t.Run("an agent without contacts gets an empty last page", func(t *testing.T) {
		got, more, err := st.ListContacts(ctx, app.ContactPage{OwnerID: app.NewID(), Status: app.StatusActive, Sort: app.SortName, Desc: true, Limit: 10})
		if err != nil || more || len(got) != 0 {
			t.Errorf("got %d contacts, more=%v, err=%v; want none", len(got), more, err)
		}
	})
}

func order(desc bool) string {
	if desc {
		return "descending"
	}
	return "ascending"
}

// pageAll follows cursors from the first page to the last and fails on a repeated contact or
// a page that says more follow but is empty.
func pageAll(t *testing.T, st *store.Store, p app.ContactPage) []*app.Contact {
	t.Helper()
	var all []*app.Contact
	seen := map[string]bool{}
	for range 1000 {
		page, more, err := st.ListContacts(context.Background(), p)
		if err != nil {
			t.Fatalf("ListContacts: %v", err)
		}
		if len(page) > p.Limit {
			t.Fatalf("page of %d rows exceeds the limit %d", len(page), p.Limit)
		}
		for _, c := range page {
			if seen[c.ID] {
				t.Fatalf("contact %s listed twice", c.DisplayName())
			}
			seen[c.ID] = true
		}
		all = append(all, page...)
		if !more {
			return all
		}
		if len(page) == 0 {
			t.Fatalf("empty page says more follow")
		}
		last := page[len(page)-1]
		p.After = &app.Cursor{Value: last.SortValue(p.Sort), ID: last.ID}
	}
	t.Fatalf("paging did not end")
	return nil
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

func TestStoreCountContacts(t *testing.T) {
	ctx := context.Background()
	owner, other := app.NewID(), app.NewID()
	st := storetest.Open(t)
	var cs []*app.Contact
	for i := range 5 {
		c := contact(owner, "C", fmt.Sprint(i))
		if i >= 3 {
			c.Status = app.StatusInactive
		}
		cs = append(cs, c)
	}
	create(t, st, cs...)
	create(t, st, contact(other, "X", "Y"))

	steps := []struct {
		name             string
		do               func() error
		active, inactive int
	}{
		{"new contacts are counted by status", func() error { return nil }, 3, 2},
		{"an edit that keeps the status keeps the counts", func() error {
			cs[0] = next(cs[0], func(c *app.Contact) { c.FirstName = "Edited" })
			return st.UpdateContact(ctx, cs[0])
		}, 3, 2},
		{"deactivating moves one count from active to inactive", func() error {
			cs[1] = next(cs[1], func(c *app.Contact) { c.Status = app.StatusInactive })
			return st.UpdateContact(ctx, cs[1])
		}, 2, 3},
		{"reactivating moves it back", func() error {
			cs[3] = next(cs[3], func(c *app.Contact) { c.Status = app.StatusActive })
			return st.UpdateContact(ctx, cs[3])
		}, 3, 2},
		{"deleting an inactive contact lowers the inactive count", func() error { return st.DeleteContact(ctx, owner, cs[4].ID) }, 3, 1},
		{"deleting an active contact lowers the active count", func() error { return st.DeleteContact(ctx, owner, cs[0].ID) }, 2, 1},
		{"a refused update changes no count", func() error {
			err := st.UpdateContact(ctx, next(cs[1], func(c *app.Contact) { c.Status = app.StatusActive; c.Version = 1 }))
			if app.ErrorCode(err) != app.ECONFLICT {
				return fmt.Errorf("stale update: %v, want conflict", err)
			}
			return nil
		}, 2, 1},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if err := s.do(); err != nil {
				t.Fatal(err)
			}
			a, _ := st.CountContacts(ctx, owner, app.StatusActive)
			i, _ := st.CountContacts(ctx, owner, app.StatusInactive)
			if a != s.active || i != s.inactive {
				t.Errorf("counts active=%d inactive=%d, want %d and %d", a, i, s.active, s.inactive)
			}
			if o, _ := st.CountContacts(ctx, other, app.StatusActive); o != 1 {
				t.Errorf("the other agent's count = %d, want 1", o)
			}
		})
	}
}

func TestStoreIndexMarks(t *testing.T) {
	ctx := context.Background()
	owner := app.NewID()
	st := storetest.Open(t)
	seq := func(t *testing.T, id string) uint64 {
		t.Helper()
		n, err := st.IndexMarkSeq(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	marked := func(t *testing.T) []string {
		t.Helper()
		ms, err := st.IndexMarks(ctx, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range ms {
			ids = append(ids, m.ID)
		}
		slices.Sort(ids)
		return ids
	}
	a, b := contact(owner, "A", "A"), contact(owner, "B", "B")
	create(t, st, a, b)
	var seqA uint64

	t.Run("creating contacts marks each of them", func(t *testing.T) {
		seqA = seq(t, a.ID)
		if seqA == 0 || seq(t, b.ID) == 0 {
			t.Fatalf("marks after create: a=%d b=%d, want both set", seqA, seq(t, b.ID))
		}
		want := []string{a.ID, b.ID}
		slices.Sort(want)
		if got := marked(t); !slices.Equal(got, want) {
			t.Errorf("IndexMarks = %v, want %v", got, want)
		}
	})
	t.Run("IndexMarks returns at most the limit", func(t *testing.T) {
		ms, err := st.IndexMarks(ctx, 1)
		if err != nil || len(ms) != 1 {
			t.Errorf("IndexMarks(1) = %d marks, %v", len(ms), err)
		}
	})
	t.Run("IndexMarksFor returns the current marks of the asked contacts only", func(t *testing.T) {
		ms, err := st.IndexMarksFor(ctx, []string{b.ID, app.NewID(), a.ID})
		if err != nil {
			t.Fatal(err)
		}
		want := []app.IndexMark{{ID: b.ID, Seq: seq(t, b.ID)}, {ID: a.ID, Seq: seqA}}
		if !slices.Equal(ms, want) {
			t.Errorf("IndexMarksFor = %v, want %v", ms, want)
		}
	})
	t.Run("an update raises the mark's seq", func(t *testing.T) {
		a = next(a, nil)
		if err := st.UpdateContact(ctx, a); err != nil {
			t.Fatal(err)
		}
		if s := seq(t, a.ID); s <= seqA {
			t.Errorf("seq after update = %d, want more than %d", s, seqA)
		}
	})
	t.Run("clearing with the seq of an older write keeps the newer mark", func(t *testing.T) {
		if err := st.ClearIndexMarks(ctx, []app.IndexMark{{ID: a.ID, Seq: seqA}}); err != nil {
			t.Fatal(err)
		}
		if seq(t, a.ID) == 0 {
			t.Errorf("the mark of a write not yet indexed was cleared")
		}
	})
	t.Run("clearing with the current seq removes the mark", func(t *testing.T) {
		cur := seq(t, a.ID)
		if err := st.ClearIndexMarks(ctx, []app.IndexMark{{ID: a.ID, Seq: cur}, {ID: app.NewID(), Seq: 5}}); err != nil {
			t.Fatal(err)
		}
		if s := seq(t, a.ID); s != 0 {
			t.Errorf("seq after clear = %d, want 0", s)
		}
		if got := marked(t); !slices.Equal(got, []string{b.ID}) {
			t.Errorf("IndexMarks = %v, want only b", got)
		}
	})
	t.Run("deleting a contact marks it so the index drops it", func(t *testing.T) {
		if err := st.DeleteContact(ctx, owner, a.ID); err != nil {
			t.Fatal(err)
		}
		if seq(t, a.ID) == 0 {
			t.Errorf("delete left no mark")
		}
	})
	t.Run("MarkAllForIndex marks every stored contact with a new seq", func(t *testing.T) {
		var all []app.IndexMark
		for _, id := range marked(t) {
			all = append(all, app.IndexMark{ID: id, Seq: seq(t, id)})
		}
		if err := st.ClearIndexMarks(ctx, all); err != nil {
			t.Fatal(err)
		}
		if got := marked(t); len(got) != 0 {
			t.Fatalf("marks left after clearing all: %v", got)
		}
		c := contact(app.NewID(), "C", "C")
		create(t, st, c)
		before := seq(t, c.ID)
		n, err := st.MarkAllForIndex(ctx)
		if err != nil || n != 2 {
			t.Fatalf("MarkAllForIndex = %d, %v; want 2", n, err)
		}
		want := []string{b.ID, c.ID}
		slices.Sort(want)
		if got := marked(t); !slices.Equal(got, want) {
			t.Errorf("IndexMarks = %v, want %v", got, want)
		}
		if after := seq(t, c.ID); after <= before {
			t.Errorf("seq after MarkAllForIndex = %d, want more than %d", after, before)
		}
	})
}

func TestStoreUsersAndGroups(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	u := &app.User{ID: app.NewID(), Name: "Ann", Email: "Ann@example.com", Role: app.RoleAgent, Enabled: true, Version: 1}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}

	t.Run("a second user with the same email in another case is a conflict", func(t *testing.T) {
		err := st.CreateUser(ctx, &app.User{ID: app.NewID(), Email: "ann@EXAMPLE.com"})
		wantCode(t, err, app.ECONFLICT)
	})
	t.Run("a user is found by email in any case", func(t *testing.T) {
		got, err := st.UserByEmail(ctx, "ANN@example.com")
		if err != nil || got.ID != u.ID {
			t.Errorf("UserByEmail = %v, %v", got, err)
		}
	})
	t.Run("updating a user from a stale version is a conflict", func(t *testing.T) {
		fresh := *u
		fresh.Name = "Ann B"
		if err := st.UpdateUser(ctx, &fresh); err != nil {
			t.Fatal(err)
		}
		stale := *u
		stale.Name = "Ann C"
		wantCode(t, st.UpdateUser(ctx, &stale), app.ECONFLICT)
		got, _ := st.User(ctx, u.ID)
		if got.Name != "Ann B" || got.Version != 2 {
			t.Errorf("stored %q at version %d, want Ann B at 2", got.Name, got.Version)
		}
	})
	t.Run("changing a user's email moves the email key", func(t *testing.T) {
		cur, _ := st.User(ctx, u.ID)
		cur.Email = "ann.b@example.com"
		if err := st.UpdateUser(ctx, cur); err != nil {
			t.Fatal(err)
		}
		if _, err := st.UserByEmail(ctx, "ann@example.com"); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("the old email still finds the user: %v", err)
		}
		if got, err := st.UserByEmail(ctx, "ann.b@example.com"); err != nil || got.ID != u.ID {
			t.Errorf("the new email: %v, %v", got, err)
		}
	})
	t.Run("group names are unique per agent ignoring case and accents", func(t *testing.T) {
		owner, other := app.NewID(), app.NewID()
		if err := st.CreateGroup(ctx, &app.Group{ID: app.NewID(), OwnerID: owner, Name: "Café Buyers"}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, st.CreateGroup(ctx, &app.Group{ID: app.NewID(), OwnerID: owner, Name: "cafe buyers"}), app.ECONFLICT)
		if err := st.CreateGroup(ctx, &app.Group{ID: app.NewID(), OwnerID: other, Name: "Café Buyers"}); err != nil {
			t.Errorf("another agent's group of the same name: %v", err)
		}
		if err := st.CreateGroup(ctx, &app.Group{ID: app.NewID(), OwnerID: owner, Name: "Aardvarks"}); err != nil {
			t.Fatal(err)
		}
		gs, _ := st.Groups(ctx, owner)
		var names []string
		for _, g := range gs {
			names = append(names, g.Name)
		}
		if !slices.Equal(names, []string{"Aardvarks", "Café Buyers"}) {
			t.Errorf("Groups = %v, want them by name", names)
		}
	})
}

// TestStoreLargeContactsFitTransactions writes batches whose contacts and failed rows are far
// larger than usual (9 KB notes, 5 KB cells): Badger refuses a transaction over 15 % of a
// memtable, so 500 such contacts at once failed an import with an internal error.
func TestStoreLargeContactsFitTransactions(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	notes := strings.Repeat("lorem ipsum dolor sit amet ", 330)
	newContacts := func(n int) []*app.Contact {
		var cs []*app.Contact
		for i := range n {
			c := &app.Contact{ID: app.NewID(), OwnerID: "o", FirstName: fmt.Sprintf("Big%d", i), Notes: notes, Status: app.StatusActive, Version: 1,
				Emails: []app.Email{{Address: fmt.Sprintf("big%d@example.com", i)}}}
			c.Normalize()
			cs = append(cs, c)
		}
		return cs
	}
	var failed []app.FailedRow
	for i := range 1000 {
		failed = append(failed, app.FailedRow{Row: i + 2, Cells: []string{strings.Repeat("x", 5000)}, Message: "too long"})
	}
	if err := st.WriteContactBatch(ctx, app.ContactBatch{ImportID: "imp", Create: newContacts(1200), Failed: failed}); err != nil {
		t.Fatalf("WriteContactBatch: %v", err)
	}
	if err := st.CreateContacts(ctx, newContacts(600)); err != nil {
		t.Fatalf("CreateContacts: %v", err)
	}
	if n, err := st.CountContacts(ctx, "o", app.StatusActive); err != nil || n != 1800 {
		t.Fatalf("count = %d, %v; want 1800", n, err)
	}
	n := 0
	err := st.FailedRows(ctx, "imp", func(f app.FailedRow) error {
		if f.Row != n+2 || len(f.Cells) != 1 || len(f.Cells[0]) != 5000 {
			t.Fatalf("failed row %d: row %d, %d cells", n, f.Row, len(f.Cells))
		}
		n++
		return nil
	})
	if err != nil || n != len(failed) {
		t.Fatalf("failed rows: %d of %d, %v", n, len(failed), err)
	}
}
