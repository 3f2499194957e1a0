package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/app/web"

	"github.com/PuerkitoBio/goquery"
)

// multipartBody builds an upload form: fields first, then the file, as a browser sends it.
func multipartBody(t testing.TB, fields map[string]string, name string, file []byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(file)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, w.FormDataContentType()
}

// upload posts a file to Import Contacts as the browser's form does (the token in the URL).
func (b *browser) upload(t testing.TB, name string, file []byte, fields map[string]string) *page {
	t.Helper()
	body, ct := multipartBody(t, fields, name, file)
	return b.do(t, http.MethodPost, "/contacts/import?_csrf="+url.QueryEscape(b.token(t)), body, hdr("Content-Type", ct))
}

// waitImport waits until an import has finished.
func waitImport(t testing.TB, h *harness, owner, id string) *app.Import {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		im, err := h.imports.Get(context.Background(), owner, id)
		if err != nil {
			t.Fatal(err)
		}
		if im.Status != app.ImportRunning && im.Status != app.ImportUndoing {
			return im
		}
		if time.Now().After(deadline) {
			t.Fatalf("import still running: %+v", im)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const googleCSV = "First Name,Middle Name,Last Name,Organization Name,Organization Title,Labels,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value\n" +
	"Ana,,Silva,Acme,Broker,* myContacts ::: Buyers,* Home,ana@example.com ::: ana.work@example.com,Mobile,555-0101\n" +
	"Ben,,Okafor,,,* myContacts,Work,ben@example.com,,\n" +
	"Bad,,Row,,,,Home,not an email,,\n"

func TestImportFromTheBrowserForms(t *testing.T) {
	h := newHarness(t)
	u := h.agent(t, "Agent A", "a@example.com", false)
	b := h.loggedIn(t, "a@example.com")

	t.Run("the Advanced menu offers Import and Export Contacts", func(t *testing.T) {
		p := b.get(t, "/contacts")
		var items []string
		p.find("#advanced-menu [role=menuitem]").Each(func(_ int, s *goquery.Selection) { items = append(items, strings.TrimSpace(s.Text())) })
		if strings.Join(items, "|") != "Contact Summary|Import Contacts|Export Contacts|Create Portal Accounts|Create Portal Accounts with Invite|Hide Quick Add|Customize Contact List" {
			t.Errorf("menu = %q", items)
		}
	})

	p := b.upload(t, "google.csv", []byte(googleCSV), map[string]string{"delimiter": ""})
	p.wantStatus(http.StatusOK)
	if got := p.text("#import-about"); !strings.Contains(got, "Google Contacts") {
		t.Errorf("about = %q", got)
	}
	if got := p.text("#import-totals"); !strings.Contains(got, "3 rows") || !strings.Contains(got, "2 to create") || !strings.Contains(got, "1 with errors") {
		t.Errorf("totals = %q", got)
	}
	if n := p.find("#preview-rows tbody tr").Length(); n != 3 {
		t.Errorf("preview rows = %d", n)
	}
	if got := p.text("#preview-rows tbody tr.action-error"); !strings.Contains(got, "Email 1") {
		t.Errorf("error row = %q", got)
	}
	if activeCount(t, h, u.ID) != 0 {
		t.Fatal("the preview wrote contacts")
	}
	action, _ := p.one("#import-settings").Attr("action")
	id := strings.Split(action, "/")[3]

	t.Run("Update preview with htmx swaps the preview with the new choices", func(t *testing.T) {
		f := b.hx(t, http.MethodPost, "/contacts/import/"+id+"/preview", "import-preview",
			url.Values{"duplicates": {"update"}, "group": {"Spring open house"}})
		f.wantStatus(http.StatusOK)
		if f.find("header").Length() != 0 || !strings.Contains(f.text("#import-totals"), "New groups: Spring open house") {
			t.Errorf("fragment:\n%s", f.body)
		}
	})

	run := b.post(t, "/contacts/import/"+id+"/run", url.Values{"duplicates": {"skip"}, "group": {"Spring open house"}})
	run.wantRedirect("/contacts/import/" + id)
	im := waitImport(t, h, u.ID, id)
	if im.Status != app.ImportDone || im.Created != 2 || im.Failed != 1 {
		t.Fatalf("import = %+v", im)
	}
	res := b.get(t, "/contacts/import/"+id)
	if res.text("#count-created") != "2" || res.text("#count-failed") != "1" || res.find("#import-undo").Length() != 1 {
		t.Errorf("result page:\n%s", res.text("#import-progress"))
	}
	if res.find("#import-progress[hx-trigger]").Length() != 0 {
		t.Error("a finished import still polls")
	}
	failed := b.get(t, "/contacts/import/"+id+"/failed.csv")
	if !strings.Contains(failed.body, "4,") || !strings.Contains(failed.body, "not an email") {
		t.Errorf("failed rows:\n%s", failed.body)
	}
	list := b.get(t, "/contacts?q=silva")
	if len(rowIDs(list)) != 1 {
		t.Errorf("imported contact not found by search")
	}

	undo := b.post(t, "/contacts/import/"+id+"/undo", nil)
	undo.wantRedirect("/contacts/import/" + id)
	waitImport(t, h, u.ID, id)
	if activeCount(t, h, u.ID) != 0 {
		t.Error("undo left contacts behind")
	}
	if got := b.get(t, "/contacts/import").text("table.imports"); !strings.Contains(got, "Undone") {
		t.Errorf("recent imports = %q", got)
	}
}

func TestImportRefusesBadUploadsKeepingTheForm(t *testing.T) {
	h := newHarness(t, func(o *web.Options) { o.ImportMaxSize = 2048 })
	h.imports.MaxSize = 2048
	h.agent(t, "Agent A", "a@example.com", false)
	b := h.loggedIn(t, "a@example.com")
	for _, tc := range []struct {
		name, file string
		fields     map[string]string
		want       string
	}{
		{"a binary file", "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", map[string]string{"delimiter": ";"}, "binary"},
		{"an empty file", "", map[string]string{"delimiter": "|"}, "empty"},
		{"a file over the limit", "Name\n" + strings.Repeat("Ana Silva\n", 500), map[string]string{"delimiter": "\t"}, "larger than"},
		{"an Other delimiter of two characters", "Name\nAna\n", map[string]string{"delimiter": "other", "other": "ab"}, "one character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := b.upload(t, "x.csv", []byte(tc.file), tc.fields)
			p.wantStatus(http.StatusUnprocessableEntity)
			if !strings.Contains(p.text(".alert-error"), tc.want) {
				t.Errorf("message = %q, want %q", p.text(".alert-error"), tc.want)
			}
			if got, _ := p.find("#import-delimiter option[selected]").Attr("value"); got != tc.fields["delimiter"] {
				t.Errorf("delimiter choice not kept: %q", got)
			}
		})
	}
	t.Run("an upload without the form's token is refused", func(t *testing.T) {
		body, ct := multipartBody(t, nil, "x.csv", []byte("Name\nAna\n"))
		p := b.do(t, http.MethodPost, "/contacts/import", body, hdr("Content-Type", ct))
		p.wantStatus(http.StatusForbidden)
	})
}

func TestImportMappingScreen(t *testing.T) {
	h := newHarness(t)
	u := h.agent(t, "Agent A", "a@example.com", false)
	b := h.loggedIn(t, "a@example.com")
	p := b.upload(t, "crm.csv", []byte("Kunde,Mailadresse\nAna Silva,ana@example.com\n"), nil)
	p.wantStatus(http.StatusOK)
	if p.find("#import-mapping select[name=map]").Length() != 2 || !strings.Contains(p.text("#import-mapping"), "ana@example.com") {
		t.Fatalf("mapping screen:\n%s", p.text("#import-preview"))
	}
	action, _ := p.one("#import-mapping").Attr("action")
	m := b.post(t, action, url.Values{"mapped": {"1"}, "map": {"full_name", "email"}, "duplicates": {"skip"}})
	if !strings.Contains(m.text("#import-totals"), "1 to create") {
		t.Fatalf("mapped preview:\n%s", m.text("#import-preview"))
	}
	id := strings.Split(action, "/")[3]
	b.post(t, "/contacts/import/"+id+"/run", url.Values{"duplicates": {"skip"}})
	if im := waitImport(t, h, u.ID, id); im.Created != 1 {
		t.Errorf("import = %+v", im)
	}
}

func TestExportDownloads(t *testing.T) {
	h := newHarness(t)
	u := h.agent(t, "Agent A", "a@example.com", false)
	h.contact(t, u, "Ana", "Silva", "ana@example.com")
	h.contact(t, u, "Ben", "Okafor", "ben@example.com")
	b := h.loggedIn(t, "a@example.com")

	p := b.get(t, "/contacts/export?q=silva")
	if !strings.Contains(p.text("#export-form"), "current list (1)") || !strings.Contains(p.text("#export-form"), "All my contacts (2") {
		t.Errorf("export page:\n%s", p.text("#export-form"))
	}
	all := b.get(t, "/contacts/export/download?scope=all&format=csv&q=silva")
	if !strings.HasPrefix(all.body, "\ufeffFirst Name,") || !strings.Contains(all.body, "Okafor") || !strings.Contains(all.header.Get("Content-Disposition"), ".csv") {
		t.Errorf("all as CSV: %s\n%s", all.header, all.body)
	}
	some := b.get(t, "/contacts/export/download?scope=filter&format=vcf&q=silva")
	if !strings.Contains(some.body, "BEGIN:VCARD") || strings.Contains(some.body, "Okafor") || !strings.Contains(some.body, "Silva") {
		t.Errorf("filtered vCard:\n%s", some.body)
	}
	tok := h.token(t, "a@example.com")
	api := h.api(t, tok, http.MethodGet, "/api/v1/exports?format=vcf", nil)
	if api.status != http.StatusOK || strings.Count(api.body, "BEGIN:VCARD") != 2 {
		t.Errorf("API export: %d\n%s", api.status, api.body)
	}
	h.api(t, tok, http.MethodGet, "/api/v1/exports?format=xlsx", nil).wantError(t, http.StatusUnprocessableEntity, "invalid")
}

func TestImportAPI(t *testing.T) {
	h := newHarness(t)
	u := h.agent(t, "Agent A", "a@example.com", false)
	tok := h.token(t, "a@example.com")
	post := func(fields map[string]string, file string) *apiResponse {
		body, ct := multipartBody(t, fields, "g.csv", []byte(file))
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/api/v1/imports", body)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", ct)
		res, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var buf bytes.Buffer
		buf.ReadFrom(res.Body)
		return &apiResponse{status: res.StatusCode, header: res.Header, body: buf.String()}
	}
	dry := post(map[string]string{"dry_run": "true"}, googleCSV)
	if dry.status != http.StatusOK || dry.object(t)["created"].(float64) != 2 || activeCount(t, h, u.ID) != 0 {
		t.Fatalf("dry run: %d %s", dry.status, dry.body)
	}
	res := post(map[string]string{"duplicates": "update"}, googleCSV)
	if res.status != http.StatusAccepted {
		t.Fatalf("import: %d %s", res.status, res.body)
	}
	id := res.object(t)["id"].(string)
	waitImport(t, h, u.ID, id)
	got := h.api(t, tok, http.MethodGet, "/api/v1/imports/"+id, nil).object(t)
	if got["status"] != "done" || got["created"].(float64) != 2 || got["failed"].(float64) != 1 {
		t.Errorf("import: %v", got)
	}
	if errs, _ := got["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["row"].(float64) != 4 {
		t.Errorf("errors: %v", got["errors"])
	}
	post(nil, "Kunde\nAna\n").wantError(t, http.StatusUnprocessableEntity, "invalid")
	undo := h.api(t, tok, http.MethodPost, "/api/v1/imports/"+id+"/undo", nil)
	if undo.status != http.StatusOK || activeCount(t, h, u.ID) != 0 {
		t.Errorf("undo: %d %s", undo.status, undo.body)
	}
}
