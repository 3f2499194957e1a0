package app_test

import (
	"context"
	"slices"
	"testing"

	"agentbook/app"
	"agentbook/store/storetest"
)

func TestGroupRules(t *testing.T) {
	ctx := context.Background()
	contacts, accounts, _, _ := storetest.Services(t)
	u, _ := accounts.CreateUser(ctx, app.NewUser{Name: "G", Email: "g@x.test", Password: "longpassword1"})
	buyers, err := contacts.CreateGroup(ctx, u.ID, "  Buyers ")
	if err != nil || buyers.Name != "Buyers" {
		t.Fatalf("CreateGroup trims: %+v %v", buyers, err)
	}
	sellers, _ := contacts.CreateGroup(ctx, u.ID, "Sellers")
	c1, _ := contacts.Create(ctx, u.ID, &app.Contact{FirstName: "One", GroupIDs: []string{buyers.ID, sellers.ID}})
	c2, _ := contacts.Create(ctx, u.ID, &app.Contact{FirstName: "Two", GroupIDs: []string{buyers.ID}})

	t.Run("group names are unique per agent whatever their case", func(t *testing.T) {
		if _, err := contacts.CreateGroup(ctx, u.ID, "buyers"); app.ErrorCode(err) != app.ECONFLICT {
			t.Errorf("duplicate create: %v", err)
		}
		if _, err := contacts.RenameGroup(ctx, u.ID, sellers.ID, "BUYERS"); app.ErrorCode(err) != app.ECONFLICT {
			t.Errorf("rename onto another's name: %v", err)
		}
		if _, err := contacts.RenameGroup(ctx, u.ID, sellers.ID, "   "); app.ErrorCode(err) != app.EINVALID {
			t.Errorf("blank rename: %v", err)
		}
		if g, err := contacts.RenameGroup(ctx, u.ID, buyers.ID, "buyers"); err != nil || g.Name != "buyers" {
			t.Errorf("a change of case is a rename: %+v %v", g, err)
		}
	})

	t.Run("counts follow membership", func(t *testing.T) {
		counts, err := contacts.GroupCounts(ctx, u.ID)
		if err != nil || counts[buyers.ID] != 2 || counts[sellers.ID] != 1 {
			t.Errorf("counts = %v %v", counts, err)
		}
	})

	t.Run("removing a group takes it off its contacts and changes nothing else", func(t *testing.T) {
		n, err := contacts.DeleteGroup(ctx, u.ID, buyers.ID)
		if err != nil || n != 2 {
			t.Fatalf("DeleteGroup = %d, %v", n, err)
		}
		got1, _ := contacts.Get(ctx, u.ID, c1.ID)
		got2, _ := contacts.Get(ctx, u.ID, c2.ID)
		if !slices.Equal(got1.GroupIDs, []string{sellers.ID}) || len(got2.GroupIDs) != 0 || got1.FirstName != "One" {
			t.Errorf("after removing the group: %v / %v", got1.GroupIDs, got2.GroupIDs)
		}
		res, _ := contacts.List(ctx, app.ContactQuery{OwnerID: u.ID, GroupID: buyers.ID, Status: app.StatusAll})
		if res.Total != 0 {
			t.Errorf("the index still lists %d contacts in the removed group", res.Total)
		}
		if _, err := contacts.DeleteGroup(ctx, u.ID, buyers.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("removing it again: %v", err)
		}
	})
}

func TestStatusRemoveAndUndo(t *testing.T) {
	ctx := context.Background()
	contacts, accounts, _, _ := storetest.Services(t)
	u, _ := accounts.CreateUser(ctx, app.NewUser{Name: "R", Email: "r@x.test", Password: "longpassword1"})
	c, _ := contacts.Create(ctx, u.ID, &app.Contact{FirstName: "Quentin", LastName: "Zed", Emails: []app.Email{{Address: "q@x.test"}}})
	find := func(status app.ContactStatus) int {
		res, err := contacts.List(ctx, app.ContactQuery{OwnerID: u.ID, Text: "quentin", Status: status})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}

	t.Run("a deactivated contact keeps its data and leaves the active list", func(t *testing.T) {
		got, err := contacts.SetStatus(ctx, u.ID, c.ID, app.StatusInactive)
		if err != nil || got.PrimaryEmail() != "q@x.test" {
			t.Fatalf("SetStatus: %+v %v", got, err)
		}
		if find(app.StatusActive) != 0 || find(app.StatusInactive) != 1 || find(app.StatusAll) != 1 {
			t.Error("an inactive contact must be found only under inactive and all")
		}
		if _, err := contacts.SetStatus(ctx, u.ID, c.ID, "deleted"); app.ErrorCode(err) != app.EINVALID {
			t.Errorf("unknown status: %v", err)
		}
		contacts.SetStatus(ctx, u.ID, c.ID, app.StatusActive)
	})

	t.Run("a removal that names a contact the agent does not have removes nothing", func(t *testing.T) {
		if _, _, err := contacts.Remove(ctx, u.ID, c.ID, "01NOSUCHCONTACT0000000000"); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("Remove = %v, want not found", err)
		}
		if _, err := contacts.Get(ctx, u.ID, c.ID); err != nil || find(app.StatusAll) != 1 {
			t.Errorf("the valid contact was removed anyway: %v", err)
		}
	})

	t.Run("a removal purges the index and Undo restores the same record", func(t *testing.T) {
		before, _ := contacts.Get(ctx, u.ID, c.ID)
		token, removed, err := contacts.Remove(ctx, u.ID, c.ID)
		if err != nil || len(removed) != 1 {
			t.Fatal(err)
		}
		if find(app.StatusAll) != 0 {
			t.Error("the index still finds the removed contact")
		}
		if _, err := contacts.Undo(ctx, "someone-else", token); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("another agent's undo: %v", err)
		}
		restored, err := contacts.Undo(ctx, u.ID, token)
		if err != nil || len(restored) != 1 {
			t.Fatal(err)
		}
		after, err := contacts.Get(ctx, u.ID, c.ID)
		if err != nil || after.Version != before.Version || after.PrimaryEmail() != before.PrimaryEmail() || !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("restored %+v, want %+v (%v)", after, before, err)
		}
		if find(app.StatusActive) != 1 {
			t.Error("the restored contact is not found")
		}
		if _, err := contacts.Undo(ctx, u.ID, token); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("undoing twice: %v", err)
		}
	})
}

func TestUndoAfterItsGroupWasRemoved(t *testing.T) {
	ctx := context.Background()
	contacts, accounts, _, _ := storetest.Services(t)
	u, _ := accounts.CreateUser(ctx, app.NewUser{Name: "U", Email: "u@x.test", Password: "longpassword1"})
	g, _ := contacts.CreateGroup(ctx, u.ID, "Gone")
	keep, _ := contacts.CreateGroup(ctx, u.ID, "Kept")
	c, _ := contacts.Create(ctx, u.ID, &app.Contact{FirstName: "Back", GroupIDs: []string{g.ID, keep.ID}})
	token, _, err := contacts.Remove(ctx, u.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := contacts.DeleteGroup(ctx, u.ID, g.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := contacts.Undo(ctx, u.ID, token); err != nil {
		t.Fatal(err)
	}
	got, _ := contacts.Get(ctx, u.ID, c.ID)
	if !slices.Equal(got.GroupIDs, []string{keep.ID}) {
		t.Errorf("restored groups = %v, want only the group that still exists", got.GroupIDs)
	}
	res, _ := contacts.List(ctx, app.ContactQuery{OwnerID: u.ID, GroupID: g.ID, Status: app.StatusAll})
	if res.Total != 0 {
		t.Errorf("the removed group lists %d contacts after the undo", res.Total)
	}
}
