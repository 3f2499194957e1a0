package app

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// ReportRow is one contact's line of the Contact Summary: figures computed from the contact's
// portal account, messages, emails, saved searches and activity events.
type ReportRow struct {
	ContactID           string        `json:"contact_id"`
	Name                string        `json:"name"`
	Status              ContactStatus `json:"status"`
	GroupIDs            []string      `json:"group_ids,omitempty"`
	HasPortal           bool          `json:"has_portal"`
	PortalLogins        int           `json:"portal_logins"`
	LastLoginAt         time.Time     `json:"last_login_at,omitzero"`
	MessagesFromContact int           `json:"messages_from_contact"`
	MessagesToContact   int           `json:"messages_to_contact"`
	UnreadMessages      int           `json:"unread_messages"` // from the contact, not read by the agent
	EmailsSent          int           `json:"emails_sent"`
	LastEmailAt         time.Time     `json:"last_email_at,omitzero"`
	EmailsBounced       int           `json:"emails_bounced"`
	SavedSearches       int           `json:"saved_searches"`
	SearchAlerts        int           `json:"search_alerts"` // saved searches whose notifications are on
	LastActivityAt      time.Time     `json:"last_activity_at,omitzero"`
	// Weeks counts the contact's activity events and emails sent per week (the key is the
	// week's Monday in days since 1970-01-01 UTC), for the weeks the chart can show.
	Weeks map[int64]int `json:"weeks,omitempty"`
}

// ReportMeta is the stored snapshot's header: when it was built and the agent's activity per
// week (the sum of the rows' Weeks).
type ReportMeta struct {
	AsOf     time.Time     `json:"as_of"`
	Weeks    map[int64]int `json:"weeks"`
	Contacts int           `json:"contacts"`
	Version  int           `json:"version"`
}

// reportVersion is the snapshot layout's version; a snapshot of another version is rebuilt in full.
const reportVersion = 1

// ReportWeeks is how many weeks the activity chart shows.
const ReportWeeks = 12

// ContactRecords are what one contact's report row is computed from. Contact is nil when the
// contact is gone (its row is removed).
type ContactRecords struct {
	ContactID string
	Contact   *Contact
	Account   *PortalAccount // nil when none
	Events    []*ActivityEvent
	Messages  []*PortalMessage
	Mail      []*OutMessage
	Searches  []*SavedSearch
}

// ReportStore keeps the Contact Summary's snapshot and reads what it is built from. Every write
// of a contact, its activity, portal account, messages, mail or saved searches also marks the
// contact changed ("dirty") in the same transaction.
type ReportStore interface {
	// ReportDirty returns up to limit of the agent's changed contacts: contact ID → mark.
	ReportDirty(ctx context.Context, ownerID string, limit int) (map[string]string, error)
	// ClearReportDirty removes the marks that still have the given values.
	ClearReportDirty(ctx context.Context, ownerID string, marks map[string]string) error
	// ContactRecords calls fn with the records of the agent's contacts with the given IDs (every
	// contact of the agent, in ID order, when ids is nil). A contact that is gone or another
	// agent's gets records with a nil Contact.
	ContactRecords(ctx context.Context, ownerID string, ids []string, fn func(*ContactRecords) error) error
	// ReportMeta returns the agent's snapshot header; ENOTFOUND when none was built.
	ReportMeta(ctx context.Context, ownerID string) (*ReportMeta, error)
	// ReportRows calls fn for every row of the agent's snapshot, in contact ID order.
	ReportRows(ctx context.Context, ownerID string, fn func(*ReportRow) error) error
	// ReportRowsByID returns the stored rows of the given contacts (missing ones left out).
	ReportRowsByID(ctx context.Context, ownerID string, ids []string) (map[string]*ReportRow, error)
	// SaveReport writes rows, deletes the rows of removed and writes meta. full replaces the
	// agent's whole snapshot: rows not given are deleted.
	SaveReport(ctx context.Context, ownerID string, meta *ReportMeta, rows []*ReportRow, removed []string, full bool) error
}

// WeekOf returns the Monday (UTC) starting t's ISO week, in days since 1970-01-01.
func WeekOf(t time.Time) int64 {
	days := t.UTC().Unix() / 86400
	if t.UTC().Unix() < 0 && t.UTC().Unix()%86400 != 0 {
		days--
	}
	// 1970-01-01 was a Thursday: Monday-based weekday = (days + 3) mod 7.
	return days - (days+3)%7
}

// WeekStart returns the time of a week key (WeekOf).
func WeekStart(week int64) time.Time { return time.Unix(week*86400, 0).UTC() }

// SummarizeContact computes a contact's report row. Only weeks from since on are counted in Weeks.
func SummarizeContact(r *ContactRecords, since time.Time) *ReportRow {
	row := &ReportRow{ContactID: r.ContactID}
	if c := r.Contact; c != nil {
		row.Name, row.Status, row.GroupIDs = c.DisplayName(), c.Status, slices.Clone(c.GroupIDs)
	}
	seen := func(t time.Time) {
		if t.After(row.LastActivityAt) {
			row.LastActivityAt = t
		}
	}
	firstWeek := WeekOf(since)
	week := func(t time.Time) {
		if w := WeekOf(t); w >= firstWeek {
			if row.Weeks == nil {
				row.Weeks = map[int64]int{}
			}
			row.Weeks[w]++
		}
	}
	if a := r.Account; a != nil {
		row.HasPortal, row.PortalLogins, row.LastLoginAt = true, a.Logins, a.LastLoginAt
		seen(a.LastLoginAt)
	}
	for _, m := range r.Messages {
		if m.FromContact {
			row.MessagesFromContact++
			if m.ReadAt.IsZero() {
				row.UnreadMessages++
			}
		} else {
			row.MessagesToContact++
		}
		seen(m.CreatedAt)
	}
	for _, m := range r.Mail {
		switch m.Status {
		case MailSent:
			row.EmailsSent++
			if m.SentAt.After(row.LastEmailAt) {
				row.LastEmailAt = m.SentAt
			}
			seen(m.SentAt)
			week(m.SentAt)
		case MailBounced:
			row.EmailsBounced++
		}
	}
	for _, s := range r.Searches {
		row.SavedSearches++
		if s.Schedule != "" && s.Schedule != ScheduleOff {
			row.SearchAlerts++
		}
	}
	for _, ev := range r.Events {
		seen(ev.At)
		week(ev.At)
	}
	return row
}

// Report sorts: the report's columns.
var reportSorts = map[string]func(a, b *ReportRow) int{
	"name":                  func(a, b *ReportRow) int { return cmp.Compare(Fold(a.Name), Fold(b.Name)) },
	"portal":                func(a, b *ReportRow) int { return cmpBool(a.HasPortal, b.HasPortal) },
	"portal_logins":         func(a, b *ReportRow) int { return cmp.Compare(a.PortalLogins, b.PortalLogins) },
	"last_login_at":         func(a, b *ReportRow) int { return a.LastLoginAt.Compare(b.LastLoginAt) },
	"messages_from_contact": func(a, b *ReportRow) int { return cmp.Compare(a.MessagesFromContact, b.MessagesFromContact) },
	"messages_to_contact":   func(a, b *ReportRow) int { return cmp.Compare(a.MessagesToContact, b.MessagesToContact) },
	"unread_messages":       func(a, b *ReportRow) int { return cmp.Compare(a.UnreadMessages, b.UnreadMessages) },
	"emails_sent":           func(a, b *ReportRow) int { return cmp.Compare(a.EmailsSent, b.EmailsSent) },
	"last_email_at":         func(a, b *ReportRow) int { return a.LastEmailAt.Compare(b.LastEmailAt) },
	"emails_bounced":        func(a, b *ReportRow) int { return cmp.Compare(a.EmailsBounced, b.EmailsBounced) },
	"saved_searches":        func(a, b *ReportRow) int { return cmp.Compare(a.SavedSearches, b.SavedSearches) },
	"search_alerts":         func(a, b *ReportRow) int { return cmp.Compare(a.SearchAlerts, b.SearchAlerts) },
	"last_activity_at":      func(a, b *ReportRow) int { return a.LastActivityAt.Compare(b.LastActivityAt) },
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// ReportSortFields lists the columns the Contact Summary sorts by.
func ReportSortFields() []string {
	out := make([]string, 0, len(reportSorts))
	for k := range reportSorts {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// ReportQuery asks for one page of an agent's Contact Summary.
type ReportQuery struct {
	OwnerID string
	Text    string        // part of the name
	GroupID string        // "" for any
	Status  ContactStatus // active, inactive or "" / StatusAll for all
	Sort    string        // one of ReportSortFields; "" for name
	Desc    bool
	Offset  int
	Limit   int // 0: 50; negative: every row (the CSV export)
}

// WeekCount is one bar of the activity chart.
type WeekCount struct {
	Start time.Time
	Count int
}

// ReportPage is one page of the Contact Summary.
type ReportPage struct {
	AsOf   time.Time // zero when the report was never built
	Weeks  []WeekCount
	Items  []*ReportRow
	Total  int        // rows that pass the filter
	Totals *ReportRow // sums over the rows that pass the filter (LastActivityAt: the latest)
	// PortalAccounts is how many of the rows that pass the filter have a portal account.
	PortalAccounts int
	Offset         int
	Next           int // offset of the next page; 0 when none
}

// ReportService builds the Contact Summary: a stored snapshot per agent, rebuilt from the
// contacts marked changed since the last build, and served from memory.
type ReportService struct {
	Store ReportStore
	Users interface {
		Users(context.Context) ([]*User, error)
	}
	Now    func() time.Time
	Logger *slog.Logger

	buildMu sync.Mutex // one build at a time
	mu      sync.Mutex
	cache   map[string]*reportSnapshot
}

// reportSnapshot is an agent's snapshot in memory, with its sorted orders made as asked for.
type reportSnapshot struct {
	meta   ReportMeta
	rows   []*ReportRow
	folded []string // Fold(name) of each row
	byID   map[string]int
	mu     sync.Mutex
	orders map[string][]int32
}

func newSnapshot(meta ReportMeta, rows []*ReportRow) *reportSnapshot {
	s := &reportSnapshot{meta: meta, rows: rows, folded: make([]string, len(rows)), byID: make(map[string]int, len(rows)), orders: map[string][]int32{}}
	for i, r := range rows {
		s.folded[i] = Fold(r.Name)
		s.byID[r.ContactID] = i
	}
	return s
}

// order returns the rows' indexes sorted by field (ties by name, then ID), made once per snapshot.
func (s *reportSnapshot) order(field string, desc bool) []int32 {
	key := field
	if desc {
		key = "-" + field
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.orders[key]; ok {
		return o
	}
	by := reportSorts[field]
	o := make([]int32, len(s.rows))
	for i := range o {
		o[i] = int32(i)
	}
	slices.SortFunc(o, func(i, j int32) int {
		a, b := s.rows[i], s.rows[j]
		c := 0
		if field != "name" {
			c = by(a, b)
		}
		if c == 0 {
			c = cmp.Compare(s.folded[i], s.folded[j])
		}
		if c == 0 {
			c = cmp.Compare(a.ContactID, b.ContactID)
		}
		if desc {
			return -c
		}
		return c
	})
	s.orders[key] = o
	return o
}

func (s *ReportService) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *ReportService) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// since is the first moment the chart counts: the Monday ReportWeeks-1 weeks before now's week.
func (s *ReportService) since(now time.Time) time.Time {
	return WeekStart(WeekOf(now) - 7*(ReportWeeks-1))
}

// BuildResult says what a build did.
type BuildResult struct {
	Full     bool
	Contacts int // rows computed
	Removed  int
}

// RebuildAll brings every agent's snapshot up to date (the scheduled job).
func (s *ReportService) RebuildAll(ctx context.Context) (BuildResult, error) {
	users, err := s.Users.Users(ctx)
	if err != nil {
		return BuildResult{}, err
	}
	var total BuildResult
	for _, u := range users {
		r, err := s.Rebuild(ctx, u.ID, false)
		if err != nil {
			return total, err
		}
		total.Contacts += r.Contacts
		total.Removed += r.Removed
		total.Full = total.Full || r.Full
		// Load the snapshot now (after a restart), so that the agent's next page is served from memory.
		if _, err := s.snapshot(ctx, u.ID); err != nil {
			return total, err
		}
	}
	return total, nil
}

// Rebuild brings an agent's snapshot up to date: only the contacts marked changed since the
// last build, or every contact when full is set or there is no snapshot yet.
func (s *ReportService) Rebuild(ctx context.Context, ownerID string, full bool) (BuildResult, error) {
	s.buildMu.Lock()
	defer s.buildMu.Unlock()
	now := s.now().UTC()
	meta, err := s.Store.ReportMeta(ctx, ownerID)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		full = true
	case err != nil:
		return BuildResult{}, err
	case meta.Version != reportVersion:
		full = true
	}
	if full {
		start := time.Now()
		r, err := s.rebuildFull(ctx, ownerID, now)
		if err == nil {
			s.logger().Info("contact summary built in full", "owner", ownerID, "contacts", r.Contacts, "took", time.Since(start).Round(time.Millisecond))
		}
		return r, err
	}
	return s.rebuildDirty(ctx, ownerID, meta, now)
}

func (s *ReportService) rebuildFull(ctx context.Context, ownerID string, now time.Time) (BuildResult, error) {
	// Marks read before the scan are cleared after it; a mark written meanwhile has another value and stays.
	marks, err := s.Store.ReportDirty(ctx, ownerID, -1)
	if err != nil {
		return BuildResult{}, err
	}
	since := s.since(now)
	meta := ReportMeta{AsOf: now, Weeks: map[int64]int{}, Version: reportVersion}
	var rows []*ReportRow
	err = s.Store.ContactRecords(ctx, ownerID, nil, func(r *ContactRecords) error {
		if r.Contact == nil {
			return nil
		}
		row := SummarizeContact(r, since)
		for w, n := range row.Weeks {
			meta.Weeks[w] += n
		}
		rows = append(rows, row)
		return nil
	})
	if err != nil {
		return BuildResult{}, fmt.Errorf("report: read contacts of %s: %w", ownerID, err)
	}
	meta.Contacts = len(rows)
	if err := s.Store.SaveReport(ctx, ownerID, &meta, rows, nil, true); err != nil {
		return BuildResult{}, err
	}
	if err := s.Store.ClearReportDirty(ctx, ownerID, marks); err != nil {
		return BuildResult{}, err
	}
	s.mu.Lock()
	if s.cache == nil {
		s.cache = map[string]*reportSnapshot{}
	}
	s.cache[ownerID] = newSnapshot(meta, rows)
	s.mu.Unlock()
	return BuildResult{Full: true, Contacts: len(rows)}, nil
}

// dirtyBatch is how many changed contacts one pass of an incremental build reads.
const dirtyBatch = 5000

func (s *ReportService) rebuildDirty(ctx context.Context, ownerID string, meta *ReportMeta, now time.Time) (BuildResult, error) {
	since := s.since(now)
	res := BuildResult{}
	if meta.Weeks == nil {
		meta.Weeks = map[int64]int{}
	}
	changed := map[string]*ReportRow{}
	removed := map[string]bool{}
	for {
		marks, err := s.Store.ReportDirty(ctx, ownerID, dirtyBatch)
		if err != nil {
			return res, err
		}
		if len(marks) == 0 {
			break
		}
		ids := make([]string, 0, len(marks))
		for id := range marks {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		old, err := s.Store.ReportRowsByID(ctx, ownerID, ids)
		if err != nil {
			return res, err
		}
		var rows []*ReportRow
		var gone []string
		err = s.Store.ContactRecords(ctx, ownerID, ids, func(r *ContactRecords) error {
			if o := old[r.ContactID]; o != nil {
				for w, n := range o.Weeks {
					if _, ok := meta.Weeks[w]; ok {
						meta.Weeks[w] -= n
					}
				}
				meta.Contacts--
			}
			if r.Contact == nil {
				if old[r.ContactID] != nil {
					gone = append(gone, r.ContactID)
				}
				return nil
			}
			row := SummarizeContact(r, since)
			for w, n := range row.Weeks {
				meta.Weeks[w] += n
			}
			meta.Contacts++
			rows = append(rows, row)
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("report: read changed contacts of %s: %w", ownerID, err)
		}
		first := WeekOf(since)
		for w := range meta.Weeks {
			if w < first {
				delete(meta.Weeks, w)
			}
		}
		meta.AsOf = now
		if err := s.Store.SaveReport(ctx, ownerID, meta, rows, gone, false); err != nil {
			return res, err
		}
		if err := s.Store.ClearReportDirty(ctx, ownerID, marks); err != nil {
			return res, err
		}
		for _, r := range rows {
			changed[r.ContactID] = r
			delete(removed, r.ContactID)
		}
		for _, id := range gone {
			removed[id] = true
			delete(changed, id)
		}
		res.Contacts += len(rows)
		res.Removed += len(gone)
		if len(marks) < dirtyBatch {
			break
		}
	}
	if res.Contacts == 0 && res.Removed == 0 {
		meta.AsOf = now
		if err := s.Store.SaveReport(ctx, ownerID, meta, nil, nil, false); err != nil {
			return res, err
		}
	}
	s.applyToCache(ownerID, *meta, changed, removed)
	return res, nil
}

// applyToCache gives the cached snapshot (when there is one) the rows a build changed.
func (s *ReportService) applyToCache(ownerID string, meta ReportMeta, changed map[string]*ReportRow, removed map[string]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.cache[ownerID]
	if cur == nil {
		return
	}
	if len(changed) == 0 && len(removed) == 0 {
		cur.mu.Lock()
		orders := maps.Clone(cur.orders) // same rows: the orders still hold
		cur.mu.Unlock()
		s.cache[ownerID] = &reportSnapshot{meta: meta, rows: cur.rows, folded: cur.folded, byID: cur.byID, orders: orders}
		return
	}
	next := &reportSnapshot{meta: meta, rows: make([]*ReportRow, 0, len(cur.rows)+len(changed)),
		folded: make([]string, 0, len(cur.rows)+len(changed)), byID: make(map[string]int, len(cur.rows)+len(changed)),
		orders: map[string][]int32{}}
	add := func(r *ReportRow, folded string) {
		next.byID[r.ContactID] = len(next.rows)
		next.rows = append(next.rows, r)
		next.folded = append(next.folded, folded)
	}
	for i, r := range cur.rows {
		switch n, ok := changed[r.ContactID]; {
		case removed[r.ContactID]:
		case ok:
			add(n, Fold(n.Name))
			delete(changed, r.ContactID)
		default:
			add(r, cur.folded[i]) // unchanged: its folded name too
		}
	}
	for _, r := range changed {
		add(r, Fold(r.Name))
	}
	s.cache[ownerID] = next
}

// snapshot returns the agent's snapshot from memory, loading it once; nil when never built.
func (s *ReportService) snapshot(ctx context.Context, ownerID string) (*reportSnapshot, error) {
	s.mu.Lock()
	snap := s.cache[ownerID]
	s.mu.Unlock()
	if snap != nil {
		return snap, nil
	}
	meta, err := s.Store.ReportMeta(ctx, ownerID)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rows := make([]*ReportRow, 0, meta.Contacts)
	if err := s.Store.ReportRows(ctx, ownerID, func(r *ReportRow) error { rows = append(rows, r); return nil }); err != nil {
		return nil, err
	}
	snap = newSnapshot(*meta, rows)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache == nil {
		s.cache = map[string]*reportSnapshot{}
	}
	if cur := s.cache[ownerID]; cur != nil { // a build got there first
		return cur, nil
	}
	s.cache[ownerID] = snap
	return snap, nil
}

// Page returns one page of an agent's Contact Summary, from the snapshot only.
func (s *ReportService) Page(ctx context.Context, q ReportQuery) (*ReportPage, error) {
	if q.Sort == "" {
		q.Sort = "name"
	}
	if _, ok := reportSorts[q.Sort]; !ok {
		return nil, &Error{Code: EINVALID, Message: "Sort by one of " + strings.Join(ReportSortFields(), ", ") + ".",
			Fields: map[string]string{"sort": "unknown sort " + q.Sort}}
	}
	if q.Limit == 0 {
		q.Limit = 50
	}
	if q.Limit > 500 {
		q.Limit = 500
	}
	q.Offset = max(q.Offset, 0)
	snap, err := s.snapshot(ctx, q.OwnerID)
	if err != nil {
		return nil, err
	}
	page := &ReportPage{Offset: q.Offset, Totals: &ReportRow{Name: "Total"}}
	if snap == nil {
		page.Weeks = chartWeeks(nil, s.now())
		return page, nil
	}
	page.AsOf = snap.meta.AsOf
	page.Weeks = chartWeeks(snap.meta.Weeks, snap.meta.AsOf)
	text := Fold(strings.TrimSpace(q.Text))
	t := page.Totals
	for _, i := range snap.order(q.Sort, q.Desc) {
		r := snap.rows[i]
		if (q.Status == StatusActive || q.Status == StatusInactive) && r.Status != q.Status {
			continue
		}
		if q.GroupID != "" && !slices.Contains(r.GroupIDs, q.GroupID) {
			continue
		}
		if text != "" && !strings.Contains(snap.folded[i], text) {
			continue
		}
		if page.Total >= q.Offset && (q.Limit < 0 || len(page.Items) < q.Limit) {
			page.Items = append(page.Items, r)
		} else if q.Limit > 0 && len(page.Items) == q.Limit && page.Next == 0 {
			page.Next = page.Total
		}
		page.Total++
		if r.HasPortal {
			page.PortalAccounts++
		}
		addTotals(t, r)
	}
	return page, nil
}

func addTotals(t, r *ReportRow) {
	t.PortalLogins += r.PortalLogins
	t.MessagesFromContact += r.MessagesFromContact
	t.MessagesToContact += r.MessagesToContact
	t.UnreadMessages += r.UnreadMessages
	t.EmailsSent += r.EmailsSent
	t.EmailsBounced += r.EmailsBounced
	t.SavedSearches += r.SavedSearches
	t.SearchAlerts += r.SearchAlerts
	if r.LastLoginAt.After(t.LastLoginAt) {
		t.LastLoginAt = r.LastLoginAt
	}
	if r.LastEmailAt.After(t.LastEmailAt) {
		t.LastEmailAt = r.LastEmailAt
	}
	if r.LastActivityAt.After(t.LastActivityAt) {
		t.LastActivityAt = r.LastActivityAt
	}
}

// chartWeeks returns the ReportWeeks weeks ending with asOf's week, oldest first.
func chartWeeks(weeks map[int64]int, asOf time.Time) []WeekCount {
	last := WeekOf(asOf)
	out := make([]WeekCount, ReportWeeks)
	for i := range out {
		w := last - int64(7*(ReportWeeks-1-i))
		out[i] = WeekCount{Start: WeekStart(w), Count: weeks[w]}
	}
	return out
}

// Rows returns the snapshot rows of the given contacts (for the contact list's activity
// columns); contacts without one are left out.
func (s *ReportService) Rows(ctx context.Context, ownerID string, ids []string) (map[string]*ReportRow, error) {
	snap, err := s.snapshot(ctx, ownerID)
	if err != nil || snap == nil {
		return map[string]*ReportRow{}, err
	}
	out := make(map[string]*ReportRow, len(ids))
	for _, id := range ids {
		if i, ok := snap.byID[id]; ok {
			out[id] = snap.rows[i]
		}
	}
	return out, nil
}
