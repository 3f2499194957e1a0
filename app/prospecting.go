package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Kinds of outgoing mail about listings.
const (
	MailListing = "listing" // a listing that matches a contact's saved search
	MailToAgent = "agent"   // an agent's note to other agents about a listing
)

// ListingService holds the rules for saved searches and listings: validation, ownership, the
// notification emails a new or changed listing sends, and Reverse Prospecting.
type ListingService struct {
	Store    Store
	Listings ListingStore
	Index    *SearchIndex
	Outbox   *Outbox
	Now      func() time.Time
	// BaseURL is the public address used in links inside emails (unsubscribe).
	BaseURL string
	Logger  *slog.Logger
}

// LoadIndex files every stored saved search in the matching index (at start-up).
func (s *ListingService) LoadIndex(ctx context.Context) (int, error) {
	n := 0
	err := s.Listings.EachSavedSearch(ctx, func(ss *SavedSearch) error {
		s.Index.Put(ss)
		n++
		return nil
	})
	return n, err
}

func (s *ListingService) now() time.Time { return s.Now().UTC() }

// normalizeSearch trims and de-duplicates a saved search's fields.
func normalizeSearch(ss *SavedSearch) {
	ss.Name = strings.Join(strings.Fields(ss.Name), " ")
	ss.Cities = cleanList(ss.Cities)
	ss.PostalCodes = cleanList(ss.PostalCodes)
	ss.PropertyTypes = cleanList(ss.PropertyTypes)
	for i, t := range ss.PropertyTypes {
		ss.PropertyTypes[i] = strings.ToLower(t)
	}
	if ss.Schedule == "" {
		ss.Schedule = ScheduleOff
	}
	ss.ContactIDs = dedupe(ss.ContactIDs)
}

// cleanList trims each value, drops empty ones and repeats (ignoring case and spacing).
func cleanList(vs []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, v := range vs {
		v = strings.Join(strings.Fields(v), " ")
		if k := PlaceKey(v); v != "" && !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

// SplitList splits a form's comma- or semicolon-separated list.
func SplitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' })
}

// validateSearch checks a normalized saved search; field keys are the form's input names.
func validateSearch(ss *SavedSearch) error {
	fe := FieldErrors{}
	switch n := utf8.RuneCountInString(ss.Name); {
	case n == 0:
		fe.Add("name", "Give the search a name, such as \"3-bed house in Springfield\".")
	case n > 100:
		fe.Add("name", "Use at most 100 characters.")
	}
	if len(ss.Cities)+len(ss.PostalCodes) > 50 {
		fe.Add("cities", "Name at most 50 cities and postal codes.")
	}
	if ss.PriceMin < 0 {
		fe.Add("price_min", "Enter a price of 0 or more.")
	}
	if ss.PriceMax < 0 {
		fe.Add("price_max", "Enter a price of 0 or more.")
	}
	if ss.PriceMin > 0 && ss.PriceMax > 0 && ss.PriceMin > ss.PriceMax {
		fe.Add("price_max", "The highest price is below the lowest.")
	}
	if ss.BedsMin < 0 || ss.BedsMin > 50 {
		fe.Add("beds_min", "Enter 0 to 50 bedrooms.")
	}
	if ss.BathsMin < 0 || ss.BathsMin > 50 || math.IsNaN(ss.BathsMin) {
		fe.Add("baths_min", "Enter 0 to 50 bathrooms.")
	}
	if ss.AreaMin < 0 {
		fe.Add("area_min", "Enter a living area of 0 or more.")
	}
	for _, t := range ss.PropertyTypes {
		if !slices.Contains(PropertyTypes(), t) {
			fe.Add("property_types", "Property types are "+strings.Join(PropertyTypes(), ", ")+".")
		}
	}
	switch ss.Schedule {
	case ScheduleOff, ScheduleASAP, ScheduleDaily, ScheduleWeekly:
	default:
		fe.Add("schedule", "Notifications are off, asap, daily or weekly.")
	}
	if len(ss.ContactIDs) == 0 {
		fe.Add("contact_ids", "Attach the search to at least one contact.")
	}
	return fe.Err()
}

// SaveSearch creates (ID "") or replaces an agent's saved search. A replacement's Version must
// be the version it was based on. Every contact must be one of the agent's.
func (s *ListingService) SaveSearch(ctx context.Context, ownerID string, ss *SavedSearch) (*SavedSearch, error) {
	normalizeSearch(ss)
	if err := validateSearch(ss); err != nil {
		return nil, err
	}
	for i, id := range ss.ContactIDs {
		if _, err := s.Store.Contact(ctx, ownerID, id); err != nil {
			if ErrorCode(err) == ENOTFOUND {
				return nil, &Error{Code: EINVALID, Message: "No such contact.", Fields: map[string]string{fmt.Sprintf("contact_ids[%d]", i): "No such contact."}}
			}
			return nil, err
		}
	}
	now := s.now()
	ss.OwnerID, ss.UpdatedAt = ownerID, now
	if ss.ID == "" {
		ss.ID, ss.CreatedAt, ss.Version = NewID(), now, 1
		ss.UnsubscribeToken = newToken()
	} else {
		cur, err := s.Listings.SavedSearch(ctx, ownerID, ss.ID)
		if err != nil {
			return nil, err
		}
		if cur.Version != ss.Version {
			return nil, Errorf(ECONFLICT, "This saved search was changed since you opened it. Reload it and make your change again.")
		}
		ss.CreatedAt, ss.Version, ss.UnsubscribeToken = cur.CreatedAt, cur.Version+1, cur.UnsubscribeToken
	}
	if err := s.Listings.PutSavedSearch(ctx, ss); err != nil {
		return nil, err
	}
	s.Index.Put(ss)
	return ss, nil
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Search returns an agent's saved search.
func (s *ListingService) Search(ctx context.Context, ownerID, id string) (*SavedSearch, error) {
	return s.Listings.SavedSearch(ctx, ownerID, id)
}

// Searches lists an agent's saved searches.
func (s *ListingService) Searches(ctx context.Context, ownerID string) ([]*SavedSearch, error) {
	return s.Listings.SavedSearches(ctx, ownerID)
}

// SearchesOf lists the saved searches attached to an agent's contact.
func (s *ListingService) SearchesOf(ctx context.Context, ownerID, contactID string) ([]*SavedSearch, error) {
	if _, err := s.Store.Contact(ctx, ownerID, contactID); err != nil {
		return nil, err
	}
	ss, err := s.Listings.SavedSearchesOf(ctx, ownerID, contactID)
	if ss == nil && err == nil {
		ss = []*SavedSearch{}
	}
	return ss, err
}

// DeleteSearch removes an agent's saved search.
func (s *ListingService) DeleteSearch(ctx context.Context, ownerID, id string) error {
	if err := s.Listings.DeleteSavedSearch(ctx, ownerID, id); err != nil {
		return err
	}
	s.Index.Remove(id)
	return nil
}

// Unsubscribe turns off the notifications of a saved search from an email's one-click link.
// A wrong token is ENOTFOUND, like a missing search.
func (s *ListingService) Unsubscribe(ctx context.Context, ownerID, id, token string) (*SavedSearch, error) {
	ss, err := s.Listings.SavedSearch(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	if ss.UnsubscribeToken == "" || token != ss.UnsubscribeToken {
		return nil, Errorf(ENOTFOUND, "This link is not valid.")
	}
	if ss.Schedule == ScheduleOff {
		return ss, nil
	}
	ss.Schedule = ScheduleOff
	return s.SaveSearch(ctx, ownerID, ss)
}

// validateListing normalizes and checks a listing.
func validateListing(l *Listing) error {
	for _, p := range []*string{&l.Address, &l.City, &l.PostalCode} {
		*p = strings.Join(strings.Fields(*p), " ")
	}
	l.PropertyType = strings.ToLower(strings.TrimSpace(l.PropertyType))
	if l.Status == "" {
		l.Status = ListingActive
	}
	fe := FieldErrors{}
	if l.Address == "" {
		fe.Add("address", "Enter the street address.")
	}
	if l.City == "" && l.PostalCode == "" {
		fe.Add("city", "Enter the city or the postal code.")
	}
	if l.Price <= 0 {
		fe.Add("price", "Enter the asking price.")
	}
	if l.Beds < 0 || l.Beds > 100 {
		fe.Add("beds", "Enter 0 to 100 bedrooms.")
	}
	if l.Baths < 0 || l.Baths > 100 || math.IsNaN(l.Baths) {
		fe.Add("baths", "Enter 0 to 100 bathrooms.")
	}
	if l.Area < 0 {
		fe.Add("area", "Enter a living area of 0 or more.")
	}
	if !slices.Contains(PropertyTypes(), l.PropertyType) {
		fe.Add("property_type", "Choose the property type.")
	}
	switch l.Status {
	case ListingActive, ListingPending, ListingSold:
	default:
		fe.Add("status", "Status is active, pending or sold.")
	}
	return fe.Err()
}

// NotifyResult says what a new or changed listing did: the searches it matched and the emails
// it queued.
type NotifyResult struct {
	Matched int
	Queued  int
}

// AddListing stores a new listing (the actor is its listing agent unless AgentID names another
// agent) and notifies the saved searches it matches.
func (s *ListingService) AddListing(ctx context.Context, actor *User, l *Listing) (*Listing, *NotifyResult, error) {
	if err := validateListing(l); err != nil {
		return nil, nil, err
	}
	if err := s.checkAgent(ctx, actor, l); err != nil {
		return nil, nil, err
	}
	now := s.now()
	l.ID, l.CreatedBy, l.CreatedAt, l.UpdatedAt, l.Version = NewID(), actor.ID, now, now, 1
	if err := s.Listings.PutListing(ctx, l); err != nil {
		return nil, nil, err
	}
	res, err := s.notify(ctx, l)
	return l, res, err
}

func (s *ListingService) checkAgent(ctx context.Context, actor *User, l *Listing) error {
	if l.AgentID == "" {
		l.AgentID = actor.ID
		return nil
	}
	if _, err := s.Store.User(ctx, l.AgentID); err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return &Error{Code: EINVALID, Message: "No such agent.", Fields: map[string]string{"agent_id": "No such agent."}}
		}
		return err
	}
	return nil
}

// UpdateListing replaces a listing (any agent may: listings are the office's). l.Version must be
// the version it was based on. A change of price or status notifies the searches it now matches.
func (s *ListingService) UpdateListing(ctx context.Context, actor *User, l *Listing) (*Listing, *NotifyResult, error) {
	cur, err := s.Listings.Listing(ctx, l.ID)
	if err != nil {
		return nil, nil, err
	}
	if cur.Version != l.Version {
		return nil, nil, Errorf(ECONFLICT, "This listing was changed since you opened it. Reload it and make your change again.")
	}
	if err := validateListing(l); err != nil {
		return nil, nil, err
	}
	if err := s.checkAgent(ctx, actor, l); err != nil {
		return nil, nil, err
	}
	l.CreatedBy, l.CreatedAt, l.UpdatedAt, l.Version = cur.CreatedBy, cur.CreatedAt, s.now(), cur.Version+1
	if err := s.Listings.PutListing(ctx, l); err != nil {
		return nil, nil, err
	}
	if l.Price == cur.Price && l.Status == cur.Status {
		return l, &NotifyResult{}, nil
	}
	res, err := s.notify(ctx, l)
	return l, res, err
}

// Listing returns a listing.
func (s *ListingService) Listing(ctx context.Context, id string) (*Listing, error) {
	return s.Listings.Listing(ctx, id)
}

// AllListings returns the office's listings, newest first.
func (s *ListingService) AllListings(ctx context.Context) ([]*Listing, error) {
	return s.Listings.Listings(ctx)
}

// notify emails the contacts of every ASAP saved search the listing matches, and files it for
// the next digest of the daily and weekly ones.
func (s *ListingService) notify(ctx context.Context, l *Listing) (*NotifyResult, error) {
	res := &NotifyResult{}
	matches := s.Index.Match(l)
	res.Matched = len(matches)
	agents := map[string]*User{}
	var out []*OutMessage
	for _, ss := range matches {
		switch ss.Schedule {
		case ScheduleDaily, ScheduleWeekly:
			if err := s.Listings.AddDigest(ctx, ss.OwnerID, ss.ID, []string{l.ID}); err != nil {
				return res, err
			}
			continue
		case ScheduleASAP:
		default:
			continue
		}
		agent, err := s.agent(ctx, agents, ss.OwnerID)
		if err != nil {
			return res, err
		}
		ms, err := s.searchMail(ctx, agent, ss, "New listing for \""+ss.Name+"\": "+listingTitle(l),
			func(c *Contact) string { return s.listingText(c, ss, []*Listing{l}, agent) })
		if err != nil {
			return res, err
		}
		out = append(out, ms...)
	}
	if len(out) == 0 || s.Outbox == nil {
		return res, nil
	}
	if err := s.Outbox.Enqueue(ctx, out...); err != nil {
		return res, err
	}
	res.Queued = len(out)
	return res, nil
}

func (s *ListingService) agent(ctx context.Context, cache map[string]*User, id string) (*User, error) {
	if u, ok := cache[id]; ok {
		return u, nil
	}
	u, err := s.Store.User(ctx, id)
	if err != nil {
		return nil, err
	}
	cache[id] = u
	return u, nil
}

// searchMail makes one email per address of the search's contacts: the primary address and
// those with Notify on, never to an inactive contact or an address known to be invalid. The
// outbox checks the other addresses before sending and marks the bad ones, which raises Action
// Required.
func (s *ListingService) searchMail(ctx context.Context, agent *User, ss *SavedSearch, subject string, text func(*Contact) string) ([]*OutMessage, error) {
	var out []*OutMessage
	for _, cid := range ss.ContactIDs {
		c, err := s.Store.Contact(ctx, ss.OwnerID, cid)
		if ErrorCode(err) == ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		if c.Status != StatusActive {
			continue
		}
		for _, e := range c.Emails {
			if (!e.Primary && !e.Notify) || e.Status == EmailInvalid || EmailSyntaxError(e.Address) != "" {
				continue
			}
			out = append(out, &OutMessage{OwnerID: agent.ID, ContactID: c.ID, Kind: MailListing,
				FromName: agent.Name, From: agent.Email, To: e.Address, Subject: subject, Text: text(c)})
		}
	}
	return out, nil
}

// SendDigests sends the digests of the saved searches on schedule (daily or weekly) that have
// listings waiting: one email per address with every waiting listing still active. It returns
// how many emails it queued. Listings waiting for a search whose notifications were turned off
// are dropped.
func (s *ListingService) SendDigests(ctx context.Context, schedule string) (int, error) {
	pending, err := s.Listings.PendingDigests(ctx)
	if err != nil {
		return 0, err
	}
	agents := map[string]*User{}
	sent := 0
	for _, d := range pending {
		ss, err := s.Listings.SavedSearch(ctx, d.OwnerID, d.SearchID)
		if ErrorCode(err) == ENOTFOUND || (err == nil && (ss.Schedule == ScheduleOff || ss.Schedule == ScheduleASAP)) {
			if err := s.Listings.ClearDigest(ctx, d.OwnerID, d.SearchID, d.ListingIDs); err != nil {
				return sent, err
			}
			continue
		}
		if err != nil {
			return sent, err
		}
		if ss.Schedule != schedule {
			continue
		}
		var ls []*Listing
		for _, id := range d.ListingIDs {
			l, err := s.Listings.Listing(ctx, id)
			if err == nil && l.Status == ListingActive {
				ls = append(ls, l)
			}
		}
		if len(ls) > 0 && s.Outbox != nil {
			agent, err := s.agent(ctx, agents, ss.OwnerID)
			if err != nil {
				return sent, err
			}
			subject := fmt.Sprintf("%d new listings for \"%s\"", len(ls), ss.Name)
			if len(ls) == 1 {
				subject = "New listing for \"" + ss.Name + "\": " + listingTitle(ls[0])
			}
			ms, err := s.searchMail(ctx, agent, ss, subject, func(c *Contact) string { return s.listingText(c, ss, ls, agent) })
			if err != nil {
				return sent, err
			}
			if len(ms) > 0 {
				if err := s.Outbox.Enqueue(ctx, ms...); err != nil {
					return sent, err
				}
				sent += len(ms)
			}
		}
		if err := s.Listings.ClearDigest(ctx, d.OwnerID, d.SearchID, d.ListingIDs); err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// listingTitle is "123 Main St, Springfield — $450,000".
func listingTitle(l *Listing) string {
	place := strings.Join(nonEmpty(l.Address, l.City), ", ")
	return place + " — " + FormatPrice(l.Price)
}

// FormatPrice writes a whole price with thousands separators: $1,250,000.
func FormatPrice(p int64) string {
	s := fmt.Sprint(p)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return "$" + b.String()
}

// ListingFacts is the one-line summary of a listing: "3 bd · 2 ba · 1,850 sq ft · house".
func ListingFacts(l *Listing) string {
	parts := []string{fmt.Sprintf("%d bd", l.Beds), strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", l.Baths), "0"), ".") + " ba"}
	if l.Area > 0 {
		parts = append(parts, strings.TrimPrefix(FormatPrice(int64(l.Area)), "$")+" sq ft")
	}
	return strings.Join(append(parts, l.PropertyType), " · ")
}

func (s *ListingService) listingText(c *Contact, ss *SavedSearch, ls []*Listing, agent *User) string {
	var b strings.Builder
	b.WriteString("Hello")
	if c.FirstName != "" {
		b.WriteString(" " + c.FirstName)
	}
	if len(ls) == 1 {
		fmt.Fprintf(&b, ",\n\nA new listing matches your saved search \"%s\":\n\n", ss.Name)
	} else {
		fmt.Fprintf(&b, ",\n\n%d new listings match your saved search \"%s\":\n\n", len(ls), ss.Name)
	}
	for _, l := range ls {
		fmt.Fprintf(&b, "  %s\n  %s\n  %s\n  %s\n\n", l.Address, strings.Join(nonEmpty(l.City, l.PostalCode), " "), FormatPrice(l.Price), ListingFacts(l))
	}
	fmt.Fprintf(&b, "Reply to this email to see them.\n\n-- \n%s\n\nStop these emails for \"%s\": %s\n", signature(agent), ss.Name, s.UnsubscribeURL(ss))
	return b.String()
}

// UnsubscribeURL is the one-click link that turns a saved search's notifications off.
func (s *ListingService) UnsubscribeURL(ss *SavedSearch) string {
	return strings.TrimRight(s.BaseURL, "/") + "/unsubscribe/" + ss.OwnerID + "/" + ss.ID + "/" + ss.UnsubscribeToken
}

// ReverseMatch is one of the viewing agent's own contacts whose search matches a listing.
type ReverseMatch struct {
	Contact *Contact
	Search  string
}

// AgentMatches is another agent with contacts whose searches match a listing: only the agent's
// details and a count, never a detail of those contacts.
type AgentMatches struct {
	AgentID string
	Name    string
	Email   string
	Phone   string
	Count   int
}

// Prospects is the Reverse Prospecting of a listing, as one agent may see it.
type Prospects struct {
	Own    []ReverseMatch
	Others []AgentMatches
}

// ReverseProspecting finds, across the office, the active contacts with Reverse Prospecting on
// whose saved searches match the listing. The viewer gets their own contacts in full; of other
// agents' contacts only how many each agent has.
func (s *ListingService) ReverseProspecting(ctx context.Context, viewer *User, listingID string) (*Prospects, error) {
	l, err := s.Listings.Listing(ctx, listingID)
	if err != nil {
		return nil, err
	}
	p := &Prospects{Own: []ReverseMatch{}, Others: []AgentMatches{}}
	seen := map[string]bool{}
	counts := map[string]int{}
	for _, ss := range s.Index.Match(l) {
		for _, cid := range ss.ContactIDs {
			if seen[cid] {
				continue
			}
			c, err := s.Store.Contact(ctx, ss.OwnerID, cid)
			if ErrorCode(err) == ENOTFOUND {
				continue
			}
			if err != nil {
				return nil, err
			}
			if c.Status != StatusActive || !c.ReverseProspecting {
				continue
			}
			seen[cid] = true
			if ss.OwnerID == viewer.ID {
				p.Own = append(p.Own, ReverseMatch{Contact: c, Search: ss.Name})
			} else {
				counts[ss.OwnerID]++
			}
		}
	}
	for id, n := range counts {
		u, err := s.Store.User(ctx, id)
		if err != nil {
			return nil, err
		}
		p.Others = append(p.Others, AgentMatches{AgentID: u.ID, Name: u.Name, Email: u.Email, Phone: u.Phone, Count: n})
	}
	slices.SortFunc(p.Own, func(a, b ReverseMatch) int {
		return strings.Compare(Fold(a.Contact.DisplayName()), Fold(b.Contact.DisplayName()))
	})
	slices.SortFunc(p.Others, func(a, b AgentMatches) int { return strings.Compare(Fold(a.Name), Fold(b.Name)) })
	return p, nil
}

// ContactAgents emails the other agents with matching contacts about the listing, with the
// viewer's note. It returns how many agents it wrote to.
func (s *ListingService) ContactAgents(ctx context.Context, viewer *User, listingID, note string) (int, error) {
	note = strings.TrimSpace(note)
	if len(note) > 5000 {
		return 0, &Error{Code: EINVALID, Message: "Keep the note under 5,000 characters.", Fields: map[string]string{"note": "Keep the note under 5,000 characters."}}
	}
	p, err := s.ReverseProspecting(ctx, viewer, listingID)
	if err != nil {
		return 0, err
	}
	if len(p.Others) == 0 {
		return 0, Errorf(EINVALID, "No other agent has a contact whose search matches this listing.")
	}
	if s.Outbox == nil {
		return 0, Errorf(EINTERNAL, "Mail is not configured.")
	}
	l, err := s.Listings.Listing(ctx, listingID)
	if err != nil {
		return 0, err
	}
	var out []*OutMessage
	for _, a := range p.Others {
		who := fmt.Sprintf("%d of your contacts have saved searches", a.Count)
		if a.Count == 1 {
			who = "One of your contacts has a saved search"
		}
		text := fmt.Sprintf("Hello %s,\n\n%s that match my listing:\n\n  %s\n  %s\n  %s\n  %s\n\n",
			a.Name, who, l.Address, strings.Join(nonEmpty(l.City, l.PostalCode), " "), FormatPrice(l.Price), ListingFacts(l))
		if note != "" {
			text += note + "\n\n"
		}
		out = append(out, &OutMessage{OwnerID: viewer.ID, Kind: MailToAgent, FromName: viewer.Name, From: viewer.Email,
			To: a.Email, Subject: "Your clients may like " + listingTitle(l), Text: text + "-- \n" + signature(viewer)})
	}
	if err := s.Outbox.Enqueue(ctx, out...); err != nil {
		return 0, err
	}
	return len(out), nil
}
