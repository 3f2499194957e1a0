package imports

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// readAll reads every record of data, stopping at the first error other than io.EOF.
func readAll(t *testing.T, data []byte, opt Options) (*Reader, []*Record, error) {
	t.Helper()
	rd, err := NewReader(bytes.NewReader(data), opt)
	if err != nil {
		return nil, nil, err
	}
	var recs []*Record
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return rd, recs, nil
		}
		if err != nil {
			return rd, recs, err
		}
		recs = append(recs, rec)
	}
}

func fileError(t *testing.T, err error) *FileError {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v (%T), want a *FileError", err, err)
	}
	return fe
}

func TestDelimiterDetection(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		want  rune
		cells []string // the first record's cells
	}{
		{"A comma-separated file uses commas.", "First Name,Last Name,Email\nAnn,Lee,ann@example.com\n", ',',
			[]string{"Ann", "Lee", "ann@example.com"}},
		{"A tab-separated file uses tabs.", "First Name\tLast Name\tEmail\nAnn\tLee, Jr.\tann@example.com\n", '\t',
			[]string{"Ann", "Lee, Jr.", "ann@example.com"}},
		{"A European Excel file uses semicolons even with decimal commas.", "Name;Email;Notes\nAnn Lee;ann@example.com;1,5 Mio\nBo;bo@example.com;2,5\n", ';',
			[]string{"Ann Lee", "ann@example.com", "1,5 Mio"}},
		{"A pipe-separated file uses pipes.", "Name|Email|City\nAnn|ann@example.com|Paris\n", '|',
			[]string{"Ann", "ann@example.com", "Paris"}},
		{"Commas inside quotes do not count.", "Name;Company\n\"Lee, Ann\";\"A, B, C\"\n\"Bo, X\";\"D, E\"\n", ';',
			[]string{"Lee, Ann", "A, B, C"}},
		{"Semicolons inside quoted cells of a comma file do not count.", "Name,Groups\nAnn,\"a;b;c\"\nBo,\"d;e;f\"\n", ',',
			[]string{"Ann", "a;b;c"}},
		{"A single-column file falls back to commas.", "Email\nann@example.com\nbo@example.com\n", ',',
			[]string{"ann@example.com"}},
		{"Rows that drop empty trailing cells still point to the delimiter.", "Name\tEmail\tPhone\tCity\nAnn\tann@example.com\nBo\tbo@example.com\t555\tRome\n", '\t',
			[]string{"Ann", "ann@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd, recs, err := readAll(t, []byte(tt.data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rd.Delimiter() != tt.want {
				t.Errorf("Delimiter() = %q, want %q", rd.Delimiter(), tt.want)
			}
			if len(recs) == 0 || strings.Join(recs[0].Raw, "|") != strings.Join(tt.cells, "|") {
				t.Errorf("first row = %q, want %q", recs[0].Raw, tt.cells)
			}
		})
	}
	t.Run("A given delimiter is used as it is.", func(t *testing.T) {
		rd, recs, err := readAll(t, []byte("Name;Email\nLee, Ann;a@example.com\n"), Options{Delimiter: ',', Mapping: []string{}})
		if err != nil {
			t.Fatal(err)
		}
		if rd.Delimiter() != ',' || len(recs[0].Raw) != 2 || recs[0].Raw[0] != "Lee" {
			t.Errorf("Delimiter() = %q, row = %q", rd.Delimiter(), recs[0].Raw)
		}
	})
	t.Run("An unusable delimiter is refused.", func(t *testing.T) {
		if _, err := NewReader(strings.NewReader("a\"b\n"), Options{Delimiter: '"'}); err == nil {
			t.Error("NewReader accepted a quote as the delimiter")
		}
	})
}

func TestEncodingDetection(t *testing.T) {
	const text = "First Name,Last Name,Notes\r\nRené,Müller,It’s “great” – café\r\n"
	utf16 := func(order unicode.Endianness) []byte {
		b, err := unicode.UTF16(order, unicode.UseBOM).NewEncoder().Bytes([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cp1252, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	// A file whose first 64 KiB are ASCII and that strays into Windows-1252 later.
	late := []byte("First Name,Last Name,Notes\r\n" + strings.Repeat("Ann,Lee,plain text\r\n", 4000))
	late = append(late, "Ren\xe9,M\xfcller,It\x92s\r\n"...)
	// A file whose 64 KiB peek ends inside a two-byte rune.
	cut := []byte("First Name,Last Name,Notes\n")
	for len(cut) < peekSize-100 {
		cut = append(cut, "Ann,Lee,x\n"...)
	}
	cut = append(cut, bytes.Repeat([]byte("y"), peekSize-1-len(cut))...)
	cut = append(cut, "é,Müller,x\n"...)
	tests := []struct {
		name string
		data []byte
		want string
		// notes is the Notes cell of the first row; "" skips the check.
		first, notes string
	}{
		{"Plain UTF-8 is read as it is.", []byte(text), EncodingUTF8, "René", "It’s “great” – café"},
		{"A UTF-8 BOM is stripped.", append([]byte("\xEF\xBB\xBF"), text...), EncodingUTF8BOM, "René", "It’s “great” – café"},
		{"UTF-16LE with a BOM is decoded.", utf16(unicode.LittleEndian), EncodingUTF16LE, "René", "It’s “great” – café"},
		{"UTF-16BE with a BOM is decoded.", utf16(unicode.BigEndian), EncodingUTF16BE, "René", "It’s “great” – café"},
		{"Windows-1252 bytes (é, ü, curly quotes, en dash) are decoded.", cp1252, EncodingWindows1252, "René", "It’s “great” – café"},
		{"Windows-1252 bytes after a UTF-8 start are repaired row by row.", late, EncodingUTF8, "Ann", ""},
		{"A rune cut by the end of the peek is still UTF-8.", cut, EncodingUTF8, "Ann", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd, recs, err := readAll(t, tt.data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rd.Encoding() != tt.want {
				t.Errorf("Encoding() = %q, want %q", rd.Encoding(), tt.want)
			}
			if got := rd.Header(); len(got) != 3 || got[0] != "First Name" {
				t.Errorf("Header() = %q", got)
			}
			if recs[0].Contact.FirstName != tt.first {
				t.Errorf("first name = %q, want %q", recs[0].Contact.FirstName, tt.first)
			}
			if tt.notes != "" && recs[0].Contact.Notes != tt.notes {
				t.Errorf("notes = %q, want %q", recs[0].Contact.Notes, tt.notes)
			}
		})
	}
	t.Run("Stray bytes after a UTF-8 start become their Windows-1252 characters.", func(t *testing.T) {
		_, recs, err := readAll(t, late, Options{})
		if err != nil {
			t.Fatal(err)
		}
		last := recs[len(recs)-1].Contact
		if last.FirstName != "René" || last.LastName != "Müller" || last.Notes != "It’s" {
			t.Errorf("last row = %q %q %q", last.FirstName, last.LastName, last.Notes)
		}
	})
	t.Run("The rune cut by the peek comes through whole.", func(t *testing.T) {
		_, recs, err := readAll(t, cut, Options{})
		if err != nil {
			t.Fatal(err)
		}
		last := recs[len(recs)-1].Contact
		if !strings.HasSuffix(last.FirstName, "é") || last.LastName != "Müller" {
			t.Errorf("last row = %q %q", last.FirstName, last.LastName)
		}
	})
}

func TestBadInput(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
	xlsx := append([]byte("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00"), "[Content_Types].xml"...)
	controls := bytes.Repeat([]byte("a\x01\x02\x03\x04\x05\x06b"), 40)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"An empty file is refused.", nil, "The file is empty."},
		{"A file of blank lines and spaces is empty.", []byte("  \r\n\n\t \n"), "The file is empty."},
		{"A PNG image is binary.", png, "This file is not a CSV or vCard file: it looks like binary data."},
		{"An Excel .xlsx (a zip) is named as such.", xlsx, "This file is not a CSV or vCard file: it looks like binary data (an Excel .xlsx? Save it as CSV first)."},
		{"An old Excel .xls is named as such.", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"), "This file is not a CSV or vCard file: it looks like binary data (an Excel .xls? Save it as CSV first)."},
		{"Text full of control characters is binary.", controls, "This file is not a CSV or vCard file: it looks like binary data."},
		{"A UTF-16 file holding binary is binary.", append([]byte("\xFF\xFE"), "a\x00\x00\x00b\x00"...), "This file is not a CSV or vCard file: it looks like binary data."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tt.data), Options{})
			if fe := fileError(t, err); fe.Error() != tt.want {
				t.Errorf("error = %q, want %q", fe.Error(), tt.want)
			}
		})
	}
}

func TestUnrecognisedHeader(t *testing.T) {
	data := []byte("Foo,Bar,Baz,Qux\n1,2,3,4\n")
	t.Run("A header with no known column needs a mapping.", func(t *testing.T) {
		rd, err := NewReader(bytes.NewReader(data), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !rd.NeedsMapping() {
			t.Fatal("NeedsMapping() = false")
		}
		if got := rd.Mapping(); len(got) != 4 || strings.Join(got, "") != "" {
			t.Errorf("Mapping() = %q, want four ignored columns", got)
		}
		_, err = rd.Next()
		want := `None of the columns ("Foo", "Bar", "Baz", …) is one agentbook recognises; map them to fields.`
		if fe := fileError(t, err); fe.Error() != want {
			t.Errorf("error = %q, want %q", fe.Error(), want)
		}
	})
	t.Run("With a mapping the same file reads.", func(t *testing.T) {
		rd, recs, err := readAll(t, data, Options{Mapping: []string{FieldFirstName, FieldIgnore, FieldEmail}})
		if err != nil {
			t.Fatal(err)
		}
		if rd.NeedsMapping() || rd.Format() != FormatMapped {
			t.Errorf("NeedsMapping() = %v, Format() = %q", rd.NeedsMapping(), rd.Format())
		}
		c := recs[0].Contact
		if c.FirstName != "1" || len(c.Emails) != 1 || c.Emails[0].Address != "3" {
			t.Errorf("contact = %+v", c)
		}
		if got := rd.Mapping(); strings.Join(got, ",") != "first_name,,email," {
			t.Errorf("Mapping() = %q", got)
		}
	})
	t.Run("A mapping naming an unknown field is refused.", func(t *testing.T) {
		if _, err := NewReader(bytes.NewReader(data), Options{Mapping: []string{"shoe_size"}}); err == nil {
			t.Error("NewReader accepted an unknown field")
		}
	})
}

func TestRows(t *testing.T) {
	t.Run("Row numbers count physical lines, blank lines and line breaks in cells included.", func(t *testing.T) {
		data := "Name,Notes\r\nAnn,one\r\n\r\nBo,\"two\r\nlines\"\r\nCy,\"a\nb\rc\"\rDi,x\n,\n  ,  \nEd,y"
		_, recs, err := readAll(t, []byte(data), Options{})
		if err != nil {
			t.Fatal(err)
		}
		var rows []int
		var notes []string
		for _, r := range recs {
			rows = append(rows, r.Row)
			notes = append(notes, r.Contact.Notes)
		}
		if want := []int{2, 4, 6, 9, 12}; !slices.Equal(rows, want) {
			t.Errorf("rows = %v, want %v", rows, want)
		}
		if want := "one|two\r\nlines|a\nb\rc|x|y"; strings.Join(notes, "|") != want {
			t.Errorf("notes = %q, want %q", strings.Join(notes, "|"), want)
		}
	})
	t.Run("Doubled quotes, text after a closing quote and blanks before an opening one are read leniently.", func(t *testing.T) {
		data := "A,B,C,D\n\"say \"\"hi\"\"\",x\"y, \"q,r\" ,\"a\"b\n"
		_, recs, err := readAll(t, []byte(data), Options{Mapping: []string{}})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(recs[0].Raw, "|"), `say "hi"|x"y|q,r |ab`; got != want {
			t.Errorf("cells = %q, want %q", got, want)
		}
	})
	t.Run("A row with more filled cells than the header is a row error and reading goes on.", func(t *testing.T) {
		data := "Name,Email,Phone\nAnn,a@example.com,1\nBo,b@example.com,2,extra,more\nCy,c@example.com\nDi,d@example.com,4,,\n"
		_, recs, err := readAll(t, []byte(data), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 4 {
			t.Fatalf("%d records, want 4", len(recs))
		}
		if want := "Row 3 has 5 cells; the header has 3."; recs[1].Err != want {
			t.Errorf("Err = %q, want %q", recs[1].Err, want)
		}
		for _, i := range []int{0, 2, 3} {
			if recs[i].Err != "" {
				t.Errorf("row %d: Err = %q, want none (short rows and empty extra cells are fine)", recs[i].Row, recs[i].Err)
			}
		}
	})
	t.Run("Cells under unnamed header columns are not extra cells.", func(t *testing.T) {
		rd, recs, err := readAll(t, []byte("Name,Email,,\nAnn,a@example.com,x,y\n"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rd.Header()) != 4 || recs[0].Err != "" || recs[0].Contact.FirstName != "Ann" {
			t.Errorf("Header() = %q, Err = %q", rd.Header(), recs[0].Err)
		}
	})
	t.Run("A cell of 10,000 characters is fine.", func(t *testing.T) {
		long := strings.Repeat("é", 10000)
		_, recs, err := readAll(t, []byte("Name,Notes\nAnn,"+long+"\n"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if recs[0].Err != "" || recs[0].Contact.Notes != long {
			t.Errorf("Err = %q, notes of %d bytes", recs[0].Err, len(recs[0].Contact.Notes))
		}
	})
	for _, tt := range []struct {
		name, cell string
	}{
		{"A cell of 25,000 characters is a row error.", strings.Repeat("x", 25000)},
		{"A quoted cell of 25,000 four-byte characters is a row error.", "\"" + strings.Repeat("😀", 25000) + "\""},
		{"A quoted cell of 100,000 characters is a row error, counted past what is kept.", "\"" + strings.Repeat("y\n", 50000) + "\""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, recs, err := readAll(t, []byte("Name,Notes\nAnn,"+tt.cell+"\nBo,short\n"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			n := "25,000"
			if strings.Contains(tt.name, "100,000") {
				n = "100,000"
			}
			if want := `Column "Notes" has ` + n + ` characters; a cell may hold at most 20,000.`; recs[0].Err != want {
				t.Errorf("Err = %q, want %q", recs[0].Err, want)
			}
			if len(recs) != 2 || recs[1].Contact.FirstName != "Bo" || recs[1].Err != "" {
				t.Errorf("the next row was not read cleanly: %d records", len(recs))
			}
			if strings.Contains(tt.name, "100,000") && recs[1].Row != 50003 {
				t.Errorf("next row = %d, want 50003", recs[1].Row)
			}
		})
	}
}

func TestUnbalancedQuote(t *testing.T) {
	t.Run("A quote never closed stops the file, naming its row.", func(t *testing.T) {
		data := "Name,Notes\nAnn,fine\nBo,\"ok\"\n\nCy,\"never closed\nDi,x\nEd,y\n"
		rd, recs, err := readAll(t, []byte(data), Options{})
		if fe := fileError(t, err); fe.Error() != "Row 5: a quote opened in this row is never closed." {
			t.Errorf("error = %q", fe.Error())
		}
		if len(recs) != 2 {
			t.Errorf("%d records before the error, want 2", len(recs))
		}
		if _, err := rd.Next(); fileError(t, err).Row != 5 {
			t.Error("Next after the error did not repeat it")
		}
	})
	t.Run("A 5 MB tail after an open quote is not held in memory.", func(t *testing.T) {
		src := io.MultiReader(strings.NewReader("Name,Notes\nAnn,\"open"), &repeatReader{line: []byte("lorem ipsum, dolor\n"), n: 5 << 20})
		rd, err := NewReader(src, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err = rd.Next()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if fe := fileError(t, err); fe.Row != 2 {
			t.Errorf("error row = %d, want 2", fe.Row)
		}
		if grown := after.TotalAlloc - before.TotalAlloc; grown > 1<<20 {
			t.Errorf("reading allocated %d bytes, want under 1 MiB", grown)
		}
	})
}

// repeatReader yields line over and over, n bytes in all.
type repeatReader struct {
	line []byte
	n    int
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	w := 0
	for w < len(p) && r.n > 0 {
		c := copy(p[w:min(len(p), w+r.n)], r.line[r.off:])
		w, r.n, r.off = w+c, r.n-c, (r.off+c)%len(r.line)
	}
	return w, nil
}

func TestVCardDispatch(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"A vCard is handed to the vCard reader.", []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nEND:VCARD\r\n")},
		{"Blank lines and lower case before the card are fine.", []byte("\r\n  \r\nbegin:vcard\r\nVERSION:3.0\r\nN:Lee;Ann;;;\r\nend:vcard\r\n")},
		{"A vCard with a UTF-8 BOM is a vCard.", []byte("\xEF\xBB\xBFBEGIN:VCARD\r\nVERSION:3.0\r\nN:Lee;Ann;;;\r\nEND:VCARD\r\n")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rd, recs, err := readAll(t, tt.data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rd.Format() != FormatVCard || rd.Delimiter() != 0 || rd.Header() != nil {
				t.Errorf("Format() = %q, Delimiter() = %q, Header() = %q", rd.Format(), rd.Delimiter(), rd.Header())
			}
			if len(recs) != 1 || recs[0].Contact.FirstName != "Ann" || recs[0].Contact.LastName != "Lee" {
				t.Errorf("records = %+v", recs)
			}
		})
	}
	t.Run("A UTF-16 vCard is decoded first.", func(t *testing.T) {
		b, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lee;Zoë;;;\r\nEND:VCARD\r\n"))
		rd, recs, err := readAll(t, b, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rd.Format() != FormatVCard || rd.Encoding() != EncodingUTF16LE || len(recs) != 1 || recs[0].Contact.FirstName != "Zoë" {
			t.Errorf("Format() = %q, Encoding() = %q, records = %+v", rd.Format(), rd.Encoding(), recs)
		}
	})
}
