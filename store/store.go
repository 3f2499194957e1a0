// Package store keeps agentbook's records in Badger: one key per record, secondary index keys
// and index marks written in the same transaction as the record they describe.
package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"agentbook/app"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// Key layout. Every key starts with a short type prefix; IDs are ULIDs.
//
//	u/<id>                           user JSON
//	ue/<email>                       user ID by lower-cased email
//	s/<hash>                         session JSON
//	t/<hash>                         API token JSON
//	c/<id>                           contact JSON
//	ce/<owner>/<email>/<id>          contact by address (many contacts may share one)
//	cs/<owner>/<status>/name/<name sort value>\x00<id>   the name order; the value is the
//	                                 contact's packed sort values and search terms, from which
//	                                 every list order is kept in memory (store/order.go)
//	cn/<owner>/<status>              contact count (uint64)
//	meta/layout                      the key layout's name (upgradeLayout)
//	ix/<id>                          index mark: version of the last write not yet indexed
//	g/<owner>/<id>                   group JSON
//	gn/<owner>/<lower name>          group ID by name
//	p/<user>/<name>                  preference JSON
//	inv/<owner>/<id>                 the contact has an invalid email address (Action Required)
//	ob/<id>                          outbox message JSON
//	oq/<due unix nanos, 20 digits>/<id>   queued outbox message by next attempt time
//	oc/<owner>/<contact>/<id>        outbox message by contact (email activity)
//	dg/<owner>/<search>/<listing>    a listing waiting for the saved search's next digest (empty value)
//	mm/<id>                          captured (sink) message summary JSON: no headers or bodies
//	mb/<id>                          captured message headers, text and HTML JSON
//	mi/<message-id>                  captured message ID by Message-ID (dedupe; long IDs hashed)
//	ma/<agent>/<id>                  captured message by sending agent (empty value)
//	ss/<owner>/<id>                  saved search JSON (with its contact IDs)
//	si/<id>                          owner of a saved search, so that an ID names one agent's search
//	sl/<owner>/<contact>/<search>    saved search by contact (empty value)
//	ls/<id>                          listing JSON
//	pa/<contact>                     portal account JSON
//	pu/<lower username>              portal account's contact ID by username
//	po/<owner>/<contact>             the contact has a portal account (empty value)
//	pk/<link id>                     portal set-password link JSON
//	pl/<contact>/<link id>           portal link by contact (empty value)
//	ps/<session id>                  portal session JSON
//	pz/<contact>/<session id>        portal session by contact (empty value)
//	pm/<owner>/<contact>/<id>        portal message JSON (ULID IDs: key order is time order)
//	ae/<owner>/<contact>/<id>        activity event JSON (ULID IDs: key order is time order)
//	rd/<owner>/<contact>             the contact changed since the Contact Summary's last build
//	rs/<owner>/<contact>             the contact's Contact Summary row JSON
//	rm/<owner>                       the Contact Summary's header JSON (as of, weekly activity)
const (
	pUser        = "u/"
	pUserEmail   = "ue/"
	pSession     = "s/"
	pToken       = "t/"
	pContact     = "c/"
	pContactMail = "ce/"
	pContactSort = "cs/"
	pCount       = "cn/"
	pMark        = "ix/"
	pGroup       = "g/"
	pGroupName   = "gn/"
	pPref        = "p/"
	pInvalid     = "inv/"
	pOutbox      = "ob/"
	pOutboxDue   = "oq/"
	pOutboxOf    = "oc/"
	pSearch      = "ss/"
	pSearchID    = "si/"
	pSearchLink  = "sl/"
	pListing     = "ls/"
	pDigest      = "dg/"

	// client portal and activity
	pPortal       = "pa/"
	pPortalUser   = "pu/"
	pPortalOf     = "po/"
	pPortalLink   = "pk/"
	pPortalLinkOf = "pl/"
	pPortalSess   = "ps/"
	pPortalSessOf = "pz/"
	pPortalMsg    = "pm/"
	pActivity     = "ae/"

	// kLayout names the store's key layout, for Open to bring an older store up to date.
	kLayout = "meta/layout"
)

// layout is the current key layout: the list orders other than name are kept in memory only
// (older stores have keys cs/<owner>/<status>/<field>/… for each, which Open deletes).
const layout = "orders-in-memory"

// Options configures Open.
type Options struct {
	Dir      string // "" opens an in-memory store (tests)
	Logger   *slog.Logger
	InMemory bool
	// NoSync turns off fsync on commit. Only the benchmark that measures fsync's cost sets it.
	NoSync bool
	// Terms encodes a contact's search terms; they are kept as the value of its name-order key
	// so that MatchContacts can filter while walking that order. Nil keeps no terms.
	Terms func(*app.Contact) []byte
}

// Store is the Badger implementation of app.Store.
type Store struct {
	db *badger.DB
	// writeMu orders contact writes: each commits and is applied to order before the next.
	writeMu sync.Mutex
	order   *nameOrder
	records *recordCache
	terms   func(*app.Contact) []byte
	logger  *slog.Logger
	// stop ends the goroutine that rebuilds list columns (nameOrder.keepColumns); stopped is
	// closed when it has.
	stop, stopped chan struct{}
	closeOnce     sync.Once
}

var _ app.Store = (*Store)(nil)

// Open opens (or creates) the store. Badger is sized for an office server rather than its
// defaults: 3×8 MB memtables, a 32 MB block cache and a 16 MB index cache keep resident
// memory below 300 MB at 100,000 contacts while serving. Each memtable is also a memory-mapped
// log file of twice its size: 4 MB memtables held 15–20 MB less at the peak of a 100,000-row
// import, but the load benchmark's 8 clients fell from 940–990 to 720–800 requests/s and Quick
// Add's p99 rose from 11 to 16–18 ms. SyncWrites is on: a write the user was told succeeded
// survives kill -9.
func Open(opt Options) (*Store, error) {
	logger := opt.Logger
	if logger == nil {
		logger = slog.Default()
	}
	bo := badger.DefaultOptions(opt.Dir).
		WithInMemory(opt.InMemory || opt.Dir == "").
		WithSyncWrites(!opt.NoSync).
		WithLogger(badgerLogger{logger.With("component", "badger")}).
		WithMemTableSize(8 << 20).
		WithNumMemtables(3).
		WithNumLevelZeroTables(8).
		WithNumLevelZeroTablesStall(16).
		WithBaseTableSize(4 << 20).
		WithBlockCacheSize(32 << 20).
		WithIndexCacheSize(16 << 20).
		WithValueLogFileSize(16 << 20).
		WithNumCompactors(2).
		WithNumVersionsToKeep(1).
		WithCompression(options.None)
	// Bulk writes (imports, seed) leave compactions running for a while, and each compaction
	// builds its tables in memory: uncompressed tables of one size (4 MB) at every level keep
	// those buffers small, where the defaults (Snappy, tables doubling per level) held 200 MB
	// of builders after a 100,000-row import.
	bo.TableSizeMultiplier = 1
	// Level 0 takes eight tables before they are compacted into level 1 (Badger's default is 5;
	// this store had 3). Contacts' order keys land all over level 1, so each compaction from
	// level 0 rewrites most of it: fewer, larger ones made a 100,000-row import through the
	// server 3,044 → 4,513 rows/s and seeding 28–30 → 22–25 s, for a few more tables to look
	// through on a read (the load figures stayed within their targets).
	db, err := badger.Open(bo)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", opt.Dir, err)
	}
	s := &Store{db: db, terms: opt.Terms, order: newNameOrder(), records: newRecordCache(20000), logger: logger.With("component", "store"),
		stop: make(chan struct{}), stopped: make(chan struct{})}
	if err := s.upgradeLayout(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", opt.Dir, err)
	}
	go func() {
		defer close(s.stopped)
		s.order.keepColumns(db, 500*time.Millisecond, s.stop)
	}()
	return s, nil
}

// upgradeLayout brings a store written by an older agentbook to the current key layout.
func (s *Store) upgradeLayout() error {
	var cur []byte
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(kLayout))
		if err == nil {
			cur, err = item.ValueCopy(nil)
		}
		return err
	})
	if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
		return err
	}
	if string(cur) == layout {
		return nil
	}
	n, err := s.dropColumnKeys()
	if err != nil {
		return err
	}
	if n > 0 {
		s.logger.Info("removed the list-order keys that are now kept in memory", "prefixes", n)
	}
	return s.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(kLayout), []byte(layout)) })
}

// Close releases the sequence and closes Badger.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.stopped
	})
	return s.db.Close()
}

// DB exposes Badger for backup and value-log GC.
func (s *Store) DB() *badger.DB { return s.db }

type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any)   { b.l.Error(strings.TrimSpace(fmt.Sprintf(f, a...))) }
func (b badgerLogger) Warningf(f string, a ...any) { b.l.Warn(strings.TrimSpace(fmt.Sprintf(f, a...))) }
func (b badgerLogger) Infof(string, ...any)        {}
func (b badgerLogger) Debugf(string, ...any)       {}

// update runs fn in a read-write transaction, retrying on conflicts with concurrent writers.
func (s *Store) update(fn func(txn *badger.Txn) error) error {
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		err = s.db.Update(fn)
		if !errors.Is(err, badger.ErrConflict) {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 200 * time.Microsecond)
	}
	return err
}

func getJSON(txn *badger.Txn, key string, v any) error {
	item, err := txn.Get([]byte(key))
	if err != nil {
		return err
	}
	return item.Value(func(b []byte) error { return json.Unmarshal(b, v) })
}

func setJSON(txn *badger.Txn, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return txn.Set([]byte(key), b)
}

func getString(txn *badger.Txn, key string) (string, error) {
	item, err := txn.Get([]byte(key))
	if err != nil {
		return "", err
	}
	b, err := item.ValueCopy(nil)
	return string(b), err
}

func getUint(txn *badger.Txn, key string) (uint64, error) {
	item, err := txn.Get([]byte(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var n uint64
	err = item.Value(func(b []byte) error {
		if len(b) != 8 {
			return fmt.Errorf("bad counter at %s", key)
		}
		n = binary.BigEndian.Uint64(b)
		return nil
	})
	return n, err
}

func putUint(txn *badger.Txn, key string, n uint64) error {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return txn.Set([]byte(key), b[:])
}

func notFound(what string) error { return app.Errorf(app.ENOTFOUND, "%s not found.", what) }

// keys lists the keys with prefix (keys only, no values).
func keys(txn *badger.Txn, prefix string, limit int) []string {
	opt := badger.DefaultIteratorOptions
	opt.PrefetchValues = false
	opt.Prefix = []byte(prefix)
	it := txn.NewIterator(opt)
	defer it.Close()
	var out []string
	for it.Rewind(); it.Valid(); it.Next() {
		out = append(out, string(it.Item().Key()))
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out
}

// --- users, sessions, tokens ---

// CreateUser implements app.Store.
func (s *Store) CreateUser(_ context.Context, u *app.User) error {
	return s.update(func(txn *badger.Txn) error {
		ek := pUserEmail + app.EmailKey(u.Email)
		if _, err := txn.Get([]byte(ek)); err == nil {
			return app.Errorf(app.ECONFLICT, "An agent with this email already exists.")
		}
		if err := txn.Set([]byte(ek), []byte(u.ID)); err != nil {
			return err
		}
		return setJSON(txn, pUser+u.ID, u)
	})
}

// UpdateUser implements app.Store.
func (s *Store) UpdateUser(_ context.Context, u *app.User) error {
	return s.update(func(txn *badger.Txn) error {
		var cur app.User
		if err := getJSON(txn, pUser+u.ID, &cur); errors.Is(err, badger.ErrKeyNotFound) {
			return notFound("Agent")
		} else if err != nil {
			return err
		}
		if cur.Version != u.Version {
			return app.Errorf(app.ECONFLICT, "This agent was changed by someone else. Reload and try again.")
		}
		if app.EmailKey(cur.Email) != app.EmailKey(u.Email) {
			ek := pUserEmail + app.EmailKey(u.Email)
			if _, err := txn.Get([]byte(ek)); err == nil {
				return app.Errorf(app.ECONFLICT, "An agent with this email already exists.")
			}
			if err := txn.Delete([]byte(pUserEmail + app.EmailKey(cur.Email))); err != nil {
				return err
			}
			if err := txn.Set([]byte(ek), []byte(u.ID)); err != nil {
				return err
			}
		}
		next := *u
		next.Version++
		return setJSON(txn, pUser+u.ID, &next)
	})
}

// User implements app.Store.
func (s *Store) User(_ context.Context, id string) (*app.User, error) {
	var u app.User
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, pUser+id, &u) })
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, notFound("Agent")
	}
	if err != nil {
		return nil, fmt.Errorf("store: user %s: %w", id, err)
	}
	return &u, nil
}

// UserByEmail implements app.Store.
func (s *Store) UserByEmail(_ context.Context, email string) (*app.User, error) {
	var u app.User
	err := s.db.View(func(txn *badger.Txn) error {
		id, err := getString(txn, pUserEmail+app.EmailKey(email))
		if err != nil {
			return err
		}
		return getJSON(txn, pUser+id, &u)
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, notFound("Agent")
	}
	if err != nil {
		return nil, fmt.Errorf("store: user by email: %w", err)
	}
	return &u, nil
}

// Users implements app.Store.
func (s *Store) Users(_ context.Context) ([]*app.User, error) {
	var out []*app.User
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pUser)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var u app.User
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &u) }); err != nil {
				return err
			}
			out = append(out, &u)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	return out, nil
}

// CountUsers implements app.Store.
func (s *Store) CountUsers(_ context.Context) (int, error) {
	n := 0
	err := s.db.View(func(txn *badger.Txn) error {
		n = len(keys(txn, pUser, 0))
		return nil
	})
	return n, err
}

// PutSession implements app.Store.
func (s *Store) PutSession(_ context.Context, sess *app.Session) error {
	return s.update(func(txn *badger.Txn) error { return setJSON(txn, pSession+sess.ID, sess) })
}

// Session implements app.Store.
func (s *Store) Session(_ context.Context, id string) (*app.Session, error) {
	var sess app.Session
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, pSession+id, &sess) })
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, notFound("Session")
	}
	if err != nil {
		return nil, fmt.Errorf("store: session: %w", err)
	}
	return &sess, nil
}

// DeleteSession implements app.Store.
func (s *Store) DeleteSession(_ context.Context, id string) error {
	return s.update(func(txn *badger.Txn) error { return txn.Delete([]byte(pSession + id)) })
}

// DeleteSessionsOf implements app.Store.
func (s *Store) DeleteSessionsOf(_ context.Context, userID string) (int, error) {
	return s.deleteSessions(func(sess *app.Session) bool { return sess.UserID == userID })
}

// DeleteExpiredSessions implements app.Store.
func (s *Store) DeleteExpiredSessions(_ context.Context, now time.Time) (int, error) {
	return s.deleteSessions(func(sess *app.Session) bool { return !now.Before(sess.ExpiresAt) })
}

func (s *Store) deleteSessions(match func(*app.Session) bool) (int, error) {
	var expired []string
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pSession), PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var sess app.Session
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &sess) }); err != nil {
				return err
			}
			if match(&sess) {
				expired = append(expired, string(it.Item().Key()))
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for _, k := range expired {
		if err := wb.Delete([]byte(k)); err != nil {
			return 0, err
		}
	}
	return len(expired), wb.Flush()
}

// PutToken implements app.Store.
func (s *Store) PutToken(_ context.Context, t *app.Token) error {
	return s.update(func(txn *badger.Txn) error { return setJSON(txn, pToken+t.ID, t) })
}

// Token implements app.Store.
func (s *Store) Token(_ context.Context, id string) (*app.Token, error) {
	var t app.Token
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, pToken+id, &t) })
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, notFound("Token")
	}
	if err != nil {
		return nil, fmt.Errorf("store: token: %w", err)
	}
	return &t, nil
}

// --- preferences ---

// GetPref implements app.Store.
func (s *Store) GetPref(_ context.Context, userID, name string, v any) error {
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, pPref+userID+"/"+name, v) })
	if errors.Is(err, badger.ErrKeyNotFound) {
		return notFound("Preference")
	}
	return err
}

// PutPref implements app.Store.
func (s *Store) PutPref(_ context.Context, userID, name string, v any) error {
	return s.update(func(txn *badger.Txn) error { return setJSON(txn, pPref+userID+"/"+name, v) })
}

// --- groups ---

// CreateGroup implements app.Store.
func (s *Store) CreateGroup(_ context.Context, g *app.Group) error {
	return s.update(func(txn *badger.Txn) error {
		nk := pGroupName + g.OwnerID + "/" + app.Fold(g.Name)
		if _, err := txn.Get([]byte(nk)); err == nil {
			return &app.Error{Code: app.ECONFLICT, Message: "You already have a group with this name.",
				Fields: map[string]string{"name": "You already have a group with this name."}}
		}
		if err := txn.Set([]byte(nk), []byte(g.ID)); err != nil {
			return err
		}
		return setJSON(txn, pGroup+g.OwnerID+"/"+g.ID, g)
	})
}

// RenameGroup implements app.Store.
func (s *Store) RenameGroup(_ context.Context, ownerID, id, name string) (*app.Group, error) {
	var g app.Group
	err := s.update(func(txn *badger.Txn) error {
		if err := getJSON(txn, pGroup+ownerID+"/"+id, &g); errors.Is(err, badger.ErrKeyNotFound) {
			return notFound("Group")
		} else if err != nil {
			return err
		}
		oldKey, newKey := pGroupName+ownerID+"/"+app.Fold(g.Name), pGroupName+ownerID+"/"+app.Fold(name)
		if newKey != oldKey {
			if _, err := txn.Get([]byte(newKey)); err == nil {
				return &app.Error{Code: app.ECONFLICT, Message: "You already have a group with this name.",
					Fields: map[string]string{"name": "You already have a group with this name."}}
			}
			if err := txn.Delete([]byte(oldKey)); err != nil {
				return err
			}
			if err := txn.Set([]byte(newKey), []byte(id)); err != nil {
				return err
			}
		}
		g.Name = name
		return setJSON(txn, pGroup+ownerID+"/"+id, &g)
	})
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// DeleteGroup implements app.Store.
func (s *Store) DeleteGroup(_ context.Context, ownerID, id string) error {
	return s.update(func(txn *badger.Txn) error {
		var g app.Group
		if err := getJSON(txn, pGroup+ownerID+"/"+id, &g); errors.Is(err, badger.ErrKeyNotFound) {
			return notFound("Group")
		} else if err != nil {
			return err
		}
		if err := txn.Delete([]byte(pGroupName + ownerID + "/" + app.Fold(g.Name))); err != nil {
			return err
		}
		return txn.Delete([]byte(pGroup + ownerID + "/" + id))
	})
}

// Groups implements app.Store.
func (s *Store) Groups(_ context.Context, ownerID string) ([]*app.Group, error) {
	var out []*app.Group
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pGroupName + ownerID + "/")})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			id, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			var g app.Group
			if err := getJSON(txn, pGroup+ownerID+"/"+string(id), &g); err != nil {
				return err
			}
			out = append(out, &g)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: groups: %w", err)
	}
	return out, nil
}
