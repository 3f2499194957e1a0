package views_test

import (
	"strings"
	"testing"

	"agentbook/app"
	"agentbook/app/imports"
	"agentbook/views"
)

func TestImportPreviewBody(t *testing.T) {
	im := func(format string) *app.Import {
		return &app.Import{ID: "I1", FileName: "f.csv", Format: format, Encoding: "UTF-8", Delimiter: ",", Duplicates: app.DuplicatesSkip, Total: 2}
	}
	for _, tc := range []struct {
		name    string
		im      *app.Import
		pv      *imports.Preview
		about   string
		mapping bool
	}{
		{"A recognised layout is named with its delimiter and encoding.", im(string(imports.FormatGoogle)),
			&imports.Preview{Create: 2}, "Read as Google Contacts CSV, comma-separated, UTF-8.", false},
		{"A file that needs a mapping is not called recognised.", im(string(imports.FormatGeneric)),
			&imports.Preview{NeedsMapping: true, Header: []string{"Kunde", "Mailadresse"}}, "Read as CSV, comma-separated, UTF-8.", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, _ := render(t, views.ImportPreviewBody(views.ImportPreviewProps{PageProps: views.PageProps{CSRF: "tok"}, Import: tc.im, Preview: tc.pv}))
			if got := text(doc.Find("#import-about")); got != tc.about {
				t.Errorf("#import-about = %q, want %q", got, tc.about)
			}
			if got := doc.Find("#import-mapping").Length() == 1; got != tc.mapping {
				t.Errorf("mapping form shown = %v, want %v", got, tc.mapping)
			}
		})
	}

	t.Run("A duplicates choice without a hint has no dangling dash.", func(t *testing.T) {
		doc, _ := render(t, views.ImportPreviewBody(views.ImportPreviewProps{Import: im(string(imports.FormatGoogle)), Preview: &imports.Preview{Create: 2}}))
		for _, v := range []string{app.DuplicatesSkip, app.DuplicatesUpdate, app.DuplicatesCreate} {
			if got := text(doc.Find(`label[for="dup-` + v + `"]`)); strings.HasSuffix(got, "—") || got == "" {
				t.Errorf("label of %s = %q", v, got)
			}
		}
	})
}
