package app

import (
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// ContactStatus says whether a contact is active (listed, notified) or inactive (kept but retired).
type ContactStatus string

// Contact statuses. StatusAll is only a list filter.
const (
	StatusActive   ContactStatus = "active"
	StatusInactive ContactStatus = "inactive"
	StatusAll      ContactStatus = "all"
)

// Email validity states, set by the verification before mail is sent and by bounces.
const (
	EmailUnknown = "unknown"
	EmailValid   = "valid"
	EmailInvalid = "invalid"
	// EmailNone is the list filter for contacts without an address.
	EmailNone = "none"
)

// Email is one of a contact's addresses. The first in Contact.Emails is the primary.
type Email struct {
	Address string `json:"address"`
	Label   string `json:"label"`
	Primary bool   `json:"primary"`
	Notify  bool   `json:"notify"`
	Status  string `json:"status"`
	Reason  string `json:"reason"`
	// CheckedAt is when Status was last set by a check or a bounce; zero when never checked.
	CheckedAt time.Time `json:"checked_at,omitzero"`
}

// Phone is a labelled phone number, kept as the user typed it.
type Phone struct {
	Number string `json:"number"`
	Label  string `json:"label"`
}

// Address is a labelled mailing address.
type Address struct {
	Label      string `json:"label"`
	Street     string `json:"street"`
	City       string `json:"city"`
	Region     string `json:"region"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

// Contact is a person an agent keeps in touch with. It belongs to exactly one agent (OwnerID).
type Contact struct {
	ID                 string        `json:"id"`
	OwnerID            string        `json:"owner_id"`
	FirstName          string        `json:"first_name"`
	MiddleName         string        `json:"middle_name"`
	LastName           string        `json:"last_name"`
	Company            string        `json:"company"`
	Title              string        `json:"title"`
	Emails             []Email       `json:"emails"`
	Phones             []Phone       `json:"phones"`
	Addresses          []Address     `json:"addresses"`
	GroupIDs           []string      `json:"group_ids"`
	Notes              string        `json:"notes"`
	Birthday           string        `json:"birthday"`
	ReverseProspecting bool          `json:"reverse_prospecting"`
	Status             ContactStatus `json:"status"`
	CreatedAt          time.Time     `json:"created_at"`
	UpdatedAt          time.Time     `json:"updated_at"`
	Version            int64         `json:"version"`
}

// DisplayName is the name shown in lists: "First Middle Last", or the company, or the primary email.
func (c *Contact) DisplayName() string {
	n := strings.Join(nonEmpty(c.FirstName, c.MiddleName, c.LastName), " ")
	switch {
	case n != "":
		return n
	case c.Company != "":
		return c.Company
	case len(c.Emails) > 0:
		return c.Emails[0].Address
	}
	return "(no name)"
}

// EmailStatus sums up the contact's addresses: invalid if any is invalid, else unknown if any is
// unchecked, else valid; EmailNone when the contact has no address.
func (c *Contact) EmailStatus() string {
	st := EmailNone
	for _, e := range c.Emails {
		switch {
		case e.Status == EmailInvalid:
			return EmailInvalid
		case e.Status == EmailValid && st == EmailNone:
			st = EmailValid
		case e.Status != EmailValid:
			st = EmailUnknown
		}
	}
	return st
}

// PrimaryEmail returns the primary address or "".
func (c *Contact) PrimaryEmail() string {
	if len(c.Emails) == 0 {
		return ""
	}
	return c.Emails[0].Address
}

// PrimaryPhone returns the first phone number or "".
func (c *Contact) PrimaryPhone() string {
	if len(c.Phones) == 0 {
		return ""
	}
	return c.Phones[0].Number
}

// City returns the city of the first address or "".
func (c *Contact) City() string {
	if len(c.Addresses) == 0 {
		return ""
	}
	return c.Addresses[0].City
}

// Sort fields accepted by contact lists. Name, created and updated are also kept in order by the
// store; every one is a sort field of the index.
const (
	SortName        = "name"
	SortCreated     = "created"
	SortUpdated     = "updated"
	SortFirstName   = "first_name"
	SortLastName    = "last_name"
	SortEmail       = "email"
	SortCompany     = "company"
	SortTitle       = "title"
	SortCity        = "city"
	SortRegion      = "region"
	SortPostalCode  = "postal_code"
	SortEmailStatus = "email_status"
)

// SortFields lists every sort field, the store-ordered ones first.
func SortFields() []string {
	return []string{SortName, SortCreated, SortUpdated, SortFirstName, SortLastName, SortEmail, SortCompany,
		SortTitle, SortCity, SortRegion, SortPostalCode, SortEmailStatus}
}

// IsSortField reports whether field is one of SortFields.
func IsSortField(field string) bool {
	return slices.Contains(SortFields(), field)
}

// blankLast makes an empty column value sort after every filled one.
const blankLast = "\uffff"

// columnSortValue is the folded value of a column, or blankLast when it is empty.
func columnSortValue(v string) string {
	if v = Fold(strings.TrimSpace(v)); v != "" {
		return v
	}
	return blankLast
}

// Region returns the region of the first address or "".
func (c *Contact) Region() string {
	if len(c.Addresses) == 0 {
		return ""
	}
	return c.Addresses[0].Region
}

// PostalCode returns the postal code of the first address or "".
func (c *Contact) PostalCode() string {
	if len(c.Addresses) == 0 {
		return ""
	}
	return c.Addresses[0].PostalCode
}

// SortValue is the string a contact sorts by for field (one of SortFields). The store's
// ordered keys and every list page use the same value, so a cursor works on any path.
func (c *Contact) SortValue(field string) string {
	switch field {
	case SortCreated:
		return c.ID // ULIDs sort by creation time.
	case SortUpdated:
		return c.UpdatedAt.UTC().Format("20060102T150405.000000000")
	case SortFirstName:
		return columnSortValue(c.FirstName)
	case SortLastName:
		return columnSortValue(c.LastName)
	case SortEmail:
		return columnSortValue(strings.ToLower(c.PrimaryEmail()))
	case SortCompany:
		return columnSortValue(c.Company)
	case SortTitle:
		return columnSortValue(c.Title)
	case SortCity:
		return columnSortValue(c.City())
	case SortRegion:
		return columnSortValue(c.Region())
	case SortPostalCode:
		return columnSortValue(c.PostalCode())
	case SortEmailStatus:
		return emailStatusOrder[c.EmailStatus()]
	}
	key := Fold(strings.Join(nonEmpty(c.LastName, c.FirstName, c.MiddleName), " "))
	if key == "" {
		key = "\uffff" + Fold(c.DisplayName()) // nameless contacts sort after every named one
	}
	return key
}

// Normalize trims every field, lower-cases email domains, fills defaults and sets the Primary
// flags from the order of Emails. It does not validate.
func (c *Contact) Normalize() {
	for _, p := range []*string{&c.FirstName, &c.MiddleName, &c.LastName, &c.Company, &c.Title, &c.Birthday} {
		*p = strings.TrimSpace(*p)
	}
	c.Notes = strings.TrimRight(c.Notes, " \t\r\n")
	if c.Status == "" {
		c.Status = StatusActive
	}
	emails := c.Emails[:0]
	for _, e := range c.Emails {
		e.Address = NormalizeEmail(e.Address)
		e.Label = strings.TrimSpace(e.Label)
		if e.Address == "" && e.Label == "" {
			continue
		}
		if e.Status == "" {
			e.Status = EmailUnknown
		}
		emails = append(emails, e)
	}
	for i := range emails {
		emails[i].Primary = i == 0
		if i == 0 {
			emails[i].Notify = true
		}
	}
	c.Emails = emails
	phones := c.Phones[:0]
	for _, p := range c.Phones {
		p.Number, p.Label = strings.TrimSpace(p.Number), strings.TrimSpace(p.Label)
		if p.Number != "" {
			phones = append(phones, p)
		}
	}
	c.Phones = phones
	addrs := c.Addresses[:0]
	for _, a := range c.Addresses {
		for _, p := range []*string{&a.Label, &a.Street, &a.City, &a.Region, &a.PostalCode, &a.Country} {
			*p = strings.TrimSpace(*p)
		}
		if a.Street+a.City+a.Region+a.PostalCode+a.Country != "" {
			addrs = append(addrs, a)
		}
	}
	c.Addresses = addrs
}

// Validate checks a normalized contact and returns EINVALID with field errors keyed by input name.
func (c *Contact) Validate() error {
	fe := FieldErrors{}
	// Someone known only by an address (many address books hold them) is a contact too.
	if c.FirstName == "" && c.LastName == "" && c.Company == "" && (len(c.Emails) == 0 || EmailSyntaxError(c.Emails[0].Address) != "") {
		fe.Add("first_name", "Enter a first name, a last name, a company or an email address.")
	}
	for name, v := range map[string]string{"first_name": c.FirstName, "middle_name": c.MiddleName,
		"last_name": c.LastName, "company": c.Company, "title": c.Title} {
		if len([]rune(v)) > 200 {
			fe.Add(name, "Use at most 200 characters.")
		}
	}
	seen := map[string]int{}
	for i, e := range c.Emails {
		field := "emails[" + itoa(i) + "].address"
		if msg := EmailSyntaxError(e.Address); msg != "" {
			fe.Add(field, msg)
			continue
		}
		key := strings.ToLower(e.Address)
		if j, ok := seen[key]; ok {
			fe.Add(field, "This address is already listed as email "+itoa(j+1)+".")
		}
		seen[key] = i
	}
	for i, p := range c.Phones {
		if d := Digits(p.Number); len(d) < 3 || len(d) > 20 {
			fe.Add("phones["+itoa(i)+"].number", "Enter a phone number with 3 to 20 digits.")
		}
	}
	if c.Birthday != "" {
		if _, err := time.Parse("2006-01-02", c.Birthday); err != nil {
			fe.Add("birthday", "Use the form YYYY-MM-DD.")
		}
	}
	if c.Status != StatusActive && c.Status != StatusInactive {
		fe.Add("status", "Status must be active or inactive.")
	}
	if len(c.Notes) > 20000 {
		fe.Add("notes", "Notes are limited to 20,000 characters.")
	}
	return fe.Err()
}

// NormalizeEmail trims an address and lower-cases its domain.
func NormalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		s = s[:at] + strings.ToLower(s[at:])
	}
	return s
}

// EmailKey is the case-insensitive form used to find contacts by address.
func EmailKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// EmailSyntaxError returns a user-facing message when s is not an address that mail providers
// accept from users, or "". The rules are the practical subset of RFC 5321/5322 (with RFC 6531
// internationalised addresses): a dot-atom local part of at most 64 octets, in which letters of
// any script are allowed; a domain of at least two labels of letters, digits and hyphens, each at
// most 63 octets in its ASCII form, ending in a top-level domain of two or more characters that
// are not all digits; at most 254 octets in all. Quoted local parts, IP-address domains, display
// names and lists of addresses are refused.
func EmailSyntaxError(s string) string {
	if s == "" {
		return "Enter an email address."
	}
	switch {
	case strings.ContainsAny(s, "<>"):
		return "Enter just the address, without a name or angle brackets, like name@example.com."
	case strings.ContainsRune(s, '"'):
		return "Quotation marks can't be used in an email address."
	case strings.ContainsRune(s, ','):
		return "Enter one address only; this one has a comma."
	case strings.ContainsRune(s, ';'):
		return "Enter one address only; this one has a semicolon."
	case strings.IndexFunc(s, unicode.IsSpace) >= 0:
		return "There is a space in this address."
	case len(s) > 254:
		return "An email address has at most 254 characters."
	}
	at := strings.LastIndexByte(s, '@')
	switch {
	case at < 0:
		return "Enter an email address like name@example.com."
	case strings.Count(s, "@") > 1:
		return "An email address has only one @."
	case at == 0:
		return "Add the part before the @, like name@example.com."
	case at == len(s)-1:
		return "Add the domain after the @, like name@example.com."
	}
	local, domain := s[:at], s[at+1:]

	if len(local) > 64 {
		return "The part before the @ has at most 64 characters."
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return "The part before the @ can't start or end with a dot or have two dots in a row."
	}
	for _, r := range local {
		switch {
		case r < 0x80 && (isAlnumASCII(r) || r == '.' || strings.ContainsRune("!#$%&'*+/=?^_`{|}~-", r)):
		case r >= 0x80 && r != unicode.ReplacementChar && (unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)):
		case unicode.IsGraphic(r) && r != unicode.ReplacementChar:
			return `The part before the @ can't contain "` + string(r) + `".`
		default:
			return "The part before the @ has a character that can't be used in an email address."
		}
	}

	if strings.HasPrefix(domain, "[") || isIPAddress(domain) {
		return "Use a domain name after the @, not an IP address."
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "The domain after the @ needs a dot, like example.com."
	}
	for _, l := range labels {
		if l == "" {
			return "The domain can't start or end with a dot or have two dots in a row."
		}
		for _, r := range l {
			switch {
			case r < 0x80 && (isAlnumASCII(r) || r == '-'):
			case r >= 0x80 && r != unicode.ReplacementChar && (unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)):
			case unicode.IsGraphic(r) && r != unicode.ReplacementChar:
				return `The domain can't contain "` + string(r) + `".`
			default:
				return "The domain has a character that can't be used in a domain name."
			}
		}
		if strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return "A part of the domain can't start or end with a hyphen."
		}
	}
	if tld := labels[len(labels)-1]; len([]rune(tld)) < 2 || strings.Trim(tld, "0123456789") == "" {
		return "The domain must end in a top-level domain like .com."
	}
	ascii, err := domainToASCII(domain)
	if err != nil {
		return msgBadIDN
	}
	if len(ascii) > 253 {
		return "The domain has at most 253 characters."
	}
	for _, l := range strings.Split(ascii, ".") {
		if len(l) > 63 {
			return "Each part of the domain has at most 63 characters."
		}
	}
	return ""
}

// Digits returns only the ASCII digits of s ("+1 (415) 555-0100" → "14155550100").
func Digits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// Fold lower-cases s and removes diacritics ("José Ñúñez" → "jose nunez") so that sorting and
// prefix search treat accented and plain letters alike.
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	t := foldChains.Get().(transform.Transformer)
	out, _, err := transform.String(t, s) // resets t first
	foldChains.Put(t)
	if err != nil {
		out = s
	}
	return foldLetters.Replace(strings.ToLower(out))
}

// foldChains keeps Fold's transformers: a chain allocates about 10 KB of buffers, and one
// cannot be shared between goroutines.
var foldChains = sync.Pool{New: func() any {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

// foldLetters spells the letters that Unicode does not decompose into a base letter and a mark.
var foldLetters = strings.NewReplacer("ø", "o", "ł", "l", "ß", "ss", "æ", "ae", "œ", "oe", "đ", "d",
	"ð", "d", "þ", "th", "ı", "i", "ħ", "h")

func nonEmpty(ss ...string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
