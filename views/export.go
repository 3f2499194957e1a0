package views

import (
	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

// ExportProps fills Export Contacts.
type ExportProps struct {
	PageProps
	Query    ListQuery // the list's filter when the agent came from a filtered list
	Filtered bool
	All      int // every contact of the agent, active and inactive
	Matching int // the contacts the filter finds
	Message  string
}

// ExportPage is Export Contacts: all contacts or the current filter, as CSV or vCard.
func ExportPage(p ExportProps) g.Node {
	p.Title, p.Nav = "Export Contacts", "contacts"
	scope := func(v, label string, checked bool) g.Node {
		return Div(Class("field checkbox"),
			Input(Type("radio"), ID("scope-"+v), Name("scope"), Value(v), g.If(checked, Checked())),
			Label(For("scope-"+v), g.Text(label)),
		)
	}
	format := func(v, label, hint string, checked bool) g.Node {
		return Div(Class("field checkbox"),
			Input(Type("radio"), ID("format-"+v), Name("format"), Value(v), g.If(checked, Checked())),
			Label(For("format-"+v), g.Text(label), Small(Class("hint"), g.Text(" — "+hint))),
		)
	}
	q := p.Query.Values()
	return Layout(p.PageProps,
		Div(Class("page-head"),
			H1(g.Text("Export Contacts")),
			A(Href(p.Query.URL()), g.Text("‹ Contact Management")),
		),
		Alert("error", p.Message),
		Form(ID("export-form"), Class("card"), Method("get"), Action("/contacts/export/download"),
			g.Map([]string{"q", "status", "group", "email_status", "sort"}, func(k string) g.Node {
				if q.Get(k) == "" {
					return nil
				}
				return Input(Type("hidden"), Name(k), Value(q.Get(k)))
			}),
			FieldSet(Legend(g.Text("Contacts")),
				scope("all", "All my contacts ("+thousands(p.All)+", active and inactive)", !p.Filtered),
				g.If(p.Filtered, scope("filter", "The contacts in the current list ("+thousands(p.Matching)+")", true)),
			),
			FieldSet(Legend(g.Text("Format")),
				format("csv", "CSV (.csv)", "opens in Excel, Numbers and Google Sheets; every field, imports back exactly", true),
				format("vcf", "vCard 3.0 (.vcf)", "for Apple Contacts, Outlook and phones", false),
			),
			Div(Class("form-actions"), Button(Type("submit"), ID("export-download"), Class("primary"), g.Text("Download"))),
		),
	)
}
