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
	"unicode/utf8"

	"agentbook/app"
)

// FuzzReadVCard reads any bytes as a vCard file: it never panics, ends after at most one
// record per line, gives rows that strictly increase, and returns only UTF-8 text.
func FuzzReadVCard(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.vcf"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"BEGIN:VCARD\nFN:Ann\nBEGIN:VCARD\nFN:Bo\nEND:VCARD\n",
		"BEGIN:VCARD\nVERSION:2.1\nNOTE;ENCODING=QUOTED-PRINTABLE:a=\n=\n=",
		"BEGIN:VCARD\nPHOTO;ENCODING=b:QUJD\n QUJD\nQUJD\n\nEND:VCARD\nstray\n",
		"BEGIN:VCARD\r\nN;CHARSET=ISO-8859-1:Lef\xe8vre;H\xe9l\xe8ne\r\nitem1.EMAIL;type=pref:a@b.c\r\nitem1.X-ABLabel:_$!<Other>!$_\r\nEND:VCARD",
		"BEGIN:VCARD\rN:\\;\\\\;\\\rEND:VCARD\r\r",
		"BEGIN:VCARD\nTEL;TYPE=\"work,cell;PREF=x:tel:1;ext=2\nEND:VCARD\n",
		"begin:vcard\n\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v := newVCardReader(bytes.NewReader(data))
		lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) + 1
		prev := 0
		for n := 0; ; n++ {
			if n > lines {
				t.Fatalf("%d records from %d lines", n, lines)
			}
			rec, err := v.next()
			if err != nil {
				var fe *FileError
				if err != io.EOF && !errors.As(err, &fe) {
					t.Fatalf("error %v", err)
				}
				if _, again := v.next(); again != err {
					t.Fatalf("error %v, then %v", err, again)
				}
				return
			}
			if rec.Row <= prev {
				t.Fatalf("row %d after row %d", rec.Row, prev)
			}
			prev = rec.Row
			for _, s := range vcardStrings(rec) {
				if !utf8.ValidString(s) {
					t.Fatalf("row %d: %q is not UTF-8", rec.Row, s)
				}
			}
		}
	})
}

// vcardStrings lists every string of a record.
func vcardStrings(rec *Record) []string {
	c := &rec.Contact
	ss := []string{c.FirstName, c.MiddleName, c.LastName, c.Company, c.Title, c.Notes, c.Birthday, string(c.Status), rec.Err}
	ss = append(ss, rec.Groups...)
	ss = append(ss, rec.Raw...)
	for _, e := range c.Emails {
		ss = append(ss, e.Address, e.Label)
	}
	for _, p := range c.Phones {
		ss = append(ss, p.Number, p.Label)
	}
	for _, a := range c.Addresses {
		ss = append(ss, a.Label, a.Street, a.City, a.Region, a.PostalCode, a.Country)
	}
	return ss
}

// FuzzVCardRoundTrip writes a contact made of arbitrary text and reads it back the same.
func FuzzVCardRoundTrip(f *testing.F) {
	f.Add("Zoë", "O'Brien; Jr.", "Acme, Inc.\\", "line one\nline two, three; four \\ five", "Lake house", "+1 (415) 555-0100", "1 Main St", "Past Clients, 2024")
	f.Add("", "", "", "", "", "", "", "")
	f.Add(" ", "🏠🏠", "_$!<Odd>", "\\n\\,\\;", "home", "tel:123", ";;", ",")
	f.Fuzz(func(t *testing.T, first, last, company, notes, label, phone, street, group string) {
		for _, s := range []string{first, last, company, notes, label, phone, street, group} {
			if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < ' ' && r != '\n' || r == 0x7F }) {
				return // the writer drops control characters; agentbook's text is UTF-8
			}
		}
		if strings.HasPrefix(strings.TrimSpace(label), "_$!<") {
			return // Apple's label syntax is read, not kept
		}
		c := app.Contact{FirstName: first, LastName: last, Company: company, Notes: notes, GroupIDs: []string{"g"},
			Emails:    []app.Email{{Address: "a@example.com", Label: label}, {Address: "b@example.com", Label: label, Notify: true}},
			Phones:    []app.Phone{{Number: phone, Label: label}},
			Addresses: []app.Address{{Label: label, Street: street, City: "Paris"}}}
		var buf bytes.Buffer
		if err := WriteVCard(&buf, vcardEach([]*app.Contact{&c}), GroupNames{"g": group}); err != nil {
			t.Fatal(err)
		}
		recs, err := vcardReadAll(t, buf.Bytes())
		if err != nil || len(recs) != 1 || recs[0].Err != "" {
			t.Fatalf("read back %d records, %v: %+v\n%s", len(recs), err, recs, buf.Bytes())
		}
		if got, want := vcardExported(recs[0].Contact), vcardExported(c); !reflect.DeepEqual(got, want) {
			t.Fatalf("read back\n %+v\nwant\n %+v\nfrom\n%s", got, want, buf.Bytes())
		}
		var groups []string
		if g := strings.TrimSpace(group); g != "" {
			groups = []string{g}
		}
		if got := recs[0].Groups; !reflect.DeepEqual(got, groups) && len(got)+len(groups) > 0 {
			t.Fatalf("groups %q, want %q", got, groups)
		}
	})
}
