// Package policy is the only package that imports OPA. It loads the embedded default
// bundle and a user's policy directory, compiles them once into a prepared query for
// data.gatesh.decision, and evaluates that query for each command line.
//
// Every failure on the way to a decision fails closed: an undefined result, an
// evaluation error, a malformed result or a timeout becomes a deny whose reason says
// what happened.
package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown/builtins"
	"github.com/open-policy-agent/opa/v1/types"

	gatesh "github.com/gatesh/gatesh"
	"github.com/gatesh/gatesh/internal/verdict"
)

// DecisionQuery is the query every command line is judged by.
const DecisionQuery = "data.gatesh.decision"

// DefaultTimeout bounds one evaluation.
const DefaultTimeout = 2 * time.Second

// Actions, from least to most strict.
const (
	Allow = verdict.Allow
	Hold  = verdict.Hold
	Deny  = verdict.Deny
)

// Reason ids the engine itself produces when it cannot get a decision from policy.
const (
	ReasonError     = "policy.error"
	ReasonUndefined = "policy.undefined"
	ReasonTimeout   = "policy.timeout"
	ReasonMalformed = "policy.malformed"
)

// Reason is one rule that fired (the one type every layer uses).
type Reason = verdict.Reason

// Decision is the verdict on one command line.
type Decision struct {
	Action  string   `json:"action"`
	Class   string   `json:"class"`
	Reasons []Reason `json:"reasons"`
}

// Builtins are the facts that cost a process, computed only when a rule asks. A nil
// function makes the built-in return false.
type Builtins struct {
	GitRefExists func(dir, name string) bool
	GitTracked   func(abs string) bool
	GitIgnored   func(abs string) bool
	GitDirty     func(dir string) bool
}

// Options configures Load.
type Options struct {
	// UserDir is a directory of user policies (*.rego, data.json, data.yaml) loaded
	// beside the defaults. Empty means none; a missing directory is not an error.
	UserDir string
	// NoDefaults drops the embedded default rules (policies/), keeping the library
	// and combiner in rego/: the user's directory replaces the defaults.
	NoDefaults bool
	// Builtins implements the gatesh.* custom functions.
	Builtins Builtins
	// Timeout bounds one evaluation; zero means DefaultTimeout.
	Timeout time.Duration
	// NoGuards makes the combiner evaluate every rule package for every line,
	// ignoring the packages' `names` guards (to test that the guards change no
	// decision).
	NoGuards bool
	// NoCoverage skips coverage measurement in Test.
	NoCoverage bool
	// CacheSize bounds the decision cache; zero means DefaultCacheSize, a
	// negative value turns the cache off.
	CacheSize int
	// Warm is the file that keeps the decision cache across restarts (see
	// warm.go); empty means none. With it, Load returns at once when the file
	// was written for the same policy sources, and compiles in the background.
	Warm string
}

// Engine holds a compiled policy. It is safe for concurrent use.
type Engine struct {
	pq       rego.PreparedEvalQuery
	compiler *ast.Compiler
	store    storage.Store
	opts     Options
	timeout  time.Duration
	settings map[string]any
	files    []string
	cache    *decisionCache
	// pending is set on an engine answering from the warm file while the
	// policy compiles; warm is that file.
	pending *pending
	warm    *warmFile
}

// Load compiles the default bundle and the user directory. Its error names the file
// and line of a broken policy.
func Load(ctx context.Context, opts Options) (*Engine, error) {
	if opts.Warm == "" || opts.CacheSize < 0 {
		return loadNow(ctx, opts)
	}
	fp := fingerprint(opts)
	if e := startWarm(ctx, opts, fp); e != nil {
		return e, nil
	}
	e, err := loadNow(ctx, opts)
	if err != nil {
		return nil, err
	}
	e.warm = newWarm(opts, fp, e)
	return e, nil
}

// loadNow compiles the policy.
func loadNow(ctx context.Context, opts Options) (*Engine, error) {
	// Compiling allocates heavily and keeps little: collecting garbage less
	// often while it runs cuts a sixth of the daemon's start-up.
	defer debug.SetGCPercent(debug.SetGCPercent(800))
	mods, docs, files, err := loadSources(opts, false)
	if err != nil {
		return nil, err
	}
	return compile(ctx, mods, docs, files, opts)
}

// guardIndex reads each rule package's guards once, at load: `names` (the command
// names its rules judge), `name_prefixes`, and `features` (line features from the
// combiner's fixed list: redirect, env, code, opaque, parse_error, lookalike,
// secret). The combiner then finds the packages
// a line needs with a few lookups in data.gatesh_meta instead of evaluating every
// package's guard on every line. A package without guards is always evaluated.
func guardIndex(ctx context.Context, compiler *ast.Compiler, docs map[string]any, pkgs []string) (map[string]any, error) {
	store := inmem.NewFromObject(docs)
	// One query per guard kind, binding every package that defines it:
	// guard[pkg] is the list of strings the package declares.
	read := func(rule string) (map[string][]string, error) {
		rs, err := rego.New(
			rego.Query(fmt.Sprintf("x = data.gatesh.rules[p].%s", rule)),
			rego.Compiler(compiler),
			rego.Store(store),
		).Eval(ctx)
		if err != nil {
			return nil, fmt.Errorf("read the rule packages' %s guards: %w", rule, err)
		}
		out := map[string][]string{}
		for _, r := range rs {
			pkg, _ := r.Bindings["p"].(string)
			vals, ok := r.Bindings["x"].([]any)
			if pkg == "" || !ok {
				continue
			}
			for _, v := range vals {
				if s, ok := v.(string); ok {
					out[pkg] = append(out[pkg], s)
				}
			}
			if out[pkg] == nil {
				out[pkg] = []string{}
			}
		}
		return out, nil
	}
	guards := map[string]map[string][]any{"names": {}, "name_prefixes": {}, "features": {}}
	guarded := map[string]bool{}
	for kind, index := range guards {
		byPkg, err := read(kind)
		if err != nil {
			return nil, err
		}
		for pkg, words := range byPkg {
			guarded[pkg] = true
			for _, w := range words {
				index[w] = append(index[w], pkg)
			}
		}
	}
	var always []any
	for _, pkg := range pkgs {
		if !guarded[pkg] {
			always = append(always, pkg)
		}
	}
	toAny := func(m map[string][]any) map[string]any {
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	return map[string]any{
		"rule_packages": toAnySlice(pkgs),
		"always":        always,
		"by_name":       toAny(guards["names"]),
		"by_prefix":     toAny(guards["name_prefixes"]),
		"by_feature":    toAny(guards["features"]),
	}, nil
}

func toAnySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// rulePackages lists the packages directly under data.gatesh.rules ("git" for
// package gatesh.rules.git), for the combiner's guards.
func rulePackages(mods map[string]*ast.Module) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range mods {
		path := m.Package.Path // data.gatesh.rules.<name>…
		if len(path) < 4 || !path[1].Equal(ast.StringTerm("gatesh")) || !path[2].Equal(ast.StringTerm("rules")) {
			continue
		}
		name, ok := path[3].Value.(ast.String)
		if !ok || seen[string(name)] {
			continue
		}
		seen[string(name)] = true
		out = append(out, string(name))
	}
	sort.Strings(out)
	return out
}

// compile builds an engine from parsed modules and data documents.
func compile(ctx context.Context, mods map[string]*ast.Module, docs map[string]any, files []string, opts Options) (*Engine, error) {
	compiler := ast.NewCompiler().
		WithCapabilities(Capabilities()).
		WithBuiltins(builtinDecls()).
		WithUseTypeCheckAnnotations(true)
	compiler.Compile(mods)
	if compiler.Failed() {
		return nil, fmt.Errorf("compile policy: %w", compiler.Errors)
	}
	meta, err := guardIndex(ctx, compiler, docs, rulePackages(mods))
	if err != nil {
		return nil, err
	}
	meta["guards"] = !opts.NoGuards
	withMeta := make(map[string]any, len(docs)+1)
	for k, v := range docs {
		withMeta[k] = v
	}
	withMeta["gatesh_meta"] = meta
	store := inmem.NewFromObject(withMeta)
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	regoOpts := append([]func(*rego.Rego){
		rego.Query(DecisionQuery),
		rego.Compiler(compiler),
		rego.Store(store),
		rego.StrictBuiltinErrors(true),
	}, builtinFuncs(opts.Builtins)...)
	pq, err := rego.New(regoOpts...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare policy query: %w", err)
	}
	size := opts.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	e := &Engine{pq: pq, compiler: compiler, store: store, opts: opts, timeout: timeout, files: files, cache: newDecisionCache(size)}
	e.settings, err = e.evalSettings(ctx)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Files lists the policy files the engine was compiled from ("embedded:policies/git.rego",
// or paths in the user directory).
func (e *Engine) Files() []string { return e.files }

// Settings returns the merged settings (data.gatesh.config.settings).
func (e *Engine) Settings() map[string]any { return e.settings }

// SettingStrings returns a settings key as a list of strings (nil when absent).
func (e *Engine) SettingStrings(key string) []string {
	v, _ := e.settings[key].([]any)
	out := make([]string, 0, len(v))
	for _, x := range v {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// SettingNumber returns a settings key as a number (false when absent or not a
// number).
func (e *Engine) SettingNumber(key string) (float64, bool) {
	switch v := e.settings[key].(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	case int:
		return float64(v), true
	}
	return 0, false
}

func (e *Engine) evalSettings(ctx context.Context) (map[string]any, error) {
	rs, err := rego.New(
		rego.Query("data.gatesh.config.settings"),
		rego.Compiler(e.compiler),
		rego.Store(e.store),
	).Eval(ctx)
	if err != nil {
		return nil, fmt.Errorf("evaluate settings: %w", err)
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return map[string]any{}, nil
	}
	m, ok := rs[0].Expressions[0].Value.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("data.gatesh.config.settings is %T, want an object", rs[0].Expressions[0].Value)
	}
	return m, nil
}

// Decide evaluates the decision for one input document. It never returns a
// decision weaker than deny when something went wrong; the error says what.
func (e *Engine) Decide(ctx context.Context, input ast.Value) (Decision, error) {
	if e.pending != nil {
		select {
		case <-e.pending.done:
		default:
			if d, ok := e.warm.get(input); ok {
				return d, nil
			}
		}
		ctx, cancel := context.WithTimeout(ctx, e.timeoutOr())
		defer cancel()
		real, err := e.compiled(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return failClosed(ReasonTimeout, "the policy was still compiling when the wait ran out; the command was not run. Run it again."), err
			}
			return failClosed(ReasonError, "the policy failed to compile ("+oneLine(err.Error())+"); the command was not run. Ask the user to fix the policy (gatectl test)."), err
		}
		return real.Decide(ctx, input)
	}
	h := input.Hash()
	if d, ok := e.cache.get(input, uint64(h)); ok {
		return d, nil
	}
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	nd := builtins.NDBCache{}
	rs, err := e.pq.Eval(ctx, rego.EvalParsedInput(input), rego.EvalNDBuiltinCache(nd))
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return failClosed(ReasonTimeout, fmt.Sprintf("the policy did not decide within %s; the command was not run. Ask the user to check the policy (gatectl check --explain).", e.timeout)), err
		}
		return failClosed(ReasonError, "the policy failed to evaluate ("+oneLine(err.Error())+"); the command was not run. Ask the user to fix the policy (gatectl test)."), err
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		err := errors.New("data.gatesh.decision is undefined")
		return failClosed(ReasonUndefined, "the policy gave no decision; the command was not run. Ask the user to check the policy (gatectl test)."), err
	}
	d, err := parseDecision(rs[0].Expressions[0].Value)
	if err != nil {
		return failClosed(ReasonMalformed, "the policy gave a malformed decision ("+oneLine(err.Error())+"); the command was not run."), err
	}
	if len(nd) == 0 {
		e.cache.put(input, uint64(h), d)
		e.warm.add(input, d)
	}
	return d, nil
}

// timeoutOr is how long a decision may wait for a compiling policy: the
// compile (about 100 ms) and one evaluation's bound.
func (e *Engine) timeoutOr() time.Duration {
	t := e.opts.Timeout
	if t == 0 {
		t = DefaultTimeout
	}
	return t + 5*time.Second
}

// CacheHits says how many decisions were answered from the decision cache.
func (e *Engine) CacheHits() int64 {
	if e.pending != nil {
		if real, err := e.compiled(context.Background()); err == nil {
			return real.CacheHits()
		}
		return 0
	}
	if e.cache == nil {
		return 0
	}
	return e.cache.hits.Load()
}

func failClosed(id, msg string) Decision {
	return Decision{Action: Deny, Class: "opaque", Reasons: []Reason{{ID: id, Msg: msg, Class: "opaque"}}}
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", "; ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func parseDecision(v any) (Decision, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Decision{}, fmt.Errorf("decision is %T, want an object", v)
	}
	var d Decision
	d.Action, _ = m["action"].(string)
	switch d.Action {
	case Allow, Hold, Deny:
	default:
		return Decision{}, fmt.Errorf("decision action %q is not allow, hold or deny", m["action"])
	}
	d.Class, _ = m["class"].(string)
	rs, _ := m["reasons"].([]any)
	for _, r := range rs {
		rm, ok := r.(map[string]any)
		if !ok {
			return Decision{}, fmt.Errorf("decision reason is %T, want an object", r)
		}
		var reason Reason
		reason.ID, _ = rm["id"].(string)
		reason.Msg, _ = rm["msg"].(string)
		reason.Class, _ = rm["class"].(string)
		if n, ok := rm["cmd"]; ok {
			if i, ok := toInt(n); ok {
				reason.Cmd = &i
			}
		}
		d.Reasons = append(d.Reasons, reason)
	}
	if d.Action != Allow && len(d.Reasons) == 0 {
		return Decision{}, fmt.Errorf("decision %q carries no reason", d.Action)
	}
	return d, nil
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		return int(n), true
	case interface{ Int64() (int64, error) }:
		i, err := n.Int64()
		return int(i), err == nil
	}
	return 0, false
}

// Fired evaluates every rule package's deny and hold sets, unfiltered by waivers, for
// --explain. The result maps "package.set" to its entries.
func (e *Engine) Fired(ctx context.Context, input ast.Value) (map[string][]any, error) {
	if e.pending != nil {
		real, err := e.compiled(ctx)
		if err != nil {
			return nil, err
		}
		return real.Fired(ctx, input)
	}
	regoOpts := append([]func(*rego.Rego){
		rego.Query("data.gatesh.rules"),
		rego.Compiler(e.compiler),
		rego.Store(e.store),
		rego.ParsedInput(input),
	}, builtinFuncs(e.opts.Builtins)...)
	rs, err := rego.New(regoOpts...).Eval(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]any{}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return out, nil
	}
	pkgs, _ := rs[0].Expressions[0].Value.(map[string]any)
	for name, pkg := range pkgs {
		pm, _ := pkg.(map[string]any)
		for _, set := range []string{Deny, Hold} {
			if entries, ok := pm[set].([]any); ok && len(entries) > 0 {
				out[name+"."+set] = entries
			}
		}
	}
	return out, nil
}

// Capabilities is OPA's capability set for this version without the built-ins that
// reach the network or the process environment: a policy must not be able to send
// the command line anywhere.
func Capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	removed := map[string]bool{
		"http.send":              true,
		"net.lookup_ip_addr":     true,
		"opa.runtime":            true,
		"providers.aws.sign_req": true,
	}
	caps.Builtins = slices.DeleteFunc(caps.Builtins, func(b *ast.Builtin) bool { return removed[b.Name] })
	caps.AllowNet = []string{}
	return caps
}

// Custom built-in names.
const (
	fnGitRefExists = "gatesh.git_ref_exists"
	fnGitTracked   = "gatesh.git_tracked"
	fnGitIgnored   = "gatesh.git_ignored"
	fnGitDirty     = "gatesh.git_dirty"
)

func builtinDecls() map[string]*ast.Builtin {
	return map[string]*ast.Builtin{
		fnGitRefExists: {Name: fnGitRefExists, Decl: types.NewFunction(types.Args(types.S, types.S), types.B), Nondeterministic: true},
		fnGitTracked:   {Name: fnGitTracked, Decl: types.NewFunction(types.Args(types.S), types.B), Nondeterministic: true},
		fnGitIgnored:   {Name: fnGitIgnored, Decl: types.NewFunction(types.Args(types.S), types.B), Nondeterministic: true},
		fnGitDirty:     {Name: fnGitDirty, Decl: types.NewFunction(types.Args(types.S), types.B), Nondeterministic: true},
	}
}

func builtinFuncs(b Builtins) []func(*rego.Rego) {
	str := func(t *ast.Term) (string, error) {
		s, ok := t.Value.(ast.String)
		if !ok {
			return "", fmt.Errorf("want a string, got %s", ast.ValueName(t.Value))
		}
		return string(s), nil
	}
	one := func(name string, f func(string) bool) func(*rego.Rego) {
		return rego.Function1(&rego.Function{Name: name, Decl: builtinDecls()[name].Decl, Memoize: true, Nondeterministic: true},
			func(_ rego.BuiltinContext, a *ast.Term) (*ast.Term, error) {
				s, err := str(a)
				if err != nil {
					return nil, err
				}
				return ast.BooleanTerm(f != nil && f(s)), nil
			})
	}
	return []func(*rego.Rego){
		rego.Function2(&rego.Function{Name: fnGitRefExists, Decl: builtinDecls()[fnGitRefExists].Decl, Memoize: true, Nondeterministic: true},
			func(_ rego.BuiltinContext, a, c *ast.Term) (*ast.Term, error) {
				dir, err := str(a)
				if err != nil {
					return nil, err
				}
				name, err := str(c)
				if err != nil {
					return nil, err
				}
				return ast.BooleanTerm(b.GitRefExists != nil && b.GitRefExists(dir, name)), nil
			}),
		one(fnGitTracked, b.GitTracked),
		one(fnGitIgnored, b.GitIgnored),
		one(fnGitDirty, b.GitDirty),
	}
}

// loadSources reads the embedded bundle and the user directory. withTests keeps
// *_test.rego files (for gatectl test).
func loadSources(opts Options, withTests bool) (map[string]*ast.Module, map[string]any, []string, error) {
	mods := map[string]*ast.Module{}
	var files []string
	popts := ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true}
	var paths []string
	err := fs.WalkDir(gatesh.Bundle, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".rego") {
			return nil
		}
		if !withTests && strings.HasSuffix(path, "_test.rego") {
			return nil
		}
		if opts.NoDefaults && strings.HasPrefix(path, "policies/") {
			return nil
		}
		paths = append(paths, path)
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	// Parsing is a fifth of start-up: the modules are parsed in parallel.
	parsed := make([]*ast.Module, len(paths))
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				src, err := fs.ReadFile(gatesh.Bundle, paths[i])
				if err == nil {
					parsed[i], err = ast.ParseModuleWithOpts("embedded:"+paths[i], string(src), popts)
				}
				if err != nil {
					errs[i] = fmt.Errorf("embedded policy %s: %w", paths[i], err)
				}
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, path := range paths {
		if errs[i] != nil {
			return nil, nil, nil, errs[i]
		}
		name := "embedded:" + path
		mods[name] = parsed[i]
		files = append(files, name)
	}
	docs := map[string]any{}
	if opts.UserDir != "" {
		if _, err := os.Stat(opts.UserDir); err == nil {
			res, err := loader.NewFileLoader().
				WithRegoVersion(ast.RegoV1).
				WithProcessAnnotation(true).
				Filtered([]string{opts.UserDir}, func(abspath string, info fs.FileInfo, depth int) bool {
					if info.IsDir() {
						return strings.HasPrefix(info.Name(), ".") && depth > 0
					}
					name := info.Name()
					if !withTests && strings.HasSuffix(name, "_test.rego") {
						return true
					}
					return !(strings.HasSuffix(name, ".rego") || name == "data.json" || name == "data.yaml" || name == "data.yml")
				})
			if err != nil {
				return nil, nil, nil, fmt.Errorf("user policy directory %s: %w", opts.UserDir, err)
			}
			for name, m := range res.ParsedModules() {
				mods[name] = m
				files = append(files, name)
			}
			docs = res.Documents
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, nil, fmt.Errorf("user policy directory: %w", err)
		}
	}
	sort.Strings(files)
	return mods, docs, files, nil
}

// UserDirAbs returns an absolute form of dir for messages.
func UserDirAbs(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}
