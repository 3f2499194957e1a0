package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/store"
	"agentbook/store/storetest"
)

// openMailbox returns a mailbox on an in-memory store, closed when the test ends.
func openMailbox(t *testing.T, max int) *store.Mailbox {
	t.Helper()
	mb := storetest.Open(t).Mailbox(max)
	t.Cleanup(mb.Close) // runs before the store closes
	return mb
}

// captured returns a message as the sink would hand it over.
func captured(agent, from, to, subject string) *app.CapturedMessage {
	return &app.CapturedMessage{
		MessageID: app.NewID() + "@test", AgentID: agent, From: from, To: []string{to}, Subject: subject,
		Headers: []app.Header{{Name: "Subject", Value: subject}}, Text: "text of " + subject, HTML: "<p>" + subject + "</p>",
		Size: 100,
	}
}

func saveAll(t *testing.T, mb *store.Mailbox, ms ...*app.CapturedMessage) {
	t.Helper()
	for _, m := range ms {
		dup, err := mb.SaveMessage(context.Background(), m)
		if err != nil || dup {
			t.Fatalf("SaveMessage(%s) = %v, %v; want stored", m.Subject, dup, err)
		}
	}
}

func subjects(items []*app.CapturedMessage) []string {
	var out []string
	for _, m := range items {
		out = append(out, m.Subject)
	}
	return out
}

func TestMailboxSaveAndRead(t *testing.T) {
	ctx := context.Background()

	t.Run("a saved message is read back whole and listed as a summary", func(t *testing.T) {
		mb := openMailbox(t, 0)
		m := captured("agent1", "a@x.test", "b@y.test", "Hello")
		m.Attachments = []app.Attachment{{Filename: "a.pdf", ContentType: "application/pdf", Size: 3}}
		saveAll(t, mb, m)
		if m.ID == "" || m.ReceivedAt.IsZero() {
			t.Fatalf("SaveMessage left ID %q, ReceivedAt %v", m.ID, m.ReceivedAt)
		}
		got, err := mb.Message(ctx, m.ID)
		if err != nil {
			t.Fatalf("Message: %v", err)
		}
		if got.Subject != "Hello" || got.Text != "text of Hello" || got.HTML != "<p>Hello</p>" ||
			len(got.Headers) != 1 || got.AgentID != "agent1" || len(got.Attachments) != 1 || !got.ReceivedAt.Equal(m.ReceivedAt) {
			t.Fatalf("Message = %+v", got)
		}
		items, total, more, err := mb.Messages(ctx, app.MailboxQuery{})
		if err != nil || total != 1 || more || len(items) != 1 {
			t.Fatalf("Messages = %d items, total %d, more %v, %v", len(items), total, more, err)
		}
		if s := items[0]; s.Text != "" || s.HTML != "" || s.Headers != nil || s.Subject != "Hello" || len(s.Attachments) != 1 {
			t.Fatalf("summary carries the body or lacks fields: %+v", s)
		}
	})

	t.Run("a missing message is not found", func(t *testing.T) {
		mb := openMailbox(t, 0)
		_, err := mb.Message(ctx, app.NewID())
		wantCode(t, err, app.ENOTFOUND)
	})

	t.Run("the same Message-ID is stored once and its new recipients are added", func(t *testing.T) {
		mb := openMailbox(t, 0)
		first := captured("", "a@x.test", "b@y.test", "Once")
		saveAll(t, mb, first)
		again := captured("", "a@x.test", "B@y.test", "Once")
		again.MessageID = first.MessageID
		dup, err := mb.SaveMessage(ctx, again)
		if err != nil || !dup || again.ID != first.ID {
			t.Fatalf("resend = %v, %v, id %s; want duplicate of %s", dup, err, again.ID, first.ID)
		}
		other := captured("", "a@x.test", "c@y.test", "Once")
		other.MessageID = first.MessageID
		if dup, err := mb.SaveMessage(ctx, other); err != nil || !dup {
			t.Fatalf("third = %v, %v", dup, err)
		}
		items, total, _, _ := mb.Messages(ctx, app.MailboxQuery{})
		if total != 1 || !slices.Equal(items[0].To, []string{"b@y.test", "c@y.test"}) {
			t.Fatalf("total %d, to %v; want one message to b and c", total, items[0].To)
		}
	})

	t.Run("messages without a Message-ID are never duplicates", func(t *testing.T) {
		mb := openMailbox(t, 0)
		a, b := captured("", "a@x.test", "b@y.test", "A"), captured("", "a@x.test", "b@y.test", "B")
		a.MessageID, b.MessageID = "", ""
		saveAll(t, mb, a, b)
	})

	t.Run("a very long Message-ID still dedupes", func(t *testing.T) {
		mb := openMailbox(t, 0)
		a, b := captured("", "a@x.test", "b@y.test", "A"), captured("", "a@x.test", "b@y.test", "A")
		a.MessageID = string(slices.Repeat([]byte("x"), 5000)) + "@test"
		b.MessageID = a.MessageID
		saveAll(t, mb, a)
		if dup, err := mb.SaveMessage(ctx, b); err != nil || !dup {
			t.Fatalf("resend = %v, %v; want duplicate", dup, err)
		}
	})

	t.Run("an agent ID that cannot be a key is refused", func(t *testing.T) {
		mb := openMailbox(t, 0)
		_, err := mb.SaveMessage(ctx, captured("a/b", "a@x.test", "b@y.test", "A"))
		wantCode(t, err, app.EINVALID)
	})

	t.Run("a closed mailbox refuses saves", func(t *testing.T) {
		mb := storetest.Open(t).Mailbox(0)
		mb.Close()
		if _, err := mb.SaveMessage(ctx, captured("", "a@x.test", "b@y.test", "A")); err == nil {
			t.Fatal("SaveMessage after Close succeeded")
		}
	})
}

func TestMailboxCap(t *testing.T) {
	ctx := context.Background()

	t.Run("the oldest messages beyond the cap are dropped, with their dedupe keys", func(t *testing.T) {
		mb := openMailbox(t, 3)
		var ms []*app.CapturedMessage
		for i := range 5 {
			ms = append(ms, captured("agent1", "a@x.test", "b@y.test", fmt.Sprint("m", i)))
		}
		saveAll(t, mb, ms...)
		items, total, _, err := mb.Messages(ctx, app.MailboxQuery{})
		if err != nil || total != 3 || !slices.Equal(subjects(items), []string{"m4", "m3", "m2"}) {
			t.Fatalf("Messages = %v, total %d, %v", subjects(items), total, err)
		}
		if _, err := mb.Message(ctx, ms[0].ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("dropped message still readable: %v", err)
		}
		if _, total, _, _ := mb.Messages(ctx, app.MailboxQuery{AgentID: "agent1"}); total != 3 {
			t.Fatalf("agent index keeps %d messages, want 3", total)
		}
		resent := captured("", "a@x.test", "b@y.test", "m0 again")
		resent.MessageID = ms[0].MessageID
		saveAll(t, mb, resent) // its first copy is gone, so it is stored again
	})

	t.Run("concurrent saves are all stored and the cap holds", func(t *testing.T) {
		mb := openMailbox(t, 100)
		var wg sync.WaitGroup
		errs := make(chan error, 300)
		for i := range 300 {
			wg.Go(func() {
				if _, err := mb.SaveMessage(ctx, captured("", "a@x.test", "b@y.test", fmt.Sprint("c", i))); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("SaveMessage: %v", err)
		}
		items, total, more, err := mb.Messages(ctx, app.MailboxQuery{Limit: 1000})
		if err != nil || total != 100 || len(items) != 100 || more {
			t.Fatalf("Messages = %d items, total %d, more %v, %v; want 100", len(items), total, more, err)
		}
	})

	t.Run("the count survives reopening the store", func(t *testing.T) {
		dir := t.TempDir()
		st, err := store.Open(store.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		mb := st.Mailbox(3)
		saveAll(t, mb, captured("", "a@x.test", "b@y.test", "m0"), captured("", "a@x.test", "b@y.test", "m1"))
		mb.Close()
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		st, err = store.Open(store.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		mb = st.Mailbox(3)
		defer mb.Close()
		saveAll(t, mb, captured("", "a@x.test", "b@y.test", "m2"), captured("", "a@x.test", "b@y.test", "m3"))
		items, total, _, _ := mb.Messages(ctx, app.MailboxQuery{})
		if total != 3 || !slices.Equal(subjects(items), []string{"m3", "m2", "m1"}) {
			t.Fatalf("after reopen: %v, total %d", subjects(items), total)
		}
	})
}

func TestMailboxMessages(t *testing.T) {
	ctx := context.Background()
	mb := openMailbox(t, 0)
	base := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	var all []*app.CapturedMessage
	for i := range 7 {
		agent := "agentA"
		if i%2 == 1 {
			agent = "agentB"
		}
		m := captured(agent, "office@agents.test", fmt.Sprintf("client%d@example.test", i), fmt.Sprintf("Listing %d", i))
		if i == 3 {
			m.Subject = "Open HOUSE Saturday"
		}
		if i == 5 {
			m.From = "Noreply@Portal.test"
		}
		m.ReceivedAt = base.Add(time.Duration(i) * time.Minute)
		all = append(all, m)
	}
	saveAll(t, mb, all...)
	// a message of another agent whose ID extends agentA's must not show up under agentA
	saveAll(t, mb, captured("agentAB", "x@x.test", "y@y.test", "Other agent"))

	tests := []struct {
		name  string
		q     app.MailboxQuery
		want  []string
		total int
		more  bool
	}{
		{"all messages come newest first", app.MailboxQuery{Limit: 3},
			[]string{"Other agent", "Listing 6", "Listing 5"}, 8, true},
		{"an agent sees only their messages", app.MailboxQuery{AgentID: "agentA"},
			[]string{"Listing 6", "Listing 4", "Listing 2", "Listing 0"}, 4, false},
		{"text matches the subject whatever its case", app.MailboxQuery{Text: "open house"},
			[]string{"Open HOUSE Saturday"}, 1, false},
		{"text matches the sender whatever its case", app.MailboxQuery{Text: "noreply@portal"},
			[]string{"Listing 5"}, 1, false},
		{"text matches a recipient", app.MailboxQuery{Text: "CLIENT2@"},
			[]string{"Listing 2"}, 1, false},
		{"text and agent combine", app.MailboxQuery{AgentID: "agentB", Text: "listing", Limit: 1},
			[]string{"Listing 5"}, 2, true},
		{"text that matches nothing gives an empty page", app.MailboxQuery{Text: "zzz"}, nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, total, more, err := mb.Messages(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			got := subjects(items)
			if !slices.Equal(got, tt.want) || total != tt.total || more != tt.more {
				t.Fatalf("got %v total %d more %v; want %v total %d more %v", got, total, more, tt.want, tt.total, tt.more)
			}
		})
	}

	t.Run("paging with Before walks every message once", func(t *testing.T) {
		var seen []string
		before := ""
		for page := 0; page < 10; page++ {
			items, total, more, err := mb.Messages(ctx, app.MailboxQuery{Before: before, Limit: 3})
			if err != nil || total != 8 {
				t.Fatalf("page %d: total %d, %v", page, total, err)
			}
			seen = append(seen, subjects(items)...)
			if !more {
				break
			}
			before = items[len(items)-1].ID
		}
		want := []string{"Other agent", "Listing 6", "Listing 5", "Listing 4", "Open HOUSE Saturday", "Listing 2", "Listing 1", "Listing 0"}
		if !slices.Equal(seen, want) {
			t.Fatalf("pages = %v, want %v", seen, want)
		}
	})

	t.Run("clearing an agent removes only their messages", func(t *testing.T) {
		n, err := mb.ClearMessages(ctx, "agentB")
		if err != nil || n != 3 {
			t.Fatalf("ClearMessages(agentB) = %d, %v; want 3", n, err)
		}
		if _, total, _, _ := mb.Messages(ctx, app.MailboxQuery{}); total != 5 {
			t.Fatalf("total after clearing agentB = %d, want 5", total)
		}
		if _, total, _, _ := mb.Messages(ctx, app.MailboxQuery{AgentID: "agentB"}); total != 0 {
			t.Fatalf("agentB still has %d messages", total)
		}
		// a cleared message's Message-ID can be captured again
		saveAll(t, mb, &app.CapturedMessage{MessageID: all[1].MessageID, AgentID: "agentB", From: "f@x.test", To: []string{"t@y.test"}})
	})

	t.Run("clearing with no agent removes everything", func(t *testing.T) {
		n, err := mb.ClearMessages(ctx, "")
		if err != nil || n != 6 {
			t.Fatalf("ClearMessages(\"\") = %d, %v; want 6", n, err)
		}
		if items, total, _, _ := mb.Messages(ctx, app.MailboxQuery{}); total != 0 || len(items) != 0 {
			t.Fatalf("after clearing: %d items, total %d", len(items), total)
		}
	})
}
