// Package judge is gatesh's decision pipeline, in one place. A question (a
// command line, a script, a line typed in a gated session) with its working
// directory, environment and caller becomes a verdict, in these steps:
//
//	harness     see through the agent harness's wrapper to the agent's command
//	shellparse  parse it into everything that would run
//	facts       the workspace, the repository, the paths' zones
//	input       the policy input document
//	policy      the compiled Rego policy: allow, hold or deny, with reasons
//
// The daemon, gatectl check, gatectl input and the one-shot gatectl decide all
// ask a Judge, so a command gets the same verdict whoever asks. Three words
// keep one meaning each: to judge is the whole pipeline; the input is the
// document the policy reads; to decide is the policy's evaluation of it.
package judge

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/facts"
	"github.com/gatesh/gatesh/internal/input"
	"github.com/gatesh/gatesh/internal/policy"
)

// Config configures a Judge.
type Config struct {
	// Dirs are gatesh's own directories; the user policy directory is
	// Dirs.Policies() unless PolicyDir is set.
	Dirs dirs.Dirs
	// PolicyDir overrides the user policy directory.
	PolicyDir string
	// NoDefaults drops the embedded default rules.
	NoDefaults bool
	// NoGuards evaluates every rule package for every line (see policy.Options).
	NoGuards bool
	// Timeout bounds one evaluation (policy.DefaultTimeout when zero).
	Timeout time.Duration
	// CacheSize bounds the decision cache (see policy.Options.CacheSize).
	CacheSize int
	// Warm is the file that keeps decisions across restarts (see
	// policy.Options.Warm); empty means none.
	Warm string
	// Binaries lists gatesh's own executables (they are gatesh's too: replacing
	// them is tampering).
	Binaries []string
}

// Judge judges command lines. It is safe for concurrent use.
type Judge struct {
	engine    *policy.Engine
	gatePaths []string
	roots     []string
	secrets   *facts.Secrets
	wsCache   sync.Map // wsKey → wsEntry
}

// wsKey identifies a workspace discovery.
type wsKey struct{ cwd, home, tmpdir string }

// wsEntry is a cached discovery. A repository's entry stays valid while its HEAD
// file is unchanged (a checkout rewrites it); a discovery that found no
// repository is redone after noRepoTTL.
type wsEntry struct {
	ws      facts.Workspace
	head    string
	mod     time.Time
	size    int64
	expires time.Time
}

const noRepoTTL = 2 * time.Second

// New compiles the policy. The error of a broken policy names the file and line.
func New(ctx context.Context, cfg Config) (*Judge, error) {
	udir := cfg.PolicyDir
	if udir == "" {
		udir = cfg.Dirs.Policies()
	}
	eng, err := policy.Load(ctx, policy.Options{
		UserDir:    udir,
		NoDefaults: cfg.NoDefaults,
		NoGuards:   cfg.NoGuards,
		Timeout:    cfg.Timeout,
		CacheSize:  cfg.CacheSize,
		Warm:       cfg.Warm,
		Builtins:   Builtins(),
	})
	if err != nil {
		return nil, err
	}
	gate := append(cfg.Dirs.All(), udir)
	for _, b := range cfg.Binaries {
		if b != "" {
			gate = append(gate, b)
		}
	}
	return &Judge{
		engine:    eng,
		gatePaths: cleanAll(gate),
		roots:     eng.SettingStrings("workspace_roots"),
		secrets:   facts.NewSecrets(eng.SettingStrings("secret_globs")),
	}, nil
}

// Builtins implements the policy's gatesh.* functions with the repository look-ups
// of internal/facts.
func Builtins() policy.Builtins {
	return policy.Builtins{
		GitRefExists: facts.GitRefExists,
		GitTracked:   facts.GitTracked,
		GitIgnored:   facts.GitIgnored,
		GitDirty:     facts.GitDirty,
	}
}

// Engine returns the compiled policy.
func (d *Judge) Engine() *policy.Engine { return d.engine }

// workspace discovers the workspace of cwd, reusing an earlier discovery while the
// repository's HEAD is unchanged: discovery walks the directory tree, and the
// daemon sees the same few directories over and over.
func (d *Judge) workspace(cwd, home, tmpdir string) (facts.Workspace, error) {
	key := wsKey{cwd, home, tmpdir}
	now := time.Now()
	if v, ok := d.wsCache.Load(key); ok {
		e := v.(wsEntry)
		if e.head == "" && now.Before(e.expires) {
			return e.ws, nil
		}
		if e.head != "" {
			if fi, err := os.Stat(e.head); err == nil && fi.ModTime().Equal(e.mod) && fi.Size() == e.size {
				return e.ws, nil
			}
		}
	}
	ws, err := facts.Discover(cwd, facts.DiscoverOptions{Home: home, TmpDirs: facts.DefaultTmpDirs(tmpdir), ExtraRoots: d.roots})
	if err != nil {
		return facts.Workspace{}, err
	}
	e := wsEntry{ws: ws, expires: now.Add(noRepoTTL)}
	if ws.GitDir != "" {
		head := filepath.Join(ws.GitDir, "HEAD")
		if fi, err := os.Stat(head); err == nil {
			e.head, e.mod, e.size = head, fi.ModTime(), fi.Size()
		}
	}
	d.wsCache.Store(key, e)
	return ws, nil
}

// Decide evaluates a built document with the policy. On any failure the
// decision is a deny whose reason says what happened, and the error is
// returned too.
func (d *Judge) Decide(ctx context.Context, doc *input.Document) (policy.Decision, error) {
	v, err := policy.ValueOf(doc)
	if err != nil {
		return policy.Decision{Action: policy.Deny, Class: "opaque", Reasons: []policy.Reason{{
			ID: policy.ReasonError, Msg: "the command could not be described to the policy (" + err.Error() + "); it was not run.", Class: "opaque",
		}}}, err
	}
	return d.engine.Decide(ctx, v)
}

// Environ turns os.Environ-style pairs into a map.
func Environ(pairs []string) map[string]string {
	m := make(map[string]string, len(pairs))
	for _, kv := range pairs {
		for i := 0; i < len(kv); i++ {
			if kv[i] == '=' {
				m[kv[:i]] = kv[i+1:]
				break
			}
		}
	}
	return m
}

// SelfBinaries returns the paths of the running executable and its sibling gatesh
// and gatectl, which the tamper rules protect.
func SelfBinaries() []string {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	dir := filepath.Dir(exe)
	return []string{exe, filepath.Join(dir, "gatesh"), filepath.Join(dir, "gatectl")}
}

func cleanAll(ps []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range ps {
		p = filepath.Clean(p)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}
