package imports

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"agentbook/app"
)

// DefaultMaxSize is the largest file an import takes unless Service.MaxSize says otherwise.
const DefaultMaxSize = 50 << 20

// Service previews, runs and undoes agents' imports. An uploaded file is kept in Dir from its
// preview until its import has run.
type Service struct {
	Contacts *app.ContactService
	Store    app.Store
	Dir      string
	// MaxSize is the largest file accepted, in bytes (0: DefaultMaxSize).
	MaxSize int64
	// BatchSize is how many rows are written per batch (0: 2500).
	BatchSize int
	Now       func() time.Time
	Logger    *slog.Logger

	mu   sync.Mutex
	live map[string]*app.Import // running imports' progress, by ID
	wg   sync.WaitGroup
}

// Settings are the agent's choices for an import.
type Settings struct {
	// Delimiter is "" to detect it, or one character ("\t" for tab).
	Delimiter string
	// Duplicates is app.DuplicatesSkip (the default), DuplicatesUpdate or DuplicatesCreate.
	Duplicates string
	// Group names a group every imported contact joins (created if missing); "" for none.
	Group string
	// Mapping gives each column's field (Field…) when the header is not recognised; nil to
	// recognise it.
	Mapping []string
	// CheckOnly is for a caller that runs the import straight after Upload (the API, the CLI):
	// the preview only reads the file through, to count its rows and find a problem that stops
	// it, without deciding what each row would do (Rows and the counts stay empty). Deciding
	// every row was a tenth of a 100,000-row import's time, on one core.
	CheckOnly bool
}

// Preview is what an import would do, computed from the whole file without writing anything.
type Preview struct {
	Header       []string
	Mapping      []string
	NeedsMapping bool
	// Samples are the first rows' cells, for the mapping screen.
	Samples [][]string
	// Problem stops the whole file (an unclosed quote); the import cannot run until the file is fixed.
	Problem                    string
	Rows                       []PreviewRow // the first PreviewRows rows
	Create, Update, Skip, Fail int
	// NewGroups are the groups the import would create.
	NewGroups []string
}

// PreviewRows is how many rows a preview shows.
const PreviewRows = 20

// PreviewRow is one row as it would be saved, and what the import would do with it.
type PreviewRow struct {
	Row     int
	Action  string // create, update, skip or error
	Contact app.Contact
	Groups  []string
	// Message says why a row is skipped (the contact it matches) or fails.
	Message string
}

// Row actions.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionSkip   = "skip"
	ActionError  = "error"
)

// mappingPref is the preference that remembers an agent's last mapping, by folded header name.
const mappingPref = "import_mapping"

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) maxSize() int64 {
	if s.MaxSize > 0 {
		return s.MaxSize
	}
	return DefaultMaxSize
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Service) upload(id string) string { return filepath.Join(s.Dir, id+".upload") }

func invalid(field, msg string) error {
	return &app.Error{Code: app.EINVALID, Message: msg, Fields: map[string]string{field: msg}}
}

// checkSettings validates and fills in the defaults of set.
func checkSettings(set *Settings) error {
	switch set.Duplicates {
	case "":
		set.Duplicates = app.DuplicatesSkip
	case app.DuplicatesSkip, app.DuplicatesUpdate, app.DuplicatesCreate:
	default:
		return invalid("duplicates", "Duplicates is skip, update or create.")
	}
	switch d := set.Delimiter; {
	case d == "" || d == "detect":
		set.Delimiter = ""
	case d == "tab" || d == `\t`:
		set.Delimiter = "\t"
	case utf8.RuneCountInString(d) != 1 || d == "\"" || d == "\n" || d == "\r":
		return invalid("delimiter", "The delimiter is one character (not a quote or a line break).")
	}
	set.Group = strings.Join(strings.Fields(set.Group), " ")
	if utf8.RuneCountInString(set.Group) > 100 {
		return invalid("group", "A group name has at most 100 characters.")
	}
	return nil
}

func delimiterRune(d string) rune {
	r, _ := utf8.DecodeRuneInString(d)
	if d == "" {
		return 0
	}
	return r
}

// Upload keeps the file for an import by the agent and previews it. A file that cannot be read
// at all (empty, binary, too large) is refused with EINVALID and nothing is kept.
func (s *Service) Upload(ctx context.Context, ownerID, fileName string, r io.Reader, set Settings) (*app.Import, *Preview, error) {
	if err := checkSettings(&set); err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("imports: %w", err)
	}
	im := &app.Import{ID: app.NewID(), OwnerID: ownerID, FileName: filepath.Base(fileName), Status: app.ImportPreview,
		Duplicates: set.Duplicates, Group: set.Group, Delimiter: set.Delimiter, Mapping: set.Mapping, CreatedAt: s.now()}
	f, err := os.OpenFile(s.upload(im.ID), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("imports: keep upload: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(r, s.maxSize()+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	fail := func(err error) (*app.Import, *Preview, error) {
		os.Remove(s.upload(im.ID))
		return nil, nil, err
	}
	if err != nil {
		return fail(fmt.Errorf("imports: receive upload: %w", err))
	}
	if n > s.maxSize() {
		return fail(invalid("file", fmt.Sprintf("The file is larger than the %s limit. Split it into smaller files.", humanSize(s.maxSize()))))
	}
	im.Size = n
	p, err := s.preview(ctx, im, set.CheckOnly)
	if err != nil {
		return fail(err)
	}
	if err := s.Store.PutImport(ctx, im); err != nil {
		return fail(err)
	}
	return im, p, nil
}

func humanSize(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", max(1, n>>10))
}

// check reads the rest of rd to count its rows (im.Total) and find a problem that stops the file
// (p.Problem), as preview does, without deciding the rows.
func (s *Service) check(ctx context.Context, rd *Reader, im *app.Import, p *Preview) error {
	im.Total = 0
	for {
		if im.Total%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		err := rd.Skip()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var fe *FileError
			if errors.As(err, &fe) {
				p.Problem = fe.Error()
				return nil
			}
			return fmt.Errorf("imports: read upload: %w", err)
		}
		im.Total++
	}
}

// Preview previews an uploaded import again with new settings (a mapping, another duplicate
// policy or group).
func (s *Service) Preview(ctx context.Context, ownerID, id string, set Settings) (*app.Import, *Preview, error) {
	if err := checkSettings(&set); err != nil {
		return nil, nil, err
	}
	im, err := s.Store.Import(ctx, ownerID, id)
	if err != nil {
		return nil, nil, err
	}
	if im.Status != app.ImportPreview {
		return nil, nil, app.Errorf(app.ECONFLICT, "This import has already run.")
	}
	im.Duplicates, im.Group, im.Delimiter, im.Mapping = set.Duplicates, set.Group, set.Delimiter, set.Mapping
	p, err := s.preview(ctx, im, false)
	if err != nil {
		return nil, nil, err
	}
	if err := s.Store.PutImport(ctx, im); err != nil {
		return nil, nil, err
	}
	return im, p, nil
}

// open reads the import's kept file with its settings.
func (s *Service) open(im *app.Import) (*Reader, func(), error) {
	f, err := os.Open(s.upload(im.ID))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, app.Errorf(app.ENOTFOUND, "The uploaded file is no longer kept. Upload it again.")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("imports: open upload: %w", err)
	}
	rd, err := NewReader(f, Options{Delimiter: delimiterRune(im.Delimiter), Mapping: im.Mapping})
	if err != nil {
		f.Close()
		var fe *FileError
		if errors.As(err, &fe) {
			return nil, nil, invalid("file", fe.Error())
		}
		return nil, nil, fmt.Errorf("imports: read upload: %w", err)
	}
	im.Format, im.Encoding, im.Header = string(rd.Format()), rd.Encoding(), rd.Header()
	if rd.Format() != FormatVCard && im.Delimiter == "" {
		im.Delimiter = string(rd.Delimiter())
	}
	return rd, func() { f.Close() }, nil
}

func (s *Service) preview(ctx context.Context, im *app.Import, checkOnly bool) (*Preview, error) {
	rd, closeFile, err := s.open(im)
	if err != nil {
		return nil, err
	}
	defer closeFile()
	p := &Preview{Header: rd.Header(), Mapping: rd.Mapping()}
	if rd.NeedsMapping() {
		p.NeedsMapping = true
		p.Mapping = s.rememberedMapping(ctx, im.OwnerID, p.Header)
		p.Samples = s.samples(im, len(p.Header))
		return p, nil
	}
	if checkOnly {
		return p, s.check(ctx, rd, im, p)
	}
	pl, err := s.newPlan(ctx, im, false)
	if err != nil {
		return nil, err
	}
	im.Total = 0
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var fe *FileError
			if errors.As(err, &fe) {
				p.Problem = fe.Error()
				break
			}
			return nil, fmt.Errorf("imports: read upload: %w", err)
		}
		im.Total++
		d := pl.decide(rec)
		switch d.action {
		case ActionCreate:
			p.Create++
		case ActionUpdate:
			p.Update++
		case ActionSkip:
			p.Skip++
		default:
			p.Fail++
		}
		if len(p.Rows) < PreviewRows {
			pr := PreviewRow{Row: rec.Row, Action: d.action, Groups: withGroup(rec.Groups, im.Group), Message: d.message}
			if d.contact != nil {
				pr.Contact = *d.contact
			} else {
				pr.Contact = rec.Contact
			}
			if d.matchID != "" && pr.Message == "" {
				pr.Message = s.matchMessage(ctx, im.OwnerID, d)
			}
			p.Rows = append(p.Rows, pr)
		}
	}
	p.NewGroups = pl.newGroups
	return p, nil
}

// samples reads the first rows of a file whose header is not recognised, ignoring every column.
func (s *Service) samples(im *app.Import, cols int) [][]string {
	f, err := os.Open(s.upload(im.ID))
	if err != nil {
		return nil
	}
	defer f.Close()
	rd, err := NewReader(f, Options{Delimiter: delimiterRune(im.Delimiter), Mapping: make([]string, cols)})
	if err != nil {
		return nil
	}
	var out [][]string
	for len(out) < 3 {
		rec, err := rd.Next()
		if err != nil {
			break
		}
		out = append(out, rec.Raw)
	}
	return out
}

// withGroup adds the import's group to a row's group names, unless the row has it already.
func withGroup(names []string, group string) []string {
	if group == "" {
		return names
	}
	for _, n := range names {
		if app.Fold(strings.TrimSpace(n)) == app.Fold(group) {
			return names
		}
	}
	return append(append([]string(nil), names...), group)
}

func (s *Service) matchMessage(ctx context.Context, ownerID string, d decision) string {
	name := "a contact created earlier in this file"
	if c, err := s.Store.Contact(ctx, ownerID, d.matchID); err == nil {
		name = c.DisplayName()
	}
	return "Matches " + name + " by " + d.matchedBy + "."
}

// rememberedMapping maps each header to the field the agent last chose for a header of that name.
func (s *Service) rememberedMapping(ctx context.Context, ownerID string, header []string) []string {
	var saved map[string]string
	if err := s.Store.GetPref(ctx, ownerID, mappingPref, &saved); err != nil && app.ErrorCode(err) != app.ENOTFOUND {
		s.logger().Warn("read remembered import mapping", "err", err)
	}
	out := make([]string, len(header))
	for i, h := range header {
		out[i] = saved[app.Fold(strings.TrimSpace(h))]
	}
	return out
}

func (s *Service) rememberMapping(ctx context.Context, ownerID string, header, mapping []string) {
	var saved map[string]string
	_ = s.Store.GetPref(ctx, ownerID, mappingPref, &saved)
	if saved == nil {
		saved = map[string]string{}
	}
	for i, h := range header {
		if i < len(mapping) {
			saved[app.Fold(strings.TrimSpace(h))] = mapping[i]
		}
	}
	if err := s.Store.PutPref(ctx, ownerID, mappingPref, saved); err != nil {
		s.logger().Warn("remember import mapping", "err", err)
	}
}

// Get returns an agent's import, with its progress while it runs.
func (s *Service) Get(ctx context.Context, ownerID, id string) (*app.Import, error) {
	s.mu.Lock()
	if im, ok := s.live[id]; ok && im.OwnerID == ownerID {
		c := *im
		s.mu.Unlock()
		return &c, nil
	}
	s.mu.Unlock()
	return s.Store.Import(ctx, ownerID, id)
}

// List returns an agent's imports, newest first, with progress for running ones.
func (s *Service) List(ctx context.Context, ownerID string) ([]*app.Import, error) {
	ims, err := s.Store.Imports(ctx, ownerID)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, im := range ims {
		if l, ok := s.live[im.ID]; ok {
			c := *l
			ims[i] = &c
		}
	}
	return ims, nil
}

func (s *Service) setLive(im *app.Import) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live == nil {
		s.live = map[string]*app.Import{}
	}
	c := *im
	s.live[im.ID] = &c
}

func (s *Service) dropLive(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.live, id)
}

func (s *Service) runningFor(ownerID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, im := range s.live {
		if im.OwnerID == ownerID {
			return true
		}
	}
	return false
}

// claim moves a previewed import to running, refusing when the agent has one running.
func (s *Service) claim(ctx context.Context, ownerID, id string) (*app.Import, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.live {
		if l.OwnerID == ownerID {
			return nil, app.Errorf(app.ECONFLICT, "Another import (%s) is still running. Wait for it to finish.", l.FileName)
		}
	}
	im, err := s.Store.Import(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	if im.Status != app.ImportPreview {
		return nil, app.Errorf(app.ECONFLICT, "This import has already run.")
	}
	im.Status, im.StartedAt = app.ImportRunning, s.now()
	if err := s.Store.PutImport(ctx, im); err != nil {
		return nil, err
	}
	if s.live == nil {
		s.live = map[string]*app.Import{}
	}
	c := *im
	s.live[im.ID] = &c
	return im, nil
}

// Start runs a previewed import in the background and returns it as it starts.
func (s *Service) Start(ctx context.Context, ownerID, id string) (*app.Import, error) {
	im, err := s.claim(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if _, err := s.run(context.WithoutCancel(ctx), im); err != nil {
			s.logger().Error("import failed", "import", im.ID, "err", err)
		}
	}()
	return im, nil
}

// Run runs a previewed import and returns it when it has finished.
func (s *Service) Run(ctx context.Context, ownerID, id string) (*app.Import, error) {
	im, err := s.claim(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	return s.run(ctx, im)
}

// run imports every row of im's file in batches. What a batch wrote stays if a later one fails;
// the import is then failed, and Undo takes back what it did.
func (s *Service) run(ctx context.Context, im *app.Import) (*app.Import, error) {
	defer s.dropLive(im.ID)
	err := s.runRows(ctx, im)
	im.FinishedAt = s.now()
	if err != nil {
		im.Status = app.ImportFailed
		if im.Message == "" {
			im.Message = "The import stopped: " + app.ErrorMessage(err)
		}
	} else {
		im.Status = app.ImportDone
		os.Remove(s.upload(im.ID))
	}
	if perr := s.Store.PutImport(context.WithoutCancel(ctx), im); perr != nil && err == nil {
		err = perr
	}
	return im, err
}

func (s *Service) runRows(ctx context.Context, im *app.Import) error {
	rd, closeFile, err := s.open(im)
	if err != nil {
		return err
	}
	defer closeFile()
	if rd.NeedsMapping() {
		return invalid("mapping", "Map the file's columns to fields first.")
	}
	if im.Format == string(FormatMapped) {
		s.rememberMapping(ctx, im.OwnerID, im.Header, im.Mapping)
	}
	// The writer's memory hold starts before the plan reads the agent's contacts: a re-import of
	// 100,000 peaked at 325 MB resident when the plan was made without it.
	bw := s.Contacts.NewBulkWriter(ctx, im.OwnerID)
	pl, err := s.newPlan(ctx, im, true)
	if err != nil {
		bw.Close()
		return err
	}
	b := &batch{s: s, pl: pl, im: im}
	size := s.BatchSize
	if size <= 0 {
		size = 2500
	}
	var rerr error
	for rerr == nil {
		if rerr = ctx.Err(); rerr != nil {
			break
		}
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var fe *FileError
			if errors.As(err, &fe) {
				im.Message = fe.Error() + " The rows before it were imported."
			}
			rerr = err
			break
		}
		b.add(rec, pl.decide(rec))
		if len(b.rows) >= size {
			rerr = b.flush(ctx, bw)
			s.setLive(im)
		}
	}
	if rerr == nil {
		rerr = b.flush(ctx, bw)
		s.setLive(im)
	}
	if err := bw.Close(); rerr == nil {
		rerr = err
	}
	return rerr
}

// Close waits for the imports and undos started in the background.
func (s *Service) Close() { s.wg.Wait() }

// KeepUploads is how long the file of an import that was previewed but never run is kept.
const KeepUploads = 7 * 24 * time.Hour

// Recover marks imports a crash left running as failed (what their finished batches wrote stays
// and can be undone), and drops the files of previews older than KeepUploads.
func (s *Service) Recover(ctx context.Context) error {
	users, err := s.Store.Users(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		ims, err := s.Store.Imports(ctx, u.ID)
		if err != nil {
			return err
		}
		for _, im := range ims {
			if im.Status == app.ImportPreview && s.now().Sub(im.CreatedAt) > KeepUploads {
				os.Remove(s.upload(im.ID)) // Preview then says the file is no longer kept.
			}
			if im.Status == app.ImportRunning || im.Status == app.ImportUndoing {
				if s.runningFor(u.ID) {
					continue
				}
				was := im.Status
				im.Status, im.FinishedAt = app.ImportFailed, s.now()
				im.Message = "The server stopped during the import. The rows written before it stopped can be undone."
				if was == app.ImportUndoing {
					im.Message = "The server stopped during the undo. Undo again to finish it."
				}
				if err := s.Store.PutImport(ctx, im); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// FailedCSV writes the import's failed rows as a CSV: the row number, the reason, then the
// row's cells as they were in the file.
func (s *Service) FailedCSV(ctx context.Context, ownerID, id string, w io.Writer) error {
	im, err := s.Store.Import(ctx, ownerID, id)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	head := append([]string{"Row", "Error"}, im.Header...)
	if im.Format == string(FormatVCard) {
		head = []string{"Row", "Error", "Card"}
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	err = s.Store.FailedRows(ctx, id, func(f app.FailedRow) error {
		cells := append([]string{fmt.Sprint(f.Row), f.Message}, f.Cells...)
		if im.Format == string(FormatVCard) {
			cells = []string{fmt.Sprint(f.Row), f.Message, strings.Join(f.Cells, "\n")}
		}
		return cw.Write(cells)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// StartUndo undoes an import in the background (see Undo); Get shows it as undoing until done.
func (s *Service) StartUndo(ctx context.Context, ownerID, id string) (*app.Import, error) {
	im, err := s.claimUndo(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if _, err := s.finishUndo(context.WithoutCancel(ctx), im); err != nil {
			s.logger().Error("undo import failed", "import", im.ID, "err", err)
		}
	}()
	return im, nil
}

// Undo takes back a finished (or failed) import: it removes the contacts the import created and
// puts back the versions its updates replaced. Contacts the agent changed after the import are
// still removed or restored; the import's journal is then deleted.
func (s *Service) Undo(ctx context.Context, ownerID, id string) (*app.Import, error) {
	im, err := s.claimUndo(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	return s.finishUndo(ctx, im)
}

// claimUndo marks a finished import as undoing, refusing one that runs or is not finished.
func (s *Service) claimUndo(ctx context.Context, ownerID, id string) (*app.Import, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.live[id]; ok {
		return nil, app.Errorf(app.ECONFLICT, "This import is still running.")
	}
	im, err := s.Store.Import(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	if im.Status != app.ImportDone && im.Status != app.ImportFailed {
		return nil, app.Errorf(app.ECONFLICT, "Only a finished import can be undone (this one is %s).", im.Status)
	}
	im.Status = app.ImportUndoing
	if err := s.Store.PutImport(ctx, im); err != nil {
		return nil, err
	}
	if s.live == nil {
		s.live = map[string]*app.Import{}
	}
	c := *im
	s.live[id] = &c
	return im, nil
}

func (s *Service) finishUndo(ctx context.Context, im *app.Import) (*app.Import, error) {
	defer s.dropLive(im.ID)
	if err := s.undo(ctx, im); err != nil {
		im.Status, im.Message = app.ImportFailed, "The undo stopped: "+app.ErrorMessage(err)+" Undo again to finish it."
		_ = s.Store.PutImport(context.WithoutCancel(ctx), im)
		return nil, err
	}
	im.Status, im.UndoneAt, im.Message = app.ImportUndone, s.now(), ""
	if err := s.Store.PutImport(ctx, im); err != nil {
		return nil, err
	}
	return im, nil
}

func (s *Service) undo(ctx context.Context, im *app.Import) error {
	var created []string
	priors := map[string]*app.Contact{}
	err := s.Store.ImportJournal(ctx, im.ID, func(id string, prior *app.Contact) error {
		if prior != nil {
			priors[prior.ID] = prior
		} else {
			created = append(created, id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	bw := s.Contacts.NewBulkWriter(ctx, im.OwnerID)
	werr := func() error {
		for start := 0; start < len(created); start += 1000 {
			cur, err := s.Store.ContactsByID(ctx, created[start:min(start+1000, len(created))])
			if err != nil {
				return err
			}
			var del []*app.Contact
			for _, c := range cur {
				if c.OwnerID == im.OwnerID {
					del = append(del, c)
				}
			}
			if err := bw.Write(app.ContactBatch{Delete: del}); err != nil {
				return err
			}
		}
		ids := make([]string, 0, len(priors))
		for id := range priors {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		now := s.now()
		for start := 0; start < len(ids); start += 1000 {
			part := ids[start:min(start+1000, len(ids))]
			cur, err := s.Store.ContactsByID(ctx, part)
			if err != nil {
				return err
			}
			have := map[string]*app.Contact{}
			for _, c := range cur {
				have[c.ID] = c
			}
			var b app.ContactBatch
			for _, id := range part {
				back := *priors[id]
				if c, ok := have[id]; ok {
					back.Version, back.UpdatedAt = c.Version+1, now
					b.Update = append(b.Update, &back)
				} else { // removed since the import: bring the earlier version back
					back.Version, back.UpdatedAt = back.Version+1, now
					b.Create = append(b.Create, &back)
				}
			}
			if err := bw.Write(b); err != nil {
				return err
			}
		}
		return nil
	}()
	if err := bw.Close(); werr == nil {
		werr = err
	}
	if werr != nil {
		return werr
	}
	if err := s.Store.DeleteImportJournal(ctx, im.ID); err != nil {
		return err
	}
	// The groups the import created go too, unless a contact has joined one since.
	counts, err := s.Contacts.GroupCounts(ctx, im.OwnerID)
	if err != nil {
		return err
	}
	for _, id := range im.CreatedGroups {
		if counts[id] == 0 {
			if _, err := s.Contacts.DeleteGroup(ctx, im.OwnerID, id); err != nil && app.ErrorCode(err) != app.ENOTFOUND {
				return err
			}
		}
	}
	im.CreatedGroups = nil
	return nil
}

// decision is what the plan does with one row.
type decision struct {
	action    string
	contact   *app.Contact // the contact to create, or the incoming fields of an update
	matchID   string
	matchedBy string
	message   string
}

// plan decides each row's action: it knows the agent's contacts by email and by name plus
// phone, and the agent's groups, and learns the contacts the import creates as it goes.
type plan struct {
	s     *Service
	im    *app.Import
	write bool
	// byEmail and byName find a known contact (its index in ids) by the fingerprint of an
	// email key or of a name-and-phone key (nameKeys).
	byEmail map[dedupeKey]int32
	byName  map[dedupeKey]int32
	ids     []string
	groups  map[string]string // folded name → ID ("" until created)
	// newGroups lists the groups a preview would create, in first-seen order.
	newGroups []string
	created   map[string]bool
	now       time.Time
	ctx       context.Context
}

func (s *Service) newPlan(ctx context.Context, im *app.Import, write bool) (*plan, error) {
	pl := &plan{s: s, im: im, write: write, byEmail: map[dedupeKey]int32{}, byName: map[dedupeKey]int32{},
		groups: map[string]string{}, created: map[string]bool{}, now: s.now(), ctx: ctx}
	gs, err := s.Store.Groups(ctx, im.OwnerID)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		pl.groups[app.Fold(g.Name)] = g.ID
	}
	if im.Group != "" {
		id, err := pl.groupID(im.Group)
		if err != nil {
			return nil, err
		}
		im.GroupID = id
	}
	err = s.Contacts.EachContact(ctx, im.OwnerID, func(c *app.Contact) error {
		pl.learn(c)
		return nil
	})
	return pl, err
}

// learn remembers a contact's duplicate keys (the first contact with a key keeps it).
func (pl *plan) learn(c *app.Contact) {
	idx := int32(len(pl.ids))
	learned := false
	for _, e := range c.Emails {
		if k := app.EmailKey(e.Address); k != "" {
			if f := fingerprint(k); !knows(pl.byEmail, f) {
				pl.byEmail[f], learned = idx, true
			}
		}
	}
	for _, k := range nameKeys(c) {
		if f := fingerprint(k); !knows(pl.byName, f) {
			pl.byName[f], learned = idx, true
		}
	}
	if learned {
		pl.ids = append(pl.ids, c.ID)
	}
}

func knows(m map[dedupeKey]int32, k dedupeKey) bool {
	_, ok := m[k]
	return ok
}

// dedupeKey is a 128-bit fingerprint of a key that finds duplicates (an email key, a name and
// phone key), from two seeds of maphash. A plan keeps one for each key of every contact the
// agent has and the file adds, hundreds of thousands: as strings they were a quarter of an
// import's live heap, and the collector works in proportion to it under the bulk memory limit.
// Two different keys share a fingerprint with a probability of about n²/2¹²⁹ (10⁻²⁸ for 300,000
// keys).
type dedupeKey [2]uint64

var dedupeSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

func fingerprint(k string) dedupeKey {
	return dedupeKey{maphash.String(dedupeSeeds[0], k), maphash.String(dedupeSeeds[1], k)}
}

// nameKeys are a contact's full name joined with each phone number's last ten digits (so that
// +1 (555) 010-1234 and 555.010.1234 match).
func nameKeys(c *app.Contact) []string {
	name := app.Fold(strings.Join(strings.Fields(c.FirstName+" "+c.LastName), " "))
	if name == "" || len(c.Phones) == 0 {
		return nil
	}
	out := make([]string, 0, len(c.Phones))
	for _, p := range c.Phones {
		d := app.Digits(p.Number)
		if len(d) > 10 {
			d = d[len(d)-10:]
		}
		if len(d) >= 3 {
			out = append(out, name+"|"+d)
		}
	}
	return out
}

// groupID finds or (when writing) creates a group by name; a preview lists the ones it would create.
func (pl *plan) groupID(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	key := app.Fold(name)
	if id, ok := pl.groups[key]; ok && (id != "" || !pl.write) {
		return id, nil
	}
	if utf8.RuneCountInString(name) > 100 {
		return "", invalid("group", fmt.Sprintf("The group name %q is longer than 100 characters.", name[:40]+"…"))
	}
	if !pl.write {
		pl.groups[key] = ""
		pl.newGroups = append(pl.newGroups, name)
		return "", nil
	}
	g, err := pl.s.Contacts.CreateGroup(pl.ctx, pl.im.OwnerID, name)
	if err != nil {
		return "", err
	}
	pl.groups[key] = g.ID
	pl.im.CreatedGroups = append(pl.im.CreatedGroups, g.ID)
	return g.ID, nil
}

// decide turns a record into a contact and chooses its action.
func (pl *plan) decide(rec *Record) decision {
	if rec.Err != "" {
		return decision{action: ActionError, message: rec.Err}
	}
	c := &rec.Contact // the record is the reader's and read once: normalise it in place
	c.Normalize()
	if err := c.Validate(); err != nil {
		return decision{action: ActionError, contact: c, message: fieldMessage(err)}
	}
	for _, name := range rec.Groups {
		if strings.TrimSpace(name) == "" {
			continue
		}
		id, err := pl.groupID(name)
		if err != nil {
			return decision{action: ActionError, contact: c, message: app.ErrorMessage(err)}
		}
		c.GroupIDs = appendNew(c.GroupIDs, id)
	}
	if pl.im.GroupID != "" || pl.im.Group != "" {
		c.GroupIDs = appendNew(c.GroupIDs, pl.im.GroupID)
	}
	if !pl.write { // a preview's group IDs of groups not yet created are ""
		c.GroupIDs = nonEmpty(c.GroupIDs)
	}
	d := decision{action: ActionCreate, contact: c}
	if pl.im.Duplicates != app.DuplicatesCreate {
		d.matchID, d.matchedBy = pl.match(c)
	}
	switch {
	case d.matchID == "":
	case pl.im.Duplicates == app.DuplicatesSkip:
		d.action = ActionSkip
		return d
	default:
		d.action = ActionUpdate
		return d
	}
	c.ID, c.OwnerID, c.CreatedAt, c.UpdatedAt, c.Version = app.NewID(), pl.im.OwnerID, pl.now, pl.now, 1
	pl.created[c.ID] = true
	pl.learn(c)
	return d
}

func (pl *plan) match(c *app.Contact) (id, by string) {
	for _, e := range c.Emails {
		if i, ok := pl.byEmail[fingerprint(app.EmailKey(e.Address))]; ok {
			return pl.ids[i], "email " + e.Address
		}
	}
	for _, k := range nameKeys(c) {
		if i, ok := pl.byName[fingerprint(k)]; ok {
			return pl.ids[i], "name and phone"
		}
	}
	return "", ""
}

func appendNew(ids []string, id string) []string {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}

func nonEmpty(ids []string) []string {
	out := ids[:0]
	for _, id := range ids {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}

func cloneContact(c *app.Contact) *app.Contact {
	n := *c
	n.Emails = append([]app.Email(nil), c.Emails...)
	n.Phones = append([]app.Phone(nil), c.Phones...)
	n.Addresses = append([]app.Address(nil), c.Addresses...)
	n.GroupIDs = append([]string(nil), c.GroupIDs...)
	return &n
}

// fieldMessage turns validation field errors into one line: "Email 2: … First name: …".
func fieldMessage(err error) string {
	fields := app.ErrorFields(err)
	if len(fields) == 0 {
		return app.ErrorMessage(err)
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fieldLabel(k) + ": " + fields[k]
	}
	return strings.Join(parts, " ")
}

func fieldLabel(key string) string {
	var kind string
	var n int
	if _, err := fmt.Sscanf(key, "emails[%d]", &n); err == nil {
		kind = "Email"
	} else if _, err := fmt.Sscanf(key, "phones[%d]", &n); err == nil {
		kind = "Phone"
	} else if _, err := fmt.Sscanf(key, "addresses[%d]", &n); err == nil {
		kind = "Address"
	}
	if kind != "" {
		return fmt.Sprintf("%s %d", kind, n+1)
	}
	l := strings.ReplaceAll(key, "_", " ")
	return strings.ToUpper(l[:1]) + l[1:]
}

// batch collects rows until they are written together.
type batch struct {
	s    *Service
	pl   *plan
	im   *app.Import
	rows []batchRow
}

type batchRow struct {
	rec *Record
	d   decision
}

func (b *batch) add(rec *Record, d decision) {
	b.rows = append(b.rows, batchRow{rec, d})
}

// flush writes the batch: creates, updates merged into the stored contacts (or into contacts
// created earlier in the batch), and failed rows, with the journal that undoes them.
func (b *batch) flush(ctx context.Context, bw *app.BulkWriter) error {
	if len(b.rows) == 0 {
		return nil
	}
	im := b.im
	var out app.ContactBatch
	out.ImportID = im.ID
	pending := map[string]*app.Contact{} // created in this batch
	var need []string
	for _, r := range b.rows {
		switch r.d.action {
		case ActionCreate:
			pending[r.d.contact.ID] = r.d.contact
		case ActionUpdate:
			if pending[r.d.matchID] == nil {
				need = append(need, r.d.matchID)
			}
		}
	}
	stored := map[string]*app.Contact{}
	if len(need) > 0 {
		// The contacts to update may have been created by a batch still being stored.
		if err := bw.Flush(); err != nil {
			return err
		}
		cs, err := b.s.Store.ContactsByID(ctx, need)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if c.OwnerID == im.OwnerID {
				stored[c.ID] = c
			}
		}
	}
	working := map[string]*app.Contact{} // merged updates of stored contacts
	var order []string
	changed := map[string]bool{}
	fail := func(r batchRow, msg string) {
		im.Failed++
		out.Failed = append(out.Failed, app.FailedRow{Row: r.rec.Row, Cells: r.rec.Raw, Message: msg})
		if len(im.Errors) < 100 {
			im.Errors = append(im.Errors, app.ImportError{Row: r.rec.Row, Message: msg})
		}
	}
	for _, r := range b.rows {
		im.Read++
		switch r.d.action {
		case ActionCreate:
			out.Create = append(out.Create, r.d.contact)
			im.Created++
		case ActionSkip:
			im.Skipped++
		case ActionError:
			fail(r, r.d.message)
		case ActionUpdate:
			id := r.d.matchID
			if p := pending[id]; p != nil {
				next := merge(p, r.d.contact)
				*p = *next
				b.pl.learn(p)
				im.Updated++ // merged into a contact this import creates
				continue
			}
			base := working[id]
			if base == nil {
				base = stored[id]
			}
			if base == nil {
				fail(r, "The contact it matches was removed during the import.")
				continue
			}
			next := merge(base, r.d.contact)
			if err := next.Validate(); err != nil {
				fail(r, fieldMessage(err))
				continue
			}
			if sameContent(base, next) {
				im.Skipped++
				continue
			}
			if working[id] == nil {
				order = append(order, id)
			}
			working[id] = next
			b.pl.learn(next)
			if !changed[id] {
				changed[id] = true
				im.Updated++
			}
		}
	}
	for _, id := range order {
		next, cur := working[id], stored[id]
		next.Version, next.UpdatedAt = cur.Version+1, b.pl.now
		if !next.UpdatedAt.After(cur.UpdatedAt) {
			next.UpdatedAt = cur.UpdatedAt.Add(time.Microsecond)
		}
		out.Update = append(out.Update, next)
		if !b.pl.created[id] {
			out.Prior = append(out.Prior, cur)
		}
	}
	// What is queued keeps its contacts, which live in their records: let go of the rest of
	// each record (the row's cells are only kept for a failed row, in out.Failed), and of the
	// rows themselves, while the batch waits to be stored and indexed.
	for _, r := range b.rows {
		r.rec.Raw, r.rec.Groups = nil, nil
	}
	clear(b.rows)
	b.rows = b.rows[:0]
	return bw.Queue(out) // stored while the next batch is read and decided
}

// merge returns cur with what the incoming row adds: filled fields replace, new addresses,
// phones and groups are appended, and addresses keep their verification state.
func merge(cur, in *app.Contact) *app.Contact {
	n := cloneContact(cur)
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&n.FirstName, in.FirstName}, {&n.MiddleName, in.MiddleName}, {&n.LastName, in.LastName},
		{&n.Company, in.Company}, {&n.Title, in.Title}, {&n.Birthday, in.Birthday}, {&n.Notes, in.Notes},
	} {
		if f.src != "" {
			*f.dst = f.src
		}
	}
	have := map[string]bool{}
	for _, e := range n.Emails {
		have[app.EmailKey(e.Address)] = true
	}
	for _, e := range in.Emails {
		if !have[app.EmailKey(e.Address)] {
			have[app.EmailKey(e.Address)] = true
			e.Status, e.Reason, e.CheckedAt, e.Primary = app.EmailUnknown, "", time.Time{}, false
			n.Emails = append(n.Emails, e)
		}
	}
	phones := map[string]bool{}
	for _, p := range n.Phones {
		phones[app.Digits(p.Number)] = true
	}
	for _, p := range in.Phones {
		if !phones[app.Digits(p.Number)] {
			phones[app.Digits(p.Number)] = true
			n.Phones = append(n.Phones, p)
		}
	}
	addrs := map[string]bool{}
	key := func(a app.Address) string { return app.Fold(a.Street + "|" + a.City + "|" + a.PostalCode) }
	for _, a := range n.Addresses {
		addrs[key(a)] = true
	}
	for _, a := range in.Addresses {
		if !addrs[key(a)] {
			addrs[key(a)] = true
			n.Addresses = append(n.Addresses, a)
		}
	}
	for _, g := range in.GroupIDs {
		n.GroupIDs = appendNew(n.GroupIDs, g)
	}
	if in.ReverseProspecting {
		n.ReverseProspecting = true
	}
	n.Normalize()
	return n
}

// sameContent reports whether two versions of a contact hold the same fields.
func sameContent(a, b *app.Contact) bool {
	x, y := *a, *b
	x.Version, y.Version = 0, 0
	x.UpdatedAt, y.UpdatedAt = time.Time{}, time.Time{}
	return reflect.DeepEqual(normalizeNil(x), normalizeNil(y))
}

func normalizeNil(c app.Contact) app.Contact {
	if len(c.Emails) == 0 {
		c.Emails = nil
	}
	if len(c.Phones) == 0 {
		c.Phones = nil
	}
	if len(c.Addresses) == 0 {
		c.Addresses = nil
	}
	if len(c.GroupIDs) == 0 {
		c.GroupIDs = nil
	}
	return c
}
