package imports

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"agentbook/app"
)

// vcardReadAll reads every record of data with newVCardReader; err is the error that ended it,
// nil at io.EOF.
func vcardReadAll(t testing.TB, data []byte) ([]*Record, error) {
	t.Helper()
	v := newVCardReader(bytes.NewReader(data))
	var recs []*Record
	for {
		rec, err := v.next()
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return recs, err
		}
		recs = append(recs, rec)
		if len(recs) > len(data)+1 {
			t.Fatalf("more records than lines: %d", len(recs))
		}
	}
}

// vcardPlain is rec without its raw lines, with empty slices made nil.
func vcardPlain(rec *Record) Record {
	r := *rec
	r.Raw = nil
	if len(r.Groups) == 0 {
		r.Groups = nil
	}
	c := &r.Contact
	if len(c.Emails) == 0 {
		c.Emails = nil
	}
	if len(c.Phones) == 0 {
		c.Phones = nil
	}
	if len(c.Addresses) == 0 {
		c.Addresses = nil
	}
	return r
}

func vcardCheck(t *testing.T, got []*Record, want []Record) {
	t.Helper()
	if len(got) != len(want) {
		for _, g := range got {
			t.Logf("got %+v", vcardPlain(g))
		}
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if g := vcardPlain(got[i]); !reflect.DeepEqual(g, want[i]) {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, g, want[i])
		}
	}
}

func TestReadVCardFixtures(t *testing.T) {
	type E = app.Email
	type P = app.Phone
	type A = app.Address
	ph := func(number, label string) P { return P{Number: number, Label: label} }
	tests := []struct {
		name string
		file string
		want []Record
	}{
		{"an Apple Contacts export gives custom and Apple labels, the pref email first, and skips the photo", "apple.vcf", []Record{
			{Row: 1, Groups: []string{"Buyers", "Sphere"}, Contact: app.Contact{
				FirstName: "Johnny", MiddleName: "Quincy", LastName: "Appleseed", Company: "Apple Inc.", Title: "Head Orchardist",
				Emails: []E{{Address: "johnny.appleseed@icloud.com", Label: "Other"}, {Address: "johnny@lakehouse.example", Label: "Lake house"},
					{Address: "johnny@example.com", Label: "Home"}},
				Phones: []P{ph("(408) 555-0101", "Mobile"), ph("(408) 555-0102", "iPhone"), ph("(408) 555-0103", "Home fax"),
					ph("(408) 555-0104", "Lake house"), ph("(408) 555-0105", "Assistant phone")},
				Addresses: []A{{Label: "Home", Street: "1 Infinite Loop", City: "Cupertino", Region: "CA", PostalCode: "95014", Country: "United States"},
					{Label: "Lake house", Street: "12 Shore Rd\nCabin 3", City: "Tahoe City", Region: "CA", PostalCode: "96145", Country: "United States"}},
				Notes:    "Met at WWDC.\nLikes apples, pears and plums; hates bananas.",
				Birthday: "1985-04-12"}},
			{Row: 64, Contact: app.Contact{Company: "Blue Bottle Coffee",
				Emails: []E{{Address: "hello@bluebottle.example", Label: "Work"}},
				Phones: []P{ph("(510) 653-3394", "Main")}}},
			{Row: 75, Groups: []string{"Past Clients"}, Contact: app.Contact{FirstName: "Zoë", LastName: "Núñez",
				Emails: []E{{Address: "zoe.nunez@Example.COM", Label: "Work"}},
				Phones: []P{ph("+34 91 555 0199", "Work")}}},
		}},
		{"an Android vCard 2.1 decodes quoted-printable soft line breaks, UTF-8 and Latin-1", "android21.vcf", []Record{
			{Row: 1, Contact: app.Contact{FirstName: "Jürgen", LastName: "Müller", Company: "Bäckerei Schön", Title: "Inhaber",
				Emails:    []E{{Address: "j.mueller@firma.example", Label: "Work"}, {Address: "juergen@example.de", Label: "Home"}},
				Phones:    []P{ph("+49 170 1234567", "Mobile"), ph("+49 30 1234567", "Home"), ph("+49 38 1234567", "Ferienhaus")},
				Addresses: []A{{Label: "Home", Street: "Straße des 17. Juni 135", City: "Berlin", PostalCode: "10623", Country: "Deutschland"}},
				Notes:     "Trifft sich gern zum Kaffee im Café am Savignyplatz.\nÜberweisung bitte vor dem 15. – danke!",
				Birthday:  "1979-11-03"}},
			{Row: 30, Contact: app.Contact{FirstName: "Hélène", LastName: "Lefèvre",
				Emails: []E{{Address: "helene.lefevre@exemple.fr"}},
				Phones: []P{ph("06 12 34 56 78", "Mobile")},
				Notes:  "Préfère le français; appeler le soir."}},
			{Row: 38, Contact: app.Contact{FirstName: "Kwame", LastName: "Mensah", Phones: []P{ph("+233 30 221 4567", "Work")}}},
		}},
		{"an Outlook vCard 2.1 gives bare types, a quoted-printable note and raw Windows-1252 bytes", "outlook21.vcf", []Record{
			{Row: 1, Groups: []string{"Vendors", "Referrals"}, Contact: app.Contact{
				FirstName: "John", MiddleName: "Michael", LastName: "Doe", Company: "Contoso Ltd.", Title: "Account Manager",
				Emails: []E{{Address: "john.doe@contoso.example"}, {Address: "jdoe@home.example"}},
				Phones: []P{ph("(425) 555-0100", "Work"), ph("(425) 555-0101", "Home"), ph("(425) 555-0102", "Mobile"), ph("(425) 555-0103", "Work fax")},
				Addresses: []A{{Label: "Work", Street: "One Microsoft Way", City: "Redmond", Region: "WA", PostalCode: "98052", Country: "United States of America"},
					{Label: "Home", Street: "4567 Main St.", City: "Kirkland", Region: "WA", PostalCode: "98033", Country: "United States of America"}},
				Notes:    "Met at the trade show.\nPrefers email; golf on Fridays.",
				Birthday: "1985-04-12"}},
			{Row: 38, Contact: app.Contact{FirstName: "Günter", LastName: "Schröder", Company: "Müller & Söhne GmbH",
				Emails: []E{{Address: "guenter@mueller-soehne.example"}},
				Notes:  "Grüße an die Familie – bis bald."}},
		}},
		{"a vCard 4.0 honours PREF=1 and TYPE=pref, drops a birthday without a year and reads one with a time", "v4.vcf", []Record{
			{Row: 1, Contact: app.Contact{FirstName: "Simon", LastName: "Perreault", Company: "Viagenie",
				Emails:    []E{{Address: "simon@perreault.example", Label: "Home"}, {Address: "simon.perreault@viagenie.example", Label: "Work"}},
				Phones:    []P{ph("+1-418-656-9254 ext. 102", "Work"), ph("+1-418-262-6501", "Mobile")},
				Addresses: []A{{Label: "Work", Street: "2875 Laurier, Suite D2-630", City: "Québec", Region: "QC", PostalCode: "G1V 2M2", Country: "Canada"}}}},
			{Row: 21, Groups: []string{"Investors", "Open House, Spring"}, Contact: app.Contact{FirstName: "Aisha", LastName: "Okafor",
				Emails: []E{{Address: "aisha.okafor@example.com", Label: "Home"}, {Address: "aisha@okafor-realty.example", Label: "Work"},
					{Address: "aisha.o@backup.example"}},
				Phones:   []P{ph("+234 803 555 0147", "Mobile")},
				Notes:    "Prefers WhatsApp.\nSecond line.",
				Birthday: "1985-04-12"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			recs, err := vcardReadAll(t, data)
			if err != nil {
				t.Fatal(err)
			}
			vcardCheck(t, recs, tt.want)
			for _, rec := range recs {
				if len(rec.Raw) < 2 || !strings.EqualFold(rec.Raw[0], "BEGIN:VCARD") || !strings.EqualFold(rec.Raw[len(rec.Raw)-1], "END:VCARD") {
					t.Errorf("row %d: raw lines run from %q to %q", rec.Row, rec.Raw[0], rec.Raw[len(rec.Raw)-1])
				}
				for _, l := range rec.Raw {
					if strings.HasPrefix(strings.ToUpper(l), "PHOTO") {
						t.Errorf("row %d: the raw lines keep the photo", rec.Row)
					}
				}
			}

			rd, err := NewReader(bytes.NewReader(data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rd.Format() != FormatVCard {
				t.Errorf("NewReader's format is %q, want %q", rd.Format(), FormatVCard)
			}
			var viaReader []*Record
			for {
				rec, err := rd.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				viaReader = append(viaReader, rec)
			}
			vcardCheck(t, viaReader, tt.want)
		})
	}
}

func TestReadVCardProblems(t *testing.T) {
	long := strings.Repeat("é", MaxCell)
	tests := []struct {
		name    string
		in      string
		want    []Record
		fileErr *FileError // the error that ends the file, after want
	}{
		{"a card without END:VCARD before the next BEGIN is reported and the next card still read",
			"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nN:Ray;Bo;;;\r\nEND:VCARD\r\n",
			[]Record{{Row: 1, Err: "The card starting on row 1 has no END:VCARD.", Contact: app.Contact{FirstName: "Ann", LastName: "Lee"}},
				{Row: 4, Contact: app.Contact{FirstName: "Bo", LastName: "Ray"}}}, nil},
		{"a card cut off by the end of the file is reported",
			"BEGIN:VCARD\nVERSION:3.0\nN:Ray;Bo;;;\nEND:VCARD\n\nBEGIN:VCARD\nVERSION:3.0\nN:Lee;Ann;;;\nEMAIL:ann@example.com\n",
			[]Record{{Row: 1, Contact: app.Contact{FirstName: "Bo", LastName: "Ray"}},
				{Row: 6, Err: "The card starting on row 6 has no END:VCARD.", Contact: app.Contact{FirstName: "Ann", LastName: "Lee",
					Emails: []app.Email{{Address: "ann@example.com"}}}}}, nil},
		{"a garbage line inside a card is reported with its row",
			"BEGIN:VCARD\nVERSION:3.0\nN:Ray;Bo;;;\nthis is not a property\nEND:VCARD\n",
			[]Record{{Row: 1, Err: "Row 4 is not a vCard line (NAME:value).", Contact: app.Contact{FirstName: "Bo", LastName: "Ray"}}}, nil},
		{"a line whose name has a space is garbage",
			"BEGIN:VCARD\nN:Ray;Bo;;;\nMY NOTE:hello\nEND:VCARD\n",
			[]Record{{Row: 1, Err: "Row 3 is not a vCard line (NAME:value).", Contact: app.Contact{FirstName: "Bo", LastName: "Ray"}}}, nil},
		{"a value of exactly MaxCell characters is kept",
			"BEGIN:VCARD\nN:Ray;Bo;;;\nNOTE:" + long + "\nEND:VCARD\n",
			[]Record{{Row: 1, Contact: app.Contact{FirstName: "Bo", LastName: "Ray", Notes: long}}}, nil},
		{"a value over MaxCell characters is reported and left out",
			"BEGIN:VCARD\nN:Ray;Bo;;;\nNOTE:" + long + "x\nEND:VCARD\n",
			[]Record{{Row: 1, Err: "The NOTE on row 3 has 20,001 characters; a value may hold at most 20,000.",
				Contact: app.Contact{FirstName: "Bo", LastName: "Ray"}}}, nil},
		{"a line too long to keep is reported",
			"BEGIN:VCARD\nN:Ray;Bo;;;\nNOTE:" + strings.Repeat("ab", vcardMaxLine) + "\nEND:VCARD\nBEGIN:VCARD\nFN:Ann\nEND:VCARD\n",
			[]Record{{Row: 1, Err: "The NOTE on row 3 has more than 20,000 characters.", Contact: app.Contact{FirstName: "Bo", LastName: "Ray"}},
				{Row: 5, Contact: app.Contact{FirstName: "Ann"}}}, nil},
		{"a huge photo on one line is skipped",
			"BEGIN:VCARD\nN:Ray;Bo;;;\nPHOTO;ENCODING=b;TYPE=JPEG:" + strings.Repeat("QUJD", vcardMaxLine) + "\nEND:VCARD\n",
			[]Record{{Row: 1, Contact: app.Contact{FirstName: "Bo", LastName: "Ray"}}}, nil},
		{"a vCard 2.1 photo whose base64 lines are not indented ends at a blank line",
			"BEGIN:VCARD\nVERSION:2.1\nN:Ray;Bo\nPHOTO;JPEG;BASE64:\n/9j/4AAQSkZJRgABAQEASABIAAD\nQUJDREVGR0hJSktMTU5PUFFSU1RV\n\nTEL;CELL:555-0100\nEND:VCARD\n",
			[]Record{{Row: 1, Contact: app.Contact{FirstName: "Bo", LastName: "Ray", Phones: []app.Phone{{Number: "555-0100", Label: "Mobile"}}}}}, nil},
		{"an empty card is reported",
			"BEGIN:VCARD\nVERSION:3.0\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nFN: \nEND:VCARD\n",
			[]Record{{Row: 1, Err: "The card starting on row 1 is empty."}, {Row: 4, Err: "The card starting on row 4 is empty."}}, nil},
		{"a group card is not a contact",
			"BEGIN:VCARD\nVERSION:4.0\nKIND:group\nFN:Buyers\nMEMBER:urn:uuid:1\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nX-ADDRESSBOOKSERVER-KIND:group\nFN:Sellers\nEND:VCARD\n",
			[]Record{{Row: 1, Err: "The card starting on row 1 is a group, not a contact.", Contact: app.Contact{FirstName: "Buyers"}},
				{Row: 7, Err: "The card starting on row 7 is a group, not a contact.", Contact: app.Contact{FirstName: "Sellers"}}}, nil},
		{"lines between cards are reported as one record",
			"BEGIN:VCARD\nFN:Ann\nEND:VCARD\nstray one\nstray two\nBEGIN:VCARD\nFN:Bo\nEND:VCARD\njunk\n",
			[]Record{{Row: 1, Contact: app.Contact{FirstName: "Ann"}},
				{Row: 4, Err: "Rows 4 to 5 are outside any card (BEGIN:VCARD … END:VCARD)."},
				{Row: 6, Contact: app.Contact{FirstName: "Bo"}},
				{Row: 9, Err: "Row 9 is outside any card (BEGIN:VCARD … END:VCARD)."}}, nil},
		{"a file that does not start with BEGIN:VCARD is not a vCard file",
			"\n\nName,Email\nBEGIN:VCARD\nFN:Ann\nEND:VCARD\n", nil,
			&FileError{Row: 3, Message: "This is not a vCard file: it should start with BEGIN:VCARD."}},
		{"a file of blank lines has no contacts",
			"\r\n \r\n", nil, &FileError{Message: "The file has no contacts: it has no BEGIN:VCARD."}},
		{"binary data after the first card makes the file unreadable",
			"BEGIN:VCARD\nFN:Ann\nEND:VCARD\n\x00\x01\x02\x03\n",
			[]Record{{Row: 1, Contact: app.Contact{FirstName: "Ann"}}},
			&FileError{Row: 4, Message: "This is not a vCard file: it holds binary data."}},
		{"old Mac line breaks (a lone CR) and tab folding are read",
			"BEGIN:VCARD\rVERSION:3.0\rN:Ray;Bo;;;\rNOTE:one\r\ttwo\rEND:VCARD\r",
			[]Record{{Row: 1, Contact: app.Contact{FirstName: "Bo", LastName: "Ray", Notes: "onetwo"}}}, nil},
		{"lower-case keywords, a BOM and spaces after BEGIN and END are accepted",
			"\uFEFFbegin:vcard \nversion:3.0\nn:Ray;Bo;;;\nemail;type=work:bo@example.com\nend:vcard \t\n",
			[]Record{{Row: 1, Contact: app.Contact{FirstName: "Bo", LastName: "Ray", Emails: []app.Email{{Address: "bo@example.com", Label: "Work"}}}}}, nil},
		{"the bare QUOTED-PRINTABLE parameter and a lone = are decoded leniently",
			"BEGIN:VCARD\nVERSION:2.1\nN;QUOTED-PRINTABLE:Caf=C3=A9;=ZZ Bo\nEND:VCARD\n",
			[]Record{{Row: 1, Contact: app.Contact{FirstName: "=ZZ Bo", LastName: "Café"}}}, nil},
		{"escaped semicolons and commas stay inside their components",
			"BEGIN:VCARD\nVERSION:3.0\nN:O\\;Neil;Ann\\, Jr.;;;\nADR;TYPE=home:;;1 Main St\\; Apt 2;Paris\\, TX;;;\nORG:A\\;B;C\nEND:VCARD\n",
			[]Record{{Row: 1, Contact: app.Contact{FirstName: "Ann, Jr.", LastName: "O;Neil", Company: "A;B",
				Addresses: []app.Address{{Label: "Home", Street: "1 Main St; Apt 2", City: "Paris, TX"}}}}}, nil},
		{"a formatted name that is an email address is not split into names",
			"BEGIN:VCARD\nVERSION:3.0\nN:;;;;\nFN:ann@example.com\nEMAIL:ann@example.com\nEND:VCARD\n",
			[]Record{{Row: 1, Contact: app.Contact{Emails: []app.Email{{Address: "ann@example.com"}}}}}, nil},
		{"a formatted name written last name first is split at the comma",
			"BEGIN:VCARD\nVERSION:3.0\nFN:van der Berg, Anna Maria\nEND:VCARD\n",
			[]Record{{Row: 1, Contact: app.Contact{FirstName: "Anna", MiddleName: "Maria", LastName: "van der Berg"}}}, nil},
		{"agentbook's extensions are read back",
			"BEGIN:VCARD\nVERSION:3.0\nN:Ray;Bo;;;\nEMAIL;TYPE=INTERNET,PREF;X-AGENTBOOK-NOTIFY=yes:a@example.com\nEMAIL;TYPE=INTERNET;X-AGENTBOOK-NOTIFY=yes:b@example.com\nEMAIL;TYPE=INTERNET:c@example.com\nX-AGENTBOOK-STATUS:inactive\nX-AGENTBOOK-REVERSE-PROSPECTING:yes\nEND:VCARD\n",
			[]Record{{Row: 1, Contact: app.Contact{FirstName: "Bo", LastName: "Ray", Status: app.StatusInactive, ReverseProspecting: true,
				Emails: []app.Email{{Address: "a@example.com", Notify: true}, {Address: "b@example.com", Notify: true}, {Address: "c@example.com"}}}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := vcardReadAll(t, []byte(tt.in))
			var fe *FileError
			switch {
			case tt.fileErr == nil && err != nil:
				t.Fatalf("error %v", err)
			case tt.fileErr != nil && !errors.As(err, &fe):
				t.Fatalf("error %v, want %v", err, tt.fileErr)
			case tt.fileErr != nil && *fe != *tt.fileErr:
				t.Errorf("error %+v, want %+v", *fe, *tt.fileErr)
			}
			vcardCheck(t, recs, tt.want)
		})
	}
}

func TestReadVCardKeepsRawLines(t *testing.T) {
	in := "BEGIN:VCARD\r\nVERSION:2.1\r\nNOTE;ENCODING=QUOTED-PRINTABLE:a=\r\nb\r\nFN:Ann\r\n  Lee\r\nPHOTO;ENCODING=BASE64:QUJD\r\n REVG\r\n\r\nEND:VCARD\r\n"
	recs, err := vcardReadAll(t, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"BEGIN:VCARD", "VERSION:2.1", "NOTE;ENCODING=QUOTED-PRINTABLE:ab", "FN:Ann Lee", "END:VCARD"}
	if len(recs) != 1 || !reflect.DeepEqual(recs[0].Raw, want) {
		t.Fatalf("raw lines %q, want %q", recs[0].Raw, want)
	}
}

func TestVCardLabels(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"an Apple label in brackets is spelled out", "_$!<Mobile>!$_", "Mobile"},
		{"a camel-case Apple label becomes words", "_$!<HomePage>!$_", "Home page"},
		{"a capitalised word in an Apple label is lower-cased", "_$!<HomeFAX>!$_", "Home fax"},
		{"a custom label is kept as written", "Lake house", "Lake house"},
		{"a label that only starts like Apple's is kept", "_$!<Odd", "_$!<Odd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vcardAppleLabel(tt.in); got != tt.want {
				t.Errorf("vcardAppleLabel(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestVCardBirthday(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"an ISO date is kept", "1985-04-12", "1985-04-12"},
		{"a basic date gets dashes", "19850412", "1985-04-12"},
		{"a date without a year is dropped", "--0412", ""},
		{"a vCard 4.0 date-time keeps its date", "1985-04-12T00:00:00Z", "1985-04-12"},
		{"a basic date-time keeps its date", "19850412T103000-0500", "1985-04-12"},
		{"text is kept as written", "circa 1800", "circa 1800"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vcardBirthday(tt.in, nil); got != tt.want {
				t.Errorf("vcardBirthday(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
