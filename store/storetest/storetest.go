// Package storetest gives tests real in-memory engines: a Badger store, a Bleve index, and the
// app services wired to them, each closed when the test ends.
package storetest

import (
	"testing"
	"time"

	"agentbook/app"
	"agentbook/search"
	"agentbook/store"

	"golang.org/x/crypto/bcrypt"
)

// Open returns an in-memory store that is closed when the test ends.
func Open(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(store.Options{InMemory: true, Terms: search.Terms})
	if err != nil {
		t.Fatalf("open in-memory store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}

// OpenIndex returns an in-memory search index that is closed when the test ends.
func OpenIndex(t testing.TB) *search.Index {
	t.Helper()
	ix, _, err := search.Open("")
	if err != nil {
		t.Fatalf("open in-memory index: %v", err)
	}
	t.Cleanup(func() {
		if err := ix.Close(); err != nil {
			t.Errorf("close index: %v", err)
		}
	})
	return ix
}

// Services wires an in-memory store and index to a started Indexer and returns the contact and
// account services with them. Bcrypt runs at its minimum cost so that logins stay fast.
// Everything is stopped and closed when the test ends, the indexer first.
func Services(t testing.TB) (*app.ContactService, *app.Accounts, *store.Store, *search.Index) {
	t.Helper()
	st := Open(t)
	ix := OpenIndex(t)
	indexer := app.NewIndexer(st, ix, nil)
	indexer.Start()
	t.Cleanup(indexer.Close) // cleanups run last-in first-out: before the index and store close
	contacts := &app.ContactService{Store: st, Index: ix, Indexer: indexer, Now: time.Now}
	accounts := &app.Accounts{
		Store:      st,
		Now:        time.Now,
		BcryptCost: bcrypt.MinCost,
		IdleTTL:    12 * time.Hour,
		Limiter:    app.NewLoginLimiter(15*time.Minute, 20, 5),
	}
	return contacts, accounts, st, ix
}
