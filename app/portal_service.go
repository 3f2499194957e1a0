package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Kinds of portal mail.
const (
	MailPortalInvite = "portal_invite" // the invitation with the set-password link
	MailPortalReset  = "portal_reset"  // a reset-password link the contact asked for
	MailPortalNotice = "portal_notice" // a new message, or a first login, told to the other side
)

// portalPrefsName is the preference that keeps an agent's PortalPrefs.
const portalPrefsName = "portal_prefs"

// PortalService holds the rules of client portal accounts: creating them, invitations and
// set-password links, logging in, the conversation with the agent, the contact's own details,
// and the activity they leave on the contact.
type PortalService struct {
	Store    Store
	Contacts *ContactService
	Outbox   *Outbox
	Now      func() time.Time
	// BaseURL is the public address used in links inside emails.
	BaseURL string
	Limiter *LoginLimiter
	// LinkTTL is how long a set-password link works (0: 14 days); SessionTTL how long a portal
	// login lasts (0: 12 hours).
	LinkTTL    time.Duration
	SessionTTL time.Duration
	// BcryptCost is bcrypt's cost (0: bcrypt.DefaultCost).
	BcryptCost int
	Logger     *slog.Logger

	dummyOnce sync.Once
	dummyHash []byte
	bulkMu    sync.Mutex
	bulk      map[string]*BulkPortalResult
	bulkWG    sync.WaitGroup
}

// Close waits for the Create Portal Accounts runs still going (before the store closes).
func (s *PortalService) Close() { s.bulkWG.Wait() }

func (s *PortalService) now() time.Time { return s.Now().UTC() }

func (s *PortalService) linkTTL() time.Duration {
	if s.LinkTTL > 0 {
		return s.LinkTTL
	}
	return 14 * 24 * time.Hour
}

func (s *PortalService) sessionTTL() time.Duration {
	if s.SessionTTL > 0 {
		return s.SessionTTL
	}
	return 12 * time.Hour
}

func (s *PortalService) cost() int {
	if s.BcryptCost > 0 {
		return s.BcryptCost
	}
	return bcrypt.DefaultCost
}

// Prefs returns an agent's portal preferences (the defaults until changed).
func (s *PortalService) Prefs(ctx context.Context, agentID string) (PortalPrefs, error) {
	p := DefaultPortalPrefs()
	err := s.Store.GetPref(ctx, agentID, portalPrefsName, &p)
	if ErrorCode(err) == ENOTFOUND {
		return DefaultPortalPrefs(), nil
	}
	return p, err
}

// SavePrefs validates and stores an agent's portal preferences.
func (s *PortalService) SavePrefs(ctx context.Context, agentID string, p PortalPrefs) (PortalPrefs, error) {
	p.Subject = strings.TrimSpace(p.Subject)
	p.Body = strings.TrimSpace(strings.ReplaceAll(p.Body, "\r\n", "\n"))
	fe := FieldErrors{}
	switch n := utf8.RuneCountInString(p.Subject); {
	case n == 0:
		fe.Add("subject", "Enter a subject.")
	case n > 200:
		fe.Add("subject", "Use at most 200 characters.")
	}
	switch {
	case !strings.Contains(p.Body, "{{portal_link}}"):
		fe.Add("body", "The message must contain {{portal_link}}: it is where the contact sets a password.")
	case len(p.Body) > 10000:
		fe.Add("body", "Use at most 10,000 characters.")
	}
	if err := fe.Err(); err != nil {
		return p, err
	}
	return p, s.Store.PutPref(ctx, agentID, portalPrefsName, p)
}

// InviteFields are the values of an invitation's placeholders.
type InviteFields struct {
	FirstName, LastName, Username, Link string
	Agent                               *User
	LinkDays                            int
}

// RenderInvite fills the placeholders of the agent's subject and body: {{first_name}},
// {{last_name}}, {{username}}, {{portal_link}}, {{link_days}}, {{agent_name}}, {{agent_email}},
// {{agent_phone}}. Unknown placeholders are left as written.
func RenderInvite(p PortalPrefs, f InviteFields) (subject, body string) {
	first := f.FirstName
	if first == "" {
		first = "there"
	}
	r := strings.NewReplacer("{{first_name}}", first, "{{last_name}}", f.LastName, "{{username}}", f.Username,
		"{{portal_link}}", f.Link, "{{link_days}}", fmt.Sprint(f.LinkDays), "{{agent_name}}", f.Agent.Name,
		"{{agent_email}}", f.Agent.Email, "{{agent_phone}}", f.Agent.Phone)
	return strings.TrimSpace(r.Replace(p.Subject)), strings.TrimSpace(r.Replace(p.Body))
}

// portalAddress is the contact's primary address if it may be written to, or why not.
func portalAddress(c *Contact) (string, string) {
	switch {
	case c.Status != StatusActive:
		return "", "inactive"
	case len(c.Emails) == 0:
		return "", "no email"
	case c.Emails[0].Status == EmailInvalid || EmailSyntaxError(c.Emails[0].Address) != "":
		return "", "invalid email"
	}
	return c.Emails[0].Address, ""
}

// CreateAccount creates the portal account of an agent's contact and, when invite is set,
// emails the invitation. The contact must be active with a valid primary email and no account.
func (s *PortalService) CreateAccount(ctx context.Context, agent *User, contactID string, invite bool) (*PortalAccount, error) {
	c, err := s.Store.Contact(ctx, agent.ID, contactID)
	if err != nil {
		return nil, err
	}
	a, _, err := s.create(ctx, agent, c, time.Time{})
	if err != nil {
		return nil, err
	}
	if invite {
		msg, err := s.invitation(ctx, agent, c, a)
		if err != nil {
			return a, err
		}
		if err := s.Outbox.Enqueue(ctx, msg); err != nil {
			return a, err
		}
	}
	return a, nil
}

// create makes the account (recording invitedAt when the caller sends the invitation itself);
// reason says why a contact cannot have one (EINVALID/ECONFLICT).
func (s *PortalService) create(ctx context.Context, agent *User, c *Contact, invitedAt time.Time) (*PortalAccount, string, error) {
	addr, why := portalAddress(c)
	if why != "" {
		msgs := map[string]string{"inactive": "This contact is inactive; reactivate them first.",
			"no email": "This contact has no email address to log in with.", "invalid email": "This contact's email address is invalid; fix it first."}
		return nil, why, Errorf(EINVALID, "%s", msgs[why])
	}
	a := &PortalAccount{ContactID: c.ID, OwnerID: agent.ID, Enabled: true, CreatedAt: s.now(), InvitedAt: invitedAt, Version: 1}
	if err := s.Store.CreatePortalAccount(ctx, a, strings.ToLower(addr)); err != nil {
		if ErrorCode(err) == ECONFLICT {
			return nil, "already has one", err
		}
		return nil, "", err
	}
	return a, "", nil
}

// invitation makes a new set-password link (replacing earlier ones) and the invitation email,
// records the invitation on the account and the contact's activity, and returns the email for
// the caller to queue.
func (s *PortalService) invitation(ctx context.Context, agent *User, c *Contact, a *PortalAccount) (*OutMessage, error) {
	prefs, err := s.Prefs(ctx, agent.ID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	msg, err := s.inviteMail(ctx, agent, prefs, c, a, now)
	if err != nil {
		return nil, err
	}
	a.InvitedAt = now
	a.Version++
	if err := s.Store.UpdatePortalAccount(ctx, a); err != nil {
		return nil, err
	}
	if err := s.Store.AddActivity(ctx, &ActivityEvent{OwnerID: agent.ID, ContactID: c.ID, Kind: ActivityInvited, At: now}); err != nil {
		return nil, err
	}
	return msg, nil
}

// inviteMail stores a new set-password link for the account (replacing earlier ones) and
// returns the invitation email.
func (s *PortalService) inviteMail(ctx context.Context, agent *User, prefs PortalPrefs, c *Contact, a *PortalAccount, now time.Time) (*OutMessage, error) {
	addr, why := portalAddress(c)
	if why != "" {
		return nil, Errorf(EINVALID, "No invitation sent: the contact's address is unusable (%s).", why)
	}
	token, id := newSecret()
	if err := s.Store.PutPortalLink(ctx, &PortalLink{ID: id, ContactID: c.ID, OwnerID: agent.ID, CreatedAt: now, ExpiresAt: now.Add(s.linkTTL())}); err != nil {
		return nil, err
	}
	subject, body := RenderInvite(prefs, InviteFields{FirstName: c.FirstName, LastName: c.LastName, Username: a.Username,
		Link: s.link("/portal/set-password/" + token), Agent: agent, LinkDays: int(s.linkTTL() / (24 * time.Hour))})
	return &OutMessage{OwnerID: agent.ID, ContactID: c.ID, Kind: MailPortalInvite, FromName: agent.Name, From: agent.Email,
		To: addr, Subject: subject, Text: body}, nil
}

func (s *PortalService) link(path string) string { return strings.TrimRight(s.BaseURL, "/") + path }

// Invite emails a new invitation (a fresh set-password link) to a contact that has an account.
func (s *PortalService) Invite(ctx context.Context, agent *User, contactID string) (*PortalAccount, error) {
	c, err := s.Store.Contact(ctx, agent.ID, contactID)
	if err != nil {
		return nil, err
	}
	a, err := s.Store.PortalAccount(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	msg, err := s.invitation(ctx, agent, c, a)
	if err != nil {
		return nil, err
	}
	return a, s.Outbox.Enqueue(ctx, msg)
}

// Account returns the portal account of an agent's contact; ENOTFOUND when it has none.
func (s *PortalService) Account(ctx context.Context, ownerID, contactID string) (*PortalAccount, error) {
	if _, err := s.Store.Contact(ctx, ownerID, contactID); err != nil {
		return nil, err
	}
	return s.Store.PortalAccount(ctx, contactID)
}

// AccountsFor returns the portal accounts of a page of the agent's contacts (contact ID →
// account; no entry when none), for the list's Portal column. Contacts of another agent are left out.
func (s *PortalService) AccountsFor(ctx context.Context, ownerID string, cs []*Contact) (map[string]*PortalAccount, error) {
	ids := make([]string, 0, len(cs))
	for _, c := range cs {
		if c.OwnerID == ownerID {
			ids = append(ids, c.ID)
		}
	}
	return s.Store.PortalAccountsByContact(ctx, ownerID, ids)
}

// AccountsOf returns which of the agent's contacts have a portal account.
func (s *PortalService) AccountsOf(ctx context.Context, ownerID string) (map[string]bool, error) {
	return s.Store.PortalAccountsOf(ctx, ownerID)
}

// BulkPortalResult is the progress and outcome of Create Portal Accounts.
type BulkPortalResult struct {
	ID      string
	OwnerID string
	Invite  bool
	Done    bool
	Total   int
	Seen    int
	Created int
	Invited int
	Skipped []BulkSkip
	Err     string
}

// BulkSkip is a contact Create Portal Accounts passed over, and why.
type BulkSkip struct {
	ContactID string
	Name      string
	Reason    string // no email, invalid email, inactive, already has one
}

// StartBulk creates a portal account for every contact of the agent that can have one (and
// with invite, emails each an invitation) in the background; BulkStatus follows it.
func (s *PortalService) StartBulk(ctx context.Context, agent *User, invite bool) (*BulkPortalResult, error) {
	s.bulkMu.Lock()
	if s.bulk == nil {
		s.bulk = map[string]*BulkPortalResult{}
	}
	for _, r := range s.bulk {
		if r.OwnerID == agent.ID && !r.Done {
			s.bulkMu.Unlock()
			return nil, Errorf(ECONFLICT, "Portal accounts are already being created. Wait for that to finish.")
		}
	}
	r := &BulkPortalResult{ID: NewID(), OwnerID: agent.ID, Invite: invite}
	s.bulk[r.ID] = r
	s.bulkMu.Unlock()
	s.bulkWG.Add(1)
	go func() {
		defer s.bulkWG.Done()
		if err := s.runBulk(context.WithoutCancel(ctx), agent, r); err != nil {
			s.bulkMu.Lock()
			r.Err = "Stopped: " + ErrorMessage(err)
			s.bulkMu.Unlock()
			if s.Logger != nil {
				s.Logger.Error("create portal accounts", "err", err)
			}
		}
		s.bulkMu.Lock()
		r.Done = true
		s.bulkMu.Unlock()
	}()
	return s.BulkStatus(agent.ID, r.ID)
}

// BulkStatus returns a copy of a bulk run's progress; ENOTFOUND for another agent's or an unknown run.
func (s *PortalService) BulkStatus(ownerID, id string) (*BulkPortalResult, error) {
	s.bulkMu.Lock()
	defer s.bulkMu.Unlock()
	r, ok := s.bulk[id]
	if !ok || r.OwnerID != ownerID {
		return nil, Errorf(ENOTFOUND, "No such run.")
	}
	c := *r
	c.Skipped = append([]BulkSkip(nil), r.Skipped...)
	return &c, nil
}

// RunBulk is StartBulk in the calling goroutine (for the CLI and tests).
func (s *PortalService) RunBulk(ctx context.Context, agent *User, invite bool) (*BulkPortalResult, error) {
	r := &BulkPortalResult{ID: NewID(), OwnerID: agent.ID, Invite: invite}
	err := s.runBulk(ctx, agent, r)
	r.Done = true
	return r, err
}

func (s *PortalService) runBulk(ctx context.Context, agent *User, r *BulkPortalResult) error {
	has, err := s.Store.PortalAccountsOf(ctx, agent.ID)
	if err != nil {
		return err
	}
	total := 0
	for _, st := range []ContactStatus{StatusActive, StatusInactive} {
		n, err := s.Store.CountContacts(ctx, agent.ID, st)
		if err != nil {
			return err
		}
		total += n
	}
	s.bulkMu.Lock()
	r.Total = total
	s.bulkMu.Unlock()
	prefs, err := s.Prefs(ctx, agent.ID)
	if err != nil {
		return err
	}
	// An invited account is created with its invitation time, and the emails and activity
	// events are written 200 at a time: one transaction per contact for the account and one
	// for its link, instead of four.
	var pending []*OutMessage
	var events []*ActivityEvent
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		if err := s.Store.AddActivity(ctx, events...); err != nil {
			return err
		}
		err := s.Outbox.Enqueue(ctx, pending...)
		pending, events = pending[:0], events[:0]
		return err
	}
	err = s.Contacts.EachContact(ctx, agent.ID, func(c *Contact) error {
		skip := func(reason string) {
			s.bulkMu.Lock()
			r.Skipped = append(r.Skipped, BulkSkip{ContactID: c.ID, Name: c.DisplayName(), Reason: reason})
			r.Seen++
			s.bulkMu.Unlock()
		}
		if has[c.ID] {
			skip("already has one")
			return nil
		}
		var invitedAt time.Time
		if r.Invite {
			invitedAt = s.now()
		}
		a, why, err := s.create(ctx, agent, c, invitedAt)
		if why != "" {
			skip(why)
			return nil
		}
		if err != nil {
			return err
		}
		invited := 0
		if r.Invite {
			msg, err := s.inviteMail(ctx, agent, prefs, c, a, invitedAt)
			if err != nil {
				return err
			}
			pending = append(pending, msg)
			events = append(events, &ActivityEvent{OwnerID: agent.ID, ContactID: c.ID, Kind: ActivityInvited, At: invitedAt})
			invited = 1
			if len(pending) >= 200 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		s.bulkMu.Lock()
		r.Seen++
		r.Created++
		r.Invited += invited
		s.bulkMu.Unlock()
		return nil
	})
	if ferr := flush(); err == nil {
		err = ferr
	}
	return err
}

// LinkAccount returns the account and contact a set-password link is for, without using it.
// An unknown, used or expired link is EINVALID with a message for the contact.
func (s *PortalService) LinkAccount(ctx context.Context, token string) (*PortalAccount, *User, error) {
	l, err := s.Store.PortalLink(ctx, HashSecret(token))
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, Errorf(EINVALID, "This link has been used or replaced by a newer one. Ask your agent for a new invitation, or use \"Forgot your password?\".")
	}
	if err != nil {
		return nil, nil, err
	}
	if s.now().After(l.ExpiresAt) {
		return nil, nil, Errorf(EINVALID, "This link has expired. Ask your agent for a new invitation, or use \"Forgot your password?\".")
	}
	a, err := s.Store.PortalAccount(ctx, l.ContactID)
	if err != nil {
		return nil, nil, err
	}
	agent, err := s.Store.User(ctx, a.OwnerID)
	if err != nil {
		return nil, nil, err
	}
	return a, agent, nil
}

// SetPassword sets the password of the account a set-password link is for, and uses up the
// link. The password needs 10 characters or more.
func (s *PortalService) SetPassword(ctx context.Context, token, password, confirm string) (*PortalAccount, error) {
	a, _, err := s.LinkAccount(ctx, token)
	if err != nil {
		return nil, err
	}
	fe := FieldErrors{}
	if utf8.RuneCountInString(password) < 10 {
		fe.Add("password", "Use at least 10 characters.")
	} else if len(password) > 72 {
		fe.Add("password", "Use at most 72 bytes.")
	}
	if password != confirm {
		fe.Add("confirm", "The two passwords differ.")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if _, err := s.Store.TakePortalLink(ctx, HashSecret(token)); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cost())
	if err != nil {
		return nil, err
	}
	a.PasswordHash = hash
	a.Version++
	return a, s.Store.UpdatePortalAccount(ctx, a)
}

// Login checks a username and password and opens a portal session. A wrong username and a
// wrong password give the same answer. Failures are rate-limited per address and per username.
// A contact the agent deactivated is refused politely, once the password is right.
func (s *PortalService) Login(ctx context.Context, username, password, ip string) (string, *PortalAccount, error) {
	key := "portal:" + strings.ToLower(strings.TrimSpace(username))
	now := s.Now()
	if wait := s.Limiter.Blocked(now, ip, key); wait > 0 {
		mins := int((wait + time.Minute - 1) / time.Minute)
		return "", nil, Errorf(ERATELIMITED, "Too many failed logins. Try again in %d minute%s.", mins, plural(mins))
	}
	fail := func() (string, *PortalAccount, error) {
		s.Limiter.Fail(now, ip, key)
		return "", nil, Errorf(EUNAUTHORIZED, "That username and password do not match.")
	}
	a, err := s.Store.PortalAccountByUsername(ctx, strings.TrimSpace(username))
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return "", nil, err
	}
	if err != nil || !a.HasPassword() {
		s.dummyOnce.Do(func() { s.dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password"), s.cost()) })
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		return fail()
	}
	if bcrypt.CompareHashAndPassword(a.PasswordHash, []byte(password)) != nil {
		return fail()
	}
	c, err := s.Store.Contact(ctx, a.OwnerID, a.ContactID)
	if err != nil {
		return "", nil, err
	}
	if c.Status != StatusActive || !a.Enabled {
		return "", nil, Errorf(EFORBIDDEN, "Your portal is paused. Please contact your agent, who will be glad to help.")
	}
	s.Limiter.Succeed(ip, key)
	token, id := newSecret()
	nowUTC := now.UTC()
	if err := s.Store.PutPortalSession(ctx, &PortalSession{ID: id, ContactID: a.ContactID, OwnerID: a.OwnerID, CreatedAt: nowUTC,
		ExpiresAt: nowUTC.Add(s.sessionTTL())}); err != nil {
		return "", nil, err
	}
	first := a.Logins == 0
	a.Logins++
	a.LastLoginAt = nowUTC
	a.Version++
	if err := s.Store.UpdatePortalAccount(ctx, a); err != nil {
		return "", nil, err
	}
	if err := s.Store.AddActivity(ctx, &ActivityEvent{OwnerID: a.OwnerID, ContactID: a.ContactID, Kind: ActivityPortalLogin, At: nowUTC}); err != nil {
		return "", nil, err
	}
	if first {
		s.noticeFirstLogin(ctx, a, c)
	}
	return token, a, nil
}

// noticeFirstLogin emails the agent that a contact logged in for the first time, if the agent
// wants to know. A failure is logged: the login stands.
func (s *PortalService) noticeFirstLogin(ctx context.Context, a *PortalAccount, c *Contact) {
	agent, err := s.Store.User(ctx, a.OwnerID)
	if err == nil {
		var prefs PortalPrefs
		if prefs, err = s.Prefs(ctx, agent.ID); err == nil && prefs.NotifyFirstLogin {
			err = s.Outbox.Enqueue(ctx, &OutMessage{OwnerID: agent.ID, Kind: MailPortalNotice, FromName: "agentbook", From: agent.Email,
				To: agent.Email, Subject: c.DisplayName() + " logged into the client portal",
				Text: fmt.Sprintf("%s logged into the client portal for the first time.\n\n%s\n", c.DisplayName(), s.link("/contacts/"+c.ID))})
		}
	}
	if err != nil && s.Logger != nil {
		s.Logger.Warn("first-login notice", "contact", c.ID, "err", err)
	}
}

// Authenticate returns the account and contact of a portal session; EUNAUTHORIZED when the
// session is unknown or expired, or the contact was deactivated or removed since.
func (s *PortalService) Authenticate(ctx context.Context, token string) (*PortalAccount, *Contact, error) {
	if token == "" {
		return nil, nil, Errorf(EUNAUTHORIZED, "Please log in.")
	}
	ps, err := s.Store.PortalSession(ctx, HashSecret(token))
	if ErrorCode(err) == ENOTFOUND || (err == nil && s.now().After(ps.ExpiresAt)) {
		return nil, nil, Errorf(EUNAUTHORIZED, "Your session has ended. Please log in again.")
	}
	if err != nil {
		return nil, nil, err
	}
	a, err := s.Store.PortalAccount(ctx, ps.ContactID)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, Errorf(EUNAUTHORIZED, "Please log in.")
	}
	if err != nil {
		return nil, nil, err
	}
	c, err := s.Store.Contact(ctx, a.OwnerID, a.ContactID)
	if ErrorCode(err) == ENOTFOUND || (err == nil && (c.Status != StatusActive || !a.Enabled)) {
		return nil, nil, Errorf(EUNAUTHORIZED, "Your portal is paused. Please contact your agent.")
	}
	if err != nil {
		return nil, nil, err
	}
	return a, c, nil
}

// Logout ends a portal session.
func (s *PortalService) Logout(ctx context.Context, token string) error {
	return s.Store.DeletePortalSession(ctx, HashSecret(token))
}

// RequestReset emails a new set-password link to the account with the username (or whose
// primary email it is), if there is one and its contact is active. It never says which.
func (s *PortalService) RequestReset(ctx context.Context, username string) error {
	a, err := s.Store.PortalAccountByUsername(ctx, strings.TrimSpace(username))
	if ErrorCode(err) == ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	c, err := s.Store.Contact(ctx, a.OwnerID, a.ContactID)
	if err != nil {
		return nil
	}
	addr, why := portalAddress(c)
	if why != "" || !a.Enabled {
		return nil
	}
	agent, err := s.Store.User(ctx, a.OwnerID)
	if err != nil {
		return err
	}
	token, id := newSecret()
	now := s.now()
	if err := s.Store.PutPortalLink(ctx, &PortalLink{ID: id, ContactID: c.ID, OwnerID: a.OwnerID, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}); err != nil {
		return err
	}
	return s.Outbox.Enqueue(ctx, &OutMessage{OwnerID: agent.ID, ContactID: c.ID, Kind: MailPortalReset, FromName: agent.Name, From: agent.Email,
		To: addr, Subject: "Reset your client portal password",
		Text: fmt.Sprintf("Hello %s,\n\nChoose a new password for your client portal here (the link works once, for 24 hours):\n%s\n\n"+
			"If you did not ask for this, ignore this email.\n\n-- \n%s\n", c.FirstName, s.link("/portal/set-password/"+token), signature(agent))})
}

// MaxMessage is the longest portal message.
const MaxMessage = 5000

func checkMessage(text string) (string, error) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	switch {
	case text == "":
		return "", &Error{Code: EINVALID, Message: "Write a message first.", Fields: map[string]string{"text": "Write a message first."}}
	case utf8.RuneCountInString(text) > MaxMessage:
		return "", &Error{Code: EINVALID, Message: "Keep a message under 5,000 characters.", Fields: map[string]string{"text": "Keep a message under 5,000 characters."}}
	}
	return text, nil
}

// ContactConversation returns the conversation as the contact sees it, and marks the agent's
// messages read.
func (s *PortalService) ContactConversation(ctx context.Context, a *PortalAccount) ([]*PortalMessage, error) {
	n, err := s.Store.MarkPortalMessagesRead(ctx, a.OwnerID, a.ContactID, false, s.now())
	if err != nil {
		return nil, err
	}
	if n > 0 {
		if err := s.Store.AddActivity(ctx, &ActivityEvent{OwnerID: a.OwnerID, ContactID: a.ContactID, Kind: ActivityMessageRead,
			Detail: fmt.Sprintf("%d message%s", n, plural(n)), At: s.now()}); err != nil {
			return nil, err
		}
	}
	return s.Store.PortalMessages(ctx, a.OwnerID, a.ContactID)
}

// AgentConversation returns the conversation with an agent's contact and marks the contact's
// messages read.
func (s *PortalService) AgentConversation(ctx context.Context, ownerID, contactID string) ([]*PortalMessage, error) {
	if _, err := s.Store.Contact(ctx, ownerID, contactID); err != nil {
		return nil, err
	}
	if _, err := s.Store.MarkPortalMessagesRead(ctx, ownerID, contactID, true, s.now()); err != nil {
		return nil, err
	}
	return s.Store.PortalMessages(ctx, ownerID, contactID)
}

// SendFromContact stores the contact's message and emails the agent a notice.
func (s *PortalService) SendFromContact(ctx context.Context, a *PortalAccount, c *Contact, text string) (*PortalMessage, error) {
	text, err := checkMessage(text)
	if err != nil {
		return nil, err
	}
	m := &PortalMessage{ID: NewID(), OwnerID: a.OwnerID, ContactID: a.ContactID, FromContact: true, Text: text, CreatedAt: s.now()}
	if err := s.Store.AddPortalMessage(ctx, m); err != nil {
		return nil, err
	}
	if err := s.Store.AddActivity(ctx, &ActivityEvent{OwnerID: a.OwnerID, ContactID: a.ContactID, Kind: ActivityMessageIn, At: m.CreatedAt}); err != nil {
		return nil, err
	}
	agent, err := s.Store.User(ctx, a.OwnerID)
	if err != nil {
		return nil, err
	}
	return m, s.Outbox.Enqueue(ctx, &OutMessage{OwnerID: agent.ID, Kind: MailPortalNotice, FromName: "agentbook", From: agent.Email,
		To: agent.Email, Subject: "New message from " + c.DisplayName(),
		Text: fmt.Sprintf("%s wrote in the client portal:\n\n%s\n\nAnswer on the contact's page: %s\n", c.DisplayName(), text, s.link("/contacts/"+c.ID))})
}

// SendFromAgent stores the agent's answer and emails the contact a notice (without the text:
// it is read in the portal).
func (s *PortalService) SendFromAgent(ctx context.Context, agent *User, contactID, text string) (*PortalMessage, error) {
	text, err := checkMessage(text)
	if err != nil {
		return nil, err
	}
	c, err := s.Store.Contact(ctx, agent.ID, contactID)
	if err != nil {
		return nil, err
	}
	if _, err := s.Store.PortalAccount(ctx, contactID); err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return nil, Errorf(EINVALID, "This contact has no portal account to read messages in.")
		}
		return nil, err
	}
	m := &PortalMessage{ID: NewID(), OwnerID: agent.ID, ContactID: contactID, Text: text, CreatedAt: s.now()}
	if err := s.Store.AddPortalMessage(ctx, m); err != nil {
		return nil, err
	}
	if err := s.Store.AddActivity(ctx, &ActivityEvent{OwnerID: agent.ID, ContactID: contactID, Kind: ActivityMessageOut, At: m.CreatedAt}); err != nil {
		return nil, err
	}
	if addr, why := portalAddress(c); why == "" {
		err = s.Outbox.Enqueue(ctx, &OutMessage{OwnerID: agent.ID, ContactID: c.ID, Kind: MailPortalNotice, FromName: agent.Name, From: agent.Email,
			To: addr, Subject: "New message from " + agent.Name,
			Text: fmt.Sprintf("Hello %s,\n\n%s sent you a message in your client portal:\n%s\n\n-- \n%s\n", c.FirstName, agent.Name, s.link("/portal/messages"), signature(agent))})
	}
	return m, err
}

// UpdateDetails lets a contact change their phone and mailing address (the first of each);
// the change is recorded on the contact's timeline for the agent to see.
func (s *PortalService) UpdateDetails(ctx context.Context, a *PortalAccount, phone string, addr Address) (*Contact, error) {
	c, err := s.Store.Contact(ctx, a.OwnerID, a.ContactID)
	if err != nil {
		return nil, err
	}
	next := *c
	next.Phones = append([]Phone(nil), c.Phones...)
	next.Addresses = append([]Address(nil), c.Addresses...)
	var changes []string
	phone = strings.TrimSpace(phone)
	old := c.PrimaryPhone()
	switch {
	case phone == old:
	case phone == "" && len(next.Phones) > 0:
		next.Phones = next.Phones[1:]
		changes = append(changes, "phone "+old+" removed")
	case len(next.Phones) > 0:
		next.Phones[0].Number = phone
		changes = append(changes, "phone "+old+" → "+phone)
	default:
		next.Phones = []Phone{{Number: phone, Label: "Mobile"}}
		changes = append(changes, "phone "+phone+" added")
	}
	var cur Address
	if len(c.Addresses) > 0 {
		cur = c.Addresses[0]
	}
	addr.Label = cur.Label
	if addr.Label == "" {
		addr.Label = "Home"
	}
	oneLine := func(a Address) string {
		return strings.Join(nonEmpty(strings.ReplaceAll(a.Street, "\n", ", "), a.City, a.Region, a.PostalCode, a.Country), ", ")
	}
	if oneLine(addr) != oneLine(cur) {
		if len(next.Addresses) > 0 {
			next.Addresses[0] = addr
		} else {
			next.Addresses = []Address{addr}
		}
		changes = append(changes, "address "+oneLine(cur)+" → "+oneLine(addr))
	}
	if len(changes) == 0 {
		return c, nil
	}
	saved, err := s.Contacts.Update(ctx, a.OwnerID, &next)
	if err != nil {
		return nil, err
	}
	detail := strings.Join(changes, "; ")
	detail = strings.ReplaceAll(detail, "  ", " ")
	if err := s.Store.AddActivity(ctx, &ActivityEvent{OwnerID: a.OwnerID, ContactID: a.ContactID, Kind: ActivityDetailsChanged, Detail: detail, At: s.now()}); err != nil {
		return nil, err
	}
	return saved, nil
}

// Activity returns the newest events of an agent's contact.
func (s *PortalService) Activity(ctx context.Context, ownerID, contactID string, limit int) ([]*ActivityEvent, error) {
	if _, err := s.Store.Contact(ctx, ownerID, contactID); err != nil {
		return nil, err
	}
	return s.Store.Activity(ctx, ownerID, contactID, limit)
}

// RemoveAccount deletes a contact's portal account (with its links and sessions); used when
// the contact is removed.
func (s *PortalService) RemoveAccount(ctx context.Context, contactID string) error {
	return s.Store.DeletePortalAccount(ctx, contactID)
}
