package record

import (
	"cmp"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Info describes one recording, for a listing.
type Info struct {
	// ID is the file name without Ext; Path the file.
	ID, Path string
	// Start is the header's timestamp (the file's modification time when the
	// header has none or cannot be read).
	Start time.Time
	// Duration is the last event's time.
	Duration time.Duration
	// Size is the file's size in bytes.
	Size int64
	// Title, Width, Height, Session and Agent are the header's.
	Title          string
	Width, Height  int
	Session, Agent string
	// Markers counts the marker events.
	Markers int
	// Damaged says what is wrong with a recording that does not parse whole
	// ("line 7: ..."); the other fields then describe it up to the damage.
	Damaged string
}

// List describes every recording (*.cast) in dir, by start time. A directory
// that does not exist has none.
func List(dir string) ([]Info, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), Ext)
		if !ok || id == "" || !e.Type().IsRegular() {
			continue
		}
		out = append(out, stat(filepath.Join(dir, e.Name()), id))
	}
	slices.SortFunc(out, func(a, b Info) int {
		return cmp.Or(a.Start.Compare(b.Start), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// stat reads the recording at path through, keeping no events.
func stat(path, id string) Info {
	in := Info{ID: id, Path: path}
	f, err := os.Open(path)
	if err != nil {
		in.Damaged = err.Error()
		return in
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil {
		in.Size = fi.Size()
		in.Start = fi.ModTime()
	}
	d := newDecoder(f)
	h, err := d.header()
	if err != nil {
		in.Damaged = err.Error()
		return in
	}
	in.Title, in.Width, in.Height, in.Session, in.Agent = h.Title, h.Width, h.Height, h.Session, h.Agent
	if !h.Start().IsZero() {
		in.Start = h.Start()
	}
	for {
		ev, err := d.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			in.Damaged = err.Error()
			break
		}
		in.Duration = ev.Time
		if ev.Code == CodeMarker {
			in.Markers++
		}
	}
	return in
}
