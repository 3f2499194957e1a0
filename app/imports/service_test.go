package imports_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/app/imports"
	"agentbook/store"
	"agentbook/store/storetest"
)

type fixture struct {
	t        *testing.T
	ctx      context.Context
	contacts *app.ContactService
	store    *store.Store
	svc      *imports.Service
	owner    string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	cs, _, st, _ := storetest.Services(t)
	f := &fixture{t: t, ctx: context.Background(), contacts: cs, store: st, owner: app.NewID()}
	f.svc = &imports.Service{Contacts: cs, Store: st, Dir: t.TempDir(), BatchSize: 3}
	t.Cleanup(f.svc.Close)
	return f
}

// importFile previews and runs a file, failing the test on any error.
func (f *fixture) importFile(body string, set imports.Settings) *app.Import {
	f.t.Helper()
	im, pv, err := f.svc.Upload(f.ctx, f.owner, "contacts.csv", strings.NewReader(body), set)
	if err != nil {
		f.t.Fatalf("upload: %v", err)
	}
	if pv.NeedsMapping || pv.Problem != "" {
		f.t.Fatalf("preview: needs mapping %v, problem %q", pv.NeedsMapping, pv.Problem)
	}
	im, err = f.svc.Run(f.ctx, f.owner, im.ID)
	if err != nil {
		f.t.Fatalf("run: %v", err)
	}
	return im
}

// all returns the agent's contacts by display name.
func (f *fixture) all() map[string]*app.Contact {
	f.t.Helper()
	out := map[string]*app.Contact{}
	err := f.contacts.EachContact(f.ctx, f.owner, func(c *app.Contact) error {
		out[c.DisplayName()] = c
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func counts(im *app.Import) [4]int { return [4]int{im.Created, im.Updated, im.Skipped, im.Failed} }

const people = "First Name,Last Name,Email,Phone,Company,Groups\n" +
	"Ana,Silva,ana@example.com,555-0101,Acme,Buyers\n" +
	"Ben,Okafor,ben@example.com,555-0102,,Buyers; Sellers\n" +
	"Chloé,Dubois,chloe@example.com,555-0103,Globex,\n" +
	"Dan,Kim,,(555) 010-0104,,\n"

func TestImportCreatesContactsAndReimportCreatesNothing(t *testing.T) {
	f := newFixture(t)
	im := f.importFile(people, imports.Settings{})
	if im.Status != app.ImportDone || counts(im) != [4]int{4, 0, 0, 0} {
		t.Fatalf("first import: status %s, counts %v, errors %v", im.Status, counts(im), im.Errors)
	}
	got := f.all()
	if len(got) != 4 {
		t.Fatalf("contacts: %d, want 4", len(got))
	}
	ben := got["Ben Okafor"]
	gs, _ := f.contacts.Groups(f.ctx, f.owner)
	if len(gs) != 2 || len(ben.GroupIDs) != 2 {
		t.Errorf("groups: %d created, Ben in %d; want 2 and 2", len(gs), len(ben.GroupIDs))
	}
	if got["Chloé Dubois"].Company != "Globex" || got["Dan Kim"].PrimaryPhone() != "(555) 010-0104" {
		t.Errorf("fields not kept: %+v %+v", got["Chloé Dubois"], got["Dan Kim"])
	}
	again := f.importFile(people, imports.Settings{})
	if counts(again) != [4]int{0, 0, 4, 0} {
		t.Errorf("re-import counts %v, want 4 skipped", counts(again))
	}
	if n := len(f.all()); n != 4 {
		t.Errorf("after re-import %d contacts, want 4", n)
	}
	// Dan has no email: he matches on name plus phone digits, written differently.
	dan := f.importFile("Name,Mobile\nDan Kim,+1 555 010 0104\n", imports.Settings{})
	if counts(dan) != [4]int{0, 0, 1, 0} {
		t.Errorf("name and phone match: counts %v, want 1 skipped", counts(dan))
	}
}

func TestPreviewWritesNothing(t *testing.T) {
	f := newFixture(t)
	_, pv, err := f.svc.Upload(f.ctx, f.owner, "p.csv", strings.NewReader(people+"Eve,,not-an-email,,,\n"), imports.Settings{Group: "Open House"})
	if err != nil {
		t.Fatal(err)
	}
	if pv.Create != 4 || pv.Fail != 1 || len(pv.Rows) != 5 {
		t.Errorf("preview: create %d fail %d rows %d; want 4, 1, 5", pv.Create, pv.Fail, len(pv.Rows))
	}
	if pv.Rows[4].Action != imports.ActionError || !strings.Contains(pv.Rows[4].Message, "Email 1") {
		t.Errorf("row 6: %+v", pv.Rows[4])
	}
	if strings.Join(pv.NewGroups, ",") != "Open House,Buyers,Sellers" {
		t.Errorf("new groups %q", pv.NewGroups)
	}
	if n := len(f.all()); n != 0 {
		t.Errorf("preview wrote %d contacts", n)
	}
	if gs, _ := f.contacts.Groups(f.ctx, f.owner); len(gs) != 0 {
		t.Errorf("preview created %d groups", len(gs))
	}
}

func TestDuplicatePolicies(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy string
		want   [4]int
		total  int
	}{
		{"skip leaves the existing contact alone", app.DuplicatesSkip, [4]int{1, 0, 1, 0}, 2},
		{"update fills in what the file adds", app.DuplicatesUpdate, [4]int{1, 1, 0, 0}, 2},
		{"create adds another contact anyway", app.DuplicatesCreate, [4]int{2, 0, 0, 0}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			before, err := f.contacts.Create(f.ctx, f.owner, &app.Contact{FirstName: "Ana", LastName: "Silva",
				Emails: []app.Email{{Address: "ana@example.com"}}, Notes: "met at open house"})
			if err != nil {
				t.Fatal(err)
			}
			im := f.importFile("First Name,Last Name,Email,Phone,Company\nAna,Silva,ANA@example.com,555-0101,Acme\nBo,Li,bo@example.com,,\n",
				imports.Settings{Duplicates: tc.policy})
			if counts(im) != tc.want {
				t.Fatalf("counts %v, want %v (errors %v)", counts(im), tc.want, im.Errors)
			}
			if n := len(f.all()); n != tc.total && tc.policy != app.DuplicatesCreate {
				t.Errorf("%d contacts, want %d", n, tc.total)
			}
			ana, _ := f.contacts.Get(f.ctx, f.owner, before.ID)
			if tc.policy == app.DuplicatesUpdate {
				if ana.Company != "Acme" || ana.PrimaryPhone() != "555-0101" || ana.Notes != "met at open house" || len(ana.Emails) != 1 {
					t.Errorf("updated contact: %+v", ana)
				}
				// Undo puts the earlier version back and removes what the import created.
				if _, err := f.svc.Undo(f.ctx, f.owner, im.ID); err != nil {
					t.Fatal(err)
				}
				back, _ := f.contacts.Get(f.ctx, f.owner, before.ID)
				if back.Company != "" || len(back.Phones) != 0 || back.Version != ana.Version+1 {
					t.Errorf("after undo: %+v", back)
				}
				if n := len(f.all()); n != 1 {
					t.Errorf("after undo %d contacts, want 1", n)
				}
			} else if ana.Company != "" {
				t.Errorf("%s changed the existing contact: %+v", tc.policy, ana)
			}
		})
	}
}

func TestUndoRemovesCreatedContactsEvenAfterEdits(t *testing.T) {
	f := newFixture(t)
	keep, _ := f.contacts.Create(f.ctx, f.owner, &app.Contact{FirstName: "Keep", LastName: "Me"})
	im := f.importFile(people, imports.Settings{Group: "Spring import"})
	if im.GroupID == "" {
		t.Fatal("group not created")
	}
	ana := f.all()["Ana Silva"]
	ana.Title = "Owner"
	if _, err := f.contacts.Update(f.ctx, f.owner, ana); err != nil {
		t.Fatal(err)
	}
	done, err := f.svc.Undo(f.ctx, f.owner, im.ID)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != app.ImportUndone {
		t.Errorf("status %s", done.Status)
	}
	got := f.all()
	if len(got) != 1 || got["Keep Me"] == nil || got["Keep Me"].ID != keep.ID {
		t.Errorf("after undo: %v", got)
	}
	l, err := f.contacts.List(f.ctx, app.ContactQuery{OwnerID: f.owner, Text: "silva", Status: app.StatusAll, Limit: 10})
	if err != nil || l.Total != 0 {
		t.Errorf("index still finds removed contacts: %v %v", l, err)
	}
	if _, err := f.svc.Undo(f.ctx, f.owner, im.ID); app.ErrorCode(err) != app.ECONFLICT {
		t.Errorf("second undo: %v, want ECONFLICT", err)
	}
	if gs, _ := f.contacts.Groups(f.ctx, f.owner); len(gs) != 0 {
		t.Errorf("the groups the import created are still there: %v", gs)
	}
}

func TestRecoverFailsImportsACrashLeftRunning(t *testing.T) {
	f := newFixture(t)
	if err := f.store.CreateUser(f.ctx, &app.User{ID: f.owner, Email: "a@example.com", Name: "A", Role: "agent", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	im := f.importFile(people, imports.Settings{})
	im.Status = app.ImportRunning
	if err := f.store.PutImport(f.ctx, im); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Recover(f.ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.Get(f.ctx, f.owner, im.ID)
	if got.Status != app.ImportFailed || !strings.Contains(got.Message, "server stopped") {
		t.Fatalf("after Recover: %s %q", got.Status, got.Message)
	}
	if _, err := f.svc.Undo(f.ctx, f.owner, im.ID); err != nil {
		t.Errorf("undo of the interrupted import: %v", err)
	}
	if n := len(f.all()); n != 0 {
		t.Errorf("%d contacts left", n)
	}
}

func TestFailedRowsAreReportedWithTheirReason(t *testing.T) {
	f := newFixture(t)
	body := "First Name,Last Name,Email,Birthday\n" +
		"Ana,Silva,ana@example.com,1985-04-12\n" +
		",,,\n" +
		"Ben,Okafor,ben@@example.com,\n" +
		"Cy,Young,cy@example.com,12/31/1999x\n"
	im := f.importFile(body, imports.Settings{})
	if im.Created != 1 || im.Failed < 2 {
		t.Fatalf("counts %v errors %v", counts(im), im.Errors)
	}
	var buf bytes.Buffer
	if err := f.svc.FailedCSV(f.ctx, f.owner, im.ID, &buf); err != nil {
		t.Fatal(err)
	}
	out := strings.TrimPrefix(buf.String(), "\ufeff")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "Row,Error,First Name,Last Name,Email,Birthday" {
		t.Errorf("header %q", rows[0])
	}
	var ben []string
	for _, r := range rows[1:] {
		if len(r) > 2 && r[2] == "Ben" {
			ben = r
		}
	}
	if ben == nil || ben[0] != "4" || !strings.Contains(ben[1], "Email 1") || ben[4] != "ben@@example.com" {
		t.Errorf("Ben's failed row: %q (all %q)", ben, rows)
	}
}

func TestDuplicatesWithinTheFile(t *testing.T) {
	f := newFixture(t)
	body := "Name,Email,Phone\nAna Silva,ana@example.com,\nAna Silva,ana@example.com,555-0101\n"
	im := f.importFile(body, imports.Settings{Duplicates: app.DuplicatesUpdate})
	if im.Created != 1 || len(f.all()) != 1 {
		t.Fatalf("counts %v, contacts %d", counts(im), len(f.all()))
	}
	if p := f.all()["Ana Silva"].PrimaryPhone(); p != "555-0101" {
		t.Errorf("the second row was not merged: phone %q", p)
	}
}

func TestUploadRefusesBadFiles(t *testing.T) {
	f := newFixture(t)
	f.svc.MaxSize = 1024
	for _, tc := range []struct{ name, body, want string }{
		{"an empty file", "", "empty"},
		{"a file over the size limit", "Name\n" + strings.Repeat("Ana Silva\n", 200), "larger than"},
		{"a binary file", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := f.svc.Upload(f.ctx, f.owner, "x.csv", strings.NewReader(tc.body), imports.Settings{})
			if app.ErrorCode(err) != app.EINVALID || !strings.Contains(app.ErrorMessage(err), tc.want) {
				t.Errorf("err %v, want EINVALID containing %q", err, tc.want)
			}
		})
	}
	if _, _, err := f.svc.Upload(f.ctx, f.owner, "x.csv", strings.NewReader("Name\nA\n"), imports.Settings{Delimiter: "ab"}); app.ErrorFields(err)["delimiter"] == "" {
		t.Errorf("two-character delimiter: %v", err)
	}
}

func TestUnknownHeadersNeedAMappingThatIsRemembered(t *testing.T) {
	f := newFixture(t)
	body := "Kunde,Mailadresse\nAna Silva,ana@example.com\n"
	im, pv, err := f.svc.Upload(f.ctx, f.owner, "x.csv", strings.NewReader(body), imports.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if !pv.NeedsMapping || len(pv.Samples) != 1 || pv.Samples[0][1] != "ana@example.com" {
		t.Fatalf("preview: %+v", pv)
	}
	im, pv, err = f.svc.Preview(f.ctx, f.owner, im.ID, imports.Settings{Mapping: []string{imports.FieldFullName, imports.FieldEmail}})
	if err != nil || pv.NeedsMapping || pv.Create != 1 {
		t.Fatalf("mapped preview: %+v %v", pv, err)
	}
	if _, err := f.svc.Run(f.ctx, f.owner, im.ID); err != nil {
		t.Fatal(err)
	}
	if c := f.all()["Ana Silva"]; c == nil || c.PrimaryEmail() != "ana@example.com" {
		t.Errorf("mapped import: %v", f.all())
	}
	_, pv, err = f.svc.Upload(f.ctx, f.owner, "y.csv", strings.NewReader("Kunde,Mailadresse,Extra\nBo Li,bo@example.com,x\n"), imports.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(pv.Mapping, ",") != "full_name,email," {
		t.Errorf("remembered mapping %q", pv.Mapping)
	}
}

func TestExportThenImportIntoAnEmptyAccountReproducesEveryField(t *testing.T) {
	f := newFixture(t)
	g1, _ := f.contacts.CreateGroup(f.ctx, f.owner, "Buyers")
	src := []*app.Contact{
		{FirstName: "Zoë", MiddleName: "Q", LastName: "O'Brien", Company: "Acme, Inc.", Title: "Broker \"lead\"",
			Emails:    []app.Email{{Address: "zoe@example.com", Label: "Work"}, {Address: "z@home.example", Label: "Home", Notify: true}},
			Phones:    []app.Phone{{Number: "+1 (555) 010-1234", Label: "Mobile"}, {Number: "555 0199", Label: "Lake house"}},
			Addresses: []app.Address{{Label: "Home", Street: "1 Main St\nApt 2", City: "Springfield", Region: "IL", PostalCode: "62701", Country: "US"}},
			GroupIDs:  []string{g1.ID}, Notes: "Line one\nLine two, with comma; and \"quotes\"", Birthday: "1985-04-12",
			ReverseProspecting: true, Status: app.StatusInactive},
		{Company: "Solo LLC"},
	}
	for _, c := range src {
		if _, err := f.contacts.Create(f.ctx, f.owner, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, format := range []string{imports.ExportCSV, imports.ExportVCard} {
		t.Run("as "+format, func(t *testing.T) {
			var buf bytes.Buffer
			x := &imports.Exporter{Contacts: f.contacts}
			if err := x.Export(f.ctx, app.ContactQuery{OwnerID: f.owner}, true, format, &buf); err != nil {
				t.Fatal(err)
			}
			g := newFixture(t)
			im, pv, err := g.svc.Upload(g.ctx, g.owner, "export."+format, bytes.NewReader(buf.Bytes()), imports.Settings{})
			if err != nil || pv.Create != 2 {
				t.Fatalf("upload: %v %+v\n%s", err, pv, buf.String())
			}
			if _, err := g.svc.Run(g.ctx, g.owner, im.ID); err != nil {
				t.Fatal(err)
			}
			got := g.all()
			gs, _ := g.contacts.Groups(g.ctx, g.owner)
			for _, want := range src {
				c := got[want.DisplayName()]
				if c == nil {
					t.Fatalf("%s missing from %v", want.DisplayName(), got)
				}
				if len(want.GroupIDs) > 0 && (len(c.GroupIDs) != 1 || len(gs) != 1 || gs[0].Name != "Buyers") {
					t.Errorf("groups: %v %v", c.GroupIDs, gs)
				}
				a, b := comparable(want), comparable(c)
				if !sameJSON(t, a, b) {
					t.Errorf("round trip changed %s:\nwant %+v\ngot  %+v", want.DisplayName(), a, b)
				}
			}
		})
	}
}

// comparable is a contact without what an import sets anew: IDs, times, version, groups'
// IDs, and email verification.
func comparable(c *app.Contact) app.Contact {
	x := *c
	x.ID, x.OwnerID, x.GroupIDs, x.CreatedAt, x.UpdatedAt, x.Version = "", "", nil, time.Time{}, time.Time{}, 0
	x.Emails = append([]app.Email(nil), c.Emails...)
	for i := range x.Emails {
		x.Emails[i].Status, x.Emails[i].Reason, x.Emails[i].CheckedAt = "", "", time.Time{}
	}
	return x
}

func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return bytes.Equal(x, y)
}

// TestCheckOnlyCountsAndStopsAsPreview: an upload that is run straight away (API, CLI) only reads
// the file through; it must count the same rows and stop on the same problems as a preview.
func TestCheckOnlyCountsAndStopsAsPreview(t *testing.T) {
	files := map[string]string{
		"good":          people,
		"blank lines":   "Name,Email\n\nAnn,ann@example.com\n\n\nBo,bo@example.com\n",
		"ragged row":    "Name,Email\nAnn,ann@example.com,extra\nBo,bo@example.com\n",
		"unclosed":      "Name,Notes\nAnn,fine\nBo,\"never closed\nCy,x\n",
		"unknown":       "Foo,Bar\n1,2\n",
		"vcard":         "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nEMAIL:ann@example.com\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bo\r\nEND:VCARD\r\n",
		"vcard garbage": "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nEND:VCARD\r\n\x00\x01\x02\x03",
	}
	for name, body := range files {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			full, fullPv, err := f.svc.Upload(f.ctx, f.owner, "x.csv", strings.NewReader(body), imports.Settings{})
			quick, quickPv, qerr := f.svc.Upload(f.ctx, f.owner, "x.csv", strings.NewReader(body), imports.Settings{CheckOnly: true})
			if (err == nil) != (qerr == nil) {
				t.Fatalf("preview error %v, check-only error %v", err, qerr)
			}
			if err != nil {
				return
			}
			if full.Total != quick.Total || fullPv.Problem != quickPv.Problem || fullPv.NeedsMapping != quickPv.NeedsMapping {
				t.Fatalf("preview: %d rows, problem %q, mapping %v; check-only: %d rows, problem %q, mapping %v",
					full.Total, fullPv.Problem, fullPv.NeedsMapping, quick.Total, quickPv.Problem, quickPv.NeedsMapping)
			}
			if len(quickPv.Rows) != 0 || quickPv.Create+quickPv.Update+quickPv.Skip+quickPv.Fail != 0 {
				t.Fatalf("check-only decided rows: %+v", quickPv)
			}
			if name == "good" && quick.Total != 4 {
				t.Fatalf("total %d, want 4", quick.Total)
			}
			if name == "unclosed" && !strings.Contains(quickPv.Problem, "never closed") {
				t.Fatalf("problem %q", quickPv.Problem)
			}
		})
	}
}

// slowStore stores contact batches slowly, so that an import's next batch is decided while the
// previous one is still being written.
type slowStore struct{ app.Store }

func (s slowStore) WriteContactBatch(ctx context.Context, b app.ContactBatch) error {
	time.Sleep(30 * time.Millisecond)
	return s.Store.WriteContactBatch(ctx, b)
}

// TestUpdateWaitsForTheBatchThatCreatedTheContact: with the update policy, a row that matches a
// contact an earlier batch of the same import created must merge into it even while that batch
// is still being stored (fails when the import reads the contact before it is written).
func TestUpdateWaitsForTheBatchThatCreatedTheContact(t *testing.T) {
	f := newFixture(t)
	slow := &app.ContactService{Store: slowStore{f.store}, Index: f.contacts.Index, Indexer: f.contacts.Indexer, Now: f.contacts.Now}
	svc := &imports.Service{Contacts: slow, Store: f.store, Dir: t.TempDir(), BatchSize: 3}
	t.Cleanup(svc.Close)
	var b strings.Builder
	b.WriteString("First Name,Last Name,Email,Phone,Company\n")
	for g := 0; g < 9; g += 3 { // a batch of three creates, then a batch updating them
		for i := g; i < g+3; i++ {
			fmt.Fprintf(&b, "P%d,Lee,p%d@example.com,555-01%02d,\n", i, i, i)
		}
		for i := g; i < g+3; i++ {
			fmt.Fprintf(&b, "P%d,Lee,p%d@example.com,555-02%02d,Acme %d\n", i, i, i, i)
		}
	}
	im, _, err := svc.Upload(f.ctx, f.owner, "x.csv", strings.NewReader(b.String()), imports.Settings{Duplicates: app.DuplicatesUpdate})
	if err != nil {
		t.Fatal(err)
	}
	if im, err = svc.Run(f.ctx, f.owner, im.ID); err != nil {
		t.Fatal(err)
	}
	if counts(im) != [4]int{9, 9, 0, 0} {
		t.Fatalf("counts %v, errors %v", counts(im), im.Errors)
	}
	for name, c := range f.all() {
		if !strings.HasPrefix(c.Company, "Acme ") || len(c.Phones) != 2 {
			t.Errorf("%s: company %q, %d phones; want the second row merged in", name, c.Company, len(c.Phones))
		}
	}
}

// heldStore records whether a memory hold was in force each time the agent's contacts were read.
type heldStore struct {
	app.Store
	held       *atomic.Int32
	readUnheld *atomic.Int32
}

func (s heldStore) ListContacts(ctx context.Context, p app.ContactPage) ([]*app.Contact, bool, error) {
	if s.held.Load() == 0 {
		s.readUnheld.Add(1)
	}
	return s.Store.ListContacts(ctx, p)
}

type countedHold struct{ held *atomic.Int32 }

func (h countedHold) Settle()  {}
func (h countedHold) Release() { h.held.Add(-1) }

// TestImportHoldsMemoryWhileItReadsTheContacts: the duplicate plan reads every contact of the
// agent, so the import's memory hold starts before it does (a re-import of 100,000 peaked at
// 325 MB when it did not); and an export hands its memory back when it ends.
func TestImportHoldsMemoryWhileItReadsTheContacts(t *testing.T) {
	f := newFixture(t)
	var held, unheld atomic.Int32
	cs := &app.ContactService{Store: heldStore{f.store, &held, &unheld}, Index: f.contacts.Index, Indexer: f.contacts.Indexer, Now: f.contacts.Now}
	holds := 0
	cs.BulkMemory = func() app.MemoryHold {
		holds++
		held.Add(1)
		return countedHold{&held}
	}
	svc := &imports.Service{Contacts: cs, Store: f.store, Dir: t.TempDir(), BatchSize: 3}
	t.Cleanup(svc.Close)
	body := "First Name,Email\nAna,ana@example.com\nBo,bo@example.com\n"
	for range 2 { // the second time, every row is a duplicate
		im, _, err := svc.Upload(f.ctx, f.owner, "x.csv", strings.NewReader(body), imports.Settings{})
		if err != nil {
			t.Fatal(err)
		}
		unheld.Store(0)
		if _, err := svc.Run(f.ctx, f.owner, im.ID); err != nil {
			t.Fatal(err)
		}
		if unheld.Load() != 0 {
			t.Fatalf("the import read the agent's contacts %d times without a memory hold", unheld.Load())
		}
	}
	holds = 0
	x := &imports.Exporter{Contacts: cs}
	if err := x.Export(f.ctx, app.ContactQuery{OwnerID: f.owner}, true, imports.ExportCSV, io.Discard); err != nil {
		t.Fatal(err)
	}
	if holds != 1 || held.Load() != 0 {
		t.Fatalf("export: %d holds taken, %d still held; want one, released", holds, held.Load())
	}
}
