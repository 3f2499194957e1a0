package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestGroups(t *testing.T) {
	h := newHarness(t)
	u := h.agent(t, "Ann Agent", "ann@example.com", false)
	b := h.loggedIn(t, "ann@example.com")
	ctx := context.Background()
	ct := h.contact(t, u, "Dana", "Scully", "dana@fbi.test")
	other := h.contact(t, u, "Fox", "Mulder", "fox@fbi.test")

	t.Run("Add New creates a group; a blank or duplicate name keeps the input with a message", func(t *testing.T) {
		b.post(t, "/groups", url.Values{"name": {"  Buyers  "}}).wantRedirect("/groups?done=added")
		p := b.post(t, "/groups", url.Values{"name": {"BUYERS"}})
		p.wantStatus(http.StatusUnprocessableEntity)
		if p.val("#new-group") != "BUYERS" || !strings.Contains(p.text(".field.has-error .error"), "already have a group") {
			t.Errorf("duplicate: value %q, error %q", p.val("#new-group"), p.text(".error"))
		}
		p = b.post(t, "/groups", url.Values{"name": {"   "}})
		p.wantStatus(http.StatusUnprocessableEntity)
		gs, _ := h.contacts.Groups(ctx, u.ID)
		if len(gs) != 1 || gs[0].Name != "Buyers" {
			t.Errorf("groups = %+v", gs)
		}
	})

	gs, _ := h.contacts.Groups(ctx, u.ID)
	buyers := gs[0].ID
	b.post(t, "/groups", url.Values{"name": {"Sellers"}})
	gs, _ = h.contacts.Groups(ctx, u.ID)
	sellers := gs[1].ID

	t.Run("picking groups on a contact and Save Changes puts it in them", func(t *testing.T) {
		d := b.get(t, "/contacts/"+ct.ID)
		if d.find("#groups-add").Length() != 1 || d.find(`input[name=group][value="`+buyers+`"]`).Length() != 1 {
			t.Fatal("no group picker on the contact's page")
		}
		b.post(t, "/contacts/"+ct.ID+"/groups/add", url.Values{"group": {buyers, sellers}}).wantRedirect("/contacts/" + ct.ID + "?saved=groups")
		b.post(t, "/contacts/"+other.ID+"/groups/add", url.Values{"group": {buyers}})
		c, _ := h.contacts.Get(ctx, u.ID, ct.ID)
		if !slices.Equal(c.GroupIDs, []string{buyers, sellers}) {
			t.Errorf("groups = %v", c.GroupIDs)
		}
		l := b.get(t, "/contacts?group="+buyers)
		if len(rowIDs(l)) != 2 {
			t.Errorf("the list filtered by Buyers has %d rows", len(rowIDs(l)))
		}
	})

	t.Run("the X next to a group takes the contact out of it", func(t *testing.T) {
		b.post(t, "/contacts/"+ct.ID+"/groups/remove", url.Values{"group": {sellers}}).wantRedirect("/contacts/" + ct.ID + "?saved=groups")
		c, _ := h.contacts.Get(ctx, u.ID, ct.ID)
		if !slices.Equal(c.GroupIDs, []string{buyers}) {
			t.Errorf("groups = %v", c.GroupIDs)
		}
	})

	t.Run("renaming keeps the members; a name in use is refused", func(t *testing.T) {
		b.post(t, "/groups/"+buyers+"/rename", url.Values{"name": {"Home Buyers"}}).wantRedirect("/groups?done=renamed")
		p := b.post(t, "/groups/"+sellers+"/rename", url.Values{"name": {"home buyers"}})
		p.wantStatus(http.StatusUnprocessableEntity)
		if p.val("#rename-"+sellers) != "home buyers" {
			t.Error("the typed name was not kept")
		}
		l := b.get(t, "/contacts?group="+buyers)
		if len(rowIDs(l)) != 2 || !strings.Contains(l.text("#contact-"+ct.ID), "Home Buyers") {
			t.Error("members lost by a rename")
		}
	})

	t.Run("removing asks first with the count, then the contacts lose only the group", func(t *testing.T) {
		p := b.get(t, "/groups/"+buyers+"/remove")
		if !strings.Contains(p.text("p"), "2 contacts") {
			t.Errorf("confirmation = %q", p.text("p"))
		}
		b.post(t, "/groups/"+buyers+"/remove", nil).wantRedirect("/groups?done=removed")
		c, err := h.contacts.Get(ctx, u.ID, ct.ID)
		if err != nil || len(c.GroupIDs) != 0 || c.PrimaryEmail() != "dana@fbi.test" {
			t.Errorf("contact after removing its group: %+v %v", c, err)
		}
		gs, _ := h.contacts.Groups(ctx, u.ID)
		if len(gs) != 1 || gs[0].ID != sellers {
			t.Errorf("groups = %+v", gs)
		}
	})

	t.Run("the API renames and deletes groups", func(t *testing.T) {
		tok := h.token(t, "ann@example.com")
		r := h.api(t, tok, http.MethodPatch, "/api/v1/groups/"+sellers, map[string]string{"name": "Past Sellers"})
		if r.status != http.StatusOK || !strings.Contains(r.body, "Past Sellers") {
			t.Errorf("rename: %d %s", r.status, r.body)
		}
		r = h.api(t, tok, http.MethodDelete, "/api/v1/groups/"+sellers, nil)
		if r.status != http.StatusNoContent {
			t.Errorf("delete: %d %s", r.status, r.body)
		}
		r = h.api(t, tok, http.MethodDelete, "/api/v1/groups/"+sellers, nil)
		r.wantError(t, http.StatusNotFound, "not_found")
	})
}
