package views

import (
	"strconv"

	"agentbook/app"

	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

// GroupsProps fills Edit Group List.
type GroupsProps struct {
	PageProps
	Groups  []*app.Group
	Counts  map[string]int
	NewName string
	Errors  map[string]string // "name" for Add New, "name-<id>" for a rename
	Renames map[string]string // what was typed into a rename that failed
	Notice  string
	Message string
}

// GroupsPage is Edit Group List: Add New, rename and remove the agent's groups.
func GroupsPage(p GroupsProps) g.Node {
	p.Title, p.Nav = "Edit Group List", "contacts"
	return Layout(p.PageProps,
		Div(Class("page-head"), H1(g.Text("Edit Group List")), A(Href("/contacts"), g.Text("‹ Contact Management"))),
		Alert("success", p.Notice),
		Alert("error", p.Message),
		Section(Class("card"),
			H2(g.Text("Add New")),
			Form(Method("post"), Action("/groups"), Class("inline-form"), ID("add-group"),
				CSRFField(p.CSRF),
				FieldInput(Field{Label: "Group name", Name: "name", ID: "new-group", Value: p.NewName, Error: p.Errors["name"]}),
				Button(Type("submit"), Class("primary"), g.Text("Add New")),
			),
		),
		Section(Class("card"),
			H2(g.Text("Your groups")),
			g.If(len(p.Groups) == 0, P(Class("hint"), g.Text("No groups yet."))),
			Ul(Class("group-list"), g.Map(p.Groups, func(gr *app.Group) g.Node {
				name := gr.Name
				if v, ok := p.Renames[gr.ID]; ok {
					name = v
				}
				n := p.Counts[gr.ID]
				return Li(ID("group-"+gr.ID), Class("group-item"),
					Form(Method("post"), Action("/groups/"+gr.ID+"/rename"), Class("inline-form"),
						CSRFField(p.CSRF),
						FieldInput(Field{Label: "Name", Name: "name", ID: "rename-" + gr.ID, Value: name, Error: p.Errors["name-"+gr.ID]}),
						Button(Type("submit"), g.Text("Rename")),
					),
					Span(Class("count"), g.Textf("%s contact%s", strconv.Itoa(n), plural(n))),
					A(Href("/groups/"+gr.ID+"/remove"), Class("button"), g.Text("Remove")),
				)
			})),
		),
	)
}

// RemoveGroupProps fills the confirmation before a group is removed.
type RemoveGroupProps struct {
	PageProps
	Group *app.Group
	Count int
}

// RemoveGroupPage says how many contacts are in the group and asks to confirm.
func RemoveGroupPage(p RemoveGroupProps) g.Node {
	p.Title, p.Nav = "Remove "+p.Group.Name, "contacts"
	return Layout(p.PageProps, Section(Class("card narrow"),
		H1(g.Textf("Remove the group %s?", p.Group.Name)),
		P(g.Textf("%d contact%s in it will lose this group; nothing else about them changes.", p.Count, plural(p.Count))),
		Form(Method("post"), Action("/groups/"+p.Group.ID+"/remove"), Class("form-actions"),
			CSRFField(p.CSRF),
			Button(Type("submit"), Class("danger"), ID("confirm-remove-group"), g.Text("Remove group")),
			A(Href("/groups"), g.Text("Cancel")),
		),
	))
}

// contactGroups shows a contact's groups with an X each, and Add to pick more (Save Changes).
func contactGroups(p ContactFormProps) g.Node {
	c := p.Contact
	if c == nil {
		return nil
	}
	in := map[string]bool{}
	for _, id := range c.GroupIDs {
		in[id] = true
	}
	var others []*app.Group
	for _, gr := range p.AllGroups {
		if !in[gr.ID] {
			others = append(others, gr)
		}
	}
	return Section(Class("card"), ID("contact-groups"),
		H2(g.Text("Groups")),
		Ul(Class("chips"), g.Map(c.GroupIDs, func(id string) g.Node {
			name, ok := p.GroupName[id]
			if !ok {
				return nil
			}
			return Li(Span(Class("chip"), g.Text(name)),
				Form(Method("post"), Action("/contacts/"+c.ID+"/groups/remove"), Class("inline"),
					CSRFField(p.CSRF), Input(Type("hidden"), Name("group"), Value(id)),
					Button(Type("submit"), Class("small link-x"), Aria("label", "Remove from "+name), g.Text("✕"))))
		})),
		g.If(len(c.GroupIDs) == 0, P(Class("hint"), g.Text("Not in any group."))),
		Details(Class("group-add"),
			Summary(Class("button small"), ID("groups-add"), g.Text("Add")),
			g.If(len(others) == 0, P(Class("hint"), g.Text("No other groups. Create them in Edit Group List."))),
			g.If(len(others) > 0, Form(Method("post"), Action("/contacts/"+c.ID+"/groups/add"),
				CSRFField(p.CSRF),
				FieldSet(Legend(g.Text("Pick groups")),
					g.Map(others, func(gr *app.Group) g.Node {
						id := "pick-" + gr.ID
						return Div(Class("field checkbox"),
							Input(ID(id), Type("checkbox"), Name("group"), Value(gr.ID)),
							Label(For(id), g.Text(gr.Name)))
					})),
				Button(Type("submit"), Class("primary small"), ID("groups-save"), g.Text("Save Changes")),
			)),
		),
		P(A(Href("/groups"), ID("edit-group-list"), g.Text("Edit Group List"))),
	)
}
