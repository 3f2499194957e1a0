package app

import (
	"context"
	"time"
)

// ContactPage asks the store for one page of an agent's contacts in a stored order.
type ContactPage struct {
	OwnerID string
	Status  ContactStatus // active or inactive (not all)
	Sort    string        // one of SortFields
	Desc    bool
	After   *Cursor // nil: from the start
	Limit   int
	// ReadOnly lets ListContacts return the store's own cached records, which the caller only
	// reads and never changes (a list page), instead of copies.
	ReadOnly bool
}

// Cursor marks a position in a sorted list: the sort value and ID of the last row seen.
type Cursor struct {
	Value string
	ID    string
}

// IndexMark records that a contact changed and the search index may not have it yet. Seq is the
// contact's version after the write (version+1 for a deletion, the maximum for a rebuild): it
// grows with every write, so a mark is only cleared for the state that was indexed.
type IndexMark struct {
	ID  string
	Seq uint64
}

// Store keeps every record. It is the truth; the search index can always be rebuilt from it.
// Every method that writes a contact also writes its IndexMark in the same transaction.
type Store interface {
	// CreateUser stores a new user; ECONFLICT if the email is taken.
	CreateUser(ctx context.Context, u *User) error
	// UpdateUser replaces a user if u.Version matches; ECONFLICT otherwise, ENOTFOUND if missing.
	UpdateUser(ctx context.Context, u *User) error
	// User returns a user by ID; ENOTFOUND if missing.
	User(ctx context.Context, id string) (*User, error)
	// UserByEmail returns a user by (case-insensitive) email; ENOTFOUND if missing.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// Users lists every user in creation order.
	Users(ctx context.Context) ([]*User, error)
	// CountUsers returns how many users exist.
	CountUsers(ctx context.Context) (int, error)

	// PutSession creates or replaces a session.
	PutSession(ctx context.Context, s *Session) error
	// Session returns a session by ID; ENOTFOUND if missing.
	Session(ctx context.Context, id string) (*Session, error)
	// DeleteSession removes a session; a missing one is not an error.
	DeleteSession(ctx context.Context, id string) error
	// DeleteSessionsOf removes every session of a user and returns how many.
	DeleteSessionsOf(ctx context.Context, userID string) (int, error)
	// DeleteExpiredSessions removes sessions that expired before now and returns how many.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
	// PutToken stores an API token.
	PutToken(ctx context.Context, t *Token) error
	// Token returns an API token by ID; ENOTFOUND if missing.
	Token(ctx context.Context, id string) (*Token, error)

	// CreateContacts stores new contacts (IDs set, Version 1) in as few transactions as fit.
	CreateContacts(ctx context.Context, cs []*Contact) error
	// UpdateContact replaces a contact whose stored version is c.Version-1; ECONFLICT when the
	// stored version differs, ENOTFOUND when it is missing or owned by another agent.
	UpdateContact(ctx context.Context, c *Contact) error
	// DeleteContact removes an agent's contact; ENOTFOUND when missing or another agent's.
	DeleteContact(ctx context.Context, ownerID, id string) error
	// Contact returns an agent's contact; ENOTFOUND when missing or another agent's.
	Contact(ctx context.Context, ownerID, id string) (*Contact, error)
	// ContactsByID returns the contacts with the given IDs, in that order, skipping missing ones.
	ContactsByID(ctx context.Context, ids []string) ([]*Contact, error)
	// ContactsToRead is ContactsByID for a caller that only reads the contacts: they may be the
	// store's own cached records, which nobody may change.
	ContactsToRead(ctx context.Context, ids []string) ([]*Contact, error)
	// ContactIDsByEmail returns the IDs of the agent's contacts having the address (any case).
	ContactIDsByEmail(ctx context.Context, ownerID, email string) ([]string, error)
	// InvalidEmailContacts returns the IDs of the agent's contacts that have an invalid address.
	InvalidEmailContacts(ctx context.Context, ownerID string) ([]string, error)
	// ListContacts returns one page of contacts in the stored order and whether more follow.
	ListContacts(ctx context.Context, p ContactPage) ([]*Contact, bool, error)
	// MatchContacts walks a page's stored order (name only) from p.After and returns the IDs of
	// the first p.Limit contacts whose search terms satisfy match, and whether more follow.
	// complete is false when it gave up after maxScan entries, or cannot walk this order; the
	// caller then finds another way.
	MatchContacts(ctx context.Context, p ContactPage, match func(terms []byte) bool, maxScan int) (ids []string, more, complete bool, err error)
	// WalkOrder walks the stored order p.Sort (descending when p.Desc) of the agent's contacts
	// with any of the statuses, from p.After, and returns the IDs of the first p.Limit for which
	// match is true (every one when match is nil), and whether more follow. match gets the contact's search terms and its
	// values of PackedSortFields (PackSortValues) when withTerms is set (nil otherwise).
	// complete is false when it gave up after maxScan entries or could not find a contact's
	// terms and values; the caller then orders another way.
	WalkOrder(ctx context.Context, p ContactPage, statuses []ContactStatus, withTerms bool, match func(id string, terms, sorts []byte) bool, maxScan int) (ids []string, more, complete bool, err error)
	// SortKeys returns "<sort value>\x00<id>" (the order keys of field) for the agent's contacts
	// among ids, in no particular order; other agents' and missing contacts are left out, except
	// for created, whose keys come from the IDs alone (the caller checks the page it loads).
	SortKeys(ctx context.Context, ownerID string, ids []string, field string) ([]string, error)
	// CountContacts returns how many contacts the agent has with the status.
	CountContacts(ctx context.Context, ownerID string, status ContactStatus) (int, error)
	// EachContact calls fn for every contact of every agent, in ID order.
	EachContact(ctx context.Context, fn func(*Contact) error) error

	// IndexMarks returns up to limit pending index marks.
	IndexMarks(ctx context.Context, limit int) ([]IndexMark, error)
	// ClearIndexMarks removes the marks whose stored Seq still equals the given one.
	ClearIndexMarks(ctx context.Context, marks []IndexMark) error
	// MarkAllForIndex marks every contact for indexing (used when the index is rebuilt).
	MarkAllForIndex(ctx context.Context) (int, error)
	// IndexMarkSeq returns the current seq of a contact's mark, or 0 when none.
	IndexMarkSeq(ctx context.Context, id string) (uint64, error)
	// IndexMarksFor returns the current marks of the given contacts (those without one are left out).
	IndexMarksFor(ctx context.Context, ids []string) ([]IndexMark, error)

	// CreateGroup stores a group; ECONFLICT if the agent has one with the same name (any case).
	CreateGroup(ctx context.Context, g *Group) error
	// RenameGroup renames an agent's group; ECONFLICT if another has the name, ENOTFOUND if missing.
	RenameGroup(ctx context.Context, ownerID, id, name string) (*Group, error)
	// DeleteGroup removes an agent's group record (not its members' references); ENOTFOUND if missing.
	DeleteGroup(ctx context.Context, ownerID, id string) error
	// Groups lists an agent's groups by name.
	Groups(ctx context.Context, ownerID string) ([]*Group, error)

	// GetPref reads an agent's preference value into v; ENOTFOUND if never set.
	GetPref(ctx context.Context, userID, name string, v any) error
	// PutPref stores an agent's preference value.
	PutPref(ctx context.Context, userID, name string, v any) error

	ImportStore
	ListingStore
	PortalStore
}

// ContactQuery asks the index for an agent's contacts.
type ContactQuery struct {
	OwnerID string
	Text    string
	GroupID string
	Status  ContactStatus // active, inactive or all
	// EmailStatus keeps contacts whose Contact.EmailStatus is this (EmailValid, EmailInvalid,
	// EmailUnknown, or EmailNone for no address); "" for any.
	EmailStatus string
	Sort        string
	Desc        bool
	After       *Cursor
	Limit       int
}

// Index finds contacts by text, group and status. It stores terms, not records: a search
// returns IDs, and the records are loaded from the Store.
type Index interface {
	// Index adds or replaces the contacts' documents.
	Index(ctx context.Context, cs []*Contact) error
	// Delete removes documents by ID; missing IDs are ignored.
	Delete(ctx context.Context, ids []string) error
	// WaitDurable returns once everything indexed before the call would survive a crash.
	WaitDurable(ctx context.Context) error
	// WaitMerged returns once the index has been on disk with no merge of its segments running
	// or planned for half a second (after a bulk write, merges run for several seconds).
	WaitMerged(ctx context.Context) error
	// PauseMerges holds merges of the index's segments until resume is called (bulk writes).
	PauseMerges() (resume func())
	// Count returns how many documents the index holds.
	Count() (uint64, error)
	// MatchIDs returns the IDs of every contact matching q (Text, GroupID, Status), unsorted;
	// EINVALID if there are more than max.
	MatchIDs(ctx context.Context, q ContactQuery, max int) ([]string, error)
	// CountMatches returns how many contacts match q (Text, GroupID, Status), without sorting.
	CountMatches(ctx context.Context, q ContactQuery) (int, error)
	// Matcher returns a test of the store's search terms that accepts exactly the contacts a
	// search for text finds.
	Matcher(text string) func(terms []byte) bool
}
