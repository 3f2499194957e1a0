package views

import (
	"agentbook/app"

	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

// AgentsProps fills the admin's Agents page.
type AgentsProps struct {
	PageProps
	Agents  []*app.User
	Form    AgentForm
	Notice  string
	Message string
}

// AgentForm is the Add agent form's input and errors.
type AgentForm struct {
	Name, Email, Phone string
	Admin              bool
	Errors             map[string]string
}

// AgentsPage lists the office's agents with Add agent and Disable / Enable.
func AgentsPage(p AgentsProps) g.Node {
	p.Title = "Agents"
	p.Nav = "agents"
	f := p.Form
	return Layout(p.PageProps,
		Div(Class("page-head"), H1(g.Text("Agents"))),
		Alert("success", p.Notice),
		Alert("error", p.Message),
		Div(Class("table-wrap"), Table(Class("agents"),
			THead(Tr(Th(g.Text("Name")), Th(g.Text("Email")), Th(g.Text("Phone")), Th(g.Text("Role")), Th(g.Text("Status")), Th(Span(Class("sr-only"), g.Text("Actions"))))),
			TBody(g.Map(p.Agents, func(u *app.User) g.Node {
				status, action, label := "Enabled", "disable", "Disable"
				if !u.Enabled {
					status, action, label = "Disabled", "enable", "Enable"
				}
				return Tr(ID("agent-"+u.ID), g.If(!u.Enabled, Class("inactive")),
					Td(g.Text(u.Name)), Td(g.Text(u.Email)), Td(g.Text(u.Phone)), Td(g.Text(u.Role)), Td(g.Text(status)),
					Td(Class("actions"), g.If(p.User == nil || p.User.ID != u.ID,
						Form(Method("post"), Action("/agents/"+u.ID+"/"+action), Class("inline"),
							CSRFField(p.CSRF),
							Button(Type("submit"), Class("small"), g.Text(label)),
						))),
				)
			})),
		)),
		Section(Class("card"),
			H2(g.Text("Add agent")),
			Form(Method("post"), Action("/agents"), ID("agent-form"), Class("grid-form"),
				CSRFField(p.CSRF),
				FieldInput(Field{Label: "Name", Name: "name", Value: f.Name, Error: f.Errors["name"], Required: true}),
				FieldInput(Field{Label: "Email", Name: "email", Type: "email", Value: f.Email, Error: f.Errors["email"], Required: true}),
				FieldInput(Field{Label: "Phone (optional)", Name: "phone", Type: "tel", Value: f.Phone, Error: f.Errors["phone"]}),
				FieldInput(Field{Label: "Initial password", Name: "password", Type: "password", Error: f.Errors["password"], Required: true,
					Autocomplete: "new-password", Hint: "At least 10 characters; the agent can share it privately."}),
				Div(Class("field checkbox"),
					Input(ID("f-admin"), Type("checkbox"), Name("admin"), Value("1"), g.If(f.Admin, Checked())),
					Label(For("f-admin"), g.Text("Office admin (can manage agents)")),
				),
				Div(Class("field actions"), Button(Type("submit"), Class("primary"), g.Text("Add agent"))),
			),
		),
	)
}
