package imports

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"agentbook/app"
)

// want is a record as a fixture test expects it.
type want struct {
	row    int
	c      app.Contact
	groups []string
}

func TestFixtures(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		format Format
		enc    string
		delim  rune
		want   []want
	}{
		{"Google's current export reads ::: lists, * primaries and skips system labels.", "google.csv", FormatGoogle, EncodingUTF8, ',', []want{
			{2, app.Contact{FirstName: "Ana María", LastName: "Núñez", Company: "Sunrise Realty", Title: "Broker",
				Birthday: "1985-04-12", Notes: "Met at the open house.\nPrefers text.",
				Emails: []app.Email{{Address: "ana@example.com", Label: "Home"}, {Address: "ana.nunez@example.org", Label: "Home"},
					{Address: "ana@sunrise.example", Label: "Work"}},
				Phones: []app.Phone{{Number: "+1 555-0100", Label: "Mobile"}, {Number: "+1 555-0101", Label: "Work"}},
				Addresses: []app.Address{{Label: "Home", Street: "12 Elm St\nApt 4", City: "Springfield", Region: "IL",
					PostalCode: "62701", Country: "US"}}},
				[]string{"Buyers", "Open House"}},
			{7, app.Contact{FirstName: "Bob", LastName: "O'Neil",
				Emails:    []app.Email{{Address: "bob@example.net", Label: "Other"}},
				Phones:    []app.Phone{{Number: "(555) 010-2000", Label: "Mobile"}, {Number: "(555) 010-2001", Label: "Mobile"}},
				Addresses: []app.Address{{Street: "PO Box 9, Shelbyville"}}}, nil},
			{8, app.Contact{Company: "Acme, Inc.", Notes: `Says "hello"`, Phones: []app.Phone{{Number: "555-0199", Label: "Fax"}}},
				[]string{"Vendors"}},
		}},
		{"Google's legacy export reads Type columns and splits the Name when the parts are empty.", "google_legacy.csv", FormatGoogleLegacy, EncodingUTF8, ',', []want{
			{2, app.Contact{FirstName: "Carlos", LastName: "Díaz", Company: "Díaz Holdings", Title: "CEO", Birthday: "1970-01-31", Notes: "Investor",
				Emails: []app.Email{{Address: "carlos@diaz.example", Label: "Work"}, {Address: "cdiaz@example.com", Label: "Home"}},
				Phones: []app.Phone{{Number: "555-0303", Label: "Mobile"}},
				Addresses: []app.Address{{Label: "Work", Street: "1 Main St", City: "Austin", Region: "TX", PostalCode: "73301",
					Country: "United States"}}},
				[]string{"Investors"}},
			{5, app.Contact{FirstName: "Dana", LastName: "Lee", Emails: []app.Email{{Address: "dana@example.com", Label: "Other"}},
				Phones: []app.Phone{{Number: "555-0304", Label: "Home Fax"}}},
				[]string{"Sphere"}},
		}},
		{"Outlook.com's export takes Job Title, orders phones and reads M/D/YYYY and categories.", "outlook_com.csv", FormatOutlook, EncodingUTF8, ',', []want{
			{2, app.Contact{FirstName: "Erin", LastName: "Walsh", Company: "First Bank", Title: "Loan Officer", Birthday: "1985-04-12",
				Notes:  "Refers clients",
				Emails: []app.Email{{Address: "erin@walsh.example"}, {Address: "erin.w@example.com"}},
				Phones: []app.Phone{{Number: "555-0402", Label: "Mobile"}, {Number: "555-0401", Label: "Work"},
					{Number: "555-0400", Label: "Home"}},
				Addresses: []app.Address{{Label: "Work", Street: "200 Market St", City: "Denver", Region: "CO", PostalCode: "80202",
					Country: "United States"}}},
				[]string{"Lenders", "Referrals"}},
			{3, app.Contact{FirstName: "Frank", MiddleName: "J.", LastName: "Ocean",
				Phones:    []app.Phone{{Number: "555-0500", Label: "Other"}, {Number: "555-0501", Label: "Fax"}},
				Addresses: []app.Address{{Label: "Home", Street: "9 Oak Ave", City: "Boulder", Region: "CO", PostalCode: "80301"}}}, nil},
		}},
		{"Desktop Outlook's export resolves Exchange addresses and joins street lines.", "outlook_desktop.csv", FormatOutlook, EncodingUTF8, ',', []want{
			{2, app.Contact{FirstName: "Grace", LastName: "Hopper", Company: "Navy", Title: "Rear Admiral", Birthday: "1906-12-09",
				Notes:  "Line one\r\nLine two",
				Emails: []app.Email{{Address: "grace@navy.example"}, {Address: "grace.h@example.com"}},
				Phones: []app.Phone{{Number: "555-0600", Label: "Mobile"}, {Number: "555-0601", Label: "Work"}},
				Addresses: []app.Address{{Label: "Work", Street: "1 Navy Way\nSuite 100", City: "Arlington", Region: "VA",
					PostalCode: "22202", Country: "USA"}}},
				[]string{"Past Clients"}},
			{4, app.Contact{FirstName: "Heidi", LastName: "Klum", Birthday: "1976-07-04",
				Emails:    []app.Email{{Address: "heidi@example.com"}},
				Phones:    []app.Phone{{Number: "555-0700", Label: "Home"}},
				Addresses: []app.Address{{Label: "Home", Street: "PO Box 77", City: "Bergisch Gladbach", Country: "Germany"}}},
				[]string{"Sphere", "Past Clients"}},
		}},
		{"A generic file with odd header spellings is recognised column by column.", "generic.csv", FormatGeneric, EncodingUTF8, ',', []want{
			{2, app.Contact{FirstName: "Zoë", LastName: "Château", Company: "Maison & Co", Title: "Agent", Birthday: "1990-05-06",
				Notes: "Likes cafés", Status: app.StatusInactive,
				Emails: []app.Email{{Address: "zoe@example.fr"}, {Address: "zoe@work.example"}},
				Phones: []app.Phone{{Number: "+33 6 12 34 56 78", Label: "Mobile"}, {Number: "+33 1 23 45 67 89", Label: "Work"}},
				Addresses: []app.Address{{Street: "10 Rue de Rivoli\nBât. B", City: "Paris", Region: "Île-de-France",
					PostalCode: "75001", Country: "France"}}},
				[]string{"Buyers", "VIP"}},
			{3, app.Contact{FirstName: "Yves", Status: app.StatusActive,
				Emails: []app.Email{{Address: "yves@example.com"}, {Address: "yves2@example.com"}}}, nil},
		}},
		{"A Name column is split into first, middle and last.", "fullname.csv", FormatGeneric, EncodingUTF8, ',', []want{
			{2, app.Contact{FirstName: "John", MiddleName: "A.", LastName: "Smith", Emails: []app.Email{{Address: "john@example.com"}},
				Phones: []app.Phone{{Number: "555 0100"}}}, []string{"Buyers", "Sellers"}},
			{3, app.Contact{FirstName: "Mary", MiddleName: "Ann", LastName: "Jones",
				Emails: []app.Email{{Address: "mary@example.com"}, {Address: "mary2@example.com"}}}, nil},
		}},
		{"A European Excel file with semicolons and German headers is read.", "semicolon.csv", FormatGeneric, EncodingUTF8BOM, ';', []want{
			{2, app.Contact{FirstName: "Jürgen", LastName: "Weiß", Company: "Müller, Schmidt & Partner", Notes: "Preis 1,5 Mio; Zinsen 3,2",
				Emails:    []app.Email{{Address: "juergen@example.de"}},
				Phones:    []app.Phone{{Number: "+49 30 1234567"}},
				Addresses: []app.Address{{Street: "Hauptstraße 5", City: "Berlin", PostalCode: "10115", Country: "Deutschland"}}}, nil},
			{3, app.Contact{FirstName: "Anna", LastName: "Groß", Emails: []app.Email{{Address: "anna@example.at"}},
				Addresses: []app.Address{{City: "Wien", Country: "Österreich"}}}, nil},
		}},
		{"A Windows-1252 file is decoded.", "windows1252.csv", FormatGeneric, EncodingWindows1252, ',', []want{
			{2, app.Contact{FirstName: "René", LastName: "Müller", Notes: "It’s “great” – café", Emails: []app.Email{{Address: "rene@example.com"}}}, nil},
			{3, app.Contact{FirstName: "Søren", LastName: "Ærø", Notes: "€5 ©", Emails: []app.Email{{Address: "soren@example.dk"}}}, nil},
		}},
		{"A UTF-16 tab-separated file (Excel's Unicode text) is decoded.", "utf16.csv", FormatGeneric, EncodingUTF16LE, '\t', []want{
			{2, app.Contact{FirstName: "José", LastName: "García", Emails: []app.Email{{Address: "jose@example.com"}},
				Phones: []app.Phone{{Number: "555-0800", Label: "Mobile"}}}, nil},
			{3, app.Contact{FirstName: "李", LastName: "王", Emails: []app.Email{{Address: "wang@example.cn"}},
				Phones: []app.Phone{{Number: "555-0801", Label: "Mobile"}}}, nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			rd, recs, err := readAll(t, data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rd.Format() != tt.format || rd.Encoding() != tt.enc || rd.Delimiter() != tt.delim {
				t.Errorf("Format() = %q, Encoding() = %q, Delimiter() = %q; want %q, %q, %q",
					rd.Format(), rd.Encoding(), rd.Delimiter(), tt.format, tt.enc, tt.delim)
			}
			if len(recs) != len(tt.want) {
				t.Fatalf("%d records, want %d", len(recs), len(tt.want))
			}
			for i, w := range tt.want {
				r := recs[i]
				if r.Err != "" {
					t.Errorf("row %d: Err = %q", r.Row, r.Err)
				}
				if r.Row != w.row {
					t.Errorf("record %d: Row = %d, want %d", i, r.Row, w.row)
				}
				if !reflect.DeepEqual(r.Contact, w.c) {
					t.Errorf("row %d:\n got %s\nwant %s", r.Row, dump(r.Contact), dump(w.c))
				}
				if !reflect.DeepEqual(r.Groups, w.groups) {
					t.Errorf("row %d: groups = %q, want %q", r.Row, r.Groups, w.groups)
				}
			}
		})
	}
}

func TestChunkBoundaries(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.csv"))
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{
		"line ends of every kind": []byte("a,b\r\n\"x\r\ny\",\"p\"\"q\"\rc,d\n\n\r\n e , \"f\"g\r\"h\rk\",z"),
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.Base(name)] = data
	}
	rows := func(data []byte, size int) []csvRow {
		s := newCSVScanner(bytes.NewReader(data), ',', true, size)
		var out []csvRow
		for {
			r, err := s.next()
			if err != nil {
				return out
			}
			out = append(out, *r)
		}
	}
	for name, data := range inputs {
		t.Run("Scanning "+name+" through tiny buffers gives the same rows.", func(t *testing.T) {
			want := rows(data, scanBufSize)
			for size := 1; size <= 7; size++ {
				if got := rows(data, size); !reflect.DeepEqual(got, want) {
					t.Fatalf("with a %d-byte buffer:\n got %+v\nwant %+v", size, got, want)
				}
			}
		})
	}
}

func TestMappingReported(t *testing.T) {
	tests := []struct {
		name, file string
		want       map[string]string // header → field, for the columns checked
	}{
		{"Google's value columns map to fields, label columns to nothing.", "google.csv", map[string]string{
			"First Name": FieldFirstName, "E-mail 1 - Value": FieldEmail, "E-mail 1 - Label": FieldIgnore,
			"Phone 1 - Value": FieldPhone, "Address 1 - City": FieldCity, "Labels": FieldGroups, "Nickname": FieldIgnore,
			"Address 1 - Formatted": FieldIgnore}},
		{"Outlook's phones map by kind and its Title to nothing.", "outlook_com.csv", map[string]string{
			"Title": FieldIgnore, "Job Title": FieldTitle, "Mobile Phone": FieldMobile, "Home Phone": FieldHomePhone,
			"Business Phone": FieldWorkPhone, "Pager": FieldPhone, "Categories": FieldGroups}},
		{"Generic names map to their fields.", "generic.csv", map[string]string{
			"FIRST_NAME": FieldFirstName, "Surname": FieldLastName, "Cell": FieldMobile, "Work Phone": FieldWorkPhone,
			"Post Code": FieldPostalCode, "D.O.B.": FieldBirthday, "Favourite Colour": FieldIgnore}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			rd, _, err := readAll(t, data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			m := rd.Mapping()
			if len(m) != len(rd.Header()) {
				t.Fatalf("Mapping() has %d entries for %d columns", len(m), len(rd.Header()))
			}
			for i, h := range rd.Header() {
				if f, ok := tt.want[h]; ok && m[i] != f {
					t.Errorf("%q maps to %q, want %q", h, m[i], f)
				}
			}
		})
	}
}

func TestCellValues(t *testing.T) {
	dates := []struct{ in, want string }{
		{"1985-04-12", "1985-04-12"}, {"1985/4/12", "1985-04-12"}, {"19850412", "1985-04-12"},
		{"4/12/1985", "1985-04-12"}, {"04/12/85", "1985-04-12"}, {"12.04.1985", "1985-04-12"},
		{"4/12/1985 12:00:00 AM", "1985-04-12"}, {"--04-12", ""}, {"0/0/00", ""}, {"April 12", "April 12"},
		{"2/30/1985", "2/30/1985"},
	}
	for _, d := range dates {
		t.Run("The date "+d.in+" reads as "+strings.TrimSpace(d.want+" (empty when blank)")+".", func(t *testing.T) {
			if got := parseDate(d.in); got != d.want {
				t.Errorf("parseDate(%q) = %q, want %q", d.in, got, d.want)
			}
		})
	}
	names := []struct{ in, first, middle, last string }{
		{"Ann", "Ann", "", ""}, {"Ann Lee", "Ann", "", "Lee"}, {"Mary Ann  de Vries", "Mary", "Ann de", "Vries"},
		{"Lee, Ann", "Ann", "", "Lee"}, {"van Dijk, Jan Pieter", "Jan", "Pieter", "van Dijk"},
	}
	for _, n := range names {
		t.Run("The name "+n.in+" splits into its parts.", func(t *testing.T) {
			f, m, l := splitName(n.in)
			if f != n.first || m != n.middle || l != n.last {
				t.Errorf("splitName(%q) = %q, %q, %q", n.in, f, m, l)
			}
		})
	}
	headers := []struct{ in, want string }{
		{"E-mail 1 - Value", "email1value"}, {"FIRST_NAME", "firstname"}, {"Straße", "strasse"}, {"Prénom", "prenom"},
		{"Country/Region", "countryregion"}, {"  D.O.B. ", "dob"},
	}
	for _, h := range headers {
		t.Run("The header "+h.in+" folds to "+h.want+".", func(t *testing.T) {
			if got := fold(h.in); got != h.want {
				t.Errorf("fold(%q) = %q", h.in, got)
			}
		})
	}
	t.Run("Exchange display names give an address only when they hold one.", func(t *testing.T) {
		for in, want := range map[string]string{"Ann Lee (ann@example.com)": "ann@example.com", "ann@example.com": "ann@example.com",
			"Ann Lee": "", "Ann (Sales)": "", "": ""} {
			if got := exchangeAddress(in); got != want {
				t.Errorf("exchangeAddress(%q) = %q, want %q", in, got, want)
			}
		}
	})
}

func dump(c app.Contact) string {
	b, _ := json.Marshal(c)
	return string(b)
}
