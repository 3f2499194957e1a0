package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNightlyBackupKeepsTheNewest(t *testing.T) {
	data := t.TempDir()
	start := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	for i := 0; i < 4; i++ {
		day := start.Add(time.Duration(i) * 24 * time.Hour)
		file, err := nightlyBackup(data, 2, day, func(w io.Writer) (uint64, error) {
			_, err := io.WriteString(w, "backup of "+day.Format("2006-01-02"))
			return 1, err
		})
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(file); !strings.Contains(string(b), day.Format("2006-01-02")) {
			t.Errorf("%s holds %q", file, b)
		}
	}
	got, _ := filepath.Glob(filepath.Join(data, "backups", "*"))
	if len(got) != 2 || !strings.Contains(got[0], "20261103") || !strings.Contains(got[1], "20261104") {
		t.Errorf("kept %v, want the newest two", got)
	}
	_, err := nightlyBackup(data, 2, start.Add(5*24*time.Hour), func(w io.Writer) (uint64, error) {
		io.WriteString(w, "half")
		return 0, io.ErrUnexpectedEOF
	})
	if err == nil {
		t.Fatal("a failed backup reported success")
	}
	if left, _ := filepath.Glob(filepath.Join(data, "backups", "*")); len(left) != 2 {
		t.Errorf("a failed backup left %v", left)
	}
}
