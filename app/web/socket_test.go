package web_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"agentbook/app/web"
)

func TestSocket(t *testing.T) {
	h := newSocketHarness(t, func(o *web.Options) {
		o.Reindex = func(ctx context.Context) (int, error) { return 7, nil }
	})

	t.Run("user add creates an agent and answers without the password hash", func(t *testing.T) {
		r := h.api(t, "", http.MethodPost, "/v1/users", web.UserRequest{Name: "Ada Admin", Email: "Ada@Example.com", Password: "1234567890", Admin: true})
		if r.status != http.StatusCreated {
			t.Fatalf("status = %d: %s", r.status, r.body)
		}
		var u web.UserResult
		r.decode(t, &u)
		if u.ID == "" || u.Name != "Ada Admin" || u.Email != "Ada@example.com" || u.Role != "admin" {
			t.Errorf("user = %+v", u)
		}
		if _, ok := r.object(t)["password_hash"]; ok {
			t.Errorf("the answer has the password hash")
		}
	})

	t.Run("user add with bad input is a 422 naming the fields", func(t *testing.T) {
		e := h.api(t, "", http.MethodPost, "/v1/users", web.UserRequest{Name: "", Email: "nope", Password: "short"}).
			wantError(t, http.StatusUnprocessableEntity, "invalid")
		for _, f := range []string{"name", "email", "password"} {
			if e.Error.Fields[f] == "" {
				t.Errorf("fields = %v, want %s", e.Error.Fields, f)
			}
		}
		h.api(t, "", http.MethodPost, "/v1/users", `{"name":"X","bogus":1}`).wantError(t, http.StatusUnprocessableEntity, "invalid")
	})

	t.Run("user add with a taken email is a 409", func(t *testing.T) {
		h.api(t, "", http.MethodPost, "/v1/users", web.UserRequest{Name: "Other", Email: "ada@example.com", Password: "1234567890"}).
			wantError(t, http.StatusConflict, "conflict")
	})

	t.Run("token create issues a token for an agent", func(t *testing.T) {
		r := h.api(t, "", http.MethodPost, "/v1/tokens", map[string]string{"email": "ada@example.com"})
		if r.status != http.StatusCreated {
			t.Fatalf("status = %d: %s", r.status, r.body)
		}
		tok, _ := r.object(t)["token"].(string)
		if u, err := h.accounts.UserByToken(context.Background(), tok); err != nil || !strings.EqualFold(u.Email, "ada@example.com") {
			t.Errorf("token %q does not authenticate: %v", tok, err)
		}
		h.api(t, "", http.MethodPost, "/v1/tokens", map[string]string{"email": "nobody@example.com"}).wantError(t, http.StatusNotFound, "not_found")
	})

	t.Run("seed creates contacts for the owner", func(t *testing.T) {
		r := h.api(t, "", http.MethodPost, "/v1/seed", map[string]any{"owner": "ada@example.com", "n": 12})
		if r.status != http.StatusOK {
			t.Fatalf("status = %d: %s", r.status, r.body)
		}
		if got := r.object(t)["created"]; got != float64(12) {
			t.Errorf("created = %v", got)
		}
		u, _ := h.accounts.UserByEmail(context.Background(), "ada@example.com")
		if n := activeCount(t, h, u.ID); n != 12 {
			t.Errorf("%d contacts, want 12", n)
		}
		h.api(t, "", http.MethodPost, "/v1/seed", map[string]any{"owner": "ada@example.com", "n": 0}).wantError(t, http.StatusUnprocessableEntity, "invalid")
		h.api(t, "", http.MethodPost, "/v1/seed", map[string]any{"owner": "nobody@example.com", "n": 1}).wantError(t, http.StatusNotFound, "not_found")
	})

	t.Run("reindex reports how many contacts it indexed", func(t *testing.T) {
		r := h.api(t, "", http.MethodPost, "/v1/reindex", nil)
		if r.status != http.StatusOK || r.object(t)["indexed"] != float64(7) {
			t.Errorf("reindex = %d %s", r.status, r.body)
		}
	})

	t.Run("an unknown operation is a JSON 404", func(t *testing.T) {
		h.api(t, "", http.MethodPost, "/v1/nope", nil).wantError(t, http.StatusNotFound, "not_found")
	})
}

func TestHealthz(t *testing.T) {
	var down atomic.Bool
	h := newHarness(t, func(o *web.Options) {
		o.Health = func() error {
			if down.Load() {
				return errors.New("index closed")
			}
			return nil
		}
	})
	if r := h.api(t, "", http.MethodGet, "/healthz", nil); r.status != http.StatusOK {
		t.Errorf("healthy: %d %s", r.status, r.body)
	}
	down.Store(true)
	r := h.api(t, "", http.MethodGet, "/healthz", nil)
	if r.status != http.StatusServiceUnavailable || r.object(t)["status"] != "unavailable" {
		t.Errorf("unhealthy: %d %s", r.status, r.body)
	}
	if strings.Contains(r.body, "index closed") {
		t.Errorf("healthz shows the internal error: %s", r.body)
	}
}
