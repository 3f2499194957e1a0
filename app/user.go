package app

import "time"

// Roles of an agent account.
const (
	RoleAdmin = "admin"
	RoleAgent = "agent"
)

// User is an agent account. An admin also manages the office's agents.
type User struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Email        string    `json:"email"`
	Phone        string    `json:"phone"`
	Role         string    `json:"role"`
	Enabled      bool      `json:"enabled"`
	PasswordHash []byte    `json:"password_hash,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Version      int64     `json:"version"`
}

// IsAdmin reports whether the user manages the office.
func (u *User) IsAdmin() bool { return u.Role == RoleAdmin }

// Session is a browser login. Only the SHA-256 of its random cookie value is stored.
type Session struct {
	ID        string    `json:"id"` // hex SHA-256 of the cookie token
	UserID    string    `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	SeenAt    time.Time `json:"seen_at"`
}

// Token is an API bearer token. Only the SHA-256 of the token is stored.
type Token struct {
	ID        string    `json:"id"` // hex SHA-256 of the token
	UserID    string    `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
}

// Group is a named set of an agent's contacts.
type Group struct {
	ID        string    `json:"id"`
	OwnerID   string    `json:"owner_id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}
