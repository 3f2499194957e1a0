package store

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"agentbook/app"
)

func TestContactCodec(t *testing.T) {
	now := time.Date(2026, 11, 25, 18, 4, 5, 123456789, time.UTC)
	full := &app.Contact{ID: "01J", OwnerID: "01O", FirstName: "Zoë", MiddleName: "Q", LastName: "O'Brien",
		Company: "Acme", Title: "Boss", Notes: "line 1\nline 2", Birthday: "1990-02-03", Status: app.StatusInactive,
		ReverseProspecting: true, CreatedAt: now, UpdatedAt: now.Add(time.Hour), Version: 7,
		Emails: []app.Email{{Address: "z@x.test", Label: "Home", Primary: true, Notify: true, Status: "valid"},
			{Address: "q@y.test", Label: "Work", Status: "invalid", Reason: "550 5.1.1"}},
		Phones:    []app.Phone{{Number: "+1 (415) 555-0100", Label: "Mobile"}},
		Addresses: []app.Address{{Label: "Home", Street: "1 Main St", City: "San José", Region: "CA", PostalCode: "95110", Country: "US"}},
		GroupIDs:  []string{"g1", "g2"}}
	tests := []struct {
		name string
		c    *app.Contact
	}{
		{"a contact with every field set comes back equal", full},
		{"a contact with only a name comes back equal", &app.Contact{ID: "01K", OwnerID: "o", FirstName: "A", Status: app.StatusActive,
			CreatedAt: now, UpdatedAt: now, Version: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got app.Contact
			if err := decodeContact(encodeContact(tt.c), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(&got, tt.c) {
				t.Errorf("round trip:\n got %+v\nwant %+v", &got, tt.c)
			}
		})
	}
	t.Run("a record stored as JSON by the first format is still read", func(t *testing.T) {
		b, _ := json.Marshal(full)
		var got app.Contact
		if err := decodeContact(b, &got); err != nil || got.LastName != "O'Brien" || len(got.Emails) != 2 {
			t.Errorf("decode JSON: %v, %+v", err, got)
		}
	})
	t.Run("a truncated record is an error, never a panic", func(t *testing.T) {
		b := encodeContact(full)
		for i := 0; i < len(b); i++ {
			var got app.Contact
			if err := decodeContact(b[:i], &got); err == nil {
				t.Fatalf("decoding the first %d of %d bytes succeeded", i, len(b))
			}
		}
	})
}

func FuzzDecodeContact(f *testing.F) {
	f.Add(encodeContact(&app.Contact{ID: "x", FirstName: "A", Emails: []app.Email{{Address: "a@b.co"}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		var c app.Contact
		_ = decodeContact(b, &c)
	})
}

// TestNameValue checks the name-order value: its terms and sort values come back, a value from
// before sort values were kept is read as terms alone, and a damaged one as neither.
func TestNameValue(t *testing.T) {
	// The title's value is longer than 127 bytes: its length takes two bytes.
	c := &app.Contact{ID: "01J", OwnerID: "01O", FirstName: "Zoë", LastName: "O'Brien", Company: "Acme", Status: app.StatusActive,
		Title:     strings.Repeat("Senior associate broker ", 7),
		UpdatedAt: time.Date(2026, 11, 25, 18, 4, 5, 0, time.UTC), Emails: []app.Email{{Address: "Z@x.test", Status: "valid"}},
		Addresses: []app.Address{{City: "San José", Region: "CA", PostalCode: "95110"}}}
	terms := []byte("tzoe\x1fto'brien\x1feZ@x.test")
	gotTerms, sorts := splitNameValue(nameValue(c, terms))
	if string(gotTerms) != string(terms) {
		t.Errorf("terms = %q; want %q", gotTerms, terms)
	}
	for _, f := range app.PackedSortFields {
		if v, ok := app.PackedSortValue(sorts, f); !ok || v != c.SortValue(f) {
			t.Errorf("sort value of %s = %q, %v; want %q", f, v, ok, c.SortValue(f))
		}
	}
	for _, f := range []string{app.SortName, app.SortCreated, "nope"} {
		if v, ok := app.PackedSortValue(sorts, f); ok {
			t.Errorf("sort value of %s = %q; want none (not kept)", f, v)
		}
	}
	if gotTerms, sorts := splitNameValue(terms); string(gotTerms) != string(terms) || sorts != nil {
		t.Errorf("legacy value: terms %q sorts %q", gotTerms, sorts)
	}
	if gotTerms, sorts := splitNameValue(nil); gotTerms != nil || sorts != nil {
		t.Errorf("empty value: terms %q sorts %q", gotTerms, sorts)
	}
	if gotTerms, sorts := splitNameValue([]byte{nameValueSorts, 200, 1, 'x'}); gotTerms != nil || sorts != nil {
		t.Errorf("damaged value: terms %q sorts %q", gotTerms, sorts)
	}
	if _, ok := app.PackedSortValue([]byte{5, 'a'}, app.SortUpdated); ok {
		t.Error("a truncated sort value was read")
	}
}
