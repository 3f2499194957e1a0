package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"agentbook/app"

	"github.com/dgraph-io/badger/v4"
)

var _ app.PortalStore = (*Store)(nil)

func portalOfKey(ownerID, contactID string) string { return pPortalOf + ownerID + "/" + contactID }

func portalLinkOfKey(contactID, id string) string { return pPortalLinkOf + contactID + "/" + id }

func portalSessOfKey(contactID, id string) string { return pPortalSessOf + contactID + "/" + id }

// portalMsgPrefix is the key prefix of a contact's conversation with their agent.
func portalMsgPrefix(ownerID, contactID string) string {
	return pPortalMsg + ownerID + "/" + contactID + "/"
}

// activityPrefix is the key prefix of a contact's activity events.
func activityPrefix(ownerID, contactID string) string {
	return pActivity + ownerID + "/" + contactID + "/"
}

// usernameKey folds a username (or a base for one) to the form it is stored and looked up in.
func usernameKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

func portalAccountChanged() error {
	return app.Errorf(app.ECONFLICT, "This portal account was changed since you opened it. Reload it and try again.")
}

func portalLinkInvalid() error { return app.Errorf(app.ENOTFOUND, "This link is not valid any more.") }

// portalErr passes app errors through as they are and wraps any other error with context.
func portalErr(err error, format string, args ...any) error {
	if err == nil || app.ErrorCode(err) != app.EINTERNAL {
		return err
	}
	return fmt.Errorf("store: "+format+": %w", append(args, err)...)
}

// CreatePortalAccount implements app.PortalStore. It sets a.Username, and a.Version to 1 when
// it is 0. The caller supplies a non-empty base (the contact's primary email); the username is
// its lower-cased form, or the first of base-2, base-3… that is free, one lookup each: shared
// addresses are rare, so creating accounts in bulk stays linear. Two contacts given the same
// base at once conflict in Badger, and the retry takes the next name.
func (s *Store) CreatePortalAccount(_ context.Context, a *app.PortalAccount, base string) error {
	base = usernameKey(base)
	if a.ContactID == "" || a.OwnerID == "" || base == "" {
		return fmt.Errorf("store: create portal account: contact %q, owner %q and username base %q are all required",
			a.ContactID, a.OwnerID, base)
	}
	next := *a
	if next.Version == 0 {
		next.Version = 1
	}
	err := s.update(func(txn *badger.Txn) error {
		if _, err := txn.Get([]byte(pPortal + a.ContactID)); err == nil {
			return app.Errorf(app.ECONFLICT, "This contact already has a portal account.")
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		name, err := freeUsername(txn, base)
		if err != nil {
			return err
		}
		next.Username = name
		if err := txn.Set([]byte(pPortalUser+name), []byte(a.ContactID)); err != nil {
			return err
		}
		if err := txn.Set([]byte(portalOfKey(a.OwnerID, a.ContactID)), nil); err != nil {
			return err
		}
		if err := markReport(txn, a.OwnerID, a.ContactID); err != nil {
			return err
		}
		return setJSON(txn, pPortal+a.ContactID, &next)
	})
	if err != nil {
		return portalErr(err, "create portal account of %s", a.ContactID)
	}
	a.Username, a.Version = next.Username, next.Version
	return nil
}

// freeUsername returns the first of base, base-2, base-3… that no account has.
func freeUsername(txn *badger.Txn, base string) (string, error) {
	for n := 1; ; n++ {
		name := base
		if n > 1 {
			name = base + "-" + strconv.Itoa(n)
		}
		_, err := txn.Get([]byte(pPortalUser + name))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return name, nil
		}
		if err != nil {
			return "", err
		}
	}
}

// UpdatePortalAccount implements app.PortalStore. The username cannot change: the stored one is
// kept and a.Username is set to it. A change of agent moves the account to the new agent's set.
func (s *Store) UpdatePortalAccount(_ context.Context, a *app.PortalAccount) error {
	var username string
	err := s.update(func(txn *badger.Txn) error {
		var cur app.PortalAccount
		if err := getJSON(txn, pPortal+a.ContactID, &cur); errors.Is(err, badger.ErrKeyNotFound) {
			return notFound("Portal account")
		} else if err != nil {
			return err
		}
		if cur.Version != a.Version-1 {
			return portalAccountChanged()
		}
		if cur.OwnerID != a.OwnerID {
			if err := txn.Delete([]byte(portalOfKey(cur.OwnerID, a.ContactID))); err != nil {
				return err
			}
			if err := txn.Set([]byte(portalOfKey(a.OwnerID, a.ContactID)), nil); err != nil {
				return err
			}
		}
		if err := markReport(txn, cur.OwnerID, a.ContactID); err != nil {
			return err
		}
		if err := markReport(txn, a.OwnerID, a.ContactID); err != nil {
			return err
		}
		next := *a
		next.Username = cur.Username
		username = cur.Username
		return setJSON(txn, pPortal+a.ContactID, &next)
	})
	if err != nil {
		return portalErr(err, "update portal account of %s", a.ContactID)
	}
	a.Username = username
	return nil
}

// PortalAccount implements app.PortalStore.
func (s *Store) PortalAccount(_ context.Context, contactID string) (*app.PortalAccount, error) {
	var a app.PortalAccount
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, pPortal+contactID, &a) })
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, notFound("Portal account")
	}
	if err != nil {
		return nil, fmt.Errorf("store: portal account of %s: %w", contactID, err)
	}
	return &a, nil
}

// PortalAccountsByContact implements app.PortalStore. An agent without any account (most
// agents, most of the time) costs one look at their index, not a read per contact.
func (s *Store) PortalAccountsByContact(_ context.Context, ownerID string, contactIDs []string) (map[string]*app.PortalAccount, error) {
	out := make(map[string]*app.PortalAccount, len(contactIDs))
	err := s.db.View(func(txn *badger.Txn) error {
		if len(keys(txn, pPortalOf+ownerID+"/", 1)) == 0 {
			return nil
		}
		for _, id := range contactIDs {
			var a app.PortalAccount
			err := getJSON(txn, pPortal+id, &a)
			if errors.Is(err, badger.ErrKeyNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out[id] = &a
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: portal accounts: %w", err)
	}
	return out, nil
}

// PortalAccountByUsername implements app.PortalStore.
func (s *Store) PortalAccountByUsername(_ context.Context, username string) (*app.PortalAccount, error) {
	var a app.PortalAccount
	err := s.db.View(func(txn *badger.Txn) error {
		contactID, err := getString(txn, pPortalUser+usernameKey(username))
		if err != nil {
			return err
		}
		return getJSON(txn, pPortal+contactID, &a)
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, notFound("Portal account")
	}
	if err != nil {
		return nil, fmt.Errorf("store: portal account by username: %w", err)
	}
	return &a, nil
}

// DeletePortalAccount implements app.PortalStore. The contact's links and sessions go even when
// there is no account. Messages and activity stay: they are the agent's record of the contact.
func (s *Store) DeletePortalAccount(_ context.Context, contactID string) error {
	err := s.update(func(txn *badger.Txn) error {
		var cur app.PortalAccount
		err := getJSON(txn, pPortal+contactID, &cur)
		switch {
		case errors.Is(err, badger.ErrKeyNotFound):
		case err != nil:
			return err
		default:
			if err := markReport(txn, cur.OwnerID, contactID); err != nil {
				return err
			}
			for _, k := range []string{pPortalUser + cur.Username, portalOfKey(cur.OwnerID, contactID), pPortal + contactID} {
				if err := txn.Delete([]byte(k)); err != nil {
					return err
				}
			}
		}
		if err := deleteIndexed(txn, pPortalLinkOf+contactID+"/", pPortalLink); err != nil {
			return err
		}
		return deleteIndexed(txn, pPortalSessOf+contactID+"/", pPortalSess)
	})
	return portalErr(err, "delete portal account of %s", contactID)
}

// deleteIndexed deletes the index keys under indexPrefix and, for each, the record at
// recordPrefix + the index key's last part (its ID).
func deleteIndexed(txn *badger.Txn, indexPrefix, recordPrefix string) error {
	for _, k := range keys(txn, indexPrefix, 0) {
		if err := txn.Delete([]byte(recordPrefix + strings.TrimPrefix(k, indexPrefix))); err != nil {
			return err
		}
		if err := txn.Delete([]byte(k)); err != nil {
			return err
		}
	}
	return nil
}

// PortalAccountsOf implements app.PortalStore.
func (s *Store) PortalAccountsOf(_ context.Context, ownerID string) (map[string]bool, error) {
	out := map[string]bool{}
	prefix := pPortalOf + ownerID + "/"
	err := s.db.View(func(txn *badger.Txn) error {
		for _, k := range keys(txn, prefix, 0) {
			out[strings.TrimPrefix(k, prefix)] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: portal accounts of %s: %w", ownerID, err)
	}
	return out, nil
}

// PutPortalLink implements app.PortalStore.
func (s *Store) PutPortalLink(_ context.Context, l *app.PortalLink) error {
	if l.ID == "" || l.ContactID == "" {
		return fmt.Errorf("store: put portal link: ID and contact are required")
	}
	err := s.update(func(txn *badger.Txn) error {
		if err := deleteIndexed(txn, pPortalLinkOf+l.ContactID+"/", pPortalLink); err != nil {
			return err
		}
		if err := txn.Set([]byte(portalLinkOfKey(l.ContactID, l.ID)), nil); err != nil {
			return err
		}
		return setJSON(txn, pPortalLink+l.ID, l)
	})
	return portalErr(err, "put portal link of %s", l.ContactID)
}

// TakePortalLink implements app.PortalStore. Of two takes of one link at once, Badger fails
// the later commit and its retry finds the link gone, so a link is used once.
func (s *Store) TakePortalLink(_ context.Context, id string) (*app.PortalLink, error) {
	var l app.PortalLink
	err := s.update(func(txn *badger.Txn) error {
		if err := getJSON(txn, pPortalLink+id, &l); errors.Is(err, badger.ErrKeyNotFound) {
			return portalLinkInvalid()
		} else if err != nil {
			return err
		}
		if err := txn.Delete([]byte(portalLinkOfKey(l.ContactID, id))); err != nil {
			return err
		}
		return txn.Delete([]byte(pPortalLink + id))
	})
	if err != nil {
		return nil, portalErr(err, "take portal link")
	}
	return &l, nil
}

// PortalLink implements app.PortalStore.
func (s *Store) PortalLink(_ context.Context, id string) (*app.PortalLink, error) {
	var l app.PortalLink
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, pPortalLink+id, &l) })
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, portalLinkInvalid()
	}
	if err != nil {
		return nil, fmt.Errorf("store: portal link: %w", err)
	}
	return &l, nil
}

// PutPortalSession implements app.PortalStore. It also removes the contact's other sessions
// that expired by sess.CreatedAt, so that sessions nobody logs out of do not pile up.
func (s *Store) PutPortalSession(_ context.Context, sess *app.PortalSession) error {
	if sess.ID == "" || sess.ContactID == "" {
		return fmt.Errorf("store: put portal session: ID and contact are required")
	}
	err := s.update(func(txn *badger.Txn) error {
		var cur app.PortalSession
		err := getJSON(txn, pPortalSess+sess.ID, &cur)
		switch {
		case errors.Is(err, badger.ErrKeyNotFound):
		case err != nil:
			return err
		case cur.ContactID != sess.ContactID:
			if err := txn.Delete([]byte(portalSessOfKey(cur.ContactID, sess.ID))); err != nil {
				return err
			}
		}
		prefix := pPortalSessOf + sess.ContactID + "/"
		for _, k := range keys(txn, prefix, 0) {
			id := strings.TrimPrefix(k, prefix)
			if id == sess.ID {
				continue
			}
			var other app.PortalSession
			err := getJSON(txn, pPortalSess+id, &other)
			if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
				return err
			}
			if err == nil && sess.CreatedAt.Before(other.ExpiresAt) {
				continue
			}
			if err := txn.Delete([]byte(pPortalSess + id)); err != nil {
				return err
			}
			if err := txn.Delete([]byte(k)); err != nil {
				return err
			}
		}
		if err := txn.Set([]byte(portalSessOfKey(sess.ContactID, sess.ID)), nil); err != nil {
			return err
		}
		return setJSON(txn, pPortalSess+sess.ID, sess)
	})
	return portalErr(err, "put portal session of %s", sess.ContactID)
}

// PortalSession implements app.PortalStore. Expiry is the caller's to check.
func (s *Store) PortalSession(_ context.Context, id string) (*app.PortalSession, error) {
	var sess app.PortalSession
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, pPortalSess+id, &sess) })
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, notFound("Session")
	}
	if err != nil {
		return nil, fmt.Errorf("store: portal session: %w", err)
	}
	return &sess, nil
}

// DeletePortalSession implements app.PortalStore.
func (s *Store) DeletePortalSession(_ context.Context, id string) error {
	err := s.update(func(txn *badger.Txn) error {
		var cur app.PortalSession
		err := getJSON(txn, pPortalSess+id, &cur)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := txn.Delete([]byte(portalSessOfKey(cur.ContactID, id))); err != nil {
			return err
		}
		return txn.Delete([]byte(pPortalSess + id))
	})
	return portalErr(err, "delete portal session")
}

// AddPortalMessage implements app.PortalStore. A message without an ID is given a new one
// (a ULID, so that the conversation's key order is its time order).
func (s *Store) AddPortalMessage(_ context.Context, m *app.PortalMessage) error {
	if m.OwnerID == "" || m.ContactID == "" {
		return fmt.Errorf("store: add portal message: owner and contact are required")
	}
	if m.ID == "" {
		m.ID = app.NewID()
	}
	err := s.update(func(txn *badger.Txn) error {
		if err := markReport(txn, m.OwnerID, m.ContactID); err != nil {
			return err
		}
		return setJSON(txn, portalMsgPrefix(m.OwnerID, m.ContactID)+m.ID, m)
	})
	return portalErr(err, "add portal message of %s", m.ContactID)
}

// PortalMessages implements app.PortalStore: in ID order, which is time order.
func (s *Store) PortalMessages(_ context.Context, ownerID, contactID string) ([]*app.PortalMessage, error) {
	var out []*app.PortalMessage
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		out, err = portalMessages(txn, portalMsgPrefix(ownerID, contactID))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: portal messages of %s: %w", contactID, err)
	}
	return out, nil
}

func portalMessages(txn *badger.Txn, prefix string) ([]*app.PortalMessage, error) {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix), PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	var out []*app.PortalMessage
	for it.Rewind(); it.Valid(); it.Next() {
		var m app.PortalMessage
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &m) }); err != nil {
			return nil, err
		}
		out = append(out, &m)
	}
	return out, nil
}

// MarkPortalMessagesRead implements app.PortalStore.
func (s *Store) MarkPortalMessagesRead(_ context.Context, ownerID, contactID string, fromContact bool, at time.Time) (int, error) {
	n := 0
	prefix := portalMsgPrefix(ownerID, contactID)
	err := s.update(func(txn *badger.Txn) error {
		n = 0
		ms, err := portalMessages(txn, prefix)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if m.FromContact != fromContact || !m.ReadAt.IsZero() {
				continue
			}
			m.ReadAt = at
			if err := setJSON(txn, prefix+m.ID, m); err != nil {
				return err
			}
			n++
		}
		if n > 0 {
			return markReport(txn, ownerID, contactID)
		}
		return nil
	})
	if err != nil {
		return 0, portalErr(err, "mark portal messages of %s read", contactID)
	}
	return n, nil
}

// AddActivity implements app.PortalStore: all events in one transaction. An event without an
// ID is given a new one (a ULID, so that key order is time order).
func (s *Store) AddActivity(_ context.Context, evs ...*app.ActivityEvent) error {
	for _, ev := range evs {
		if ev.OwnerID == "" || ev.ContactID == "" {
			return fmt.Errorf("store: add activity: owner and contact are required")
		}
		if ev.ID == "" {
			ev.ID = app.NewID()
		}
	}
	if len(evs) == 0 {
		return nil
	}
	err := s.update(func(txn *badger.Txn) error {
		marked := map[string]bool{}
		for _, ev := range evs {
			if err := setJSON(txn, activityPrefix(ev.OwnerID, ev.ContactID)+ev.ID, ev); err != nil {
				return err
			}
			if k := ev.OwnerID + "/" + ev.ContactID; !marked[k] {
				marked[k] = true
				if err := markReport(txn, ev.OwnerID, ev.ContactID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return portalErr(err, "add activity")
}

// Activity implements app.PortalStore: newest first by ID, walking the keys backwards, so the
// cost is limit events, not the contact's whole history. A limit of 0 or less returns all.
func (s *Store) Activity(_ context.Context, ownerID, contactID string, limit int) ([]*app.ActivityEvent, error) {
	prefix := activityPrefix(ownerID, contactID)
	var out []*app.ActivityEvent
	err := s.db.View(func(txn *badger.Txn) error {
		opt := badger.IteratorOptions{Prefix: []byte(prefix), Reverse: true, PrefetchValues: true, PrefetchSize: 50}
		if limit > 0 && limit < opt.PrefetchSize {
			opt.PrefetchSize = limit
		}
		it := txn.NewIterator(opt)
		defer it.Close()
		for it.Seek([]byte(prefix + "\xff")); it.Valid(); it.Next() {
			var ev app.ActivityEvent
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &ev) }); err != nil {
				return err
			}
			out = append(out, &ev)
			if limit > 0 && len(out) >= limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: activity of %s: %w", contactID, err)
	}
	return out, nil
}
