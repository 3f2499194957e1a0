package imports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"agentbook/app"
)

func eachOf(cs []*app.Contact) Contacts {
	return func(fn func(*app.Contact) error) error {
		for _, c := range cs {
			if err := fn(c); err != nil {
				return err
			}
		}
		return nil
	}
}

// awkward returns contacts whose values test the quoting and the read back.
func awkward() ([]*app.Contact, GroupNames) {
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	groups := GroupNames{"g1": "Buyers", "g2": "Past Clients, 2024", "g3": "Ünïcödé; 😀", "g4": `"Quoted" group`}
	cs := []*app.Contact{
		{ID: "01A", FirstName: "Zoë", MiddleName: "Ana-María", LastName: "O'Brien \"Bree\"", Company: "Acme, Inc.",
			Title: "=SUM(A1:A9)", Notes: "  indented first line\nsecond, with comma\r\nthird \"quoted\"\n\nafter a blank line 😀",
			Birthday: "1985-04-12", Status: app.StatusInactive, ReverseProspecting: true, GroupIDs: []string{"g2", "g1", "g3", "g4", "gone"},
			Emails: []app.Email{
				{Address: "zoe@example.com", Label: "Home", Notify: true, Status: app.EmailValid},
				{Address: "+zoe@example.org", Label: "Work, main", Notify: false},
				{Address: "-dash@example.net", Label: "@other", Notify: true},
			},
			Phones: []app.Phone{{Number: "+1 (555) 010-0000", Label: "Mobile"}, {Number: "=1+2", Label: "Custom \"label\""},
				{Number: "-555", Label: ""}},
			Addresses: []app.Address{
				{Label: "Home", Street: "12 Elm St\nApt 4, rear", City: "Saint-Étienne", Region: "Auvergne-Rhône-Alpes", PostalCode: "42000", Country: "France"},
				{Label: "", Street: "", City: "Zürich", Region: "", PostalCode: "", Country: "CH"},
			},
			CreatedAt: now, UpdatedAt: now.Add(time.Hour)},
		{ID: "01B", Company: "Only a company", Status: app.StatusActive},
		{ID: "01C", FirstName: "@handle", LastName: "李", Emails: []app.Email{{Address: "li@example.cn", Label: "", Notify: true}},
			Status: app.StatusActive, Notes: "ends with spaces   "},
	}
	return cs, groups
}

func TestWriteCSVRoundTrip(t *testing.T) {
	seeded := app.SeedContacts("owner", 500, []string{"g1", "g2", "g3"}, 7, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	seedGroups := GroupNames{"g1": "Buyers", "g2": "Sellers", "g3": "Open House"}
	awk, awkGroups := awkward()
	tests := []struct {
		name   string
		cs     []*app.Contact
		groups GroupNames
	}{
		{"Awkward values (quotes, commas, line breaks, emoji, leading = + - @) come back as written.", awk, awkGroups},
		{"Five hundred seeded contacts come back field by field.", seeded, seedGroups},
		{"An export without contacts reads back as no records.", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteCSV(&buf, eachOf(tt.cs), tt.groups); err != nil {
				t.Fatal(err)
			}
			rd, recs, err := readAll(t, buf.Bytes(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rd.Format() != FormatAgentbook || rd.Encoding() != EncodingUTF8BOM || rd.Delimiter() != ',' {
				t.Errorf("Format() = %q, Encoding() = %q, Delimiter() = %q", rd.Format(), rd.Encoding(), rd.Delimiter())
			}
			if len(recs) != len(tt.cs) {
				t.Fatalf("%d records, want %d", len(recs), len(tt.cs))
			}
			for i, orig := range tt.cs {
				rec := recs[i]
				if rec.Err != "" {
					t.Errorf("row %d: Err = %q", rec.Row, rec.Err)
				}
				want, got := comparable(*orig), comparable(rec.Contact)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("contact %s:\n got %s\nwant %s", orig.ID, dump(got), dump(want))
				}
				var names []string
				for _, id := range orig.GroupIDs {
					if n, ok := tt.groups[id]; ok {
						names = append(names, n)
					}
				}
				if !reflect.DeepEqual(rec.Groups, names) {
					t.Errorf("contact %s: groups = %q, want %q", orig.ID, rec.Groups, names)
				}
			}
		})
	}
}

// comparable is what an export keeps of a contact: normalised, without the fields the file
// does not carry (IDs, owner, times, version, email checks).
func comparable(c app.Contact) app.Contact {
	c.Emails = append([]app.Email(nil), c.Emails...)
	c.Phones = append([]app.Phone(nil), c.Phones...)
	c.Addresses = append([]app.Address(nil), c.Addresses...)
	c.Normalize()
	c.ID, c.OwnerID, c.GroupIDs, c.Version = "", "", nil, 0
	c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}
	for i := range c.Emails {
		c.Emails[i].Status, c.Emails[i].Reason, c.Emails[i].CheckedAt = "", "", time.Time{}
	}
	if len(c.Emails) == 0 {
		c.Emails = nil
	}
	if len(c.Phones) == 0 {
		c.Phones = nil
	}
	if len(c.Addresses) == 0 {
		c.Addresses = nil
	}
	return c
}

func TestWriteCSVFormat(t *testing.T) {
	cs, groups := awkward()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, eachOf(cs), groups); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	t.Run("The file starts with a UTF-8 BOM.", func(t *testing.T) {
		if !strings.HasPrefix(out, "\uFEFF") {
			t.Errorf("starts with %q", out[:8])
		}
	})
	t.Run("The header has a column group for the most emails, phones and addresses.", func(t *testing.T) {
		header, _, _ := strings.Cut(strings.TrimPrefix(out, "\uFEFF"), "\r\n")
		want := "First Name,Middle Name,Last Name,Company,Title," +
			"Email 1,Email 1 Label,Email 1 Notify,Email 2,Email 2 Label,Email 2 Notify,Email 3,Email 3 Label,Email 3 Notify," +
			"Phone 1,Phone 1 Label,Phone 2,Phone 2 Label,Phone 3,Phone 3 Label," +
			"Address 1 Label,Address 1 Street,Address 1 City,Address 1 Region,Address 1 Postal Code,Address 1 Country," +
			"Address 2 Label,Address 2 Street,Address 2 City,Address 2 Region,Address 2 Postal Code,Address 2 Country," +
			"Groups,Notes,Birthday,Status,Reverse Prospecting,Created,Updated,ID"
		if header != want {
			t.Errorf("header =\n%s\nwant\n%s", header, want)
		}
	})
	t.Run("Rows end in CRLF and cells are quoted only where needed.", func(t *testing.T) {
		rows := strings.Split(out, "\r\n")
		if last := rows[len(rows)-1]; last != "" {
			t.Errorf("the file does not end in CRLF: %q", last)
		}
		second := "Only a company,,"
		if !strings.Contains(out, "\r\n,,,"+second) {
			t.Errorf("the company-only row is not plain: %q", rows)
		}
		for _, want := range []string{`"O'Brien ""Bree"""`, `"Acme, Inc."`, `=SUM(A1:A9)`, `"Past Clients, 2024 ::: Buyers ::: Ünïcödé; 😀 ::: ""Quoted"" group"`,
			",2025-03-04T04:06:07Z,2025-03-04T05:06:07Z,01A\r\n", ",yes,", ",inactive,"} {
			if !strings.Contains(out, want) {
				t.Errorf("the export lacks %q", want)
			}
		}
	})
	t.Run("One header column for each kind when no contact has any.", func(t *testing.T) {
		var b bytes.Buffer
		if err := WriteCSV(&b, eachOf(nil), nil); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(b.String(), ",") + 1; n != 5+3+2+6+8 {
			t.Errorf("%d columns, want 24", n)
		}
	})
	t.Run("A failing writer stops the export with its error.", func(t *testing.T) {
		many := app.SeedContacts("o", 5000, nil, 1, time.Now())
		boom := errors.New("boom")
		calls := 0
		err := WriteCSV(&failWriter{err: boom}, func(fn func(*app.Contact) error) error {
			for _, c := range many {
				calls++
				if err := fn(c); err != nil {
					return err
				}
			}
			return nil
		}, nil)
		if !errors.Is(err, boom) {
			t.Errorf("error = %v, want boom", err)
		}
		if calls >= 2*len(many) {
			t.Errorf("the export went on after the writer failed (%d calls)", calls)
		}
	})
}

type failWriter struct{ err error }

func (w *failWriter) Write([]byte) (int, error) { return 0, w.err }

func benchContacts(b *testing.B, n int) ([]*app.Contact, GroupNames) {
	b.Helper()
	gids := []string{"g1", "g2", "g3", "g4"}
	groups := GroupNames{}
	for i, id := range gids {
		groups[id] = fmt.Sprintf("Group %d", i+1)
	}
	return app.SeedContacts("owner", n, gids, 42, time.Now()), groups
}

// BenchmarkWriteCSV exports 100,000 seeded contacts.
func BenchmarkWriteCSV(b *testing.B) {
	cs, groups := benchContacts(b, 100_000)
	var size countWriter
	if err := WriteCSV(&size, eachOf(cs), groups); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := WriteCSV(io.Discard, eachOf(cs), groups); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadCSV reads the export of 100,000 seeded contacts back.
func BenchmarkReadCSV(b *testing.B) {
	cs, groups := benchContacts(b, 100_000)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, eachOf(cs), groups); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rd, err := NewReader(bytes.NewReader(data), Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != len(cs) {
			b.Fatalf("%d records, want %d", n, len(cs))
		}
	}
}

type countWriter int

func (w *countWriter) Write(p []byte) (int, error) {
	*w += countWriter(len(p))
	return len(p), nil
}
