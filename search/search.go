// Package search is agentbook's Bleve index of contacts. It stores terms, not records: a search
// returns contact IDs, and the records come from the store.
package search

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"agentbook/app"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// Version identifies the mapping and the document layout. An index on disk with another version
// is deleted and rebuilt from the store, and the store's name-order values are written again
// (contacts-17: they keep each contact's sort values; contacts-18: no sort fields; contacts-19:
// two fields, tags and search, instead of seven).
const Version = "contacts-19"

const versionFile = "agentbook-index-version"

// Index is the Bleve implementation of app.Index.
type Index struct {
	idx   bleve.Index
	stats *scorch.Stats // nil in memory
	gate  *mergeGate    // nil in memory
}

// config makes a batch return once it is searchable, without waiting for it to reach the disk:
// the store is the truth, and the indexer clears a record's index mark only after WaitDurable.
var config = map[string]any{"unsafe_batch": true, "eventCallbackName": eventCallback, "scorchPersisterOptions": map[string]any{"PersisterNapTimeMSec": 200, "PersisterNapUnderNumFiles": 1000}}

// newIndex wraps idx; an index on disk (onDisk) has stats to wait for and merges to pause.
func newIndex(idx bleve.Index, onDisk bool) *Index {
	ix := &Index{idx: idx}
	if adv, err := idx.Advanced(); err == nil && onDisk {
		if sc, ok := adv.(*scorch.Scorch); ok {
			ix.stats, _ = sc.Stats().(*scorch.Stats)
			ix.gate = &mergeGate{wake: make(chan struct{})}
			gates.Store(sc, ix.gate)
		}
	}
	return ix
}

// WaitDurable implements app.Index: it returns once everything indexed before the call is on disk.
func (ix *Index) WaitDurable(ctx context.Context) error {
	if ix.stats == nil {
		return nil
	}
	want := atomic.LoadUint64(&ix.stats.CurRootEpoch)
	for atomic.LoadUint64(&ix.stats.LastPersistedEpoch) < want {
		select {
		case <-ctx.Done():
			return fmt.Errorf("search: wait for the index to reach the disk: %w", ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil
}

// WaitMerged implements app.Index.
func (ix *Index) WaitMerged(ctx context.Context) error {
	if ix.stats == nil {
		return nil
	}
	for quiet := 0; quiet < 5; {
		s := ix.stats
		settled := atomic.LoadUint64(&s.LastPersistedEpoch) >= atomic.LoadUint64(&s.CurRootEpoch) &&
			atomic.LoadUint64(&s.TotFileMergePlanTasks) == atomic.LoadUint64(&s.TotFileMergePlanTasksDone)+atomic.LoadUint64(&s.TotFileMergePlanTasksErr)
		if settled {
			quiet++
		} else {
			quiet = 0
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("search: wait for the index's merges: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// Segments returns how many segments the index has (0 in memory).
func (ix *Index) Segments() int {
	if ix.stats == nil {
		return 0
	}
	return int(atomic.LoadUint64(&ix.stats.TotFileSegmentsAtRoot) + atomic.LoadUint64(&ix.stats.TotMemorySegmentsAtRoot))
}

var _ app.Index = (*Index)(nil)

// Open opens the index in dir, creating it when it is missing or was built with another Version.
// fresh reports that the index is new and empty, so the caller must fill it from the store.
// dir "" opens an in-memory index (tests).
func Open(dir string) (ix *Index, fresh bool, err error) {
	if dir == "" {
		idx, err := bleve.NewMemOnly(newMapping())
		if err != nil {
			return nil, false, fmt.Errorf("search: new in-memory index: %w", err)
		}
		return newIndex(idx, false), true, nil
	}
	if v, err := os.ReadFile(filepath.Join(dir, versionFile)); err == nil && strings.TrimSpace(string(v)) == Version {
		idx, err := bleve.OpenUsing(dir, config)
		if err == nil {
			return newIndex(idx, true), false, nil
		}
		// A damaged index is rebuilt: the store is the truth.
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, false, fmt.Errorf("search: remove old index: %w", err)
	}
	idx, err := bleve.NewUsing(dir, newMapping(), scorch.Name, scorch.Name, config)
	if err != nil {
		return nil, false, fmt.Errorf("search: create index %s: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, versionFile), []byte(Version+"\n"), 0o644); err != nil {
		idx.Close()
		return nil, false, fmt.Errorf("search: write version: %w", err)
	}
	return newIndex(idx, true), true, nil
}

// Close closes the index.
func (ix *Index) Close() error {
	if ix.gate != nil {
		ix.gate.open(func() { ix.gate.closed = true })
		defer gates.Range(func(k, v any) bool {
			if v == ix.gate {
				gates.Delete(k)
			}
			return true
		})
	}
	return ix.idx.Close()
}

// The index has two fields. fTags holds a contact's owner, status, email status and groups, each
// a term starting with its letter (tagOwner…). fSearch holds what an agent's typing matches:
// each term is the kind's letter, the contact's scope (scopeOf) and the term, for the kinds
// fTerms (folded words of names, company, cities, email local parts; email domains), fEmail
// (full lower-cased addresses) and fPhone (phone digits and their usual tails; see PhoneTerms).
// Two fields rather than seven: bleve builds and merges a dictionary, and counts terms, per field
// per document, which was about a fifth of indexing in bulk.
const (
	fTags   = "tags"
	fSearch = "search"

	fTerms = "terms"
	fEmail = "email"
	fPhone = "phone"

	tagOwner       = "o"
	tagStatus      = "s"
	tagGroup       = "g"
	tagEmailStatus = "e" // Contact.EmailStatus: valid, invalid, unknown or none
)

// newMapping is lean on purpose: keyword fields only (terms are folded and split here, in Go, so
// queries and documents agree exactly), no _all field, no stored fields, no term vectors, no doc
// values. The index finds and counts; it does not sort: the store keeps every list order (see
// ContactService.List), and sort fields with doc values were a quarter of an import's CPU.
func newMapping() mapping.IndexMapping {
	doc := bleve.NewDocumentStaticMapping()
	for _, name := range []string{fTags, fSearch} {
		f := bleve.NewKeywordFieldMapping()
		f.Store = false
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = false
		f.SkipFreqNorm = true
		doc.AddFieldMappingsAt(name, f)
	}
	doc.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	m := bleve.NewIndexMapping()
	m.DefaultMapping = doc
	m.DefaultAnalyzer = keyword.Name
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m
}

// document builds a contact's index document directly, without the mapping's reflection walk
// (a fifth of the cost of indexing in bulk); the fields and options are the ones newMapping
// declares. Search terms are scoped by owner and status ("<owner>/<status>/jose"), so a typed
// prefix only ever expands to, and walks the postings of, the agent's own contacts of that
// status: no conjunction with the owner and status terms (each as long as the agent's whole
// list) is needed.
func (ix *Index) document(c *app.Contact) *document.Document {
	doc := document.NewDocument(c.ID)
	var tags termsField
	size := 3 + len(c.OwnerID) + len(c.Status) + len(c.EmailStatus())
	for _, g := range c.GroupIDs {
		size += 1 + len(g)
	}
	tags.grow(3+len(c.GroupIDs), size)
	tag := func(kind, v string) {
		tags.add(kind, "", v)
	}
	tag(tagOwner, c.OwnerID)
	tag(tagStatus, string(c.Status))
	tag(tagEmailStatus, c.EmailStatus())
	for _, g := range c.GroupIDs {
		tag(tagGroup, g)
	}
	tags.name = fTags
	doc.AddField(&tags)
	var search termsField
	terms, emails, phones := searchTerms(c)
	scope := scopeOf(c.OwnerID, c.Status)
	n, size := 0, 0
	for _, ts := range [][]string{terms, emails, phones} {
		for _, t := range ts {
			n, size = n+1, size+1+len(scope)+len(t)
		}
	}
	search.grow(n, size)
	for i, ts := range [][]string{terms, emails, phones} {
		kind := []string{fTerms, fEmail, fPhone}[i][:1]
		for _, t := range ts {
			search.add(kind, scope, t)
		}
	}
	if len(search.ends) > 0 {
		search.name = fSearch
		doc.AddField(&search)
	}
	return doc
}

// termsField is a keyword field given its terms one by one: to the index it is what the keyword
// analyzer makes of each term, as a document.TextField with a value per term would be, but its
// terms are kept in one buffer and their frequencies made in one pass, without a token stream
// or a string and a TokenFreq allocated per term. bleve's analysis of a contact's fields was a
// sixth of a bulk import's garbage, and the collector runs in proportion to it under the bulk
// memory limit.
type termsField struct {
	name  string
	buf   []byte // the terms one after the other
	ends  []int  // where each term ends in buf
	freqs index.TokenFrequencies
}

// grow makes room for n more terms of size bytes in all.
func (f *termsField) grow(n, size int) {
	f.buf = slices.Grow(f.buf, size)
	f.ends = slices.Grow(f.ends, n)
}

// add appends the term made of its parts.
func (f *termsField) add(parts ...string) {
	for _, p := range parts {
		f.buf = append(f.buf, p...)
	}
	f.ends = append(f.ends, len(f.buf))
}

const termsOptions = index.IndexField | index.SkipFreqNorm

func (f *termsField) Name() string                        { return f.name }
func (f *termsField) ArrayPositions() []uint64            { return nil }
func (f *termsField) Options() index.FieldIndexingOptions { return termsOptions }
func (f *termsField) Value() []byte                       { return f.buf }
func (f *termsField) NumPlainTextBytes() uint64           { return uint64(len(f.buf)) }
func (f *termsField) EncodedFieldType() byte              { return 't' }
func (f *termsField) AnalyzedLength() int                 { return len(f.ends) }
func (f *termsField) AnalyzedTokenFrequencies() index.TokenFrequencies {
	return f.freqs
}

func (f *termsField) Size() int {
	return 64 + len(f.name) + len(f.buf) + 8*len(f.ends) + 80*len(f.freqs)
}

// Analyze makes the field's term frequencies: the map's keys are slices of one string, the
// Terms slices of the buffer, and the TokenFreqs one allocation. With SkipFreqNorm bleve counts
// no frequencies (they stay 0), and neither does this.
func (f *termsField) Analyze() {
	keys := string(f.buf)
	f.freqs = make(index.TokenFrequencies, len(f.ends))
	slab := make([]index.TokenFreq, len(f.ends))
	start := 0
	for i, end := range f.ends {
		if k := keys[start:end]; end > start && f.freqs[k] == nil {
			slab[i].Term = f.buf[start:end:end]
			f.freqs[k] = &slab[i]
		}
		start = end
	}
}

// scopeOf is the prefix of an agent's search terms for a status. It is short because every term
// carries it: the last 12 characters of the owner's ULID (its random part: 60 bits, so two agents
// of an office never share one) and the status's first letter. Records are always checked for
// their owner as well, so a scope could at worst miscount, never show another agent's contact.
func scopeOf(owner string, status app.ContactStatus) string {
	if len(owner) > 12 {
		owner = owner[len(owner)-12:]
	}
	st := "a"
	if status == app.StatusInactive {
		st = "i"
	}
	return owner + st + "/"
}

// searchTerms returns a contact's words (names, company, cities, email local parts, domains),
// its lower-cased addresses and its phone terms.
func searchTerms(c *app.Contact) (terms, emails, phoneTerms []string) {
	// A contact has a few dozen terms at most: a slice searched in full is cheaper than a set.
	terms = make([]string, 0, 16)
	addTerm := func(w string) {
		if !slices.Contains(terms, w) {
			terms = append(terms, w)
		}
	}
	for _, s := range []string{c.FirstName, c.MiddleName, c.LastName, c.Company} {
		for _, w := range wordsOf(s) {
			addTerm(w)
		}
	}
	for _, a := range c.Addresses {
		for _, w := range wordsOf(a.City) {
			addTerm(w)
		}
	}
	for _, e := range c.Emails {
		addr := strings.ToLower(e.Address)
		emails = append(emails, addr)
		if at := strings.LastIndexByte(addr, '@'); at >= 0 {
			// Name-like words of the local part ("jane.doe84" → "jane", "doe"); digits are left
			// out so that a one-letter prefix expands to a few hundred words, not one per contact.
			for _, w := range wordsOf(addr[:at]) {
				if w = strings.TrimRightFunc(w, unicode.IsDigit); len(w) > 1 && !strings.ContainsFunc(w, unicode.IsDigit) {
					addTerm(w)
				}
			}
			addTerm(addr[at+1:])
		}
	}
	for _, p := range c.Phones {
		for _, t := range PhoneTerms(p.Number) {
			if !slices.Contains(phoneTerms, t) {
				phoneTerms = append(phoneTerms, t)
			}
		}
	}
	return terms, emails, phoneTerms
}

// wordsOf folds s and splits it into letters-and-digits words.
func wordsOf(s string) []string {
	return strings.FieldsFunc(app.Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// PhoneTerms returns the digit strings a phone number is found by, with a prefix query on any of
// them: all its digits, the national number (without a leading country code 1), the local
// number (last 7) and the line number (last 4). So "+1 (415) 555-0100" is found by "415555",
// "555-0100", "(415) 555-01", "0100" and "14155550100", whatever their punctuation.
func PhoneTerms(number string) []string {
	d := app.Digits(number)
	if len(d) < 3 {
		return nil
	}
	out := []string{d}
	if len(d) == 11 && d[0] == '1' {
		out = append(out, d[1:])
	}
	for _, n := range []int{7, 4} {
		if len(d) > n {
			out = append(out, d[len(d)-n:])
		}
	}
	return out
}

// Index implements app.Index.
func (ix *Index) Index(_ context.Context, cs []*app.Contact) error {
	if len(cs) == 0 {
		return nil
	}
	b := ix.idx.NewBatch()
	for _, c := range cs {
		if err := b.IndexAdvanced(ix.document(c)); err != nil {
			return fmt.Errorf("search: index %s: %w", c.ID, err)
		}
	}
	if err := ix.idx.Batch(b); err != nil {
		return fmt.Errorf("search: batch: %w", err)
	}
	return nil
}

// Delete implements app.Index.
func (ix *Index) Delete(_ context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	b := ix.idx.NewBatch()
	for _, id := range ids {
		b.Delete(id)
	}
	if err := ix.idx.Batch(b); err != nil {
		return fmt.Errorf("search: delete batch: %w", err)
	}
	return nil
}

// Count implements app.Index.
func (ix *Index) Count() (uint64, error) { return ix.idx.DocCount() }

func (ix *Index) conjuncts(q app.ContactQuery) []query.Query {
	var conj []query.Query
	if q.GroupID != "" {
		conj = append(conj, term(fTags, tagGroup+q.GroupID))
	}
	if q.EmailStatus != "" {
		conj = append(conj, term(fTags, tagEmailStatus+q.EmailStatus))
	}
	scopes := []string{scopeOf(q.OwnerID, app.StatusActive), scopeOf(q.OwnerID, app.StatusInactive)}
	switch q.Status {
	case app.StatusActive:
		scopes = scopes[:1]
	case app.StatusInactive:
		scopes = scopes[1:]
	}
	if text := TextQuery(q.Text, scopes); len(text) > 0 {
		return append(conj, text...) // the scoped terms select the owner and status
	}
	conj = append(conj, term(fTags, tagOwner+q.OwnerID))
	if q.Status != "" && q.Status != app.StatusAll {
		conj = append(conj, term(fTags, tagStatus+string(q.Status)))
	}
	return conj
}

func term(field, v string) query.Query {
	t := bleve.NewTermQuery(v)
	t.SetField(field)
	return t
}

func prefix(field, v string) query.Query {
	p := bleve.NewPrefixQuery(v)
	p.SetField(field)
	return p
}

// alt is one way a typed word can match: every prefix must start some term of the field.
type alt struct {
	field    string
	prefixes []string
}

// clause is one typed word: it matches when any of its alts does.
type clause []alt

// parse turns what an agent typed into one clause per word, all of which must match:
// a word with "@" matches an address by prefix (or a domain after a leading "@"); a phone-like
// word (digits and + - ( ) . only, 3+ digits) matches the start of a phone number, of its
// national, local or line number (PhoneTerms); any other word matches the prefix of a name,
// company, city or email word, or of a whole domain. TextQuery (for the index) and Matcher (for
// the store's terms) both read these clauses, so they cannot disagree.
func parse(text string) []clause {
	text = strings.TrimSpace(app.Fold(text))
	if text == "" {
		return nil
	}
	if isPhoneLike(text) {
		return []clause{{{fPhone, []string{app.Digits(text)}}}}
	}
	var out []clause
	for _, tok := range strings.Fields(text) {
		switch {
		case strings.Contains(tok, "@"):
			c := clause{{fEmail, []string{tok}}}
			if d := strings.TrimLeft(tok, "@"); d != "" && !strings.Contains(d, "@") {
				c = append(c, alt{fTerms, []string{d}})
			}
			out = append(out, c)
		case isPhoneLike(tok):
			out = append(out, clause{{fPhone, []string{app.Digits(tok)}}})
		default:
			ws := wordsOf(tok)
			if len(ws) == 0 {
				continue
			}
			if len(ws) == 1 && ws[0] == tok {
				out = append(out, clause{{fTerms, []string{tok}}})
				continue
			}
			out = append(out, clause{{fTerms, []string{tok}}, {fTerms, ws}})
		}
	}
	return out
}

// TextQuery turns what an agent typed into index queries, one per word, all of which must match,
// among the contacts in the given scopes (scopeOf).
func TextQuery(text string, scopes []string) []query.Query {
	var out []query.Query
	for _, c := range parse(text) {
		alts := make([]query.Query, len(c))
		for i, a := range c {
			ps := make([]query.Query, len(a.prefixes))
			for j, p := range a.prefixes {
				in := make([]query.Query, len(scopes))
				for k, scope := range scopes {
					in[k] = prefix(fSearch, a.field[:1]+scope+p)
				}
				ps[j] = or(in...)
			}
			if len(ps) == 1 {
				alts[i] = ps[0]
			} else {
				alts[i] = bleve.NewConjunctionQuery(ps...)
			}
		}
		out = append(out, or(alts...))
	}
	return out
}

// Terms encodes the searchable terms of a contact for the store to keep beside its name order:
// each term is a field letter (t, e, p) and the term, separated by 0x1f.
func Terms(c *app.Contact) []byte {
	terms, emails, phones := searchTerms(c)
	size := 0
	for _, ts := range [][]string{terms, emails, phones} {
		for _, t := range ts {
			size += 2 + len(t)
		}
	}
	b := make([]byte, 0, size)
	for i, ts := range [][]string{terms, emails, phones} {
		f := []string{fTerms, fEmail, fPhone}[i]
		for _, t := range ts {
			if len(b) > 0 {
				b = append(b, 0x1f)
			}
			b = append(b, f[0])
			b = append(b, t...)
		}
	}
	return b
}

// Matcher returns a test of Terms that agrees exactly with TextQuery: the contacts it accepts are
// the contacts the index finds for text.
func (ix *Index) Matcher(text string) func(terms []byte) bool {
	return Matcher(text)
}

// Matcher is Index.Matcher without an index.
func Matcher(text string) func(terms []byte) bool {
	cs := parse(text)
	return func(terms []byte) bool {
		for _, c := range cs {
			if !c.matches(terms) {
				return false
			}
		}
		return true
	}
}

func (c clause) matches(terms []byte) bool {
	for _, a := range c {
		if a.matches(terms) {
			return true
		}
	}
	return false
}

func (a alt) matches(terms []byte) bool {
	for _, p := range a.prefixes {
		if !hasTermPrefix(terms, a.field[0], p) {
			return false
		}
	}
	return true
}

// hasTermPrefix reports whether some term of the field starts with p.
func hasTermPrefix(terms []byte, field byte, p string) bool {
	for len(terms) > 0 {
		i := bytes.IndexByte(terms, 0x1f)
		t := terms
		if i >= 0 {
			t, terms = terms[:i], terms[i+1:]
		} else {
			terms = nil
		}
		if len(t) > 0 && t[0] == field && len(t)-1 >= len(p) && string(t[1:1+len(p)]) == p {
			return true
		}
	}
	return false
}

// MatchIDs implements app.Index: the hits are neither scored nor sorted, so no sort values are
// read; only their IDs. It walks the query's searcher itself: bleve's collector would set aside a
// match for every hit it may keep (hundreds of kilobytes for a few thousand), on every request.
func (ix *Index) MatchIDs(ctx context.Context, q app.ContactQuery, max int) (ids []string, err error) {
	if q.OwnerID == "" {
		return nil, errors.New("search: owner is required")
	}
	adv, err := ix.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("search: match ids: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("search: match ids: %w", err)
	}
	defer func() {
		if cerr := r.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("search: match ids: %w", cerr)
		}
	}()
	sr, err := and(ix.conjuncts(q)).Searcher(ctx, r, ix.idx.Mapping(), bsearch.SearcherOptions{Score: "none"})
	if err != nil {
		return nil, fmt.Errorf("search: match ids: %w", err)
	}
	defer sr.Close()
	sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(sr.DocumentMatchPoolSize(), 0), IndexReader: r}
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		dm, err := sr.Next(sctx)
		if err != nil {
			return nil, fmt.Errorf("search: match ids: %w", err)
		}
		if dm == nil {
			return ids, nil
		}
		if len(ids) == max {
			return nil, app.Errorf(app.EINVALID, "More than %d contacts match.", max)
		}
		id, err := r.ExternalID(dm.IndexInternalID)
		if err != nil {
			return nil, fmt.Errorf("search: match ids: %w", err)
		}
		ids = append(ids, id)
		sctx.DocumentMatchPool.Put(dm)
	}
}

// CountMatches returns how many contacts match q, without sorting or loading any of them.
func (ix *Index) CountMatches(ctx context.Context, q app.ContactQuery) (int, error) {
	if q.OwnerID == "" {
		return 0, errors.New("search: owner is required")
	}
	req := bleve.NewSearchRequestOptions(and(ix.conjuncts(q)), 0, 0, false)
	req.Score = "none"
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return 0, fmt.Errorf("search: count: %w", err)
	}
	return int(res.Total), nil
}

// and joins queries that must all match; a single one is used as it is (a conjunction of one
// still pays a conjunction's cost on every hit).
func and(qs []query.Query) query.Query {
	if len(qs) == 1 {
		return qs[0]
	}
	return bleve.NewConjunctionQuery(qs...)
}

func or(qs ...query.Query) query.Query {
	if len(qs) == 1 {
		return qs[0]
	}
	return bleve.NewDisjunctionQuery(qs...)
}

func isPhoneLike(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-(). ", r):
		default:
			return false
		}
	}
	return digits >= 3
}
