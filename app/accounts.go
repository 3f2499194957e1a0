package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// ERATELIMITED is the code of a login refused because of too many recent failures.
const ERATELIMITED = "rate_limited"

// MinPasswordLength is the shortest password an agent may choose.
const MinPasswordLength = 10

// Accounts holds the rules for agent accounts, logins, sessions and API tokens.
type Accounts struct {
	Store      Store
	Now        func() time.Time
	BcryptCost int           // 0 means bcrypt.DefaultCost
	IdleTTL    time.Duration // a session expires after this long without use
	Limiter    *LoginLimiter

	setupMu   sync.Mutex
	dummyOnce sync.Once
	dummyHash []byte
}

// NewUser is the input for creating an agent account.
type NewUser struct {
	Name     string
	Email    string
	Phone    string
	Password string
	Admin    bool
}

// NeedsSetup reports whether no account exists yet, so the first visitor creates the admin.
func (a *Accounts) NeedsSetup(ctx context.Context) (bool, error) {
	n, err := a.Store.CountUsers(ctx)
	return n == 0, err
}

// Setup creates the first admin; EFORBIDDEN once any user exists.
func (a *Accounts) Setup(ctx context.Context, in NewUser) (*User, error) {
	a.setupMu.Lock()
	defer a.setupMu.Unlock()
	need, err := a.NeedsSetup(ctx)
	if err != nil {
		return nil, err
	}
	if !need {
		return nil, Errorf(EFORBIDDEN, "agentbook is already set up; log in instead.")
	}
	in.Admin = true
	return a.CreateUser(ctx, in)
}

// CreateUser validates and stores a new agent account (callers check who may do this).
func (a *Accounts) CreateUser(ctx context.Context, in NewUser) (*User, error) {
	in.Name = strings.Join(strings.Fields(in.Name), " ")
	in.Email = NormalizeEmail(in.Email)
	in.Phone = strings.TrimSpace(in.Phone)
	fe := FieldErrors{}
	if in.Name == "" {
		fe.Add("name", "Enter a name.")
	}
	if msg := EmailSyntaxError(in.Email); msg != "" {
		fe.Add("email", msg)
	}
	if len([]rune(in.Password)) < MinPasswordLength {
		fe.Add("password", "Use at least 10 characters.")
	} else if len(in.Password) > 72 {
		fe.Add("password", "Use at most 72 bytes.")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), a.cost())
	if err != nil {
		return nil, err
	}
	now := a.Now().UTC()
	u := &User{ID: NewID(), Name: in.Name, Email: in.Email, Phone: in.Phone, Role: RoleAgent,
		Enabled: true, PasswordHash: hash, CreatedAt: now, UpdatedAt: now, Version: 1}
	if in.Admin {
		u.Role = RoleAdmin
	}
	if err := a.Store.CreateUser(ctx, u); err != nil {
		if ErrorCode(err) == ECONFLICT {
			return nil, &Error{Code: ECONFLICT, Message: "An agent with this email already exists.",
				Fields: map[string]string{"email": "An agent with this email already exists."}}
		}
		return nil, err
	}
	return u, nil
}

func (a *Accounts) cost() int {
	if a.BcryptCost == 0 {
		return bcrypt.DefaultCost
	}
	return a.BcryptCost
}

// SetEnabled enables or disables an agent. A disabled agent cannot log in or use tokens.
// An admin cannot disable their own account (the office would lose its admin).
func (a *Accounts) SetEnabled(ctx context.Context, actor *User, id string, enabled bool) (*User, error) {
	if !actor.IsAdmin() {
		return nil, Errorf(EFORBIDDEN, "Only an admin can change agent accounts.")
	}
	if actor.ID == id && !enabled {
		return nil, Errorf(EINVALID, "You cannot disable your own account.")
	}
	u, err := a.Store.User(ctx, id)
	if err != nil {
		return nil, err
	}
	u.Enabled = enabled
	u.UpdatedAt = a.Now().UTC()
	if err := a.Store.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	if !enabled {
		// Logged out everywhere: enabling the agent again must not revive an old session.
		if _, err := a.Store.DeleteSessionsOf(ctx, id); err != nil {
			return nil, err
		}
	}
	u.Version++
	return u, nil
}

// Login checks a password and returns a new session token (the cookie value).
// Failures are counted per IP and per account; past the limit Login returns ERATELIMITED.
func (a *Accounts) Login(ctx context.Context, email, password, ip string) (string, *User, error) {
	key := EmailKey(email)
	now := a.Now()
	if wait := a.Limiter.Blocked(now, ip, key); wait > 0 {
		mins := int((wait + time.Minute - 1) / time.Minute) // round up: 15m0s is 15 minutes, not 16
		return "", nil, Errorf(ERATELIMITED, "Too many failed logins. Try again in %d minute%s.", mins, plural(mins))
	}
	fail := func() (string, *User, error) {
		a.Limiter.Fail(now, ip, key)
		return "", nil, Errorf(EUNAUTHORIZED, "That email and password do not match an account.")
	}
	u, err := a.Store.UserByEmail(ctx, key)
	if ErrorCode(err) == ENOTFOUND {
		// Spend the same time as a real check so that timing does not reveal accounts.
		a.dummyOnce.Do(func() { a.dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password"), a.cost()) })
		_ = bcrypt.CompareHashAndPassword(a.dummyHash, []byte(password))
		return fail()
	}
	if err != nil {
		return "", nil, err
	}
	if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) != nil {
		return fail()
	}
	if !u.Enabled {
		return "", nil, Errorf(EFORBIDDEN, "This account is disabled. Ask your office admin.")
	}
	a.Limiter.Succeed(ip, key)
	token, id := newSecret()
	s := &Session{ID: id, UserID: u.ID, CreatedAt: now.UTC(), SeenAt: now.UTC(), ExpiresAt: now.Add(a.IdleTTL).UTC()}
	if err := a.Store.PutSession(ctx, s); err != nil {
		return "", nil, err
	}
	return token, u, nil
}

// Authenticate returns the enabled user behind a session token; EUNAUTHORIZED if the session is
// unknown or expired. The expiry is pushed forward at most once a minute, so a busy agent does
// not write on every request.
func (a *Accounts) Authenticate(ctx context.Context, token string) (*User, error) {
	if token == "" {
		return nil, Errorf(EUNAUTHORIZED, "Please log in.")
	}
	s, err := a.Store.Session(ctx, HashSecret(token))
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(EUNAUTHORIZED, "Please log in.")
	}
	if err != nil {
		return nil, err
	}
	now := a.Now()
	if !now.Before(s.ExpiresAt) {
		_ = a.Store.DeleteSession(ctx, s.ID)
		return nil, Errorf(EUNAUTHORIZED, "Your session expired. Please log in again.")
	}
	u, err := a.activeUser(ctx, s.UserID)
	if err != nil {
		return nil, err
	}
	if now.Sub(s.SeenAt) >= time.Minute {
		s.SeenAt, s.ExpiresAt = now.UTC(), now.Add(a.IdleTTL).UTC()
		if err := a.Store.PutSession(ctx, s); err != nil {
			return nil, err
		}
	}
	return u, nil
}

func (a *Accounts) activeUser(ctx context.Context, id string) (*User, error) {
	u, err := a.Store.User(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(EUNAUTHORIZED, "Please log in.")
	}
	if err != nil {
		return nil, err
	}
	if !u.Enabled {
		return nil, Errorf(EUNAUTHORIZED, "This account is disabled.")
	}
	return u, nil
}

// Logout ends a session.
func (a *Accounts) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return a.Store.DeleteSession(ctx, HashSecret(token))
}

// CreateToken issues an API token for the agent with the email and returns it; only its hash is kept.
func (a *Accounts) CreateToken(ctx context.Context, email string) (string, error) {
	u, err := a.Store.UserByEmail(ctx, EmailKey(email))
	if ErrorCode(err) == ENOTFOUND {
		return "", Errorf(ENOTFOUND, "No agent has the email %s.", email)
	}
	if err != nil {
		return "", err
	}
	token, id := newSecret()
	if err := a.Store.PutToken(ctx, &Token{ID: id, UserID: u.ID, CreatedAt: a.Now().UTC()}); err != nil {
		return "", err
	}
	return "ab_" + token, nil
}

// UserByToken returns the enabled user an API token belongs to; EUNAUTHORIZED otherwise.
func (a *Accounts) UserByToken(ctx context.Context, token string) (*User, error) {
	token = strings.TrimPrefix(token, "ab_")
	t, err := a.Store.Token(ctx, HashSecret(token))
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(EUNAUTHORIZED, "The API token is not valid.")
	}
	if err != nil {
		return nil, err
	}
	return a.activeUser(ctx, t.UserID)
}

// Users lists the office's agents.
func (a *Accounts) Users(ctx context.Context) ([]*User, error) { return a.Store.Users(ctx) }

// UserByEmail finds an agent by email; ENOTFOUND with a readable message when none has it.
func (a *Accounts) UserByEmail(ctx context.Context, email string) (*User, error) {
	u, err := a.Store.UserByEmail(ctx, EmailKey(email))
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(ENOTFOUND, "No agent has the email %s.", email)
	}
	return u, err
}

// HashSecret is how session and token secrets are stored: hex SHA-256. A slow hash buys nothing
// for 256 random bits.
func HashSecret(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func newSecret() (token, id string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashSecret(token)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// LoginLimiter counts failed logins per IP and per account in a sliding window.
type LoginLimiter struct {
	Window     time.Duration
	PerIP      int
	PerAccount int

	mu    sync.Mutex
	fails map[string][]time.Time
}

// NewLoginLimiter allows perIP failures per IP and perAccount per account within window.
func NewLoginLimiter(window time.Duration, perIP, perAccount int) *LoginLimiter {
	return &LoginLimiter{Window: window, PerIP: perIP, PerAccount: perAccount, fails: map[string][]time.Time{}}
}

// Blocked returns how long until ip or account may try again, or 0.
func (l *LoginLimiter) Blocked(now time.Time, ip, account string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	wait := l.wait(now, "ip:"+ip, l.PerIP)
	if w := l.wait(now, "acct:"+account, l.PerAccount); w > wait {
		wait = w
	}
	return wait
}

func (l *LoginLimiter) wait(now time.Time, key string, max int) time.Duration {
	ts := l.fails[key]
	kept := ts[:0]
	for _, t := range ts {
		if now.Sub(t) < l.Window {
			kept = append(kept, t)
		}
	}
	if len(kept) == 0 {
		delete(l.fails, key)
		return 0
	}
	l.fails[key] = kept
	if len(kept) < max {
		return 0
	}
	return l.Window - now.Sub(kept[len(kept)-max])
}

// Fail records a failed attempt.
func (l *LoginLimiter) Fail(now time.Time, ip, account string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) > 100000 { // bound memory under a spray of random names
		l.fails = map[string][]time.Time{}
	}
	l.fails["ip:"+ip] = append(l.fails["ip:"+ip], now)
	l.fails["acct:"+account] = append(l.fails["acct:"+account], now)
}

// Succeed forgets the account's failures (the IP's stay: one good login does not clear a spray).
func (l *LoginLimiter) Succeed(ip, account string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, "acct:"+account)
}
