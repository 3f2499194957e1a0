package imports

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"agentbook/app"
)

// Listing columns, as ReadListings recognises them from a header.
const (
	listingAddress = iota
	listingCity
	listingPostalCode
	listingPrice
	listingBeds
	listingBaths
	listingType
	listingArea
	listingStatus
	listingAgent
	listingColumns // how many there are
)

// listingHeaders gives the folded header names of each listing column, the preferred first:
// when a file has two columns for one field, the one named earlier here is read. The names
// cover spreadsheets and the RESO field names of MLS exports.
var listingHeaders = [listingColumns][]string{
	listingAddress:    {"address", "streetaddress", "propertyaddress", "street", "unparsedaddress", "fulladdress"},
	listingCity:       {"city", "town"},
	listingPostalCode: {"zip", "zipcode", "postalcode", "postcode"},
	listingPrice:      {"price", "listprice", "askingprice", "listingprice"},
	listingBeds:       {"beds", "bedrooms", "br", "bedroomstotal"},
	listingBaths:      {"baths", "bathrooms", "ba", "bathroomstotal", "bathroomstotalinteger"},
	// An MLS's Property Type is a class such as "Residential"; its sub-type names the home.
	listingType:   {"propertysubtype", "type", "propertytype", "hometype"},
	listingArea:   {"sqft", "squarefeet", "livingarea", "area", "squarefootage"},
	listingStatus: {"status", "standardstatus", "listingstatus"},
	listingAgent:  {"agentemail", "listingagentemail", "listagentemail", "agent", "listingagent"},
}

// propertyTypeWords maps the folded words files use for a property type to app's types.
var propertyTypeWords = map[string]string{
	"house": app.PropertyHouse, "singlefamily": app.PropertyHouse, "singlefamilyresidence": app.PropertyHouse,
	"singlefamilyhome": app.PropertyHouse, "sfr": app.PropertyHouse, "sfh": app.PropertyHouse, "detached": app.PropertyHouse,
	"condo": app.PropertyCondo, "condominium": app.PropertyCondo, "apartment": app.PropertyCondo, "apt": app.PropertyCondo,
	"townhouse": app.PropertyTownhouse, "townhome": app.PropertyTownhouse, "rowhouse": app.PropertyTownhouse,
	"land": app.PropertyLand, "lot": app.PropertyLand, "vacantland": app.PropertyLand, "lotsland": app.PropertyLand,
	"multifamily": app.PropertyMultiFamily, "duplex": app.PropertyMultiFamily, "triplex": app.PropertyMultiFamily,
	"fourplex": app.PropertyMultiFamily, "quadruplex": app.PropertyMultiFamily,
}

// listingStatusWords maps the folded words files use for a status to app's statuses.
var listingStatusWords = map[string]string{
	"": app.ListingActive, "active": app.ListingActive, "forsale": app.ListingActive, "new": app.ListingActive,
	"pending": app.ListingPending, "undercontract": app.ListingPending, "activeundercontract": app.ListingPending, "contingent": app.ListingPending,
	"sold": app.ListingSold, "closed": app.ListingSold,
}

// ReadListings reads a CSV of listings, calling fn for each data row with the listing it
// describes (ID, AgentID and times left empty; Status "active" when the file gives none), the
// listing agent's email as written ("" when the file has no agent column or the cell is
// empty), and a problem that keeps the row from being imported ("" when there is none: the
// listing may still fail app's validation). row is the file line the row starts on, the header
// being line 1. delimiter is 0 to detect it.
//
// A file that cannot be read as listings (empty, binary, a vCard, no Address column, an
// unclosed quote) gives a *FileError; rows before it were already passed to fn. An error from
// fn stops the reading and is returned as is.
func ReadListings(r io.Reader, delimiter rune, fn func(row int, l *app.Listing, agentEmail string, problem string) error) error {
	rd, err := NewReader(r, Options{Delimiter: delimiter, Mapping: []string{}})
	if err != nil {
		return err
	}
	if rd.Format() == FormatVCard {
		return &FileError{Message: "This is a vCard file of contacts; listings are imported from a CSV file."}
	}
	cols := listingLayout(rd.Header())
	if cols[listingAddress] < 0 {
		return &FileError{Message: "The file has no Address column; its first row should name the columns, such as Address, City, Zip, Price, Beds, Baths, Type, Sq Ft, Status and Agent Email."}
	}
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		var fe *FileError
		if errors.As(err, &fe) {
			return err
		}
		if err != nil {
			return fmt.Errorf("imports: read listings: %w", err)
		}
		l, agent, problem := listingOf(cols, rec.Raw)
		if rec.Err != "" {
			problem = rec.Err
		}
		if err := fn(rec.Row, l, agent, problem); err != nil {
			return err
		}
	}
}

// listingLayout finds the column of each listing field in a header: -1 when there is none.
func listingLayout(header []string) [listingColumns]int {
	var cols [listingColumns]int
	folded := make([]string, len(header))
	for i, h := range header {
		folded[i] = fold(h)
	}
	for f, names := range listingHeaders {
		cols[f] = -1
	names:
		for _, name := range names {
			for i, h := range folded {
				if h == name {
					cols[f] = i
					break names
				}
			}
		}
	}
	return cols
}

// listingOf reads one row's cells. The problem is the first cell that cannot be read.
func listingOf(cols [listingColumns]int, cells []string) (l *app.Listing, agent, problem string) {
	cell := func(f int) string {
		if i := cols[f]; i >= 0 && i < len(cells) {
			return strings.TrimSpace(cells[i])
		}
		return ""
	}
	var problems []string
	number := func(f int, what string) float64 {
		v := strings.NewReplacer("$", "", ",", "", " ", "", "\u00a0", "").Replace(cell(f))
		if v == "" {
			return 0
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) || math.Abs(n) > 1e15 {
			problems = append(problems, fmt.Sprintf("The %s %q is not a number.", what, cell(f)))
			return 0
		}
		return n
	}
	l = &app.Listing{Address: cell(listingAddress), City: cell(listingCity), PostalCode: cell(listingPostalCode)}
	l.Price = int64(math.Round(number(listingPrice, "price")))
	l.Beds = int(math.Round(number(listingBeds, "number of bedrooms")))
	l.Baths = number(listingBaths, "number of bathrooms")
	l.Area = int(math.Round(number(listingArea, "living area")))
	if v := cell(listingType); v != "" {
		t, ok := propertyTypeWords[fold(v)]
		if !ok {
			problems = append(problems, fmt.Sprintf("The property type %q is not one agentbook knows; use %s.", v, strings.Join(app.PropertyTypes(), ", ")))
		}
		l.PropertyType = t
	}
	st, ok := listingStatusWords[fold(cell(listingStatus))]
	if !ok {
		problems = append(problems, fmt.Sprintf("The status %q is not active, pending or sold.", cell(listingStatus)))
	}
	l.Status = st
	if len(problems) > 0 {
		problem = problems[0]
	}
	return l, cell(listingAgent), problem
}
