package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"agentbook/app"

	"github.com/dgraph-io/badger/v4"
)

// Contacts are stored in a compact binary form: a list page decodes 50 of them per request, and
// encoding/json spent about 30 µs on each. The first byte is the format version; a record that
// starts with '{' is JSON (the first format) and is still read, and so is format 1 (before
// emails carried the time they were checked).
const contactFormat = 2

func encodeContact(c *app.Contact) []byte {
	b := make([]byte, 0, 256)
	b = append(b, contactFormat)
	str := func(s string) { b = binary.AppendUvarint(b, uint64(len(s))); b = append(b, s...) }
	flag := func(v bool) {
		if v {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	for _, s := range []string{c.ID, c.OwnerID, c.FirstName, c.MiddleName, c.LastName, c.Company, c.Title,
		c.Notes, c.Birthday, string(c.Status)} {
		str(s)
	}
	flag(c.ReverseProspecting)
	b = binary.AppendVarint(b, c.CreatedAt.UnixNano())
	b = binary.AppendVarint(b, c.UpdatedAt.UnixNano())
	b = binary.AppendVarint(b, c.Version)
	b = binary.AppendUvarint(b, uint64(len(c.Emails)))
	for _, e := range c.Emails {
		str(e.Address)
		str(e.Label)
		flag(e.Primary)
		flag(e.Notify)
		str(e.Status)
		str(e.Reason)
		b = binary.AppendVarint(b, unixNano(e.CheckedAt))
	}
	b = binary.AppendUvarint(b, uint64(len(c.Phones)))
	for _, p := range c.Phones {
		str(p.Number)
		str(p.Label)
	}
	b = binary.AppendUvarint(b, uint64(len(c.Addresses)))
	for _, a := range c.Addresses {
		for _, s := range []string{a.Label, a.Street, a.City, a.Region, a.PostalCode, a.Country} {
			str(s)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(c.GroupIDs)))
	for _, g := range c.GroupIDs {
		str(g)
	}
	return b
}

// unixNano keeps the zero time as 0, so that it decodes as the zero time again.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

var errCorrupt = errors.New("corrupt contact record")

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errCorrupt
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) flag() bool {
	if d.err != nil || len(d.b) == 0 {
		d.err = errCorrupt
		return false
	}
	v := d.b[0] == 1
	d.b = d.b[1:]
	return v
}

// count reads a slice length, refusing lengths the remaining bytes cannot hold.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = errCorrupt
		return 0
	}
	return int(n)
}

func decodeContact(b []byte, c *app.Contact) error {
	if len(b) == 0 {
		return errCorrupt
	}
	if b[0] == '{' {
		return json.Unmarshal(b, c)
	}
	format := b[0]
	if format != 1 && format != contactFormat {
		return fmt.Errorf("contact record format %d is newer than this agentbook", b[0])
	}
	d := &decoder{b: b[1:]}
	c.ID, c.OwnerID, c.FirstName, c.MiddleName, c.LastName = d.str(), d.str(), d.str(), d.str(), d.str()
	c.Company, c.Title, c.Notes, c.Birthday, c.Status = d.str(), d.str(), d.str(), d.str(), app.ContactStatus(d.str())
	c.ReverseProspecting = d.flag()
	c.CreatedAt = time.Unix(0, d.varint()).UTC()
	c.UpdatedAt = time.Unix(0, d.varint()).UTC()
	c.Version = d.varint()
	c.Emails = nil
	for i, n := 0, d.count(); i < n && d.err == nil; i++ {
		e := app.Email{Address: d.str(), Label: d.str(), Primary: d.flag(), Notify: d.flag()}
		e.Status, e.Reason = d.str(), d.str()
		if format >= 2 {
			e.CheckedAt = fromUnixNano(d.varint())
		}
		c.Emails = append(c.Emails, e)
	}
	c.Phones = nil
	for i, n := 0, d.count(); i < n && d.err == nil; i++ {
		c.Phones = append(c.Phones, app.Phone{Number: d.str(), Label: d.str()})
	}
	c.Addresses = nil
	for i, n := 0, d.count(); i < n && d.err == nil; i++ {
		c.Addresses = append(c.Addresses, app.Address{Label: d.str(), Street: d.str(), City: d.str(),
			Region: d.str(), PostalCode: d.str(), Country: d.str()})
	}
	c.GroupIDs = nil
	for i, n := 0, d.count(); i < n && d.err == nil; i++ {
		c.GroupIDs = append(c.GroupIDs, d.str())
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	return d.err
}

func getContact(txn *badger.Txn, id string, c *app.Contact) error {
	item, err := txn.Get([]byte(pContact + id))
	if err != nil {
		return err
	}
	return item.Value(func(b []byte) error { return decodeContact(b, c) })
}
