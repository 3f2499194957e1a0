package views

import (
	"fmt"
	"slices"
	"strings"

	"agentbook/app"

	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

var scheduleNames = [][2]string{{app.ScheduleOff, "Off"}, {app.ScheduleASAP, "As soon as a listing matches"},
	{app.ScheduleDaily, "Daily digest"}, {app.ScheduleWeekly, "Weekly digest"}}

func scheduleText(s string) string {
	for _, n := range scheduleNames {
		if n[0] == s {
			return n[1]
		}
	}
	return s
}

// SearchSummary is a saved search's criteria on one line: "Springfield, 62701 · $300,000–$500,000
// · 3+ bd · 2+ ba · 1,500+ sq ft · house, condo"; "Anything" when it is open.
func SearchSummary(ss *app.SavedSearch) string {
	var parts []string
	if places := append(append([]string(nil), ss.Cities...), ss.PostalCodes...); len(places) > 0 {
		parts = append(parts, strings.Join(places, ", "))
	}
	switch {
	case ss.PriceMin > 0 && ss.PriceMax > 0:
		parts = append(parts, app.FormatPrice(ss.PriceMin)+"–"+app.FormatPrice(ss.PriceMax))
	case ss.PriceMin > 0:
		parts = append(parts, app.FormatPrice(ss.PriceMin)+" or more")
	case ss.PriceMax > 0:
		parts = append(parts, "up to "+app.FormatPrice(ss.PriceMax))
	}
	if ss.BedsMin > 0 {
		parts = append(parts, fmt.Sprintf("%d+ bd", ss.BedsMin))
	}
	if ss.BathsMin > 0 {
		parts = append(parts, strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", ss.BathsMin), "0"), ".")+"+ ba")
	}
	if ss.AreaMin > 0 {
		parts = append(parts, strings.TrimPrefix(app.FormatPrice(int64(ss.AreaMin)), "$")+"+ sq ft")
	}
	if len(ss.PropertyTypes) > 0 {
		parts = append(parts, strings.Join(ss.PropertyTypes, ", "))
	}
	if len(parts) == 0 {
		return "Anything"
	}
	return strings.Join(parts, " · ")
}

// SavedSearchSection lists a contact's saved searches on the contact's page.
func SavedSearchSection(contactID string, ss []*app.SavedSearch) g.Node {
	return Section(ID("saved-searches"), Class("card"),
		Div(Class("section-head"),
			H2(g.Text("Saved searches")),
			A(Class("button"), ID("search-add"), Href("/contacts/"+contactID+"/searches/new"), g.Text("Add saved search")),
		),
		g.If(len(ss) == 0, P(Class("muted"), g.Text("No saved searches. A saved search emails this contact the listings that match it, and lets other agents' listings find them through Reverse Prospecting."))),
		g.If(len(ss) > 0, Ul(Class("search-list"), g.Map(ss, func(s *app.SavedSearch) g.Node {
			return Li(ID("search-"+s.ID),
				A(Href("/searches/"+s.ID+"/edit?contact="+contactID), Strong(g.Text(s.Name))),
				Span(Class("muted"), g.Text(" — "+SearchSummary(s))),
				Span(Class("badge"), g.Text("Notifications: "+scheduleText(s.Schedule))),
				g.If(len(s.ContactIDs) > 1, Span(Class("badge"), g.Textf("shared by %d contacts", len(s.ContactIDs)))),
			)
		}))),
	)
}

// SearchInput is the saved-search form as typed.
type SearchInput struct {
	Name, Cities, PostalCodes, PriceMin, PriceMax, BedsMin, BathsMin, AreaMin, Schedule, AlsoFor string
	Types                                                                                        []string
	Version                                                                                      int64
}

// SearchFormProps fills the saved-search form.
type SearchFormProps struct {
	PageProps
	Contact  *app.Contact     // the contact whose page it was opened from
	Search   *app.SavedSearch // nil for a new search
	Input    SearchInput
	Attached []*app.Contact // the contacts it is attached to (editing)
	Errors   map[string]string
	Message  string
}

// SearchFormPage is Add saved search / Edit saved search.
func SearchFormPage(p SearchFormProps) g.Node {
	title, action := "Add saved search", "/contacts/"+p.Contact.ID+"/searches"
	if p.Search != nil {
		title, action = "Edit saved search", "/searches/"+p.Search.ID+"?contact="+p.Contact.ID
	}
	p.Title, p.Nav = title, "contacts"
	in, fe := p.Input, p.Errors
	return Layout(p.PageProps,
		Div(Class("page-head"),
			H1(g.Textf("%s for %s", title, p.Contact.DisplayName())),
			A(Href("/contacts/"+p.Contact.ID), g.Textf("‹ %s", p.Contact.DisplayName())),
		),
		Alert("error", p.Message),
		Form(ID("search-form"), Class("card"), Method("post"), Action(action),
			CSRFField(p.CSRF),
			Input(Type("hidden"), Name("version"), Value(fmt.Sprint(in.Version))),
			FieldInput(Field{Label: "Name", Name: "name", Value: in.Name, Error: fe["name"], Required: true, ID: "search-name",
				Hint: "What the contact wants, in a few words: \"3-bed house near the lake\"."}),
			Div(Class("inline-fields"),
				FieldInput(Field{Label: "Cities", Name: "cities", Value: in.Cities, Error: fe["cities"], ID: "search-cities", Hint: "Separated by commas; empty for anywhere."}),
				FieldInput(Field{Label: "Postal codes", Name: "postal_codes", Value: in.PostalCodes, Error: fe["postal_codes"], ID: "search-postal"}),
			),
			Div(Class("inline-fields"),
				FieldInput(Field{Label: "Lowest price ($)", Name: "price_min", Type: "number", Value: in.PriceMin, Error: fe["price_min"], ID: "search-price-min"}),
				FieldInput(Field{Label: "Highest price ($)", Name: "price_max", Type: "number", Value: in.PriceMax, Error: fe["price_max"], ID: "search-price-max"}),
				FieldInput(Field{Label: "Bedrooms, at least", Name: "beds_min", Type: "number", Value: in.BedsMin, Error: fe["beds_min"], ID: "search-beds"}),
				FieldInput(Field{Label: "Bathrooms, at least", Name: "baths_min", Value: in.BathsMin, Error: fe["baths_min"], ID: "search-baths"}),
				FieldInput(Field{Label: "Living area, at least (sq ft)", Name: "area_min", Type: "number", Value: in.AreaMin, Error: fe["area_min"], ID: "search-area"}),
			),
			FieldSet(Legend(g.Text("Property types (none ticked: any)")),
				Div(Class("inline-fields"), g.Map(app.PropertyTypes(), func(t string) g.Node {
					return Div(Class("field checkbox"),
						Input(Type("checkbox"), ID("type-"+t), Name("property_types"), Value(t), g.If(slices.Contains(in.Types, t), Checked())),
						Label(For("type-"+t), g.Text(t)),
					)
				})),
				g.If(fe["property_types"] != "", Span(Class("error"), g.Text(fe["property_types"]))),
			),
			Div(Class("field"+errClass(fe["schedule"])),
				Label(For("search-schedule"), g.Text("Email new listings")),
				Select(ID("search-schedule"), Name("schedule"), g.Map(scheduleNames, func(n [2]string) g.Node {
					return Option(Value(n[0]), g.If(in.Schedule == n[0], Selected()), g.Text(n[1]))
				})),
			),
			g.If(len(p.Attached) > 0, FieldSet(Legend(g.Text("Contacts this search is for")),
				g.Map(p.Attached, func(c *app.Contact) g.Node {
					return Div(Class("field checkbox"),
						Input(Type("checkbox"), ID("for-"+c.ID), Name("contact_id"), Value(c.ID), Checked()),
						Label(For("for-"+c.ID), g.Text(c.DisplayName())),
					)
				}),
			)),
			FieldInput(Field{Label: "Also for (another contact's email, e.g. a partner's)", Name: "also_for", Type: "email", Value: in.AlsoFor,
				Error: fe["also_for"] + fe["contact_ids"], ID: "search-also"}),
			Div(Class("form-actions"),
				Button(Type("submit"), ID("search-save"), Class("primary"), g.Text("Save search")),
				A(Href("/contacts/"+p.Contact.ID), g.Text("Cancel")),
			),
		),
		g.If(p.Search != nil, Form(Method("post"), Action("/searches/"+searchID(p.Search)+"/remove?contact="+p.Contact.ID), Class("inline"),
			CSRFField(p.CSRF),
			Button(Type("submit"), ID("search-remove"), Class("danger"), g.Attr("data-confirm", "Remove this saved search?"), g.Text("Remove search")),
		)),
	)
}

func searchID(s *app.SavedSearch) string {
	if s == nil {
		return ""
	}
	return s.ID
}

// ListingsProps fills the Listings page.
type ListingsProps struct {
	PageProps
	Items  []*app.Listing
	Agents map[string]*app.User
	Notice string
}

// ListingsPage lists the office's listings, newest first.
func ListingsPage(p ListingsProps) g.Node {
	p.Title, p.Nav = "Listings", "listings"
	return Layout(p.PageProps,
		Div(Class("page-head"),
			H1(g.Text("Listings")),
			Div(Class("head-actions"),
				A(ID("listing-import"), Href("/listings/import"), g.Text("Import listings")),
				A(Class("button primary"), ID("listing-add"), Href("/listings/new"), g.Text("Add listing")),
			),
		),
		P(Class("lead"), g.Text("Every agent in the office sees every listing. A new listing, or a new price or status, emails the contacts whose saved searches it matches, and its page shows Reverse Prospecting: which agents have clients looking for it.")),
		Alert("success", p.Notice),
		g.If(len(p.Items) == 0, P(Class("muted"), g.Text("No listings yet."))),
		g.If(len(p.Items) > 0, Div(Class("table-wrap"), Table(ID("listings"), Class("imports"),
			THead(Tr(Th(g.Text("Address")), Th(g.Text("City")), Th(g.Text("Price")), Th(g.Text("Home")), Th(g.Text("Status")), Th(g.Text("Listing agent")))),
			TBody(g.Map(p.Items, func(l *app.Listing) g.Node {
				agent := ""
				if a := p.Agents[l.AgentID]; a != nil {
					agent = a.Name
				}
				return Tr(ID("listing-"+l.ID),
					Td(A(Href("/listings/"+l.ID), g.Text(l.Address))),
					Td(g.Text(strings.Join(nonEmptyStrings(l.City, l.PostalCode), " "))),
					Td(g.Text(app.FormatPrice(l.Price))), Td(g.Text(app.ListingFacts(l))),
					Td(g.Text(l.Status)), Td(g.Text(agent)),
				)
			})),
		))),
	)
}

// ListingInput is the listing form as typed.
type ListingInput struct {
	Address, City, PostalCode, Price, Beds, Baths, Area, PropertyType, Status, AgentID string
	Version                                                                            int64
}

// ListingInputOf fills the form from a stored listing.
func ListingInputOf(l *app.Listing) ListingInput {
	return ListingInput{Address: l.Address, City: l.City, PostalCode: l.PostalCode, Price: fmt.Sprint(l.Price),
		Beds: fmt.Sprint(l.Beds), Baths: strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", l.Baths), "0"), "."),
		Area: areaText(l.Area), PropertyType: l.PropertyType, Status: l.Status, AgentID: l.AgentID, Version: l.Version}
}

// areaText is a living area for the form: empty when unknown (0), as it was typed.
func areaText(a int) string {
	if a == 0 {
		return ""
	}
	return fmt.Sprint(a)
}

// ListingFormProps fills Add listing, and the edit form on a listing's page.
type ListingFormProps struct {
	PageProps
	Input   ListingInput
	Agents  []*app.User
	Errors  map[string]string
	Message string
}

// ListingFormPage is Add listing.
func ListingFormPage(p ListingFormProps) g.Node {
	p.Title, p.Nav = "Add listing", "listings"
	return Layout(p.PageProps,
		Div(Class("page-head"), H1(g.Text("Add listing")), A(Href("/listings"), g.Text("‹ Listings"))),
		Alert("error", p.Message),
		listingForm(p, "/listings/new", "Add listing"),
	)
}

func listingForm(p ListingFormProps, action, button string) g.Node {
	in, fe := p.Input, p.Errors
	return Form(ID("listing-form"), Class("card"), Method("post"), Action(action),
		CSRFField(p.CSRF),
		Input(Type("hidden"), Name("version"), Value(fmt.Sprint(in.Version))),
		FieldInput(Field{Label: "Street address", Name: "address", Value: in.Address, Error: fe["address"], Required: true, ID: "listing-address"}),
		Div(Class("inline-fields"),
			FieldInput(Field{Label: "City", Name: "city", Value: in.City, Error: fe["city"], ID: "listing-city"}),
			FieldInput(Field{Label: "Postal code", Name: "postal_code", Value: in.PostalCode, Error: fe["postal_code"], ID: "listing-postal"}),
			FieldInput(Field{Label: "Price ($)", Name: "price", Type: "number", Value: in.Price, Error: fe["price"], Required: true, ID: "listing-price"}),
		),
		Div(Class("inline-fields"),
			FieldInput(Field{Label: "Bedrooms", Name: "beds", Type: "number", Value: in.Beds, Error: fe["beds"], ID: "listing-beds"}),
			FieldInput(Field{Label: "Bathrooms", Name: "baths", Value: in.Baths, Error: fe["baths"], ID: "listing-baths"}),
			FieldInput(Field{Label: "Living area (sq ft)", Name: "area", Type: "number", Value: in.Area, Error: fe["area"], ID: "listing-area"}),
			Div(Class("field"+errClass(fe["property_type"])),
				Label(For("listing-type"), g.Text("Property type")),
				Select(ID("listing-type"), Name("property_type"),
					Option(Value(""), g.Text("Choose…")),
					g.Map(app.PropertyTypes(), func(t string) g.Node {
						return Option(Value(t), g.If(in.PropertyType == t, Selected()), g.Text(t))
					})),
				g.If(fe["property_type"] != "", Span(Class("error"), g.Text(fe["property_type"]))),
			),
			Div(Class("field"),
				Label(For("listing-status"), g.Text("Status")),
				Select(ID("listing-status"), Name("status"), g.Map([]string{app.ListingActive, app.ListingPending, app.ListingSold}, func(s string) g.Node {
					return Option(Value(s), g.If(in.Status == s || (in.Status == "" && s == app.ListingActive), Selected()), g.Text(s))
				})),
			),
			Div(Class("field"+errClass(fe["agent_id"])),
				Label(For("listing-agent"), g.Text("Listing agent")),
				Select(ID("listing-agent"), Name("agent_id"), g.Map(p.Agents, func(u *app.User) g.Node {
					sel := in.AgentID == u.ID || (in.AgentID == "" && p.User != nil && u.ID == p.User.ID)
					return Option(Value(u.ID), g.If(sel, Selected()), g.Text(u.Name))
				})),
			),
		),
		Div(Class("form-actions"), Button(Type("submit"), ID("listing-save"), Class("primary"), g.Text(button))),
	)
}

// ListingPageProps fills a listing's page.
type ListingPageProps struct {
	Form      ListingFormProps
	Listing   *app.Listing
	Agent     *app.User
	Prospects *app.Prospects
	Notice    string
}

// ListingPage shows a listing, its edit form and its Reverse Prospecting: the viewer's own
// matching contacts in full; other agents by name with a count, never their contacts.
func ListingPage(p ListingPageProps) g.Node {
	pp := p.Form.PageProps
	pp.Title, pp.Nav = p.Listing.Address, "listings"
	l := p.Listing
	rp := p.Prospects
	return Layout(pp,
		Div(Class("page-head"), H1(g.Text(l.Address)), A(Href("/listings"), g.Text("‹ Listings"))),
		Alert("success", p.Notice),
		P(Class("lead"), ID("listing-facts"), g.Textf("%s · %s · %s · %s", strings.Join(nonEmptyStrings(l.City, l.PostalCode), " "),
			app.FormatPrice(l.Price), app.ListingFacts(l), l.Status),
			g.If(p.Agent != nil, g.Text(" · listed by "+agentName(p.Agent)))),
		Section(ID("reverse-prospecting"), Class("card"),
			H2(g.Text("Reverse Prospecting")),
			g.If(l.Status != app.ListingActive, P(Class("muted"), g.Text("Only an active listing matches saved searches."))),
			g.If(len(rp.Own) == 0 && len(rp.Others) == 0 && l.Status == app.ListingActive,
				P(Class("muted"), g.Text("No contact with Reverse Prospecting on has a saved search that matches this listing."))),
			g.If(len(rp.Own) > 0, g.Group{
				H3(g.Textf("Your contacts (%d)", len(rp.Own))),
				Ul(ID("own-matches"), g.Map(rp.Own, func(m app.ReverseMatch) g.Node {
					return Li(A(Href("/contacts/"+m.Contact.ID), g.Text(m.Contact.DisplayName())),
						Span(Class("muted"), g.Text(" — "+m.Search)))
				})),
			}),
			g.If(len(rp.Others) > 0, g.Group{
				H3(g.Text("Other agents")),
				Ul(ID("agent-matches"), g.Map(rp.Others, func(a app.AgentMatches) g.Node {
					return Li(Strong(g.Text(a.Name)), g.Textf(" (%s", a.Email), g.If(a.Phone != "", g.Text(", "+a.Phone)), g.Text(")"),
						g.Textf(" — %d matching contact%s", a.Count, plural(a.Count)))
				})),
				Form(ID("contact-agents"), Method("post"), Action("/listings/"+l.ID+"/contact-agents"),
					CSRFField(pp.CSRF),
					Div(Class("field"),
						Label(For("agents-note"), g.Text("A note to these agents (optional)")),
						Textarea(ID("agents-note"), Name("note"), Rows("3")),
					),
					Button(Type("submit"), ID("agents-send"), Class("primary"), g.Text("Contact these agents")),
				),
			}),
		),
		Section(Class("card"),
			H2(g.Text("Edit listing")),
			Alert("error", p.Form.Message),
			listingForm(p.Form, "/listings/"+l.ID, "Save listing"),
		),
	)
}

func agentName(u *app.User) string { return u.Name }

// UnsubscribedPage confirms that a saved search's emails were turned off.
func UnsubscribedPage(p PageProps, name string) g.Node {
	p.Title = "Unsubscribed"
	return Layout(p, Div(Class("card narrow"),
		H1(g.Text("Unsubscribed")),
		P(ID("unsubscribed"), g.Textf("You will get no more emails for the search \"%s\". Your agent can turn them on again.", name)),
	))
}
