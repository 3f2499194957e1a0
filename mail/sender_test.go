package mail_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/mail"
	"agentbook/store/storetest"
)

// startRejectingSink runs a sink on a free port over an in-memory store, refusing *@bounce.test.
func startRejectingSink(t *testing.T) (*mail.Sink, app.Mailbox) {
	t.Helper()
	mb := storetest.Open(t).Mailbox(100)
	t.Cleanup(mb.Close)
	s, err := mail.NewSink(mail.SinkOptions{Addr: "127.0.0.1:0", Mailbox: mb, Reject: []string{"*@bounce.test"},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, mb
}

func outMessage(to string) *app.OutMessage {
	id := app.NewID()
	return &app.OutMessage{ID: id, MessageID: id + "@agentbook", OwnerID: "AGENT1", FromName: "Zoë Agent", From: "zoe@office.test",
		To: to, Subject: "Résumé of the open house — Sunday", Text: "Dear Ann,\nsee https://example.com/house?id=1&x=2\n\nZoë"}
}

func TestSender(t *testing.T) {
	ctx := context.Background()
	sink, mb := startRejectingSink(t)
	s := mail.NewSender(mail.SenderOptions{Addr: sink.Addr(), Timeout: 5 * time.Second})

	t.Run("a message reaches the sink with its headers, text and agent intact", func(t *testing.T) {
		m := outMessage("ann@example.com")
		if err := s.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
		items, _, _, err := mb.Messages(ctx, app.MailboxQuery{Limit: 10})
		if err != nil || len(items) == 0 {
			t.Fatalf("%v %v", items, err)
		}
		got, err := mb.Message(ctx, items[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Subject != m.Subject || got.AgentID != "AGENT1" || got.MessageID != m.MessageID || got.From != "zoe@office.test" {
			t.Errorf("captured %+v", got)
		}
		if !strings.Contains(got.Text, "https://example.com/house?id=1&x=2") || !strings.Contains(got.Text, "Zoë") {
			t.Errorf("text %q", got.Text)
		}
	})
	t.Run("sending the same message again (a resend after a crash) is captured once", func(t *testing.T) {
		m := outMessage("dup@example.com")
		for i := 0; i < 2; i++ {
			if err := s.Send(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		_, total, _, _ := mb.Messages(ctx, app.MailboxQuery{Text: "dup@example.com", Limit: 10})
		if total != 1 {
			t.Fatalf("captured %d times", total)
		}
	})
	t.Run("a recipient the sink refuses is a permanent bounce at RCPT with 550 5.1.1", func(t *testing.T) {
		err := s.Send(ctx, outMessage("gone@bounce.test"))
		var de *app.DeliveryError
		if !errors.As(err, &de) {
			t.Fatalf("err = %v", err)
		}
		if de.Temporary || de.Code != 550 || de.Enhanced != "5.1.1" || de.Stage != "rcpt" || !de.Bounce() {
			t.Fatalf("%+v", de)
		}
	})
	t.Run("a relay that is not there is a temporary connection failure", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		err = mail.NewSender(mail.SenderOptions{Addr: addr, Timeout: time.Second}).Send(ctx, outMessage("ann@example.com"))
		var de *app.DeliveryError
		if !errors.As(err, &de) || !de.Temporary || de.Stage != "connect" || de.Bounce() {
			t.Fatalf("err = %#v", err)
		}
	})
	t.Run("a relay that hangs is cut off by the timeout as a temporary failure", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close() // says nothing: no greeting
			}
		}()
		start := time.Now()
		err = mail.NewSender(mail.SenderOptions{Addr: ln.Addr().String(), Timeout: 300 * time.Millisecond}).Send(ctx, outMessage("a@example.com"))
		var de *app.DeliveryError
		if !errors.As(err, &de) || !de.Temporary {
			t.Fatalf("err = %#v", err)
		}
		if time.Since(start) > 5*time.Second {
			t.Errorf("took %v", time.Since(start))
		}
	})
	t.Run("with auth configured the sender logs in (the sink accepts any credentials)", func(t *testing.T) {
		a := mail.NewSender(mail.SenderOptions{Addr: sink.Addr(), Username: "office", Password: "secret"})
		if err := a.Send(ctx, outMessage("auth@example.com")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a header value with a line break is refused before anything is sent", func(t *testing.T) {
		m := outMessage("x@example.com")
		m.Subject = "Hi\r\nBcc: victim@example.com"
		if _, err := mail.Format(m, time.Now()); err == nil {
			t.Fatal("formatted a subject with a line break")
		}
	})
}
