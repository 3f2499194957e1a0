package app_test

import (
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"agentbook/app"
)

func TestContactNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   app.Contact
		want app.Contact
	}{
		{
			name: "names, title, birthday and notes are trimmed and the status defaults to active",
			in: app.Contact{FirstName: "  Jane ", MiddleName: "\tQ ", LastName: " Doe\n", Company: " Acme ",
				Title: " Broker ", Birthday: " 1980-02-03 ", Notes: "  keeps leading space\n\n "},
			want: app.Contact{FirstName: "Jane", MiddleName: "Q", LastName: "Doe", Company: "Acme",
				Title: "Broker", Birthday: "1980-02-03", Notes: "  keeps leading space", Status: app.StatusActive},
		},
		{
			name: "an explicit inactive status is kept",
			in:   app.Contact{FirstName: "Jane", Status: app.StatusInactive},
			want: app.Contact{FirstName: "Jane", Status: app.StatusInactive},
		},
		{
			name: "the first email becomes the primary and is notified, the others are not primary",
			in: app.Contact{FirstName: "Jane", Emails: []app.Email{
				{Address: "b@example.com", Primary: false},
				{Address: "a@example.com", Primary: true, Notify: true},
				{Address: "c@example.com"},
			}},
			want: app.Contact{FirstName: "Jane", Status: app.StatusActive, Emails: []app.Email{
				{Address: "b@example.com", Primary: true, Notify: true, Status: app.EmailUnknown},
				{Address: "a@example.com", Notify: true, Status: app.EmailUnknown},
				{Address: "c@example.com", Status: app.EmailUnknown},
			}},
		},
		{
			name: "email addresses are trimmed and only their domain is lower-cased",
			in:   app.Contact{FirstName: "Jane", Emails: []app.Email{{Address: "  Jane.Doe@Example.COM ", Label: " Work "}}},
			want: app.Contact{FirstName: "Jane", Status: app.StatusActive, Emails: []app.Email{
				{Address: "Jane.Doe@example.com", Label: "Work", Primary: true, Notify: true, Status: app.EmailUnknown}}},
		},
		{
			name: "an email's verification status is kept",
			in:   app.Contact{FirstName: "Jane", Emails: []app.Email{{Address: "a@example.com", Status: app.EmailInvalid, Reason: "bounced"}}},
			want: app.Contact{FirstName: "Jane", Status: app.StatusActive, Emails: []app.Email{
				{Address: "a@example.com", Primary: true, Notify: true, Status: app.EmailInvalid, Reason: "bounced"}}},
		},
		{
			name: "empty email rows are dropped and the next row becomes the primary",
			in: app.Contact{FirstName: "Jane", Emails: []app.Email{
				{Address: "  ", Label: " "},
				{Address: "a@example.com"},
				{},
			}},
			want: app.Contact{FirstName: "Jane", Status: app.StatusActive, Emails: []app.Email{
				{Address: "a@example.com", Primary: true, Notify: true, Status: app.EmailUnknown}}},
		},
		{
			name: "an email row with only a label is kept so that validation can point at it",
			in:   app.Contact{FirstName: "Jane", Emails: []app.Email{{Label: "Home"}}},
			want: app.Contact{FirstName: "Jane", Status: app.StatusActive, Emails: []app.Email{
				{Label: "Home", Primary: true, Notify: true, Status: app.EmailUnknown}}},
		},
		{
			name: "phones are trimmed and rows without a number are dropped",
			in: app.Contact{FirstName: "Jane", Phones: []app.Phone{
				{Number: "  ", Label: "Mobile"},
				{Number: " (415) 555-0100 ", Label: " Work "},
			}},
			want: app.Contact{FirstName: "Jane", Status: app.StatusActive, Phones: []app.Phone{
				{Number: "(415) 555-0100", Label: "Work"}}},
		},
		{
			name: "addresses are trimmed and rows with only a label are dropped",
			in: app.Contact{FirstName: "Jane", Addresses: []app.Address{
				{Label: "Home", Street: "  "},
				{Label: " Work ", Street: " 1 Main St ", City: " Salem ", Region: " OR ", PostalCode: " 97301 ", Country: " US "},
			}},
			want: app.Contact{FirstName: "Jane", Status: app.StatusActive, Addresses: []app.Address{
				{Label: "Work", Street: "1 Main St", City: "Salem", Region: "OR", PostalCode: "97301", Country: "US"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.in
			c.Normalize()
			if !contactsEqual(&c, &tt.want) {
				t.Errorf("Normalize() =\n%+v\nwant\n%+v", c, tt.want)
			}
		})
	}
}

// contactsEqual compares contacts treating nil and empty slices alike.
func contactsEqual(a, b *app.Contact) bool {
	x, y := *a, *b
	x.Emails, y.Emails, x.Phones, y.Phones, x.Addresses, y.Addresses, x.GroupIDs, y.GroupIDs = nil, nil, nil, nil, nil, nil, nil, nil
	return reflect.DeepEqual(x, y) && slices.Equal(a.Emails, b.Emails) && slices.Equal(a.Phones, b.Phones) &&
		slices.Equal(a.Addresses, b.Addresses) && slices.Equal(a.GroupIDs, b.GroupIDs)
}

func TestContactValidate(t *testing.T) {
	valid := func(edit func(c *app.Contact)) app.Contact {
		c := app.Contact{FirstName: "Jane", LastName: "Doe", Status: app.StatusActive,
			Emails: []app.Email{{Address: "jane@example.com"}},
			Phones: []app.Phone{{Number: "+1 (415) 555-0100"}}, Birthday: "1980-02-29"}
		if edit != nil {
			edit(&c)
		}
		return c
	}
	tests := []struct {
		name string
		c    app.Contact
		want map[string]string // nil: valid
	}{
		{"a complete contact is valid", valid(nil), nil},
		{"a contact with only a company is valid", app.Contact{Company: "Acme", Status: app.StatusActive}, nil},
		{"a contact with only a last name is valid", app.Contact{LastName: "Doe", Status: app.StatusActive}, nil},
		{"a contact with only an email address is valid", valid(func(c *app.Contact) { c.FirstName, c.LastName = "", "" }), nil},
		{
			"a contact without a name, company or email asks for one",
			valid(func(c *app.Contact) { c.FirstName, c.LastName, c.Company, c.Emails = "", "", "", nil }),
			map[string]string{"first_name": "Enter a first name, a last name, a company or an email address."},
		},
		{
			"a name over 200 characters is refused under its own key",
			valid(func(c *app.Contact) { c.LastName = strings.Repeat("é", 201) }),
			map[string]string{"last_name": "Use at most 200 characters."},
		},
		{
			"a name of 200 accented letters is accepted because length counts characters",
			valid(func(c *app.Contact) { c.LastName = strings.Repeat("é", 200) }),
			nil,
		},
		{
			"a bad second email is reported under emails[1].address",
			valid(func(c *app.Contact) { c.Emails = append(c.Emails, app.Email{Address: "not-an-address"}) }),
			map[string]string{"emails[1].address": "Enter an email address like name@example.com."},
		},
		{
			"an email row without an address asks for one",
			valid(func(c *app.Contact) { c.Emails = append(c.Emails, app.Email{Label: "Work"}) }),
			map[string]string{"emails[1].address": "Enter an email address."},
		},
		{
			"the same address twice on one contact is refused whatever its case",
			valid(func(c *app.Contact) {
				c.Emails = append(c.Emails, app.Email{Address: "other@example.com"}, app.Email{Address: "JANE@Example.com"})
			}),
			map[string]string{"emails[2].address": "This address is already listed as email 1."},
		},
		{
			"the eleventh email gets a two-digit index in its key",
			valid(func(c *app.Contact) {
				for i := range 10 {
					c.Emails = append(c.Emails, app.Email{Address: "x" + strings.Repeat("y", i) + "@example.com"})
				}
				c.Emails[10].Address = "bad"
			}),
			map[string]string{"emails[10].address": "Enter an email address like name@example.com."},
		},
		{
			"a phone with fewer than 3 digits is refused under its own key",
			valid(func(c *app.Contact) { c.Phones = append(c.Phones, app.Phone{Number: "x-12"}) }),
			map[string]string{"phones[1].number": "Enter a phone number with 3 to 20 digits."},
		},
		{
			"a phone with more than 20 digits is refused",
			valid(func(c *app.Contact) { c.Phones[0].Number = strings.Repeat("1", 21) }),
			map[string]string{"phones[0].number": "Enter a phone number with 3 to 20 digits."},
		},
		{
			"a phone with exactly 3 digits is accepted",
			valid(func(c *app.Contact) { c.Phones[0].Number = "911" }),
			nil,
		},
		{
			"a birthday in another format is refused",
			valid(func(c *app.Contact) { c.Birthday = "02/03/1980" }),
			map[string]string{"birthday": "Use the form YYYY-MM-DD."},
		},
		{
			"a birthday on a day that does not exist is refused",
			valid(func(c *app.Contact) { c.Birthday = "1981-02-29" }),
			map[string]string{"birthday": "Use the form YYYY-MM-DD."},
		},
		{
			"an unknown status is refused",
			valid(func(c *app.Contact) { c.Status = "archived" }),
			map[string]string{"status": "Status must be active or inactive."},
		},
		{
			"notes over 20,000 characters are refused",
			valid(func(c *app.Contact) { c.Notes = strings.Repeat("n", 20001) }),
			map[string]string{"notes": "Notes are limited to 20,000 characters."},
		},
		{
			"every invalid field is reported at once",
			valid(func(c *app.Contact) {
				c.FirstName, c.LastName = "", ""
				c.Emails[0].Address = "nope"
				c.Birthday = "tomorrow"
			}),
			map[string]string{
				"first_name":        "Enter a first name, a last name, a company or an email address.",
				"emails[0].address": "Enter an email address like name@example.com.",
				"birthday":          "Use the form YYYY-MM-DD.",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if code := app.ErrorCode(err); code != app.EINVALID {
				t.Fatalf("Validate() code = %q (%v), want %q", code, err, app.EINVALID)
			}
			if got := app.ErrorFields(err); !maps.Equal(got, tt.want) {
				t.Errorf("Validate() fields = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFold(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"accents are removed and letters lower-cased", "José Ñúñez", "jose nunez"},
		{"a decomposed accent is removed too", "Jose\u0301", "jose"},
		{"umlauts and cedillas fold to their base letter", "Müller Françoise", "muller francoise"},
		{"plain ASCII is only lower-cased", "O'Brien-Smith 42", "o'brien-smith 42"},
		{"an empty string stays empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := app.Fold(tt.in); got != tt.want {
				t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDigits(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"punctuation and spaces of a formatted number are dropped", "+1 (415) 555-0100", "14155550100"},
		{"dots and an extension marker are dropped", "415.555.0100 x12", "415555010012"},
		{"a number without digits gives nothing", "call me", ""},
		{"non-ASCII digits are not counted", "٤١٥", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := app.Digits(tt.in); got != tt.want {
				t.Errorf("Digits(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestContactSortValue(t *testing.T) {
	t.Run("names sort by last name, then first, then middle, ignoring case and accents", func(t *testing.T) {
		cs := []*app.Contact{
			{FirstName: "Zoe", LastName: "adams"},
			{FirstName: "Émile", LastName: "Zola"},
			{FirstName: "amy", MiddleName: "B", LastName: "Adams"},
			{FirstName: "Amy", MiddleName: "A", LastName: "Adams"},
			{FirstName: "José", LastName: "Núñez"},
			{FirstName: "Jose", LastName: "Nunes"},
			{LastName: "Adams"},
		}
		want := []string{"Adams", "Amy A Adams", "amy B Adams", "Zoe adams", "Jose Nunes", "José Núñez", "Émile Zola"}
		if got := sortedNames(cs, app.SortName); !slices.Equal(got, want) {
			t.Errorf("sorted by name = %q, want %q", got, want)
		}
	})
	t.Run("a contact without a name sorts after every named contact, by company or email", func(t *testing.T) {
		cs := []*app.Contact{
			{Company: "Acme"},
			{Emails: []app.Email{{Address: "aaron@example.com"}}},
			{FirstName: "Zed", LastName: "Zulu"},
			{LastName: "Able"},
		}
		want := []string{"Able", "Zed Zulu", "aaron@example.com", "Acme"}
		if got := sortedNames(cs, app.SortName); !slices.Equal(got, want) {
			t.Errorf("sorted by name = %q, want %q", got, want)
		}
	})
	t.Run("the name value is the folded last, first and middle name", func(t *testing.T) {
		c := &app.Contact{FirstName: "José", MiddleName: "Q", LastName: "Núñez"}
		if got, want := c.SortValue(app.SortName), "nunez jose q"; got != want {
			t.Errorf("SortValue(name) = %q, want %q", got, want)
		}
	})
	t.Run("created sorts by ID, which grows with creation time", func(t *testing.T) {
		var cs []*app.Contact
		for i := range 50 {
			cs = append(cs, &app.Contact{ID: app.NewID(), FirstName: string(rune('a' + i%26))})
		}
		for i := 1; i < len(cs); i++ {
			if cs[i-1].SortValue(app.SortCreated) >= cs[i].SortValue(app.SortCreated) {
				t.Fatalf("contact %d created after contact %d sorts before it", i, i-1)
			}
		}
	})
	t.Run("updated sorts by time to the nanosecond, whatever the time zone", func(t *testing.T) {
		base := time.Date(2024, 3, 9, 23, 59, 59, 0, time.UTC)
		la := time.FixedZone("PST", -8*3600)
		times := []time.Time{
			base.Add(-time.Hour).In(la),
			base,
			base.Add(time.Nanosecond),
			base.Add(999 * time.Millisecond).In(la),
			base.Add(time.Second),
			base.AddDate(1, 0, 0),
		}
		for i := 1; i < len(times); i++ {
			a := (&app.Contact{UpdatedAt: times[i-1]}).SortValue(app.SortUpdated)
			b := (&app.Contact{UpdatedAt: times[i]}).SortValue(app.SortUpdated)
			if a >= b {
				t.Errorf("updated %v sorts as %q, not before %v as %q", times[i-1], a, times[i], b)
			}
		}
	})
}

func sortedNames(cs []*app.Contact, field string) []string {
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].SortValue(field) < cs[j].SortValue(field) })
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.DisplayName()
	}
	return out
}
