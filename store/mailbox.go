package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"agentbook/app"

	"github.com/dgraph-io/badger/v4"
)

// Mailbox keys (see the key layout in store.go). Summaries and bodies are separate keys so that
// listing never decodes a body.
const (
	pMailSummary = "mm/" // mm/<id>: the message without Headers, Text and HTML (JSON)
	pMailBody    = "mb/" // mb/<id>: Headers, Text and HTML (JSON)
	pMailDedupe  = "mi/" // mi/<message-id or its hash>: the ID of the message stored with it
	pMailAgent   = "ma/" // ma/<agent>/<id>: empty; the agent's messages in arrival order
)

const (
	defaultMailboxCap  = 5000
	defaultMailboxPage = 50
	// maxGroupCommit bounds how many pending saves one commit takes.
	maxGroupCommit = 256
	// clearChunk bounds how many messages one ClearMessages transaction deletes.
	clearChunk = 256
	// maxAgentIDLen bounds the agent header kept as a key (agent IDs are 26-character ULIDs).
	maxAgentIDLen = 256
	// maxRawDedupeKey is the longest Message-ID used as a key as is; longer ones are hashed.
	maxRawDedupeKey = 200
)

// errMailboxClosed is returned by calls made after Close.
var errMailboxClosed = errors.New("mailbox closed")

// Mailbox is the Badger implementation of app.Mailbox: the SMTP sink's captured messages,
// capped at a number of messages (the oldest are dropped beyond it).
//
// Every write goes through one writer goroutine that takes all pending saves at once and commits
// them in one transaction (group commit: one fsync for many messages), checking duplicates and
// dropping the oldest messages in that same transaction. Reads go straight to Badger.
type Mailbox struct {
	db     *badger.DB
	max    int
	logger *slog.Logger

	ops       chan *mailboxOp
	quit      chan struct{}
	done      chan struct{}
	closeOnce sync.Once

	// count is the number of stored messages, -1 until the writer has counted them. Only the
	// writer goroutine touches it.
	count int
}

var _ app.Mailbox = (*Mailbox)(nil)

// mailboxOp is one request to the writer: a save (save != nil) or a clear.
type mailboxOp struct {
	save  *pendingSave
	agent string // clear: the agent whose messages go, "" for all
	reply chan mailboxResult
}

// pendingSave is a message ready to write: encoded outside the writer, by the caller.
type pendingSave struct {
	sum     app.CapturedMessage // the summary: no Headers, Text, HTML
	summary []byte
	body    []byte
}

type mailboxResult struct {
	duplicate bool
	id        string // the stored message's ID (the earlier one for a duplicate)
	n         int    // clear: messages removed
	err       error
}

// mailBody is the part of a message kept under mb/.
type mailBody struct {
	Headers []app.Header `json:"headers,omitempty"`
	Text    string       `json:"text,omitempty"`
	HTML    string       `json:"html,omitempty"`
}

// Mailbox returns the store's captured-mail box holding at most max messages (≤0: 5000) and
// starts its writer. Open one per store (its writer keeps the message count), and close it
// before closing the store.
func (s *Store) Mailbox(max int) *Mailbox {
	if max <= 0 {
		max = defaultMailboxCap
	}
	mb := &Mailbox{
		db:     s.db,
		max:    max,
		logger: s.logger.With("component", "mailbox"),
		ops:    make(chan *mailboxOp),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
		count:  -1,
	}
	go mb.run()
	return mb
}

// Close stops the writer after the commit in progress. Later calls that write return an error.
func (mb *Mailbox) Close() {
	mb.closeOnce.Do(func() { close(mb.quit) })
	<-mb.done
}

// SaveMessage implements app.Mailbox. It gives m an ID (when it has none) and a ReceivedAt (when
// zero) and returns once the message is committed with SyncWrites. A message whose MessageID is
// stored already is not stored again: m.ID becomes the stored message's ID, and envelope
// recipients the stored message lacks are added to it (a sender may deliver one message in
// several transactions). An empty MessageID is never treated as a duplicate.
func (mb *Mailbox) SaveMessage(ctx context.Context, m *app.CapturedMessage) (bool, error) {
	if len(m.AgentID) > maxAgentIDLen || strings.ContainsAny(m.AgentID, "/") {
		return false, app.Errorf(app.EINVALID, "The agent ID of a captured message is not valid.")
	}
	if m.ID == "" {
		m.ID = app.NewID()
	}
	if m.ReceivedAt.IsZero() {
		m.ReceivedAt = time.Now().UTC()
	}
	p := &pendingSave{sum: *m}
	p.sum.Headers, p.sum.Text, p.sum.HTML = nil, "", ""
	p.sum.To = slices.Clone(m.To)
	var err error
	if p.summary, err = json.Marshal(&p.sum); err != nil {
		return false, fmt.Errorf("store: encode message %s: %w", m.ID, err)
	}
	if p.body, err = json.Marshal(mailBody{Headers: m.Headers, Text: m.Text, HTML: m.HTML}); err != nil {
		return false, fmt.Errorf("store: encode message %s: %w", m.ID, err)
	}
	res, err := mb.do(ctx, &mailboxOp{save: p})
	if err != nil {
		return false, fmt.Errorf("store: save message %s: %w", m.ID, err)
	}
	m.ID = res.id
	return res.duplicate, nil
}

// ClearMessages implements app.Mailbox.
func (mb *Mailbox) ClearMessages(ctx context.Context, agentID string) (int, error) {
	res, err := mb.do(ctx, &mailboxOp{agent: agentID})
	if err != nil {
		return res.n, fmt.Errorf("store: clear messages: %w", err)
	}
	return res.n, nil
}

// do hands op to the writer and waits for its answer. Once the writer has the op it always
// answers promptly, so the wait ignores ctx: the caller learns what happened to its write.
func (mb *Mailbox) do(ctx context.Context, op *mailboxOp) (mailboxResult, error) {
	if err := ctx.Err(); err != nil {
		return mailboxResult{}, err
	}
	op.reply = make(chan mailboxResult, 1)
	select {
	case mb.ops <- op:
	case <-mb.quit:
		return mailboxResult{}, errMailboxClosed
	case <-ctx.Done():
		return mailboxResult{}, ctx.Err()
	}
	res := <-op.reply
	return res, res.err
}

// run is the writer: it takes every op waiting (up to maxGroupCommit) and applies them in order,
// consecutive saves in as few transactions as Badger's batch limits allow.
func (mb *Mailbox) run() {
	defer close(mb.done)
	for {
		var batch []*mailboxOp
		select {
		case op := <-mb.ops:
			batch = append(batch, op)
		case <-mb.quit:
			return
		}
	drain:
		for len(batch) < maxGroupCommit {
			select {
			case op := <-mb.ops:
				batch = append(batch, op)
			default:
				break drain
			}
		}
		mb.apply(batch)
	}
}

func (mb *Mailbox) apply(batch []*mailboxOp) {
	if mb.count < 0 {
		n, err := mb.countStored()
		if err != nil {
			for _, op := range batch {
				op.reply <- mailboxResult{err: err}
			}
			return
		}
		mb.count = n
	}
	var saves []*mailboxOp
	for _, op := range batch {
		if op.save != nil {
			saves = append(saves, op)
			continue
		}
		mb.saveAll(saves)
		saves = nil
		n, err := mb.clear(op.agent)
		op.reply <- mailboxResult{n: n, err: err}
	}
	mb.saveAll(saves)
}

func (mb *Mailbox) countStored() (int, error) {
	n := 0
	err := mb.db.View(func(txn *badger.Txn) error {
		n = len(keys(txn, pMailSummary, 0))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count messages: %w", err)
	}
	return n, nil
}

// saveAll commits ops in chunks that fit one Badger transaction and answers each op. A chunk
// that fails is retried message by message so that one bad message fails alone.
func (mb *Mailbox) saveAll(ops []*mailboxOp) {
	maxSize := mb.db.MaxBatchSize() / 2
	threshold := mb.db.Opts().ValueThreshold
	estimate := func(p *pendingSave) int64 {
		n := int64(4*64 + len(p.summary)) // four keys and the summary
		if int64(len(p.body)) < threshold {
			n += int64(len(p.body))
		}
		return n
	}
	for len(ops) > 0 {
		end, size := 0, int64(0)
		for end < len(ops) {
			s := estimate(ops[end].save)
			if end > 0 && size+s > maxSize {
				break
			}
			size += s
			end++
		}
		chunk := ops[:end]
		ops = ops[end:]
		results, err := mb.commitSaves(chunk)
		if err != nil && len(chunk) > 1 {
			mb.logger.Warn("group commit failed; saving its messages one by one", "messages", len(chunk), "err", err)
			for _, op := range chunk {
				res, err := mb.commitSaves([]*mailboxOp{op})
				if err != nil {
					op.reply <- mailboxResult{err: err}
				} else {
					op.reply <- res[0]
				}
			}
			continue
		}
		for i, op := range chunk {
			if err != nil {
				op.reply <- mailboxResult{err: err}
			} else {
				op.reply <- results[i]
			}
		}
	}
}

// commitSaves writes ops in one transaction: duplicates are found, the new messages written and
// the oldest messages beyond the cap deleted, then the transaction commits (one fsync).
func (mb *Mailbox) commitSaves(ops []*mailboxOp) ([]mailboxResult, error) {
	txn := mb.db.NewTransaction(true)
	defer txn.Discard()

	results := make([]mailboxResult, len(ops))
	var fresh []*pendingSave
	freshBy := map[string]*pendingSave{} // dedupe key → new message in this batch
	merged := map[string]*app.CapturedMessage{}
	for i, op := range ops {
		p := op.save
		results[i].id = p.sum.ID
		if p.sum.MessageID == "" {
			fresh = append(fresh, p)
			continue
		}
		dk := dedupeKey(p.sum.MessageID)
		if first, ok := freshBy[dk]; ok {
			results[i] = mailboxResult{duplicate: true, id: first.sum.ID}
			if addRecipients(&first.sum, p.sum.To) {
				b, err := json.Marshal(&first.sum)
				if err != nil {
					return nil, fmt.Errorf("encode message %s: %w", first.sum.ID, err)
				}
				first.summary = b
			}
			continue
		}
		id, err := getString(txn, dk)
		if errors.Is(err, badger.ErrKeyNotFound) {
			freshBy[dk] = p
			fresh = append(fresh, p)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("dedupe %s: %w", p.sum.MessageID, err)
		}
		results[i] = mailboxResult{duplicate: true, id: id}
		cur := merged[id]
		if cur == nil {
			cur = &app.CapturedMessage{}
			if err := getJSON(txn, pMailSummary+id, cur); err != nil {
				return nil, fmt.Errorf("read message %s: %w", id, err)
			}
			merged[id] = cur
		}
		addRecipients(cur, p.sum.To)
	}

	// The oldest messages beyond the cap go; when this batch alone exceeds the cap, so do its
	// own oldest messages (they are never written).
	slices.SortFunc(fresh, func(a, b *pendingSave) int { return strings.Compare(a.sum.ID, b.sum.ID) })
	excess := mb.count + len(fresh) - mb.max
	dropNew := 0
	if excess > mb.count {
		dropNew, excess = excess-mb.count, mb.count
	}
	trimmed, err := mb.deleteOldest(txn, excess)
	if err != nil {
		return nil, err
	}
	for id, m := range merged {
		if trimmed[id] {
			continue
		}
		if err := setJSON(txn, pMailSummary+id, m); err != nil {
			return nil, fmt.Errorf("update message %s: %w", id, err)
		}
	}
	for _, p := range fresh[dropNew:] {
		if err := mb.put(txn, p); err != nil {
			return nil, fmt.Errorf("put message %s: %w", p.sum.ID, err)
		}
	}
	if err := txn.Commit(); err != nil {
		return nil, fmt.Errorf("commit %d messages: %w", len(ops), err)
	}
	mb.count += len(fresh) - dropNew - len(trimmed)
	return results, nil
}

// addRecipients appends to m the addresses of to it does not have, and reports whether it did.
func addRecipients(m *app.CapturedMessage, to []string) bool {
	changed := false
	for _, a := range to {
		if !slices.ContainsFunc(m.To, func(b string) bool { return strings.EqualFold(a, b) }) {
			m.To = append(m.To, a)
			changed = true
		}
	}
	return changed
}

func (mb *Mailbox) put(txn *badger.Txn, p *pendingSave) error {
	id := p.sum.ID
	if err := txn.Set([]byte(pMailSummary+id), p.summary); err != nil {
		return err
	}
	if err := txn.Set([]byte(pMailBody+id), p.body); err != nil {
		return err
	}
	if p.sum.MessageID != "" {
		if err := txn.Set([]byte(dedupeKey(p.sum.MessageID)), []byte(id)); err != nil {
			return err
		}
	}
	if p.sum.AgentID != "" {
		if err := txn.Set([]byte(pMailAgent+p.sum.AgentID+"/"+id), nil); err != nil {
			return err
		}
	}
	return nil
}

// deleteOldest deletes the n oldest stored messages in txn and returns their IDs.
func (mb *Mailbox) deleteOldest(txn *badger.Txn, n int) (map[string]bool, error) {
	gone := map[string]bool{}
	if n <= 0 {
		return gone, nil
	}
	var old []app.CapturedMessage
	err := func() error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pMailSummary), PrefetchValues: true, PrefetchSize: min(n, 100)})
		defer it.Close()
		for it.Rewind(); it.Valid() && len(old) < n; it.Next() {
			var m app.CapturedMessage
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &m) }); err != nil {
				return fmt.Errorf("read message %s: %w", it.Item().Key(), err)
			}
			m.ID = strings.TrimPrefix(string(it.Item().Key()), pMailSummary)
			old = append(old, m)
		}
		return nil
	}()
	if err != nil {
		return nil, err
	}
	for i := range old {
		if err := deleteMessage(txn, &old[i]); err != nil {
			return nil, fmt.Errorf("drop message %s: %w", old[i].ID, err)
		}
		gone[old[i].ID] = true
	}
	return gone, nil
}

// deleteMessage deletes the keys of the message whose summary is m.
func deleteMessage(txn *badger.Txn, m *app.CapturedMessage) error {
	for _, k := range []string{pMailSummary + m.ID, pMailBody + m.ID} {
		if err := txn.Delete([]byte(k)); err != nil {
			return err
		}
	}
	if m.AgentID != "" {
		if err := txn.Delete([]byte(pMailAgent + m.AgentID + "/" + m.ID)); err != nil {
			return err
		}
	}
	if m.MessageID != "" {
		dk := dedupeKey(m.MessageID)
		id, err := getString(txn, dk)
		if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		if id == m.ID {
			if err := txn.Delete([]byte(dk)); err != nil {
				return err
			}
		}
	}
	return nil
}

// clear deletes every message of agent ("" for all), clearChunk messages per transaction.
func (mb *Mailbox) clear(agent string) (int, error) {
	removed := 0
	for {
		var ids []string
		err := mb.db.View(func(txn *badger.Txn) error {
			prefix := pMailSummary
			if agent != "" {
				prefix = pMailAgent + agent + "/"
			}
			for _, k := range keys(txn, prefix, clearChunk) {
				ids = append(ids, strings.TrimPrefix(k, prefix))
			}
			return nil
		})
		if err != nil {
			return removed, fmt.Errorf("list messages: %w", err)
		}
		if len(ids) == 0 {
			return removed, nil
		}
		n, err := mb.deleteMessages(agent, ids)
		if err != nil {
			return removed, fmt.Errorf("delete messages: %w", err)
		}
		removed += n
		mb.count -= n
	}
}

// deleteMessages deletes the messages ids of agent ("" for any) in one transaction and returns
// how many existed.
func (mb *Mailbox) deleteMessages(agent string, ids []string) (int, error) {
	txn := mb.db.NewTransaction(true)
	defer txn.Discard()
	n := 0
	for _, id := range ids {
		if agent != "" {
			if err := txn.Delete([]byte(pMailAgent + agent + "/" + id)); err != nil {
				return 0, err
			}
		}
		var m app.CapturedMessage
		err := getJSON(txn, pMailSummary+id, &m)
		if errors.Is(err, badger.ErrKeyNotFound) {
			continue // an index key without its message
		}
		if err != nil {
			return 0, err
		}
		m.ID = id
		if err := deleteMessage(txn, &m); err != nil {
			return 0, err
		}
		n++
	}
	return n, txn.Commit()
}

// dedupeKey is the key that maps a Message-ID to the message stored with it.
func dedupeKey(messageID string) string {
	if len(messageID) <= maxRawDedupeKey {
		return pMailDedupe + messageID
	}
	sum := sha256.Sum256([]byte(messageID))
	return pMailDedupe + "#" + hex.EncodeToString(sum[:])
}

// Messages implements app.Mailbox. It walks the summaries newest first: every match is counted,
// and only the page's summaries are decoded unless Text must be matched.
func (mb *Mailbox) Messages(ctx context.Context, q app.MailboxQuery) ([]*app.CapturedMessage, int, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, false, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = defaultMailboxPage
	}
	needle := strings.ToLower(strings.TrimSpace(q.Text))
	prefix := pMailSummary
	if q.AgentID != "" {
		prefix = pMailAgent + q.AgentID + "/"
	}
	var (
		items []*app.CapturedMessage
		total int
		more  bool
	)
	err := mb.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix), Reverse: true})
		defer it.Close()
		for it.Seek(append([]byte(prefix), 0xff)); it.Valid(); it.Next() {
			item := it.Item()
			id := string(item.Key()[len(prefix):])
			if strings.Contains(id, "/") {
				continue // another agent whose ID extends this one's
			}
			var m *app.CapturedMessage
			load := func() error {
				if m != nil {
					return nil
				}
				m = &app.CapturedMessage{}
				if q.AgentID == "" {
					return item.Value(func(b []byte) error { return json.Unmarshal(b, m) })
				}
				return getJSON(txn, pMailSummary+id, m)
			}
			if needle != "" {
				if err := load(); err != nil {
					return fmt.Errorf("read message %s: %w", id, err)
				}
				if !matchesText(m, needle) {
					continue
				}
			}
			total++
			if q.Before != "" && id >= q.Before {
				continue
			}
			if len(items) == limit {
				more = true
				continue
			}
			if err := load(); err != nil {
				return fmt.Errorf("read message %s: %w", id, err)
			}
			items = append(items, m)
		}
		return nil
	})
	if err != nil {
		return nil, 0, false, fmt.Errorf("store: messages: %w", err)
	}
	return items, total, more, nil
}

// matchesText reports whether needle (lower case) is in m's sender, a recipient or its subject.
func matchesText(m *app.CapturedMessage, needle string) bool {
	if strings.Contains(strings.ToLower(m.From), needle) || strings.Contains(strings.ToLower(m.Subject), needle) {
		return true
	}
	for _, to := range m.To {
		if strings.Contains(strings.ToLower(to), needle) {
			return true
		}
	}
	return false
}

// Message implements app.Mailbox.
func (mb *Mailbox) Message(ctx context.Context, id string) (*app.CapturedMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if id == "" || strings.Contains(id, "/") {
		return nil, notFound("Message")
	}
	var m app.CapturedMessage
	err := mb.db.View(func(txn *badger.Txn) error {
		if err := getJSON(txn, pMailSummary+id, &m); err != nil {
			return err
		}
		var body mailBody
		if err := getJSON(txn, pMailBody+id, &body); err != nil {
			return err
		}
		m.Headers, m.Text, m.HTML = body.Headers, body.Text, body.HTML
		return nil
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, notFound("Message")
	}
	if err != nil {
		return nil, fmt.Errorf("store: message %s: %w", id, err)
	}
	return &m, nil
}
