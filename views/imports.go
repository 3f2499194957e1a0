package views

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"agentbook/app"
	"agentbook/app/imports"

	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

// ImportForm is what the agent chose on the Import Contacts form, kept when it is shown again.
type ImportForm struct {
	Delimiter  string // "", ",", "\t", ";", "|" or "other"
	Other      string // the Other delimiter
	Duplicates string
	Group      string
}

// ImportProps fills Import Contacts: the upload form and the agent's recent imports.
type ImportProps struct {
	PageProps
	Form    ImportForm
	Message string
	Fields  map[string]string
	Recent  []*app.Import
	MaxSize string // "50 MB"
}

var delimiterChoices = [][2]string{{"", "Detect"}, {",", "Comma"}, {"\t", "Tab"}, {";", "Semicolon"}, {"|", "Pipe"}, {"other", "Other"}}

// ImportPage is Import Contacts: choose a file and a delimiter, then Upload File for a preview.
func ImportPage(p ImportProps) g.Node {
	p.Title, p.Nav = "Import Contacts", "contacts"
	return Layout(p.PageProps,
		Div(Class("page-head"),
			H1(g.Text("Import Contacts")),
			A(Href("/contacts"), g.Text("‹ Contact Management")),
		),
		P(Class("lead"), g.Text("Import a CSV exported from Google Contacts, Outlook, a spreadsheet or another CRM, or a vCard (.vcf) file from Apple Contacts or a phone. "+
			"You see a preview of every row before anything is saved, and you can undo an import afterwards.")),
		Alert("error", p.Message),
		Form(ID("import-form"), Class("card"), Method("post"), EncType("multipart/form-data"),
			// The token rides in the URL so that checking it does not read the whole upload first.
			Action("/contacts/import?_csrf="+url.QueryEscape(p.CSRF)),
			CSRFField(p.CSRF),
			Div(Class("field"+errClass(p.Fields["file"])),
				Label(For("import-file"), g.Text("File")),
				Input(ID("import-file"), Type("file"), Name("file"), Required(), Accept(".csv,.txt,.tsv,.vcf,.vcard,text/csv,text/vcard"),
					g.If(p.Fields["file"] != "", g.Group{Aria("invalid", "true"), Aria("describedby", "import-file-err")})),
				Small(Class("hint"), g.Textf("CSV or vCard, up to %s. UTF-8, UTF-16 and Windows (Outlook) encodings are detected.", p.MaxSize)),
				g.If(p.Fields["file"] != "", Span(ID("import-file-err"), Class("error"), g.Text(p.Fields["file"]))),
			),
			delimiterFields(p.Form, p.Fields["delimiter"]),
			Div(Class("form-actions"), Button(Type("submit"), ID("import-upload"), Class("primary"), g.Text("Upload File"))),
		),
		g.If(len(p.Recent) > 0, Section(Class("card"),
			H2(g.Text("Recent imports")),
			Div(Class("table-wrap"), Table(Class("imports"),
				THead(Tr(Th(g.Text("File")), Th(g.Text("Started")), Th(g.Text("Status")), Th(g.Text("Created")), Th(g.Text("Updated")), Th(g.Text("Skipped")), Th(g.Text("Failed")))),
				TBody(g.Map(p.Recent, func(im *app.Import) g.Node {
					return Tr(
						Td(A(Href("/contacts/import/"+im.ID), g.Text(im.FileName))),
						Td(g.Text(im.CreatedAt.Local().Format("Jan 2, 2006 15:04"))),
						Td(g.Text(importStatusText(im.Status))),
						Td(g.Text(thousands(im.Created))), Td(g.Text(thousands(im.Updated))),
						Td(g.Text(thousands(im.Skipped))), Td(g.Text(thousands(im.Failed))),
					)
				})),
			)),
		)),
	)
}

func delimiterFields(f ImportForm, errMsg string) g.Node {
	return Div(Class("inline-fields"),
		Div(Class("field"),
			Label(For("import-delimiter"), g.Text("Delimiter")),
			Select(ID("import-delimiter"), Name("delimiter"),
				g.Map(delimiterChoices, func(c [2]string) g.Node {
					return Option(Value(c[0]), g.If(f.Delimiter == c[0], Selected()), g.Text(c[1]))
				})),
		),
		Div(Class("field"+errClass(errMsg)),
			Label(For("import-other"), g.Text("Other delimiter")),
			Input(ID("import-other"), Name("other"), Value(f.Other), MaxLength("1"), g.Attr("size", "2"), AutoComplete("off"),
				g.If(errMsg != "", g.Group{Aria("invalid", "true"), Aria("describedby", "import-other-err")})),
			Small(Class("hint"), g.Text("One character, used when Delimiter is Other.")),
			g.If(errMsg != "", Span(ID("import-other-err"), Class("error"), g.Text(errMsg))),
		),
	)
}

func importStatusText(status string) string {
	switch status {
	case app.ImportPreview:
		return "Previewed, not run"
	case app.ImportRunning:
		return "Running"
	case app.ImportDone:
		return "Done"
	case app.ImportFailed:
		return "Stopped"
	case app.ImportUndoing:
		return "Undoing"
	case app.ImportUndone:
		return "Undone"
	}
	return status
}

// FormatName is how a recognised layout is named to the agent.
func FormatName(f string) string {
	switch imports.Format(f) {
	case imports.FormatGoogle:
		return "Google Contacts CSV"
	case imports.FormatGoogleLegacy:
		return "Google Contacts CSV (older layout)"
	case imports.FormatOutlook:
		return "Outlook CSV"
	case imports.FormatAgentbook:
		return "agentbook export"
	case imports.FormatGeneric:
		return "CSV with recognised column names"
	case imports.FormatMapped:
		return "CSV with your column mapping"
	case imports.FormatVCard:
		return "vCard"
	}
	return f
}

func delimiterName(d string) string {
	for _, c := range delimiterChoices {
		if c[0] == d && d != "" && d != "other" {
			return strings.ToLower(c[1])
		}
	}
	return fmt.Sprintf("%q", d)
}

// ImportPreviewProps fills the preview of an uploaded import.
type ImportPreviewProps struct {
	PageProps
	Import  *app.Import
	Preview *imports.Preview
	Groups  []*app.Group
	Message string
	Fields  map[string]string
}

// ImportPreviewPage shows what an import would do before it runs: the file's layout, the totals,
// the first rows as they will be saved, and the choices (duplicates, group). A file whose
// header is not recognised gets the mapping screen instead.
func ImportPreviewPage(p ImportPreviewProps) g.Node {
	p.Title, p.Nav = "Import Contacts: preview", "contacts"
	return Layout(p.PageProps,
		Div(Class("page-head"),
			H1(g.Textf("Import %s", p.Import.FileName)),
			A(Href("/contacts/import"), g.Text("‹ Import Contacts")),
		),
		ImportPreviewBody(p),
	)
}

// ImportPreviewBody is the part of the preview that changes with the settings (htmx swaps it).
func ImportPreviewBody(p ImportPreviewProps) g.Node {
	im, pv := p.Import, p.Preview
	about := FormatName(im.Format)
	if pv.NeedsMapping { // the layout is what the agent is asked for
		about = "CSV"
	}
	if im.Format != string(imports.FormatVCard) && im.Delimiter != "" {
		about += ", " + delimiterName(im.Delimiter) + "-separated"
	}
	about += ", " + im.Encoding
	return Div(ID("import-preview"),
		P(Class("lead"), ID("import-about"), g.Textf("Read as %s.", about)),
		Alert("error", p.Message),
		Alert("error", pv.Problem),
		g.If(pv.NeedsMapping, mappingForm(p)),
		g.If(!pv.NeedsMapping, g.Group{
			Div(Class("card"), ID("import-totals"),
				P(g.Textf("%s row%s: ", thousands(im.Total), plural(im.Total)),
					Strong(g.Textf("%s to create", thousands(pv.Create))), g.Textf(", %s to update, %s to skip as duplicates, %s with errors.",
						thousands(pv.Update), thousands(pv.Skip), thousands(pv.Fail))),
				g.If(len(pv.NewGroups) > 0, P(g.Textf("New groups: %s.", strings.Join(pv.NewGroups, ", ")))),
			),
			settingsForm(p),
			H2(g.Textf("First %d rows as they will be saved", len(pv.Rows))),
			Div(Class("table-wrap"), Table(ID("preview-rows"), Class("imports preview"),
				THead(Tr(Th(g.Text("Row")), Th(g.Text("Action")), Th(g.Text("Name")), Th(g.Text("Emails")), Th(g.Text("Phones")),
					Th(g.Text("Company")), Th(g.Text("Address")), Th(g.Text("Groups")), Th(g.Text("Note")))),
				TBody(g.Map(pv.Rows, previewRow)),
			)),
		}),
	)
}

func settingsForm(p ImportPreviewProps) g.Node {
	im := p.Import
	policy := func(v, label, hint string) g.Node {
		return Div(Class("field checkbox"),
			Input(Type("radio"), ID("dup-"+v), Name("duplicates"), Value(v), g.If(im.Duplicates == v, Checked())),
			Label(For("dup-"+v), g.Text(label), g.If(hint != "", Small(Class("hint"), g.Text(" — "+hint)))),
		)
	}
	return Form(ID("import-settings"), Class("card"), Method("post"), Action("/contacts/import/"+im.ID+"/run"),
		CSRFField(p.CSRF),
		FieldSet(
			Legend(g.Text("When a row matches a contact you have (same email, or same name and phone)")),
			policy(app.DuplicatesSkip, "Skip it", "re-importing a file creates nothing new"),
			policy(app.DuplicatesUpdate, "Update the contact", "fill in what the file adds; undo puts the earlier version back"),
			policy(app.DuplicatesCreate, "Create another contact anyway", ""),
		),
		Div(Class("field"+errClass(p.Fields["group"])),
			Label(For("import-group"), g.Text("Add every imported contact to a group (optional)")),
			Input(ID("import-group"), Name("group"), Value(im.Group), List("import-groups"), AutoComplete("off"), MaxLength("100")),
			DataList(ID("import-groups"), g.Map(p.Groups, func(gr *app.Group) g.Node { return Option(Value(gr.Name)) })),
			Small(Class("hint"), g.Text("An existing group, or a new name to create it.")),
			g.If(p.Fields["group"] != "", Span(Class("error"), g.Text(p.Fields["group"]))),
		),
		Div(Class("form-actions"),
			Button(Type("submit"), ID("import-refresh"), FormAction("/contacts/import/"+im.ID+"/preview"),
				hx("post", "/contacts/import/"+im.ID+"/preview"), hx("target", "#import-preview"), hx("swap", "outerHTML"),
				g.Text("Update preview")),
			g.If(p.Preview.Problem == "", Button(Type("submit"), ID("import-run"), Class("primary"),
				g.Textf("Import %s contact%s", thousands(p.Preview.Create+p.Preview.Update), plural(p.Preview.Create+p.Preview.Update)))),
		),
	)
}

func previewRow(r imports.PreviewRow) g.Node {
	c := r.Contact
	var emails, phones []string
	for _, e := range c.Emails {
		emails = append(emails, e.Address)
	}
	for _, ph := range c.Phones {
		s := ph.Number
		if ph.Label != "" {
			s += " (" + ph.Label + ")"
		}
		phones = append(phones, s)
	}
	addr := ""
	if len(c.Addresses) > 0 {
		a := c.Addresses[0]
		addr = strings.Join(nonEmptyStrings(strings.ReplaceAll(a.Street, "\n", ", "), a.City, a.Region, a.PostalCode, a.Country), ", ")
	}
	name := strings.Join(nonEmptyStrings(c.FirstName, c.MiddleName, c.LastName), " ")
	return Tr(Class("action-"+r.Action),
		Td(g.Text(fmt.Sprint(r.Row))),
		Td(Span(Class("badge badge-"+r.Action), g.Text(actionText(r.Action)))),
		Td(g.Text(name)), Td(g.Text(strings.Join(emails, ", "))), Td(g.Text(strings.Join(phones, ", "))),
		Td(g.Text(c.Company)), Td(g.Text(addr)), Td(g.Text(strings.Join(r.Groups, ", "))),
		Td(g.Text(r.Message)),
	)
}

func nonEmptyStrings(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

func actionText(a string) string {
	switch a {
	case imports.ActionCreate:
		return "Create"
	case imports.ActionUpdate:
		return "Update"
	case imports.ActionSkip:
		return "Skip"
	}
	return "Error"
}

func mappingForm(p ImportPreviewProps) g.Node {
	pv := p.Preview
	fields := imports.MappableFields()
	return Form(ID("import-mapping"), Class("card"), Method("post"), Action("/contacts/import/"+p.Import.ID+"/preview"),
		CSRFField(p.CSRF),
		Input(Type("hidden"), Name("duplicates"), Value(p.Import.Duplicates)),
		Input(Type("hidden"), Name("group"), Value(p.Import.Group)),
		Input(Type("hidden"), Name("mapped"), Value("1")),
		H2(g.Text("Match the columns to fields")),
		P(g.Text("agentbook does not recognise this file's column names. Choose the field each column holds, or ignore it. "+
			"Your choices are remembered for the next file with these columns.")),
		Div(Class("table-wrap"), Table(Class("imports mapping"),
			THead(Tr(Th(g.Text("Column")), Th(g.Text("Example")), Th(g.Text("Field")))),
			TBody(g.Map(indexes(len(pv.Header)), func(i int) g.Node {
				id := fmt.Sprintf("map-%d", i)
				cur := ""
				if i < len(pv.Mapping) {
					cur = pv.Mapping[i]
				}
				return Tr(
					Td(Label(For(id), g.Text(pv.Header[i]))),
					Td(g.Text(sample(pv.Samples, i))),
					Td(Select(ID(id), Name("map"), g.Map(fields, func(f [2]string) g.Node {
						return Option(Value(f[0]), g.If(f[0] == cur, Selected()), g.Text(f[1]))
					}))),
				)
			})),
		)),
		Div(Class("form-actions"), Button(Type("submit"), ID("import-map"), Class("primary"), g.Text("Preview with these fields"))),
	)
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func sample(rows [][]string, col int) string {
	var vals []string
	for _, r := range rows {
		if col < len(r) && strings.TrimSpace(r[col]) != "" {
			vals = append(vals, r[col])
		}
	}
	s := strings.Join(vals, " · ")
	if len([]rune(s)) > 60 {
		s = string([]rune(s)[:60]) + "…"
	}
	return s
}

// ImportStatusProps fills the page of an import that runs, ran or was undone.
type ImportStatusProps struct {
	PageProps
	Import *app.Import
}

// ImportStatusPage shows a running import's progress bar (polled by htmx) and, once it is
// finished, the result: counts, failed rows and Undo import.
func ImportStatusPage(p ImportStatusProps) g.Node {
	p.Title, p.Nav = "Import Contacts: "+p.Import.FileName, "contacts"
	return Layout(p.PageProps,
		Div(Class("page-head"),
			H1(g.Textf("Import %s", p.Import.FileName)),
			A(Href("/contacts/import"), g.Text("‹ Import Contacts")),
		),
		ImportProgress(p.Import, p.CSRF),
	)
}

// ImportProgress is the progress bar while an import runs (it asks again every half second) and
// the result when it has finished.
func ImportProgress(im *app.Import, csrf string) g.Node {
	busy := im.Status == app.ImportRunning || im.Status == app.ImportUndoing
	pct := 100
	if im.Total > 0 {
		pct = min(100, im.Read*100/im.Total)
	}
	return Div(ID("import-progress"), Class("card"),
		g.If(busy, g.Group{hx("get", "/contacts/import/"+im.ID+"/progress"), hx("trigger", "every 500ms"), hx("swap", "outerHTML")}),
		P(ID("import-status"), Role("status"), Aria("live", "polite"), Strong(g.Text(importStatusText(im.Status))),
			g.If(im.Status == app.ImportRunning, g.Textf(": %s of %s rows", thousands(im.Read), thousands(im.Total))),
		),
		g.If(im.Status == app.ImportRunning, Progress(ID("import-bar"), Max("100"), Value(fmt.Sprint(pct)), Aria("label", "Import progress"), g.Textf("%d%%", pct))),
		g.If(im.Status == app.ImportUndoing, Progress(ID("undo-bar"), Aria("label", "Undoing the import"))),
		Dl(Class("import-counts"),
			Dt(g.Text("Created")), Dd(ID("count-created"), g.Text(thousands(im.Created))),
			Dt(g.Text("Updated")), Dd(ID("count-updated"), g.Text(thousands(im.Updated))),
			Dt(g.Text("Skipped")), Dd(ID("count-skipped"), g.Text(thousands(im.Skipped))),
			Dt(g.Text("Failed")), Dd(ID("count-failed"), g.Text(thousands(im.Failed))),
		),
		Alert("error", im.Message),
		g.If(!busy && im.Status != app.ImportPreview, g.Group{
			g.If(im.Status != app.ImportUndone && !im.FinishedAt.IsZero(), P(g.Textf("Finished %s in %s.", im.FinishedAt.Local().Format("Jan 2, 2006 15:04:05"),
				im.FinishedAt.Sub(im.StartedAt).Round(time.Millisecond)))),
			g.If(im.Status == app.ImportUndone, P(g.Textf("Undone %s: the contacts it created were removed and the ones it updated were put back.",
				im.UndoneAt.Local().Format("Jan 2, 2006 15:04:05")))),
			g.If(len(im.Errors) > 0, g.Group{
				H2(g.Text("Rows that were not imported")),
				Ul(ID("import-errors"), g.Map(im.Errors, func(e app.ImportError) g.Node {
					return Li(g.Textf("Row %d: %s", e.Row, e.Message))
				})),
				g.If(im.Failed > len(im.Errors), P(g.Textf("…and %s more in the file below.", thousands(im.Failed-len(im.Errors))))),
			}),
			Div(Class("form-actions"),
				A(Class("button primary"), ID("import-view"), Href(importedListURL(im)), g.Text("View contacts")),
				g.If(im.Failed > 0, A(Class("button"), ID("import-failed"), Href("/contacts/import/"+im.ID+"/failed.csv"), g.Text("Download failed rows (CSV)"))),
				g.If(im.Status == app.ImportDone || im.Status == app.ImportFailed, Form(Method("post"), Action("/contacts/import/"+im.ID+"/undo"), Class("inline"),
					CSRFField(csrf),
					Button(Type("submit"), ID("import-undo"), Class("danger"),
						g.Attr("data-confirm", fmt.Sprintf("Undo this import? %s created contacts are removed and %s updated ones put back.", thousands(im.Created), thousands(im.Updated))),
						g.Text("Undo import")),
				)),
			),
		}),
	)
}

func importedListURL(im *app.Import) string {
	if im.GroupID != "" && im.Status != app.ImportUndone {
		return ListQuery{Group: im.GroupID, Sort: "-created"}.URL()
	}
	return ListQuery{Sort: "-created"}.URL()
}
