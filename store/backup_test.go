package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"agentbook/app"
	"agentbook/store"
	"agentbook/store/storetest"

	"github.com/dgraph-io/badger/v4"
)

// dump returns every key and value in the store (latest versions).
func dump(t *testing.T, st *store.Store) map[string]string {
	t.Helper()
	kv := map[string]string{}
	err := st.DB().View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			kv[string(it.Item().Key())] = string(v)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	return kv
}

// restored restores the backup into a new folder and returns the store opened on it, closed
// when the test ends.
func restored(t *testing.T, backup []byte) *store.Store {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "db")
	if err := store.Restore(dir, bytes.NewReader(backup)); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	st, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatalf("open the restored store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestStoreBackupRestore(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	u := &app.User{ID: app.NewID(), Name: "Ann", Email: "ann@example.com", Role: app.RoleAdmin, Enabled: true, Version: 1}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	g := &app.Group{ID: app.NewID(), OwnerID: u.ID, Name: "Open House"}
	if err := st.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	if err := st.PutPref(ctx, u.ID, "columns", []string{"name", "email", "city"}); err != nil {
		t.Fatal(err)
	}
	var cs []*app.Contact
	for i := range 50 {
		c := contact(u.ID, fmt.Sprintf("First%d", i), "Last", fmt.Sprintf("p%d@example.com", i))
		c.GroupIDs = []string{g.ID}
		cs = append(cs, c)
	}
	create(t, st, cs...)
	if err := st.DeleteContact(ctx, u.ID, cs[0].ID); err != nil {
		t.Fatal(err)
	}
	edited := next(cs[1], func(c *app.Contact) { c.FirstName = "Edited" })
	if err := st.UpdateContact(ctx, edited); err != nil {
		t.Fatal(err)
	}
	want := dump(t, st)

	var buf bytes.Buffer
	if _, err := st.Backup(&buf); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("agentbook-backup 1\n")) {
		t.Fatalf("the backup starts with %q, want the agentbook-backup header", buf.Bytes()[:min(20, buf.Len())])
	}

	t.Run("a restore into an empty folder gives back every key and value", func(t *testing.T) {
		got := dump(t, restored(t, buf.Bytes()))
		if len(got) != len(want) {
			t.Errorf("restored %d keys, want %d", len(got), len(want))
		}
		for k, v := range want {
			if gv, ok := got[k]; !ok {
				t.Errorf("key %q is missing after the restore", k)
			} else if gv != v {
				t.Errorf("key %q: value differs after the restore", k)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("key %q appeared after the restore", k)
			}
		}
	})

	t.Run("the restored store answers like the original", func(t *testing.T) {
		r := restored(t, buf.Bytes())
		if n, err := r.CountContacts(ctx, u.ID, app.StatusActive); err != nil || n != 49 {
			t.Errorf("CountContacts = %d, %v; want 49", n, err)
		}
		if _, err := r.Contact(ctx, u.ID, cs[0].ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("the deleted contact after the restore: %v, want not found", err)
		}
		if c, err := r.Contact(ctx, u.ID, cs[1].ID); err != nil || c.FirstName != "Edited" {
			t.Errorf("the edited contact after the restore: %+v, %v", c, err)
		}
		if got, err := r.UserByEmail(ctx, "ANN@example.com"); err != nil || got.ID != u.ID {
			t.Errorf("UserByEmail after the restore: %v, %v", got, err)
		}
		// The restored store takes new writes on top of the restored versions.
		create(t, r, contact(u.ID, "New", "After"))
		if n, _ := r.CountContacts(ctx, u.ID, app.StatusActive); n != 50 {
			t.Errorf("CountContacts after a new contact = %d, want 50", n)
		}
	})

	t.Run("a file that is not an agentbook backup is refused and creates nothing", func(t *testing.T) {
		for name, data := range map[string][]byte{
			"a CSV file":         []byte("first,last\nAda,Lovelace\n"),
			"an empty file":      nil,
			"a newer format":     []byte("agentbook-backup 2\n..."),
			"a bare Badger dump": buf.Bytes()[len("agentbook-backup 1\n"):],
			"half of the header": []byte("agentbook-back"),
		} {
			dir := filepath.Join(t.TempDir(), "db")
			err := store.Restore(dir, bytes.NewReader(data))
			if !errors.Is(err, store.ErrNotBackup) {
				t.Errorf("%s: Restore = %v, want ErrNotBackup", name, err)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s: the refused restore created %s", name, dir)
			}
		}
	})

	t.Run("a truncated backup fails and leaves no half store", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "db")
		err := store.Restore(dir, bytes.NewReader(buf.Bytes()[:buf.Len()*2/3]))
		if err == nil || errors.Is(err, store.ErrNotBackup) {
			t.Fatalf("Restore of a truncated backup = %v, want a damaged-backup error", err)
		}
		if !strings.Contains(err.Error(), "damaged") {
			t.Errorf("error = %q, want it to say the backup is damaged", err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the failed restore left %s behind", dir)
		}
	})

	t.Run("a folder that holds files is refused", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "MANIFEST"), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		err := store.Restore(dir, bytes.NewReader(buf.Bytes()))
		if !errors.Is(err, store.ErrNotEmpty) {
			t.Errorf("Restore into a non-empty folder = %v, want ErrNotEmpty", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); err != nil {
			t.Errorf("the refused restore touched the folder: %v", err)
		}
	})

	t.Run("an existing empty folder is accepted", func(t *testing.T) {
		dir := t.TempDir()
		if err := store.Restore(dir, bytes.NewReader(buf.Bytes())); err != nil {
			t.Fatalf("Restore into an empty folder: %v", err)
		}
	})
}

// TestStoreBackupDuringWrites takes a backup while contacts are being created: the snapshot is
// of one moment, so the restored count key agrees with the contacts restored.
func TestStoreBackupDuringWrites(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(store.Options{Dir: t.TempDir(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	owner := app.NewID()
	create(t, st, contact(owner, "Before", "Backup"))

	stop, started := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	begin := sync.OnceFunc(func() { close(started) })
	wg.Go(func() {
		defer begin()
		for i := 0; ; i++ {
			if i == 500 {
				begin()
			}
			select {
			case <-stop:
				return
			default:
			}
			if err := st.CreateContacts(ctx, []*app.Contact{contact(owner, fmt.Sprintf("W%d", i), "Writer")}); err != nil {
				t.Errorf("CreateContacts: %v", err)
				return
			}
		}
	})
	<-started
	var buf bytes.Buffer
	_, err = st.Backup(&buf)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}

	r := restored(t, buf.Bytes())
	n, err := r.CountContacts(ctx, owner, app.StatusActive)
	if err != nil {
		t.Fatal(err)
	}
	records := 0
	for k := range dump(t, r) {
		if strings.HasPrefix(k, "c/") {
			records++
		}
	}
	if n != records || n < 1 {
		t.Errorf("the restored count says %d contacts, the restored records are %d", n, records)
	}
	t.Logf("backup during writes held %d contacts", n)
}
