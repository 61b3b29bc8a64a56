package shellparse

import (
	"regexp"
	"strings"
)

const maxCodeText = 4096

// ispec describes how an interpreter takes code on its command line.
type ispec struct {
	code     string   // short option letters whose argument is code (-c, -e)
	arg      string   // short option letters taking another argument
	longCode []string // long options whose argument is code
	longArg  []string // long options taking another argument
	stop     string   // short letters after which no code follows (python -m)
	multi    bool     // several code options are joined with newlines
	program  bool     // the first operand is the program (awk, sed)
}

var ispecs = map[string]ispec{
	"python":    {code: "c", arg: "WXQ", stop: "m"},
	"node":      {code: "ep", arg: "r", longCode: []string{"--eval", "--print"}, longArg: []string{"--require", "--import", "--loader", "--input-type", "--experimental-loader"}},
	"perl":      {code: "eE", arg: "IMmdDxiC", multi: true},
	"ruby":      {code: "e", arg: "rICEFx", multi: true},
	"php":       {code: "rBRE", arg: "fdczt"},
	"lua":       {code: "e", arg: "l", multi: true},
	"r":         {code: "e", multi: true},
	"osascript": {code: "e", arg: "ls", multi: true},
	"awk":       {program: true}, // its options are read by readAwk
	"sed":       {code: "e", arg: "fl", longCode: []string{"--expression"}, longArg: []string{"--file", "--line-length"}, multi: true, program: true},
	"tcl":       {code: "c", arg: "f", multi: true}, // expect -c CMDS (tclsh and wish take none)
}

// interp records the code given to an interpreter and follows the shell
// commands it visibly spawns.
func (p *parser) interp(name, lang string, idx int, f []field, st *state, c ctx) {
	spec := ispecs[lang]
	var codes []field
	from := ""
	script := false
	stdin := false
	encoded := false
	args := f[1:]
	var aw awkArgs
	var progs []field // program files (awk -f, sed -f, php -f)
	if name == "deno" {
		if len(args) >= 2 && args[0].s == "eval" {
			codes = append(codes, args[1])
			from = "arg"
		} else {
			return
		}
	} else if lang == "pwsh" {
		for i := 0; i < len(args); i++ {
			a := strings.ToLower(args[i].s)
			switch {
			case a == "-c" || a == "-command" || a == "--command" || a == "/c":
				if i+1 < len(args) {
					codes = append(codes, args[i+1:]...)
					from = "arg"
				}
				i = len(args)
			case a == "-e" || a == "-ec" || a == "-encodedcommand" || a == "-enc":
				encoded = true
				from = "arg"
				i = len(args)
			case a == "-file" || a == "-f":
				script = true
				i = len(args)
			case a == "-executionpolicy" || a == "-ep" || a == "-workingdirectory" || a == "-wd" || a == "-configurationname":
				i++
			case strings.HasPrefix(a, "-"):
			default:
				script = true
				i = len(args)
			}
		}
		if len(codes) > 1 {
			s, ok := joinFields(codes)
			codes = []field{{s: s, dyn: !ok}}
		}
	} else if lang == "awk" {
		aw = readAwk(args)
		codes, script, progs = aw.codes, aw.script, aw.progs
		if len(codes) > 0 {
			from = "expr"
		}
	} else {
	loop:
		for i := 0; i < len(args); i++ {
			a := args[i]
			s := a.s
			if a.dyn {
				if spec.program && len(codes) == 0 {
					codes = append(codes, a)
					from = "expr"
				} else {
					script = true
				}
				break
			}
			if s == "-" {
				stdin = true
				break
			}
			if s == "--" {
				if i+1 < len(args) {
					if spec.program && len(codes) == 0 {
						codes = append(codes, args[i+1])
						from = "expr"
					} else {
						script = true
					}
				}
				break
			}
			if strings.HasPrefix(s, "--") {
				n, v, eq := strings.Cut(s, "=")
				if lang == "sed" {
					n = sedLongName(n)
				}
				if containsStr(spec.longCode, n) {
					if eq {
						codes = append(codes, field{s: v})
					} else if i+1 < len(args) {
						codes = append(codes, args[i+1])
						i++
					}
					from = "arg"
					if !spec.multi {
						break loop
					}
				} else if containsStr(spec.longArg, n) {
					if n == "--file" {
						script = true
						if eq {
							progs = append(progs, field{s: v, dyn: a.dyn, psub: a.psub})
						} else if i+1 < len(args) {
							progs = append(progs, args[i+1])
						}
					}
					if !eq {
						i++
					}
				}
				continue
			}
			if len(s) > 1 && s[0] == '-' {
				cl := s[1:]
				for j := 0; j < len(cl); j++ {
					ch := cl[j]
					if strings.IndexByte(spec.code, ch) >= 0 {
						if j+1 < len(cl) {
							codes = append(codes, field{s: cl[j+1:]})
						} else if i+1 < len(args) {
							codes = append(codes, args[i+1])
							i++
						}
						from = "arg"
						if !spec.multi {
							break loop
						}
						break
					}
					if strings.IndexByte(spec.stop, ch) >= 0 {
						// python -m MODULE args: the module runs as a
						// command named after it.
						var mod field
						var rest []field
						if j+1 < len(cl) {
							mod, rest = field{s: cl[j+1:]}, args[i+1:]
						} else if i+1 < len(args) {
							mod, rest = args[i+1], args[i+2:]
						} else {
							return
						}
						inner := append([]field{mod}, rest...)
						c2 := c.with(Step{Kind: "wrapper", Name: name, Detail: "-" + string(ch)})
						c2.noFunc = true
						p.run(inner, nil, nil, nil, st, c2)
						return
					}
					if strings.IndexByte(spec.arg, ch) >= 0 {
						if (lang == "sed" && ch == 'f') || (lang == "php" && ch == 'f') {
							script = true
							if j+1 < len(cl) {
								progs = append(progs, field{s: cl[j+1:], dyn: a.dyn, psub: a.psub})
							} else if i+1 < len(args) {
								progs = append(progs, args[i+1])
							}
						}
						if lang == "perl" && (ch == 'i' || ch == 'x' || ch == 'C' || ch == 'd' || ch == 'D') {
							break // optional attached argument only
						}
						if j+1 == len(cl) && i+1 < len(args) {
							i++
						}
						break
					}
				}
				continue
			}
			// The first operand.
			if spec.program && len(codes) == 0 && !script {
				codes = append(codes, a)
				from = "expr"
			} else if len(codes) == 0 {
				script = true
			}
			break
		}
	}
	if lang == "awk" || lang == "sed" {
		if from != "" {
			from = "expr"
		}
	}
	if lang == "awk" {
		for _, l := range aw.loads {
			// gawk -l LIB loads native code, -i LIB awk code, from a
			// file whose content is not judged: like source FILE.
			p.opaque("source", name+" "+l.opt+" "+l.val.s, c.with(Step{Kind: "interp", Name: name, Detail: l.opt}))
		}
		if aw.debug {
			// gawk -D reads debugger commands (eval, call) from stdin
			// or a file: code from a stream that is not judged.
			p.opaque("script", name+" -D", c.with(Step{Kind: "interp", Name: name, Detail: "-D"}))
		}
	}
	// A program file that is a stream: read from stdin (-f -, -f
	// /dev/stdin) it is judged as code on stdin; a process substitution
	// (-f <(curl …)), a computed name or another descriptor is not known.
	progStdin := false
	for _, pf := range progs {
		step := c.with(Step{Kind: "interp", Name: name, Detail: "-f"})
		switch {
		case pf.psub || pf.dyn:
			p.opaque("dynamic-code", pf.s, step)
		case pf.s == "-" || pf.s == "/dev/stdin":
			progStdin = true
		case isStdinPath(pf.s):
			p.opaque("script", pf.s, step)
		}
	}
	if progStdin && len(codes) > 0 {
		// both -e code and a program on stdin: only the first is read
		p.opaque("script", name+" -f -", c.with(Step{Kind: "interp", Name: name, Detail: "-f"}))
	}
	var code *Code
	switch {
	case encoded:
		code = &Code{Lang: lang, From: "arg", Known: false, Effects: []string{"eval"}, Paths: []string{}}
		p.opaque("dynamic-code", name, c.with(Step{Kind: "interp", Name: name}))
	case len(codes) > 0:
		text, ok := joinCode(codes)
		code = &Code{Lang: lang, From: from, Known: ok}
		if ok && anyEnc(codes) {
			p.opaque("encoded", text, c.with(Step{Kind: "interp", Name: name}))
		}
		if ok {
			p.analyze(code, name, text, st, c)
		} else {
			p.opaque("dynamic-code", text, c.with(Step{Kind: "interp", Name: name}))
		}
	case lang == "awk" && aw.writes():
		// A program file (gawk -f) whose command line still rewrites
		// files (-i inplace, -d, -p, -o): the writes are known even if
		// the program is not.
		code = &Code{Lang: lang, From: "file", Known: false}
	case script && !progStdin:
		return
	case (lang == "awk" || lang == "sed") && !progStdin:
		return
	default:
		_ = stdin
		in := c.stdin
		if in == nil || (in.file != "" && !isStdinPath(in.file)) {
			return
		}
		code = &Code{Lang: lang, From: "stdin"}
		if in.known && in.file == "" && !in.dyn {
			code.Known = true
			if in.enc {
				p.opaque("encoded", in.text, c.with(Step{Kind: "interp", Name: name, Detail: "stdin"}))
			}
			p.analyze(code, name, in.text, st, c)
		} else if in.doc {
			p.opaque("dynamic-code", name, c.with(Step{Kind: "interp", Name: name, Detail: "stdin"}))
		} else if in.pipe || in.dyn || in.file != "" {
			p.opaque("pipe-to-shell", name, c.with(Step{Kind: "interp", Name: name, Detail: "stdin"}))
		}
	}
	if lang == "awk" && aw.writes() {
		if !containsStr(code.Effects, "write") {
			code.Effects = append(code.Effects, "write")
		}
		for _, w := range aw.written() {
			a := ""
			if !w.dyn {
				a = p.absPath(w.s, st)
			}
			if a == "" {
				// a name not known, or relative to a directory not
				// known: kept as written, which no rule takes for a
				// path in the workspace
				a = w.s
			}
			if !containsStr(code.Paths, a) {
				code.Paths = append(code.Paths, a)
			}
		}
	}
	if code.Effects == nil {
		code.Effects = []string{}
	}
	if code.Paths == nil {
		code.Paths = []string{}
	}
	if idx < len(p.line.Commands) {
		p.line.Commands[idx].Code = code
	}
}

// sedLong are GNU sed's long options.
var sedLong = []string{
	"--binary", "--debug", "--expression", "--file", "--follow-symlinks", "--help",
	"--in-place", "--line-length", "--null-data", "--zero-terminated", "--quiet",
	"--silent", "--posix", "--regexp-extended", "--sandbox", "--separate",
	"--unbuffered", "--version",
}

// sedLongName resolves a long option as GNU sed's getopt_long does: the
// option it is an unambiguous prefix of (--expr is --expression), else as
// written.
func sedLongName(n string) string {
	hit := ""
	for _, o := range sedLong {
		if o == n {
			return n
		}
		if strings.HasPrefix(o, n) {
			if hit != "" {
				return n
			}
			hit = o
		}
	}
	if hit == "" {
		return n
	}
	return hit
}

// awkArgs is what an awk command line says: the program (the -e/--source
// texts, or the first operand), the operands after it, and gawk's options
// that do more than set up the program: -i inplace rewrites the operand
// files, -d, -p and -o write a file, -l and any other -i load code from a
// file, -D reads debugger commands.
type awkArgs struct {
	codes    []field // the -e/--source texts, or the program operand
	script   bool    // a program file (-f, -E, mawk's -W exec)
	progs    []field // the program files
	inPlace  bool    // -i inplace
	outputs  []field // files -d, -p and -o write
	loads    []awkLoad
	debug    bool
	operands []field // the words after the program
}

// awkLoad is one option that loads code from a file: -l, -i other than
// inplace, or a -W whose option is computed.
type awkLoad struct {
	opt string // "-l", "-i" or "-W"
	val field
}

// writes reports whether the command line rewrites or writes files.
func (a awkArgs) writes() bool {
	return len(a.outputs) > 0 || (a.inPlace && len(a.inPlaceFiles()) > 0)
}

// written lists the files the command line writes: -d/-p/-o files, then the
// operands -i inplace rewrites.
func (a awkArgs) written() []field {
	w := append([]field{}, a.outputs...)
	if a.inPlace {
		w = append(w, a.inPlaceFiles()...)
	}
	return w
}

// inPlaceFiles are the operands gawk's inplace extension rewrites: not the
// VAR=value assignments, not stdin.
func (a awkArgs) inPlaceFiles() []field {
	var out []field
	for _, o := range a.operands {
		if !o.dyn && (o.s == "-" || o.s == "/dev/stdin" || isAssignWord(o.s)) {
			continue
		}
		out = append(out, o)
	}
	return out
}

// awkLong maps gawk's long options to the short letter each stands for (0:
// a flag with no short form). getopt_long takes any unambiguous prefix
// (--incl=inplace, --lo x.so), and -W NAME[=VALUE] is the long option
// --NAME (POSIX's spelling for an implementation's own options).
var awkLong = map[string]byte{
	"assign": 'v', "field-separator": 'F', "file": 'f', "exec": 'E', "source": 'e',
	"include": 'i', "load": 'l', "dump-variables": 'd', "profile": 'p',
	"pretty-print": 'o', "debug": 'D', "lint": 'L', "persist": 'T',
	"bignum": 'M', "characters-as-bytes": 'b', "copyright": 'C', "csv": 'k',
	"gen-pot": 'g', "help": 'h', "lint-old": 't', "non-decimal-data": 'n',
	"no-optimize": 's', "optimize": 'O', "posix": 'P', "re-interval": 'r',
	"sandbox": 'S', "trace": 'I', "traditional": 'c', "use-lc-numeric": 0,
	"version": 'V',
}

// mawkLong are mawk's -W options (it too takes prefixes: -W e FILE is -W
// exec FILE), read when gawk's names give no single match.
var mawkLong = map[string]byte{
	"exec": 'E', "dump": 0, "interactive": 0, "posix_space": 0, "usage": 0,
	"version": 0, "random": 0, "sprintf": 0, "help": 0,
}

// awkLongLetter resolves a long option name (without "--") as getopt_long
// does: the name itself, or the one option it is a prefix of. ok is false
// for an unknown or ambiguous name (awk refuses the line).
func awkLongLetter(name string) (byte, bool) {
	for _, table := range []map[string]byte{awkLong, mawkLong} {
		if l, ok := table[name]; ok {
			return l, true
		}
		var hit byte
		n := 0
		for k, l := range table {
			if strings.HasPrefix(k, name) {
				hit = l
				n++
			}
		}
		if n == 1 {
			return hit, true
		}
	}
	return 0, false
}

// Letters of awk's short options by how they take a value: required (the
// rest of the word, or the next word), optional (only the rest of the
// word), none.
const (
	awkArgLetters = "FvfEeilWZ"
	awkOptLetters = "dDLopT"
)

// readAwk reads an awk command line's words (after the command word) as gawk
// does, which takes what mawk, BWK awk and busybox awk take: options until
// the first operand or "--"; the program is the first operand unless -e,
// --source, -f or -E gave one.
func readAwk(args []field) awkArgs {
	var a awkArgs
	// opt handles one option given by its short letter; val is its value
	// when the word held one (attached, or after "="); next is the index of
	// the next word. It returns the index after what the option used.
	var opt func(l byte, val *field, next int) int
	opt = func(l byte, val *field, next int) int {
		isOpt := strings.IndexByte(awkOptLetters, l) >= 0
		if val == nil && strings.IndexByte(awkArgLetters, l) >= 0 && !isOpt {
			if next >= len(args) {
				return next
			}
			val = &args[next]
			next++
		}
		switch l {
		case 'e':
			a.codes = append(a.codes, *val)
		case 'f', 'E':
			a.script = true
			a.progs = append(a.progs, *val)
		case 'i':
			if !val.dyn && (val.s == "inplace" || val.s == "inplace.awk") {
				a.inPlace = true
			} else {
				a.loads = append(a.loads, awkLoad{opt: "-i", val: *val})
			}
		case 'l':
			a.loads = append(a.loads, awkLoad{opt: "-l", val: *val})
		case 'd', 'p', 'o':
			def := map[byte]string{'d': "awkvars.out", 'p': "awkprof.out", 'o': "awkprof.out"}[l]
			if val == nil || (!val.dyn && val.s == "") {
				val = &field{s: def}
			}
			a.outputs = append(a.outputs, *val)
		case 'D':
			a.debug = true
		case 'W':
			// -W NAME[=VALUE] [VALUE]: the long option --NAME.
			name, v, eq := strings.Cut(val.s, "=")
			if val.dyn {
				// an option not known: it may load or write anything
				a.loads = append(a.loads, awkLoad{opt: "-W", val: *val})
				return next
			}
			lw, ok := awkLongLetter(name)
			if !ok || lw == 'W' {
				return next
			}
			if eq {
				return opt(lw, &field{s: v}, next)
			}
			return opt(lw, nil, next)
		}
		return next
	}
	i := 0
	for i < len(args) {
		w := args[i]
		s := w.s
		switch {
		case w.dyn && (strings.HasPrefix(s, "-F") || strings.HasPrefix(s, "-v") ||
			strings.HasPrefix(s, "--field-separator=") || strings.HasPrefix(s, "--assign=")):
			// -F"$SEP", -v x="$X": a computed value of an option
			// that only sets a variable
			i++
			continue
		case w.dyn:
			// a computed word may be an option (-l …) or the program:
			// taken as the program, whose text is not known
			if len(a.codes) == 0 && !a.script {
				a.codes = append(a.codes, w)
				i++
			}
			a.operands = args[i:]
			return a
		case s == "--":
			i++
			if len(a.codes) == 0 && !a.script && i < len(args) {
				a.codes = append(a.codes, args[i])
				i++
			}
			a.operands = args[i:]
			return a
		case s == "-safe" || s == "-version":
			// BWK awk's word options
			i++
			continue
		case strings.HasPrefix(s, "--"):
			name, v, eq := strings.Cut(s[2:], "=")
			l, ok := awkLongLetter(name)
			i++
			if !ok {
				continue
			}
			if eq {
				i = opt(l, &field{s: v, dyn: w.dyn}, i)
			} else {
				i = opt(l, nil, i)
			}
			continue
		case len(s) > 1 && s[0] == '-':
			i++
			for j := 1; j < len(s); j++ {
				l := s[j]
				if strings.IndexByte(awkArgLetters, l) >= 0 || strings.IndexByte(awkOptLetters, l) >= 0 {
					var val *field
					if j+1 < len(s) || strings.IndexByte(awkOptLetters, l) >= 0 {
						val = &field{s: s[j+1:]}
					}
					i = opt(l, val, i)
					break
				}
			}
			continue
		}
		// The first operand.
		if len(a.codes) == 0 && !a.script {
			a.codes = append(a.codes, w)
			i++
		}
		a.operands = args[i:]
		return a
	}
	return a
}

func joinCode(fs []field) (string, bool) {
	var b strings.Builder
	ok := true
	for i, f := range fs {
		if i > 0 {
			b.WriteByte('\n')
		}
		t, k := codeText(f)
		if !k {
			t = f.s
		}
		b.WriteString(t)
		ok = ok && k
	}
	if !ok {
		// Unknown code keeps its source text.
		b.Reset()
		for i, f := range fs {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(f.s)
		}
	}
	return b.String(), ok
}

const (
	rePyStr  = `(?:r?"[^"\\\n]*"|r?'[^'\\\n]*')`
	rePyMode = `(?:"rb?"|'rb?')`
)

var (
	reSpawnCommon = regexp.MustCompile(`\b(?:os\.system|os\.popen|os\.exec\w*|os\.spawn\w*|os\.posix_spawn\w*|subprocess\b|pty\.spawn|commands\.getoutput|child_process|execSync|spawnSync|execFileSync|execFile\b|Deno\.run|Deno\.Command|Bun\.spawn|Bun\.\$|system\s*\(|popen\b|proc_open|shell_exec|passthru|Open3|IO\.popen|Kernel\.spawn|os\.execute|io\.popen|system2\s*\(|do shell script|Start-Process|Process\.Start|Runtime\.getRuntime|pcntl_exec)`)
	reSpawnSys    = regexp.MustCompile(`\b(?:system|exec|spawn|qx)\b|%x[\(\{\[<|!/]|` + "`")
	reSpawnNode   = regexp.MustCompile(`\b(?:exec|spawn)\s*\(`)
	reDelete      = regexp.MustCompile(`\b(?:os\.remove|os\.unlink|os\.rmdir|os\.removedirs|shutil\.rmtree|rmtree|rm_rf|rm_r\b|rm_f\b|FileUtils\.rm\w*|FileUtils\.remove\w*|fs\.rm\w*|rmSync|unlinkSync|rmdirSync|fs\.unlink|fs\.promises\.rm|Deno\.remove|File\.delete|Dir\.delete|Dir\.rmdir|Remove-Item|os\.RemoveAll|unlink\b|rmdir\b|os\.truncate)|\.unlink\s*\(|\.rmdir\s*\(|\.unlink_missing|\.delete\s*\(\s*\)`)
	reWrite       = regexp.MustCompile(`\bopen\s*\([^)]*,\s*["'][^"']*[wax+]|write_text|write_bytes|writeFile|appendFile|File\.write|File\.open\s*\([^)]*["'][wa]|createWriteStream|fwrite|file_put_contents|\bopen\s*\(\s*(?:my\s+)?\$?\w*\s*,\s*["']\s*[>+]|\bopen\s*\([^,)]*,\s*["']>|Set-Content|Out-File|Add-Content|shutil\.(?:copy\w*|move)|os\.rename|os\.replace|\.write\s*\(|\bprint\s*>|printf\s*[^;]*>\s*"|Deno\.writeTextFile|Bun\.write|io\.open\s*\([^)]*["'][wa]|\bchmod\b|os\.chmod|fs\.chmod`)
	reNetwork     = regexp.MustCompile(`\b(?:socket|urllib\w*|requests\.|http\.client|httpx|aiohttp|fetch\s*\(|https?\.request|https?\.get|net\.connect|net\.Socket|net\.createConnection|LWP|Net::|IO::Socket|open-uri|URI\.open|Net::HTTP|curl_exec|curl_init|fsockopen|Invoke-WebRequest|Invoke-RestMethod|XMLHttpRequest|WebSocket|smtplib|ftplib|paramiko|telnetlib|axios|HTTP::Tiny|Mojo::UserAgent|file_get_contents\s*\(\s*["']https?:|Deno\.connect)|/inet/|https?://`)
	reEnv         = regexp.MustCompile(`\b(?:os\.environ|os\.getenv|process\.env|Deno\.env|getenv\s*\(|ENVIRON\[)|\bENV\[|\$ENV\{|\$env:|\$_ENV|\$_SERVER`)
	reEvalPy      = regexp.MustCompile(`\b(?:eval|exec|compile|__import__)\s*\(`)
	reEvalOther   = regexp.MustCompile(`\beval\b|\bFunction\s*\(|new Function|instance_eval|class_eval|module_eval|Invoke-Expression|\biex\b|\bvm\.run\w*|\bload\s*\(|loadstring|assert\s*\(\s*\$`)
	// reExecFile is exec(open('x.py').read()) and exec(compile(open('x.py').read(),
	// 'x.py', 'exec')) with a literal file name: running a script file, not
	// eval of built text. The call must end right after read() (or after
	// compile's literal arguments), so nothing can be appended to the code.
	reExecFile = regexp.MustCompile(`\bexec\s*\(\s*(?:open\s*\(\s*` + rePyStr + `\s*(?:,\s*` + rePyMode + `\s*)?\)\s*\.read\s*\(\s*\)|compile\s*\(\s*open\s*\(\s*` + rePyStr + `\s*(?:,\s*` + rePyMode + `\s*)?\)\s*\.read\s*\(\s*\)\s*,\s*` + rePyStr + `\s*,\s*(?:"exec"|'exec')\s*\))\s*[,)]`)
	rePaths    = regexp.MustCompile(`["'](~?/[^"'\s\\]{0,256})["']`)

	rePySpawn   = regexp.MustCompile(`\b(?:os\.system|os\.popen|subprocess\.(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput)|commands\.getoutput|pty\.spawn)\s*\(\s*`)
	reNodeSpawn = regexp.MustCompile(`\b(?:execSync|execFileSync|spawnSync|exec|execFile|spawn)\s*\(\s*`)
	reRbSpawn   = regexp.MustCompile(`\b(?:system|exec|spawn|IO\.popen|Open3\.\w+|shell_exec|passthru|popen|proc_open|os\.execute|io\.popen|system2)\s*(?:\(\s*|\s+)`)
	reOsaSpawn  = regexp.MustCompile(`do shell script\s+`)
	// Tcl (tclsh, expect): exec and spawn run their words as a command; open
	// with a leading | runs a pipeline. Its words are close enough to the
	// shell's to be parsed as a command line.
	reTclSpawn = regexp.MustCompile(`(?m)(?:^|[;\[{])\s*(?:exec|spawn)\s+([^;\]\n}]*)|\bopen\s+["{]?\|`)
)

// analyze fills a Code's text, effects and paths, and follows the literal
// shell commands the code spawns.
func (p *parser) analyze(code *Code, name, text string, st *state, c ctx) {
	lang := code.Lang
	code.Text = text
	if len(code.Text) > maxCodeText {
		code.Text = code.Text[:maxCodeText]
	}
	var eff []string
	var awkFiles []string
	add := func(e string) {
		if !containsStr(eff, e) {
			eff = append(eff, e)
		}
	}
	switch lang {
	case "sed":
		e, _ := SedEffects(text)
		if e.Spawn {
			add("spawn")
			in := c.stdin // the command reads sed's own stdin (popen "r")
			if code.From == "stdin" {
				in = nil // sed -f - read it for the script
			}
			for _, cmd := range e.Runs {
				p.codeIn(cmd, in, Step{Kind: "interp", Name: name, Detail: "e"}, st.fresh(), c)
			}
		}
		if e.Write {
			add("write")
		}
		code.Effects = eff
		// the files of r, R, w and W: policy judges what the code writes or
		// reads there as it does for other interpreters' literal paths
		code.Paths = []string{}
		for _, f := range e.Files {
			if a := p.absPath(f, st); a != "" && !containsStr(code.Paths, a) {
				code.Paths = append(code.Paths, a)
			}
		}
		return
	case "awk":
		e, _ := AwkEffects(text)
		awkFiles = e.Files
		if e.Spawn {
			add("spawn")
		}
		if e.Network {
			add("network")
		}
		if e.Write {
			add("write")
		}
		if e.Env {
			add("env")
		}
	default:
		if reSpawnCommon.MatchString(text) {
			add("spawn")
		}
		switch lang {
		case "ruby", "perl", "php":
			if reSpawnSys.MatchString(text) {
				add("spawn")
			}
		case "node":
			if reSpawnNode.MatchString(text) && strings.Contains(text, "child_process") {
				add("spawn")
			}
		case "tcl":
			if reTclSpawn.MatchString(text) {
				add("spawn")
			}
		}
		if reDelete.MatchString(text) {
			add("delete")
		}
		if reWrite.MatchString(text) {
			add("write")
		}
		if reNetwork.MatchString(text) {
			add("network")
		}
		if reEnv.MatchString(text) {
			add("env")
		}
		if lang == "python" {
			t := reExecFile.ReplaceAllStringFunc(text, func(m string) string { return strings.Repeat(" ", len(m)) })
			if reEvalPy.MatchString(t) {
				add("eval")
			}
		} else if reEvalOther.MatchString(text) {
			add("eval")
		}
	}
	code.Effects = eff
	// Paths named by string literals.
	var paths []string
	for _, m := range rePaths.FindAllStringSubmatch(text, 32) {
		v := m[1]
		if strings.HasPrefix(v, "~/") {
			if p.opts.Home == "" {
				continue
			}
			v = p.opts.Home + v[1:]
		}
		if v == "" || strings.HasPrefix(v, "//") {
			continue
		}
		if !containsStr(paths, v) {
			paths = append(paths, v)
		}
	}
	// the files awk's print > names, relative ones too (as sed's w)
	for _, f := range awkFiles {
		if a := p.absPath(f, st); a != "" && !containsStr(paths, a) {
			paths = append(paths, a)
		}
	}
	code.Paths = paths
	if containsStr(eff, "spawn") {
		if code.From == "stdin" {
			c.stdin = nil // the interpreter read its stdin for the code
		}
		p.spawns(lang, name, text, st, c)
	}
}

// codeIn parses shell code a program runs, whose stdin is in: the program's
// own stdin, which the command inherits (system("sh") reads what was piped to
// awk), or text the program makes (print | "sh"), or nil for none known.
func (p *parser) codeIn(code string, in *input, s Step, st *state, c ctx) {
	c = c.with(s)
	c.stdin = in
	c.pipeFrom = nil
	p.parseCode(code, st, c)
}

// spawns finds literal commands spawned by interpreter code and parses them.
// They inherit the interpreter's stdin (c.stdin), as system(), os.system and
// subprocess do, so a shell spawned there reads what was piped in; awk's
// print | "cmd" feeds cmd what awk prints, text made at run time.
func (p *parser) spawns(lang, name, text string, st *state, c ctx) {
	step := Step{Kind: "interp", Name: name}
	nst := st.fresh()
	seen := 0
	followIn := func(args []string, isShell bool, in *input) {
		if seen >= 16 || p.stopped {
			return
		}
		seen++
		if isShell {
			p.codeIn(args[0], in, step, nst, c)
			return
		}
		if c.depth+1 > p.opts.MaxDepth {
			p.opaque("depth", strings.Join(args, " "), c.with(step))
			return
		}
		c2 := c.with(step)
		c2.depth++
		c2.stdin, c2.pipeFrom = in, nil
		p.run(fieldsOf(args...), nil, nil, nil, nst, c2)
	}
	follow := func(args []string, isShell bool) { followIn(args, isShell, c.stdin) }
	callArgs := func(re *regexp.Regexp, dq bool) {
		for _, loc := range re.FindAllStringIndex(text, 16) {
			args, isList, ok := readArgs(text, loc[1], dq)
			if !ok || len(args) == 0 {
				continue
			}
			follow(args, !isList)
		}
	}
	switch lang {
	case "python":
		callArgs(rePySpawn, false)
	case "node":
		callArgs(reNodeSpawn, false)
	case "ruby", "perl", "php", "lua", "r":
		callArgs(reRbSpawn, true)
		if lang != "lua" && lang != "r" {
			for _, s := range backtickStrings(text) {
				follow([]string{s}, true)
			}
		}
	case "awk":
		e, _ := AwkEffects(text)
		for _, cmd := range e.Runs {
			follow([]string{cmd}, true)
		}
		for _, cmd := range e.Feeds {
			followIn([]string{cmd}, true, &input{pipe: true})
		}
	case "osascript":
		callArgs(reOsaSpawn, false)
	case "tcl":
		for _, m := range reTclSpawn.FindAllStringSubmatch(text, 16) {
			if cmd := strings.TrimSpace(m[1]); cmd != "" {
				follow([]string{cmd}, true)
			}
		}
	}
}

// readArgs reads the literal arguments of a call starting at text[i]: a single
// string (a shell command), a list ["a", "b"], or several strings ("a", "b").
func readArgs(text string, i int, interpolates bool) ([]string, bool, bool) {
	if i >= len(text) {
		return nil, false, false
	}
	if text[i] == '[' {
		var out []string
		i++
		for {
			i = skipSpace(text, i)
			if i >= len(text) {
				return nil, false, false
			}
			if text[i] == ']' {
				return out, true, len(out) > 0
			}
			s, end, ok := readString(text, i, interpolates)
			if !ok {
				return nil, false, false
			}
			out = append(out, s)
			i = skipSpace(text, end)
			if i < len(text) && text[i] == ',' {
				i++
			}
		}
	}
	s, end, ok := readString(text, i, interpolates)
	if !ok {
		return nil, false, false
	}
	out := []string{s}
	// More literal arguments: system("rm", "-rf", "/") or spawn("rm", [...]).
	j := skipSpace(text, end)
	for j < len(text) && text[j] == ',' {
		j = skipSpace(text, j+1)
		if j < len(text) && text[j] == '[' {
			more, _, ok := readArgs(text, j, interpolates)
			if ok {
				out = append(out, more...)
			}
			return out, true, true
		}
		s, e, ok := readString(text, j, interpolates)
		if !ok {
			break
		}
		out = append(out, s)
		j = skipSpace(text, e)
	}
	return out, len(out) > 1, true
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
		i++
	}
	return i
}

// readString reads a string literal at s[i]; false when it is not a literal
// (interpolation, f-strings, template substitutions).
func readString(s string, i int, interpolates bool) (string, int, bool) {
	if i >= len(s) {
		return "", i, false
	}
	// Python string prefixes.
	j := i
	for j < len(s) && j < i+2 && strings.IndexByte("rRbBuUfF", s[j]) >= 0 {
		j++
	}
	prefix := strings.ToLower(s[i:j])
	if j >= len(s) {
		return "", i, false
	}
	q := s[j]
	if q != '"' && q != '\'' && q != '`' {
		return "", i, false
	}
	if strings.Contains(prefix, "f") {
		return "", i, false
	}
	raw := strings.Contains(prefix, "r")
	j++
	triple := false
	if j+1 < len(s) && s[j] == q && s[j+1] == q {
		triple = true
		j += 2
	}
	var b strings.Builder
	for j < len(s) {
		ch := s[j]
		if ch == q {
			if !triple {
				out := b.String()
				if (interpolates && q != '\'' && (strings.Contains(out, "#{") || strings.Contains(out, "$"))) ||
					(q == '`' && strings.Contains(out, "${")) {
					return "", j + 1, false
				}
				return out, j + 1, true
			}
			if j+2 < len(s) && s[j+1] == q && s[j+2] == q {
				return b.String(), j + 3, true
			}
		}
		if ch == '\\' && j+1 < len(s) && !raw {
			j++
			switch s[j] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case '\\', '"', '\'', '`', '$':
				b.WriteByte(s[j])
			default:
				b.WriteByte('\\')
				b.WriteByte(s[j])
			}
			j++
			continue
		}
		b.WriteByte(ch)
		j++
	}
	return "", j, false
}

// backtickStrings returns the literal contents of `…` and %x(…) / qx(…) in
// ruby, perl and php code.
func backtickStrings(text string) []string {
	var out []string
	for i := 0; i < len(text) && len(out) < 16; i++ {
		switch {
		case text[i] == '`':
			j := strings.IndexByte(text[i+1:], '`')
			if j < 0 {
				return out
			}
			s := text[i+1 : i+1+j]
			if !strings.Contains(s, "#{") && !strings.Contains(s, "$") {
				out = append(out, s)
			}
			i += j + 1
		case (strings.HasPrefix(text[i:], "%x") || strings.HasPrefix(text[i:], "qx")) && i+2 < len(text):
			open := text[i+2]
			closeCh := map[byte]byte{'(': ')', '{': '}', '[': ']', '<': '>'}[open]
			if closeCh == 0 {
				if open == ' ' || isWordByte(open) {
					continue
				}
				closeCh = open
			}
			j := strings.IndexByte(text[i+3:], closeCh)
			if j < 0 {
				return out
			}
			s := text[i+3 : i+3+j]
			if !strings.Contains(s, "#{") && !strings.Contains(s, "$") {
				out = append(out, s)
			}
			i += 3 + j
		}
	}
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// git follows code run through git configuration and aliases.
func (p *parser) git(f []field, st *state, c ctx) {
	aliases := map[string]string{}
	i := 1
loop:
	for i < len(f) {
		a := f[i]
		s := a.s
		switch {
		case a.dyn:
			break loop
		case s == "-c":
			if i+1 < len(f) {
				p.gitConfig(f[i+1], aliases, st, c)
			}
			i += 2
		case strings.HasPrefix(s, "-c") && len(s) > 2 && !strings.HasPrefix(s, "--"):
			p.gitConfig(field{s: s[2:]}, aliases, st, c)
			i++
		case s == "-C" || s == "--git-dir" || s == "--work-tree" || s == "--namespace" || s == "--super-prefix" ||
			s == "--config-env" || s == "--list-cmds" || s == "--attr-source":
			i += 2
		case strings.HasPrefix(s, "-"):
			i++
		default:
			break loop
		}
	}
	// Environment variables git runs as shell code.
	env := p.gitEnv(st, c)
	for _, k := range []string{"GIT_SSH_COMMAND", "GIT_PAGER", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR", "GIT_EXTERNAL_DIFF", "GIT_ASKPASS", "GIT_PROXY_COMMAND", "GIT_SSH"} {
		if v, ok := env[k]; ok && v.val != "" {
			p.codeStr(v.val, !v.dyn, Step{Kind: "git", Name: "git", Detail: k}, st.fresh(), c)
		}
	}
	if i >= len(f) {
		return
	}
	sub := f[i].s
	if v, ok := aliases[sub]; ok && strings.HasPrefix(v, "!") {
		nst := st.fresh()
		nst.pos = append([]field(nil), f[i+1:]...)
		nst.posSet = true
		code := v[1:]
		if len(f) > i+1 {
			// git appends the alias arguments to the shell command.
			rest, _ := joinFields(f[i+1:])
			code += " " + rest
		}
		p.codeStr(code, true, Step{Kind: "git", Name: "git", Detail: "alias." + sub}, nst, c)
	}
}

func (p *parser) gitEnv(st *state, c ctx) map[string]varVal {
	var out map[string]varVal
	set := func(k string, v varVal) {
		if !strings.HasPrefix(k, "GIT_") {
			return
		}
		if out == nil {
			out = map[string]varVal{}
		}
		out[k] = v
	}
	st.eachExported(set)
	for k, v := range c.env {
		set(k, varVal{val: v, dyn: containsStr(c.envDyn, k)})
	}
	return out
}

var gitCodeKeys = map[string]bool{
	"core.pager": true, "core.editor": true, "core.sshcommand": true, "sequence.editor": true,
	"diff.external": true, "core.fsmonitor": true, "credential.helper": true, "core.askpass": true,
	"gpg.program": true, "interactive.difffilter": true, "uploadpack.packobjectshook": true,
	"core.hookspath": false, "merge.tool": false,
}

func (p *parser) gitConfig(kv field, aliases map[string]string, st *state, c ctx) {
	k, v, _ := strings.Cut(kv.s, "=")
	key := strings.ToLower(k)
	if strings.HasPrefix(key, "alias.") {
		aliases[k[len("alias."):]] = v
		if kv.dyn {
			aliases[k[len("alias."):]] = ""
			p.opaque("dynamic-code", kv.s, c.with(Step{Kind: "git", Name: "git", Detail: key}))
		}
		return
	}
	isCode := gitCodeKeys[key] || strings.HasPrefix(key, "pager.") ||
		(strings.HasPrefix(key, "filter.") && (strings.HasSuffix(key, ".clean") || strings.HasSuffix(key, ".smudge") || strings.HasSuffix(key, ".process"))) ||
		(strings.HasPrefix(key, "diff.") && (strings.HasSuffix(key, ".textconv") || strings.HasSuffix(key, ".command"))) ||
		(strings.HasPrefix(key, "merge.") && strings.HasSuffix(key, ".driver")) ||
		(strings.HasPrefix(key, "mergetool.") && strings.HasSuffix(key, ".cmd")) ||
		(strings.HasPrefix(key, "difftool.") && strings.HasSuffix(key, ".cmd"))
	if !isCode {
		return
	}
	if key == "credential.helper" {
		if !strings.HasPrefix(v, "!") && !strings.HasPrefix(v, "/") {
			return
		}
		v = strings.TrimPrefix(v, "!")
	}
	if key == "core.fsmonitor" && (v == "true" || v == "false" || v == "") {
		return
	}
	if v == "" {
		return
	}
	p.codeStr(v, !kv.dyn, Step{Kind: "git", Name: "git", Detail: key}, st.fresh(), c)
}

// tar options that run commands.
func (p *parser) tar(name string, f []field, st *state, c ctx) {
	for i := 1; i < len(f); i++ {
		s := f[i].s
		var opt string
		var val field
		has := false
		switch {
		case s == "--to-command" || s == "--use-compress-program" || s == "-I" || s == "--info-script" ||
			s == "--new-volume-script" || s == "-F" || s == "--checkpoint-action":
			if i+1 < len(f) {
				opt, val, has = s, f[i+1], true
				i++
			}
		case strings.HasPrefix(s, "--to-command=") || strings.HasPrefix(s, "--use-compress-program=") ||
			strings.HasPrefix(s, "--info-script=") || strings.HasPrefix(s, "--new-volume-script=") ||
			strings.HasPrefix(s, "--checkpoint-action="):
			k, v, _ := strings.Cut(s, "=")
			opt, val, has = k, field{s: v, dyn: f[i].dyn}, true
		case strings.HasPrefix(s, "-I") && len(s) > 2:
			opt, val, has = "-I", field{s: s[2:], dyn: f[i].dyn}, true
		}
		if !has {
			continue
		}
		if opt == "--checkpoint-action" {
			if !strings.HasPrefix(val.s, "exec=") {
				continue
			}
			val.s = val.s[len("exec="):]
		}
		p.code(val, Step{Kind: "option", Name: name, Detail: opt}, st.fresh(), c)
	}
}

func (p *parser) rsync(f []field, st *state, c ctx) {
	for i := 1; i < len(f); i++ {
		s := f[i].s
		switch {
		case s == "--rsh" || s == "-e":
			if i+1 < len(f) {
				p.code(f[i+1], Step{Kind: "option", Name: "rsync", Detail: "--rsh"}, st.fresh(), c)
				i++
			}
		case strings.HasPrefix(s, "--rsh="):
			p.code(field{s: s[len("--rsh="):], dyn: f[i].dyn}, Step{Kind: "option", Name: "rsync", Detail: "--rsh"}, st.fresh(), c)
		case len(s) > 1 && s[0] == '-' && s[1] != '-' && strings.IndexByte(s, 'e') > 0:
			j := strings.IndexByte(s, 'e')
			if j+1 < len(s) {
				p.code(field{s: s[j+1:], dyn: f[i].dyn}, Step{Kind: "option", Name: "rsync", Detail: "--rsh"}, st.fresh(), c)
			} else if i+1 < len(f) {
				p.code(f[i+1], Step{Kind: "option", Name: "rsync", Detail: "--rsh"}, st.fresh(), c)
				i++
			}
		}
	}
}

func (p *parser) vim(name string, f []field, st *state, c ctx) {
	for i := 1; i < len(f); i++ {
		s := f[i].s
		var cmd field
		switch {
		case s == "-c" || s == "--cmd" || s == "-S":
			if i+1 >= len(f) {
				continue
			}
			if s == "-S" {
				i++
				continue
			}
			cmd = f[i+1]
			i++
		case strings.HasPrefix(s, "+") && len(s) > 1:
			cmd = field{s: s[1:], dyn: f[i].dyn}
		default:
			continue
		}
		t := strings.TrimLeft(cmd.s, ": \t")
		for _, pre := range []string{"silent!", "silent", "exe", "execute"} {
			if strings.HasPrefix(t, pre+" ") {
				t = strings.TrimLeft(t[len(pre):], " \t")
			}
		}
		if cmd.dyn {
			p.opaque("dynamic-code", cmd.s, c.with(Step{Kind: "option", Name: name, Detail: "-c"}))
			continue
		}
		switch {
		case strings.HasPrefix(t, "!"):
			p.codeStr(t[1:], true, Step{Kind: "option", Name: name, Detail: "-c :!"}, st.fresh(), c)
		case strings.HasPrefix(t, "r !") || strings.HasPrefix(t, "r!") || strings.HasPrefix(t, "w !") || strings.HasPrefix(t, "w!") && len(t) > 2 && t[2] != ' ':
			j := strings.IndexByte(t, '!')
			p.codeStr(t[j+1:], true, Step{Kind: "option", Name: name, Detail: "-c :!"}, st.fresh(), c)
		case strings.HasPrefix(t, "call system(") || strings.HasPrefix(t, "terminal") || strings.HasPrefix(t, "py") || strings.HasPrefix(t, "lua"):
			p.opaque("dynamic-code", cmd.s, c.with(Step{Kind: "option", Name: name, Detail: "-c"}))
		}
	}
}

func (p *parser) zip(f []field, st *state, c ctx) {
	for i := 1; i < len(f); i++ {
		s := f[i].s
		switch {
		case s == "-TT" || s == "--unzip-command":
			if i+1 < len(f) {
				p.code(f[i+1], Step{Kind: "option", Name: "zip", Detail: "-TT"}, st.fresh(), c)
				i++
			}
		case strings.HasPrefix(s, "--unzip-command="):
			p.code(field{s: s[len("--unzip-command="):], dyn: f[i].dyn}, Step{Kind: "option", Name: "zip", Detail: "-TT"}, st.fresh(), c)
		case strings.HasPrefix(s, "-TT") && len(s) > 3:
			v := strings.TrimPrefix(s[3:], "=")
			p.code(field{s: v, dyn: f[i].dyn}, Step{Kind: "option", Name: "zip", Detail: "-TT"}, st.fresh(), c)
		}
	}
}
