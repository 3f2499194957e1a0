package imports

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"
)

// Bounds that keep a hostile or broken file from holding much memory: a cell keeps at most
// maxCellBytes (any longer cell is over MaxCell characters whatever its runes), a row at most
// maxRowBytes and maxCells cells. What goes past them is counted, not kept.
const (
	maxCellBytes = 4*MaxCell + 4
	maxRowBytes  = 4 << 20
	maxCells     = 4096
	scanBufSize  = 64 << 10
)

// csvRow is one record as the scanner found it.
type csvRow struct {
	// line is the physical line the record starts on.
	line int
	// cells are the record's cells as kept (see the bounds above).
	cells []string
	// width is the index of the last cell holding more than blanks, plus one, counting cells
	// that were not kept; 0 for a blank line.
	width int
	// overCell is the first cell (index) that holds more than MaxCell characters, -1 when none;
	// overRunes is how many it holds.
	overCell, overRunes int
	// dropped says the row passed maxRowBytes or maxCells, so some of it was not kept.
	dropped bool
}

// csvScanner splits RFC 4180 text into records: cells separated by a one-byte delimiter,
// quoted cells with doubled quotes and line breaks, records ended by CRLF, LF or CR. It is
// lenient where spreadsheets are sloppy: a quote inside an unquoted cell is kept as text,
// text after a closing quote is added to the cell, and blanks before an opening quote are
// dropped. Only a quote that is never closed stops it.
type csvScanner struct {
	r        io.Reader
	buf      []byte
	pos, end int
	eof      bool
	err      error // a read error other than io.EOF
	delim    byte
	// checkUTF8 repairs invalid UTF-8 (the file looked like UTF-8 at its start).
	checkUTF8 bool

	line    int  // physical line of buf[pos]
	afterCR bool // the last byte consumed inside quotes was a CR

	row  []byte // kept cell bytes, back to back
	ends []int  // end of each kept cell in row
	// starts holds the start of each kept cell in row: the previous end, or one past the
	// delimiter for a line read whole (quickLine).
	starts []int
	cell   int  // bytes or runes of the current cell so far (runes once cut)
	cut    bool // the current cell has been cut at maxCellBytes
	cur    csvRow
}

func newCSVScanner(r io.Reader, delim byte, checkUTF8 bool, bufSize int) *csvScanner {
	return &csvScanner{r: r, buf: make([]byte, bufSize), delim: delim, checkUTF8: checkUTF8, line: 1}
}

// fill reads more input when the buffer is used up; it reports whether there is any.
func (s *csvScanner) fill() bool {
	if s.pos < s.end {
		return true
	}
	for !s.eof {
		n, err := s.r.Read(s.buf)
		s.pos, s.end = 0, n
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.err = err
			}
		}
		if n > 0 {
			return true
		}
	}
	return false
}

// add appends b to the current cell, keeping within the bounds.
func (s *csvScanner) add(b []byte) {
	if len(b) == 0 {
		return
	}
	if !s.cut {
		room := min(maxCellBytes-s.cell, maxRowBytes-len(s.row))
		if len(b) <= room {
			s.row = append(s.row, b...)
			s.cell += len(b)
			return
		}
		room = max(room, 0)
		s.row = append(s.row, b[:room]...)
		if len(s.row) >= maxRowBytes {
			s.cur.dropped = true
		}
		// From here on the cell is counted in runes, not kept.
		s.cut = true
		s.cell = countRunes(s.row[len(s.row)-s.cell-room:])
		b = b[room:]
	}
	s.cell += countRunes(b)
}

// countRunes counts the bytes that start a rune, so that a rune split across two calls is
// counted once.
func countRunes(b []byte) int {
	n := 0
	for _, c := range b {
		if c&0xC0 != 0x80 {
			n++
		}
	}
	return n
}

// endCell closes the current cell, the idx-th of the row.
func (s *csvScanner) endCell(idx int) {
	start := 0
	if len(s.ends) > 0 {
		start = s.ends[len(s.ends)-1]
	}
	cell := s.row[start:]
	runes := s.cell
	if !s.cut && s.cell > MaxCell {
		runes = utf8.RuneCount(cell)
	}
	if runes > MaxCell && s.cur.overCell < 0 {
		s.cur.overCell, s.cur.overRunes = idx, runes
	}
	if s.cut || !blank(cell) {
		s.cur.width = idx + 1
	}
	if len(s.ends) < maxCells {
		s.starts = append(s.starts, start)
		s.ends = append(s.ends, len(s.row))
	} else {
		s.row = s.row[:start]
		s.cur.dropped = true
	}
	s.cell, s.cut = 0, false
}

func blank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// next reads the next record. It returns io.EOF at the end of the input and a *FileError for
// a quote that is never closed.
func (s *csvScanner) next() (*csvRow, error) {
	s.row, s.starts, s.ends = s.row[:0], s.starts[:0], s.ends[:0]
	s.cell, s.cut = 0, false
	s.cur = csvRow{line: s.line, overCell: -1}
	if !s.fill() {
		if s.err != nil {
			return nil, fmt.Errorf("imports: read: %w", s.err)
		}
		return nil, io.EOF
	}
	if s.quickLine() {
		return s.finish()
	}
	d := s.delim
	idx := 0
cells:
	for {
		// The start of a cell.
		if !s.fill() {
			s.endCell(idx)
			return s.finish()
		}
		if s.buf[s.pos] != '"' {
			// Unquoted: up to the delimiter or the line end. A quote after nothing but
			// blanks opens a quoted cell.
			quoted := false
			for !quoted {
				if !s.fill() {
					s.endCell(idx)
					return s.finish()
				}
				chunk := s.buf[s.pos:s.end]
				i := 0
				for i < len(chunk) {
					c := chunk[i]
					if c == d || c == '\n' || c == '\r' || c == '"' {
						break
					}
					i++
				}
				s.add(chunk[:i])
				s.pos += i
				if i == len(chunk) {
					continue
				}
				switch c := chunk[i]; c {
				case '"':
					if !s.cut && blank(s.row[len(s.row)-s.cell:]) {
						s.row = s.row[:len(s.row)-s.cell]
						s.cell = 0
						quoted = true
					} else {
						s.add(chunk[i : i+1])
						s.pos++
					}
				case d:
					s.pos++
					s.endCell(idx)
					idx++
					continue cells
				default:
					s.endCell(idx)
					s.endLine(c)
					return s.finish()
				}
			}
		}
		// Quoted: up to a quote that is not doubled.
		s.pos++
		s.afterCR = false
		for {
			if !s.fill() {
				if s.err != nil {
					return nil, fmt.Errorf("imports: read: %w", s.err)
				}
				return nil, &FileError{Row: s.cur.line, Message: "a quote opened in this row is never closed."}
			}
			chunk := s.buf[s.pos:s.end]
			i := bytes.IndexByte(chunk, '"')
			if i < 0 {
				i = len(chunk)
			}
			s.countLines(chunk[:i])
			s.add(chunk[:i])
			s.pos += i
			if i == len(chunk) {
				continue
			}
			s.pos++
			s.afterCR = false
			if !s.fill() {
				s.endCell(idx)
				return s.finish()
			}
			if s.buf[s.pos] == '"' {
				s.add(s.buf[s.pos : s.pos+1])
				s.pos++
				continue
			}
			break
		}
		// After the closing quote: text up to the delimiter or line end joins the cell.
		for {
			if !s.fill() {
				s.endCell(idx)
				return s.finish()
			}
			chunk := s.buf[s.pos:s.end]
			i := 0
			for i < len(chunk) {
				c := chunk[i]
				if c == d || c == '\n' || c == '\r' {
					break
				}
				i++
			}
			s.add(chunk[:i])
			s.pos += i
			if i == len(chunk) {
				continue
			}
			if c := chunk[i]; c != d {
				s.endCell(idx)
				s.endLine(c)
				return s.finish()
			}
			s.pos++
			s.endCell(idx)
			idx++
			break
		}
	}
}

// quickLine reads the record at s.pos when it is a whole line in the buffer without quotes or
// CRs inside: most rows of most files. It reports false, consuming nothing, otherwise.
func (s *csvScanner) quickLine() bool {
	chunk := s.buf[s.pos:s.end]
	nl := bytes.IndexByte(chunk, '\n')
	if nl < 0 || nl > maxCellBytes {
		return false
	}
	line := chunk[:nl]
	if nl > 0 && line[nl-1] == '\r' {
		line = line[:nl-1]
	}
	if bytes.IndexByte(line, '"') >= 0 || bytes.IndexByte(line, '\r') >= 0 {
		return false
	}
	s.row = append(s.row, line...)
	start, idx := 0, 0
	for {
		i := bytes.IndexByte(s.row[start:], s.delim)
		end := len(s.row)
		if i >= 0 {
			end = start + i
		}
		cell := s.row[start:end]
		if len(cell) > MaxCell && s.cur.overCell < 0 {
			if n := utf8.RuneCount(cell); n > MaxCell {
				s.cur.overCell, s.cur.overRunes = idx, n
			}
		}
		if len(cell) > 0 && (cell[0] != ' ' && cell[0] != '\t' || !blank(cell)) {
			s.cur.width = idx + 1
		}
		if len(s.ends) < maxCells {
			s.starts = append(s.starts, start)
			s.ends = append(s.ends, end)
		} else {
			s.cur.dropped = true
		}
		if i < 0 {
			break
		}
		start, idx = end+1, idx+1
	}
	if s.cur.dropped {
		s.row = s.row[:s.ends[len(s.ends)-1]]
	}
	s.pos += nl + 1
	s.line++
	return true
}

// endLine consumes the line end c (at s.pos), taking the LF of a CRLF with it.
func (s *csvScanner) endLine(c byte) {
	s.pos++
	s.line++
	if c == '\r' && s.fill() && s.buf[s.pos] == '\n' {
		s.pos++
	}
}

// countLines advances the line count over text inside quotes: LF, CRLF and a lone CR each end
// a line.
func (s *csvScanner) countLines(b []byte) {
	if len(b) == 0 {
		return
	}
	if !s.afterCR && bytes.IndexByte(b, '\r') < 0 {
		s.line += bytes.Count(b, []byte{'\n'})
		return
	}
	for _, c := range b {
		switch {
		case c == '\r':
			s.line++
		case c == '\n' && !s.afterCR:
			s.line++
		}
		s.afterCR = c == '\r'
	}
}

// finish turns the kept bytes into strings: one allocation for the text, one for the cells.
func (s *csvScanner) finish() (*csvRow, error) {
	if s.err != nil {
		return nil, fmt.Errorf("imports: read: %w", s.err)
	}
	text := string(s.row)
	cells := make([]string, len(s.ends))
	for i, e := range s.ends {
		cells[i] = text[s.starts[i]:e]
	}
	if s.checkUTF8 && !utf8.ValidString(text) {
		for i, c := range cells {
			cells[i] = repairUTF8(c)
		}
	}
	s.cur.cells = cells
	return &s.cur, nil
}
