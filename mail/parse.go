package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"agentbook/app"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
)

// maxPartDepth bounds how deeply Parse follows nested multiparts.
const maxPartDepth = 20

// maxAgentIDLen bounds the agent header Parse keeps (agentbook's user IDs are 26-character ULIDs).
const maxAgentIDLen = 64

// parse reads a raw RFC 5322 message into a CapturedMessage: its headers in order (RFC 2047
// words decoded), the decoded Subject, the first text/plain and the first text/html body
// (walking nested multiparts, each decoded from its transfer encoding and charset to UTF-8),
// the other leaf parts as attachments, the Message-ID without angle brackets, and the agent
// header when it holds a plausible ID. Size is len(raw).
//
// parse never fails: a message that is not MIME is kept whole as Text. Envelope fields (From,
// To), ID and ReceivedAt are left to the caller; MessageID is "" when the header is missing.
func parse(raw []byte) *app.CapturedMessage {
	m := &app.CapturedMessage{Size: len(raw)}
	fields, body, ok := splitHeader(raw)
	if !ok {
		m.Text = bodyText(raw, "")
		return m
	}
	dec := wordDecoder()
	mh := textproto.MIMEHeader{}
	for _, f := range fields {
		m.Headers = append(m.Headers, app.Header{Name: f.name, Value: decodeHeader(dec, f.value)})
		mh.Add(textproto.CanonicalMIMEHeaderKey(f.name), f.value)
	}
	m.Subject = decodeHeader(dec, mh.Get("Subject"))
	m.MessageID = messageID(mh.Get("Message-Id"))
	m.AgentID = agentID(mh.Get(app.AgentHeader))

	w := walker{m: m, dec: dec}
	w.part(mh, body, 0)
	if m.Text == "" && m.HTML == "" && len(m.Attachments) == 0 && len(bytes.TrimSpace(body)) > 0 {
		m.Text = bodyText(body, "") // nothing recognisable: keep the body as it came
	}
	return m
}

// field is one unfolded header field as it arrived.
type field struct{ name, value string }

// splitHeader splits raw into its header fields (in order, unfolded) and the body. ok is false
// when raw does not start with a header field.
func splitHeader(raw []byte) (fields []field, body []byte, ok bool) {
	rest := raw
	for len(rest) > 0 {
		line, next := cutLine(rest)
		if len(bytes.TrimRight(line, "\r\n")) == 0 { // the blank line before the body
			return fields, next, len(fields) > 0
		}
		if (line[0] == ' ' || line[0] == '\t') && len(fields) > 0 { // a folded continuation
			fields[len(fields)-1].value += " " + strings.TrimSpace(string(line))
			rest = next
			continue
		}
		name, value, found := bytes.Cut(line, []byte(":"))
		if !found || len(name) == 0 || bytes.ContainsAny(name, " \t") {
			// not a header field: the body starts here (a message without the blank line)
			return fields, rest, len(fields) > 0
		}
		fields = append(fields, field{name: string(name), value: strings.TrimSpace(string(value))})
		rest = next
	}
	return fields, nil, len(fields) > 0
}

// cutLine returns the first line of b (with its line ending) and the rest.
func cutLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i+1], b[i+1:]
	}
	return b, nil
}

// messageID returns the Message-ID header's address without angle brackets or comments.
func messageID(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return strings.TrimSpace(v[i+1 : i+j])
		}
	}
	return strings.Trim(v, "<>")
}

// agentID returns the agent header's value when it can be an agent's ID, and "" otherwise.
func agentID(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > maxAgentIDLen || strings.ContainsFunc(v, func(r rune) bool {
		return r == '/' || unicode.IsSpace(r) || !unicode.IsPrint(r)
	}) {
		return ""
	}
	return v
}

// walker collects the bodies and attachments of a message's parts.
type walker struct {
	m   *app.CapturedMessage
	dec *mime.WordDecoder
}

// part takes one MIME entity with header h and (still transfer-encoded) body.
func (w *walker) part(h textproto.MIMEHeader, body []byte, depth int) {
	mediaType, params := contentType(h.Get("Content-Type"))
	if strings.HasPrefix(mediaType, "multipart/") {
		if depth < maxPartDepth && w.multipart(body, params["boundary"], depth) {
			return
		}
		mediaType = "text/plain" // a multipart that cannot be read is kept as text
	}
	data := decodeTransfer(h.Get("Content-Transfer-Encoding"), body)
	disposition, dparams := contentType(h.Get("Content-Disposition"))
	filename := dparams["filename"]
	if filename == "" {
		filename = extParam(h.Get("Content-Disposition"), "filename")
	}
	if filename == "" {
		filename = params["name"]
	}
	if filename == "" {
		filename = extParam(h.Get("Content-Type"), "name")
	}
	filename = decodeHeader(w.dec, filename)
	if disposition != "attachment" && filename == "" {
		switch {
		case mediaType == "text/plain" && w.m.Text == "":
			w.m.Text = bodyText(data, params["charset"])
			return
		case mediaType == "text/html" && w.m.HTML == "":
			w.m.HTML = bodyText(data, params["charset"])
			return
		}
	}
	w.m.Attachments = append(w.m.Attachments, app.Attachment{Filename: filename, ContentType: mediaType, Size: len(data)})
}

// multipart walks the parts of a multipart body and reports whether it found any.
func (w *walker) multipart(body []byte, boundary string, depth int) bool {
	if boundary == "" {
		return false
	}
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	found := false
	for {
		p, err := r.NextRawPart()
		if err != nil {
			return found // io.EOF, or a malformed rest that is given up
		}
		data, err := io.ReadAll(p)
		if len(data) > 0 || err == nil {
			w.part(p.Header, data, depth+1)
			found = true
		}
		if err != nil {
			return found
		}
	}
}

// contentType parses a Content-Type or Content-Disposition value into a lower-case media type
// and its parameters, leniently: a value mime.ParseMediaType refuses is split by hand.
// An empty Content-Type means text/plain.
func contentType(v string) (string, map[string]string) {
	if strings.TrimSpace(v) == "" {
		return "text/plain", map[string]string{}
	}
	mt, params, err := mime.ParseMediaType(v)
	if err == nil {
		return mt, params
	}
	parts := strings.Split(v, ";")
	params = map[string]string{}
	for _, p := range parts[1:] {
		if k, val, ok := strings.Cut(p, "="); ok {
			params[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(val), `"`)
		}
	}
	mt = strings.ToLower(strings.TrimSpace(parts[0]))
	if mt == "" {
		mt = "text/plain"
	}
	return mt, params
}

// extParam reads an RFC 2231 parameter (key*=charset'lang'text, possibly continued as key*0*=,
// key*1=, …) in any charset: mime.ParseMediaType drops those not in US-ASCII or UTF-8.
func extParam(v, key string) string {
	pieces := map[int]string{}
	encoded := map[int]bool{}
	for _, p := range strings.Split(v, ";")[1:] {
		k, val, ok := strings.Cut(p, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if !ok || !strings.HasPrefix(k, key+"*") {
			continue
		}
		rest, idx, enc := k[len(key)+1:], 0, true
		if rest != "" {
			rest, enc = strings.CutSuffix(rest, "*")
			n, err := strconv.Atoi(rest)
			if err != nil {
				continue
			}
			idx = n
		}
		pieces[idx], encoded[idx] = strings.Trim(strings.TrimSpace(val), `"`), enc
	}
	var out []byte
	charset := ""
	for i := 0; ; i++ {
		p, ok := pieces[i]
		if !ok {
			break
		}
		if !encoded[i] {
			out = append(out, p...)
			continue
		}
		if i == 0 {
			if cs, after, ok := strings.Cut(p, "'"); ok {
				if _, text, ok := strings.Cut(after, "'"); ok {
					charset, p = cs, text
				}
			}
		}
		out = append(out, percentDecode(p)...)
	}
	if len(out) == 0 {
		return ""
	}
	return toUTF8(out, charset)
}

// percentDecode undoes %XX escapes, keeping malformed ones as they are.
func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if b, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				out = append(out, byte(b))
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return out
}

// decodeTransfer undoes a Content-Transfer-Encoding. What cannot be decoded is kept as it
// came (quoted-printable) or as far as it decodes (base64).
func decodeTransfer(cte string, body []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		clean := strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, string(body))
		out, err := base64.StdEncoding.DecodeString(clean)
		if err != nil {
			if raw, rawErr := base64.RawStdEncoding.DecodeString(strings.TrimRight(clean, "=")); rawErr == nil {
				return raw
			}
		}
		return out
	case "quoted-printable":
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		if err != nil {
			return body
		}
		return out
	default:
		return body
	}
}

// bodyText converts a text body in charset to UTF-8 with "\n" line ends. Text without a known
// charset is taken as UTF-8 when it is valid UTF-8 and as Windows-1252 otherwise.
func bodyText(b []byte, charset string) string {
	s := toUTF8(b, charset)
	return strings.ReplaceAll(s, "\r\n", "\n")
}

func toUTF8(b []byte, charset string) string {
	switch cs := strings.ToLower(strings.TrimSpace(charset)); cs {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
	default:
		if enc, err := htmlindex.Get(cs); err == nil {
			if out, err := enc.NewDecoder().Bytes(b); err == nil {
				return string(out)
			}
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

// wordDecoder decodes RFC 2047 encoded words in any charset the WHATWG encoding standard
// names (ISO-8859-x, Windows-125x, KOI8, Shift_JIS, GBK, …).
func wordDecoder() *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: func(charset string, input io.Reader) (io.Reader, error) {
		enc, err := htmlindex.Get(charset)
		if err != nil {
			return nil, fmt.Errorf("unknown charset %q: %w", charset, err)
		}
		return enc.NewDecoder().Reader(input), nil
	}}
}

// decodeHeader decodes the encoded words of a header value; raw 8-bit text that is not UTF-8
// is taken as Windows-1252. A value that does not decode is kept as it is.
func decodeHeader(dec *mime.WordDecoder, v string) string {
	if v == "" {
		return ""
	}
	if !utf8.ValidString(v) {
		v = toUTF8([]byte(v), "")
	}
	if !strings.Contains(v, "=?") {
		return v
	}
	s, err := dec.DecodeHeader(v)
	if err != nil {
		return v
	}
	return s
}
