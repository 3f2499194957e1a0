package imports_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"agentbook/app"
	"agentbook/app/imports"
	"agentbook/search"
	"agentbook/store"
)

// BenchmarkImportService imports a generated CSV of 20,000 rows into an on-disk store and index
// (the server's engines, without HTTP) and reports rows per second. For profiling the import
// path; BenchmarkImport in the root package measures the whole server.
func BenchmarkImportService(b *testing.B) {
	n := 20000
	if v, _ := strconv.Atoi(os.Getenv("N")); v > 0 {
		n = v
	}
	now := time.Now()
	var file bytes.Buffer
	cs := app.SeedContacts("x", n, nil, 1, now)
	if err := imports.WriteCSV(&file, func(fn func(*app.Contact) error) error {
		for _, c := range cs {
			if err := fn(c); err != nil {
				return err
			}
		}
		return nil
	}, nil); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		st, err := store.Open(store.Options{Dir: filepath.Join(dir, "db"), Terms: search.Terms})
		if err != nil {
			b.Fatal(err)
		}
		idx, _, err := search.Open(filepath.Join(dir, "index"))
		if err != nil {
			b.Fatal(err)
		}
		ixr := app.NewIndexer(st, idx, nil)
		ixr.Start()
		contacts := &app.ContactService{Store: st, Index: idx, Indexer: ixr, Now: time.Now}
		svc := &imports.Service{Contacts: contacts, Store: st, Dir: filepath.Join(dir, "imports")}
		svc.BatchSize, _ = strconv.Atoi(os.Getenv("BATCH"))
		ctx := context.Background()
		start := time.Now()
		im, _, err := svc.Upload(ctx, "owner", "x.csv", bytes.NewReader(file.Bytes()), imports.Settings{})
		if err != nil {
			b.Fatal(err)
		}
		previewed := time.Since(start)
		if im, err = svc.Run(ctx, "owner", im.ID); err != nil || im.Created+im.Skipped != n {
			b.Fatalf("%v %+v", err, im)
		}
		took := time.Since(start)
		if path := os.Getenv("HEAP"); path != "" {
			runtime.GC()
			f, _ := os.Create(path)
			pprof.WriteHeapProfile(f)
			f.Close()
		}
		b.ReportMetric(float64(n)/took.Seconds(), "rows/s")
		fmt.Printf("import %d rows: preview %.2f s, total %.2f s (%.0f rows/s)\n", n, previewed.Seconds(), took.Seconds(), float64(n)/took.Seconds())
		ixr.Close()
		idx.Close()
		st.Close()
	}
}
