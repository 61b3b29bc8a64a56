// Package dirs says where gatesh keeps its configuration, policies, state and socket.
//
// GATESH_HOME, when set, holds everything (tests set it to a temporary directory).
// Otherwise configuration lives in $XDG_CONFIG_HOME/gatesh (~/.config/gatesh), state in
// $XDG_STATE_HOME/gatesh (~/.local/state/gatesh) and the socket in
// $XDG_RUNTIME_DIR/gatesh, or the state directory when there is no runtime directory.
package dirs

import (
	"errors"
	"path/filepath"
)

// Dirs are gatesh's own locations. The agent must not write to any of them.
type Dirs struct {
	// Config holds settings and the user policy directory (Config/policies).
	Config string
	// State holds the store, the decision log and recordings.
	State string
	// Runtime holds the daemon's socket and lock.
	Runtime string
}

// Policies is the user policy directory.
func (d Dirs) Policies() string { return filepath.Join(d.Config, "policies") }

// All lists every directory, for the tamper rules.
func (d Dirs) All() []string {
	out := []string{d.Config, d.State}
	if d.Runtime != d.State {
		out = append(out, d.Runtime)
	}
	return out
}

// ErrNoHome means neither GATESH_HOME nor HOME (nor the XDG variables) are set.
var ErrNoHome = errors.New("cannot locate gatesh's directories: set GATESH_HOME or HOME")

// From computes the directories from an environment lookup function.
func From(getenv func(string) string) (Dirs, error) {
	if h := getenv("GATESH_HOME"); h != "" {
		h = filepath.Clean(h)
		return Dirs{Config: filepath.Join(h, "config"), State: filepath.Join(h, "state"), Runtime: filepath.Join(h, "run")}, nil
	}
	home := getenv("HOME")
	pick := func(xdg, fallback string) (string, error) {
		if v := getenv(xdg); v != "" && filepath.IsAbs(v) {
			return filepath.Join(v, "gatesh"), nil
		}
		if home == "" {
			return "", ErrNoHome
		}
		return filepath.Join(home, fallback, "gatesh"), nil
	}
	var d Dirs
	var err error
	if d.Config, err = pick("XDG_CONFIG_HOME", ".config"); err != nil {
		return Dirs{}, err
	}
	if d.State, err = pick("XDG_STATE_HOME", filepath.Join(".local", "state")); err != nil {
		return Dirs{}, err
	}
	d.Runtime = d.State
	if v := getenv("XDG_RUNTIME_DIR"); v != "" && filepath.IsAbs(v) {
		d.Runtime = filepath.Join(v, "gatesh")
	}
	return d, nil
}

// Candidates lists every directory gatesh could keep its files in for a process
// with this environment: those of GATESH_HOME when it is set, and the XDG ones
// (~/.config/gatesh, ~/.local/state/gatesh, the runtime directory) whether it is
// set or not, since a gatesh started without GATESH_HOME uses those. The agent
// must not write to any of them. Relative values are skipped.
func Candidates(getenv func(string) string) []string {
	var out []string
	add := func(d Dirs) {
		for _, p := range d.All() {
			if filepath.IsAbs(p) {
				out = append(out, p)
			}
		}
	}
	if d, err := From(getenv); err == nil {
		add(d)
	}
	if getenv("GATESH_HOME") != "" {
		if d, err := From(func(k string) string {
			if k == "GATESH_HOME" {
				return ""
			}
			return getenv(k)
		}); err == nil {
			add(d)
		}
	}
	return out
}
