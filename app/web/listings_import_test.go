package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"agentbook/app"
)

// uploadTo posts a file to an upload form at path as the browser does (the token in the URL).
func uploadTo(t testing.TB, b *browser, path, name string, file []byte, fields map[string]string) *page {
	t.Helper()
	body, ct := multipartBody(t, fields, name, file)
	return b.do(t, http.MethodPost, path+"?_csrf="+url.QueryEscape(b.token(t)), body, hdr("Content-Type", ct))
}

// listingsCSV has three good rows (one listed by Agent B), a bad price and an unknown agent.
const listingsCSV = "Street Address,City,Zip,List Price,Beds,Baths,Property Type,Sq Ft,Status,Agent Email\n" +
	"12 Elm St,Springfield,62701,\"$450,000\",3,2.5,Single Family,1850,Active,\n" +
	"4 Oak Ave,Springfield,62702,310000,2,1,Condo,950,For Sale,b@example.com\n" +
	"9 Pine Rd,Shelbyville,62565,275000,3,2,Townhome,1400,Pending,\n" +
	"1 Bad Price Ln,Springfield,62701,call us,3,2,house,1500,active,\n" +
	"2 Nobody Ct,Springfield,62701,500000,4,3,house,2200,active,nobody@example.com\n"

func TestListingImport(t *testing.T) {
	h := newHarness(t)
	a := h.agent(t, "Agent A", "a@example.com", false)
	h.agent(t, "Agent B", "b@example.com", false)
	ann := h.contact(t, a, "Ann", "Buyer", "ann@example.com")
	ctx := context.Background()
	// Ann wants a 3-bed Springfield house: only 12 Elm St matches.
	if _, err := h.listings.SaveSearch(ctx, a.ID, &app.SavedSearch{Name: "Springfield house", Cities: []string{"Springfield"},
		BedsMin: 3, PropertyTypes: []string{app.PropertyHouse}, Schedule: app.ScheduleASAP, ContactIDs: []string{ann.ID}}); err != nil {
		t.Fatal(err)
	}
	b := h.loggedIn(t, "a@example.com")

	list := b.get(t, "/listings")
	if href, _ := list.one("#listing-import").Attr("href"); href != "/listings/import" {
		t.Errorf("Import listings links to %q", href)
	}
	form := b.get(t, "/listings/import")
	form.wantStatus(http.StatusOK)
	action, _ := form.one("#listing-import-form").Attr("action")
	if !strings.HasPrefix(action, "/listings/import?_csrf=") || form.find("#listing-import-file[type=file]").Length() != 1 ||
		form.find("#import-delimiter").Length() != 1 {
		t.Fatalf("upload form: action %q\n%s", action, form.body)
	}

	res := uploadTo(t, b, "/listings/import", "listings.csv", []byte(listingsCSV), nil)
	res.wantStatus(http.StatusOK)
	if got := res.text("#listing-import-summary"); !strings.Contains(got, "3 listings created.") ||
		!strings.Contains(got, "Notification emails queued: 1.") || !strings.Contains(got, "2 rows failed.") {
		t.Errorf("summary = %q", got)
	}
	failed := res.find("#listing-import-failed tbody tr")
	if failed.Length() != 2 {
		t.Fatalf("failed rows: %d\n%s", failed.Length(), res.text("#listing-import-failed"))
	}
	for i, want := range [][3]string{
		{"5", "1 Bad Price Ln", `The price "call us" is not a number.`},
		{"6", "2 Nobody Ct", "No agent with email nobody@example.com."},
	} {
		cells := failed.Eq(i).Find("td")
		for j := range want {
			if got := strings.TrimSpace(cells.Eq(j).Text()); got != want[j] {
				t.Errorf("failed row %d cell %d = %q, want %q", i, j, got, want[j])
			}
		}
	}

	ls, err := h.listings.AllListings(ctx)
	if err != nil || len(ls) != 3 {
		t.Fatalf("stored listings: %d, %v", len(ls), err)
	}
	agentOf := map[string]string{}
	for _, l := range ls {
		agentOf[l.Address] = l.AgentID
		if l.CreatedBy != a.ID {
			t.Errorf("%s created by %q, want the uploader", l.Address, l.CreatedBy)
		}
	}
	b2, _ := h.accounts.UserByEmail(ctx, "b@example.com")
	if agentOf["12 Elm St"] != a.ID || agentOf["4 Oak Ave"] != b2.ID || agentOf["9 Pine Rd"] != a.ID {
		t.Errorf("listing agents = %v", agentOf)
	}
	rows := b.get(t, "/listings").text("#listings")
	for _, want := range []string{"12 Elm St", "$450,000", "4 Oak Ave", "Agent B", "9 Pine Rd", "pending"} {
		if !strings.Contains(rows, want) {
			t.Errorf("Listings page lacks %q: %q", want, rows)
		}
	}

	ms, err := h.contacts.ContactMail(ctx, a.ID, ann.ID)
	if err != nil || len(ms) != 1 || ms[0].Kind != app.MailListing || !strings.Contains(ms[0].Subject, "12 Elm St") {
		t.Errorf("Ann's mail = %+v, %v; want one listing email about 12 Elm St", ms, err)
	}

	t.Run("importing the same file again adds nothing", func(t *testing.T) {
		again := uploadTo(t, b, "/listings/import", "listings.csv", []byte(listingsCSV), nil)
		if got := again.text("#listing-import-summary"); !strings.Contains(got, "0 listings created") {
			t.Errorf("summary = %q", got)
		}
		if ls, _ := h.listings.AllListings(ctx); len(ls) != 3 {
			t.Errorf("%d listings after the second import", len(ls))
		}
	})
}

func TestListingImportValidationFailuresAreReadable(t *testing.T) {
	h := newHarness(t)
	h.agent(t, "Agent A", "a@example.com", false)
	b := h.loggedIn(t, "a@example.com")
	file := "Address;City;Price;Type\n3 Elm St;;250000;house\n5 Elm St;Springfield;;\n"
	res := uploadTo(t, b, "/listings/import", "l.csv", []byte(file), map[string]string{"delimiter": ";"})
	res.wantStatus(http.StatusOK)
	reasons := res.text("#listing-import-failed tbody")
	for _, want := range []string{"City: Enter the city or the postal code.", "Price: Enter the asking price. Property type: Choose the property type."} {
		if !strings.Contains(reasons, want) {
			t.Errorf("reasons = %q, want %q", reasons, want)
		}
	}
	if got := res.text("#listing-import-summary"); !strings.Contains(got, "0 listings created.") {
		t.Errorf("summary = %q", got)
	}
}

func TestListingImportRefusesBadFilesKeepingTheForm(t *testing.T) {
	h := newHarness(t)
	h.agent(t, "Agent A", "a@example.com", false)
	b := h.loggedIn(t, "a@example.com")
	for _, tc := range []struct {
		name, file string
		fields     map[string]string
		want       string
	}{
		{"a binary file is refused", "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", map[string]string{"delimiter": ";"}, "binary"},
		{"an empty file is refused", "", map[string]string{"delimiter": "|"}, "empty"},
		{"a file with no Address column is refused", "City,Price\nSpringfield,100000\n", map[string]string{"delimiter": ","}, "no Address column"},
		{"a file with only a header is refused", "Address\tCity\tPrice\n", map[string]string{"delimiter": "\t"}, "no listings"},
		{"a file over 5,000 rows is refused", "Address,City,Price,Type\n" + strings.Repeat("1 Elm St,Springfield,100000,house\n", 5001),
			map[string]string{"delimiter": ""}, "more than 5000 listings"},
		{"an Other delimiter of two characters is refused", "Address\n1 Elm St\n", map[string]string{"delimiter": "other", "other": "ab"}, "one plain character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := uploadTo(t, b, "/listings/import", "x.csv", []byte(tc.file), tc.fields)
			p.wantStatus(http.StatusUnprocessableEntity)
			if !strings.Contains(p.text(".alert-error"), tc.want) {
				t.Errorf("message = %q, want %q", p.text(".alert-error"), tc.want)
			}
			if p.find("#listing-import-form").Length() != 1 {
				t.Fatalf("the upload form is not shown again:\n%s", p.body)
			}
			if got, _ := p.find("#import-delimiter option[selected]").Attr("value"); got != tc.fields["delimiter"] {
				t.Errorf("delimiter choice not kept: %q", got)
			}
		})
	}
	if ls, _ := h.listings.AllListings(context.Background()); len(ls) != 0 {
		t.Errorf("a refused file added %d listings", len(ls))
	}
	t.Run("an upload without the form's token is refused", func(t *testing.T) {
		body, ct := multipartBody(t, nil, "x.csv", []byte("Address\n1 Elm St\n"))
		b.do(t, http.MethodPost, "/listings/import", body, hdr("Content-Type", ct)).wantStatus(http.StatusForbidden)
	})
}

func TestListingImportAcceptsAFileLargerThanAForm(t *testing.T) {
	h := newHarness(t)
	h.agent(t, "Agent A", "a@example.com", false)
	b := h.loggedIn(t, "a@example.com")
	// An MLS export carries long remarks: 600 rows of 5,000 characters is 3 MB, over a form's 2 MB.
	var file strings.Builder
	file.WriteString("Address,City,Price,Type,Public Remarks\n")
	for i := range 600 {
		file.WriteString(fmt.Sprintf("%d Elm St,Springfield,100000,house,", i+1) + strings.Repeat("x", 5000) + "\n")
	}
	res := uploadTo(t, b, "/listings/import", "mls.csv", []byte(file.String()), nil)
	res.wantStatus(http.StatusOK)
	if got := res.text("#listing-import-summary"); !strings.Contains(got, "600 listings created.") {
		t.Errorf("summary = %q", got)
	}
}
