package app

import (
	"context"
	"time"
)

// PortalAccount is a contact's login to the client portal. A contact has at most one. Only the
// contact knows the password: it is set through a single-use emailed link and kept as a bcrypt
// hash.
type PortalAccount struct {
	ContactID    string    `json:"contact_id"`
	OwnerID      string    `json:"owner_id"` // the contact's agent
	Username     string    `json:"username"` // the lower-cased primary email, "-2", "-3"… when taken
	PasswordHash []byte    `json:"password_hash,omitempty"`
	Enabled      bool      `json:"enabled"`
	Logins       int       `json:"logins"`
	CreatedAt    time.Time `json:"created_at"`
	InvitedAt    time.Time `json:"invited_at,omitzero"`
	LastLoginAt  time.Time `json:"last_login_at,omitzero"`
	Version      int64     `json:"version"`
}

// HasPassword reports whether the contact has set a password.
func (a *PortalAccount) HasPassword() bool { return len(a.PasswordHash) > 0 }

// PortalLink is a single-use link that lets a contact set (or reset) their portal password. Only
// the SHA-256 of its random token is stored.
type PortalLink struct {
	ID        string    `json:"id"` // hex SHA-256 of the token
	ContactID string    `json:"contact_id"`
	OwnerID   string    `json:"owner_id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// PortalSession is a contact's logged-in portal session. Only the SHA-256 of the cookie token is stored.
type PortalSession struct {
	ID        string    `json:"id"` // hex SHA-256 of the cookie token
	ContactID string    `json:"contact_id"`
	OwnerID   string    `json:"owner_id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// PortalPrefs are an agent's portal preferences: the default invitation and whether to be
// emailed when a contact first logs in.
type PortalPrefs struct {
	Subject          string `json:"subject"`
	Body             string `json:"body"`
	NotifyFirstLogin bool   `json:"notify_first_login"`
}

// DefaultPortalPrefs are the preferences of an agent who has not changed them.
func DefaultPortalPrefs() PortalPrefs {
	return PortalPrefs{
		Subject: "{{agent_name}} invites you to your client portal",
		Body: "Hello {{first_name}},\n\nI have set up a private client portal for you, where you can see the homes " +
			"that match your searches, keep your details up to date and message me directly.\n\n" +
			"Choose your password here (the link works once, for {{link_days}} days):\n{{portal_link}}\n\n" +
			"Your username is {{username}}.\n\n{{agent_name}}\n{{agent_email}}\n{{agent_phone}}",
		NotifyFirstLogin: true,
	}
}

// Activity kinds recorded on a contact.
const (
	ActivityPortalLogin    = "portal_login"
	ActivityMessageIn      = "message_from_contact"
	ActivityMessageOut     = "message_to_contact"
	ActivityMessageRead    = "message_read"
	ActivityDetailsChanged = "details_changed"
	ActivityInvited        = "portal_invited"
)

// ActivityEvent is one thing that happened with a contact (a portal login, a message, a change
// of details), for the contact's timeline and the Contact Summary.
type ActivityEvent struct {
	ID        string    `json:"id"` // a ULID: events sort by time
	OwnerID   string    `json:"owner_id"`
	ContactID string    `json:"contact_id"`
	Kind      string    `json:"kind"`
	Detail    string    `json:"detail,omitempty"`
	At        time.Time `json:"at"`
}

// PortalMessage is one message of the conversation between a contact and their agent.
type PortalMessage struct {
	ID          string    `json:"id"`
	OwnerID     string    `json:"owner_id"`
	ContactID   string    `json:"contact_id"`
	FromContact bool      `json:"from_contact"`
	Text        string    `json:"text"`
	CreatedAt   time.Time `json:"created_at"`
	ReadAt      time.Time `json:"read_at,omitzero"` // when the other side read it
}

// PortalStore keeps portal accounts, links, sessions, messages and activity.
type PortalStore interface {
	// CreatePortalAccount stores a new account, giving it the first free username of base,
	// base-2, base-3…; ECONFLICT when the contact already has one.
	CreatePortalAccount(ctx context.Context, a *PortalAccount, base string) error
	// UpdatePortalAccount replaces an account whose stored version is a.Version-1 (ECONFLICT otherwise).
	UpdatePortalAccount(ctx context.Context, a *PortalAccount) error
	// PortalAccount returns a contact's account; ENOTFOUND when none.
	PortalAccount(ctx context.Context, contactID string) (*PortalAccount, error)
	// PortalAccountsByContact returns the accounts of these contacts of the agent (contact ID →
	// account), in one read; contacts without one have no entry.
	PortalAccountsByContact(ctx context.Context, ownerID string, contactIDs []string) (map[string]*PortalAccount, error)
	// PortalAccountByUsername returns an account by username (any case); ENOTFOUND when none.
	PortalAccountByUsername(ctx context.Context, username string) (*PortalAccount, error)
	// DeletePortalAccount removes a contact's account, its links and sessions; no error when none.
	DeletePortalAccount(ctx context.Context, contactID string) error
	// PortalAccounts returns the contact IDs of an agent's contacts that have an account.
	PortalAccountsOf(ctx context.Context, ownerID string) (map[string]bool, error)

	// PutPortalLink stores a set-password link, replacing the contact's earlier ones.
	PutPortalLink(ctx context.Context, l *PortalLink) error
	// TakePortalLink returns a link and deletes it (single use); ENOTFOUND when unknown.
	TakePortalLink(ctx context.Context, id string) (*PortalLink, error)
	// PortalLink returns a link without using it; ENOTFOUND when unknown.
	PortalLink(ctx context.Context, id string) (*PortalLink, error)

	// PutPortalSession stores a session.
	PutPortalSession(ctx context.Context, s *PortalSession) error
	// PortalSession returns a session; ENOTFOUND when unknown.
	PortalSession(ctx context.Context, id string) (*PortalSession, error)
	// DeletePortalSession removes a session; no error when none.
	DeletePortalSession(ctx context.Context, id string) error

	// AddPortalMessage stores a message.
	AddPortalMessage(ctx context.Context, m *PortalMessage) error
	// PortalMessages returns a contact's conversation, oldest first.
	PortalMessages(ctx context.Context, ownerID, contactID string) ([]*PortalMessage, error)
	// MarkPortalMessagesRead sets ReadAt on the unread messages of one side (fromContact) and
	// returns how many it marked.
	MarkPortalMessagesRead(ctx context.Context, ownerID, contactID string, fromContact bool, at time.Time) (int, error)

	// AddActivity stores activity events.
	AddActivity(ctx context.Context, evs ...*ActivityEvent) error
	// Activity returns a contact's events, newest first, at most limit.
	Activity(ctx context.Context, ownerID, contactID string, limit int) ([]*ActivityEvent, error)
}
