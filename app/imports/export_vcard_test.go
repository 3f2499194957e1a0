package imports

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"agentbook/app"
)

// vcardEach gives cs to an export.
func vcardEach(cs []*app.Contact) Contacts {
	return func(fn func(*app.Contact) error) error {
		for _, c := range cs {
			if err := fn(c); err != nil {
				return err
			}
		}
		return nil
	}
}

// vcardExported is what a vCard keeps of c, normalised: no IDs, group IDs, times, version or
// email checks.
func vcardExported(c app.Contact) app.Contact {
	c.ID, c.OwnerID, c.GroupIDs, c.Version = "", "", nil, 0
	c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}
	c.Emails = append([]app.Email(nil), c.Emails...)
	for i := range c.Emails {
		c.Emails[i].Status, c.Emails[i].Reason, c.Emails[i].CheckedAt = "", "", time.Time{}
	}
	c.Phones = append([]app.Phone(nil), c.Phones...)
	c.Addresses = append([]app.Address(nil), c.Addresses...)
	c.Normalize()
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

var vcardTestGroups = GroupNames{"g1": "Buyers", "g2": "Past Clients, 2024", "g3": "A;B\\C", "g4": "Ünïcødé 🏠"}

func TestWriteVCardRoundTrip(t *testing.T) {
	longNote := strings.Repeat("Line with accents é à ü, commas; semicolons \\ and emoji 🏡. ", 60) + "\nlast"
	tests := []struct {
		name   string
		c      app.Contact
		groups []string
	}{
		{"a plain contact comes back the same", app.Contact{FirstName: "Ann", LastName: "Lee",
			Emails: []app.Email{{Address: "ann@example.com", Label: "Home", Notify: true}}}, nil},
		{"awkward characters in every text field come back the same", app.Contact{
			FirstName: "Zoë, \"Z\"", MiddleName: "d'Artagnan; Jr\\", LastName: "Núñez-Ørsted 😀", Company: "Ünïcødé; Inc., Ltd\\",
			Title: "Head, R&D; Ops\\Dev", Status: app.StatusInactive, ReverseProspecting: true, Birthday: "1985-04-12",
			Notes: "First line\nSecond, with comma; semicolon \\ backslash\n\n  indented line\nÉmoji 🏠 end",
			Emails: []app.Email{{Address: "zoe@Example.com", Label: "Work", Notify: true},
				{Address: "zoe.home@example.org", Label: "Lake house, north; shore", Notify: true},
				{Address: "z@example.net", Label: "Other"}, {Address: "zz@example.net", Label: ""}, {Address: "zzz@example.net", Label: "home"}},
			Phones: []app.Phone{{Number: "+1 (415) 555-0100", Label: "Mobile"}, {Number: "555-0101", Label: "Home fax"},
				{Number: "555-0102", Label: "Lake house"}, {Number: "555-0103", Label: "iPhone"}, {Number: "555-0104", Label: ""},
				{Number: "555-0105", Label: "Main"}, {Number: "555,0106;7", Label: "Work"}},
			Addresses: []app.Address{{Label: "Home", Street: "1 Rue de l'Église, Apt 3; rear", City: "Saint-Étienne", Region: "Auvergne-Rhône-Alpes",
				PostalCode: "42000", Country: "France"}, {Label: "Cabin; by the lake", Street: "12 Shore Rd\nCabin 3", City: "Tahoe City"},
				{Street: "No label St", Country: "US"}},
		}, []string{"g1", "g2", "g3", "g4"}},
		{"a long note folds and comes back the same", app.Contact{LastName: "Long", Notes: longNote,
			Emails: []app.Email{{Address: "a@example.com"}, {Address: "b@example.com", Notify: true}, {Address: "c@example.com"}}}, []string{"g2"}},
		{"a contact with only a company comes back without names", app.Contact{Company: "Blue Bottle Coffee",
			Phones: []app.Phone{{Number: "555-0100", Label: "Main"}}}, nil},
		{"a contact with only an email comes back without names", app.Contact{
			Emails: []app.Email{{Address: "nobody@example.com", Label: "Work"}}}, nil},
		{"a contact with only a phone comes back without names", app.Contact{
			Phones: []app.Phone{{Number: "555-0100"}}}, nil},
		{"an unknown group ID is left out", app.Contact{FirstName: "Bo"}, []string{"nope", "g1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			c.ID, c.GroupIDs = app.NewID(), tt.groups
			c.UpdatedAt = time.Date(2025, 11, 25, 12, 30, 0, 0, time.UTC)
			var buf bytes.Buffer
			if err := WriteVCard(&buf, vcardEach([]*app.Contact{&c}), vcardTestGroups); err != nil {
				t.Fatal(err)
			}
			recs, err := vcardReadAll(t, buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1 || recs[0].Err != "" {
				t.Fatalf("read back %d records: %+v", len(recs), recs)
			}
			got, want := vcardExported(recs[0].Contact), vcardExported(c)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("read back\n %+v\nwant\n %+v\nfrom\n%s", got, want, buf.String())
			}
			var names []string
			for _, id := range tt.groups {
				if n := vcardTestGroups[id]; n != "" {
					names = append(names, n)
				}
			}
			if !slices.Equal(recs[0].Groups, names) {
				t.Errorf("groups %q, want %q", recs[0].Groups, names)
			}
			vcardCheckLines(t, buf.Bytes())
		})
	}
}

// vcardCheckLines checks that every line ends in CRLF, has at most 75 octets and is UTF-8.
func vcardCheckLines(t *testing.T, out []byte) {
	t.Helper()
	if !bytes.HasSuffix(out, []byte("\r\n")) {
		t.Errorf("the output does not end in CRLF")
	}
	for i, l := range bytes.Split(bytes.TrimSuffix(out, []byte("\r\n")), []byte("\r\n")) {
		switch {
		case len(l) > 75:
			t.Errorf("line %d has %d octets: %q", i+1, len(l), l)
		case !utf8.Valid(l):
			t.Errorf("line %d splits a UTF-8 sequence: %q", i+1, l)
		case bytes.ContainsAny(l, "\r\n"):
			t.Errorf("line %d holds a bare line break: %q", i+1, l)
		}
	}
}

func TestWriteVCardCard(t *testing.T) {
	c := &app.Contact{ID: "01J00000000000000000000000", FirstName: "Ann", LastName: "Lee", Company: "Acme, Inc.",
		Emails: []app.Email{{Address: "ann@example.com", Label: "Work", Notify: true}, {Address: "ann@lake.example", Label: "Lake house"}},
		Phones: []app.Phone{{Number: "555-0100", Label: "Mobile"}}, Notes: "a;b\nc",
		Addresses: []app.Address{{Label: "Home", Street: "1 Main St", City: "Springfield", Region: "IL", PostalCode: "62701", Country: "US"}},
		GroupIDs:  []string{"g1", "g2"}, Status: app.StatusInactive, Birthday: "1990-01-31",
		UpdatedAt: time.Date(2025, 11, 25, 12, 30, 0, 0, time.UTC)}
	var buf bytes.Buffer
	if err := WriteVCard(&buf, vcardEach([]*app.Contact{c}), vcardTestGroups); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{"BEGIN:VCARD", "VERSION:3.0", "PRODID:-//agentbook//agentbook//EN",
		"N:Lee;Ann;;;", "FN:Ann Lee", "ORG:Acme\\, Inc.",
		"EMAIL;TYPE=INTERNET,WORK,PREF;X-AGENTBOOK-NOTIFY=yes:ann@example.com",
		"item1.EMAIL;TYPE=INTERNET:ann@lake.example", "item1.X-ABLabel:Lake house",
		"TEL;TYPE=CELL:555-0100", "ADR;TYPE=HOME:;;1 Main St;Springfield;IL;62701;US",
		"NOTE:a\\;b\\nc", "BDAY:1990-01-31", "CATEGORIES:Buyers,Past Clients\\, 2024",
		"X-AGENTBOOK-STATUS:inactive", "UID:01J00000000000000000000000", "REV:2025-11-25T12:30:00Z", "END:VCARD", ""}, "\r\n")
	if buf.String() != want {
		t.Errorf("wrote\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestWriteVCardFolding(t *testing.T) {
	tests := []struct {
		name string
		note string
	}{
		{"ASCII folds at 75 octets", strings.Repeat("abcdefghij", 30)},
		{"two-byte letters are not split", strings.Repeat("é", 200)},
		{"three-byte letters are not split", strings.Repeat("€", 200)},
		{"emoji are not split", strings.Repeat("🏠", 100)},
		{"escapes may straddle a fold", strings.Repeat(";,\\\n", 60)},
		{"spaces at a fold are kept", strings.Repeat(" ", 200) + "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &app.Contact{FirstName: "Ann", Notes: tt.note}
			var buf bytes.Buffer
			if err := WriteVCard(&buf, vcardEach([]*app.Contact{c}), nil); err != nil {
				t.Fatal(err)
			}
			vcardCheckLines(t, buf.Bytes())
			recs, err := vcardReadAll(t, buf.Bytes())
			if err != nil || len(recs) != 1 {
				t.Fatalf("read back %d records, %v", len(recs), err)
			}
			if got := recs[0].Contact.Notes; got != tt.note {
				t.Errorf("note %q, want %q", got, tt.note)
			}
		})
	}
}

func TestWriteVCardSeedRoundTrip(t *testing.T) {
	gids := []string{"g1", "g2", "g3", "g4"}
	cs := app.SeedContacts("owner", 2000, gids, 7, time.Date(2025, 11, 25, 0, 0, 0, 0, time.UTC))
	cs[3].Status, cs[5].ReverseProspecting, cs[8].Notes = app.StatusInactive, true, "Two\nlines"
	var buf bytes.Buffer
	if err := WriteVCard(&buf, vcardEach(cs), vcardTestGroups); err != nil {
		t.Fatal(err)
	}
	recs, err := vcardReadAll(t, buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(cs) {
		t.Fatalf("read back %d cards, want %d", len(recs), len(cs))
	}
	for i, rec := range recs {
		if got, want := vcardExported(rec.Contact), vcardExported(*cs[i]); rec.Err != "" || !reflect.DeepEqual(got, want) {
			t.Fatalf("contact %d: read back %+v (%s)\nwant %+v", i, got, rec.Err, want)
		}
		if len(rec.Groups) != len(cs[i].GroupIDs) {
			t.Fatalf("contact %d: groups %q for %q", i, rec.Groups, cs[i].GroupIDs)
		}
	}
}

func TestWriteVCardStopsOnError(t *testing.T) {
	stop := errors.New("stop")
	err := WriteVCard(&bytes.Buffer{}, func(fn func(*app.Contact) error) error { return stop }, nil)
	if !errors.Is(err, stop) {
		t.Errorf("error %v, want it to wrap %v", err, stop)
	}
	err = WriteVCard(vcardFailWriter{}, vcardEach(app.SeedContacts("o", 500, nil, 1, time.Now())), nil)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("error %v, want the writer's", err)
	}
}

type vcardFailWriter struct{}

func (vcardFailWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// BenchmarkWriteVCard writes 100,000 seeded contacts; one op is the whole export.
func BenchmarkWriteVCard(b *testing.B) {
	gids := []string{"g1", "g2", "g3", "g4"}
	cs := app.SeedContacts("owner", 100_000, gids, 42, time.Now())
	var size int64
	cw := &vcardCountWriter{}
	b.ReportAllocs()
	for b.Loop() {
		cw.n = 0
		if err := WriteVCard(cw, vcardEach(cs), vcardTestGroups); err != nil {
			b.Fatal(err)
		}
		size = cw.n
	}
	b.SetBytes(size)
	b.ReportMetric(float64(size)/1e6, "MB/export")
}

// BenchmarkReadVCard reads 100,000 cards back; one op is the whole file.
func BenchmarkReadVCard(b *testing.B) {
	cs := app.SeedContacts("owner", 100_000, []string{"g1", "g2"}, 42, time.Now())
	var buf bytes.Buffer
	if err := WriteVCard(&buf, vcardEach(cs), vcardTestGroups); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		v := newVCardReader(bytes.NewReader(buf.Bytes()))
		n := 0
		for {
			if _, err := v.next(); err != nil {
				break
			}
			n++
		}
		if n != len(cs) {
			b.Fatalf("read %d cards", n)
		}
	}
}

type vcardCountWriter struct{ n int64 }

func (w *vcardCountWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}
