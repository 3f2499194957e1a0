package app_test

import (
	"context"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/store/storetest"
)

type recheckVerifier struct {
	verdict app.Verdict
	asked   []string
}

func (f *recheckVerifier) Verify(_ context.Context, address string) app.Verdict {
	f.asked = append(f.asked, address)
	return f.verdict
}

func TestRecheckUnknownAddresses(t *testing.T) {
	ctx := context.Background()
	cs, _, st, _ := storetest.Services(t)
	v := &recheckVerifier{verdict: app.Verdict{Status: app.EmailInvalid, Reason: "no such domain", CheckedAt: time.Now()}}
	cs.Verifier = v
	owner := app.NewID()
	mk := func(addr string, checked time.Time) *app.Contact {
		c, err := cs.Create(ctx, owner, &app.Contact{FirstName: "X", Emails: []app.Email{{Address: addr}}})
		if err != nil {
			t.Fatal(err)
		}
		next := *c
		next.Emails = []app.Email{{Address: addr, Primary: true, Notify: true, Status: app.EmailUnknown, CheckedAt: checked}}
		next.Version++
		if err := st.UpdateContact(ctx, &next); err != nil {
			t.Fatal(err)
		}
		return c
	}
	old := mk("old@nowhere.test", time.Now().Add(-3*time.Hour))
	mk("recent@nowhere.test", time.Now().Add(-10*time.Minute))
	mk("never@nowhere.test", time.Time{})
	checked, invalid, err := cs.RecheckUnknown(ctx, 10)
	if err != nil || checked != 1 || invalid != 1 || len(v.asked) != 1 || v.asked[0] != "old@nowhere.test" {
		t.Fatalf("checked %d invalid %d asked %v err %v", checked, invalid, v.asked, err)
	}
	got, _ := cs.Get(ctx, owner, old.ID)
	if got.Emails[0].Status != app.EmailInvalid {
		t.Errorf("status after the re-check: %+v", got.Emails[0])
	}
	if n, _, _ := cs.RecheckUnknown(ctx, 10); n != 0 {
		t.Errorf("a second run checked %d", n)
	}
}
