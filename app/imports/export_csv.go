package imports

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"agentbook/app"
)

// WriteCSV writes agentbook's CSV export: UTF-8 with a BOM (so that Excel reads the accents),
// CRLF line ends, commas, cells quoted where needed. It calls each twice: once to find the
// most emails, phones and addresses a contact has (each column group appears at least once),
// then to write the rows. Groups are named from groups and joined with " ::: ". NewReader reads
// the file back as FormatAgentbook with every field as written; Created, Updated and ID are
// for the reader's information only. Cells are written as they are: one starting with "=" is
// not escaped against spreadsheet formulas, since escaping would change the data.
func WriteCSV(w io.Writer, each Contacts, groups GroupNames) error {
	ne, np, na := 1, 1, 1
	if err := each(func(c *app.Contact) error {
		ne, np, na = max(ne, len(c.Emails)), max(np, len(c.Phones)), max(na, len(c.Addresses))
		return nil
	}); err != nil {
		return fmt.Errorf("imports: export csv: %w", err)
	}
	sink := &errWriter{w: w}
	cw := &csvWriter{w: bufio.NewWriterSize(sink, 64<<10), ne: ne, np: np, na: na, groups: groups}
	cw.w.WriteString("\uFEFF")
	cw.header()
	if err := each(func(c *app.Contact) error {
		cw.contact(c)
		return sink.err
	}); err != nil {
		return fmt.Errorf("imports: export csv: %w", err)
	}
	if err := cw.w.Flush(); err != nil {
		return fmt.Errorf("imports: export csv: %w", err)
	}
	return nil
}

// errWriter keeps the first write error, so that an export stops at once when its reader
// goes away.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// csvWriter writes the cells of agentbook's CSV.
type csvWriter struct {
	w          *bufio.Writer
	ne, np, na int
	groups     GroupNames
	first      bool // the next cell is the first of its row
	buf        []byte
}

func (cw *csvWriter) header() {
	cw.first = true
	for _, h := range []string{"First Name", "Middle Name", "Last Name", "Company", "Title"} {
		cw.cell(h)
	}
	for i := 1; i <= cw.ne; i++ {
		n := strconv.Itoa(i)
		cw.cell("Email " + n)
		cw.cell("Email " + n + " Label")
		cw.cell("Email " + n + " Notify")
	}
	for i := 1; i <= cw.np; i++ {
		n := strconv.Itoa(i)
		cw.cell("Phone " + n)
		cw.cell("Phone " + n + " Label")
	}
	for i := 1; i <= cw.na; i++ {
		n := strconv.Itoa(i)
		for _, part := range []string{"Label", "Street", "City", "Region", "Postal Code", "Country"} {
			cw.cell("Address " + n + " " + part)
		}
	}
	for _, h := range []string{"Groups", "Notes", "Birthday", "Status", "Reverse Prospecting", "Created", "Updated", "ID"} {
		cw.cell(h)
	}
	cw.endRow()
}

func (cw *csvWriter) contact(c *app.Contact) {
	cw.first = true
	cw.cell(c.FirstName)
	cw.cell(c.MiddleName)
	cw.cell(c.LastName)
	cw.cell(c.Company)
	cw.cell(c.Title)
	for i := range cw.ne {
		if i < len(c.Emails) {
			e := &c.Emails[i]
			cw.cell(e.Address)
			cw.cell(e.Label)
			cw.cell(yesNo(e.Notify))
		} else {
			cw.cell("")
			cw.cell("")
			cw.cell("")
		}
	}
	for i := range cw.np {
		if i < len(c.Phones) {
			cw.cell(c.Phones[i].Number)
			cw.cell(c.Phones[i].Label)
		} else {
			cw.cell("")
			cw.cell("")
		}
	}
	for i := range cw.na {
		if i < len(c.Addresses) {
			a := &c.Addresses[i]
			cw.cell(a.Label)
			cw.cell(a.Street)
			cw.cell(a.City)
			cw.cell(a.Region)
			cw.cell(a.PostalCode)
			cw.cell(a.Country)
		} else {
			for range 6 {
				cw.cell("")
			}
		}
	}
	names := ""
	for _, id := range c.GroupIDs {
		if name, ok := cw.groups[id]; ok && names == "" {
			names = name
		} else if ok {
			names += " ::: " + name
		}
	}
	cw.cell(names)
	cw.cell(c.Notes)
	cw.cell(c.Birthday)
	cw.cell(string(c.Status))
	cw.cell(yesNo(c.ReverseProspecting))
	cw.time(c.CreatedAt)
	cw.time(c.UpdatedAt)
	cw.cell(c.ID)
	cw.endRow()
}

// sep starts a cell: a comma unless it is the first of the row.
func (cw *csvWriter) sep() {
	if !cw.first {
		cw.w.WriteByte(',')
	}
	cw.first = false
}

// cell writes one cell.
func (cw *csvWriter) cell(s string) {
	cw.sep()
	cw.text(s)
}

// text writes s, quoted when it holds a comma, a quote or a line break, or starts with a blank
// (which a lenient reader could take for padding before a quote).
func (cw *csvWriter) text(s string) {
	quote := len(s) > 0 && (s[0] == ' ' || s[0] == '\t')
	for i := 0; i < len(s) && !quote; i++ {
		switch s[i] {
		case ',', '"', '\n', '\r':
			quote = true
		}
	}
	if !quote {
		cw.w.WriteString(s)
		return
	}
	cw.w.WriteByte('"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		cw.w.WriteString(s[:i+1])
		cw.w.WriteByte('"')
		s = s[i+1:]
	}
	cw.w.WriteString(s)
	cw.w.WriteByte('"')
}

func (cw *csvWriter) endRow() { cw.w.WriteString("\r\n") }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// time writes t in RFC 3339, UTC; nothing when t is zero.
func (cw *csvWriter) time(t time.Time) {
	cw.sep()
	if !t.IsZero() {
		cw.buf = t.UTC().AppendFormat(cw.buf[:0], time.RFC3339)
		cw.w.Write(cw.buf)
	}
}
