// Package imports reads the contact files agents bring (Google Contacts, Outlook and generic CSV,
// agentbook's own export, vCard 2.1/3.0/4.0) and writes agentbook's exports (CSV and vCard 3.0).
// It turns bytes into app.Contact values and back; deciding what to do with them (duplicates,
// storing, undo) is app.ImportService's work.
package imports

import (
	"fmt"

	"agentbook/app"
)

// Format names a recognised file layout.
type Format string

// The layouts NewReader recognises.
const (
	FormatGoogle       Format = "google"        // Google Contacts CSV, "Label"/"Value" columns
	FormatGoogleLegacy Format = "google-legacy" // Google Contacts CSV, "Type"/"Value" columns
	FormatOutlook      Format = "outlook"       // Outlook.com or Outlook desktop CSV
	FormatAgentbook    Format = "agentbook"     // agentbook's own CSV export
	FormatGeneric      Format = "generic"       // a CSV whose headers are recognised one by one
	FormatMapped       Format = "mapped"        // a CSV read with Options.Mapping
	FormatVCard        Format = "vcard"
)

// Fields a CSV column can be mapped to (Options.Mapping, Reader.Mapping). Several columns may
// map to email, phone or groups; each adds a value.
const (
	FieldIgnore     = ""
	FieldFirstName  = "first_name"
	FieldMiddleName = "middle_name"
	FieldLastName   = "last_name"
	FieldFullName   = "full_name" // split into first, middle and last
	FieldCompany    = "company"
	FieldTitle      = "title"
	FieldEmail      = "email"
	FieldPhone      = "phone"
	FieldMobile     = "mobile_phone"
	FieldHomePhone  = "home_phone"
	FieldWorkPhone  = "work_phone"
	FieldStreet     = "street"
	FieldCity       = "city"
	FieldRegion     = "region"
	FieldPostalCode = "postal_code"
	FieldCountry    = "country"
	FieldGroups     = "groups" // names separated by ";", "," or " ::: "
	FieldNotes      = "notes"
	FieldBirthday   = "birthday"
	FieldStatus     = "status" // active or inactive
)

// MappableFields lists the fields of a mapping screen, in the order it offers them, with labels.
func MappableFields() [][2]string {
	return [][2]string{
		{FieldIgnore, "Ignore this column"},
		{FieldFirstName, "First name"}, {FieldMiddleName, "Middle name"}, {FieldLastName, "Last name"},
		{FieldFullName, "Full name"}, {FieldCompany, "Company"}, {FieldTitle, "Title"},
		{FieldEmail, "Email"}, {FieldPhone, "Phone"}, {FieldMobile, "Mobile phone"},
		{FieldHomePhone, "Home phone"}, {FieldWorkPhone, "Work phone"},
		{FieldStreet, "Street"}, {FieldCity, "City"}, {FieldRegion, "Region / state"},
		{FieldPostalCode, "Postal code"}, {FieldCountry, "Country"},
		{FieldGroups, "Groups"}, {FieldNotes, "Notes"}, {FieldBirthday, "Birthday"}, {FieldStatus, "Status"},
	}
}

// MaxCell is the most characters one CSV cell or vCard value may hold.
const MaxCell = 20000

// Options tell NewReader how to read a file.
type Options struct {
	// Delimiter separates CSV cells; 0 detects it (comma, tab, semicolon or pipe).
	Delimiter rune
	// Mapping gives the field (Field…) of each CSV column, replacing header recognition; nil
	// recognises the header.
	Mapping []string
}

// Record is one contact read from a file.
type Record struct {
	// Row is the file line the record starts on (the header is line 1 of a CSV); for a vCard,
	// the line of its BEGIN:VCARD.
	Row int
	// Contact holds what the file says: names, company, title, emails (the primary first),
	// phones, addresses, notes, birthday, status and reverse prospecting. ID, OwnerID, GroupIDs,
	// times and version are left empty; nothing is normalised or validated.
	Contact app.Contact
	// Groups are the group names the file gives the contact, as written.
	Groups []string
	// Raw is the row's cells as read (CSV) or the card's unfolded lines (vCard), for the file
	// of failed rows.
	Raw []string
	// Err says why the row cannot be imported although the file can (a ragged row, a cell over
	// MaxCell, a card without END:VCARD); "" when it can.
	Err string
}

// FileError is a problem with the whole file (empty, binary, no usable header, an unclosed
// quote): nothing in it should be imported. Row is the line it was found on, 0 when none.
type FileError struct {
	Row     int
	Message string
}

func (e *FileError) Error() string {
	if e.Row > 0 {
		return fmt.Sprintf("Row %d: %s", e.Row, e.Message)
	}
	return e.Message
}

// Contacts calls fn for each contact of an export, in the order they are written; an export
// calls it twice (once to size its numbered columns, once to write), and it must give the same
// contacts both times.
type Contacts func(fn func(*app.Contact) error) error

// GroupNames maps a group ID to its name, for exports.
type GroupNames map[string]string
