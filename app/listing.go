package app

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Property types a listing has and a saved search may ask for.
const (
	PropertyHouse       = "house"
	PropertyCondo       = "condo"
	PropertyTownhouse   = "townhouse"
	PropertyLand        = "land"
	PropertyMultiFamily = "multi-family"
)

// PropertyTypes lists the property types in the order forms offer them.
func PropertyTypes() []string {
	return []string{PropertyHouse, PropertyCondo, PropertyTownhouse, PropertyLand, PropertyMultiFamily}
}

// Listing statuses.
const (
	ListingActive  = "active"
	ListingPending = "pending"
	ListingSold    = "sold"
)

// Notification schedules of a saved search.
const (
	ScheduleOff    = "off"
	ScheduleASAP   = "asap"
	ScheduleDaily  = "daily"
	ScheduleWeekly = "weekly"
)

// SavedSearch is what kind of home a contact wants. It belongs to an agent and is attached to
// one or more of the agent's contacts (a couple shares one). Zero numbers and empty lists are
// open: they match anything.
type SavedSearch struct {
	ID            string   `json:"id"`
	OwnerID       string   `json:"owner_id"`
	Name          string   `json:"name"`
	Cities        []string `json:"cities"`
	PostalCodes   []string `json:"postal_codes"`
	PriceMin      int64    `json:"price_min"`
	PriceMax      int64    `json:"price_max"`
	BedsMin       int      `json:"beds_min"`
	BathsMin      float64  `json:"baths_min"`
	PropertyTypes []string `json:"property_types"`
	AreaMin       int      `json:"area_min"`
	Schedule      string   `json:"schedule"`
	ContactIDs    []string `json:"contact_ids"`
	// UnsubscribeToken is the secret in the one-click unsubscribe link of its emails.
	UnsubscribeToken string    `json:"unsubscribe_token"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
	Version          int64     `json:"version"`
}

// Listing is a property for sale, entered by an agent. Every agent in the office sees every listing.
type Listing struct {
	ID           string    `json:"id"`
	AgentID      string    `json:"agent_id"` // the listing agent
	Address      string    `json:"address"`
	City         string    `json:"city"`
	PostalCode   string    `json:"postal_code"`
	Price        int64     `json:"price"`
	Beds         int       `json:"beds"`
	Baths        float64   `json:"baths"`
	PropertyType string    `json:"property_type"`
	Area         int       `json:"area"` // living area, square feet
	Status       string    `json:"status"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Version      int64     `json:"version"`
}

// PlaceKey is the folded form of a city or postal code that matching compares.
func PlaceKey(s string) string {
	return Fold(strings.Join(strings.Fields(s), " "))
}

// Matches reports whether the listing meets every criterion of the search: its city is one of
// the search's cities or its postal code one of the postal codes (when the search names any;
// naming both accepts either), its price within the range, at least the beds, baths and living
// area asked for, and one of the property types. Only active listings match.
func (s *SavedSearch) Matches(l *Listing) bool {
	if l.Status != ListingActive {
		return false
	}
	if len(s.Cities) > 0 || len(s.PostalCodes) > 0 {
		in := false
		city, zip := PlaceKey(l.City), PlaceKey(l.PostalCode)
		for _, c := range s.Cities {
			if PlaceKey(c) == city {
				in = true
				break
			}
		}
		for _, z := range s.PostalCodes {
			if !in && PlaceKey(z) == zip {
				in = true
			}
		}
		if !in {
			return false
		}
	}
	switch {
	case s.PriceMin > 0 && l.Price < s.PriceMin,
		s.PriceMax > 0 && l.Price > s.PriceMax,
		s.BedsMin > 0 && l.Beds < s.BedsMin,
		s.BathsMin > 0 && l.Baths < s.BathsMin,
		s.AreaMin > 0 && l.Area < s.AreaMin:
		return false
	}
	return len(s.PropertyTypes) == 0 || slices.Contains(s.PropertyTypes, l.PropertyType)
}

// ListingStore keeps saved searches and listings.
type ListingStore interface {
	// PutSavedSearch creates or replaces a saved search with its contact links. On replace,
	// s.Version must be the stored version + 1 (ECONFLICT otherwise).
	PutSavedSearch(ctx context.Context, s *SavedSearch) error
	// SavedSearch returns an agent's saved search; ENOTFOUND when missing or another agent's.
	SavedSearch(ctx context.Context, ownerID, id string) (*SavedSearch, error)
	// DeleteSavedSearch removes an agent's saved search and its links; ENOTFOUND when missing.
	DeleteSavedSearch(ctx context.Context, ownerID, id string) error
	// SavedSearchesOf returns the saved searches attached to an agent's contact, by name.
	SavedSearchesOf(ctx context.Context, ownerID, contactID string) ([]*SavedSearch, error)
	// SavedSearches lists an agent's saved searches, by name.
	SavedSearches(ctx context.Context, ownerID string) ([]*SavedSearch, error)
	// EachSavedSearch calls fn for every saved search of every agent.
	EachSavedSearch(ctx context.Context, fn func(*SavedSearch) error) error
	// PutListing creates or replaces a listing. On replace, l.Version must be the stored version
	// + 1 (ECONFLICT otherwise).
	PutListing(ctx context.Context, l *Listing) error
	// Listing returns a listing; ENOTFOUND when missing.
	Listing(ctx context.Context, id string) (*Listing, error)
	// Listings returns every listing, newest first.
	Listings(ctx context.Context) ([]*Listing, error)
	// AddDigest remembers that listings matched a saved search, for its next digest.
	AddDigest(ctx context.Context, ownerID, searchID string, listingIDs []string) error
	// PendingDigests returns the listings waiting for each saved search's next digest.
	PendingDigests(ctx context.Context) ([]DigestItems, error)
	// ClearDigest forgets digest items once they are sent (or no longer wanted).
	ClearDigest(ctx context.Context, ownerID, searchID string, listingIDs []string) error
}

// DigestItems are the listings waiting for one saved search's next digest.
type DigestItems struct {
	OwnerID    string
	SearchID   string
	ListingIDs []string
}
