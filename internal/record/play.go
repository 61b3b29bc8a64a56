package record

import (
	"bufio"
	"context"
	"io"
	"math"
	"time"
)

// PlayOption changes how Play plays.
type PlayOption func(*player)

// OnMarker has Play call f at each marker, in time, after the output before it
// is written out. Without it, markers are not shown.
func OnMarker(f func(Event)) PlayOption { return func(p *player) { p.onMarker = f } }

// withClock replaces the clock Play waits by (tests).
func withClock(now func() time.Duration, sleep func(context.Context, time.Duration) error) PlayOption {
	return func(p *player) { p.now, p.sleep = now, sleep }
}

type player struct {
	now      func() time.Duration // since Play started
	sleep    func(context.Context, time.Duration) error
	onMarker func(Event)
}

// Play writes the recording's output events to out, each at its time divided
// by speed (speed <= 0 or +Inf: no waiting at all), gaps between events longer
// than idleLimit cut to idleLimit when idleLimit > 0 (before the speed divides
// them). Markers, resizes and input events are not written. It returns ctx's
// error when ctx ends, or out's write error.
func Play(ctx context.Context, out io.Writer, rec *Recording, speed float64, idleLimit time.Duration, opts ...PlayOption) error {
	start := time.Now()
	p := player{now: func() time.Duration { return time.Since(start) }, sleep: sleep}
	for _, o := range opts {
		o(&p)
	}
	timed := speed > 0 && !math.IsInf(speed, 1)
	bw := bufio.NewWriterSize(out, 32<<10)
	var prev, due time.Duration // the last event's recorded time; when this one is due
	for _, ev := range rec.Events {
		if err := ctx.Err(); err != nil {
			bw.Flush()
			return err
		}
		gap := ev.Time - prev
		prev = ev.Time
		if idleLimit > 0 && gap > idleLimit {
			gap = idleLimit
		}
		if timed && gap > 0 {
			due += time.Duration(float64(gap) / speed)
			if wait := due - p.now(); wait > 0 {
				if err := bw.Flush(); err != nil {
					return err
				}
				if err := p.sleep(ctx, wait); err != nil {
					return err
				}
			}
		}
		switch ev.Code {
		case CodeOutput:
			if _, err := bw.WriteString(ev.Data); err != nil {
				return err
			}
		case CodeMarker:
			if p.onMarker != nil {
				if err := bw.Flush(); err != nil {
					return err
				}
				p.onMarker(ev)
			}
		}
	}
	return bw.Flush()
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
