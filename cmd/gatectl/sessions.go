package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/record"
	"github.com/gatesh/gatesh/internal/termtext"
	"github.com/gatesh/gatesh/internal/vtscreen"
)

// Recorded interactive sessions: `gatectl sessions` lists them, `gatectl
// replay` plays one. They are asciicast v2 files in the state directory's
// sessions/ (record.Dir), named by the session's id.

// sessionJSON is one recording in `gatectl sessions --json`.
type sessionJSON struct {
	ID       string    `json:"id"`
	Path     string    `json:"path"`
	Start    time.Time `json:"start"`
	Duration float64   `json:"duration"` // seconds
	Size     int64     `json:"size"`
	Title    string    `json:"title,omitempty"`
	Width    int       `json:"width,omitempty"`
	Height   int       `json:"height,omitempty"`
	Session  string    `json:"session,omitempty"`
	Agent    string    `json:"agent,omitempty"`
	Markers  int       `json:"markers"`
	Damaged  string    `json:"damaged,omitempty"`
}

func runSessions(_ context.Context, e env) error {
	flags := flag.NewFlagSet("sessions", flag.ContinueOnError)
	flags.SetOutput(e.stderr)
	asJSON := flags.Bool("json", false, "print a JSON array of recordings")
	if err := flags.Parse(e.args); err != nil {
		return exitError{2}
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q (to play a session: gatectl replay %s)", errUsage, flags.Arg(0), flags.Arg(0))
	}
	d, err := dirs.From(e.getenv)
	if err != nil {
		return err
	}
	dir := record.Dir(d.State)
	infos, err := record.List(dir)
	if err != nil {
		fmt.Fprintf(e.stderr, "gatectl sessions: %v\n", err)
		return exitError{1}
	}
	if *asJSON {
		out := make([]sessionJSON, 0, len(infos))
		for _, in := range infos {
			out = append(out, sessionJSON{ID: in.ID, Path: in.Path, Start: in.Start, Duration: in.Duration.Seconds(),
				Size: in.Size, Title: in.Title, Width: in.Width, Height: in.Height, Session: in.Session,
				Agent: in.Agent, Markers: in.Markers, Damaged: in.Damaged})
		}
		return writeJSON(e.stdout, out, false)
	}
	if len(infos) == 0 {
		fmt.Fprintf(e.stdout, "no recorded sessions (recordings are kept in %s)\n", dir)
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTARTED\tLENGTH\tSIZE\tMARKERS\tAGENT\tTITLE")
	var damaged []record.Info
	for _, in := range infos {
		id := termtext.OneLine(in.ID)
		if in.Damaged != "" {
			id += "!"
			damaged = append(damaged, in)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", id, in.Start.Local().Format(time.DateTime), castLength(in.Duration),
			fileSize(in.Size), in.Markers, dash(display(in.Agent, 20)), dash(display(in.Title, 60)))
	}
	tw.Flush()
	for _, in := range damaged {
		fmt.Fprintf(e.stdout, "(! %s is damaged: %s)\n", termtext.OneLine(in.ID), termtext.OneLine(in.Damaged))
	}
	return nil
}

// castLength is a recording's duration for the listing: 4.2s, 3m07s, 1h02m.
func castLength(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

// fileSize is a file size for the listing: 812 B, 4.0 KiB, 12.3 MiB.
func fileSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	f, unit := float64(n)/1024, "KiB"
	for _, u := range []string{"MiB", "GiB"} {
		if f < 1024 {
			break
		}
		f, unit = f/1024, u
	}
	return fmt.Sprintf("%.1f %s", f, unit)
}

func runReplay(ctx context.Context, e env) error {
	flags := flag.NewFlagSet("replay", flag.ContinueOnError)
	flags.SetOutput(e.stderr)
	speed := flags.Float64("speed", 1, "play `N` times as fast (0: all at once, no waiting)")
	idle := flags.Float64("idle-limit", 0, "cut pauses longer than `SECONDS` to that many seconds (0: keep them)")
	screen := flags.Bool("screen", false, "print the text of the screen the session ends on, instead of playing it")
	args, err := parseInterleaved(flags, e.args)
	if err != nil {
		return exitError{2}
	}
	switch {
	case len(args) != 1:
		return fmt.Errorf("%w: give one session id or recording file (gatectl sessions lists them)", errUsage)
	case !(*speed >= 0):
		return fmt.Errorf("%w: --speed %v: give how many times as fast, or 0 for no waiting", errUsage, *speed)
	case !(*idle >= 0) || math.IsInf(*idle, 1):
		return fmt.Errorf("%w: --idle-limit %v: give the longest pause in seconds, or 0 to keep them all", errUsage, *idle)
	}
	path, id, err := recordingPath(e, args[0])
	if err != nil {
		return err
	}
	rec, err := record.Open(path)
	if rec == nil {
		if errors.Is(err, fs.ErrNotExist) && id != "" {
			err = fmt.Errorf("no recording of a session %q in %s (gatectl sessions lists them)", id, filepath.Dir(path))
		}
		fmt.Fprintf(e.stderr, "gatectl replay: %s\n", termtext.OneLine(err.Error()))
		return exitError{1}
	}
	if *screen {
		s := vtscreen.New(rec.Header.Width, rec.Header.Height)
		for _, ev := range rec.Events {
			switch ev.Code {
			case record.CodeOutput:
				s.Write([]byte(ev.Data))
			case record.CodeResize:
				if cols, rows, err := record.ParseSize(ev.Data); err == nil {
					s.Resize(cols, rows)
				}
			}
		}
		fmt.Fprint(e.stdout, s.Text())
	} else if perr := record.Play(ctx, e.stdout, rec, *speed, time.Duration(*idle*float64(time.Second))); perr != nil {
		fmt.Fprintf(e.stderr, "gatectl replay: %v\n", perr)
		return exitError{1}
	}
	if err != nil {
		// Damaged: what came before the damage was played.
		fmt.Fprintf(e.stderr, "gatectl replay: %s\n", termtext.OneLine(err.Error()))
		var pe *record.ParseError
		if errors.As(err, &pe) {
			did := "played what comes before line %d"
			if *screen {
				did = "the screen shown is the one before line %d"
			}
			fmt.Fprintf(e.stderr, "gatectl replay: "+did+"\n", pe.Line)
		}
		return exitError{1}
	}
	return nil
}

// recordingPath is the file `gatectl replay` names: a path when arg has a
// slash or ends in .cast (relative to the working directory), else a session
// id in the state directory (then id is arg).
func recordingPath(e env, arg string) (path, id string, err error) {
	if strings.ContainsRune(arg, '/') || strings.HasSuffix(arg, record.Ext) {
		if filepath.IsAbs(arg) {
			return arg, "", nil
		}
		wd, err := e.getwd()
		if err != nil {
			return "", "", err
		}
		return filepath.Join(wd, arg), "", nil
	}
	if arg == "" || arg == "." || arg == ".." {
		return "", "", fmt.Errorf("%w: %q is not a session id", errUsage, arg)
	}
	d, err := dirs.From(e.getenv)
	if err != nil {
		return "", "", err
	}
	return record.Path(d.State, arg), arg, nil
}

// parseInterleaved parses flags placed before, between or after the
// positional arguments, which it returns.
func parseInterleaved(flags *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := flags.Parse(args); err != nil {
			return nil, err
		}
		rest := flags.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil // after --, all are arguments
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
