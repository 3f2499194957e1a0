package imports

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-vcard"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"

	"agentbook/app"
)

// Limits that keep a vCard reader's memory bounded whatever the file holds.
const (
	vcardChunk        = 32 << 10  // bytes the line scanner hands over at a time
	vcardMaxLine      = 256 << 10 // bytes of one unfolded property line that are kept
	vcardMaxCardBytes = 2 << 20   // bytes of one card's kept lines
	vcardMaxCardLines = 5000      // property lines of one card
	vcardMaxStray     = 100       // lines outside any card kept in one Record.Raw
)

// vcardReader reads a vCard 2.1, 3.0 or 4.0 file one card at a time. Each card's lines are
// unfolded (a line starting with a space or tab continues the previous one) and, for a
// quoted-printable value, joined at its soft line breaks; binary values (photos, logos,
// sounds, keys) are skipped as they are read.
//
// The card is gathered into a go-vcard Card whose field values are decoded (quoted-printable,
// charset) but still escaped: components are split on unescaped ";" and "," before unescaping,
// which go-vcard's own decoder does not do.
type vcardReader struct {
	sc      *bufio.Scanner
	partial bool // the scanner's last token is a piece of a line cut at vcardChunk
	row     int  // physical lines read so far

	pk      vcardLine // the next physical line, when hasPeek
	hasPeek bool
	eof     bool

	cur     []byte // the logical line being assembled
	curLong bool   // cur was cut at vcardMaxLine

	cards int   // records returned
	err   error // sticky: io.EOF, a *FileError or a read error
}

// vcardLine is one physical line without its line break.
type vcardLine struct {
	b    []byte
	row  int
	long bool // cut at vcardMaxLine
}

// newVCardReader returns a reader of the cards in src, which is UTF-8 text whose values may
// hold bytes of another charset (vCard 2.1's CHARSET parameter, or Windows-1252 when a value is
// not UTF-8).
func newVCardReader(src io.Reader) *vcardReader {
	v := &vcardReader{}
	v.sc = bufio.NewScanner(src)
	v.sc.Buffer(make([]byte, 0, 2*vcardChunk), 2*vcardChunk)
	v.sc.Split(v.split)
	return v
}

// split cuts lines at LF, CRLF or a lone CR, handing over a line longer than vcardChunk in
// pieces (v.partial).
func (v *vcardReader) split(data []byte, atEOF bool) (int, []byte, error) {
	i := bytes.IndexAny(data, "\r\n")
	if cr := i; i >= 0 && data[i] == '\r' {
		switch {
		case cr+1 < len(data):
			v.partial = false
			if data[cr+1] == '\n' {
				return cr + 2, data[:cr], nil
			}
			return cr + 1, data[:cr], nil
		case atEOF:
			v.partial = false
			return cr + 1, data[:cr], nil
		case len(data) < vcardChunk:
			return 0, nil, nil // is the CR followed by an LF?
		}
		v.partial = true // decide the CR with the next piece
		return cr, data[:cr], nil
	}
	switch {
	case i >= 0:
		v.partial = false
		return i + 1, data[:i], nil
	case atEOF:
		v.partial = false
		if len(data) == 0 {
			return 0, nil, nil
		}
		return len(data), data, nil
	case len(data) >= vcardChunk:
		v.partial = true
		return len(data), data, nil
	}
	return 0, nil, nil
}

// readLine reads the next physical line into l; false at the end of the input.
func (v *vcardReader) readLine(l *vcardLine) bool {
	l.b, l.long = l.b[:0], false
	got := false
	for v.sc.Scan() {
		got = true
		tok := v.sc.Bytes()
		if room := vcardMaxLine - len(l.b); len(tok) > room {
			l.b = append(l.b, tok[:max(room, 0)]...)
			l.long = true
		} else {
			l.b = append(l.b, tok...)
		}
		if !v.partial {
			break
		}
	}
	if !got {
		return false
	}
	v.row++
	l.row = v.row
	if l.row == 1 {
		l.b = bytes.TrimPrefix(l.b, []byte("\xEF\xBB\xBF"))
	}
	return true
}

// peek returns the next physical line without consuming it; false at the end of the input.
func (v *vcardReader) peek() (*vcardLine, bool) {
	if !v.hasPeek {
		if v.eof || !v.readLine(&v.pk) {
			v.eof = true
			return nil, false
		}
		v.hasPeek = true
	}
	return &v.pk, true
}

func (v *vcardReader) consume() { v.hasPeek = false }

// next returns the next card, io.EOF after the last, or a *FileError when the file is not a
// vCard file (its first text is not BEGIN:VCARD, or it holds binary data).
func (v *vcardReader) next() (*Record, error) {
	if v.err != nil {
		return nil, v.err
	}
	rec, err := v.read()
	if err == nil {
		err = v.sc.Err()
		if err != nil {
			err = fmt.Errorf("imports: read vCard: %w", err)
		}
	}
	if err != nil {
		v.err = err
		return nil, err
	}
	v.cards++
	return rec, nil
}

func (v *vcardReader) read() (*Record, error) {
	var stray *Record
	last, size := 0, 0
	for {
		l, ok := v.peek()
		if !ok {
			break
		}
		switch {
		case bytes.IndexByte(l.b, 0) >= 0:
			return nil, vcardBinary(l.row)
		case vcardBlank(l.b):
			v.consume()
			continue
		case vcardIs(l.b, "BEGIN:VCARD"):
			if stray != nil {
				return vcardStray(stray, last), nil
			}
			return v.readCard()
		case v.cards == 0 && stray == nil:
			return nil, &FileError{Row: l.row, Message: "This is not a vCard file: it should start with BEGIN:VCARD."}
		}
		if stray == nil {
			stray = &Record{Row: l.row}
		}
		if size += len(l.b); len(stray.Raw) < vcardMaxStray && size <= vcardMaxCardBytes {
			stray.Raw = append(stray.Raw, vcardText(l.b))
		}
		last = l.row
		v.consume()
	}
	switch {
	case stray != nil:
		return vcardStray(stray, last), nil
	case v.cards == 0 && v.sc.Err() == nil:
		return nil, &FileError{Message: "The file has no contacts: it has no BEGIN:VCARD."}
	}
	return nil, io.EOF
}

func vcardBinary(row int) *FileError {
	return &FileError{Row: row, Message: "This is not a vCard file: it holds binary data."}
}

// vcardStray finishes the record of lines found between cards.
func vcardStray(rec *Record, last int) *Record {
	if last == rec.Row {
		rec.Err = fmt.Sprintf("Row %d is outside any card (BEGIN:VCARD … END:VCARD).", rec.Row)
	} else {
		rec.Err = fmt.Sprintf("Rows %d to %d are outside any card (BEGIN:VCARD … END:VCARD).", rec.Row, last)
	}
	return rec
}

// readCard reads the card whose BEGIN:VCARD is the next line.
func (v *vcardReader) readCard() (*Record, error) {
	begin, _ := v.peek()
	rec := &Record{Row: begin.row, Raw: make([]string, 1, 16)}
	rec.Raw[0] = vcardText(begin.b)
	v.consume()
	setErr := func(msg string) {
		if rec.Err == "" {
			rec.Err = msg
		}
	}
	card := vcard.Card{}
	size, lines, ended := 0, 0, false
	for !ended {
		l, ok := v.peek()
		if !ok {
			break
		}
		switch {
		case bytes.IndexByte(l.b, 0) >= 0:
			return nil, vcardBinary(l.row)
		case vcardBlank(l.b):
			v.consume()
			continue
		case vcardIs(l.b, "END:VCARD"):
			rec.Raw = append(rec.Raw, vcardText(l.b))
			v.consume()
			ended = true
			continue
		case vcardIs(l.b, "BEGIN:VCARD"):
			rec.Err = fmt.Sprintf("The card starting on row %d has no END:VCARD.", rec.Row)
			vcardFinish(rec, card) // the next card begins
			return rec, nil
		}
		line, row, long, skip := v.logical()
		if skip {
			continue
		}
		size += len(line)
		if lines++; lines > vcardMaxCardLines || size > vcardMaxCardBytes {
			setErr(fmt.Sprintf("The card starting on row %d is too large to read.", rec.Row))
			continue
		}
		rec.Raw = append(rec.Raw, vcardText(line))
		f, name, ok := vcardParseLine(line)
		switch {
		case !ok:
			setErr(fmt.Sprintf("Row %d is not a vCard line (NAME:value).", row))
			continue
		case long:
			setErr(fmt.Sprintf("The %s on row %d has more than %s characters.", name, row, thousands(MaxCell)))
			continue
		}
		switch strings.ToUpper(f.Params.Get("ENCODING")) {
		case "B", "BASE64":
			continue
		}
		if len(f.Value) > MaxCell {
			if n := utf8.RuneCountInString(vcardUnescape(f.Value, false)); n > MaxCell {
				setErr(fmt.Sprintf("The %s on row %d has %s characters; a value may hold at most %s.", name, row, thousands(n), thousands(MaxCell)))
				continue
			}
		}
		card.Add(name, f)
	}
	if !ended {
		rec.Err = fmt.Sprintf("The card starting on row %d has no END:VCARD.", rec.Row)
	}
	vcardFinish(rec, card)
	return rec, nil
}

// vcardFinish fills rec's contact and groups from card.
func vcardFinish(rec *Record, card vcard.Card) {
	rec.Contact, rec.Groups = vcardContact(card)
	c := &rec.Contact
	if rec.Err == "" && (card.Kind() == vcard.KindGroup || strings.EqualFold(card.Value("X-ADDRESSBOOKSERVER-KIND"), "group")) {
		rec.Err = fmt.Sprintf("The card starting on row %d is a group, not a contact.", rec.Row)
	}
	if rec.Err == "" && c.FirstName+c.MiddleName+c.LastName+c.Company+c.Title+c.Notes+c.Birthday == "" &&
		len(c.Emails)+len(c.Phones)+len(c.Addresses)+len(rec.Groups) == 0 {
		rec.Err = fmt.Sprintf("The card starting on row %d is empty.", rec.Row)
	}
}

// logical reads one property line: the next physical line, the lines that continue it (folded,
// or after a quoted-printable soft line break). skip reports a binary property (a photo, a logo,
// a sound or a key), whose lines are consumed but not kept.
func (v *vcardReader) logical() (line []byte, row int, long, skip bool) {
	first, _ := v.peek()
	row, skip = first.row, vcardBinaryStart(first.b)
	v.cur, v.curLong = v.cur[:0], first.long
	if !skip {
		v.add(first.b)
	}
	v.consume()
	qp, known := false, skip
	scanned, quoted := 0, false // how much of cur was searched for the colon
	for {
		for ; !known && scanned < len(v.cur); scanned++ {
			switch c := v.cur[scanned]; {
			case c == '"':
				quoted = !quoted
			case c == ':' && !quoted:
				known, qp = true, vcardHasQP(v.cur[:scanned])
			}
		}
		l, ok := v.peek()
		if !ok {
			break
		}
		switch {
		case qp && len(v.cur) > 0 && v.cur[len(v.cur)-1] == '=' && !vcardIs(l.b, "END:VCARD") && !vcardIs(l.b, "BEGIN:VCARD"):
			v.cur = v.cur[:len(v.cur)-1]
			v.add(l.b)
		case len(l.b) > 0 && (l.b[0] == ' ' || l.b[0] == '\t'):
			if !skip {
				v.add(l.b[1:])
			}
		case skip && vcardBase64Line(l.b):
		default:
			return v.cur, row, v.curLong, skip
		}
		v.curLong = v.curLong || l.long
		v.consume()
	}
	return v.cur, row, v.curLong, skip
}

// add appends b to the logical line, up to vcardMaxLine bytes.
func (v *vcardReader) add(b []byte) {
	if room := vcardMaxLine - len(v.cur); len(b) > room {
		b = b[:max(room, 0)]
		v.curLong = true
	}
	v.cur = append(v.cur, b...)
}

// vcardIs reports whether line is want (upper case), ignoring case and surrounding blanks.
func vcardIs(line []byte, want string) bool {
	line = bytes.TrimSpace(line)
	return len(line) == len(want) && bytes.EqualFold(line, []byte(want))
}

// vcardBlank reports whether line holds nothing but blanks and control characters (a DOS end
// of file, a form feed).
func vcardBlank(line []byte) bool {
	for _, c := range line {
		if c > ' ' && c != 0x7F {
			return false
		}
	}
	return true
}

// vcardColon returns the index of the colon that ends a property's name and parameters, or -1.
func vcardColon(line []byte) int {
	quoted := false
	for i, c := range line {
		switch {
		case c == '"':
			quoted = !quoted
		case c == ':' && !quoted:
			return i
		}
	}
	return -1
}

// vcardHasQP reports whether a property's name and parameters say its value is quoted-printable.
func vcardHasQP(head []byte) bool {
	return vcardContainsFold(head, "QUOTED-PRINTABLE")
}

// vcardContainsFold reports whether b holds s (upper-case ASCII), ignoring case.
func vcardContainsFold(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if b[i]|0x20 == s[0]|0x20 && bytes.EqualFold(b[i:i+len(s)], []byte(s)) {
			return true
		}
	}
	return false
}

// vcardBinaryStart reports whether line starts a property whose value is binary data: a PHOTO,
// LOGO, SOUND or KEY, or any value encoded in base64.
func vcardBinaryStart(line []byte) bool {
	end := bytes.IndexAny(line, ";:")
	if end < 0 {
		return false
	}
	name := line[:end]
	if dot := bytes.LastIndexByte(name, '.'); dot >= 0 {
		name = name[dot+1:]
	}
	for _, n := range []string{"PHOTO", "LOGO", "SOUND", "KEY"} {
		if bytes.EqualFold(name, []byte(n)) {
			return true
		}
	}
	if line[end] != ';' || !vcardContainsFold(line[end:], "B") {
		return false
	}
	colon := vcardColon(line)
	if colon < 0 {
		return false
	}
	for p := range bytes.SplitSeq(line[end+1:colon], []byte(";")) {
		p = bytes.TrimSpace(p)
		for _, enc := range []string{"BASE64", "ENCODING=B", "ENCODING=BASE64", `ENCODING="B"`} {
			if bytes.EqualFold(p, []byte(enc)) {
				return true
			}
		}
	}
	return false
}

// vcardBase64Line reports whether line is base64 data not indented (vCard 2.1 writers that do
// not fold a photo's lines, ending it with a blank line instead).
func vcardBase64Line(line []byte) bool {
	if len(line) == 0 {
		return false
	}
	for _, c := range line {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}

// vcardText is line as UTF-8, reading it as Windows-1252 when it is not.
func vcardText(line []byte) string {
	return vcardCharset(line, "")
}

// vcardParseLine splits a logical line into a field (group, parameters, and the value decoded
// from quoted-printable and its charset but still escaped) and its upper-case property name.
// Bare vCard 2.1 parameters become TYPE values (TEL;CELL;PREF → TYPE=CELL,PREF), or ENCODING
// for QUOTED-PRINTABLE, BASE64, 8BIT and 7BIT.
func vcardParseLine(line []byte) (f *vcard.Field, name string, ok bool) {
	end := bytes.IndexAny(line, ";:")
	if end <= 0 {
		return nil, "", false
	}
	f = &vcard.Field{}
	head := string(line[:end])
	if dot := strings.LastIndexByte(head, '.'); dot >= 0 {
		f.Group, head = head[:dot], head[dot+1:]
		if !vcardToken(f.Group) {
			return nil, "", false
		}
	}
	if !vcardToken(head) {
		return nil, "", false
	}
	name = strings.ToUpper(head)
	rest := line[end:]
	if rest[0] == ';' {
		colon := vcardColon(rest)
		if colon < 0 {
			return nil, name, false
		}
		f.Params = vcardParams(string(rest[1:colon]))
		rest = rest[colon:]
	}
	value := rest[1:]
	if strings.EqualFold(f.Params.Get("ENCODING"), "QUOTED-PRINTABLE") {
		value = vcardQP(value)
	}
	f.Value = vcardCharset(value, f.Params.Get("CHARSET"))
	return f, name, true
}

// vcardToken reports whether s is a valid property or group name: letters, digits, "-" and "_".
func vcardToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// vcardParams parses the parameters between a property's name and its colon.
func vcardParams(s string) vcard.Params {
	params := vcard.Params{}
	for s != "" {
		var p string
		quoted, i := false, 0
		for ; i < len(s); i++ {
			if s[i] == '"' {
				quoted = !quoted
			} else if s[i] == ';' && !quoted {
				break
			}
		}
		p, s = strings.TrimSpace(s[:i]), s[min(i+1, len(s)):]
		if p == "" {
			continue
		}
		k, val, hasValue := strings.Cut(p, "=")
		k = strings.ToUpper(strings.TrimSpace(k))
		if !hasValue {
			switch k {
			case "QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT":
				params.Add("ENCODING", k)
			default:
				params.Add(vcard.ParamType, strings.TrimSpace(p))
			}
			continue
		}
		val = strings.TrimSpace(val)
		if k != vcard.ParamType {
			params.Add(k, strings.Trim(val, `"`))
			continue
		}
		for t := range strings.SplitSeq(strings.ReplaceAll(val, `"`, ""), ",") {
			if t = strings.TrimSpace(t); t != "" {
				params.Add(k, t)
			}
		}
	}
	return params
}

// vcardQP decodes a quoted-printable value leniently: "=" not followed by two hex digits is
// kept, and a final "=" (a soft line break) is dropped.
func vcardQP(b []byte) []byte {
	if bytes.IndexByte(b, '=') < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		if i == len(b)-1 {
			break
		}
		if i+2 < len(b) {
			hi, ok1 := vcardHex(b[i+1])
			lo, ok2 := vcardHex(b[i+2])
			if ok1 && ok2 {
				out = append(out, hi<<4|lo)
				i += 2
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

func vcardHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// vcardCharset turns a value's bytes into UTF-8. Bytes that are valid UTF-8 are taken as such
// whatever the CHARSET parameter says (writers often label UTF-8 as ISO-8859-1); others are
// decoded with the named charset, or as Windows-1252 when it is unknown or absent.
func vcardCharset(b []byte, charset string) string {
	if utf8.Valid(b) {
		return string(b)
	}
	if charset != "" {
		if enc, err := htmlindex.Get(charset); err == nil {
			if s, err := enc.NewDecoder().Bytes(b); err == nil && utf8.Valid(s) {
				return string(s)
			}
		}
	}
	s, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(s)
}

// vcardUnescape undoes a text value's backslash escapes: \\ \, \; \n and \N in vCard 3.0 and
// 4.0; in vCard 2.1 (v21) only \; \, and \n, since its writers leave backslashes alone. Other
// backslashes are kept.
func vcardUnescape(s string, v21 bool) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		switch n := s[i+1]; {
		case n == 'n' || n == 'N':
			b.WriteByte('\n')
		case n == ';' || n == ',' || n == '\\' && !v21:
			b.WriteByte(n)
		default:
			b.WriteByte(c)
			continue
		}
		i++
	}
	return b.String()
}

// vcardSplit splits an escaped value at each unescaped sep.
func vcardSplit(s string, sep byte) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// vcardContact maps a card to a contact and the group names its CATEGORIES give.
func vcardContact(card vcard.Card) (app.Contact, []string) {
	var c app.Contact
	version := strings.TrimSpace(card.Value(vcard.FieldVersion))
	v21 := strings.HasPrefix(version, "2")
	text := func(f *vcard.Field) string { return strings.TrimSpace(vcardUnescape(f.Value, v21)) }
	part := func(parts []string, i int) string {
		if i < len(parts) {
			return strings.TrimSpace(vcardUnescape(parts[i], v21))
		}
		return ""
	}
	labels := map[string]string{} // Apple's item1.X-ABLabel, by group
	for _, f := range card["X-ABLABEL"] {
		if g := strings.ToLower(f.Group); g != "" && labels[g] == "" {
			labels[g] = vcardAppleLabel(text(f))
		}
	}
	label := func(f *vcard.Field) string { return labels[strings.ToLower(f.Group)] }

	if f := card.Get(vcard.FieldName); f != nil {
		n := vcardSplit(f.Value, ';')
		c.LastName, c.FirstName, c.MiddleName = part(n, 0), part(n, 1), part(n, 2)
	}
	if f := card.Get(vcard.FieldOrganization); f != nil {
		c.Company = part(vcardSplit(f.Value, ';'), 0)
	}
	if c.FirstName+c.MiddleName+c.LastName == "" {
		if f := card.Get(vcard.FieldFormattedName); f != nil {
			fn := text(f)
			company := strings.EqualFold(card.Value("X-ABSHOWAS"), "COMPANY") || strings.EqualFold(fn, c.Company)
			if !company && !strings.Contains(fn, "@") {
				c.FirstName, c.MiddleName, c.LastName = vcardSplitName(fn)
			}
		}
	}
	if f := card.Get(vcard.FieldTitle); f != nil {
		c.Title = text(f)
	}

	primary := card.Preferred(vcard.FieldEmail)
	for _, f := range card[vcard.FieldEmail] {
		e := app.Email{Address: text(f), Label: label(f), Notify: vcardYes(f.Params.Get("X-AGENTBOOK-NOTIFY"))}
		if e.Address == "" {
			continue
		}
		if e.Label == "" {
			e.Label = vcardLabel(f.Params, false)
		}
		if f == primary && len(c.Emails) > 0 {
			c.Emails = append([]app.Email{e}, c.Emails...)
		} else {
			c.Emails = append(c.Emails, e)
		}
	}
	for _, f := range card[vcard.FieldTelephone] {
		p := app.Phone{Number: text(f), Label: label(f)}
		uri := strings.EqualFold(f.Params.Get(vcard.ParamValue), "uri") || strings.HasPrefix(version, "4")
		if uri && len(p.Number) > 4 && strings.EqualFold(p.Number[:4], "tel:") {
			n, ext, _ := strings.Cut(p.Number[4:], ";ext=")
			if ext != "" {
				n += " ext. " + ext
			}
			p.Number = n
		}
		if p.Number == "" {
			continue
		}
		if p.Label == "" {
			p.Label = vcardLabel(f.Params, true)
		}
		c.Phones = append(c.Phones, p)
	}
	for _, f := range card[vcard.FieldAddress] {
		parts := vcardSplit(f.Value, ';')
		street := strings.Join(vcardNonEmpty(part(parts, 2), part(parts, 1), part(parts, 0)), ", ")
		a := app.Address{Label: label(f), Street: street,
			City: part(parts, 3), Region: part(parts, 4), PostalCode: part(parts, 5), Country: part(parts, 6)}
		if a.Street+a.City+a.Region+a.PostalCode+a.Country == "" {
			continue
		}
		if a.Label == "" {
			a.Label = vcardLabel(f.Params, false)
		}
		c.Addresses = append(c.Addresses, a)
	}
	var notes []string
	for _, f := range card[vcard.FieldNote] {
		if n := strings.ReplaceAll(vcardUnescape(f.Value, v21), "\r\n", "\n"); strings.TrimSpace(n) != "" {
			notes = append(notes, n)
		}
	}
	c.Notes = strings.Join(notes, "\n\n")
	if f := card.Get(vcard.FieldBirthday); f != nil {
		c.Birthday = vcardBirthday(text(f), f.Params)
	}
	if f := card.Get("X-AGENTBOOK-STATUS"); f != nil {
		switch s := strings.ToLower(text(f)); s {
		case "":
		case string(app.StatusActive), string(app.StatusInactive):
			c.Status = app.ContactStatus(s)
		default:
			c.Status = app.ContactStatus(text(f))
		}
	}
	if f := card.Get("X-AGENTBOOK-REVERSE-PROSPECTING"); f != nil {
		c.ReverseProspecting = vcardYes(text(f))
	}
	var groups []string
	for _, f := range card[vcard.FieldCategories] {
		for _, g := range vcardSplit(f.Value, ',') {
			if g = strings.TrimSpace(vcardUnescape(g, v21)); g != "" {
				groups = append(groups, g)
			}
		}
	}
	return c, groups
}

func vcardNonEmpty(ss ...string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// vcardYes reports whether a flag's value says yes.
func vcardYes(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "true", "1", "on", "y":
		return true
	}
	return false
}

// vcardSplitName splits a formatted name: "Last, First Middle" or "First Middle… Last".
func vcardSplitName(fn string) (first, middle, last string) {
	if l, f, ok := strings.Cut(fn, ","); ok {
		words := strings.Fields(f)
		if len(words) > 0 {
			return words[0], strings.Join(words[1:], " "), strings.TrimSpace(l)
		}
		fn = l
	}
	words := strings.Fields(fn)
	switch len(words) {
	case 0:
		return "", "", ""
	case 1:
		return words[0], "", ""
	}
	return words[0], strings.Join(words[1:len(words)-1], " "), words[len(words)-1]
}

// vcardLabel names the label a property's TYPE parameters give: Home, Work, Other, and for a
// phone Mobile, iPhone, Main, Pager, Fax, Home fax, Work fax; "" when none. A custom type
// X-<label> (Android's way of writing a custom label) gives <label>.
func vcardLabel(p vcard.Params, phone bool) string {
	has := p.HasType
	if phone {
		switch {
		case has("iphone"):
			return "iPhone"
		case has("main"):
			return "Main"
		case has(vcard.TypeFax):
			switch {
			case has(vcard.TypeHome):
				return "Home fax"
			case has(vcard.TypeWork):
				return "Work fax"
			case has("other"):
				return "Other fax"
			}
			return "Fax"
		case has(vcard.TypeCell) || has("mobile"):
			return "Mobile"
		case has(vcard.TypePager):
			return "Pager"
		}
	}
	switch {
	case has(vcard.TypeHome):
		return "Home"
	case has(vcard.TypeWork):
		return "Work"
	case has("other") || has("x-other"):
		return "Other"
	}
	for _, t := range p[vcard.ParamType] {
		if len(t) > 2 && strings.EqualFold(t[:2], "x-") {
			return strings.TrimSpace(t[2:])
		}
	}
	return ""
}

// vcardAppleLabel reads an Apple Contacts X-ABLabel: "_$!<HomePage>!$_" → "Home page"; a
// custom label is kept as written.
func vcardAppleLabel(s string) string {
	inner, ok := strings.CutPrefix(s, "_$!<")
	if !ok {
		return s
	}
	inner, ok = strings.CutSuffix(inner, ">!$_")
	if !ok {
		return s
	}
	var b strings.Builder
	prev, spaced := rune(0), false
	for _, r := range inner {
		if unicode.IsUpper(r) && unicode.IsLower(prev) {
			b.WriteByte(' ')
			spaced = true
		}
		prev = r
		if spaced {
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// vcardBirthday reads a BDAY as YYYY-MM-DD: 1985-04-12, 19850412, 1985-04-12T00:00:00Z or
// 19850412T000000Z. A date without a year (--0412, or Apple's X-APPLE-OMIT-YEAR) gives "";
// anything else is kept as written.
func vcardBirthday(s string, p vcard.Params) string {
	if s == "" || strings.HasPrefix(s, "--") || p.Get("X-APPLE-OMIT-YEAR") != "" {
		return ""
	}
	date := s
	if i := strings.IndexByte(s, 'T'); i > 0 {
		date = s[:i]
	}
	digits := func(d string) bool {
		for i := 0; i < len(d); i++ {
			if d[i] < '0' || d[i] > '9' {
				return false
			}
		}
		return true
	}
	switch {
	case len(date) == 10 && date[4] == '-' && date[7] == '-' && digits(date[:4]+date[5:7]+date[8:]):
		return date
	case len(date) == 8 && digits(date):
		return date[:4] + "-" + date[4:6] + "-" + date[6:]
	}
	return s
}
