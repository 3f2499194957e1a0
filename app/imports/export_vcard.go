package imports

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"agentbook/app"
)

// WriteVCard writes each contact as a vCard 3.0 card (CRLF line breaks, lines folded at 75
// octets): name, company, title, emails (the primary marked PREF), phones and addresses with
// their labels (a label vCard has no type for is written the Apple Contacts way, as an
// itemN.X-ABLabel), notes, birthday, groups (CATEGORIES, named by groups), and agentbook's own
// status, reverse prospecting and per-email notify flags, which newVCardReader reads back. It
// calls each once.
func WriteVCard(w io.Writer, each Contacts, groups GroupNames) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	e := &vcardEncoder{w: bw}
	err := each(func(c *app.Contact) error {
		e.card(c, groups)
		return e.err
	})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("imports: write vCard: %w", err)
	}
	return nil
}

// vcardEncoder writes cards a property line at a time, escaping values and folding lines.
type vcardEncoder struct {
	w    *bufio.Writer
	line []byte // the property line being built, unfolded
	item int    // the card's last itemN group
	err  error
}

// The labels written as vCard types; any other label is written as an X-ABLabel.
var (
	vcardEmailTypes   = map[string]string{"Home": "HOME", "Work": "WORK", "Other": "OTHER"}
	vcardAddressTypes = vcardEmailTypes
	vcardPhoneTypes   = map[string]string{"Mobile": "CELL", "Home": "HOME", "Work": "WORK", "Other": "OTHER",
		"Fax": "FAX", "Home fax": "HOME,FAX", "Work fax": "WORK,FAX", "Other fax": "OTHER,FAX",
		"Main": "MAIN", "Pager": "PAGER", "iPhone": "IPHONE,CELL"}
)

func (e *vcardEncoder) card(c *app.Contact, groups GroupNames) {
	e.item = 0
	e.raw("BEGIN:VCARD")
	e.raw("VERSION:3.0")
	e.raw("PRODID:-//agentbook//agentbook//EN")

	e.begin("", "N")
	e.lit(":")
	e.text(c.LastName)
	e.lit(";")
	e.text(c.FirstName)
	e.lit(";")
	e.text(c.MiddleName)
	e.lit(";;")
	e.end()
	fn := ""
	if c.FirstName+c.MiddleName+c.LastName+c.Company != "" || len(c.Emails) > 0 {
		fn = c.DisplayName()
	}
	e.textProp("FN", fn)
	if c.Company != "" {
		e.begin("", "ORG")
		e.lit(":")
		e.text(c.Company)
		e.end()
	}
	if c.Title != "" {
		e.textProp("TITLE", c.Title)
	}

	for i, m := range c.Emails {
		typ, group := e.labelled(vcardEmailTypes, m.Label)
		e.begin(group, "EMAIL")
		e.lit(";TYPE=INTERNET")
		if typ != "" {
			e.lit("," + typ)
		}
		if i == 0 {
			e.lit(",PREF")
		}
		if m.Notify {
			e.lit(";X-AGENTBOOK-NOTIFY=yes")
		}
		e.lit(":")
		e.text(m.Address)
		e.end()
		e.abLabel(group, m.Label)
	}
	for _, p := range c.Phones {
		typ, group := e.labelled(vcardPhoneTypes, p.Label)
		e.begin(group, "TEL")
		if typ != "" {
			e.lit(";TYPE=" + typ)
		}
		e.lit(":")
		e.text(p.Number)
		e.end()
		e.abLabel(group, p.Label)
	}
	for _, a := range c.Addresses {
		typ, group := e.labelled(vcardAddressTypes, a.Label)
		e.begin(group, "ADR")
		if typ != "" {
			e.lit(";TYPE=" + typ)
		}
		e.lit(":;;")
		for i, s := range []string{a.Street, a.City, a.Region, a.PostalCode, a.Country} {
			if i > 0 {
				e.lit(";")
			}
			e.text(s)
		}
		e.end()
		e.abLabel(group, a.Label)
	}

	if c.Notes != "" {
		e.textProp("NOTE", c.Notes)
	}
	if c.Birthday != "" {
		e.textProp("BDAY", c.Birthday)
	}
	first := true
	for _, id := range c.GroupIDs {
		name := groups[id]
		if name == "" {
			continue
		}
		if first {
			e.begin("", "CATEGORIES")
			e.lit(":")
			first = false
		} else {
			e.lit(",")
		}
		e.text(name)
	}
	if !first {
		e.end()
	}
	if c.Status != "" && c.Status != app.StatusActive {
		e.textProp("X-AGENTBOOK-STATUS", string(c.Status))
	}
	if c.ReverseProspecting {
		e.raw("X-AGENTBOOK-REVERSE-PROSPECTING:yes")
	}
	if c.ID != "" {
		e.textProp("UID", c.ID)
	}
	if !c.UpdatedAt.IsZero() {
		e.begin("", "REV")
		e.lit(":")
		e.line = c.UpdatedAt.UTC().AppendFormat(e.line, "2006-01-02T15:04:05Z")
		e.end()
	}
	e.raw("END:VCARD")
}

// labelled returns the TYPE a label is written as, or else a new itemN group for its
// X-ABLabel ("" for an empty label).
func (e *vcardEncoder) labelled(types map[string]string, label string) (typ, group string) {
	if t, ok := types[label]; ok || label == "" {
		return t, ""
	}
	e.item++
	return "", "item" + strconv.Itoa(e.item)
}

// abLabel writes group's X-ABLabel when it has one.
func (e *vcardEncoder) abLabel(group, label string) {
	if group != "" {
		e.begin(group, "X-ABLabel")
		e.lit(":")
		e.text(label)
		e.end()
	}
}

// begin starts a property line: "group.NAME", parameters and the colon to follow.
func (e *vcardEncoder) begin(group, name string) {
	e.line = e.line[:0]
	if group != "" {
		e.line = append(e.line, group...)
		e.line = append(e.line, '.')
	}
	e.line = append(e.line, name...)
}

func (e *vcardEncoder) lit(s string) { e.line = append(e.line, s...) }

// text appends s escaped as vCard 3.0 text: \\ \, \; and \n for any line break; other
// control characters but tab are left out.
func (e *vcardEncoder) text(s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', ',', ';':
			e.line = append(e.line, '\\', c)
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			e.line = append(e.line, '\\', 'n')
		case '\n':
			e.line = append(e.line, '\\', 'n')
		case '\t':
			e.line = append(e.line, c)
		default:
			if c < ' ' || c == 0x7F {
				continue
			}
			e.line = append(e.line, c)
		}
	}
}

func (e *vcardEncoder) textProp(name, value string) {
	e.begin("", name)
	e.lit(":")
	e.text(value)
	e.end()
}

func (e *vcardEncoder) raw(line string) {
	e.line = append(e.line[:0], line...)
	e.end()
}

// end writes the line, folded so that no line has more than 75 octets and no UTF-8 sequence is
// split; each continuation starts with a space.
func (e *vcardEncoder) end() {
	if e.err != nil {
		return
	}
	b, limit := e.line, 75
	for len(b) > limit {
		cut := limit
		for cut > limit-utf8.UTFMax && !utf8.RuneStart(b[cut]) {
			cut--
		}
		e.w.Write(b[:cut])
		e.w.WriteString("\r\n ")
		b, limit = b[cut:], 74
	}
	e.w.Write(b)
	_, e.err = e.w.WriteString("\r\n")
}
