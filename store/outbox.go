package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"agentbook/app"

	"github.com/dgraph-io/badger/v4"
)

var _ app.OutboxStore = (*Store)(nil)

// dueKey orders queued messages by their next attempt (zero-padded nanoseconds sort as text).
func dueKey(m *app.OutMessage) string {
	return fmt.Sprintf("%s%020d/%s", pOutboxDue, max(m.NextAttemptAt.UnixNano(), 0), m.ID)
}

func contactMailKey(m *app.OutMessage) string {
	return pOutboxOf + m.OwnerID + "/" + m.ContactID + "/" + m.ID
}

// EnqueueMail implements app.OutboxStore.
func (s *Store) EnqueueMail(_ context.Context, ms []*app.OutMessage) error {
	err := s.update(func(txn *badger.Txn) error {
		for _, m := range ms {
			if err := setJSON(txn, pOutbox+m.ID, m); err != nil {
				return err
			}
			if m.Status == app.MailQueued {
				if err := txn.Set([]byte(dueKey(m)), nil); err != nil {
					return err
				}
			}
			if m.ContactID != "" {
				if err := txn.Set([]byte(contactMailKey(m)), nil); err != nil {
					return err
				}
				if err := markReport(txn, m.OwnerID, m.ContactID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: enqueue mail: %w", err)
	}
	return nil
}

// appendMail loads the message an index key ends with (".../<id>") onto out; a message that is
// gone is skipped.
func appendMail(txn *badger.Txn, out *[]*app.OutMessage, key string) error {
	var m app.OutMessage
	err := getJSON(txn, pOutbox+key[strings.LastIndexByte(key, '/')+1:], &m)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	*out = append(*out, &m)
	return nil
}

// DueMail implements app.OutboxStore.
func (s *Store) DueMail(_ context.Context, now time.Time, limit int) ([]*app.OutMessage, error) {
	var out []*app.OutMessage
	limitKey := fmt.Sprintf("%s%020d/~", pOutboxDue, now.UnixNano())
	err := s.db.View(func(txn *badger.Txn) error {
		opt := badger.DefaultIteratorOptions
		opt.PrefetchValues = false
		opt.Prefix = []byte(pOutboxDue)
		it := txn.NewIterator(opt)
		defer it.Close()
		for it.Rewind(); it.Valid() && len(out) < limit; it.Next() {
			k := string(it.Item().Key())
			if k > limitKey {
				break
			}
			if err := appendMail(txn, &out, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: due mail: %w", err)
	}
	return out, nil
}

// NextMailDue implements app.OutboxStore.
func (s *Store) NextMailDue(_ context.Context) (time.Time, bool, error) {
	var at time.Time
	var ok bool
	err := s.db.View(func(txn *badger.Txn) error {
		ks := keys(txn, pOutboxDue, 1)
		if len(ks) == 0 {
			return nil
		}
		var n int64
		if _, err := fmt.Sscanf(strings.TrimPrefix(ks[0], pOutboxDue), "%020d", &n); err != nil {
			return fmt.Errorf("bad outbox key %q: %w", ks[0], err)
		}
		at, ok = time.Unix(0, n), true
		return nil
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: next mail due: %w", err)
	}
	return at, ok, nil
}

// UpdateMail implements app.OutboxStore.
func (s *Store) UpdateMail(_ context.Context, m *app.OutMessage) error {
	err := s.update(func(txn *badger.Txn) error {
		var cur app.OutMessage
		if err := getJSON(txn, pOutbox+m.ID, &cur); err != nil {
			if errors.Is(err, badger.ErrKeyNotFound) {
				return notFound("Message")
			}
			return err
		}
		if cur.Status == app.MailQueued {
			if err := txn.Delete([]byte(dueKey(&cur))); err != nil {
				return err
			}
		}
		if m.Status == app.MailQueued {
			if err := txn.Set([]byte(dueKey(m)), nil); err != nil {
				return err
			}
		}
		if cur.Status != m.Status && cur.ContactID != "" {
			if err := markReport(txn, cur.OwnerID, cur.ContactID); err != nil {
				return err
			}
		}
		return setJSON(txn, pOutbox+m.ID, m)
	})
	if err != nil && app.ErrorCode(err) == app.EINTERNAL {
		return fmt.Errorf("store: update mail %s: %w", m.ID, err)
	}
	return err
}

// OutMessage implements app.OutboxStore.
func (s *Store) OutMessage(_ context.Context, id string) (*app.OutMessage, error) {
	var m app.OutMessage
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, pOutbox+id, &m) })
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, notFound("Message")
	}
	if err != nil {
		return nil, fmt.Errorf("store: mail %s: %w", id, err)
	}
	return &m, nil
}

// ContactMail implements app.OutboxStore.
func (s *Store) ContactMail(_ context.Context, ownerID, contactID string, limit int) ([]*app.OutMessage, error) {
	var out []*app.OutMessage
	err := s.db.View(func(txn *badger.Txn) error {
		ks := keys(txn, pOutboxOf+ownerID+"/"+contactID+"/", 0)
		for i := len(ks) - 1; i >= 0 && len(out) < limit; i-- {
			if err := appendMail(txn, &out, ks[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: contact mail: %w", err)
	}
	return out, nil
}

// CountQueuedMail implements app.OutboxStore.
func (s *Store) CountQueuedMail(_ context.Context) (int, error) {
	n := 0
	err := s.db.View(func(txn *badger.Txn) error {
		n = len(keys(txn, pOutboxDue, 0))
		return nil
	})
	return n, err
}
