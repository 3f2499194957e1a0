package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// writeFileAtomic writes file through write: into file.tmp, fsynced, then renamed (and the
// folder fsynced), so a failure never leaves half a file under the final name.
func writeFileAtomic(file string, write func(io.Writer) error) error {
	tmp := file + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	defer os.Remove(tmp) // a no-op once renamed
	bw := bufio.NewWriterSize(f, 256<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, file); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(file)); err == nil { // make the rename itself durable
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// backupPrefix names the nightly backups in data/backups.
const backupPrefix = "agentbook-"

// nightlyBackup writes a backup into data/backups and keeps the newest keep of them. It returns
// the file written.
func nightlyBackup(data string, keep int, now time.Time, backup func(io.Writer) (uint64, error)) (string, error) {
	dir := filepath.Join(data, "backups")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	file := filepath.Join(dir, backupPrefix+now.UTC().Format("20060102-150405")+".backup")
	if err := writeFileAtomic(file, func(w io.Writer) error { _, err := backup(w); return err }); err != nil {
		return "", err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return file, err
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, backupPrefix) && strings.HasSuffix(n, ".backup") {
			names = append(names, n)
		}
	}
	sort.Strings(names) // the timestamp sorts them oldest first
	for len(names) > keep {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			return file, err
		}
		names = names[1:]
	}
	return file, nil
}
