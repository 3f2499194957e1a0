package web

import (
	"context"

	"agentbook/app"
)

// PortalService is what the handlers need from app.PortalService.
type PortalService interface {
	Prefs(ctx context.Context, agentID string) (app.PortalPrefs, error)
	SavePrefs(ctx context.Context, agentID string, p app.PortalPrefs) (app.PortalPrefs, error)
	CreateAccount(ctx context.Context, agent *app.User, contactID string, invite bool) (*app.PortalAccount, error)
	Invite(ctx context.Context, agent *app.User, contactID string) (*app.PortalAccount, error)
	Account(ctx context.Context, ownerID, contactID string) (*app.PortalAccount, error)
	AccountsOf(ctx context.Context, ownerID string) (map[string]bool, error)
	AccountsFor(ctx context.Context, ownerID string, cs []*app.Contact) (map[string]*app.PortalAccount, error)
	StartBulk(ctx context.Context, agent *app.User, invite bool) (*app.BulkPortalResult, error)
	BulkStatus(ownerID, id string) (*app.BulkPortalResult, error)
	LinkAccount(ctx context.Context, token string) (*app.PortalAccount, *app.User, error)
	SetPassword(ctx context.Context, token, password, confirm string) (*app.PortalAccount, error)
	Login(ctx context.Context, username, password, ip string) (string, *app.PortalAccount, error)
	Authenticate(ctx context.Context, token string) (*app.PortalAccount, *app.Contact, error)
	Logout(ctx context.Context, token string) error
	RequestReset(ctx context.Context, username string) error
	ContactConversation(ctx context.Context, a *app.PortalAccount) ([]*app.PortalMessage, error)
	AgentConversation(ctx context.Context, ownerID, contactID string) ([]*app.PortalMessage, error)
	SendFromContact(ctx context.Context, a *app.PortalAccount, c *app.Contact, text string) (*app.PortalMessage, error)
	SendFromAgent(ctx context.Context, agent *app.User, contactID, text string) (*app.PortalMessage, error)
	UpdateDetails(ctx context.Context, a *app.PortalAccount, phone string, addr app.Address) (*app.Contact, error)
	Activity(ctx context.Context, ownerID, contactID string, limit int) ([]*app.ActivityEvent, error)
}
