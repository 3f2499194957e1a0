package store_test

import (
	"context"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/store/storetest"
)

func TestDeleteExpiredPortalLinksAndSessions(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Now().UTC()
	for i, exp := range []time.Time{now.Add(-time.Hour), now.Add(time.Hour)} {
		contact := app.NewID()
		if err := st.PutPortalLink(ctx, &app.PortalLink{ID: "link" + string(rune('a'+i)), ContactID: contact, OwnerID: "o", CreatedAt: now, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
		if err := st.PutPortalSession(ctx, &app.PortalSession{ID: "sess" + string(rune('a'+i)), ContactID: contact, OwnerID: "o", CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	links, sessions, err := st.DeleteExpiredPortal(ctx, now)
	if err != nil || links != 1 || sessions != 1 {
		t.Fatalf("removed %d links and %d sessions, %v", links, sessions, err)
	}
	if _, err := st.PortalLink(ctx, "linka"); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("the expired link is still there: %v", err)
	}
	if _, err := st.PortalLink(ctx, "linkb"); err != nil {
		t.Errorf("the live link is gone: %v", err)
	}
	if _, err := st.PortalSession(ctx, "sessb"); err != nil {
		t.Errorf("the live session is gone: %v", err)
	}
}
