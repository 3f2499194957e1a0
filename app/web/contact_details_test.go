package web_test

import (
	"agentbook/app"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// contactForm is a filled Add Contact / Contact Details form with rows keyed a, b, c….
func contactForm(version string) url.Values {
	return url.Values{
		"version": {version}, "first_name": {"Dana"}, "last_name": {"Scully"}, "company": {"FBI"},
		"email_key": {"a", "b"}, "email_address_a": {"dana@fbi.test"}, "email_label_a": {"Work"},
		"email_address_b": {"dana.home@example.com"}, "email_label_b": {"Home"}, "email_notify_b": {"1"},
		"phone_key": {"p", "q"}, "phone_number_p": {"(202) 555-0101"}, "phone_label_p": {"Work"},
		"phone_number_q": {"202-555-0199"}, "phone_label_q": {"Mobile"},
		"address_key": {"h"}, "address_label_h": {"Home"}, "address_street_h": {"1 Elm St"},
		"address_city_h": {"Annapolis"}, "address_region_h": {"MD"}, "address_postal_h": {"21401"},
		"notes": {"Prefers mornings"}, "birthday": {"1964-02-23"}, "reverse_prospecting": {"1"},
	}
}

func TestContactDetailsForm(t *testing.T) {
	h := newHarness(t)
	u := h.agent(t, "Ann Agent", "ann@example.com", false)
	b := h.loggedIn(t, "ann@example.com")
	ctx := context.Background()

	t.Run("Add Contact shows a form whose every input has a label", func(t *testing.T) {
		p := b.get(t, "/contacts/new")
		p.wantStatus(http.StatusOK)
		p.find("#contact-form input:not([type=hidden]), #contact-form textarea").Each(func(_ int, in *goquery.Selection) {
			id, _ := in.Attr("id")
			if id == "" || p.find(`label[for="`+id+`"]`).Length() != 1 {
				name, _ := in.Attr("name")
				t.Errorf("input %q (id %q) has no label", name, id)
			}
		})
		if p.find(".email-row").Length() != 1 || p.find("#add-email").Length() != 1 {
			t.Errorf("want one email row and an Add button")
		}
	})

	var id string
	t.Run("a contact with two emails, two phones and an address is saved as entered", func(t *testing.T) {
		p := b.post(t, "/contacts/new", contactForm("0"))
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/contacts/") {
			t.Fatalf("status %d to %q; body:\n%s", p.status, p.location(), p.body)
		}
		id = strings.TrimPrefix(strings.Split(p.location(), "?")[0], "/contacts/")
		c, err := h.contacts.Get(ctx, u.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Emails) != 2 || !c.Emails[0].Primary || !c.Emails[0].Notify || c.Emails[1].Primary || !c.Emails[1].Notify ||
			len(c.Phones) != 2 || c.Phones[1].Label != "Mobile" || len(c.Addresses) != 1 || c.Addresses[0].City != "Annapolis" ||
			!c.ReverseProspecting || c.Birthday != "1964-02-23" || c.Notes != "Prefers mornings" {
			t.Errorf("stored %+v", c)
		}
		d := b.get(t, p.location())
		if got := d.text(".alert-success"); got != "Contact added." {
			t.Errorf("notice = %q", got)
		}
		if d.find(".email-row").Length() != 2 || d.text("#f-notes") != "Prefers mornings" {
			t.Errorf("details page does not show the saved contact")
		}
	})

	t.Run("an invalid second email is reported on its row and everything typed is kept", func(t *testing.T) {
		f := contactForm("0")
		f.Set("email_address_b", "not-an-address")
		p := b.post(t, "/contacts/new", f)
		p.wantStatus(http.StatusUnprocessableEntity)
		if got := p.text("#email-b-err"); !strings.Contains(got, "email address") {
			t.Errorf("error on the second email = %q", got)
		}
		if p.find("#email-a-err").Length() != 0 {
			t.Error("the first email is marked wrong too")
		}
		if p.val("#email-b") != "not-an-address" || p.val("#phone-q") != "202-555-0199" || p.val("#f-last_name") != "Scully" {
			t.Error("the typed values were not kept")
		}
	})

	t.Run("the same address twice on one contact is refused", func(t *testing.T) {
		f := contactForm("0")
		f.Set("email_address_b", "DANA@fbi.test")
		p := b.post(t, "/contacts/new", f)
		p.wantStatus(http.StatusUnprocessableEntity)
		if got := p.text("#email-b-err"); !strings.Contains(got, "already listed") {
			t.Errorf("error = %q", got)
		}
	})

	t.Run("a save based on an old version gets a conflict and changes nothing", func(t *testing.T) {
		f := contactForm("1")
		f.Set("first_name", "Katherine")
		b.post(t, "/contacts/"+id, f).wantRedirect("/contacts/" + id + "?saved=1")
		stale := contactForm("1") // the other tab still has version 1
		stale.Set("first_name", "Overwrite")
		p := b.post(t, "/contacts/"+id, stale)
		p.wantStatus(http.StatusConflict)
		if !strings.Contains(p.text("#form-message"), "changed since you opened it") || p.find(`#form-message a[href="/contacts/`+id+`"]`).Length() != 1 {
			t.Errorf("conflict message = %q", p.text("#form-message"))
		}
		if p.val("#f-first_name") != "Overwrite" {
			t.Error("the typed name was not kept")
		}
		c, _ := h.contacts.Get(ctx, u.ID, id)
		if c.FirstName != "Katherine" {
			t.Errorf("stored first name = %q, want the first save's", c.FirstName)
		}
	})

	t.Run("Add email, Add phone and Add address return a new labelled row", func(t *testing.T) {
		for _, kind := range []string{"email", "phone", "address"} {
			p := b.get(t, "/contacts/form/"+kind+"-row", htmx(kind+"-rows"))
			p.wantStatus(http.StatusOK)
			if p.find(".multi-row").Length() != 1 || p.find("input[name="+kind+"_key]").Length() != 1 {
				t.Errorf("%s row: %s", kind, p.body)
			}
		}
	})

	t.Run("a row's name opens the contact", func(t *testing.T) {
		p := b.get(t, "/contacts")
		if p.find(`#contact-`+id+` a[href="/contacts/`+id+`"]`).Length() != 1 || p.find("#add-contact").Length() != 1 {
			t.Error("no link to the contact or no Add Contact button")
		}
	})
}

func TestDeactivateReactivate(t *testing.T) {
	h := newHarness(t)
	u := h.agent(t, "Ann Agent", "ann@example.com", false)
	b := h.loggedIn(t, "ann@example.com")
	ct := h.contact(t, u, "Fox", "Mulder", "fox@fbi.test")
	listed := func(status string) bool {
		p := b.get(t, "/contacts?status="+status)
		return p.find("#contact-"+ct.ID).Length() == 1
	}

	t.Run("deactivating keeps the contact but moves it to the Inactive list", func(t *testing.T) {
		b.post(t, "/contacts/"+ct.ID+"/deactivate", nil).wantRedirect("/contacts/" + ct.ID + "?saved=deactivated")
		p := b.get(t, "/contacts/"+ct.ID+"?saved=deactivated")
		if !strings.Contains(p.text(".alert-success"), "deactivated") || p.find("#reactivate").Length() != 1 {
			t.Errorf("details page after deactivating: %q", p.text(".alert-success"))
		}
		if listed("active") || !listed("inactive") || !listed("all") {
			t.Error("an inactive contact must leave the default list and show under Inactive and All")
		}
		c, _ := h.contacts.Get(context.Background(), u.ID, ct.ID)
		if c.PrimaryEmail() != "fox@fbi.test" || c.Status != "inactive" {
			t.Errorf("stored %+v", c)
		}
	})

	t.Run("reactivating brings it back", func(t *testing.T) {
		b.post(t, "/contacts/"+ct.ID+"/reactivate", nil).wantRedirect("/contacts/" + ct.ID + "?saved=reactivated")
		if !listed("active") || listed("inactive") {
			t.Error("a reactivated contact belongs to the default list again")
		}
	})

	t.Run("the API deactivates and reactivates", func(t *testing.T) {
		tok := h.token(t, "ann@example.com")
		var got struct{ Status string }
		r := h.api(t, tok, http.MethodPost, "/api/v1/contacts/"+ct.ID+"/deactivate", nil)
		r.decode(t, &got)
		if r.status != http.StatusOK || got.Status != "inactive" {
			t.Errorf("deactivate: %d %s", r.status, r.body)
		}
		r = h.api(t, tok, http.MethodPost, "/api/v1/contacts/"+ct.ID+"/reactivate", nil)
		r.decode(t, &got)
		if r.status != http.StatusOK || got.Status != "active" {
			t.Errorf("reactivate: %d %s", r.status, r.body)
		}
	})
}

func TestRemoveAndUndo(t *testing.T) {
	h := newHarness(t)
	u := h.agent(t, "Ann Agent", "ann@example.com", false)
	b := h.loggedIn(t, "ann@example.com")
	ct := h.contact(t, u, "Walter", "Skinner", "skinner@fbi.test")
	ctx := context.Background()

	t.Run("removing asks first, naming the contact", func(t *testing.T) {
		p := b.get(t, "/contacts/"+ct.ID+"/remove")
		p.wantStatus(http.StatusOK)
		if !strings.Contains(p.text("h1"), "Walter Skinner") || p.find("#confirm-remove").Length() != 1 {
			t.Errorf("confirmation: %q", p.text("h1"))
		}
		if _, err := h.contacts.Get(ctx, u.ID, ct.ID); err != nil {
			t.Error("asking removed the contact")
		}
	})

	var undo string
	t.Run("a removed contact is gone from the store and the index, with Undo offered", func(t *testing.T) {
		p := b.post(t, "/contacts/"+ct.ID+"/remove", nil)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/contacts?undo=") {
			t.Fatalf("status %d to %q", p.status, p.location())
		}
		undo = strings.TrimPrefix(p.location(), "/contacts?undo=")
		if _, err := h.contacts.Get(ctx, u.ID, ct.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("Get after remove: %v", err)
		}
		res, _ := h.contacts.List(ctx, app.ContactQuery{OwnerID: u.ID, Text: "skinner", Status: app.StatusAll})
		if res.Total != 0 {
			t.Errorf("search still finds %d", res.Total)
		}
		l := b.get(t, p.location())
		if !strings.Contains(l.text("#undo-notice"), "Removed Walter Skinner.") || l.find("#undo-remove").Length() != 1 {
			t.Errorf("undo notice = %q", l.text("#undo-notice"))
		}
	})

	t.Run("another agent cannot undo it", func(t *testing.T) {
		h.agent(t, "Bob Other", "bob@example.com", false)
		o := h.loggedIn(t, "bob@example.com")
		o.post(t, "/contacts/undo", url.Values{"token": {undo}}).wantRedirect("/contacts?done=undo-expired")
	})

	t.Run("Undo brings back exactly what was removed", func(t *testing.T) {
		b.post(t, "/contacts/undo", url.Values{"token": {undo}}).wantRedirect("/contacts/" + ct.ID + "?saved=restored")
		got, err := h.contacts.Get(ctx, u.ID, ct.ID)
		if err != nil || got.PrimaryEmail() != "skinner@fbi.test" || got.Version != ct.Version || !got.CreatedAt.Equal(ct.CreatedAt) {
			t.Errorf("restored %+v, %v", got, err)
		}
		res, _ := h.contacts.List(ctx, app.ContactQuery{OwnerID: u.ID, Text: "skinner", Status: app.StatusAll})
		if res.Total != 1 {
			t.Errorf("search after undo finds %d", res.Total)
		}
		b.post(t, "/contacts/undo", url.Values{"token": {undo}}).wantRedirect("/contacts?done=undo-expired")
	})
}

func TestRemoveSelected(t *testing.T) {
	h := newHarness(t)
	u := h.agent(t, "Ann Agent", "ann@example.com", false)
	v := h.agent(t, "Val Other", "val@example.com", false)
	b := h.loggedIn(t, "ann@example.com")
	ctx := context.Background()
	var ids []string
	for _, n := range []string{"Alpha", "Bravo", "Charlie", "Delta"} {
		ids = append(ids, h.contact(t, u, n, "Test", "").ID)
	}
	theirs := h.contact(t, v, "Victor", "Other", "").ID

	t.Run("the list has a box per row and Remove selected", func(t *testing.T) {
		p := b.get(t, "/contacts")
		if p.find("#contact-rows .row-select").Length() != 4 || p.find("#remove-selected").Length() != 1 {
			t.Error("no selection boxes or no Remove selected")
		}
	})

	t.Run("one confirmation shows the count and the names", func(t *testing.T) {
		p := b.get(t, "/contacts/remove?id="+ids[0]+"&id="+ids[1]+"&id="+ids[2])
		p.wantStatus(http.StatusOK)
		if got := p.text("h1"); got != "Remove 3 contacts?" || !strings.Contains(p.text("ul"), "Bravo Test") {
			t.Errorf("confirmation %q / %q", got, p.text("ul"))
		}
	})

	t.Run("another agent's contact in the selection removes nothing", func(t *testing.T) {
		p := b.post(t, "/contacts/remove", url.Values{"id": {ids[0], theirs}})
		p.wantStatus(http.StatusNotFound)
		if _, err := h.contacts.Get(ctx, u.ID, ids[0]); err != nil {
			t.Error("a contact was removed although the selection was refused")
		}
		if _, err := h.contacts.Get(ctx, v.ID, theirs); err != nil {
			t.Error("another agent's contact was removed")
		}
	})

	t.Run("the confirmed selection is removed at once and Undo restores all of it", func(t *testing.T) {
		p := b.post(t, "/contacts/remove", url.Values{"id": ids[:3]})
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/contacts?undo=") {
			t.Fatalf("status %d to %q", p.status, p.location())
		}
		l := b.get(t, p.location())
		if len(rowIDs(l)) != 1 || !strings.Contains(l.text("#undo-notice"), "Alpha Test, Bravo Test, Charlie Test") {
			t.Errorf("after removing: %d rows, notice %q", len(rowIDs(l)), l.text("#undo-notice"))
		}
		token := strings.TrimPrefix(p.location(), "/contacts?undo=")
		b.post(t, "/contacts/undo", url.Values{"token": {token}}).wantRedirect("/contacts?done=restored")
		if l := b.get(t, "/contacts"); len(rowIDs(l)) != 4 {
			t.Errorf("after Undo the list has %d rows, want 4", len(rowIDs(l)))
		}
	})
}
