package imports

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// The encodings Reader.Encoding reports.
const (
	EncodingUTF8        = "UTF-8"
	EncodingUTF8BOM     = "UTF-8 with BOM"
	EncodingUTF16LE     = "UTF-16LE"
	EncodingUTF16BE     = "UTF-16BE"
	EncodingWindows1252 = "Windows-1252"
)

// peekSize is how much of a file NewReader looks at to detect its encoding, kind and delimiter.
const peekSize = 64 << 10

// Reader reads the contacts of one file, CSV or vCard, a record at a time. Memory stays bounded
// whatever the file's size.
type Reader struct {
	enc          string
	format       Format
	delim        rune
	header       []string
	mapping      []string
	needsMapping bool

	csv   *csvScanner
	lay   *layout
	vcard *vcardReader
	err   error // sticky: once Next fails it keeps failing the same way
}

// NewReader detects the file's encoding (UTF-8 with or without BOM, UTF-16 with BOM, else
// Windows-1252) and kind: a vCard when its first text is BEGIN:VCARD, otherwise a CSV whose
// delimiter is opt.Delimiter or detected and whose first row is the header. It returns a
// *FileError when the file is empty or binary. A CSV header without a column it recognises
// gives a Reader whose NeedsMapping is true.
func NewReader(r io.Reader, opt Options) (*Reader, error) {
	br := bufio.NewReaderSize(r, peekSize)
	head, atEOF, err := peek(br)
	if err != nil {
		return nil, err
	}
	if len(head) == 0 {
		return nil, &FileError{Message: "The file is empty."}
	}
	rd := &Reader{enc: EncodingUTF8}
	src := br
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		rd.enc = EncodingUTF8BOM
		if _, err := br.Discard(3); err != nil {
			return nil, fmt.Errorf("imports: read: %w", err)
		}
	case bytes.HasPrefix(head, []byte("\xFF\xFE")):
		rd.enc = EncodingUTF16LE
		src = bufio.NewReaderSize(transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()), peekSize)
	case bytes.HasPrefix(head, []byte("\xFE\xFF")):
		rd.enc = EncodingUTF16BE
		src = bufio.NewReaderSize(transform.NewReader(br, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()), peekSize)
	default:
		if msg := binaryMessage(head); msg != "" {
			return nil, &FileError{Message: msg}
		}
	}
	if head, atEOF, err = peek(src); err != nil {
		return nil, err
	}
	if msg := binaryMessage(head); msg != "" {
		return nil, &FileError{Message: msg}
	}
	text := bytes.TrimLeft(head, " \t\r\n\f\v")
	if len(text) == 0 && atEOF {
		return nil, &FileError{Message: "The file is empty."}
	}
	if len(text) >= 11 && bytes.EqualFold(text[:11], []byte("BEGIN:VCARD")) {
		if rd.enc == EncodingUTF8 && !validUTF8Prefix(head, atEOF) {
			rd.enc = EncodingWindows1252
		}
		rd.format = FormatVCard
		rd.vcard = newVCardReader(src)
		return rd, nil
	}
	checkUTF8 := false
	if rd.enc == EncodingUTF8 || rd.enc == EncodingUTF8BOM {
		if validUTF8Prefix(head, atEOF) {
			checkUTF8 = true
		} else {
			rd.enc = EncodingWindows1252
			src = bufio.NewReaderSize(transform.NewReader(src, charmap.Windows1252.NewDecoder()), peekSize)
			if head, atEOF, err = peek(src); err != nil {
				return nil, err
			}
		}
	}
	delim := opt.Delimiter
	if delim == 0 {
		delim = rune(sniffDelimiter(head, atEOF))
	}
	if delim <= 0 || delim >= utf8.RuneSelf || delim == '"' || delim == '\r' || delim == '\n' {
		return nil, fmt.Errorf("imports: delimiter %q is not supported", delim)
	}
	rd.delim = delim
	bufSize := scanBufSize
	if atEOF {
		bufSize = max(len(head)+1, 512) // a small file needs no big buffer
	}
	rd.csv = newCSVScanner(src, byte(delim), checkUTF8, bufSize)
	if err := rd.readHeader(opt.Mapping); err != nil {
		return nil, err
	}
	return rd, nil
}

// peek returns up to peekSize bytes of br without consuming them, and whether they are all
// there is.
func peek(br *bufio.Reader) ([]byte, bool, error) {
	head, err := br.Peek(peekSize)
	switch err {
	case nil, bufio.ErrBufferFull:
		return head, false, nil
	case io.EOF:
		return head, true, nil
	}
	return nil, false, fmt.Errorf("imports: read: %w", err)
}

// readHeader reads the first row that is not blank and works out what each column holds.
func (rd *Reader) readHeader(mapping []string) error {
	var row *csvRow
	for {
		var err error
		if row, err = rd.csv.next(); err == io.EOF {
			return &FileError{Message: "The file is empty."}
		} else if err != nil {
			return err
		}
		if row.width > 0 {
			break
		}
	}
	if row.overCell >= 0 || row.dropped {
		return &FileError{Row: row.line, Message: "the first row is too long to be a header of column names."}
	}
	header := make([]string, len(row.cells))
	for i := range header {
		header[i] = strings.TrimSpace(row.cells[i])
	}
	header[0] = strings.TrimPrefix(header[0], "\uFEFF")
	rd.header = header
	lay, err := newLayout(header, mapping)
	if err != nil {
		return err
	}
	rd.lay, rd.format = lay, lay.format
	rd.mapping = lay.mapping()
	if lay.format != FormatMapped && !lay.usable() {
		rd.needsMapping = true
		names := make([]string, 0, 4)
		for _, h := range header {
			if h != "" && len(names) < 3 {
				names = append(names, strconv.Quote(h))
			}
		}
		list := strings.Join(names, ", ")
		if len(header) > len(names) {
			list += ", …"
		}
		rd.err = &FileError{Message: "None of the columns (" + list + ") is one agentbook recognises; map them to fields."}
	}
	return nil
}

// Encoding names the file's character encoding: "UTF-8", "UTF-8 with BOM", "UTF-16LE",
// "UTF-16BE" or "Windows-1252".
func (rd *Reader) Encoding() string { return rd.enc }

// Format is the layout the file was recognised as.
func (rd *Reader) Format() Format { return rd.format }

// Delimiter is the CSV cell delimiter used; 0 for a vCard.
func (rd *Reader) Delimiter() rune { return rd.delim }

// Header is the CSV's first row (blank lines before it skipped), each name trimmed; nil for a
// vCard.
func (rd *Reader) Header() []string { return rd.header }

// Mapping gives, for each header column, the field (Field…) its values fill; FieldIgnore for a
// column that is not read or only qualifies another (a label, a notify flag). Given back as
// Options.Mapping it reads the same values, less those qualifiers.
func (rd *Reader) Mapping() []string { return rd.mapping }

// NeedsMapping reports that no header column was recognised and no Options.Mapping was given:
// Next returns a *FileError, and the user should map the columns to fields.
func (rd *Reader) NeedsMapping() bool { return rd.needsMapping }

// Next returns the next contact. It returns io.EOF after the last one and a *FileError when the
// file cannot be read further; a problem with one row only is in Record.Err.
func (rd *Reader) Next() (*Record, error) {
	if rd.err != nil {
		return nil, rd.err
	}
	if rd.vcard != nil {
		rec, err := rd.vcard.next()
		if err != nil {
			rd.err = err
		}
		return rec, err
	}
	for {
		row, err := rd.csv.next()
		if err != nil {
			rd.err = err
			return nil, err
		}
		if row.width == 0 {
			continue
		}
		rec := &Record{Row: row.line, Raw: row.cells}
		rd.lay.fill(rec, row.cells)
		switch {
		case row.width > len(rd.header):
			rec.Err = fmt.Sprintf("Row %d has %s cells; the header has %s.", row.line, thousands(row.width), thousands(len(rd.header)))
		case row.overCell >= 0:
			name := fmt.Sprintf("Column %d", row.overCell+1)
			if h := rd.header[row.overCell]; h != "" {
				name = "Column " + strconv.Quote(h)
			}
			rec.Err = fmt.Sprintf("%s has %s characters; a cell may hold at most %s.", name, thousands(row.overRunes), thousands(MaxCell))
		case row.dropped:
			rec.Err = fmt.Sprintf("Row %d is too long to read.", row.line)
		}
		return rec, nil
	}
}

// Skip passes over the next record as Next would return it, without reading its fields: it
// returns io.EOF after the last one and a *FileError when the file cannot be read further.
func (rd *Reader) Skip() error {
	if rd.vcard != nil || rd.err != nil {
		_, err := rd.Next()
		return err
	}
	for {
		row, err := rd.csv.next()
		if err != nil {
			rd.err = err
			return err
		}
		if row.width > 0 {
			return nil
		}
	}
}

// thousands writes n with comma separators: 25,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 || len(s) <= 3 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// binaryMessage says why head is not text, or "".
func binaryMessage(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "This file is not a CSV or vCard file: it looks like binary data (an Excel .xlsx? Save it as CSV first)."
	case bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		return "This file is not a CSV or vCard file: it looks like binary data (an Excel .xls? Save it as CSV first)."
	case bytes.HasPrefix(head, []byte("%PDF")):
		return "This file is not a CSV or vCard file: it is a PDF."
	}
	controls := 0
	for _, c := range head {
		switch {
		case c == 0:
			return "This file is not a CSV or vCard file: it looks like binary data."
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1A:
			controls++
		}
	}
	if controls > 8 && controls*100 > len(head) {
		return "This file is not a CSV or vCard file: it looks like binary data."
	}
	return ""
}

// validUTF8Prefix reports whether head is valid UTF-8, allowing a rune cut at its end when
// there is more to come.
func validUTF8Prefix(head []byte, atEOF bool) bool {
	if utf8.Valid(head) {
		return true
	}
	if atEOF {
		return false
	}
	for i := len(head) - 1; i >= 0 && i >= len(head)-utf8.UTFMax; i-- {
		if utf8.RuneStart(head[i]) {
			return !utf8.FullRune(head[i:]) && utf8.Valid(head[:i])
		}
	}
	return false
}

// repairUTF8 reads the bytes of s that are not UTF-8 as Windows-1252, for a file that starts
// as UTF-8 and strays later.
func repairUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	dec := charmap.Windows1252
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(dec.DecodeByte(s[i]))
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// sniffDelimiter picks the delimiter among comma, tab, semicolon and pipe that splits the first
// lines of head into the most consistent number of cells (more than one), honouring quotes;
// comma when none does.
func sniffDelimiter(head []byte, atEOF bool) byte {
	best, bestScore, bestCols := byte(','), -1, 0
	for _, d := range []byte{',', '\t', ';', '|'} {
		counts := sampleCounts(head, d, atEOF, 30)
		if len(counts) == 0 || counts[0] < 2 {
			continue
		}
		score := 0
		for _, c := range counts {
			switch {
			case c == counts[0]:
				score += 2
			case c > 1 && c < counts[0]:
				score++
			}
		}
		score = score * 1000 / (2 * len(counts))
		if score > bestScore || score == bestScore && counts[0] > bestCols {
			best, bestScore, bestCols = d, score, counts[0]
		}
	}
	return best
}

// sampleCounts counts the cells of up to n records at the start of head split by d, skipping
// blank lines; a record cut off by the end of head is left out.
func sampleCounts(head []byte, d byte, atEOF bool, n int) []int {
	var counts []int
	cells, inQuote, blankLine := 1, false, true
	for i := 0; i < len(head) && len(counts) < n; i++ {
		c := head[i]
		switch {
		case inQuote:
			if c == '"' {
				if i+1 < len(head) && head[i+1] == '"' {
					i++
				} else {
					inQuote = false
				}
			}
		case c == '"':
			inQuote, blankLine = true, false
		case c == d:
			cells++
			blankLine = false
		case c == '\n' || c == '\r':
			if !blankLine {
				counts = append(counts, cells)
			}
			cells, blankLine = 1, true
		case c != ' ' && c != '\t':
			blankLine = false
		}
	}
	if atEOF && !blankLine && !inQuote && len(counts) < n {
		counts = append(counts, cells)
	}
	return counts
}
