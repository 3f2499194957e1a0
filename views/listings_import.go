package views

import (
	"net/url"
	"strconv"

	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

// ListingImportProps fills Import listings: the upload form, with the agent's delimiter choice
// and the file's problem when it is shown again.
type ListingImportProps struct {
	PageProps
	Form    ImportForm // only Delimiter and Other are used
	Message string
	Fields  map[string]string
	MaxSize string // "50 MB"
	MaxRows int
}

// ListingImportPage is Import listings: choose a CSV of listings and a delimiter.
func ListingImportPage(p ListingImportProps) g.Node {
	p.Title, p.Nav = "Import listings", "listings"
	return Layout(p.PageProps,
		Div(Class("page-head"),
			H1(g.Text("Import listings")),
			A(Href("/listings"), g.Text("‹ Listings")),
		),
		P(Class("lead"), g.Text("Add many listings at once from a CSV, such as an MLS export or a spreadsheet. "+
			"The first row names the columns: Address (required), City, Zip, Price, Beds, Baths, Type, Sq Ft, Status and Agent Email. "+
			"A row without an agent's email is listed by you. Each new listing emails the contacts whose saved searches it matches, as Add listing does.")),
		Alert("error", p.Message),
		Form(ID("listing-import-form"), Class("card"), Method("post"), EncType("multipart/form-data"),
			// The token rides in the URL so that checking it does not read the whole upload first.
			Action("/listings/import?_csrf="+url.QueryEscape(p.CSRF)),
			CSRFField(p.CSRF),
			Div(Class("field"+errClass(p.Fields["file"])),
				Label(For("listing-import-file"), g.Text("File")),
				Input(ID("listing-import-file"), Type("file"), Name("file"), Required(), Accept(".csv,.txt,.tsv,text/csv"),
					g.If(p.Fields["file"] != "", g.Group{Aria("invalid", "true"), Aria("describedby", "listing-import-file-err")})),
				Small(Class("hint"), g.Textf("CSV, up to %s and %s listings.", p.MaxSize, thousands(p.MaxRows))),
				g.If(p.Fields["file"] != "", Span(ID("listing-import-file-err"), Class("error"), g.Text(p.Fields["file"]))),
			),
			delimiterFields(p.Form, p.Fields["delimiter"]),
			Div(Class("form-actions"), Button(Type("submit"), ID("listing-import-upload"), Class("primary"), g.Text("Import listings"))),
		),
	)
}

// ListingImportFailure is a row of a listing import that was not saved.
type ListingImportFailure struct {
	Row     int    // the file line, the header being line 1
	Address string // as the file gives it
	Reason  string
}

// ListingImportResultProps fills the result of a listing import.
type ListingImportResultProps struct {
	PageProps
	FileName string
	Created  int
	Queued   int // notification emails queued
	Failed   []ListingImportFailure
}

// ListingImportResultPage says what a listing import did: the listings created, the emails
// queued, and each row that failed with its reason.
func ListingImportResultPage(p ListingImportResultProps) g.Node {
	p.Title, p.Nav = "Import listings: result", "listings"
	return Layout(p.PageProps,
		Div(Class("page-head"),
			H1(g.Textf("Imported %s", p.FileName)),
			A(Href("/listings"), g.Text("‹ Listings")),
		),
		Div(Class("card"), ID("listing-import-summary"),
			P(Strong(g.Textf("%s listing%s created.", thousands(p.Created), plural(p.Created))),
				g.Textf(" Notification emails queued: %s.", thousands(p.Queued)),
				g.If(len(p.Failed) > 0, g.Textf(" %s row%s failed.", thousands(len(p.Failed)), plural(len(p.Failed))))),
			P(A(Href("/listings"), g.Text("See the listings")), g.Text(" · "), A(Href("/listings/import"), g.Text("Import another file"))),
		),
		g.If(len(p.Failed) > 0, Section(Class("card"),
			H2(g.Text("Rows not imported")),
			P(Class("muted"), g.Text("Correct these rows in the file and import them again; a row that was created is not in this list.")),
			Div(Class("table-wrap"), Table(ID("listing-import-failed"), Class("imports"),
				THead(Tr(Th(g.Text("Row")), Th(g.Text("Address")), Th(g.Text("Reason")))),
				TBody(g.Map(p.Failed, func(f ListingImportFailure) g.Node {
					return Tr(Td(g.Text(strconv.Itoa(f.Row))), Td(g.Text(f.Address)), Td(g.Text(f.Reason)))
				})),
			)),
		)),
	)
}
