package imports

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"agentbook/app"
)

// target is what a CSV column's value fills.
type target uint8

const (
	tIgnore target = iota
	tFirst
	tMiddle
	tLast
	tFull
	tCompany
	tTitle
	tNotes
	tBirthday
	tStatus
	tGroups
	tReverse
	tEmail
	tEmailLabel
	tEmailNotify
	tEmailType    // Outlook's E-mail Type: EX marks an Exchange name, not an address
	tEmailDisplay // Outlook's E-mail Display Name
	tPhone
	tPhoneLabel
	tAddrLabel
	tStreet
	tCity
	tRegion
	tPostal
	tCountry
	tFormatted // Google's whole address, used when its parts are empty
	tPOBox
	tExtended
)

// column says what one CSV column fills.
type column struct {
	t target
	// slot is the email, phone or address of the row the column belongs to; slots are
	// assembled in order.
	slot int
	// label is the label of the slot's email, phone or address when no label column gives one.
	label string
}

// emailSlot, phoneSlot and addrSlot collect one row's cells for an email, phone or address.
type emailSlot struct{ value, label, notify, kind, display string }

type phoneSlot struct{ value, label string }

type addrSlot struct {
	label, formatted, city, region, postal, country string
	street                                          []string // street lines: Street, Street 2, PO Box…
}

// layout is the plan for turning a header's rows into contacts.
type layout struct {
	format Format
	cols   []column
	// Default labels per slot, and the row's slots (reused from row to row).
	emailLabels, phoneLabels, addrLabels []string
	emails                               []emailSlot
	phones                               []phoneSlot
	addrs                                []addrSlot
}

// newLayout recognises the header, or applies mapping when it is not nil.
func newLayout(header []string, mapping []string) (*layout, error) {
	l := &layout{cols: make([]column, len(header))}
	folded := make([]string, len(header))
	for i, h := range header {
		folded[i] = fold(h)
	}
	var classify func(f string) column
	switch {
	case mapping != nil:
		l.format = FormatMapped
	case has(folded, "email1notify") && has(folded, "reverseprospecting"):
		l.format, classify = FormatAgentbook, agentbookColumn
	case isGoogle(folded):
		l.format, classify = FormatGoogle, googleColumn
		if !hasMatch(folded, func(f string) bool { p, n, s := splitNum(f); return n > 0 && s == "label" && p != "" }) {
			l.format = FormatGoogleLegacy
		}
	case isOutlook(folded):
		l.format, classify = FormatOutlook, outlookColumn
	default:
		l.format = FormatGeneric
	}
	switch l.format {
	case FormatMapped:
		for i := range l.cols {
			if i < len(mapping) {
				c, ok := mappedColumn(mapping[i])
				if !ok {
					return nil, fmt.Errorf("imports: mapping: unknown field %q", mapping[i])
				}
				l.cols[i] = c
			}
		}
		l.numberSlots(false)
	case FormatGeneric:
		for i, f := range folded {
			l.cols[i] = genericColumn(f, folded)
		}
		l.numberSlots(false)
	default:
		for i, f := range folded {
			l.cols[i] = classify(f)
		}
		l.numberSlots(true)
	}
	return l, nil
}

// numberSlots gives each email, phone and address column its slot. With keep the columns
// already carry slots (numbered layouts); otherwise each email and phone column is a slot of
// its own and address columns share one slot per label.
func (l *layout) numberSlots(keep bool) {
	ne, np := 0, 0
	addr := map[string]int{}
	for i := range l.cols {
		c := &l.cols[i]
		if !keep {
			switch {
			case c.t == tEmail:
				c.slot, ne = ne, ne+1
			case c.t == tPhone:
				c.slot, np = np, np+1
			case c.t >= tAddrLabel:
				s, ok := addr[c.label]
				if !ok {
					s = len(addr)
					addr[c.label] = s
				}
				c.slot = s
			}
		}
		switch {
		case c.t >= tEmail && c.t <= tEmailDisplay:
			l.emailLabels = setLabel(l.emailLabels, c.slot, c.label)
		case c.t == tPhone || c.t == tPhoneLabel:
			l.phoneLabels = setLabel(l.phoneLabels, c.slot, c.label)
		case c.t >= tAddrLabel:
			l.addrLabels = setLabel(l.addrLabels, c.slot, c.label)
		}
	}
	l.emails = make([]emailSlot, len(l.emailLabels))
	l.phones = make([]phoneSlot, len(l.phoneLabels))
	l.addrs = make([]addrSlot, len(l.addrLabels))
}

func setLabel(labels []string, slot int, label string) []string {
	for len(labels) <= slot {
		labels = append(labels, "")
	}
	if labels[slot] == "" {
		labels[slot] = label
	}
	return labels
}

// usable reports whether any column is read.
func (l *layout) usable() bool {
	for _, c := range l.cols {
		if c.t != tIgnore {
			return true
		}
	}
	return false
}

// mapping reports the field each column fills, for Reader.Mapping.
func (l *layout) mapping() []string {
	m := make([]string, len(l.cols))
	for i, c := range l.cols {
		m[i] = c.field()
	}
	return m
}

// field is the Field… constant of a column, FieldIgnore for one that only qualifies another.
func (c column) field() string {
	switch c.t {
	case tFirst:
		return FieldFirstName
	case tMiddle:
		return FieldMiddleName
	case tLast:
		return FieldLastName
	case tFull:
		return FieldFullName
	case tCompany:
		return FieldCompany
	case tTitle:
		return FieldTitle
	case tNotes:
		return FieldNotes
	case tBirthday:
		return FieldBirthday
	case tStatus:
		return FieldStatus
	case tGroups:
		return FieldGroups
	case tEmail:
		return FieldEmail
	case tPhone:
		switch c.label {
		case "Mobile":
			return FieldMobile
		case "Home":
			return FieldHomePhone
		case "Work":
			return FieldWorkPhone
		}
		return FieldPhone
	case tStreet, tPOBox, tExtended:
		return FieldStreet
	case tCity:
		return FieldCity
	case tRegion:
		return FieldRegion
	case tPostal:
		return FieldPostalCode
	case tCountry:
		return FieldCountry
	}
	return FieldIgnore
}

// mappedColumn is the column a Field… constant of Options.Mapping makes.
func mappedColumn(field string) (column, bool) {
	switch field {
	case FieldIgnore:
		return column{}, true
	case FieldFirstName:
		return column{t: tFirst}, true
	case FieldMiddleName:
		return column{t: tMiddle}, true
	case FieldLastName:
		return column{t: tLast}, true
	case FieldFullName:
		return column{t: tFull}, true
	case FieldCompany:
		return column{t: tCompany}, true
	case FieldTitle:
		return column{t: tTitle}, true
	case FieldEmail:
		return column{t: tEmail}, true
	case FieldPhone:
		return column{t: tPhone}, true
	case FieldMobile:
		return column{t: tPhone, label: "Mobile"}, true
	case FieldHomePhone:
		return column{t: tPhone, label: "Home"}, true
	case FieldWorkPhone:
		return column{t: tPhone, label: "Work"}, true
	case FieldStreet:
		return column{t: tStreet}, true
	case FieldCity:
		return column{t: tCity}, true
	case FieldRegion:
		return column{t: tRegion}, true
	case FieldPostalCode:
		return column{t: tPostal}, true
	case FieldCountry:
		return column{t: tCountry}, true
	case FieldGroups:
		return column{t: tGroups}, true
	case FieldNotes:
		return column{t: tNotes}, true
	case FieldBirthday:
		return column{t: tBirthday}, true
	case FieldStatus:
		return column{t: tStatus}, true
	}
	return column{}, false
}

// fill reads one row's cells into rec.
func (l *layout) fill(rec *Record, cells []string) {
	for i := range l.emails {
		l.emails[i] = emailSlot{}
	}
	for i := range l.phones {
		l.phones[i] = phoneSlot{}
	}
	for i := range l.addrs {
		l.addrs[i] = addrSlot{street: l.addrs[i].street[:0]}
	}
	c := &rec.Contact
	var full string
	for i, col := range l.cols {
		if i >= len(cells) {
			break
		}
		if col.t == tIgnore {
			continue
		}
		v := cells[i]
		if (col.t != tNotes || l.format != FormatAgentbook) && v != "" && (edgeByte(v[0]) || edgeByte(v[len(v)-1])) {
			v = strings.TrimSpace(v)
		}
		if v == "" {
			continue
		}
		switch col.t {
		case tFirst:
			c.FirstName = joinSpace(c.FirstName, v)
		case tMiddle:
			c.MiddleName = joinSpace(c.MiddleName, v)
		case tLast:
			c.LastName = joinSpace(c.LastName, v)
		case tFull:
			full = joinSpace(full, v)
		case tCompany:
			c.Company = joinSpace(c.Company, l.first(v))
		case tTitle:
			c.Title = joinSpace(c.Title, l.first(v))
		case tNotes:
			if c.Notes != "" {
				v = c.Notes + "\n" + v
			}
			c.Notes = v
		case tBirthday:
			c.Birthday = parseDate(v)
		case tStatus:
			c.Status = parseStatus(v)
		case tReverse:
			c.ReverseProspecting = parseBool(v)
		case tGroups:
			rec.Groups = l.addGroups(rec.Groups, v)
		case tEmail:
			l.emails[col.slot].value = v
		case tEmailLabel:
			l.emails[col.slot].label = v
		case tEmailNotify:
			l.emails[col.slot].notify = v
		case tEmailType:
			l.emails[col.slot].kind = v
		case tEmailDisplay:
			l.emails[col.slot].display = v
		case tPhone:
			l.phones[col.slot].value = v
		case tPhoneLabel:
			l.phones[col.slot].label = v
		case tAddrLabel:
			l.addrs[col.slot].label = v
		case tStreet, tPOBox, tExtended:
			l.addrs[col.slot].street = append(l.addrs[col.slot].street, v)
		case tCity:
			l.addrs[col.slot].city = v
		case tRegion:
			l.addrs[col.slot].region = v
		case tPostal:
			l.addrs[col.slot].postal = v
		case tCountry:
			l.addrs[col.slot].country = v
		case tFormatted:
			l.addrs[col.slot].formatted = v
		}
	}
	if full != "" && c.FirstName == "" && c.LastName == "" {
		c.FirstName, c.MiddleName, c.LastName = splitName(full)
	}
	l.assembleEmails(c)
	l.assemblePhones(c)
	l.assembleAddresses(c)
}

// multi reports whether a cell may hold several values joined by " ::: " (Google).
func (l *layout) multi() bool { return l.format == FormatGoogle || l.format == FormatGoogleLegacy }

// first is the first of a Google cell's values.
func (l *layout) first(v string) string {
	if l.multi() {
		if i := strings.Index(v, ":::"); i >= 0 {
			return strings.TrimSpace(v[:i])
		}
	}
	return v
}

// values splits a cell that may hold several values: Google joins them with " ::: ", and a
// generic email cell may list addresses separated by commas or semicolons. It returns nil
// when v is one value.
func (l *layout) values(v string, emails bool) []string {
	switch {
	case l.multi() && strings.Contains(v, ":::"):
		return splitTrim(v, ":::")
	case emails && (l.format == FormatGeneric || l.format == FormatMapped) && strings.ContainsAny(v, ",;:"):
		return splitTrim(strings.NewReplacer(":::", ";", ",", ";").Replace(v), ";")
	}
	return nil
}

// insert adds v to list, after the primary values already there when primary, else last.
func insert[T any](list []T, v T, primary bool, primaries *int) []T {
	if !primary {
		return append(list, v)
	}
	list = slices.Insert(list, *primaries, v)
	*primaries++
	return list
}

func (l *layout) assembleEmails(c *app.Contact) {
	n := 0
	for i := range l.emails {
		if l.emails[i].value != "" {
			n++
		}
	}
	if n == 0 {
		return
	}
	out, primaries := make([]app.Email, 0, n), 0
	for i := range l.emails {
		s := &l.emails[i]
		if s.value == "" {
			continue
		}
		value := s.value
		if l.format == FormatOutlook && (strings.EqualFold(s.kind, "EX") || strings.HasPrefix(value, "/")) {
			if value = exchangeAddress(s.display); value == "" {
				continue
			}
		}
		label := s.label
		if label == "" {
			label = l.emailLabels[i]
		}
		label, isPrimary := l.label(label)
		e := app.Email{Address: value, Label: label, Notify: parseBool(s.notify)}
		vs := l.values(value, true)
		if vs == nil {
			out = insert(out, e, isPrimary, &primaries)
		}
		for _, v := range vs {
			e.Address = v
			out = insert(out, e, isPrimary, &primaries)
		}
	}
	if len(out) > 0 {
		c.Emails = out
	}
}

func (l *layout) assemblePhones(c *app.Contact) {
	n := 0
	for i := range l.phones {
		if l.phones[i].value != "" {
			n++
		}
	}
	if n == 0 {
		return
	}
	out, primaries := make([]app.Phone, 0, n), 0
	for i := range l.phones {
		s := &l.phones[i]
		if s.value == "" {
			continue
		}
		label := s.label
		if label == "" {
			label = l.phoneLabels[i]
		}
		label, isPrimary := l.label(label)
		p := app.Phone{Number: s.value, Label: label}
		vs := l.values(s.value, false)
		if vs == nil {
			out = insert(out, p, isPrimary, &primaries)
		}
		for _, v := range vs {
			p.Number = v
			out = insert(out, p, isPrimary, &primaries)
		}
	}
	c.Phones = out
}

func (l *layout) assembleAddresses(c *app.Contact) {
	for i := range l.addrs {
		s := &l.addrs[i]
		label := s.label
		if label == "" {
			label = l.addrLabels[i]
		}
		n := 1
		if l.multi() {
			for _, p := range append([]string{label, s.city, s.region, s.postal, s.country, s.formatted}, s.street...) {
				n = max(n, strings.Count(p, ":::")+1)
			}
		}
		if n == 1 {
			label, _ = l.label(label)
			l.addAddress(c, app.Address{Label: label, Street: strings.Join(s.street, "\n"), City: s.city, Region: s.region,
				PostalCode: s.postal, Country: s.country}, s.formatted)
			continue
		}
		// Google put several addresses of one label in one slot: the k-th value of each
		// column makes the k-th address.
		for k := range n {
			piece := func(p string) string {
				ps := strings.Split(p, ":::")
				if k < len(ps) {
					return strings.TrimSpace(ps[k])
				}
				return ""
			}
			var lines []string
			for _, st := range s.street {
				if p := piece(st); p != "" {
					lines = append(lines, p)
				}
			}
			lab, _ := l.label(piece(label))
			l.addAddress(c, app.Address{Label: lab, Street: strings.Join(lines, "\n"), City: piece(s.city),
				Region: piece(s.region), PostalCode: piece(s.postal), Country: piece(s.country)}, piece(s.formatted))
		}
	}
}

// addAddress adds a unless it is empty; formatted stands for the street when a has no parts.
func (l *layout) addAddress(c *app.Contact, a app.Address, formatted string) {
	empty := func() bool {
		return a.Street == "" && a.City == "" && a.Region == "" && a.PostalCode == "" && a.Country == ""
	}
	if empty() {
		a.Street = formatted
	}
	if !empty() {
		c.Addresses = append(c.Addresses, a)
	}
}

// addGroups adds the group names of a cell, without duplicates. Google's system labels
// ("* myContacts", "* starred") are not groups.
func (l *layout) addGroups(groups []string, v string) []string {
	var names []string
	switch l.format {
	case FormatGoogle, FormatGoogleLegacy, FormatAgentbook:
		names = splitTrim(v, ":::")
	case FormatOutlook:
		names = splitTrim(v, ";")
	default:
		if strings.Contains(v, ":::") {
			names = splitTrim(v, ":::")
		} else {
			names = splitTrim(strings.ReplaceAll(v, ",", ";"), ";")
		}
	}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || l.multi() && (strings.HasPrefix(n, "*") || strings.HasPrefix(n, "System Group:")) {
			continue
		}
		dup := false
		for _, g := range groups {
			dup = dup || g == n
		}
		if !dup {
			groups = append(groups, n)
		}
	}
	return groups
}

// exchangeAddress finds a real address in Outlook's display name of an Exchange entry:
// "Ann Lee (ann@example.com)" or the address alone; "" when it has none.
func exchangeAddress(display string) string {
	if i, j := strings.LastIndexByte(display, '('), strings.LastIndexByte(display, ')'); i >= 0 && j > i {
		if in := strings.TrimSpace(display[i+1 : j]); looksLikeAddress(in) {
			return in
		}
	}
	if d := strings.TrimSpace(display); looksLikeAddress(d) {
		return d
	}
	return ""
}

func looksLikeAddress(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " /()<>,;")
}

// splitTrim splits s on sep and drops empty pieces.
func splitTrim(s, sep string) []string {
	parts := strings.Split(s, sep)
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// edgeByte reports a byte that may belong to white space at the edge of a cell.
func edgeByte(c byte) bool { return c <= ' ' || c >= 0x80 }

func joinSpace(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

// label cleans up a label from the file: Google's "* " mark of the primary value is removed
// (primary reports it) and the common labels are spelled one way. agentbook's own labels are
// kept as written.
func (l *layout) label(s string) (label string, primary bool) {
	s = strings.TrimSpace(s)
	if l.format == FormatAgentbook {
		return s, false
	}
	primary = strings.HasPrefix(s, "*")
	return cleanLabel(strings.TrimSpace(strings.TrimLeft(s, "*"))), primary
}

// cleanLabel spells the common labels one way and keeps others as written.
func cleanLabel(s string) string {
	for _, l := range [...][2]string{{"home", "Home"}, {"work", "Work"}, {"business", "Work"}, {"mobile", "Mobile"},
		{"cell", "Mobile"}, {"other", "Other"}, {"main", "Main"}, {"fax", "Fax"}, {"pager", "Pager"}} {
		if len(s) == len(l[0]) && strings.EqualFold(s, l[0]) {
			return l[1]
		}
	}
	return s
}

// splitName splits a full name: "Last, First Middle" or "First Middle… Last".
func splitName(s string) (first, middle, last string) {
	if i := strings.IndexByte(s, ','); i >= 0 {
		last = strings.TrimSpace(s[:i])
		rest := strings.Fields(s[i+1:])
		if len(rest) > 0 {
			first, middle = rest[0], strings.Join(rest[1:], " ")
		}
		return first, middle, last
	}
	f := strings.Fields(s)
	switch len(f) {
	case 0:
		return "", "", ""
	case 1:
		return f[0], "", ""
	}
	return f[0], strings.Join(f[1:len(f)-1], " "), f[len(f)-1]
}

// parseDate turns the dates contact files write into YYYY-MM-DD: 1985-04-12, 1985/04/12,
// 19850412, 4/12/1985 and 4/12/85 (month first, as Outlook writes), 12.04.1985 (day first).
// A date without a year (Google's --04-12) or Outlook's 0/0/00 gives "". Anything else is
// kept as written for the app to reject.
func parseDate(s string) string {
	if strings.HasPrefix(s, "--") || strings.Trim(s, "0/-. ") == "" {
		return ""
	}
	d := s
	if i := strings.IndexByte(d, ' '); i > 0 {
		d = d[:i] // Outlook may add a time: "4/12/1985 12:00:00 AM"
	}
	for _, layout := range []string{"2006-01-02", "2006/1/2", "20060102", "1/2/2006", "1/2/06", "2.1.2006"} {
		if t, err := time.Parse(layout, d); err == nil {
			return t.Format("2006-01-02")
		}
	}
	return s
}

// parseStatus reads a status cell: active or inactive, "" when it says neither (the app then
// makes the contact active).
func parseStatus(s string) app.ContactStatus {
	switch {
	case oneOf(s, "active", "yes", "true", "1", "y"):
		return app.StatusActive
	case oneOf(s, "inactive", "no", "false", "0", "n", "archived", "retired"):
		return app.StatusInactive
	}
	return ""
}

// parseBool reads yes/no, true/false, 1/0 cells.
func parseBool(s string) bool { return oneOf(s, "yes", "y", "true", "1", "on", "x") }

// oneOf reports whether s is one of words, ignoring case.
func oneOf(s string, words ...string) bool {
	for _, w := range words {
		if len(s) == len(w) && strings.EqualFold(s, w) {
			return true
		}
	}
	return false
}

// fold is a header name reduced for matching: lower case, no accents, letters and digits only.
func fold(s string) string {
	s = app.Fold(s)
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7F && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return -1
	}, s)
}

// splitNum splits a folded name around its first number: "email2address" → "email", 2,
// "address"; n is 0 when there is none.
func splitNum(f string) (prefix string, n int, suffix string) {
	i := strings.IndexAny(f, "0123456789")
	if i < 0 {
		return f, 0, ""
	}
	j := i
	for j < len(f) && f[j] >= '0' && f[j] <= '9' {
		j++
	}
	n, err := strconv.Atoi(f[i:j])
	if err != nil || n > 1000 {
		return f, 0, ""
	}
	return f[:i], n, f[j:]
}

func has(folded []string, f string) bool {
	for _, x := range folded {
		if x == f {
			return true
		}
	}
	return false
}

func hasMatch(folded []string, match func(string) bool) bool {
	for _, x := range folded {
		if match(x) {
			return true
		}
	}
	return false
}
