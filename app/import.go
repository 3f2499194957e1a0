package app

import (
	"context"
	"time"
)

// Import statuses. An import is previewed (nothing written), then runs, then is done or failed;
// a done or failed import can be undone.
const (
	ImportPreview = "preview"
	ImportRunning = "running"
	ImportDone    = "done"
	ImportFailed  = "failed"
	ImportUndoing = "undoing"
	ImportUndone  = "undone"
)

// Duplicate policies: what an import does with a row that matches an existing contact.
const (
	DuplicatesSkip   = "skip"
	DuplicatesUpdate = "update"
	DuplicatesCreate = "create"
)

// Import is one file an agent imports: its settings, its progress and its outcome.
type Import struct {
	ID         string   `json:"id"`
	OwnerID    string   `json:"owner_id"`
	FileName   string   `json:"file_name"`
	Size       int64    `json:"size"`
	Format     string   `json:"format"`
	Encoding   string   `json:"encoding"`
	Delimiter  string   `json:"delimiter"`
	Header     []string `json:"header,omitempty"`
	Mapping    []string `json:"mapping,omitempty"`
	Duplicates string   `json:"duplicates"`
	// Group names the group every imported contact joins ("" for none); GroupID is set once
	// the run has found or created it.
	Group   string `json:"group,omitempty"`
	GroupID string `json:"group_id,omitempty"`
	// CreatedGroups are the groups the run created (for the file's group names or Group); an
	// undo removes those still empty.
	CreatedGroups []string `json:"created_groups,omitempty"`
	Status        string   `json:"status"`
	// Message says why a failed import stopped.
	Message string `json:"message,omitempty"`
	// Read counts the rows read so far (progress); Total is the rows in the file, known from
	// the preview.
	Read    int `json:"read"`
	Total   int `json:"total"`
	Created int `json:"created"`
	Updated int `json:"updated"`
	Skipped int `json:"skipped"`
	Failed  int `json:"failed"`
	// Errors holds the first failed rows; every one is in the journal for the failed-rows file.
	Errors     []ImportError `json:"errors"`
	CreatedAt  time.Time     `json:"created_at"`
	StartedAt  time.Time     `json:"started_at,omitzero"`
	FinishedAt time.Time     `json:"finished_at,omitzero"`
	UndoneAt   time.Time     `json:"undone_at,omitzero"`
}

// ImportError is why one row was not imported.
type ImportError struct {
	Row     int    `json:"row"`
	Message string `json:"message"`
}

// FailedRow is a row an import could not take, as it was in the file, with the reason.
type FailedRow struct {
	Row     int      `json:"row"`
	Cells   []string `json:"cells"`
	Message string   `json:"message"`
}

// ContactBatch is one step of a bulk write: contacts to create, to replace and to delete, and
// the journal that lets an import undo the step.
type ContactBatch struct {
	// ImportID names the journal this batch appends to; "" keeps none.
	ImportID string
	// Create holds new contacts with ID, owner, times and Version 1 set.
	Create []*Contact
	// Update holds replacements whose Version is the stored version + 1.
	Update []*Contact
	// Prior holds, for journaled updates, the stored versions they replace (any order).
	Prior []*Contact
	// Delete holds stored contacts to remove; their Version must still be the stored one.
	Delete []*Contact
	// Failed holds rows that could not be imported, for the journal's failed-rows file.
	Failed []FailedRow
}

// ImportStore keeps imports and their journals.
type ImportStore interface {
	// WriteContactBatch applies a batch in as few transactions as fit, each all or nothing with
	// its part of the journal. ECONFLICT when an update's or deletion's stored version differs.
	WriteContactBatch(ctx context.Context, b ContactBatch) error
	// ImportJournal calls fn for every contact the import created (prior nil) and every stored
	// version an update of it replaced (created "").
	ImportJournal(ctx context.Context, importID string, fn func(created string, prior *Contact) error) error
	// FailedRows calls fn for every failed row of the import, in row order.
	FailedRows(ctx context.Context, importID string, fn func(FailedRow) error) error
	// DeleteImportJournal removes the import's journal (not its failed rows).
	DeleteImportJournal(ctx context.Context, importID string) error
	// PutImport creates or replaces an import record.
	PutImport(ctx context.Context, im *Import) error
	// Import returns an agent's import; ENOTFOUND when missing or another agent's.
	Import(ctx context.Context, ownerID, id string) (*Import, error)
	// Imports lists an agent's imports, newest first.
	Imports(ctx context.Context, ownerID string) ([]*Import, error)
}
