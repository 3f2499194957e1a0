package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"agentbook/app"

	"github.com/dgraph-io/badger/v4"
)

// DeleteExpiredPortal removes set-password links and portal sessions that expired before now,
// with their index keys, and returns how many of each it removed.
func (s *Store) DeleteExpiredPortal(ctx context.Context, now time.Time) (links, sessions int, err error) {
	type expired struct{ key, index string }
	find := func(prefix string, indexKey func(raw []byte, id string) (string, time.Time, error)) ([]expired, error) {
		var out []expired
		err := s.db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix), PrefetchValues: true, PrefetchSize: 100})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				if err := ctx.Err(); err != nil {
					return err
				}
				key := string(it.Item().Key())
				var idx string
				var until time.Time
				err := it.Item().Value(func(b []byte) error {
					var err error
					idx, until, err = indexKey(b, key[len(prefix):])
					return err
				})
				if err != nil {
					return err
				}
				if until.Before(now) {
					out = append(out, expired{key, idx})
				}
			}
			return nil
		})
		return out, err
	}
	oldLinks, err := find(pPortalLink, func(b []byte, id string) (string, time.Time, error) {
		var l app.PortalLink
		err := json.Unmarshal(b, &l)
		return portalLinkOfKey(l.ContactID, id), l.ExpiresAt, err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store: find expired portal links: %w", err)
	}
	oldSessions, err := find(pPortalSess, func(b []byte, id string) (string, time.Time, error) {
		var ps app.PortalSession
		err := json.Unmarshal(b, &ps)
		return portalSessOfKey(ps.ContactID, id), ps.ExpiresAt, err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store: find expired portal sessions: %w", err)
	}
	all := append(oldLinks, oldSessions...)
	for start := 0; start < len(all); start += 1000 {
		part := all[start:min(start+1000, len(all))]
		if err := s.update(func(txn *badger.Txn) error {
			for _, e := range part {
				if err := txn.Delete([]byte(e.key)); err != nil {
					return err
				}
				if err := txn.Delete([]byte(e.index)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return 0, 0, fmt.Errorf("store: delete expired portal links and sessions: %w", err)
		}
	}
	return len(oldLinks), len(oldSessions), nil
}
