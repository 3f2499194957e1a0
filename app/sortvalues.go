package app

import (
	"encoding/binary"
	"slices"
)

// PackedSortFields are the list's sort fields whose values the store keeps in memory with each
// contact's search terms (PackSortValues), so that a few thousand matches are put in any
// column's order, and a list is filtered by email status, without reading each record (10–15 µs
// apiece from Badger). Name is the store's order key itself, and created is the ID.
var PackedSortFields = []string{SortUpdated, SortFirstName, SortLastName, SortEmail, SortCompany,
	SortTitle, SortCity, SortRegion, SortPostalCode, SortEmailStatus}

// PackSortValues encodes the contact's values of PackedSortFields: each its length and bytes.
func PackSortValues(c *Contact) []byte {
	var b []byte
	for _, f := range PackedSortFields {
		v := c.SortValue(f)
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	return b
}

// PackedSortValue returns a field's value from PackSortValues' encoding; false when the field is
// not kept there or the encoding is cut short.
func PackedSortValue(sorts []byte, field string) (string, bool) {
	v, ok := PackedSortAt(sorts, slices.Index(PackedSortFields, field))
	return string(v), ok
}

// PackedSortAt returns the value of PackedSortFields[i] from PackSortValues' encoding, in place;
// false when i is out of range or the encoding is cut short.
func PackedSortAt(sorts []byte, i int) ([]byte, bool) {
	if i < 0 || len(sorts) == 0 {
		return nil, false
	}
	for ; ; i-- {
		if len(sorts) > 0 && sorts[0] < 0x80 { // a length under 128, the usual case
			n := int(sorts[0])
			if len(sorts)-1 < n {
				return nil, false
			}
			if i == 0 {
				return sorts[1 : 1+n], true
			}
			sorts = sorts[1+n:]
			continue
		}
		n, w := binary.Uvarint(sorts)
		if w <= 0 || uint64(len(sorts)-w) < n {
			return nil, false
		}
		if i == 0 {
			return sorts[w : w+int(n)], true
		}
		sorts = sorts[w+int(n):]
	}
}

// emailStatusOrder is the email-status column's sort value of each status: invalid first, the
// addresses that need the agent's attention.
var emailStatusOrder = map[string]string{EmailInvalid: "0", EmailUnknown: "1", EmailValid: "2", EmailNone: "3"}
