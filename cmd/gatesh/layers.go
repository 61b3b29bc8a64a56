package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/gatesh/gatesh/internal/client"
	"github.com/gatesh/gatesh/internal/confine"
	"github.com/gatesh/gatesh/internal/execgate"
	"github.com/gatesh/gatesh/internal/wire"
)

// putLayers puts the layers beyond the line judge on this process, as the
// daemon asked with its allow (resp.Gate), right before it execs bash: the exec
// gate (a seccomp filter whose listener goes to the daemon, which then answers
// every exec in the tree) and confinement (the Landlock ruleset the daemon
// sends back).
// It runs on a thread it locks for good: the filter and the confinement are on
// this thread only, and this thread execs bash, which keeps them for the whole
// tree. Any failure is an error: a command the daemon expects gated does not
// run ungated.
func putLayers(resp wire.Response, c *client.Client) error {
	runtime.LockOSThread() // never unlocked: this thread execs bash or exits
	fd, err := execgate.Install()
	if errors.Is(err, unix.EBUSY) {
		// A filter with a listener is on this process already: it runs inside
		// a gated tree, whose gate and confinement cover this bash too.
		c.Release()
		return nil
	}
	if err != nil {
		return fmt.Errorf("the exec gate could not be installed: %w", err)
	}
	r, rfd, err := c.Gate(context.Background(), fd)
	unix.Close(fd) // the daemon has its own copy; bash's own exec is the first it answers
	if err != nil {
		return fmt.Errorf("the exec gate could not be handed to the daemon: %w", err)
	}
	if r.Error != "" {
		return fmt.Errorf("the daemon did not take the exec gate: %s", r.Error)
	}
	if rfd >= 0 {
		// The daemon built the ruleset (most of confinement's cost); this
		// thread, which execs bash, only enforces it.
		_, err := confine.Enforce(rfd, false)
		unix.Close(rfd)
		if err != nil {
			return fmt.Errorf("confinement could not be applied: %w", err)
		}
	}
	return nil
}
