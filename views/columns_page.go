package views

import (
	"slices"
	"strconv"

	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

// ColumnsProps fills Customize Contact List.
type ColumnsProps struct {
	PageProps
	Selected []string // column keys in order
	Message  string
}

// ColumnsPage is Customize Contact List: Available Columns on the left, Selected Columns on the
// right. Columns move between the lists and within Selected by dragging their handle (SortableJS)
// or with the Add, Remove, Up and Down buttons, which the keyboard reaches too. The order of the
// Selected list's hidden inputs is what Save sends.
func ColumnsPage(p ColumnsProps) g.Node {
	p.Title, p.Nav = "Customize Contact List", "contacts"
	p.Scripts = []string{"/vendor/Sortable.min.js"}
	all := AllColumns()
	var available []Column
	for _, c := range all {
		if !slices.Contains(p.Selected, c.Key) {
			available = append(available, c)
		}
	}
	order := map[string]int{}
	for i, c := range all {
		order[c.Key] = i
	}
	return Layout(p.PageProps,
		Div(Class("page-head"),
			H1(g.Text("Customize Contact List")),
			A(Href("/contacts"), g.Text("‹ Contact Management")),
		),
		Alert("error", p.Message),
		P(Class("lead"), g.Text("Drag a column by its handle from Available Columns to Selected Columns, or back, and drag within "+
			"Selected Columns to set the order. The buttons do the same from the keyboard. Name always stays: it is how a row opens.")),
		Form(ID("columns-form"), Method("post"), Action("/contacts/columns"),
			CSRFField(p.CSRF),
			Div(Class("columns-editor"),
				Section(Class("card column-box"),
					H2(ID("available-h"), g.Text("Available Columns")),
					Ul(ID("available-columns"), Class("column-list"), Aria("labelledby", "available-h"),
						g.Map(available, func(c Column) g.Node { return columnItem(c, order[c.Key], false) })),
				),
				Section(Class("card column-box"),
					H2(ID("selected-h"), g.Text("Selected Columns")),
					Ol(ID("selected-columns"), Class("column-list"), Aria("labelledby", "selected-h"),
						g.Map(ColumnsFor(p.Selected), func(c Column) g.Node { return columnItem(c, order[c.Key], true) })),
				),
			),
			P(ID("columns-status"), Class("sr-only"), Aria("live", "polite")),
			P(Class("hint"), g.Text("Many columns make the list hard to read on a small screen; the list then scrolls sideways.")),
			Div(Class("form-actions"),
				Button(Type("submit"), Class("primary"), ID("save-columns"), g.Text("Save")),
				A(Href("/contacts"), g.Text("Cancel")),
				Button(Type("submit"), Name("reset"), Value("1"), ID("reset-columns"), Class("link"), g.Text("Restore the default columns")),
			),
		),
	)
}

// columnItem is one column in either list. Its hidden input is enabled only in Selected.
func columnItem(c Column, order int, selected bool) g.Node {
	locked := c.Key == ColName
	cls := "column-item"
	if locked {
		cls += " locked"
	}
	btn := func(class, text, label string) g.Node {
		return Button(Type("button"), Class("small "+class), Aria("label", label+" "+c.Label), g.Text(text))
	}
	return Li(Class(cls), Data("key", c.Key), Data("order", strconv.Itoa(order)),
		Span(Class("handle"), Aria("hidden", "true"), TitleAttr("Drag"), g.Text("⠿")),
		Span(Class("column-label"), g.Text(c.Label)),
		Input(Type("hidden"), Name("column"), Value(c.Key), g.If(!selected, Disabled())),
		Span(Class("column-buttons"),
			btn("col-add", "Add", "Add"),
			btn("col-up", "↑", "Move up"),
			btn("col-down", "↓", "Move down"),
			g.If(!locked, btn("col-remove", "Remove", "Remove")),
		),
	)
}
