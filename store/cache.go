package store

import (
	"slices"
	"sync"

	"agentbook/app"
)

// recordCache keeps decoded contacts for list pages: a page reads 50 records, and a Badger point
// read through the LSM levels costs 10–20 µs each under load. Every contact write removes its
// record after committing and bumps the generation, under the same lock that a reader takes to
// add a record; a reader adds what it read only if no write happened since it started, so a
// stale record never gets in. Callers get copies.
type recordCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]*app.Contact
	max int
}

func newRecordCache(max int) *recordCache {
	return &recordCache{m: make(map[string]*app.Contact), max: max}
}

func (rc *recordCache) generation() uint64 {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.gen
}

func (rc *recordCache) get(id string) (*app.Contact, bool) {
	rc.mu.Lock()
	c, ok := rc.m[id]
	rc.mu.Unlock()
	if !ok {
		return nil, false
	}
	return cloneContact(c), true
}

// peek returns the cached record itself, not a copy: the caller must not change it. Cached
// records are never changed in place (a write removes them), so reading one is safe.
func (rc *recordCache) peek(id string) (*app.Contact, bool) {
	rc.mu.Lock()
	c, ok := rc.m[id]
	rc.mu.Unlock()
	return c, ok
}

// put adds a record read when the generation was gen.
func (rc *recordCache) put(c *app.Contact, gen uint64) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.gen != gen {
		return
	}
	if len(rc.m) >= rc.max {
		n := 0
		for id := range rc.m { // map order is random: a cheap random eviction of a tenth
			delete(rc.m, id)
			if n++; n >= rc.max/10 {
				break
			}
		}
	}
	rc.m[c.ID] = cloneContact(c)
}

func (rc *recordCache) invalidate(ids []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.gen++
	for _, id := range ids {
		delete(rc.m, id)
	}
}

func cloneContact(c *app.Contact) *app.Contact {
	n := *c
	n.Emails = slices.Clone(c.Emails)
	n.Phones = slices.Clone(c.Phones)
	n.Addresses = slices.Clone(c.Addresses)
	n.GroupIDs = slices.Clone(c.GroupIDs)
	return &n
}
