package app

import (
	"context"
	"time"
)

// Header is one header field of a captured message, in the order it arrived.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Attachment describes a part of a captured message that is not its text or HTML body.
type Attachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// CapturedMessage is one message the embedded SMTP sink received.
type CapturedMessage struct {
	ID          string       `json:"id"`         // ULID: sorts by arrival
	MessageID   string       `json:"message_id"` // the Message-ID header, without angle brackets
	AgentID     string       `json:"agent_id"`   // the sending agent (X-Agentbook-Agent header), "" for other mail
	From        string       `json:"from"`       // envelope sender
	To          []string     `json:"to"`         // accepted envelope recipients
	Subject     string       `json:"subject"`    // decoded
	Headers     []Header     `json:"headers,omitempty"`
	Text        string       `json:"text,omitempty"`
	HTML        string       `json:"html,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	Size        int          `json:"size"` // bytes as received
	ReceivedAt  time.Time    `json:"received_at"`
}

// MailboxQuery selects captured messages, newest first.
type MailboxQuery struct {
	AgentID string // "" for every message
	Text    string // case-insensitive substring of from, to or subject; "" for all
	Before  string // a message ID: start after it (paging); "" for the newest
	Limit   int
}

// Mailbox keeps the sink's captured messages.
type Mailbox interface {
	// SaveMessage stores a message durably before it returns, and then drops the oldest messages
	// beyond the mailbox's cap. A message whose MessageID is already stored is not stored again:
	// it returns duplicate true (a sender that resends after a crash must not show twice).
	SaveMessage(ctx context.Context, m *CapturedMessage) (duplicate bool, err error)
	// Messages returns one page of summaries (no Headers, Text, HTML), the number of messages
	// matching q, and whether more pages follow.
	Messages(ctx context.Context, q MailboxQuery) (items []*CapturedMessage, total int, more bool, err error)
	// Message returns a whole message; ENOTFOUND if missing.
	Message(ctx context.Context, id string) (*CapturedMessage, error)
	// ClearMessages removes every message of the agent ("" for all) and returns how many.
	ClearMessages(ctx context.Context, agentID string) (int, error)
}

// AgentHeader names the header agentbook puts on every message it sends, carrying the sending
// agent's user ID, so that the sink can show each agent the mail they sent.
const AgentHeader = "X-Agentbook-Agent"
