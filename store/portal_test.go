package store_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/store"
	"agentbook/store/storetest"

	"github.com/dgraph-io/badger/v4"
)

// newAccount creates a portal account for a new contact of owner and returns it.
func newAccount(t *testing.T, st *store.Store, owner, base string) *app.PortalAccount {
	t.Helper()
	a := &app.PortalAccount{ContactID: app.NewID(), OwnerID: owner, Enabled: true, CreatedAt: t0}
	if err := st.CreatePortalAccount(context.Background(), a, base); err != nil {
		t.Fatalf("CreatePortalAccount(%q): %v", base, err)
	}
	return a
}

// portalKeys returns every key of the portal's account, link and session prefixes.
func portalKeys(t *testing.T, st *store.Store) []string {
	t.Helper()
	var out []string
	err := st.DB().View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := string(it.Item().Key())
			for _, p := range []string{"pa/", "pu/", "po/", "pk/", "pl/", "ps/", "pz/"} {
				if strings.HasPrefix(k, p) {
					out = append(out, k)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStorePortalUsernames(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	owner := app.NewID()
	byName := map[string]string{} // username → contact ID

	for _, tt := range []struct {
		name, base, want string
	}{
		{"the first account takes its base", "ann@example.com", "ann@example.com"},
		{"the second account with that base takes base-2", "ann@example.com", "ann@example.com-2"},
		{"a base in capitals is the same name and takes base-3", " Ann@Example.COM ", "ann@example.com-3"},
		{"a base in capitals is stored lower-cased", "Bob@Example.com", "bob@example.com"},
		{"a base that only starts like a taken one takes itself", "ann@example.co", "ann@example.co"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newAccount(t, st, owner, tt.base)
			if a.Username != tt.want {
				t.Fatalf("Username = %q, want %q", a.Username, tt.want)
			}
			if a.Version != 1 {
				t.Errorf("Version = %d, want 1", a.Version)
			}
			byName[a.Username] = a.ContactID
		})
	}

	for _, tt := range []struct {
		name, username, want string
	}{
		{"a username is found as stored", "ann@example.com-2", "ann@example.com-2"},
		{"a username is found in any case", "ANN@example.COM-3", "ann@example.com-3"},
		{"a username is found with spaces around it", "  bob@example.com ", "bob@example.com"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, err := st.PortalAccountByUsername(ctx, tt.username)
			if err != nil {
				t.Fatal(err)
			}
			if a.Username != tt.want || a.ContactID != byName[tt.want] {
				t.Fatalf("got %q of %s, want %q of %s", a.Username, a.ContactID, tt.want, byName[tt.want])
			}
		})
	}

	t.Run("an unknown username is not found", func(t *testing.T) {
		_, err := st.PortalAccountByUsername(ctx, "ann@example.com-4")
		wantCode(t, err, app.ENOTFOUND)
	})

	t.Run("accounts created at once with one base get distinct names", func(t *testing.T) {
		const n = 12
		names := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				a := &app.PortalAccount{ContactID: app.NewID(), OwnerID: owner}
				if err := st.CreatePortalAccount(ctx, a, "race@example.com"); err != nil {
					t.Errorf("CreatePortalAccount: %v", err)
				}
				names[i] = a.Username
			})
		}
		wg.Wait()
		want := []string{"race@example.com"}
		for i := 2; i <= n; i++ {
			want = append(want, fmt.Sprintf("race@example.com-%d", i))
		}
		slices.Sort(names)
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Fatalf("usernames = %q, want %q", names, want)
		}
	})
}

func TestStorePortalAccount(t *testing.T) {
	ctx := context.Background()
	owner := app.NewID()

	t.Run("a second account for a contact is a conflict and takes no username", func(t *testing.T) {
		st := storetest.Open(t)
		a := newAccount(t, st, owner, "ann@example.com")
		dup := &app.PortalAccount{ContactID: a.ContactID, OwnerID: owner}
		err := st.CreatePortalAccount(ctx, dup, "other@example.com")
		wantCode(t, err, app.ECONFLICT)
		if got := app.ErrorMessage(err); got != "This contact already has a portal account." {
			t.Errorf("message = %q", got)
		}
		if b := newAccount(t, st, owner, "other@example.com"); b.Username != "other@example.com" {
			t.Errorf("the failed create took the username: next got %q", b.Username)
		}
	})

	t.Run("an update needs the next version and keeps the username", func(t *testing.T) {
		st := storetest.Open(t)
		a := newAccount(t, st, owner, "ann@example.com")
		next := *a
		next.Version = 2
		next.Logins = 1
		next.PasswordHash = []byte("hash")
		next.Username = "mallory@example.com"
		if err := st.UpdatePortalAccount(ctx, &next); err != nil {
			t.Fatal(err)
		}
		if next.Username != "ann@example.com" {
			t.Errorf("Username after update = %q, want the stored one", next.Username)
		}
		got, err := st.PortalAccount(ctx, a.ContactID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 || got.Logins != 1 || !got.HasPassword() || got.Username != "ann@example.com" {
			t.Errorf("stored = %+v", got)
		}
		if _, err := st.PortalAccountByUsername(ctx, "mallory@example.com"); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("the refused username is indexed: %v", err)
		}

		stale := *a
		stale.Version = 2
		wantCode(t, st.UpdatePortalAccount(ctx, &stale), app.ECONFLICT)
		stale.Version = 4
		wantCode(t, st.UpdatePortalAccount(ctx, &stale), app.ECONFLICT)
	})

	t.Run("updating a missing account is not found", func(t *testing.T) {
		st := storetest.Open(t)
		err := st.UpdatePortalAccount(ctx, &app.PortalAccount{ContactID: app.NewID(), OwnerID: owner, Version: 2})
		wantCode(t, err, app.ENOTFOUND)
	})

	t.Run("a missing account is not found", func(t *testing.T) {
		st := storetest.Open(t)
		_, err := st.PortalAccount(ctx, app.NewID())
		wantCode(t, err, app.ENOTFOUND)
	})

	t.Run("an account without the contact or a base is refused", func(t *testing.T) {
		st := storetest.Open(t)
		for _, tt := range []struct {
			a    *app.PortalAccount
			base string
		}{
			{&app.PortalAccount{OwnerID: owner}, "x@example.com"},
			{&app.PortalAccount{ContactID: app.NewID()}, "x@example.com"},
			{&app.PortalAccount{ContactID: app.NewID(), OwnerID: owner}, "  "},
		} {
			wantCode(t, st.CreatePortalAccount(ctx, tt.a, tt.base), app.EINTERNAL)
		}
	})
}

func TestStoreDeletePortalAccount(t *testing.T) {
	ctx := context.Background()
	owner := app.NewID()

	t.Run("deleting an account removes its links and sessions and frees the username", func(t *testing.T) {
		st := storetest.Open(t)
		a := newAccount(t, st, owner, "ann@example.com")
		keep := newAccount(t, st, owner, "bob@example.com")
		for _, c := range []string{a.ContactID, keep.ContactID} {
			if err := st.PutPortalLink(ctx, &app.PortalLink{ID: "link-" + c, ContactID: c, OwnerID: owner, ExpiresAt: t0.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				s := &app.PortalSession{ID: fmt.Sprintf("sess-%d-%s", i, c), ContactID: c, OwnerID: owner, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
				if err := st.PutPortalSession(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := st.DeletePortalAccount(ctx, a.ContactID); err != nil {
			t.Fatal(err)
		}

		_, err := st.PortalAccount(ctx, a.ContactID)
		wantCode(t, err, app.ENOTFOUND)
		_, err = st.PortalAccountByUsername(ctx, "ann@example.com")
		wantCode(t, err, app.ENOTFOUND)
		_, err = st.PortalLink(ctx, "link-"+a.ContactID)
		wantCode(t, err, app.ENOTFOUND)
		_, err = st.PortalSession(ctx, "sess-0-"+a.ContactID)
		wantCode(t, err, app.ENOTFOUND)
		if got, err := st.PortalAccountsOf(ctx, owner); err != nil || !maps.Equal(got, map[string]bool{keep.ContactID: true}) {
			t.Errorf("PortalAccountsOf = %v, %v", got, err)
		}
		for _, k := range portalKeys(t, st) {
			if strings.Contains(k, a.ContactID) || strings.HasPrefix(k, "pu/ann@") {
				t.Errorf("key %q is left", k)
			}
		}
		if _, err := st.PortalLink(ctx, "link-"+keep.ContactID); err != nil {
			t.Errorf("another contact's link: %v", err)
		}
		if _, err := st.PortalSession(ctx, "sess-1-"+keep.ContactID); err != nil {
			t.Errorf("another contact's session: %v", err)
		}
		if again := newAccount(t, st, owner, "ann@example.com"); again.Username != "ann@example.com" {
			t.Errorf("the freed username was not reused: got %q", again.Username)
		}
	})

	t.Run("deleting a contact without an account is no error", func(t *testing.T) {
		st := storetest.Open(t)
		if err := st.DeletePortalAccount(ctx, app.NewID()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestStorePortalAccountsOf(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	owner, other, empty := app.NewID(), app.NewID(), app.NewID()
	want := map[string]bool{}
	for i := range 3 {
		want[newAccount(t, st, owner, fmt.Sprintf("o%d@example.com", i)).ContactID] = true
	}
	moved := newAccount(t, st, other, "moved@example.com")
	newAccount(t, st, other, "stays@example.com")

	t.Run("an agent's set holds their contacts with accounts and no others", func(t *testing.T) {
		got, err := st.PortalAccountsOf(ctx, owner)
		if err != nil || !maps.Equal(got, want) {
			t.Fatalf("PortalAccountsOf = %v, %v; want %v", got, err, want)
		}
	})
	t.Run("an agent without accounts has an empty set", func(t *testing.T) {
		got, err := st.PortalAccountsOf(ctx, empty)
		if err != nil || len(got) != 0 {
			t.Fatalf("PortalAccountsOf = %v, %v", got, err)
		}
	})
	t.Run("an account moved to another agent moves between the sets", func(t *testing.T) {
		next := *moved
		next.OwnerID, next.Version = owner, moved.Version+1
		if err := st.UpdatePortalAccount(ctx, &next); err != nil {
			t.Fatal(err)
		}
		want[moved.ContactID] = true
		if got, err := st.PortalAccountsOf(ctx, owner); err != nil || !maps.Equal(got, want) {
			t.Errorf("new agent's set = %v, %v", got, err)
		}
		if got, err := st.PortalAccountsOf(ctx, other); err != nil || len(got) != 1 || got[moved.ContactID] {
			t.Errorf("old agent's set = %v, %v", got, err)
		}
	})
}

func TestStorePortalAccountsByContact(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	owner := app.NewID()
	a := newAccount(t, st, owner, "a@example.com")
	b := newAccount(t, st, owner, "b@example.com")
	none := app.NewID()
	got, err := st.PortalAccountsByContact(ctx, owner, []string{a.ContactID, none, b.ContactID})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[a.ContactID].Username != "a@example.com" || got[b.ContactID].Username != "b@example.com" {
		t.Fatalf("PortalAccountsByContact = %v; want the accounts of a and b only", got)
	}
	if got, err := st.PortalAccountsByContact(ctx, owner, nil); err != nil || len(got) != 0 {
		t.Fatalf("no contacts: %v, %v", got, err)
	}
	if got, err := st.PortalAccountsByContact(ctx, app.NewID(), []string{a.ContactID}); err != nil || len(got) != 0 {
		t.Fatalf("an agent without accounts: %v, %v; want none", got, err)
	}
}

func TestStorePortalLinks(t *testing.T) {
	ctx := context.Background()
	owner, contact := app.NewID(), app.NewID()
	link := func(id, contactID string) *app.PortalLink {
		return &app.PortalLink{ID: id, ContactID: contactID, OwnerID: owner, CreatedAt: t0, ExpiresAt: t0.Add(72 * time.Hour)}
	}

	t.Run("a link can be read many times and taken once", func(t *testing.T) {
		st := storetest.Open(t)
		l := link("h1", contact)
		if err := st.PutPortalLink(ctx, l); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			got, err := st.PortalLink(ctx, "h1")
			if err != nil || *got != *l {
				t.Fatalf("PortalLink = %+v, %v", got, err)
			}
		}
		got, err := st.TakePortalLink(ctx, "h1")
		if err != nil || *got != *l {
			t.Fatalf("TakePortalLink = %+v, %v", got, err)
		}
		_, err = st.TakePortalLink(ctx, "h1")
		wantCode(t, err, app.ENOTFOUND)
		if msg := app.ErrorMessage(err); msg != "This link is not valid any more." {
			t.Errorf("message = %q", msg)
		}
		_, err = st.PortalLink(ctx, "h1")
		wantCode(t, err, app.ENOTFOUND)
		if keys := portalKeys(t, st); len(keys) != 0 {
			t.Errorf("keys left: %q", keys)
		}
	})

	t.Run("a new link replaces the contact's earlier ones only", func(t *testing.T) {
		st := storetest.Open(t)
		otherContact := app.NewID()
		for _, l := range []*app.PortalLink{link("old1", contact), link("theirs", otherContact), link("old2", contact), link("new", contact)} {
			if err := st.PutPortalLink(ctx, l); err != nil {
				t.Fatal(err)
			}
		}
		for id, code := range map[string]string{"old1": app.ENOTFOUND, "old2": app.ENOTFOUND, "new": "", "theirs": ""} {
			_, err := st.PortalLink(ctx, id)
			if got := app.ErrorCode(err); got != code {
				t.Errorf("link %s: code %q (%v), want %q", id, got, err, code)
			}
		}
	})

	t.Run("a link taken by many at once is given once", func(t *testing.T) {
		st := storetest.Open(t)
		if err := st.PutPortalLink(ctx, link("race", contact)); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		taken, refused := 0, 0
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				_, err := st.TakePortalLink(ctx, "race")
				mu.Lock()
				defer mu.Unlock()
				switch app.ErrorCode(err) {
				case "":
					taken++
				case app.ENOTFOUND:
					refused++
				default:
					t.Errorf("TakePortalLink: %v", err)
				}
			})
		}
		wg.Wait()
		if taken != 1 || refused != 15 {
			t.Fatalf("taken %d, refused %d; want 1 and 15", taken, refused)
		}
	})
}

func TestStorePortalSessions(t *testing.T) {
	ctx := context.Background()
	owner, contact := app.NewID(), app.NewID()
	session := func(id string, created time.Time) *app.PortalSession {
		return &app.PortalSession{ID: id, ContactID: contact, OwnerID: owner, CreatedAt: created, ExpiresAt: created.Add(12 * time.Hour)}
	}

	t.Run("a session is read back until it is deleted", func(t *testing.T) {
		st := storetest.Open(t)
		s := session("s1", t0)
		if err := st.PutPortalSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		got, err := st.PortalSession(ctx, "s1")
		if err != nil || *got != *s {
			t.Fatalf("PortalSession = %+v, %v", got, err)
		}
		if err := st.DeletePortalSession(ctx, "s1"); err != nil {
			t.Fatal(err)
		}
		_, err = st.PortalSession(ctx, "s1")
		wantCode(t, err, app.ENOTFOUND)
		if keys := portalKeys(t, st); len(keys) != 0 {
			t.Errorf("keys left: %q", keys)
		}
	})

	t.Run("deleting a missing session is no error", func(t *testing.T) {
		st := storetest.Open(t)
		if err := st.DeletePortalSession(ctx, "nope"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a new session removes the contact's expired ones and keeps the live ones", func(t *testing.T) {
		st := storetest.Open(t)
		for _, s := range []*app.PortalSession{session("expired", t0), session("live", t0.Add(10*time.Hour)), session("new", t0.Add(13*time.Hour))} {
			if err := st.PutPortalSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		for id, code := range map[string]string{"expired": app.ENOTFOUND, "live": "", "new": ""} {
			_, err := st.PortalSession(ctx, id)
			if got := app.ErrorCode(err); got != code {
				t.Errorf("session %s: code %q (%v), want %q", id, got, err, code)
			}
		}
	})
}

func TestStorePortalMessages(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	owner, contact, other := app.NewID(), app.NewID(), app.NewID()
	var want []string
	for i, fromContact := range []bool{true, false, true, true, false} {
		m := &app.PortalMessage{OwnerID: owner, ContactID: contact, FromContact: fromContact, Text: fmt.Sprint("m", i), CreatedAt: t0.Add(time.Duration(i) * time.Minute)}
		if err := st.AddPortalMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
		if m.ID == "" {
			t.Fatal("AddPortalMessage gave no ID")
		}
		want = append(want, m.Text)
	}
	if err := st.AddPortalMessage(ctx, &app.PortalMessage{OwnerID: owner, ContactID: other, FromContact: true, Text: "elsewhere"}); err != nil {
		t.Fatal(err)
	}

	t.Run("a conversation comes oldest first without other contacts' messages", func(t *testing.T) {
		ms, err := st.PortalMessages(ctx, owner, contact)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range ms {
			got = append(got, m.Text)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("texts = %q, want %q", got, want)
		}
	})

	read := t0.Add(time.Hour)
	for _, tt := range []struct {
		name        string
		fromContact bool
		want        int
	}{
		{"marking the contact's messages read counts the three unread", true, 3},
		{"marking them again counts none", true, 0},
		{"marking the agent's messages read counts the two", false, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n, err := st.MarkPortalMessagesRead(ctx, owner, contact, tt.fromContact, read)
			if err != nil || n != tt.want {
				t.Fatalf("MarkPortalMessagesRead = %d, %v; want %d", n, err, tt.want)
			}
		})
	}

	t.Run("marked messages carry the time of the first marking", func(t *testing.T) {
		if _, err := st.MarkPortalMessagesRead(ctx, owner, contact, true, read.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		ms, err := st.PortalMessages(ctx, owner, contact)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if !m.ReadAt.Equal(read) {
				t.Errorf("%s: ReadAt = %v, want %v", m.Text, m.ReadAt, read)
			}
		}
	})

	t.Run("another contact's messages stay unread", func(t *testing.T) {
		ms, err := st.PortalMessages(ctx, owner, other)
		if err != nil || len(ms) != 1 || !ms[0].ReadAt.IsZero() {
			t.Fatalf("PortalMessages = %+v, %v", ms, err)
		}
	})
}

func TestStoreActivity(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	owner, contact, other := app.NewID(), app.NewID(), app.NewID()
	kinds := []string{app.ActivityInvited, app.ActivityPortalLogin, app.ActivityMessageIn, app.ActivityMessageRead, app.ActivityDetailsChanged}
	for i, kind := range kinds {
		evs := []*app.ActivityEvent{{OwnerID: owner, ContactID: contact, Kind: kind, At: t0.Add(time.Duration(i) * time.Minute)}}
		if i == 2 { // several events in one call, as a message and its notification are
			evs = append(evs, &app.ActivityEvent{OwnerID: owner, ContactID: other, Kind: kind, At: t0})
		}
		if err := st.AddActivity(ctx, evs...); err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.ID == "" {
				t.Fatal("AddActivity gave no ID")
			}
		}
	}
	newestFirst := slices.Clone(kinds)
	slices.Reverse(newestFirst)

	for _, tt := range []struct {
		name  string
		limit int
		want  []string
	}{
		{"no limit gives every event, newest first", 0, newestFirst},
		{"a negative limit gives every event", -1, newestFirst},
		{"a limit gives the newest events", 2, newestFirst[:2]},
		{"a limit of one gives the newest event", 1, newestFirst[:1]},
		{"a limit above the count gives every event", 10, newestFirst},
	} {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := st.Activity(ctx, owner, contact, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ev := range evs {
				got = append(got, ev.Kind)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("kinds = %q, want %q", got, tt.want)
			}
		})
	}

	t.Run("a contact's events are only their own", func(t *testing.T) {
		evs, err := st.Activity(ctx, owner, other, 0)
		if err != nil || len(evs) != 1 || evs[0].ContactID != other {
			t.Fatalf("Activity = %+v, %v", evs, err)
		}
		if evs, err := st.Activity(ctx, app.NewID(), contact, 0); err != nil || len(evs) != 0 {
			t.Fatalf("another agent's view = %+v, %v", evs, err)
		}
	})
}

// BenchmarkCreatePortalAccounts creates 10,000 portal accounts one after the other on disk,
// fsync on, as inviting a whole contact list would.
//
//	go test -run '^$' -bench CreatePortalAccounts ./store
func BenchmarkCreatePortalAccounts(b *testing.B) {
	const n = 10000
	st, err := store.Open(store.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	owner := app.NewID()
	round := 0
	var total time.Duration
	for b.Loop() {
		round++
		start := time.Now()
		for i := range n {
			a := &app.PortalAccount{ContactID: app.NewID(), OwnerID: owner, Enabled: true}
			if err := st.CreatePortalAccount(ctx, a, fmt.Sprintf("c%d-%d@example.com", round, i)); err != nil {
				b.Fatal(err)
			}
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(round*n)/total.Seconds(), "accounts/s")
}
