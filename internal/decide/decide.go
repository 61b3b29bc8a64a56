// Package decide wires the decision core together: a command line and its context
// become a policy input document (internal/input), which the compiled policy
// (internal/policy) turns into a verdict. gatectl check uses it directly; the daemon
// holds one Decider for its lifetime.
package decide

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gatesh/gatesh/internal/dirs"
	"github.com/gatesh/gatesh/internal/facts"
	"github.com/gatesh/gatesh/internal/input"
	"github.com/gatesh/gatesh/internal/policy"
)

// Config configures a Decider.
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

// Decider judges command lines. It is safe for concurrent use.
type Decider struct {
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
func New(ctx context.Context, cfg Config) (*Decider, error) {
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
	return &Decider{
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
func (d *Decider) Engine() *policy.Engine { return d.engine }

// Query is a command line to judge, with what is known of its caller.
type Query struct {
	Text string
	Cwd  string
	Env  map[string]string
	// Harness is the agent harness wrapper Text was taken out of, if any.
	Harness input.HarnessInfo
	// Session, Aliases and Functions describe a line typed in a gated
	// interactive session (see input.Request).
	Session   bool
	Aliases   map[string]string
	Functions string
	// Nested and Script describe a shell started under an agent's line, and
	// the script file it runs (see input.Request).
	Nested     *input.Nested
	Script     string
	ScriptArgs []string
}

// Input builds the policy input for text run in cwd with env.
func (d *Decider) Input(text, cwd string, env map[string]string) (*input.Document, error) {
	return d.InputFor(Query{Text: text, Cwd: cwd, Env: env})
}

// InputFor builds the policy input for q.
func (d *Decider) InputFor(q Query) (*input.Document, error) {
	text, cwd, env := q.Text, q.Cwd, q.Env
	if !filepath.IsAbs(cwd) {
		return nil, fmt.Errorf("working directory %q is not absolute", cwd)
	}
	cwd = filepath.Clean(cwd)
	ws, err := d.workspace(cwd, env["HOME"], env["TMPDIR"])
	if err != nil {
		return nil, fmt.Errorf("workspace of %s: %w", cwd, err)
	}
	return input.Build(input.Request{Text: text, Cwd: cwd, Env: env, Workspace: ws, GatePaths: d.gatePaths, Secrets: d.secrets, Harness: q.Harness,
		Session: q.Session, Aliases: q.Aliases, Functions: q.Functions, Nested: q.Nested, Script: q.Script, ScriptArgs: q.ScriptArgs}), nil
}

// workspace discovers the workspace of cwd, reusing an earlier discovery while the
// repository's HEAD is unchanged: discovery walks the directory tree, and the
// daemon sees the same few directories over and over.
func (d *Decider) workspace(cwd, home, tmpdir string) (facts.Workspace, error) {
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

// Decide judges a built document. On any failure the decision is a deny whose
// reason says what happened, and the error is returned too.
func (d *Decider) Decide(ctx context.Context, doc *input.Document) (policy.Decision, error) {
	v, err := policy.ValueOf(doc)
	if err != nil {
		return policy.Decision{Action: policy.Deny, Class: "opaque", Reasons: []policy.Reason{{
			ID: policy.ReasonError, Msg: "the command could not be described to the policy (" + err.Error() + "); it was not run.", Class: "opaque",
		}}}, err
	}
	return d.engine.Decide(ctx, v)
}

// Check builds the input and decides in one step.
func (d *Decider) Check(ctx context.Context, text, cwd string, env map[string]string) (*input.Document, policy.Decision, error) {
	return d.CheckView(ctx, Query{Text: text, Cwd: cwd, Env: env})
}

// CheckView builds the input for q and decides in one step.
func (d *Decider) CheckView(ctx context.Context, q Query) (*input.Document, policy.Decision, error) {
	doc, err := d.InputFor(q)
	if err != nil {
		return nil, policy.Decision{Action: policy.Deny, Class: "opaque", Reasons: []policy.Reason{{
			ID: policy.ReasonError, Msg: err.Error() + "; the command was not run.", Class: "opaque",
		}}}, err
	}
	dec, err := d.Decide(ctx, doc)
	return doc, dec, err
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
