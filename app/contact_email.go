package app

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"unicode/utf8"
)

// EmailResult tells the agent where an email went: the addresses it was queued for and those it
// was not sent to, with the reason.
type EmailResult struct {
	Queued  []Recipient `json:"queued"`
	Skipped []Recipient `json:"skipped"`
}

// Recipient is one address of one contact in an EmailResult.
type Recipient struct {
	ContactID string `json:"contact_id"`
	Name      string `json:"name"`
	Address   string `json:"address"`
	Reason    string `json:"reason,omitempty"` // why it was skipped
}

// Compose is an email an agent writes to contacts.
type Compose struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// Validate trims and checks a composed email; EINVALID with subject and text field errors.
func (m *Compose) Validate() error {
	m.Subject = strings.Join(strings.Fields(m.Subject), " ") // no line breaks can reach the header
	m.Text = strings.TrimRight(strings.ReplaceAll(m.Text, "\r\n", "\n"), " \t\n")
	fe := FieldErrors{}
	switch {
	case m.Subject == "":
		fe.Add("subject", "Enter a subject.")
	case utf8.RuneCountInString(m.Subject) > 200:
		fe.Add("subject", "Use at most 200 characters.")
	}
	switch {
	case strings.TrimSpace(m.Text) == "":
		fe.Add("text", "Write a message.")
	case len(m.Text) > 100_000:
		fe.Add("text", "A message is limited to 100,000 characters.")
	}
	return fe.Err()
}

// MaxEmailContacts bounds how many contacts one email goes to.
const MaxEmailContacts = 1000

// EmailContacts queues an agent's email to each of the contacts' primary address and the
// addresses with Notify on. Inactive contacts and addresses known to be invalid are skipped (the
// result says why). EINVALID when the message is incomplete or no address is left to send to.
func (s *ContactService) EmailContacts(ctx context.Context, sender *User, ids []string, m Compose) (*EmailResult, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if s.Outbox == nil {
		return nil, Errorf(EINTERNAL, "Mail is not configured.")
	}
	ids = dedupe(ids)
	if len(ids) == 0 {
		return nil, Errorf(EINVALID, "Choose at least one contact.")
	}
	if len(ids) > MaxEmailContacts {
		return nil, Errorf(EINVALID, "An email can go to at most %d contacts at a time.", MaxEmailContacts)
	}
	res := &EmailResult{Queued: []Recipient{}, Skipped: []Recipient{}}
	var out []*OutMessage
	for _, id := range ids {
		c, err := s.Store.Contact(ctx, sender.ID, id)
		if err != nil {
			return nil, err
		}
		name := c.DisplayName()
		if len(c.Emails) == 0 {
			res.Skipped = append(res.Skipped, Recipient{ContactID: c.ID, Name: name, Reason: "no email address"})
			continue
		}
		for _, e := range c.Emails {
			if !e.Primary && !e.Notify {
				continue
			}
			r := Recipient{ContactID: c.ID, Name: name, Address: e.Address}
			switch {
			case c.Status != StatusActive:
				r.Reason = "the contact is inactive"
			case e.Status == EmailInvalid:
				r.Reason = "invalid address: " + e.Reason
			case EmailSyntaxError(e.Address) != "":
				r.Reason = "invalid address: " + EmailSyntaxError(e.Address)
			}
			if r.Reason != "" {
				res.Skipped = append(res.Skipped, r)
				continue
			}
			res.Queued = append(res.Queued, r)
			out = append(out, &OutMessage{OwnerID: sender.ID, ContactID: c.ID, Kind: MailToContact,
				FromName: sender.Name, From: sender.Email, To: e.Address, Subject: m.Subject,
				Text: m.Text + "\n\n-- \n" + signature(sender)})
		}
	}
	if len(out) == 0 {
		msg := "Nothing was sent: no active contact with a valid address was chosen."
		if len(ids) == 1 && len(res.Skipped) > 0 {
			msg = "Nothing was sent: " + res.Skipped[0].Reason + "."
		}
		return res, Errorf(EINVALID, "%s", msg)
	}
	if err := s.Outbox.Enqueue(ctx, out...); err != nil {
		return nil, err
	}
	return res, nil
}

func signature(u *User) string {
	parts := []string{u.Name, u.Email}
	if u.Phone != "" {
		parts = append(parts, u.Phone)
	}
	return strings.Join(parts, "\n")
}

// ContactMail returns the email activity of an agent's contact, newest first.
func (s *ContactService) ContactMail(ctx context.Context, ownerID, contactID string) ([]*OutMessage, error) {
	if _, err := s.Store.Contact(ctx, ownerID, contactID); err != nil {
		return nil, err
	}
	if s.Outbox == nil {
		return nil, nil
	}
	return s.Outbox.Store.ContactMail(ctx, ownerID, contactID, 100)
}

// SetEmailVerdict records a check's or a bounce's verdict on the address in every contact of the
// agent that has it, and returns how many contacts changed. An unknown verdict never replaces a
// definite one.
func (s *ContactService) SetEmailVerdict(ctx context.Context, ownerID, address string, v Verdict) (int, error) {
	ids, err := s.Store.ContactIDsByEmail(ctx, ownerID, address)
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, id := range ids {
		for attempt := 0; ; attempt++ {
			cur, err := s.Store.Contact(ctx, ownerID, id)
			if ErrorCode(err) == ENOTFOUND {
				break
			}
			if err != nil {
				return changed, err
			}
			next := *cur
			next.Emails = append([]Email(nil), cur.Emails...)
			touched := false
			for i, e := range next.Emails {
				if EmailKey(e.Address) != EmailKey(address) {
					continue
				}
				if v.Status == EmailUnknown && e.Status != EmailUnknown {
					continue
				}
				if e.Status == v.Status && e.Reason == v.Reason {
					continue
				}
				next.Emails[i].Status, next.Emails[i].Reason, next.Emails[i].CheckedAt = v.Status, v.Reason, v.CheckedAt
				touched = true
			}
			if !touched {
				break
			}
			_, err = s.save(ctx, cur, &next)
			if ErrorCode(err) == ECONFLICT && attempt < 3 {
				continue
			}
			if err != nil {
				return changed, err
			}
			changed++
			break
		}
	}
	return changed, nil
}

// InvalidEmail is an address of an agent's contact that mail cannot reach.
type InvalidEmail struct {
	Contact *Contact
	Email   Email
}

// InvalidEmails lists the agent's contacts' invalid addresses, by contact name.
func (s *ContactService) InvalidEmails(ctx context.Context, ownerID string) ([]InvalidEmail, error) {
	ids, err := s.Store.InvalidEmailContacts(ctx, ownerID)
	if err != nil {
		return nil, err
	}
	cs, err := s.Store.ContactsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(cs, func(a, b *Contact) int {
		return cmp.Or(cmp.Compare(a.SortValue(SortName), b.SortValue(SortName)), cmp.Compare(a.ID, b.ID))
	})
	var out []InvalidEmail
	for _, c := range cs {
		if c.OwnerID != ownerID {
			continue
		}
		for _, e := range c.Emails {
			if e.Status == EmailInvalid {
				out = append(out, InvalidEmail{Contact: c, Email: e})
			}
		}
	}
	return out, nil
}

// CountInvalidEmails returns how many of the agent's contacts have an invalid address.
func (s *ContactService) CountInvalidEmails(ctx context.Context, ownerID string) (int, error) {
	ids, err := s.Store.InvalidEmailContacts(ctx, ownerID)
	return len(ids), err
}

// FixEmail replaces an invalid (or any) address of an agent's contact with a new one, checked on
// the spot: EINVALID with an "address" field error, and nothing changed, when it is not deliverable.
// The new address takes the old one's place, so a primary stays primary.
func (s *ContactService) FixEmail(ctx context.Context, ownerID, contactID, oldAddress, newAddress string) (*Contact, error) {
	newAddress = NormalizeEmail(newAddress)
	if msg := EmailSyntaxError(newAddress); msg != "" {
		return nil, &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"address": msg}}
	}
	v := Verdict{Status: EmailUnknown, CheckedAt: s.Now().UTC()}
	if s.Verifier != nil {
		v = s.Verifier.Verify(ctx, newAddress)
	}
	if v.Status == EmailInvalid {
		msg := "This address can't receive mail: " + v.Reason + "."
		return nil, &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"address": msg}}
	}
	for attempt := 0; ; attempt++ {
		cur, err := s.Store.Contact(ctx, ownerID, contactID)
		if err != nil {
			return nil, err
		}
		next := *cur
		next.Emails = append([]Email(nil), cur.Emails...)
		i := emailIndex(next.Emails, oldAddress)
		if i < 0 {
			return nil, Errorf(ENOTFOUND, "The contact no longer has the address %s.", oldAddress)
		}
		if j := emailIndex(next.Emails, newAddress); j >= 0 && j != i {
			msg := "The contact already has this address."
			return nil, &Error{Code: EINVALID, Message: msg, Fields: map[string]string{"address": msg}}
		}
		next.Emails[i].Address = newAddress
		next.Emails[i].Status, next.Emails[i].Reason, next.Emails[i].CheckedAt = v.Status, v.Reason, v.CheckedAt
		if v.Status == EmailUnknown {
			next.Emails[i].Reason = ""
		}
		next.Normalize()
		if err := next.Validate(); err != nil {
			return nil, err
		}
		saved, err := s.save(ctx, cur, &next)
		if ErrorCode(err) == ECONFLICT && attempt < 3 {
			continue
		}
		return saved, err
	}
}

// RemoveEmail removes a secondary address of an agent's contact. The primary cannot be removed
// here (EINVALID): it is edited instead, so that the contact keeps an address.
func (s *ContactService) RemoveEmail(ctx context.Context, ownerID, contactID, address string) (*Contact, error) {
	for attempt := 0; ; attempt++ {
		cur, err := s.Store.Contact(ctx, ownerID, contactID)
		if err != nil {
			return nil, err
		}
		i := emailIndex(cur.Emails, address)
		if i < 0 {
			return cur, nil // already gone
		}
		if i == 0 {
			return nil, Errorf(EINVALID, "The primary address can't be removed. Edit it instead.")
		}
		next := *cur
		next.Emails = append(append([]Email(nil), cur.Emails[:i]...), cur.Emails[i+1:]...)
		saved, err := s.save(ctx, cur, &next)
		if ErrorCode(err) == ECONFLICT && attempt < 3 {
			continue
		}
		return saved, err
	}
}

func emailIndex(es []Email, address string) int {
	for i, e := range es {
		if EmailKey(e.Address) == EmailKey(address) {
			return i
		}
	}
	return -1
}
