package imports

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadCSV reads arbitrary bytes as a contact file: it must not panic, must end, and must
// give records whose rows only go up.
func FuzzReadCSV(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.csv"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0))
	}
	for _, s := range []string{
		"Name,Email\n\"open,x\n", "a;b;c\r\n1;2;3\r4;5;6", "Email\n\"\"\"\",\"\n\"", "First Name|Notes\n\"a\"\"b\"|x\"y\n",
		"\xEF\xBB\xBFName\n\n\n", "\xFF\xFEN\x00a\x00m\x00e\x00\n\x00", "Name\tTitle\n \"q\" x\tz\n",
	} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		opt := Options{}
		switch mode % 4 {
		case 1:
			opt.Mapping = []string{FieldFullName, FieldEmail, FieldGroups, FieldNotes}
		case 2:
			opt.Delimiter = ';'
		case 3:
			opt.Delimiter = '\t'
			opt.Mapping = []string{}
		}
		rd, err := NewReader(bytes.NewReader(data), opt)
		if err != nil {
			return
		}
		if rd.Format() == FormatVCard {
			return // the vCard reader has its own fuzz test
		}
		last := 0
		// Each record ends a line or the file, so there are never more records than bytes.
		for n := 0; n <= len(data)+1; n++ {
			rec, err := rd.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var fe *FileError
				if !errors.As(err, &fe) {
					t.Fatalf("Next: %v is not a *FileError", err)
				}
				if _, again := rd.Next(); again != err {
					t.Fatalf("Next after %v gave %v", err, again)
				}
				return
			}
			if rec.Row <= last {
				t.Fatalf("row %d after row %d", rec.Row, last)
			}
			last = rec.Row
		}
		t.Fatalf("more records than bytes in %q", data)
	})
}
