package app

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// ContactService holds the rules for an agent's contacts: validation, versions, ownership, and
// which of the store or the index answers a list.
type ContactService struct {
	Store   Store
	Index   Index
	Indexer *Indexer
	Now     func() time.Time
	// Outbox queues the agents' email to contacts; Verifier checks an address an agent fixes.
	Outbox   *Outbox
	Verifier AddressVerifier
	counts   countCache
	undo     undoBuffer
	recheck  recheckMemory
	// SmallMatch is the most matches of a filter put in a column's order from their own sort
	// values rather than by walking the column's stored order (0: 2500).
	SmallMatch int
	// AfterDelete, when set, is called once a contact is deleted (its portal account goes too).
	AfterDelete func(ctx context.Context, contactID string) error
	// BulkMemory, when set, is called as a bulk write (import, seed) starts; main uses the hold
	// it returns to keep the collector to a memory limit until the write's background work ends.
	BulkMemory func() MemoryHold
	// WalkBudget is how many entries a type-ahead walk of the name order may expect to read
	// before ordering the index's matches is cheaper (0: 3000, measured at 100,000 contacts).
	WalkBudget int
	// MaxWalk is how many entries a walk of a stored order reads before it gives up and the
	// matches are put in order instead (0: 200,000).
	MaxWalk int
}

// NewID returns a new sortable record ID.
func NewID() string { return ulid.Make().String() }

// ContactList is one page of contacts.
type ContactList struct {
	Items []*Contact
	Total int
	Next  *Cursor // nil on the last page
}

// MaxPageSize bounds the rows one list request returns.
const MaxPageSize = 200

// Create validates and stores a new contact for ownerID and indexes it.
func (s *ContactService) Create(ctx context.Context, ownerID string, c *Contact) (*Contact, error) {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkGroups(ctx, ownerID, c.GroupIDs); err != nil {
		return nil, err
	}
	keepVerification(c, nil)
	now := s.Now().UTC()
	c.ID, c.OwnerID, c.CreatedAt, c.UpdatedAt, c.Version = NewID(), ownerID, now, now, 1
	if err := s.Store.CreateContacts(ctx, []*Contact{c}); err != nil {
		return nil, err
	}
	if err := s.Indexer.Sync(ctx, c.ID); err != nil {
		return nil, err
	}
	return c, nil
}

// Update replaces an agent's contact with c. c.Version must be the version the change was based
// on; if the contact changed since, Update returns ECONFLICT and changes nothing.
func (s *ContactService) Update(ctx context.Context, ownerID string, c *Contact) (*Contact, error) {
	cur, err := s.Store.Contact(ctx, ownerID, c.ID)
	if err != nil {
		return nil, err
	}
	if c.Version != cur.Version {
		return nil, staleError(cur)
	}
	c.Normalize()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkGroups(ctx, ownerID, c.GroupIDs); err != nil {
		return nil, err
	}
	keepVerification(c, cur)
	return s.save(ctx, cur, c)
}

// save stores c as the next version of cur and indexes it.
func (s *ContactService) save(ctx context.Context, cur, c *Contact) (*Contact, error) {
	c.OwnerID, c.CreatedAt = cur.OwnerID, cur.CreatedAt
	c.UpdatedAt = s.Now().UTC()
	if !c.UpdatedAt.After(cur.UpdatedAt) {
		c.UpdatedAt = cur.UpdatedAt.Add(time.Microsecond)
	}
	c.Version = cur.Version + 1
	if err := s.Store.UpdateContact(ctx, c); err != nil {
		return nil, err
	}
	if err := s.Indexer.Sync(ctx, c.ID); err != nil {
		return nil, err
	}
	return c, nil
}

// keepVerification sets the verification state of c's addresses from the stored contact cur:
// an address cur has keeps its state, a new one is unknown. Input never sets it; only checks
// and bounces do (SetEmailVerdict).
func keepVerification(c, cur *Contact) {
	old := map[string]Email{}
	if cur != nil {
		for _, e := range cur.Emails {
			old[EmailKey(e.Address)] = e
		}
	}
	for i, e := range c.Emails {
		o, ok := old[EmailKey(e.Address)]
		if !ok {
			o = Email{Status: EmailUnknown}
		}
		c.Emails[i].Status, c.Emails[i].Reason, c.Emails[i].CheckedAt = o.Status, o.Reason, o.CheckedAt
	}
}

// SetStatus deactivates or reactivates an agent's contact. Deactivating keeps every field; the
// contact leaves the default (active) list and, as later features arrive, gets no notifications
// and no portal login.
func (s *ContactService) SetStatus(ctx context.Context, ownerID, id string, status ContactStatus) (*Contact, error) {
	if status != StatusActive && status != StatusInactive {
		return nil, &Error{Code: EINVALID, Message: "Status is active or inactive.", Fields: map[string]string{"status": "active or inactive"}}
	}
	cur, err := s.Store.Contact(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	if cur.Status == status {
		return cur, nil
	}
	next := *cur
	next.Status = status
	return s.Update(ctx, ownerID, &next)
}

func staleError(cur *Contact) error {
	return Errorf(ECONFLICT, "This contact was changed since you opened it (now version %d, saved %s). Reload it and make your change again.",
		cur.Version, cur.UpdatedAt.Format("Jan 2 15:04:05"))
}

// Delete removes an agent's contact.
func (s *ContactService) Delete(ctx context.Context, ownerID, id string) error {
	if err := s.Store.DeleteContact(ctx, ownerID, id); err != nil {
		return err
	}
	if s.AfterDelete != nil {
		if err := s.AfterDelete(ctx, id); err != nil {
			return err
		}
	}
	return s.Indexer.Sync(ctx, id)
}

// UndoWindow is how long a removal can be undone.
const UndoWindow = 30 * time.Second

// Remove deletes an agent's contacts and returns a token that undoes the removal for UndoWindow.
// Each contact is removed whole: record, secondary keys, index document.
func (s *ContactService) Remove(ctx context.Context, ownerID string, ids ...string) (string, []*Contact, error) {
	// All or nothing: every contact is checked before any is removed, and a failure part way
	// puts back what was already removed.
	var removed []*Contact
	for _, id := range ids {
		c, err := s.Store.Contact(ctx, ownerID, id)
		if err != nil {
			return "", nil, err
		}
		removed = append(removed, c)
	}
	for i, c := range removed {
		if err := s.Delete(ctx, ownerID, c.ID); err != nil {
			if rerr := s.restore(ctx, ownerID, removed[:i]); rerr != nil {
				return s.undo.put(ownerID, removed[:i], s.Now().Add(UndoWindow)), nil, err
			}
			return "", nil, err
		}
	}
	return s.undo.put(ownerID, removed, s.Now().Add(UndoWindow)), removed, nil
}

// Undo restores exactly what a Remove removed, if its token is the agent's and still fresh.
func (s *ContactService) Undo(ctx context.Context, ownerID, token string) ([]*Contact, error) {
	cs := s.undo.take(ownerID, token, s.Now())
	if cs == nil {
		return nil, Errorf(ENOTFOUND, "That removal can no longer be undone.")
	}
	if err := s.restore(ctx, ownerID, cs); err != nil {
		return nil, err
	}
	return cs, nil
}

// restore puts removed contacts back as they were, without groups removed in the meantime.
func (s *ContactService) restore(ctx context.Context, ownerID string, cs []*Contact) error {
	if len(cs) == 0 {
		return nil
	}
	gs, err := s.Store.Groups(ctx, ownerID)
	if err != nil {
		return err
	}
	exists := map[string]bool{}
	for _, g := range gs {
		exists[g.ID] = true
	}
	for _, c := range cs {
		kept := c.GroupIDs[:0:0]
		for _, id := range c.GroupIDs {
			if exists[id] {
				kept = append(kept, id)
			}
		}
		c.GroupIDs = kept
	}
	if err := s.Store.CreateContacts(ctx, cs); err != nil {
		return err
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return s.Indexer.Sync(ctx, ids...)
}

// Undoable returns the contacts a removal took while it can still be undone, or nil.
func (s *ContactService) Undoable(ownerID, token string) []*Contact {
	return s.undo.peek(ownerID, token, s.Now())
}

// undoBuffer keeps recently removed contacts in memory until their undo window closes.
type undoBuffer struct {
	mu      sync.Mutex
	entries map[string]undoEntry
}

type undoEntry struct {
	owner    string
	contacts []*Contact
	until    time.Time
}

func (u *undoBuffer) put(owner string, cs []*Contact, until time.Time) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.entries == nil {
		u.entries = map[string]undoEntry{}
	}
	for k, e := range u.entries { // drop what can no longer be undone
		if e.until.Before(until.Add(-UndoWindow)) {
			delete(u.entries, k)
		}
	}
	token := NewID()
	u.entries[token] = undoEntry{owner: owner, contacts: cs, until: until}
	return token
}

func (u *undoBuffer) peek(owner, token string, now time.Time) []*Contact {
	u.mu.Lock()
	defer u.mu.Unlock()
	e, ok := u.entries[token]
	if !ok || e.owner != owner || now.After(e.until) {
		return nil
	}
	return e.contacts
}

func (u *undoBuffer) take(owner, token string, now time.Time) []*Contact {
	u.mu.Lock()
	defer u.mu.Unlock()
	e, ok := u.entries[token]
	if !ok || e.owner != owner || now.After(e.until) {
		return nil
	}
	delete(u.entries, token)
	return e.contacts
}

// Get returns an agent's contact; ENOTFOUND for a missing contact or another agent's.
func (s *ContactService) Get(ctx context.Context, ownerID, id string) (*Contact, error) {
	return s.Store.Contact(ctx, ownerID, id)
}

// WithEmail returns the agent's contacts that have any of the addresses.
func (s *ContactService) WithEmail(ctx context.Context, ownerID string, emails ...string) ([]*Contact, error) {
	seen := map[string]bool{}
	var ids []string
	for _, e := range emails {
		if strings.TrimSpace(e) == "" {
			continue
		}
		got, err := s.Store.ContactIDsByEmail(ctx, ownerID, e)
		if err != nil {
			return nil, err
		}
		for _, id := range got {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return s.Store.ContactsByID(ctx, ids)
}

// List returns one page of an agent's contacts. Unfiltered lists of one status are read from the
// store's ordered keys (no sorting at all); filtered ones walk those orders or put the index's
// matches in order. The items may be the store's own cached records: callers read them and
// never change them (Get gives a contact to change).
func (s *ContactService) List(ctx context.Context, q ContactQuery) (*ContactList, error) {
	switch {
	case q.Limit <= 0:
		q.Limit = 50
	case q.Limit > MaxPageSize:
		q.Limit = MaxPageSize
	}
	switch {
	case q.Sort == "":
		q.Sort = SortName
	case !IsSortField(q.Sort):
		return nil, &Error{Code: EINVALID, Message: "Sort by " + strings.Join(SortFields(), ", ") + ".", Fields: map[string]string{"sort": "unknown sort " + q.Sort}}
	}
	switch q.Status {
	case StatusActive, StatusInactive, StatusAll:
	case "":
		q.Status = StatusActive
	default:
		return nil, &Error{Code: EINVALID, Message: "Status is active, inactive or all.", Fields: map[string]string{"status": "unknown status " + string(q.Status)}}
	}
	switch q.EmailStatus {
	case "", EmailValid, EmailInvalid, EmailUnknown, EmailNone:
	default:
		return nil, &Error{Code: EINVALID, Message: "Email status is valid, invalid, unknown or none.", Fields: map[string]string{"email_status": "unknown email status " + q.EmailStatus}}
	}
	q.Text = strings.TrimSpace(q.Text)
	out := &ContactList{}
	if q.Text == "" && q.GroupID == "" && q.EmailStatus == "" && q.Status != StatusAll {
		items, more, err := s.Store.ListContacts(ctx, ContactPage{OwnerID: q.OwnerID, Status: q.Status,
			Sort: q.Sort, Desc: q.Desc, After: q.After, Limit: q.Limit, ReadOnly: true})
		if err != nil {
			return nil, err
		}
		total, err := s.Store.CountContacts(ctx, q.OwnerID, q.Status)
		if err != nil {
			return nil, err
		}
		out.Items, out.Total = items, total
		if more && len(items) > 0 {
			last := items[len(items)-1]
			out.Next = &Cursor{Value: last.SortValue(q.Sort), ID: last.ID}
		}
		return out, nil
	}
	if q.GroupID == "" && q.EmailStatus == "" && q.Status != StatusAll && q.Sort == SortName {
		if out, ok, err := s.walkMatches(ctx, q); ok || err != nil {
			return out, err
		}
	}
	if out, ok, err := s.walkOrder(ctx, q); ok || err != nil {
		return out, err
	}
	return s.sortMatches(ctx, q)
}

// sortMatches answers any filtered list by putting all its matches in order here: the way that
// always works, for when walking an order could not (a walk past its limit, or matches that moved
// on while they were counted). The index finds; it does not sort.
func (s *ContactService) sortMatches(ctx context.Context, q ContactQuery) (*ContactList, error) {
	ids, err := s.Index.MatchIDs(ctx, q, math.MaxInt)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return &ContactList{Items: []*Contact{}}, nil
	}
	out, _, err := s.orderMatches(ctx, q, ids)
	return out, err
}

// orderMatches returns the page q asks for of the matches ids, put in order by their sort keys.
func (s *ContactService) orderMatches(ctx context.Context, q ContactQuery, ids []string) (*ContactList, bool, error) {
	keys, err := s.Store.SortKeys(ctx, q.OwnerID, ids, q.Sort)
	if err != nil {
		return nil, false, err
	}
	matched := len(keys)
	slices.Sort(keys)
	if q.Desc {
		slices.Reverse(keys)
	}
	if q.After != nil {
		after := q.After.Value + "\x00" + q.After.ID
		i := 0
		for i < len(keys) && ((!q.Desc && keys[i] <= after) || (q.Desc && keys[i] >= after)) {
			i++
		}
		keys = keys[i:]
	}
	more := len(keys) > q.Limit
	if more {
		keys = keys[:q.Limit]
	}
	pageIDs := make([]string, len(keys))
	for i, k := range keys {
		pageIDs[i] = k[strings.LastIndexByte(k, 0)+1:]
	}
	return s.page(ctx, q, pageIDs, more, matched)
}

// walkMatches answers a text filter sorted by name from the store's name order in memory (the
// type-ahead's path). When the filter matches many contacts, it walks that order testing each
// contact's terms, which stops after about Limit × (contacts / matches) entries; when it matches
// fewer, it takes their IDs from the index and puts them in name order. The index counts either
// way. ok is false when neither applies; the caller then walks the stored order (walkOrder).
func (s *ContactService) walkMatches(ctx context.Context, q ContactQuery) (*ContactList, bool, error) {
	total, err := s.countMatches(ctx, q)
	if err != nil {
		return nil, false, err
	}
	all, err := s.Store.CountContacts(ctx, q.OwnerID, q.Status)
	if err != nil {
		return nil, false, err
	}
	if total == 0 {
		return &ContactList{Items: []*Contact{}}, true, nil
	}
	// Expected entries walked: (Limit+1) × all/total. Walk when that stays under the budget;
	// otherwise take the (fewer) matching IDs from the index and put them in name order here.
	budget := s.WalkBudget
	if budget == 0 {
		budget = 3000
	}
	page := ContactPage{OwnerID: q.OwnerID, Status: q.Status, Sort: q.Sort, Desc: q.Desc, After: q.After, Limit: q.Limit}
	if (q.Limit+1)*all > budget*total {
		if total > 20000 {
			return nil, false, nil
		}
		ids, err := s.Index.MatchIDs(ctx, q, total+100)
		if err != nil {
			return nil, false, nil // the count moved on; let the caller find another way
		}
		return s.orderMatches(ctx, q, ids)
	}
	ids, more, complete, err := s.Store.MatchContacts(ctx, page, s.Index.Matcher(q.Text), 20000)
	if err != nil || !complete {
		return nil, false, err
	}
	return s.page(ctx, q, ids, more, total)
}

// defaultSmallMatch is the most matches a filtered list puts in a column's order from their own
// sort values; more are always found by walking the stored order.
const defaultSmallMatch = 2500

// walkOrder answers a filtered list in any order (the index does not sort). A filter with many
// matches walks the store's order of that column, testing each contact (its search terms for a
// text filter, membership of the matching IDs otherwise), which stops after about
// Limit × (contacts / matches) entries. A filter with few matches (at most SmallMatch) orders
// those matches by their sort values. ok is false when neither applies.
func (s *ContactService) walkOrder(ctx context.Context, q ContactQuery) (*ContactList, bool, error) {
	total, err := s.countMatches(ctx, q)
	if err != nil {
		return nil, false, err
	}
	if total == 0 {
		return &ContactList{Items: []*Contact{}}, true, nil
	}
	statuses := []ContactStatus{q.Status}
	if q.Status == StatusAll {
		statuses = []ContactStatus{StatusActive, StatusInactive}
	}
	page := ContactPage{OwnerID: q.OwnerID, Sort: q.Sort, Desc: q.Desc, After: q.After, Limit: q.Limit}
	small := s.SmallMatch
	if small == 0 {
		small = defaultSmallMatch
	}
	if total <= small {
		ids, err := s.Index.MatchIDs(ctx, q, small+100)
		if err != nil {
			return nil, false, nil // the count moved on; walk instead
		}
		return s.orderMatches(ctx, q, ids)
	}
	// Text and email status are told from the in-memory name order; a group needs the index.
	withTerms := q.GroupID == "" && (q.Text != "" || q.EmailStatus != "")
	var match func(id string, terms, sorts []byte) bool
	switch {
	case withTerms:
		text := func([]byte) bool { return true }
		if q.Text != "" {
			text = s.Index.Matcher(q.Text)
		}
		want := emailStatusOrder[q.EmailStatus]
		match = func(_ string, terms, sorts []byte) bool {
			if want != "" {
				if v, ok := PackedSortValue(sorts, SortEmailStatus); !ok || v != want {
					return false
				}
			}
			return text(terms)
		}
	case q.Text == "" && q.GroupID == "" && q.EmailStatus == "":
		match = nil // every contact (status all)
	default:
		ids, err := s.Index.MatchIDs(ctx, q, total+1000)
		if err != nil {
			return nil, false, nil
		}
		set := make(map[string]struct{}, len(ids))
		for _, id := range ids {
			set[id] = struct{}{}
		}
		match = func(id string, _, _ []byte) bool { _, ok := set[id]; return ok }
	}
	maxWalk := s.MaxWalk
	if maxWalk == 0 {
		maxWalk = 200000
	}
	ids, more, complete, err := s.Store.WalkOrder(ctx, page, statuses, withTerms, match, maxWalk)
	if err != nil || !complete {
		return nil, false, err
	}
	return s.page(ctx, q, ids, more, total)
}

// countMatches counts a filter's matches. Counting a one-letter filter means stepping through
// tens of thousands of hits in the index, so counts are kept until the index next changes: the
// letters agents type repeat all day, while their contacts change far less often.
func (s *ContactService) countMatches(ctx context.Context, q ContactQuery) (int, error) {
	gen := s.Indexer.Generation()
	key := q.OwnerID + "\x00" + string(q.Status) + "\x00" + q.GroupID + "\x00" + q.EmailStatus + "\x00" + Fold(strings.TrimSpace(q.Text))
	if n, ok := s.counts.get(key, gen); ok {
		return n, nil
	}
	n, err := s.Index.CountMatches(ctx, q)
	if err != nil {
		return 0, err
	}
	s.counts.put(key, gen, n)
	return n, nil
}

// countCache holds filter counts for one index generation.
type countCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]int
}

func (c *countCache) get(key string, gen uint64) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return 0, false
	}
	n, ok := c.m[key]
	return n, ok
}

func (c *countCache) put(key string, gen uint64, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen < c.gen {
		return // counted before the index changed
	}
	if c.gen != gen || c.m == nil || len(c.m) > 10000 {
		c.gen, c.m = gen, map[string]int{}
	}
	c.m[key] = n
}

// page loads the contacts of one page of IDs and sets its cursor.
func (s *ContactService) page(ctx context.Context, q ContactQuery, ids []string, more bool, total int) (*ContactList, bool, error) {
	items, err := s.Store.ContactsToRead(ctx, ids)
	if err != nil {
		return nil, false, err
	}
	var last *Contact
	if len(items) > 0 {
		last = items[len(items)-1]
	}
	mine := make([]*Contact, 0, len(items))
	for _, c := range items {
		if c.OwnerID == q.OwnerID { // the index is a hint; the store decides ownership
			mine = append(mine, c)
		}
	}
	out := &ContactList{Items: mine, Total: total}
	if more && last != nil {
		out.Next = &Cursor{Value: last.SortValue(q.Sort), ID: last.ID}
	}
	return out, true, nil
}

// Groups lists an agent's groups by name.
func (s *ContactService) Groups(ctx context.Context, ownerID string) ([]*Group, error) {
	return s.Store.Groups(ctx, ownerID)
}

// CreateGroup adds a group for an agent; names are trimmed, not empty, unique ignoring case.
func (s *ContactService) CreateGroup(ctx context.Context, ownerID, name string) (*Group, error) {
	name, err := groupName(name)
	if err != nil {
		return nil, err
	}
	g := &Group{ID: NewID(), OwnerID: ownerID, Name: name, CreatedAt: s.Now().UTC()}
	if err := s.Store.CreateGroup(ctx, g); err != nil {
		return nil, err
	}
	return g, nil
}

func groupName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return "", &Error{Code: EINVALID, Message: "Enter a group name.", Fields: map[string]string{"name": "Enter a group name."}}
	}
	if len([]rune(name)) > 100 {
		return "", &Error{Code: EINVALID, Message: "Use at most 100 characters.", Fields: map[string]string{"name": "Use at most 100 characters."}}
	}
	return name, nil
}

// RenameGroup renames an agent's group (names are unique per agent, ignoring case).
func (s *ContactService) RenameGroup(ctx context.Context, ownerID, id, name string) (*Group, error) {
	name, err := groupName(name)
	if err != nil {
		return nil, err
	}
	return s.Store.RenameGroup(ctx, ownerID, id, name)
}

// GroupCounts returns how many of the agent's contacts (any status) each group has.
func (s *ContactService) GroupCounts(ctx context.Context, ownerID string) (map[string]int, error) {
	gs, err := s.Store.Groups(ctx, ownerID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(gs))
	for _, g := range gs {
		n, err := s.Index.CountMatches(ctx, ContactQuery{OwnerID: ownerID, GroupID: g.ID, Status: StatusAll})
		if err != nil {
			return nil, err
		}
		out[g.ID] = n
	}
	return out, nil
}

// GroupMembers returns the IDs of the agent's contacts (any status) in the group.
func (s *ContactService) GroupMembers(ctx context.Context, ownerID, groupID string) ([]string, error) {
	return s.Index.MatchIDs(ctx, ContactQuery{OwnerID: ownerID, GroupID: groupID, Status: StatusAll}, 1_000_000)
}

// DeleteGroup removes a group: its contacts lose it and nothing else about them changes.
func (s *ContactService) DeleteGroup(ctx context.Context, ownerID, id string) (int, error) {
	if _, err := s.group(ctx, ownerID, id); err != nil {
		return 0, err
	}
	members, err := s.GroupMembers(ctx, ownerID, id)
	if err != nil {
		return 0, err
	}
	for _, cid := range members {
		if err := s.withoutGroup(ctx, ownerID, cid, id); err != nil {
			return 0, err
		}
	}
	return len(members), s.Store.DeleteGroup(ctx, ownerID, id)
}

// SetGroups replaces the groups of an agent's contact.
func (s *ContactService) SetGroups(ctx context.Context, ownerID, id string, groupIDs []string) (*Contact, error) {
	for attempt := 0; ; attempt++ {
		cur, err := s.Store.Contact(ctx, ownerID, id)
		if err != nil {
			return nil, err
		}
		next := *cur
		next.GroupIDs = dedupe(groupIDs)
		saved, err := s.Update(ctx, ownerID, &next)
		if ErrorCode(err) == ECONFLICT && attempt < 3 {
			continue // a concurrent edit of other fields: apply the group change on top of it
		}
		return saved, err
	}
}

func (s *ContactService) withoutGroup(ctx context.Context, ownerID, contactID, groupID string) error {
	cur, err := s.Store.Contact(ctx, ownerID, contactID)
	if ErrorCode(err) == ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	var keep []string
	for _, g := range cur.GroupIDs {
		if g != groupID {
			keep = append(keep, g)
		}
	}
	_, err = s.SetGroups(ctx, ownerID, contactID, keep)
	return err
}

func (s *ContactService) group(ctx context.Context, ownerID, id string) (*Group, error) {
	gs, err := s.Store.Groups(ctx, ownerID)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		if g.ID == id {
			return g, nil
		}
	}
	return nil, Errorf(ENOTFOUND, "Group not found.")
}

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func (s *ContactService) checkGroups(ctx context.Context, ownerID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	gs, err := s.Store.Groups(ctx, ownerID)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, g := range gs {
		have[g.ID] = true
	}
	fe := FieldErrors{}
	for i, id := range ids {
		if !have[id] {
			fe.Add("groups["+itoa(i)+"].id", "No such group.")
		}
	}
	return fe.Err()
}
