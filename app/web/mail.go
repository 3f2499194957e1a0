package web

import (
	"net/http"
	"strconv"
	"time"

	"agentbook/app"
	"agentbook/views"

	"github.com/labstack/echo/v4"
)

// mailScope is whose captured mail the user sees: an admin every message, an agent the mail
// they sent.
func mailScope(u *app.User) string {
	if u.IsAdmin() {
		return ""
	}
	return u.ID
}

// ownMail loads a captured message the user may see; ENOTFOUND otherwise.
func (s *Server) ownMail(c echo.Context) (*app.CapturedMessage, error) {
	if s.opt.Mailbox == nil {
		return nil, app.Errorf(app.ENOTFOUND, "Message not found.")
	}
	m, err := s.opt.Mailbox.Message(c.Request().Context(), c.Param("id"))
	if err != nil {
		return nil, err
	}
	if scope := mailScope(currentUser(c)); scope != "" && m.AgentID != scope {
		return nil, app.Errorf(app.ENOTFOUND, "Message not found.")
	}
	return m, nil
}

func (s *Server) listMail(c echo.Context, before string, limit int) ([]*app.CapturedMessage, int, bool, error) {
	if s.opt.Mailbox == nil {
		return nil, 0, false, nil
	}
	return s.opt.Mailbox.Messages(c.Request().Context(), app.MailboxQuery{AgentID: mailScope(currentUser(c)),
		Text: c.QueryParam("q"), Before: before, Limit: limit})
}

// showMailPage: GET /mail — the sink's captured mail, newest first.
func (s *Server) showMailPage(c echo.Context) error {
	items, total, more, err := s.listMail(c, c.QueryParam("before"), 50)
	if err != nil {
		return err
	}
	p := views.MailProps{PageProps: pageProps(c), Items: items, Total: total, Query: c.QueryParam("q"),
		Before: c.QueryParam("before"), SinkOff: s.opt.Mailbox == nil, Note: s.opt.MailNote, All: currentUser(c).IsAdmin()}
	p.Nav = "mail"
	if more && len(items) > 0 {
		p.Next = items[len(items)-1].ID
	}
	if n := c.QueryParam("cleared"); n != "" {
		p.Notice = "Cleared " + n + " message(s)."
	}
	return render(c, http.StatusOK, views.MailPage(p))
}

// showMailMessage: GET /mail/:id — one message as text, HTML or headers.
func (s *Server) showMailMessage(c echo.Context) error {
	m, err := s.ownMail(c)
	if err != nil {
		return err
	}
	view := c.QueryParam("view")
	switch view {
	case "", "text", "html", "headers":
	default:
		view = ""
	}
	return render(c, http.StatusOK, views.MailMessagePage(views.MailMessageProps{PageProps: pageProps(c), Message: m, View: view}))
}

// showMailHTML: GET /mail/:id/html — the message's HTML for the sandboxed frame of its page. The
// policy allows no script, no plugin and no remote load (images only as data: URIs); links open
// in a new tab, outside the sandbox, so an invitation link can be followed.
func (s *Server) showMailHTML(c echo.Context) error {
	m, err := s.ownMail(c)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'; font-src data:; "+
		"form-action 'none'; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Referrer-Policy", "no-referrer")
	return c.HTMLBlob(http.StatusOK, []byte(`<!doctype html><meta charset="utf-8"><base target="_blank">`+m.HTML))
}

// clearMail: POST /mail/clear — removes the captured mail the user sees.
func (s *Server) clearMail(c echo.Context) error {
	n := 0
	if s.opt.Mailbox != nil {
		var err error
		if n, err = s.opt.Mailbox.ClearMessages(c.Request().Context(), mailScope(currentUser(c))); err != nil {
			return err
		}
	}
	return redirect(c, "/mail?cleared="+strconv.Itoa(n))
}

// mailSummaryJSON is a captured message in a list.
type mailSummaryJSON struct {
	ID         string    `json:"id"`
	From       string    `json:"from"`
	To         []string  `json:"to"`
	Subject    string    `json:"subject"`
	ReceivedAt time.Time `json:"received_at"`
	Size       int       `json:"size"`
}

// apiListMail: GET /api/v1/mail/messages?q=&limit=&cursor= → {"items","total","next_cursor"}.
func (s *Server) apiListMail(c echo.Context) error {
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	if limit <= 0 || limit > app.MaxPageSize {
		limit = 50
	}
	items, total, more, err := s.listMail(c, c.QueryParam("cursor"), limit)
	if err != nil {
		return err
	}
	out := struct {
		Items      []mailSummaryJSON `json:"items"`
		Total      int               `json:"total"`
		NextCursor string            `json:"next_cursor,omitempty"`
	}{Items: []mailSummaryJSON{}, Total: total}
	for _, m := range items {
		out.Items = append(out.Items, mailSummaryJSON{ID: m.ID, From: m.From, To: m.To, Subject: m.Subject, ReceivedAt: m.ReceivedAt, Size: m.Size})
	}
	if more && len(items) > 0 {
		out.NextCursor = items[len(items)-1].ID
	}
	return c.JSON(http.StatusOK, out)
}

// apiGetMail: GET /api/v1/mail/messages/:id → the message with text, html and headers.
func (s *Server) apiGetMail(c echo.Context) error {
	m, err := s.ownMail(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

// apiClearMail: DELETE /api/v1/mail/messages → 204 once the user's captured mail is gone.
func (s *Server) apiClearMail(c echo.Context) error {
	if s.opt.Mailbox != nil {
		if _, err := s.opt.Mailbox.ClearMessages(c.Request().Context(), mailScope(currentUser(c))); err != nil {
			return err
		}
	}
	return c.NoContent(http.StatusNoContent)
}
