package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/store/storetest"
)

// office is one agent with contacts and the listing service, on in-memory engines.
type office struct {
	ctx      context.Context
	contacts *app.ContactService
	listings *app.ListingService
	outbox   *app.Outbox
	agent    *app.User
}

func newOffice(t *testing.T) *office {
	t.Helper()
	cs, accounts, st, _ := storetest.Services(t)
	o := &office{ctx: context.Background(), contacts: cs}
	o.outbox = &app.Outbox{Store: st, Verifier: &app.Verifier{}, Marker: cs}
	cs.Outbox = o.outbox
	o.listings = &app.ListingService{Store: st, Listings: st, Index: app.NewSearchIndex(), Outbox: o.outbox, Now: time.Now, BaseURL: "http://x.test"}
	u, err := accounts.CreateUser(o.ctx, app.NewUser{Name: "Agent A", Email: "a@example.com", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	o.agent = u
	return o
}

func (o *office) contact(t *testing.T, first, email string, status app.ContactStatus, emailStatus string) *app.Contact {
	t.Helper()
	c, err := o.contacts.Create(o.ctx, o.agent.ID, &app.Contact{FirstName: first, LastName: "Buyer", Status: status,
		Emails: []app.Email{{Address: email}}})
	if err != nil {
		t.Fatal(err)
	}
	if emailStatus == app.EmailInvalid {
		if _, err := o.contacts.SetEmailVerdict(o.ctx, o.agent.ID, email, app.Verdict{Status: app.EmailInvalid, Reason: "550 no such user"}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func (o *office) mailTo(t *testing.T, c *app.Contact) []*app.OutMessage {
	t.Helper()
	ms, err := o.contacts.ContactMail(o.ctx, o.agent.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func (o *office) list(t *testing.T, address string, price int64) *app.Listing {
	t.Helper()
	l, _, err := o.listings.AddListing(o.ctx, o.agent, &app.Listing{Address: address, City: "Springfield", Price: price, Beds: 3, Baths: 2, PropertyType: app.PropertyHouse})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestListingNotifications(t *testing.T) {
	o := newOffice(t)
	active := o.contact(t, "Ann", "ann@example.com", app.StatusActive, "")
	inactive := o.contact(t, "Ina", "ina@example.com", app.StatusInactive, "")
	invalid := o.contact(t, "Ivo", "ivo@example.com", app.StatusActive, app.EmailInvalid)
	daily := o.contact(t, "Dee", "dee@example.com", app.StatusActive, "")
	weekly := o.contact(t, "Wes", "wes@example.com", app.StatusActive, "")
	save := func(name, schedule string, cs ...*app.Contact) *app.SavedSearch {
		var ids []string
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		ss, err := o.listings.SaveSearch(o.ctx, o.agent.ID, &app.SavedSearch{Name: name, Cities: []string{"Springfield"}, PriceMax: 500000,
			Schedule: schedule, ContactIDs: ids})
		if err != nil {
			t.Fatal(err)
		}
		return ss
	}
	asap := save("Now", app.ScheduleASAP, active, inactive, invalid)
	save("Daily", app.ScheduleDaily, daily)
	save("Weekly", app.ScheduleWeekly, weekly)

	o.list(t, "1 Elm", 400000)
	o.list(t, "2 Elm", 900000) // over every search's price
	t.Run("an ASAP search emails its active contacts at once, with an unsubscribe link", func(t *testing.T) {
		ms := o.mailTo(t, active)
		if len(ms) != 1 || !strings.Contains(ms[0].Subject, "1 Elm") || !strings.Contains(ms[0].Text, "http://x.test/unsubscribe/"+o.agent.ID+"/"+asap.ID+"/") {
			t.Errorf("mail: %+v", ms)
		}
	})
	t.Run("an inactive contact and an invalid address get nothing", func(t *testing.T) {
		if n := len(o.mailTo(t, inactive)) + len(o.mailTo(t, invalid)); n != 0 {
			t.Errorf("%d messages", n)
		}
	})
	t.Run("daily and weekly searches wait for their digest", func(t *testing.T) {
		if n := len(o.mailTo(t, daily)) + len(o.mailTo(t, weekly)); n != 0 {
			t.Errorf("%d messages before the digest", n)
		}
		o.list(t, "3 Elm", 450000)
		n, err := o.listings.SendDigests(o.ctx, app.ScheduleDaily)
		if err != nil || n != 1 {
			t.Fatalf("daily digest: %d %v", n, err)
		}
		ms := o.mailTo(t, daily)
		if len(ms) != 1 || !strings.Contains(ms[0].Subject, "2 new listings") || !strings.Contains(ms[0].Text, "1 Elm") || !strings.Contains(ms[0].Text, "3 Elm") {
			t.Errorf("digest: %+v", ms)
		}
		if len(o.mailTo(t, weekly)) != 0 {
			t.Error("the daily run sent the weekly digest")
		}
		if n, _ := o.listings.SendDigests(o.ctx, app.ScheduleDaily); n != 0 {
			t.Errorf("a second daily run sent %d", n)
		}
		if n, _ := o.listings.SendDigests(o.ctx, app.ScheduleWeekly); n != 1 {
			t.Errorf("weekly run sent %d", n)
		}
	})
	t.Run("unsubscribing stops the search's emails", func(t *testing.T) {
		if _, err := o.listings.Unsubscribe(o.ctx, o.agent.ID, asap.ID, "wrong"); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("wrong token: %v", err)
		}
		if _, err := o.listings.Unsubscribe(o.ctx, o.agent.ID, asap.ID, asap.UnsubscribeToken); err != nil {
			t.Fatal(err)
		}
		before := len(o.mailTo(t, active))
		o.list(t, "4 Elm", 300000)
		if ms := o.mailTo(t, active); len(ms) != before {
			t.Errorf("after unsubscribing: %d messages", len(ms))
		}
	})
}
