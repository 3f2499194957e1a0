package app_test

import (
	"context"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/store"
	"agentbook/store/storetest"
)

// clock is a settable Now for tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const goodPassword = "correct horse battery"

// accounts returns the account service on a fresh store with a fake clock.
func accounts(t *testing.T) (*app.Accounts, *store.Store, *clock) {
	t.Helper()
	_, a, st, _ := storetest.Services(t)
	clk := newClock()
	a.Now = clk.Now
	return a, st, clk
}

func mustCreateUser(t *testing.T, a *app.Accounts, email string, admin bool) *app.User {
	t.Helper()
	u, err := a.CreateUser(context.Background(), app.NewUser{Name: "Agent " + email, Email: email, Password: goodPassword, Admin: admin})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := app.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func TestAccountsSetup(t *testing.T) {
	ctx := context.Background()
	a, _, _ := accounts(t)

	need, err := a.NeedsSetup(ctx)
	if err != nil || !need {
		t.Fatalf("NeedsSetup on an empty store = %v, %v; want true", need, err)
	}
	u, err := a.Setup(ctx, app.NewUser{Name: "  Office   Admin ", Email: "Admin@Example.COM", Password: goodPassword})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	if !u.IsAdmin() || !u.Enabled || u.Name != "Office Admin" || u.Email != "Admin@example.com" {
		t.Errorf("Setup created %+v, want an enabled admin with a tidied name and email", u)
	}
	if need, _ := a.NeedsSetup(ctx); need {
		t.Errorf("NeedsSetup after setup = true, want false")
	}
	_, err = a.Setup(ctx, app.NewUser{Name: "Intruder", Email: "intruder@example.com", Password: goodPassword})
	wantCode(t, err, app.EFORBIDDEN)
	if users, _ := a.Users(ctx); len(users) != 1 {
		t.Errorf("after a second setup there are %d users, want 1", len(users))
	}
}

func TestAccountsCreateUser(t *testing.T) {
	tests := []struct {
		name   string
		in     app.NewUser
		code   string
		fields map[string]string
	}{
		{
			name: "a password of 10 characters is accepted",
			in:   app.NewUser{Name: "Ann", Email: "ann@example.com", Password: "0123456789"},
		},
		{
			name: "a password of 10 accented characters is accepted although it is longer in bytes",
			in:   app.NewUser{Name: "Ann", Email: "ann@example.com", Password: strings.Repeat("é", 10)},
		},
		{
			name:   "a password of 9 characters is refused",
			in:     app.NewUser{Name: "Ann", Email: "ann@example.com", Password: "012345678"},
			code:   app.EINVALID,
			fields: map[string]string{"password": "Use at least 10 characters."},
		},
		{
			name:   "a password over bcrypt's 72 bytes is refused",
			in:     app.NewUser{Name: "Ann", Email: "ann@example.com", Password: strings.Repeat("p", 73)},
			code:   app.EINVALID,
			fields: map[string]string{"password": "Use at most 72 bytes."},
		},
		{
			name: "a missing name and a bad email are both reported",
			in:   app.NewUser{Name: "  ", Email: "ann", Password: goodPassword},
			code: app.EINVALID,
			fields: map[string]string{"name": "Enter a name.",
				"email": "Enter an email address like name@example.com."},
		},
		{
			name:   "an email already used by another agent, in another case, is a conflict on the email field",
			in:     app.NewUser{Name: "Ann", Email: "TAKEN@example.com", Password: goodPassword},
			code:   app.ECONFLICT,
			fields: map[string]string{"email": "An agent with this email already exists."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _, _ := accounts(t)
			mustCreateUser(t, a, "taken@example.com", false)
			u, err := a.CreateUser(context.Background(), tt.in)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("CreateUser: %v", err)
				}
				if u.Role != app.RoleAgent || string(u.PasswordHash) == tt.in.Password {
					t.Errorf("CreateUser made %+v, want an agent with a hashed password", u)
				}
				return
			}
			wantCode(t, err, tt.code)
			if got := app.ErrorFields(err); !maps.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v", got, tt.fields)
			}
		})
	}
}

func TestAccountsLogin(t *testing.T) {
	tests := []struct {
		name     string
		email    string
		password string
		disable  bool
		code     string
		message  string
	}{
		{name: "the right password logs in", email: "ann@example.com", password: goodPassword},
		{name: "the email is matched ignoring case and spaces", email: "  ANN@Example.com ", password: goodPassword},
		{name: "a wrong password is refused", email: "ann@example.com", password: "wrong password",
			code: app.EUNAUTHORIZED, message: "That email and password do not match an account."},
		{name: "an unknown email is refused with the same message", email: "nobody@example.com", password: goodPassword,
			code: app.EUNAUTHORIZED, message: "That email and password do not match an account."},
		{name: "a disabled agent is refused even with the right password", email: "ann@example.com", password: goodPassword,
			disable: true, code: app.EFORBIDDEN, message: "This account is disabled. Ask your office admin."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			a, st, _ := accounts(t)
			admin := mustCreateUser(t, a, "admin@example.com", true)
			ann := mustCreateUser(t, a, "ann@example.com", false)
			if tt.disable {
				if _, err := a.SetEnabled(ctx, admin, ann.ID, false); err != nil {
					t.Fatalf("disable: %v", err)
				}
			}
			token, u, err := a.Login(ctx, tt.email, tt.password, "10.0.0.1")
			if tt.code != "" {
				wantCode(t, err, tt.code)
				if msg := app.ErrorMessage(err); msg != tt.message {
					t.Errorf("message = %q, want %q", msg, tt.message)
				}
				if token != "" || u != nil {
					t.Errorf("a refused login returned token %q and user %v", token, u)
				}
				return
			}
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			if u.ID != ann.ID || token == "" {
				t.Fatalf("Login = %q, %+v; want a token for ann", token, u)
			}
			if _, err := st.Session(ctx, token); app.ErrorCode(err) != app.ENOTFOUND {
				t.Errorf("the session is stored under the raw token; want only its hash")
			}
			got, err := a.Authenticate(ctx, token)
			if err != nil || got.ID != ann.ID {
				t.Errorf("Authenticate(new token) = %v, %v; want ann", got, err)
			}
		})
	}
}

func TestAccountsLoginRateLimit(t *testing.T) {
	ctx := context.Background()
	fail := func(t *testing.T, a *app.Accounts, email, ip string, n int) {
		t.Helper()
		for i := range n {
			_, _, err := a.Login(ctx, email, "wrong password", ip)
			if app.ErrorCode(err) != app.EUNAUTHORIZED {
				t.Fatalf("failure %d from %s for %s: %v, want unauthorized", i+1, ip, email, err)
			}
		}
	}

	t.Run("five failures for one account block it from any IP with a message saying how long", func(t *testing.T) {
		a, _, clk := accounts(t)
		mustCreateUser(t, a, "ann@example.com", false)
		for i := range 5 {
			fail(t, a, "ann@example.com", "10.0.0."+string(rune('1'+i)), 1)
		}
		_, _, err := a.Login(ctx, "ANN@example.com", goodPassword, "10.9.9.9")
		wantCode(t, err, app.ERATELIMITED)
		if msg, want := app.ErrorMessage(err), "Too many failed logins. Try again in 15 minutes."; msg != want {
			t.Errorf("message = %q, want %q", msg, want)
		}
		clk.Advance(10 * time.Minute)
		_, _, err = a.Login(ctx, "ann@example.com", goodPassword, "10.9.9.9")
		if msg, want := app.ErrorMessage(err), "Too many failed logins. Try again in 5 minutes."; msg != want {
			t.Errorf("after 10 minutes message = %q, want %q", msg, want)
		}
		clk.Advance(4*time.Minute + 30*time.Second)
		_, _, err = a.Login(ctx, "ann@example.com", goodPassword, "10.9.9.9")
		if msg, want := app.ErrorMessage(err), "Too many failed logins. Try again in 1 minute."; msg != want {
			t.Errorf("after 14.5 minutes message = %q, want %q", msg, want)
		}
		clk.Advance(30 * time.Second)
		if _, _, err := a.Login(ctx, "ann@example.com", goodPassword, "10.9.9.9"); err != nil {
			t.Errorf("Login once the window passed: %v", err)
		}
	})

	t.Run("four failures do not block an account", func(t *testing.T) {
		a, _, _ := accounts(t)
		mustCreateUser(t, a, "ann@example.com", false)
		fail(t, a, "ann@example.com", "10.0.0.1", 4)
		if _, _, err := a.Login(ctx, "ann@example.com", goodPassword, "10.0.0.1"); err != nil {
			t.Errorf("Login after 4 failures: %v", err)
		}
	})

	t.Run("a successful login forgets the account's earlier failures", func(t *testing.T) {
		a, _, _ := accounts(t)
		mustCreateUser(t, a, "ann@example.com", false)
		fail(t, a, "ann@example.com", "10.0.0.1", 4)
		if _, _, err := a.Login(ctx, "ann@example.com", goodPassword, "10.0.0.1"); err != nil {
			t.Fatalf("Login: %v", err)
		}
		fail(t, a, "ann@example.com", "10.0.0.1", 4)
		if _, _, err := a.Login(ctx, "ann@example.com", goodPassword, "10.0.0.1"); err != nil {
			t.Errorf("Login after 4 new failures: %v", err)
		}
	})

	t.Run("a blocked account does not block another agent", func(t *testing.T) {
		a, _, _ := accounts(t)
		mustCreateUser(t, a, "ann@example.com", false)
		mustCreateUser(t, a, "bob@example.com", false)
		fail(t, a, "ann@example.com", "10.0.0.1", 5)
		if _, _, err := a.Login(ctx, "bob@example.com", goodPassword, "10.0.0.2"); err != nil {
			t.Errorf("bob's Login: %v", err)
		}
	})

	t.Run("twenty failures from one IP across accounts block that IP but not others", func(t *testing.T) {
		a, _, _ := accounts(t)
		mustCreateUser(t, a, "ann@example.com", false)
		for i := range 20 {
			fail(t, a, "guess"+string(rune('a'+i))+"@example.com", "203.0.113.7", 1)
		}
		_, _, err := a.Login(ctx, "ann@example.com", goodPassword, "203.0.113.7")
		wantCode(t, err, app.ERATELIMITED)
		if _, _, err := a.Login(ctx, "ann@example.com", goodPassword, "198.51.100.1"); err != nil {
			t.Errorf("Login from another IP: %v", err)
		}
	})
}

func TestAccountsSessions(t *testing.T) {
	ctx := context.Background()
	login := func(t *testing.T) (*app.Accounts, *store.Store, *clock, string) {
		t.Helper()
		a, st, clk := accounts(t)
		mustCreateUser(t, a, "ann@example.com", false)
		token, _, err := a.Login(ctx, "ann@example.com", goodPassword, "10.0.0.1")
		if err != nil {
			t.Fatalf("Login: %v", err)
		}
		return a, st, clk, token
	}
	session := func(t *testing.T, st *store.Store, token string) *app.Session {
		t.Helper()
		s, err := st.Session(ctx, app.HashSecret(token))
		if err != nil {
			t.Fatalf("stored session: %v", err)
		}
		return s
	}

	t.Run("a new session expires IdleTTL after login", func(t *testing.T) {
		a, st, clk, token := login(t)
		if got, want := session(t, st, token).ExpiresAt, clk.Now().Add(a.IdleTTL); !got.Equal(want) {
			t.Errorf("ExpiresAt = %v, want %v", got, want)
		}
	})

	t.Run("use within a minute of the last refresh does not write the session", func(t *testing.T) {
		a, st, clk, token := login(t)
		before := session(t, st, token)
		for range 3 {
			clk.Advance(19 * time.Second)
			if _, err := a.Authenticate(ctx, token); err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
		}
		after := session(t, st, token)
		if !after.SeenAt.Equal(before.SeenAt) || !after.ExpiresAt.Equal(before.ExpiresAt) {
			t.Errorf("session changed within a minute: %+v → %+v", before, after)
		}
	})

	t.Run("use a minute or more after the last refresh pushes the expiry forward", func(t *testing.T) {
		a, st, clk, token := login(t)
		clk.Advance(time.Minute)
		if _, err := a.Authenticate(ctx, token); err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		s := session(t, st, token)
		if !s.SeenAt.Equal(clk.Now()) || !s.ExpiresAt.Equal(clk.Now().Add(a.IdleTTL)) {
			t.Errorf("session = %+v, want seen now and expiring IdleTTL from now (%v)", s, clk.Now())
		}
	})

	t.Run("a session kept in use outlives the idle TTL", func(t *testing.T) {
		a, _, clk, token := login(t)
		for range 4 {
			clk.Advance(a.IdleTTL / 2)
			if _, err := a.Authenticate(ctx, token); err != nil {
				t.Fatalf("Authenticate after %v idle: %v", a.IdleTTL/2, err)
			}
		}
	})

	t.Run("a session idle for IdleTTL expires and is deleted", func(t *testing.T) {
		a, st, clk, token := login(t)
		clk.Advance(a.IdleTTL - time.Second)
		if _, err := a.Authenticate(ctx, token); err != nil {
			t.Fatalf("Authenticate just before expiry: %v", err)
		}
		clk.Advance(a.IdleTTL)
		_, err := a.Authenticate(ctx, token)
		wantCode(t, err, app.EUNAUTHORIZED)
		if msg, want := app.ErrorMessage(err), "Your session expired. Please log in again."; msg != want {
			t.Errorf("message = %q, want %q", msg, want)
		}
		if _, err := st.Session(ctx, app.HashSecret(token)); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("expired session still stored: %v", err)
		}
	})

	t.Run("logging out ends the session", func(t *testing.T) {
		a, _, _, token := login(t)
		if err := a.Logout(ctx, token); err != nil {
			t.Fatalf("Logout: %v", err)
		}
		_, err := a.Authenticate(ctx, token)
		wantCode(t, err, app.EUNAUTHORIZED)
	})

	t.Run("an unknown or empty token is unauthorized", func(t *testing.T) {
		a, _, _, _ := login(t)
		for _, tok := range []string{"", "not-a-session"} {
			_, err := a.Authenticate(ctx, tok)
			wantCode(t, err, app.EUNAUTHORIZED)
		}
	})

	t.Run("disabling an agent ends their sessions' access", func(t *testing.T) {
		a, _, _, token := login(t)
		admin := mustCreateUser(t, a, "admin@example.com", true)
		ann, _ := a.UserByEmail(ctx, "ann@example.com")
		if _, err := a.SetEnabled(ctx, admin, ann.ID, false); err != nil {
			t.Fatalf("disable: %v", err)
		}
		_, err := a.Authenticate(ctx, token)
		wantCode(t, err, app.EUNAUTHORIZED)
	})
}

func TestAccountsSetEnabled(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		actor   string
		target  string
		enabled bool
		code    string
	}{
		{name: "an admin disables an agent", actor: "admin", target: "ann", enabled: false},
		{name: "an admin re-enables an agent", actor: "admin", target: "ann", enabled: true},
		{name: "an agent cannot change accounts", actor: "ann", target: "bob", enabled: false, code: app.EFORBIDDEN},
		{name: "an admin cannot disable their own account", actor: "admin", target: "admin", enabled: false, code: app.EINVALID},
		{name: "an unknown account is not found", actor: "admin", target: "ghost", enabled: false, code: app.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, st, _ := accounts(t)
			users := map[string]*app.User{
				"admin": mustCreateUser(t, a, "admin@example.com", true),
				"ann":   mustCreateUser(t, a, "ann@example.com", false),
				"bob":   mustCreateUser(t, a, "bob@example.com", false),
				"ghost": {ID: app.NewID()},
			}
			u, err := a.SetEnabled(ctx, users[tt.actor], users[tt.target].ID, tt.enabled)
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			if err != nil {
				t.Fatalf("SetEnabled: %v", err)
			}
			stored, err := st.User(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Enabled != tt.enabled || stored.Version != u.Version || u.Version != 2 {
				t.Errorf("stored %+v, returned version %d; want enabled=%v at version 2", stored, u.Version, tt.enabled)
			}
		})
	}
}

func TestAccountsTokens(t *testing.T) {
	ctx := context.Background()
	a, st, _ := accounts(t)
	admin := mustCreateUser(t, a, "admin@example.com", true)
	ann := mustCreateUser(t, a, "ann@example.com", false)
	token, err := a.CreateToken(ctx, "Ann@Example.com")
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}

	t.Run("a token starts with ab_ and only its hash is stored", func(t *testing.T) {
		if !strings.HasPrefix(token, "ab_") {
			t.Errorf("token %q lacks the ab_ prefix", token)
		}
		raw := strings.TrimPrefix(token, "ab_")
		if _, err := st.Token(ctx, raw); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("the raw token is stored as an ID")
		}
		if tk, err := st.Token(ctx, app.HashSecret(raw)); err != nil || tk.UserID != ann.ID {
			t.Errorf("stored token = %+v, %v; want ann's under the hash", tk, err)
		}
	})
	t.Run("a token identifies its agent, with or without the prefix", func(t *testing.T) {
		for _, tok := range []string{token, strings.TrimPrefix(token, "ab_")} {
			u, err := a.UserByToken(ctx, tok)
			if err != nil || u.ID != ann.ID {
				t.Errorf("UserByToken(%q) = %v, %v; want ann", tok, u, err)
			}
		}
	})
	t.Run("an unknown token is unauthorized", func(t *testing.T) {
		_, err := a.UserByToken(ctx, "ab_nope")
		wantCode(t, err, app.EUNAUTHORIZED)
	})
	t.Run("a token for an unknown email is not created", func(t *testing.T) {
		_, err := a.CreateToken(ctx, "nobody@example.com")
		wantCode(t, err, app.ENOTFOUND)
	})
	t.Run("a disabled agent's token is unauthorized", func(t *testing.T) {
		if _, err := a.SetEnabled(ctx, admin, ann.ID, false); err != nil {
			t.Fatal(err)
		}
		_, err := a.UserByToken(ctx, token)
		wantCode(t, err, app.EUNAUTHORIZED)
	})
}
