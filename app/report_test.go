package app_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/store"
	"agentbook/store/storetest"
)

func TestSummarizeContact(t *testing.T) {
	now := time.Date(2025, 3, 12, 10, 0, 0, 0, time.UTC) // a Wednesday
	since := now.AddDate(0, 0, -7*11)
	day := func(d int) time.Time { return now.AddDate(0, 0, -d) }
	week := app.WeekOf
	tests := []struct {
		name string
		in   app.ContactRecords
		want app.ReportRow
	}{
		{
			name: "a contact with nothing has zero figures",
			in:   app.ContactRecords{ContactID: "c1", Contact: &app.Contact{ID: "c1", FirstName: "Ann", Status: app.StatusActive}},
			want: app.ReportRow{ContactID: "c1", Name: "Ann", Status: app.StatusActive},
		},
		{
			name: "portal, messages, mail, searches and events are counted",
			in: app.ContactRecords{ContactID: "c2",
				Contact: &app.Contact{ID: "c2", FirstName: "Bo", Status: app.StatusInactive, GroupIDs: []string{"g1"}},
				Account: &app.PortalAccount{Logins: 3, LastLoginAt: day(2)},
				Messages: []*app.PortalMessage{
					{FromContact: true, CreatedAt: day(5)},
					{FromContact: true, CreatedAt: day(1), ReadAt: day(1)},
					{FromContact: true, CreatedAt: day(3)},
					{FromContact: false, CreatedAt: day(4)},
				},
				Mail: []*app.OutMessage{
					{Status: app.MailSent, SentAt: day(10)},
					{Status: app.MailSent, SentAt: day(0)},
					{Status: app.MailBounced},
					{Status: app.MailQueued},
				},
				Searches: []*app.SavedSearch{{Schedule: app.ScheduleDaily}, {Schedule: app.ScheduleOff}},
				Events: []*app.ActivityEvent{
					{Kind: app.ActivityPortalLogin, At: day(2)},
					{Kind: app.ActivityMessageIn, At: day(1)},
					{Kind: app.ActivityPortalLogin, At: day(200)}, // before the chart's weeks
				},
			},
			want: app.ReportRow{ContactID: "c2", Name: "Bo", Status: app.StatusInactive, GroupIDs: []string{"g1"},
				HasPortal: true, PortalLogins: 3, LastLoginAt: day(2),
				MessagesFromContact: 3, MessagesToContact: 1, UnreadMessages: 2,
				EmailsSent: 2, LastEmailAt: day(0), EmailsBounced: 1,
				SavedSearches: 2, SearchAlerts: 1, LastActivityAt: day(0),
				Weeks: map[int64]int{week(day(10)): 1, week(day(0)): 1 + 1 + 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := app.SummarizeContact(&tt.in, since)
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestWeekOf(t *testing.T) {
	for _, tt := range []struct{ at, monday string }{
		{"2025-03-10T00:00:00Z", "2025-03-10"},
		{"2025-03-16T23:59:59Z", "2025-03-10"},
		{"2025-03-17T00:00:00Z", "2025-03-17"},
		{"1970-01-01T12:00:00Z", "1969-12-29"},
	} {
		at, _ := time.Parse(time.RFC3339, tt.at)
		if got := app.WeekStart(app.WeekOf(at)).Format("2006-01-02"); got != tt.monday {
			t.Errorf("week of %s starts %s, want %s", tt.at, got, tt.monday)
		}
	}
}

// reportOffice is an agent with contacts on an in-memory store, and a report service.
type reportOffice struct {
	ctx      context.Context
	st       *store.Store
	contacts *app.ContactService
	owner    *app.User
	ids      []string
	now      time.Time
}

func newReportOffice(t *testing.T, n int) *reportOffice {
	t.Helper()
	contacts, accounts, st, _ := storetest.Services(t)
	ctx := context.Background()
	owner, err := accounts.Setup(ctx, app.NewUser{Name: "Agent", Email: "agent@example.com", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	o := &reportOffice{ctx: ctx, st: st, contacts: contacts, owner: owner, now: time.Now().UTC()}
	for i := range n {
		c, err := contacts.Create(ctx, owner.ID, &app.Contact{FirstName: "Contact", LastName: string(rune('A' + i)),
			Emails: []app.Email{{Address: "c" + string(rune('a'+i)) + "@example.com"}}})
		if err != nil {
			t.Fatal(err)
		}
		o.ids = append(o.ids, c.ID)
	}
	return o
}

func (o *reportOffice) service() *app.ReportService {
	return &app.ReportService{Store: o.st, Users: o.st, Now: func() time.Time { return o.now }}
}

func (o *reportOffice) snapshot(t *testing.T, svc *app.ReportService) *app.ReportPage {
	t.Helper()
	p, err := svc.Page(o.ctx, app.ReportQuery{OwnerID: o.owner.ID, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReportIncrementalEqualsFull(t *testing.T) {
	o := newReportOffice(t, 6)
	ctx := o.ctx
	inc := o.service()
	if r, err := inc.Rebuild(ctx, o.owner.ID, false); err != nil || !r.Full || r.Contacts != 6 {
		t.Fatalf("first build = %+v, %v; want a full build of 6 contacts", r, err)
	}
	// Activity of every kind on some contacts, then an incremental build.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(o.st.AddActivity(ctx, &app.ActivityEvent{OwnerID: o.owner.ID, ContactID: o.ids[0], Kind: app.ActivityPortalLogin, At: o.now.Add(-time.Hour)},
		&app.ActivityEvent{OwnerID: o.owner.ID, ContactID: o.ids[1], Kind: app.ActivityMessageIn, At: o.now.AddDate(0, 0, -20)}))
	must(o.st.AddPortalMessage(ctx, &app.PortalMessage{OwnerID: o.owner.ID, ContactID: o.ids[2], FromContact: true, Text: "hi", CreatedAt: o.now}))
	must(o.st.EnqueueMail(ctx, []*app.OutMessage{{ID: app.NewID(), OwnerID: o.owner.ID, ContactID: o.ids[3], Status: app.MailSent, SentAt: o.now, CreatedAt: o.now}}))
	must(o.st.PutSavedSearch(ctx, &app.SavedSearch{ID: app.NewID(), OwnerID: o.owner.ID, Name: "Homes", Schedule: app.ScheduleDaily, ContactIDs: []string{o.ids[4]}, Version: 1}))
	must(o.st.CreatePortalAccount(ctx, &app.PortalAccount{ContactID: o.ids[0], OwnerID: o.owner.ID, Logins: 2, LastLoginAt: o.now}, "ca@example.com"))
	must(o.contacts.Delete(ctx, o.owner.ID, o.ids[5]))
	r, err := inc.Rebuild(ctx, o.owner.ID, false)
	if err != nil || r.Full || r.Contacts != 5 || r.Removed != 1 {
		t.Fatalf("incremental build = %+v, %v; want 5 contacts recomputed and 1 removed", r, err)
	}
	if r, err := inc.Rebuild(ctx, o.owner.ID, false); err != nil || r.Contacts != 0 {
		t.Fatalf("a build with nothing new = %+v, %v; want no contacts recomputed", r, err)
	}
	got := o.snapshot(t, inc)

	full := o.service()
	if _, err := full.Rebuild(ctx, o.owner.ID, true); err != nil {
		t.Fatal(err)
	}
	want := o.snapshot(t, full)
	if !reflect.DeepEqual(got.Items, want.Items) || !reflect.DeepEqual(got.Weeks, want.Weeks) || !reflect.DeepEqual(got.Totals, want.Totals) {
		t.Errorf("incremental snapshot differs from a full build:\n got %+v %+v\nwant %+v %+v", got.Totals, got.Weeks, want.Totals, want.Weeks)
	}
	// A fresh service reads the stored snapshot and finds the same.
	if stored := o.snapshot(t, o.service()); !reflect.DeepEqual(stored.Items, want.Items) {
		t.Errorf("stored snapshot differs from the built one")
	}
	if want.Total != 5 || want.Totals.EmailsSent != 1 || want.Totals.PortalLogins != 2 || want.PortalAccounts != 1 || want.Totals.MessagesFromContact != 1 ||
		want.Totals.SavedSearches != 1 || want.Totals.SearchAlerts != 1 {
		t.Errorf("totals = %d rows, %+v", want.Total, want.Totals)
	}
	var weekTotal int
	for _, w := range want.Weeks {
		weekTotal += w.Count
	}
	if weekTotal != 3 { // two events and one email sent
		t.Errorf("weekly activity adds up to %d, want 3: %+v", weekTotal, want.Weeks)
	}
}

func TestReportPageSortsAndFilters(t *testing.T) {
	o := newReportOffice(t, 3)
	ctx := o.ctx
	for i, n := range []int{2, 0, 5} {
		for range n {
			if err := o.st.AddActivity(ctx, &app.ActivityEvent{OwnerID: o.owner.ID, ContactID: o.ids[i], Kind: app.ActivityPortalLogin, At: o.now}); err != nil {
				t.Fatal(err)
			}
		}
	}
	svc := o.service()
	if _, err := svc.Rebuild(ctx, o.owner.ID, false); err != nil {
		t.Fatal(err)
	}
	p, err := svc.Page(ctx, app.ReportQuery{OwnerID: o.owner.ID, Sort: "last_activity_at", Desc: true, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 3 || len(p.Items) != 2 || p.Next != 2 || p.Items[1].LastActivityAt.IsZero() || p.Items[0].LastActivityAt.IsZero() {
		t.Errorf("page = %d of %d, next %d: %+v", len(p.Items), p.Total, p.Next, p.Items)
	}
	p, err = svc.Page(ctx, app.ReportQuery{OwnerID: o.owner.ID, Text: "contact c"})
	if err != nil || p.Total != 1 || p.Items[0].ContactID != o.ids[2] {
		t.Errorf("name filter: %+v, %v", p, err)
	}
	if _, err := svc.Page(ctx, app.ReportQuery{OwnerID: o.owner.ID, Sort: "nope"}); app.ErrorCode(err) != app.EINVALID {
		t.Errorf("unknown sort: %v, want EINVALID", err)
	}
}
