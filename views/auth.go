package views

import (
	g "maragu.dev/gomponents"
	. "maragu.dev/gomponents/html"
)

// SetupProps fills the first-run page that creates the admin account.
type SetupProps struct {
	PageProps
	Name, Email string
	Errors      map[string]string
	Message     string
}

// SetupPage is shown on the first visit, while no account exists.
func SetupPage(p SetupProps) g.Node {
	p.Title = "Set up agentbook"
	return Layout(p.PageProps, Section(Class("card narrow"),
		H1(g.Text("Welcome to agentbook")),
		P(g.Text("Create the office admin account. The admin can add the other agents afterwards.")),
		Alert("error", p.Message),
		Form(Method("post"), Action("/setup"), ID("setup-form"),
			CSRFField(p.CSRF),
			FieldInput(Field{Label: "Your name", Name: "name", Value: p.Name, Error: p.Errors["name"], Autocomplete: "name", Required: true}),
			FieldInput(Field{Label: "Email", Name: "email", Type: "email", Value: p.Email, Error: p.Errors["email"], Autocomplete: "email", Required: true}),
			FieldInput(Field{Label: "Password", Name: "password", Type: "password", Error: p.Errors["password"], Autocomplete: "new-password", Required: true,
				Hint: "At least 10 characters."}),
			Button(Type("submit"), Class("primary"), g.Text("Create admin account")),
		),
	))
}

// LoginProps fills the login page.
type LoginProps struct {
	PageProps
	Email   string
	Message string
	Notice  string
	Next    string
}

// LoginPage asks for email and password.
func LoginPage(p LoginProps) g.Node {
	p.Title = "Log in"
	return Layout(p.PageProps, Section(Class("card narrow"),
		H1(g.Text("Log in to agentbook")),
		Alert("info", p.Notice),
		Alert("error", p.Message),
		Form(Method("post"), Action("/login"), ID("login-form"),
			CSRFField(p.CSRF),
			g.If(p.Next != "", Input(Type("hidden"), Name("next"), Value(p.Next))),
			FieldInput(Field{Label: "Email", Name: "email", Type: "email", Value: p.Email, Autocomplete: "username", Required: true}),
			FieldInput(Field{Label: "Password", Name: "password", Type: "password", Autocomplete: "current-password", Required: true}),
			Button(Type("submit"), Class("primary"), g.Text("Log in")),
		),
	))
}
