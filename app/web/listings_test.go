package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"agentbook/app"
)

// listingForm is a valid Add listing form in Springfield.
func listingForm(price string) url.Values {
	return url.Values{"address": {"12 Elm St"}, "city": {"Springfield"}, "postal_code": {"62701"}, "price": {price},
		"beds": {"3"}, "baths": {"2"}, "area": {"1800"}, "property_type": {"house"}, "status": {"active"}}
}

func TestSavedSearchesOnTheContactPage(t *testing.T) {
	h := newHarness(t)
	a := h.agent(t, "Agent A", "a@example.com", false)
	ann := h.contact(t, a, "Ann", "Buyer", "ann@example.com")
	h.contact(t, a, "Bo", "Partner", "bo@example.com")
	b := h.loggedIn(t, "a@example.com")

	page := b.get(t, "/contacts/"+ann.ID)
	if page.find("#saved-searches").Length() != 1 || page.find("#search-add").Length() != 1 {
		t.Fatalf("no saved-search section on the contact page")
	}
	bad := b.post(t, "/contacts/"+ann.ID+"/searches", url.Values{"name": {"Lake house"}, "cities": {"Springfield, Shelbyville"},
		"price_min": {"500000"}, "price_max": {"300000"}, "beds_min": {"three"}})
	bad.wantStatus(http.StatusUnprocessableEntity)
	if bad.val("#search-cities") != "Springfield, Shelbyville" || bad.text("#f-price_max-err") == "" && !strings.Contains(bad.body, "Enter a whole number") {
		t.Errorf("the invalid form did not keep the input and say why:\n%s", bad.text("#search-form"))
	}
	ok := b.post(t, "/contacts/"+ann.ID+"/searches", url.Values{"name": {"Lake house"}, "cities": {"Springfield, Shelbyville"},
		"price_min": {"300,000"}, "price_max": {"500000"}, "beds_min": {"3"}, "baths_min": {"1.5"}, "property_types": {"house", "condo"},
		"schedule": {"asap"}, "also_for": {"bo@example.com"}})
	ok.wantRedirect("/contacts/" + ann.ID + "?saved=search")
	ss, err := h.listings.SearchesOf(context.Background(), a.ID, ann.ID)
	if err != nil || len(ss) != 1 || len(ss[0].ContactIDs) != 2 || ss[0].PriceMin != 300000 || ss[0].BathsMin != 1.5 {
		t.Fatalf("stored search: %+v %v", ss, err)
	}
	page = b.get(t, "/contacts/"+ann.ID)
	if got := page.text("#saved-searches"); !strings.Contains(got, "Lake house") || !strings.Contains(got, "$300,000–$500,000") || !strings.Contains(got, "shared by 2") {
		t.Errorf("section = %q", got)
	}
	edit := b.get(t, "/searches/"+ss[0].ID+"/edit?contact="+ann.ID)
	if edit.val("#search-price-min") != "300000" || edit.find("input[name=contact_id]").Length() != 2 {
		t.Errorf("edit form:\n%s", edit.text("#search-form"))
	}
	b.post(t, "/searches/"+ss[0].ID+"/remove?contact="+ann.ID, nil).wantRedirect("/contacts/" + ann.ID + "?saved=search-removed")
	if ss, _ := h.listings.SearchesOf(context.Background(), a.ID, ann.ID); len(ss) != 0 {
		t.Errorf("search not removed: %v", ss)
	}
}

// prospectingOffice is two agents: A has contacts with saved searches for Springfield houses,
// B lists a house there.
type prospectingOffice struct {
	h              *harness
	a, b           *app.User
	zeb, off, gone *app.Contact
	search         *app.SavedSearch
}

func newProspectingOffice(t *testing.T) *prospectingOffice {
	t.Helper()
	h := newHarness(t)
	ctx := context.Background()
	o := &prospectingOffice{h: h, a: h.agent(t, "Agent A", "a@example.com", false), b: h.agent(t, "Agent B", "b@example.com", false)}
	mk := func(first, email string, rp bool, status app.ContactStatus) *app.Contact {
		c, err := h.contacts.Create(ctx, o.a.ID, &app.Contact{FirstName: first, LastName: "Quixotic", Company: "Secretco",
			Emails: []app.Email{{Address: email}}, Phones: []app.Phone{{Number: "555-0177"}}, ReverseProspecting: rp, Status: status})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	o.zeb = mk("Zebulon", "zebulon.q@example.com", true, app.StatusActive)
	o.off = mk("Zeb-no-rp", "zebulon.q2@example.com", false, app.StatusActive)
	o.gone = mk("Zeb-inactive", "zebulon.q3@example.com", true, app.StatusInactive)
	var err error
	o.search, err = h.listings.SaveSearch(ctx, o.a.ID, &app.SavedSearch{Name: "Zeb's Circle house", Cities: []string{"springfield"},
		PriceMax: 500000, BedsMin: 3, PropertyTypes: []string{"house"}, Schedule: app.ScheduleASAP,
		ContactIDs: []string{o.zeb.ID, o.off.ID, o.gone.ID}})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestANewListingEmailsASAPSearchesAndShowsReverseProspecting(t *testing.T) {
	o := newProspectingOffice(t)
	h, ctx := o.h, context.Background()
	bb := h.loggedIn(t, "b@example.com")

	add := bb.post(t, "/listings/new", listingForm("450000"))
	if add.status != http.StatusSeeOther {
		t.Fatalf("Add listing: %d\n%s", add.status, add.text("#listing-form"))
	}
	loc := add.location()
	if !strings.Contains(loc, "added=2") {
		t.Errorf("redirect %s: want 2 notifications (the active contacts, not the inactive one)", loc)
	}
	for _, c := range []*app.Contact{o.zeb, o.off} {
		ms, _ := h.contacts.ContactMail(ctx, o.a.ID, c.ID)
		if len(ms) != 1 || ms[0].Kind != app.MailListing || !strings.Contains(ms[0].Text, "/unsubscribe/") || ms[0].From != "a@example.com" {
			t.Errorf("%s's notification: %+v", c.FirstName, ms)
		}
	}
	if ms, _ := h.contacts.ContactMail(ctx, o.a.ID, o.gone.ID); len(ms) != 0 {
		t.Errorf("the inactive contact was emailed: %+v", ms)
	}

	// B's view: Agent A with one matching contact (Reverse Prospecting on, active), nothing of the contact.
	page := bb.get(t, strings.Split(loc, "?")[0])
	rp := page.text("#reverse-prospecting")
	if !strings.Contains(rp, "Agent A") || !strings.Contains(rp, "1 matching contact") || page.find("#own-matches").Length() != 0 {
		t.Errorf("B's Reverse Prospecting = %q", rp)
	}
	if l := leaked(page.body); len(l) > 0 {
		t.Errorf("B's listing page shows %v of A's contacts", l)
	}
	id := strings.TrimPrefix(strings.Split(loc, "?")[0], "/listings/")
	api := h.api(t, h.token(t, "b@example.com"), http.MethodGet, "/api/v1/listings/"+id+"/matches", nil)
	if l := leaked(api.body); len(l) > 0 || !strings.Contains(api.body, `"others":[{"agent":{"name":"Agent A","email":"a@example.com","phone":""},"count":1}]`) ||
		!strings.Contains(api.body, `"own":[]`) {
		t.Errorf("B's API matches: %s (leaks %v)", api.body, l)
	}
	// A's view of the same listing: the contact in full.
	if own := h.api(t, h.token(t, "a@example.com"), http.MethodGet, "/api/v1/listings/"+id+"/matches", nil).body; !strings.Contains(own, `"first_name":"Zebulon"`) {
		t.Errorf("A's API matches: %s", own)
	}
	ap := h.loggedIn(t, "a@example.com").get(t, "/listings/"+id)
	if got := ap.text("#own-matches"); !strings.Contains(got, "Zebulon Quixotic") || ap.find("#agent-matches").Length() != 0 {
		t.Errorf("A's own matches = %q", got)
	}

	// Contact these agents: B emails A; the email names the listing and the count, never A's contacts.
	sent := bb.post(t, "/listings/"+id+"/contact-agents", url.Values{"note": {"Open house Saturday."}})
	sent.wantRedirect("/listings/" + id + "?sent=1")
	due, err := h.outbox.Store.DueMail(ctx, time.Now().Add(time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	var toA *app.OutMessage
	for _, m := range due {
		if m.Kind == app.MailToAgent {
			toA = m
		}
	}
	if toA == nil || toA.To != "a@example.com" || !strings.Contains(toA.Text, "Open house Saturday.") || len(leaked(toA.Text+toA.Subject)) > 0 {
		t.Errorf("the email to agent A: %+v", toA)
	}

	// A price change that still matches emails again; one that no longer matches does not.
	l, _ := h.listings.Listing(ctx, id)
	form := listingForm("600000")
	form.Set("version", "1")
	bb.post(t, "/listings/"+id, form).wantRedirect("/listings/" + id + "?added=0")
	if l2, _ := h.listings.Listing(ctx, id); l2.Price != 600000 || l2.Version != l.Version+1 {
		t.Errorf("listing after edit: %+v", l2)
	}
}

func TestUnsubscribeLinkTurnsNotificationsOff(t *testing.T) {
	o := newProspectingOffice(t)
	h, ctx := o.h, context.Background()
	if _, _, err := h.listings.AddListing(ctx, o.b, &app.Listing{Address: "1 Oak", City: "Springfield", Price: 400000, Beds: 3,
		Baths: 2, PropertyType: "house"}); err != nil {
		t.Fatal(err)
	}
	ms, _ := h.contacts.ContactMail(ctx, o.a.ID, o.zeb.ID)
	if len(ms) != 1 {
		t.Fatalf("notifications: %+v", ms)
	}
	link := regexp.MustCompile(`http://agentbook\.test(/unsubscribe/\S+)`).FindStringSubmatch(ms[0].Text)
	if link == nil {
		t.Fatalf("no unsubscribe link in:\n%s", ms[0].Text)
	}
	anon := h.browser()
	anon.get(t, link[1]+"x").wantStatus(http.StatusNotFound)
	p := anon.get(t, link[1])
	p.wantStatus(http.StatusOK)
	if !strings.Contains(p.text("#unsubscribed"), "Zeb's Circle house") {
		t.Errorf("page: %s", p.text("main"))
	}
	ss, _ := h.listings.Search(ctx, o.a.ID, o.search.ID)
	if ss.Schedule != app.ScheduleOff {
		t.Errorf("schedule = %s", ss.Schedule)
	}
	if _, res, _ := h.listings.AddListing(ctx, o.b, &app.Listing{Address: "2 Oak", City: "Springfield", Price: 400000, Beds: 3,
		Baths: 2, PropertyType: "house"}); res.Queued != 0 || res.Matched != 1 {
		t.Errorf("after unsubscribing: %+v", res)
	}
}

func TestSavedSearchAndListingAPI(t *testing.T) {
	h := newHarness(t)
	a := h.agent(t, "Agent A", "a@example.com", false)
	ann := h.contact(t, a, "Ann", "Buyer", "ann@example.com")
	tok := h.token(t, "a@example.com")
	res := h.api(t, tok, http.MethodPost, "/api/v1/saved-searches", map[string]any{"name": "Condo", "cities": []string{"Springfield"},
		"property_types": []string{"condo"}, "schedule": "daily", "contact_ids": []string{ann.ID}})
	if res.status != http.StatusCreated || strings.Contains(res.body, "unsubscribe") {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	id := res.object(t)["id"].(string)
	h.api(t, tok, http.MethodPost, "/api/v1/saved-searches", map[string]any{"name": "", "contact_ids": []string{}}).wantError(t, http.StatusUnprocessableEntity, "invalid")
	if got := h.api(t, tok, http.MethodGet, "/api/v1/saved-searches?contact_id="+ann.ID, nil).object(t); got["total"].(float64) != 1 {
		t.Errorf("list: %v", got)
	}
	upd := h.api(t, tok, http.MethodPatch, "/api/v1/saved-searches/"+id, map[string]any{"version": 1, "price_max": 300000})
	if upd.status != http.StatusOK || upd.object(t)["price_max"].(float64) != 300000 {
		t.Errorf("patch: %d %s", upd.status, upd.body)
	}
	h.api(t, tok, http.MethodPatch, "/api/v1/saved-searches/"+id, map[string]any{"version": 1, "price_max": 1}).wantError(t, http.StatusConflict, "conflict")
	l := h.api(t, tok, http.MethodPost, "/api/v1/listings", map[string]any{"address": "9 Pine", "city": "Springfield", "price": 250000,
		"beds": 2, "baths": 1, "property_type": "condo"})
	if l.status != http.StatusCreated || l.object(t)["matched"].(float64) != 1 || l.object(t)["notified"].(float64) != 0 {
		t.Errorf("listing: %d %s", l.status, l.body)
	}
	h.api(t, tok, http.MethodPost, "/api/v1/listings", map[string]any{"address": "", "price": -1}).wantError(t, http.StatusUnprocessableEntity, "invalid")
	if del := h.api(t, tok, http.MethodDelete, "/api/v1/saved-searches/"+id, nil); del.status != http.StatusNoContent {
		t.Errorf("delete: %d", del.status)
	}
}

// TestReverseProspectingPrivacy has agent B list a house that agent A's contacts are searching
// for, contact A about it, and then read every page, fragment and API answer B can reach, and
// every email B sent: none may show a detail of A's contacts or searches.
func TestReverseProspectingPrivacy(t *testing.T) {
	o := newProspectingOffice(t)
	h, ctx := o.h, context.Background()
	bb := h.loggedIn(t, "b@example.com")
	tok := h.token(t, "b@example.com")
	l, res, err := h.listings.AddListing(ctx, o.b, &app.Listing{Address: "12 Elm St", City: "Springfield", Price: 450000, Beds: 3,
		Baths: 2, PropertyType: "house"})
	if err != nil || res.Matched != 1 {
		t.Fatalf("listing: %v %+v", err, res)
	}
	if _, err := h.listings.ContactAgents(ctx, o.b, l.ID, "Open house Saturday."); err != nil {
		t.Fatal(err)
	}
	checked := 0
	check := func(what, body string) {
		t.Helper()
		checked++
		if l := leaked(body); len(l) > 0 {
			t.Errorf("%s shows %v of A's contacts:\n%.400s", what, l, body)
		}
	}
	for _, r := range h.echo.Routes() {
		if r.Method != http.MethodGet || strings.HasPrefix(r.Path, "/unsubscribe/") || strings.HasPrefix(r.Path, "/static") ||
			strings.HasPrefix(r.Path, "/vendor") || strings.Contains(r.Path, "*") {
			continue
		}
		path := strings.ReplaceAll(r.Path, "/listings/:id", "/listings/"+l.ID)
		if strings.Contains(path, "/:") {
			continue // other IDs are walked by TestAuthorizationWalk
		}
		if strings.HasPrefix(path, "/api/") {
			check("GET "+path, h.api(t, tok, http.MethodGet, path, nil).body)
			continue
		}
		check("GET "+path, bb.get(t, path).body)
		check("GET "+path+" (htmx)", bb.get(t, path, htmx("contact-list")).body)
	}
	check("the listing's matches", h.api(t, tok, http.MethodGet, "/api/v1/listings/"+l.ID+"/matches", nil).body)
	due, err := h.outbox.Store.DueMail(ctx, time.Now().Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range due {
		if m.OwnerID == o.b.ID {
			check("B's email to "+m.To, m.Subject+"\n"+m.Text+m.HTML)
		}
	}
	if checked < 20 {
		t.Errorf("only %d answers checked", checked)
	}
}
