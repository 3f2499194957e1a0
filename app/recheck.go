package app

import (
	"context"
	"sort"
	"sync"
	"time"
)

// recheckMemory remembers when an address was last re-checked, so that one that stays
// undecided does not take every run's places.
type recheckMemory struct {
	mu    sync.Mutex
	tried map[string]time.Time
}

// RecheckUnknown checks again the addresses whose last check could not decide (a DNS timeout
// or failure leaves them unknown, with the time of the check), at most limit per run, the
// longest-waiting first, and records each verdict. An address is re-checked at most hourly. It
// returns how many it checked and how many turned out invalid.
func (s *ContactService) RecheckUnknown(ctx context.Context, limit int) (checked, invalid int, err error) {
	if s.Verifier == nil {
		return 0, 0, nil
	}
	now := s.Now().UTC()
	type pending struct {
		owner, address string
		at             time.Time
	}
	s.recheck.mu.Lock()
	if s.recheck.tried == nil {
		s.recheck.tried = map[string]time.Time{}
	}
	for k, t := range s.recheck.tried {
		if now.Sub(t) > time.Hour {
			delete(s.recheck.tried, k)
		}
	}
	tried := make(map[string]bool, len(s.recheck.tried))
	for k := range s.recheck.tried {
		tried[k] = true
	}
	s.recheck.mu.Unlock()
	var due []pending
	seen := map[string]bool{}
	err = s.Store.EachContact(ctx, func(c *Contact) error {
		for _, e := range c.Emails {
			key := c.OwnerID + "|" + EmailKey(e.Address)
			if e.Status != EmailUnknown || e.CheckedAt.IsZero() || now.Sub(e.CheckedAt) < time.Hour || seen[key] || tried[key] {
				continue
			}
			seen[key] = true
			due = append(due, pending{c.OwnerID, e.Address, e.CheckedAt})
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	sort.Slice(due, func(i, j int) bool { return due[i].at.Before(due[j].at) })
	if len(due) > limit {
		due = due[:limit]
	}
	for _, p := range due {
		if ctx.Err() != nil {
			break
		}
		v := s.Verifier.Verify(ctx, p.address)
		s.recheck.mu.Lock()
		s.recheck.tried[p.owner+"|"+EmailKey(p.address)] = now
		s.recheck.mu.Unlock()
		checked++
		if v.Status == EmailUnknown {
			continue
		}
		if v.Status == EmailInvalid {
			invalid++
		}
		if _, err := s.SetEmailVerdict(ctx, p.owner, p.address, v); err != nil {
			return checked, invalid, err
		}
	}
	return checked, invalid, nil
}
