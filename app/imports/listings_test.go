package imports

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"agentbook/app"
)

// readListing is what ReadListings passed for one row.
type readListing struct {
	Row     int
	Listing app.Listing
	Agent   string
	Problem string
}

func readListings(t *testing.T, file string, delim rune) ([]readListing, error) {
	t.Helper()
	var got []readListing
	err := ReadListings(strings.NewReader(file), delim, func(row int, l *app.Listing, agent, problem string) error {
		got = append(got, readListing{Row: row, Listing: *l, Agent: agent, Problem: problem})
		return nil
	})
	return got, err
}

func TestReadListings(t *testing.T) {
	for _, tc := range []struct {
		name  string
		file  string
		delim rune
		want  []readListing
	}{
		{
			name: "a spreadsheet's columns are read whatever their case and punctuation",
			file: "Street Address,town,ZIP-code,Asking Price,BR,BA,Property Type,Sq. Ft.,Status,Listing Agent\n" +
				"12 Elm St,Springfield,62701,\"$450,000\",3,2.5,Single Family,\"1,850\",For Sale,b@example.com\n",
			want: []readListing{{Row: 2, Agent: "b@example.com", Listing: app.Listing{Address: "12 Elm St", City: "Springfield",
				PostalCode: "62701", Price: 450000, Beds: 3, Baths: 2.5, PropertyType: app.PropertyHouse, Area: 1850, Status: app.ListingActive}}},
		},
		{
			name: "an MLS export is read by its RESO names, the sub-type naming the home",
			file: "MLS #,Standard Status,List Price,Unparsed Address,City,Postal Code,Property Type,Property Sub Type,Bedrooms Total,Bathrooms Total,Living Area,List Agent Email\n" +
				"A1001,Active Under Contract,525000.49,4 Oak Ave,Shelbyville,62565,Residential,Townhouse,2,1.5,1200,c@example.com\n" +
				"A1002,Closed,99999.5,Lot 7 River Rd,Shelbyville,,Land,Vacant Land,,,,\n",
			want: []readListing{
				{Row: 2, Agent: "c@example.com", Listing: app.Listing{Address: "4 Oak Ave", City: "Shelbyville", PostalCode: "62565",
					Price: 525000, Beds: 2, Baths: 1.5, PropertyType: app.PropertyTownhouse, Area: 1200, Status: app.ListingPending}},
				{Row: 3, Listing: app.Listing{Address: "Lot 7 River Rd", City: "Shelbyville", Price: 100000,
					PropertyType: app.PropertyLand, Status: app.ListingSold}},
			},
		},
		{
			name: "common words for property types and statuses are understood",
			file: "Address;Zip;Price;Type;Status\n" +
				"1 A St;1;1;SFR;\n2 B St;1;1;Condominium;Pending\n3 C St;1;1;Apartment;under contract\n" +
				"4 D St;1;1;Row House;sold\n5 E St;1;1;Duplex;closed\n6 F St;1;1;multi-family;active\n7 G St;1;1;lot;\n",
			delim: ';',
			want: []readListing{
				{Row: 2, Listing: app.Listing{Address: "1 A St", PostalCode: "1", Price: 1, PropertyType: app.PropertyHouse, Status: app.ListingActive}},
				{Row: 3, Listing: app.Listing{Address: "2 B St", PostalCode: "1", Price: 1, PropertyType: app.PropertyCondo, Status: app.ListingPending}},
				{Row: 4, Listing: app.Listing{Address: "3 C St", PostalCode: "1", Price: 1, PropertyType: app.PropertyCondo, Status: app.ListingPending}},
				{Row: 5, Listing: app.Listing{Address: "4 D St", PostalCode: "1", Price: 1, PropertyType: app.PropertyTownhouse, Status: app.ListingSold}},
				{Row: 6, Listing: app.Listing{Address: "5 E St", PostalCode: "1", Price: 1, PropertyType: app.PropertyMultiFamily, Status: app.ListingSold}},
				{Row: 7, Listing: app.Listing{Address: "6 F St", PostalCode: "1", Price: 1, PropertyType: app.PropertyMultiFamily, Status: app.ListingActive}},
				{Row: 8, Listing: app.Listing{Address: "7 G St", PostalCode: "1", Price: 1, PropertyType: app.PropertyLand, Status: app.ListingActive}},
			},
		},
		{
			name: "a bad price, an unknown type and an unknown status are row problems and reading goes on",
			file: "Address,City,Price,Type,Status\n" +
				"1 A St,Springfield,call us,house,\n2 B St,Springfield,200000,castle,\n3 C St,Springfield,300000,condo,withdrawn\n4 D St,Springfield,400000,house,\n",
			want: []readListing{
				{Row: 2, Problem: `The price "call us" is not a number.`, Listing: app.Listing{Address: "1 A St", City: "Springfield",
					PropertyType: app.PropertyHouse, Status: app.ListingActive}},
				{Row: 3, Problem: `The property type "castle" is not one agentbook knows; use house, condo, townhouse, land, multi-family.`,
					Listing: app.Listing{Address: "2 B St", City: "Springfield", Price: 200000, Status: app.ListingActive}},
				{Row: 4, Problem: `The status "withdrawn" is not active, pending or sold.`,
					Listing: app.Listing{Address: "3 C St", City: "Springfield", Price: 300000, PropertyType: app.PropertyCondo}},
				{Row: 5, Listing: app.Listing{Address: "4 D St", City: "Springfield", Price: 400000, PropertyType: app.PropertyHouse, Status: app.ListingActive}},
			},
		},
		{
			name: "a ragged row is a row problem and a short row reads its missing cells as empty",
			file: "Address,City,Price\n1 A St,Springfield,100000,extra\n2 B St\n\n3 C St,Springfield,300000\n",
			want: []readListing{
				{Row: 2, Problem: "Row 2 has 4 cells; the header has 3.", Listing: app.Listing{Address: "1 A St", City: "Springfield", Price: 100000, Status: app.ListingActive}},
				{Row: 3, Listing: app.Listing{Address: "2 B St", Status: app.ListingActive}},
				{Row: 5, Listing: app.Listing{Address: "3 C St", City: "Springfield", Price: 300000, Status: app.ListingActive}},
			},
		},
		{
			name: "a contact-looking header is not read as contacts",
			file: "Name,Email,Address,City,Price\nAna Silva,ana@example.com,1 A St,Springfield,100000\n",
			want: []readListing{{Row: 2, Listing: app.Listing{Address: "1 A St", City: "Springfield", Price: 100000, Status: app.ListingActive}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readListings(t, tc.file, tc.delim)
			if err != nil {
				t.Fatalf("ReadListings: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func TestReadListingsRefusesFiles(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       string
		rowsBefore int
	}{
		{name: "an empty file is refused", file: "", want: "empty"},
		{name: "a binary file is refused", file: "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", want: "binary"},
		{name: "a header without an Address column is refused", file: "City,Price\nSpringfield,100000\n", want: "no Address column"},
		{name: "a vCard is refused", file: "BEGIN:VCARD\nVERSION:3.0\nFN:Ana\nEND:VCARD\n", want: "vCard"},
		{name: "an unclosed quote stops the reading after the rows before it", file: "Address,Price\n1 A St,100\n\"2 B St,200\n3 C St,300\n",
			want: "never closed", rowsBefore: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readListings(t, tc.file, 0)
			var fe *FileError
			if !errors.As(err, &fe) || !strings.Contains(fe.Error(), tc.want) {
				t.Fatalf("error = %v (%T), want a *FileError saying %q", err, err, tc.want)
			}
			if len(got) != tc.rowsBefore {
				t.Errorf("rows before the error = %d, want %d", len(got), tc.rowsBefore)
			}
		})
	}
}

func TestReadListingsStopsWhenTheCallbackFails(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := ReadListings(strings.NewReader("Address\n1 A St\n2 B St\n3 C St\n"), 0, func(int, *app.Listing, string, string) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 {
		t.Errorf("err = %v after %d rows, want stop after 2", err, n)
	}
}
