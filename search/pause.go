package search

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
)

// Merges of an index's segment files can be paused while a bulk write (an import, seeding) runs:
// merging the many small segments of a bulk write as they arrive was about a quarter of the
// write's CPU, and each contact was merged two or three times on its way to a large segment.
// Paused, each batch's segment goes to the disk as it is (scorch's persister does not nap while
// an event callback is blocking), and the merger merges the files once the write is over, each
// contact fewer times. Segments are searchable as soon as they are introduced, paused or not.
//
// scorch asks an event callback before each merge (EventKindPreMergeCheck); this one blocks
// while the index's merges are paused.

const eventCallback = "agentbook"

// maxPausedFiles is how many segment files a pause lets pile up before merges go on regardless
// (scorch's persister waits for the merger at 1,000 files; see PersisterNapUnderNumFiles).
const maxPausedFiles = 400

// mergeGate holds an index's merges while paused > 0.
type mergeGate struct {
	mu     sync.Mutex
	paused int
	closed bool
	wake   chan struct{} // closed and replaced when the gate opens
}

var gates sync.Map // *scorch.Scorch → *mergeGate

func init() {
	scorch.RegistryEventCallbacks[eventCallback] = func(e scorch.Event) bool {
		if e.Kind != scorch.EventKindPreMergeCheck {
			return true
		}
		if g, ok := gates.Load(e.Scorch); ok {
			g.(*mergeGate).wait(e.Scorch)
		}
		return true
	}
}

// wait returns once the gate is open, the index is closing or too many files wait.
func (g *mergeGate) wait(s *scorch.Scorch) {
	for {
		g.mu.Lock()
		open, wake := g.paused == 0 || g.closed, g.wake
		g.mu.Unlock()
		if open {
			return
		}
		if st, ok := s.Stats().(*scorch.Stats); ok && atomic.LoadUint64(&st.TotFileSegmentsAtRoot) >= maxPausedFiles {
			return
		}
		select {
		case <-wake:
		case <-time.After(time.Second):
		}
	}
}

// PauseMerges implements app.Index: merges of segment files wait until every pause is resumed.
func (ix *Index) PauseMerges() (resume func()) {
	g := ix.gate
	if g == nil {
		return func() {}
	}
	g.mu.Lock()
	g.paused++
	g.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { g.open(func() { g.paused-- }) }) }
}

// open changes the gate's state and wakes a waiting merge check.
func (g *mergeGate) open(change func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	change()
	close(g.wake)
	g.wake = make(chan struct{})
}
