package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// CollectGarbage rewrites value-log files that are mostly stale (Badger's value-log GC) until
// none is left worth it, and returns how many it rewrote.
func (s *Store) CollectGarbage() (int, error) {
	n := 0
	for n < 100 {
		err := s.db.RunValueLogGC(0.5)
		switch {
		case errors.Is(err, badger.ErrNoRewrite), errors.Is(err, badger.ErrRejected):
			return n, nil
		case err != nil:
			return n, fmt.Errorf("store: value-log GC: %w", err)
		}
		n++
	}
	return n, nil
}
