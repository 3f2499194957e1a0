package views

import (
	"io"
	"strconv"
	"strings"
	"time"

	"agentbook/app"

	g "maragu.dev/gomponents"
)

// htmlWriter writes HTML straight to the response for the list's rows: a page of 50 rows in 18
// columns has about 900 cells, and building each as gomponents element nodes cost twice as much
// as the rest of the request. It keeps the first error.
type htmlWriter struct {
	w   io.StringWriter
	err error
}

type stringWriter struct{ io.Writer }

func (s stringWriter) WriteString(v string) (int, error) { return io.WriteString(s.Writer, v) }

func newHTMLWriter(w io.Writer) *htmlWriter {
	if sw, ok := w.(io.StringWriter); ok {
		return &htmlWriter{w: sw}
	}
	return &htmlWriter{w: stringWriter{w}}
}

// raw writes markup as it is.
func (h *htmlWriter) raw(ss ...string) {
	for _, s := range ss {
		if h.err == nil {
			_, h.err = h.w.WriteString(s)
		}
	}
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")

// esc writes text escaped for an element's content or a quoted attribute value.
func (h *htmlWriter) esc(s string) {
	if h.err == nil {
		_, h.err = htmlEscaper.WriteString(h.w.(io.Writer), s)
	}
}

// when writes a time element with the date.
func (h *htmlWriter) when(t time.Time) {
	h.raw(`<time datetime="`, t.Format("2006-01-02T15:04:05Z07:00"), `">`, t.Local().Format("Jan 2, 2006"), `</time>`)
}

// ContactRow is one contact in the list, in the agent's columns. fresh marks a row just added.
func ContactRow(c *app.Contact, view ListView, fresh bool) g.Node {
	return g.NodeFunc(func(w io.Writer) error {
		h := newHTMLWriter(w)
		cls := "row"
		if c.Status == app.StatusInactive {
			cls += " inactive"
		}
		if fresh {
			cls += " fresh"
		}
		name := c.DisplayName()
		h.raw(`<tr id="contact-`, c.ID, `" class="`, cls, `" data-version="`, strconv.FormatInt(c.Version, 10), `">`,
			`<td class="select"><input type="checkbox" id="select-`, c.ID, `" name="id" value="`, c.ID,
			`" form="bulk-remove" class="row-select"><label for="select-`, c.ID, `"><span class="sr-only">Select `)
		h.esc(name)
		h.raw(`</span></label></td>`)
		for _, col := range view.columns() {
			col.td(h, c, view)
		}
		h.raw(`<td class="actions"><button type="button" class="small edit-btn" hx-get="/contacts/`, c.ID,
			`/edit-row" hx-target="closest tr" hx-swap="outerHTML" aria-label="Edit `)
		h.esc(name)
		h.raw(`">Edit</button></td></tr>`)
		return h.err
	})
}
