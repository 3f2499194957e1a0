package views_test

import (
	"io"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/views"
)

// BenchmarkContactList renders a page of 50 rows with every column, as a list request does.
func BenchmarkContactList(b *testing.B) {
	var items []*app.Contact
	now := time.Now()
	for i := 0; i < 50; i++ {
		items = append(items, &app.Contact{ID: app.NewID(), OwnerID: "O", FirstName: "Alexandra", LastName: "Montgomery-Smith",
			Company: "Acme Realty Partners", Title: "Broker", Notes: "Likes porches\nand gardens", Status: app.StatusActive,
			Emails:    []app.Email{{Address: "alexandra.montgomery@example.com", Label: "Home", Primary: true, Status: app.EmailUnknown}, {Address: "alex@work.example", Label: "Work"}},
			Phones:    []app.Phone{{Number: "+1 (415) 555-0100", Label: "Mobile"}},
			Addresses: []app.Address{{City: "San Francisco", Region: "CA", PostalCode: "94110"}},
			GroupIDs:  []string{"G1", "G2"}, CreatedAt: now, UpdatedAt: now, Version: 3})
	}
	var all []string
	for _, c := range views.AllColumns() {
		all = append(all, c.Key)
	}
	p := views.ContactListProps{Items: items, Columns: all, Total: 100000, GroupNames: map[string]string{"G1": "Buyers", "G2": "Sellers"},
		Query: views.ListQuery{Sort: "company"}, Next: "abc"}
	b.ReportAllocs()
	for b.Loop() {
		if err := views.ContactList(p).Render(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
