package views

import (
	"strconv"

	"agentbook/app"

	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

// ContactFormProps fills the Add Contact and Contact Details page, which share one form.
type ContactFormProps struct {
	PageProps
	Contact   *app.Contact // nil on Add Contact
	Input     ContactInput
	Errors    map[string]string
	Message   string // a form-level error (a conflict, say)
	Notice    string // "Contact saved."
	GroupName map[string]string
	AllGroups []*app.Group
	Mail      []*app.OutMessage // the contact's email activity
	// Searches are the contact's saved searches; nil leaves the section out.
	Searches []*app.SavedSearch
	// Portal is the contact's client portal; nil leaves the section out.
	Portal *ContactPortal
}

// ContactInput is what the form shows: a stored contact or what the user typed.
type ContactInput struct {
	FirstName, MiddleName, LastName, Company, Title, Notes, Birthday string
	ReverseProspecting                                               bool
	Version                                                          int64
	Emails                                                           []EmailRow
	Phones                                                           []PhoneRow
	Addresses                                                        []AddressRow
}

// EmailRow is one email in the form. Key ties its inputs together (email_address_<key>, …).
type EmailRow struct {
	Key, Address, Label string
	Notify              bool
	Status, Reason      string // the stored address's verification, shown next to it
}

// PhoneRow is one phone in the form.
type PhoneRow struct{ Key, Number, Label string }

// AddressRow is one mailing address in the form.
type AddressRow struct{ Key, Label, Street, City, Region, PostalCode, Country string }

// labelList offers the usual labels; any other text is a custom label.
func labelList() g.Node {
	return DataList(ID("label-options"), g.Map([]string{"Home", "Work", "Mobile", "Other"}, func(l string) g.Node {
		return Option(Value(l))
	}))
}

// ContactFormPage is Add Contact (Contact nil) or a contact's details.
func ContactFormPage(p ContactFormProps) g.Node {
	in := p.Input
	action, title := "/contacts/new", "Add Contact"
	if p.Contact != nil {
		action, title = "/contacts/"+p.Contact.ID, p.Contact.DisplayName()
	}
	p.Title, p.Nav = title, "contacts"
	f := func(label, name, value string) g.Node {
		return FieldInput(Field{Label: label, Name: name, Value: value, Error: p.Errors[name]})
	}
	return Layout(p.PageProps,
		Div(Class("page-head"),
			H1(g.Text(title), g.If(p.Contact != nil && p.Contact.Status == app.StatusInactive, Span(Class("badge"), g.Text("Inactive")))),
			Div(Class("head-actions"),
				A(Href("/contacts"), g.Text("‹ Contact Management")),
				g.If(p.Contact != nil, A(Href("/contacts/"+idOf(p.Contact)+"/email"), Class("button"), ID("email-contact"), g.Text("Email"))),
			),
		),
		Alert("success", p.Notice),
		g.If(p.Message != "", Div(Class("alert alert-error"), Role("alert"), ID("form-message"),
			g.Text(p.Message+" "),
			g.If(p.Contact != nil, A(Href("/contacts/"+idOf(p.Contact)), g.Text("Reload the contact"))))),
		Form(ID("contact-form"), Class("contact-form"), Method("post"), Action(action), g.Attr("novalidate"),
			CSRFField(p.CSRF),
			Input(Type("hidden"), Name("version"), Value(strconv.FormatInt(in.Version, 10))),
			labelList(),
			Section(Class("card"),
				H2(g.Text("Name and organization")),
				Div(Class("grid-form three"),
					f("First name", "first_name", in.FirstName),
					f("Middle name", "middle_name", in.MiddleName),
					f("Last name", "last_name", in.LastName),
					f("Company", "company", in.Company),
					f("Title", "title", in.Title),
				),
			),
			Section(Class("card"),
				H2(g.Text("Emails")),
				P(Class("hint"), g.Text("The first email is the primary: it receives notifications. Tick Notify for any other address that should get them too.")),
				Div(ID("email-rows"), Class("multi-rows emails"), g.Map(numbered(in.Emails), func(e numberedRow[EmailRow]) g.Node {
					return EmailRowFields(e.row, p.Errors["emails["+strconv.Itoa(e.i)+"].address"])
				})),
				addButton("email", "Add email"),
			),
			Section(Class("card"),
				H2(g.Text("Phones")),
				Div(ID("phone-rows"), Class("multi-rows"), g.Map(numbered(in.Phones), func(r numberedRow[PhoneRow]) g.Node {
					return PhoneRowFields(r.row, p.Errors["phones["+strconv.Itoa(r.i)+"].number"])
				})),
				addButton("phone", "Add phone"),
			),
			Section(Class("card"),
				H2(g.Text("Mailing addresses")),
				Div(ID("address-rows"), Class("multi-rows"), g.Map(in.Addresses, func(a AddressRow) g.Node { return AddressRowFields(a) })),
				addButton("address", "Add address"),
			),
			Section(Class("card"),
				H2(g.Text("More")),
				Div(Class("grid-form"),
					FieldInput(Field{Label: "Birthday", Name: "birthday", Type: "date", Value: in.Birthday, Error: p.Errors["birthday"]}),
					Div(Class("field"),
						Label(For("f-notes"), g.Text("Notes")),
						Textarea(ID("f-notes"), Name("notes"), Rows("4"), g.Text(in.Notes)),
						g.If(p.Errors["notes"] != "", Span(Class("error"), g.Text(p.Errors["notes"]))),
					),
				),
				Div(Class("field checkbox"),
					Input(ID("f-rp"), Type("checkbox"), Name("reverse_prospecting"), Value("1"), g.If(in.ReverseProspecting, Checked()),
						Aria("describedby", "f-rp-hint")),
					Label(For("f-rp"), g.Text("Reverse Prospecting")),
				),
				Small(ID("f-rp-hint"), Class("hint"), g.Text("Let listing agents see that you have a client whose search matches their listing. They see only your name, email and phone, never this contact's.")),
			),
			Div(Class("form-actions"),
				Button(Type("submit"), Class("primary"), ID("save-contact"), g.Text("Save")),
				A(Href("/contacts"), g.Text("Cancel")),
			),
		),
		contactGroups(p),
		contactSearches(p),
		contactPortal(p),
		g.If(p.Contact != nil, EmailActivity(p.Mail)),
		g.If(p.Contact != nil, statusCard(p)),
	)
}

// statusCard offers Deactivate (or Reactivate) with what it means.
func statusCard(p ContactFormProps) g.Node {
	c := p.Contact
	if c == nil {
		return nil
	}
	if c.Status == app.StatusInactive {
		return Section(Class("card status-card"),
			H2(g.Text("Inactive")),
			P(g.Text("This contact is kept but hidden from the default list and gets no notifications.")),
			Form(Method("post"), Action("/contacts/"+c.ID+"/reactivate"),
				CSRFField(p.CSRF), Button(Type("submit"), ID("reactivate"), g.Text("Reactivate"))),
		)
	}
	return Section(Class("card status-card"),
		H2(g.Text("Deactivate")),
		P(g.Text("Deactivating keeps everything about this contact but hides it from the default list, stops notification emails and blocks its portal login. You can reactivate it at any time.")),
		Form(Method("post"), Action("/contacts/"+c.ID+"/deactivate"),
			CSRFField(p.CSRF), Button(Type("submit"), ID("deactivate"), g.Text("Deactivate"))),
		H2(g.Text("Remove")),
		P(g.Text("Removing deletes the contact for good (after a few seconds in which you can undo it).")),
		A(Href("/contacts/"+c.ID+"/remove"), Class("button danger"), ID("remove"), g.Text("Remove…")),
	)
}

func idOf(c *app.Contact) string {
	if c == nil {
		return ""
	}
	return c.ID
}

func addButton(kind, text string) g.Node {
	return Button(Type("button"), Class("small add-row"), ID("add-"+kind),
		hx("get", "/contacts/form/"+kind+"-row"), hx("target", "#"+kind+"-rows"), hx("swap", "beforeend"),
		g.Text(text))
}

// numberedRow is a form row with its position, which field errors such as emails[1].address name.
type numberedRow[T any] struct {
	i   int
	row T
}

func numbered[T any](rows []T) []numberedRow[T] {
	out := make([]numberedRow[T], len(rows))
	for i, r := range rows {
		out[i] = numberedRow[T]{i, r}
	}
	return out
}

func removeButton(what string) g.Node {
	return Button(Type("button"), Class("small row-remove"), Aria("label", "Remove "+what), g.Text("✕"))
}

// EmailRowFields is one email's inputs: address, label, Notify, Make primary and remove. The
// first row is the primary (CSS shows its badge and hides its Notify box).
func EmailRowFields(r EmailRow, errMsg string) g.Node {
	k := r.Key
	return Div(Class("multi-row email-row"),
		Input(Type("hidden"), Name("email_key"), Value(k)),
		Div(Class("field grow"+errClass(errMsg)),
			Label(For("email-"+k), g.Text("Email"), Span(Class("primary-badge"), g.Text(" (primary)"))),
			Input(ID("email-"+k), Type("email"), Name("email_address_"+k), Value(r.Address), AutoComplete("off"),
				g.If(errMsg != "", g.Group{Aria("invalid", "true"), Aria("describedby", "email-"+k+"-err")})),
			g.If(errMsg != "", Span(ID("email-"+k+"-err"), Class("error"), g.Text(errMsg))),
			g.If(errMsg == "" && r.Status == app.EmailInvalid, Span(Class("error email-invalid"), g.Text("Invalid: "+r.Reason+" "),
				A(Href("/contacts/email-addresses"), g.Text("Action Required")))),
			g.If(errMsg == "" && r.Status == app.EmailValid, Small(Class("hint email-valid"), g.Text("✓ Verified"))),
		),
		Div(Class("field"),
			Label(For("email-label-"+k), g.Text("Label")),
			Input(ID("email-label-"+k), Name("email_label_"+k), Value(r.Label), List("label-options"), AutoComplete("off")),
		),
		Div(Class("field checkbox notify"),
			Input(ID("email-notify-"+k), Type("checkbox"), Name("email_notify_"+k), Value("1"), g.If(r.Notify, Checked())),
			Label(For("email-notify-"+k), g.Text("Notify")),
		),
		Button(Type("button"), Class("small make-primary"), g.Text("Make primary")),
		removeButton("email"),
	)
}

// PhoneRowFields is one phone's inputs.
func PhoneRowFields(r PhoneRow, errMsg string) g.Node {
	k := r.Key
	return Div(Class("multi-row"),
		Input(Type("hidden"), Name("phone_key"), Value(k)),
		Div(Class("field grow"+errClass(errMsg)),
			Label(For("phone-"+k), g.Text("Phone")),
			Input(ID("phone-"+k), Type("tel"), Name("phone_number_"+k), Value(r.Number), AutoComplete("off"),
				g.If(errMsg != "", g.Group{Aria("invalid", "true"), Aria("describedby", "phone-"+k+"-err")})),
			g.If(errMsg != "", Span(ID("phone-"+k+"-err"), Class("error"), g.Text(errMsg))),
		),
		Div(Class("field"),
			Label(For("phone-label-"+k), g.Text("Label")),
			Input(ID("phone-label-"+k), Name("phone_label_"+k), Value(r.Label), List("label-options"), AutoComplete("off")),
		),
		removeButton("phone"),
	)
}

// AddressRowFields is one mailing address's inputs.
func AddressRowFields(r AddressRow) g.Node {
	k := r.Key
	in := func(label, name, value string) g.Node {
		id := "address-" + name + "-" + k
		return Div(Class("field"),
			Label(For(id), g.Text(label)),
			Input(ID(id), Name("address_"+name+"_"+k), Value(value), AutoComplete("off"),
				g.If(name == "label", List("label-options"))),
		)
	}
	return Div(Class("multi-row address-row"),
		Input(Type("hidden"), Name("address_key"), Value(k)),
		in("Label", "label", r.Label),
		Div(Class("grow"), in("Street", "street", r.Street)),
		in("City", "city", r.City),
		in("Region", "region", r.Region),
		in("Postal code", "postal", r.PostalCode),
		in("Country", "country", r.Country),
		removeButton("address"),
	)
}

func contactSearches(p ContactFormProps) g.Node {
	if p.Contact == nil || p.Searches == nil {
		return nil
	}
	return SavedSearchSection(p.Contact.ID, p.Searches)
}
