package facts

import (
	"path/filepath"
	"strings"
)

// Zones name the place a path is in, most protected first. A path can lie in
// several at once (a home under /tmp, a workspace in the home, a secret in the
// workspace); its zone is the first that claims it. Scratch space (ZoneTmp) is
// what is left: a path below a temporary directory that nothing above claims.
const (
	// ZoneGate: gatesh's own configuration, policies, state, socket and binaries.
	ZoneGate = "gate"
	// ZoneSecret: a path that matches the secret globs, or a home directory that
	// holds secrets (~/.ssh).
	ZoneSecret = "secret"
	// ZoneHome: the home directory itself, its shell startup files, and the rest
	// of the home outside the workspace.
	ZoneHome = "home"
	// ZoneWorkspace: the workspace (its root, .git, and everything in it).
	ZoneWorkspace = "workspace"
	// ZoneTmp: scratch, below a temporary directory and claimed by nothing above.
	ZoneTmp = "tmp"
	// ZoneOther: anywhere else (system directories, other users' files, …).
	ZoneOther = "other"
)

// Claims are the protected places that only the input builder knows: gatesh's
// own paths and the secret globs. The home directory and the workspace come
// from the Workspace.
type Claims struct {
	// Gate lists gatesh's own directories and files (absolute, clean).
	Gate []string
	// Secrets matches secret paths; nil matches none.
	Secrets *Secrets
}

// startupNames are the home's shell startup files: like the home itself they
// outrank the workspace (a workspace that is the home does not make ~/.bashrc
// workspace content). Keep in step with tamper.rego's _rc_names.
var startupNames = map[string]bool{
	".bashrc": true, ".bash_profile": true, ".profile": true, ".bash_login": true,
	".bash_logout": true, ".zshrc": true, ".zprofile": true, ".zshenv": true,
	".zlogin": true, ".inputrc": true,
}

// Resolve computes the full path fact of word, an argument of a command running
// in cwd: ResolvePath's facts, the secret facts from c.Secrets, and the zone
// against c.Gate.
func Resolve(ws Workspace, c Claims, cwd, word string, dynamic, glob bool) Path {
	p := resolve(ws, cwd, word, dynamic, glob)
	if !p.Dynamic {
		p.Secret = c.Secrets.Match(p.Abs, ws.Home)
		p.SecretDir = c.Secrets.Dir(p.Abs, ws.Home)
	}
	classify(&p, ws, c.Gate)
	return p
}

// classify sets p.Zone and p.Holds, and keeps p.InTmp only for scratch. This is
// the one place the precedence of path classes is decided (docs/policy-input.md,
// "Zones"); the Rego library's paths.fact mirrors it for bare paths.
//
// A glob is judged by what it could match: "/tmp/gatesh-run.*/state" is in the
// gate's zone when one of the gate's directories is /tmp/gatesh-run.X/state, and
// "/tmp/*" holds the home when the home is /tmp/h.
func classify(p *Path, ws Workspace, gate []string) {
	rawTmp := p.InTmp
	p.InTmp = false
	p.Holds = []string{}
	if p.Dynamic || p.Abs == "" {
		return
	}
	var pat []string
	if p.Glob {
		pat = splitPath(p.Abs)
	}
	// rel says whether p (or what it could match) is at or below dir (in), is
	// dir exactly (eq), or is strictly above it (over).
	rel := func(dir string) (in, eq, over bool) {
		if dir == "" {
			return false, false, false
		}
		if pat == nil {
			return within(p.Abs, dir), p.Abs == dir, below(dir, p.Abs)
		}
		return globRel(pat, splitPath(dir))
	}
	hold := func(zone string) {
		for _, z := range p.Holds {
			if z == zone {
				return
			}
		}
		p.Holds = append(p.Holds, zone)
	}

	inGate := false
	for _, g := range gate {
		in, _, over := rel(g)
		inGate = inGate || in
		if over {
			hold(ZoneGate)
		}
	}
	homeIn, homeEq, homeOver := rel(ws.Home)
	if p.Glob && homeEq {
		// "/tmp/*" with the home at /tmp/h names the home itself.
		p.IsHome = true
	}
	if p.Glob && homeIn {
		p.InHome = true
	}
	if homeOver {
		hold(ZoneHome)
	}
	wsIn, _, wsOver := rel(ws.Root)
	if wsOver {
		hold(ZoneWorkspace)
	}
	startup := ws.Home != "" && !p.Glob && filepath.Dir(p.Abs) == ws.Home && startupNames[filepath.Base(p.Abs)]

	switch {
	case inGate:
		p.Zone = ZoneGate
	case p.Secret || p.SecretDir:
		p.Zone = ZoneSecret
	case p.IsHome || homeEq || startup:
		p.Zone = ZoneHome
	case p.InWorkspace || wsIn:
		p.Zone = ZoneWorkspace
	case p.InHome || homeIn:
		p.Zone = ZoneHome
	case rawTmp:
		p.Zone = ZoneTmp
	default:
		p.Zone = ZoneOther
	}
	p.InTmp = p.Zone == ZoneTmp && len(p.Holds) == 0
}

// splitPath splits an absolute clean path into its elements ("/" gives none).
func splitPath(abs string) []string {
	s := strings.Trim(abs, "/")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "/")
}

// globRel reports how the paths the glob pat (split into elements) can match
// stand to the directory d: at or below it (in), d itself (eq), or strictly
// above it (over). An element that does not compile as a pattern is compared
// literally; "**" may stand for any number of elements (bash's globstar).
// Leading dots are matched like any character: this errs towards protecting.
func globRel(pat, d []string) (in, eq, over bool) {
	if len(d) == 0 {
		eq = true
		for _, e := range pat {
			eq = eq && e == "**"
		}
		return true, eq, false
	}
	if len(pat) == 0 {
		return false, false, true
	}
	if pat[0] == "**" {
		// zero elements, or one more of d
		i1, e1, o1 := globRel(pat[1:], d)
		i2, e2, o2 := globRel(pat, d[1:])
		return i1 || i2, e1 || e2, o1 || o2
	}
	ok, err := filepath.Match(pat[0], d[0])
	if err != nil {
		ok = pat[0] == d[0]
	}
	if !ok {
		return false, false, false
	}
	return globRel(pat[1:], d[1:])
}
