package shellparse

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestSedEffects(t *testing.T) {
	cases := []struct {
		script string
		want   Effects
		ok     bool
	}{
		{`s/^alias //g`, Effects{Plain: true}, true},
		{`/^$/d`, Effects{Plain: true}, true},
		{`1d;s/x/y/`, Effects{Plain: true}, true},
		{`1,5p`, Effects{}, true},
		{`1F;z`, Effects{}, true},
		{`y/a/b/;q`, Effects{}, true},
		{"1a\\\ne id", Effects{}, true},
		{``, Effects{}, true},
		{`s/x/y/e`, Effects{Spawn: true}, true},
		{`s/a/b/ e`, Effects{Spawn: true}, true},
		{`e`, Effects{Spawn: true}, true},
		{`1e rm -rf ~`, Effects{Spawn: true, Runs: []string{"rm -rf ~"}}, true},
		{"1e echo a\\\ne rm -rf ~", Effects{Spawn: true, Runs: []string{"echo a\ne rm -rf ~"}}, true},
		{"r /dev/null\\\ne id", Effects{Spawn: true, Read: true, Runs: []string{"id"}, Files: []string{"/dev/null\\"}}, true},
		{`w /tmp/f`, Effects{Write: true, Files: []string{"/tmp/f"}}, true},
		{`W /tmp/f`, Effects{Write: true, Files: []string{"/tmp/f"}}, true},
		{`s/a/b/w /tmp/f`, Effects{Write: true, Files: []string{"/tmp/f"}}, true},
		{`s/a/b/w /dev/stdout`, Effects{Write: true}, true},
		{`s/a/b/; w x`, Effects{Write: true, Files: []string{"x"}}, true},
		{`r /etc/shadow`, Effects{Read: true, Files: []string{"/etc/shadow"}}, true},
		{`R /etc/shadow`, Effects{Read: true, Files: []string{"/etc/shadow"}}, true},
		// GNU sed reads a bracket expression whole: the delimiter in it does
		// not end the regex
		{`s/[/]/x/e`, Effects{Spawn: true}, true},
		{`s/[/]/x/w /tmp/f`, Effects{Write: true, Files: []string{"/tmp/f"}}, true},
		{`/[/]/p;1e id`, Effects{Spawn: true, Runs: []string{"id"}}, true},
		{`s/[]/]/x/;e id`, Effects{Spawn: true, Runs: []string{"id"}}, true},
		{`s/[[:alpha:]/]/x/;e id`, Effects{Spawn: true, Runs: []string{"id"}}, true},
		{`s/[/]/x/`, Effects{}, true}, // not plain: a sed that ignores brackets reads it otherwise
		{`s/x/[/]/;e id`, Effects{}, false},
		// syntax errors stop the scan: GNU sed runs nothing
		{`s/a[/X/;e id`, Effects{}, false},
		{"s/a\nb/c/;e id", Effects{}, false},
		{`k;e id`, Effects{}, false},
		{`s/a/b/x;e id`, Effects{}, false},
		{`1e id;s/a`, Effects{Spawn: true, Runs: []string{"id;s/a"}}, true},
		{`s/a/b/e;s/a`, Effects{Spawn: true}, false},
	}
	for _, c := range cases {
		got, ok := SedEffects(c.script)
		if diff := cmp.Diff(c.want, got, cmpopts.EquateEmpty()); diff != "" || ok != c.ok {
			t.Errorf("SedEffects(%q): ok %v, want %v; (-want +got):\n%s", c.script, ok, c.ok, diff)
		}
	}
}

func TestAwkEffects(t *testing.T) {
	cases := []struct {
		program string
		want    Effects
		ok      bool
	}{
		{`{print "set -o " $1}`, Effects{Plain: true}, true},
		{`$2=="on"{print $1}`, Effects{Plain: true}, true},
		{`$3 > 100`, Effects{}, true},
		{`{ print (a > b) }`, Effects{Write: true}, true}, // the > is read as a redirection
		{`{print "a|b > c"}`, Effects{}, true},
		{`{print $1 "|" $2}`, Effects{}, true},
		{`{print "system("}`, Effects{}, true},
		{`BEGIN{system("rm -rf ~")}`, Effects{Spawn: true, Runs: []string{"rm -rf ~"}}, true},
		{`BEGIN{system("rm " "-rf ~")}`, Effects{Spawn: true, Runs: []string{"rm -rf ~"}}, true},
		{`BEGIN{system("echo " x)}`, Effects{Spawn: true}, true},
		{`{print | "sh"}`, Effects{Spawn: true, Feeds: []string{"sh"}}, true},
		{`{printf "x" | "sh"}`, Effects{Spawn: true, Feeds: []string{"sh"}}, true},
		{`BEGIN{c="sh"} {print | c}`, Effects{Spawn: true}, true},
		{`{print |& "sh"}`, Effects{Spawn: true}, true},
		{`BEGIN{"date" |& getline d}`, Effects{Spawn: true}, true},
		{`{"date" | getline d}`, Effects{Spawn: true, Runs: []string{"date"}}, true},
		{`{while (("ls -l" | getline l) > 0) n++}`, Effects{Spawn: true, Runs: []string{"ls -l"}}, true},
		{`{cmd | getline}`, Effects{Spawn: true}, true},
		{`{print > "f"}`, Effects{Write: true, Files: []string{"f"}}, true},
		{`{print >> "f"}`, Effects{Write: true, Files: []string{"f"}}, true},
		{`{printf "%s", $0 > "f"}`, Effects{Write: true, Files: []string{"f"}}, true},
		{`{print "}" > "/tmp/f"}`, Effects{Write: true, Files: []string{"/tmp/f"}}, true},
		{`{print ";" > "/tmp/f"}`, Effects{Write: true, Files: []string{"/tmp/f"}}, true},
		{`{ print(1)>"f" }`, Effects{Write: true, Files: []string{"f"}}, true},
		{`BEGIN{print 1 > "../../.bashrc"; print 2 > "../../" ".bashrc"}`, Effects{Write: true, Files: []string{"../../.bashrc"}}, true},
		{`{print > $1 ".txt"}`, Effects{Write: true}, true},
		{`{print "x" > "/dev/stderr"}`, Effects{Write: true}, true},
		{`{getline x < "/etc/shadow"}`, Effects{Read: true}, true},
		{`{getline < "/etc/shadow"}`, Effects{Read: true}, true},
		{`BEGIN { while ((getline line < f) > 0) n++ }`, Effects{Read: true}, true},
		{`{getline; print}`, Effects{}, true},
		{`{close("f"); fflush()}`, Effects{}, true},
		{`{print ENVIRON["HOME"]}`, Effects{Env: true}, true},
		{`BEGIN{s="/inet/tcp/0/h/80"; print "x" |& s}`, Effects{Spawn: true, Network: true}, true},
		{`@load "filefuncs"`, Effects{Spawn: true}, true},
		{`@include "x.awk"`, Effects{Spawn: true}, true},
		{`BEGIN{f="system"; @f("id")}`, Effects{Spawn: true}, true},
		{"{ print `id` }", Effects{}, false},
		{`{x = "unterminated}`, Effects{}, false},
		{`{ print $1 } # | sh in comment`, Effects{}, true},
		// a / after an if condition, an operator or print starts a regex; after
		// an operand it divides
		{`BEGIN { if (1) /"/; system("id"); if (1) /"/ }`, Effects{Spawn: true, Runs: []string{"id"}}, true},
		{`BEGIN { x = 1 + /"/; system("id"); y = 1 + /"/ }`, Effects{Spawn: true, Runs: []string{"id"}}, true},
		{`{ print /"/; system("id"); print /"/ }`, Effects{Spawn: true, Runs: []string{"id"}}, true},
		{`{ x = a / 2; system("id"); y = b / 3 }`, Effects{Spawn: true, Runs: []string{"id"}}, true},
		{`/[/]/ { system("id") }`, Effects{Spawn: true, Runs: []string{"id"}}, true},
		{`NR==1 { print NR "  -> " cur }`, Effects{}, true},
		{`{ print /"/; x = 1 }`, Effects{}, true},
		{`$0 ~ /a"b/`, Effects{}, true},
		{`$0 ~ /a\/b/ { print "x/y" }`, Effects{Plain: true}, true},
	}
	for _, c := range cases {
		got, ok := AwkEffects(c.program)
		if diff := cmp.Diff(c.want, got, cmpopts.EquateEmpty()); diff != "" || ok != c.ok {
			t.Errorf("AwkEffects(%q): ok %v, want %v; (-want +got):\n%s", c.program, ok, c.ok, diff)
		}
	}
}

// TestLangAgentLines: hostile sed and awk on an agent's line carry their
// effects in Code, and the literal commands they run are commands of the line.
func TestLangAgentLines(t *testing.T) {
	cases := []struct {
		line    string
		effects []string
		runs    []string // names of the commands run through the code
	}{
		{`sed 's/x/y/e' f`, []string{"spawn"}, nil},
		{`sed 'e rm -rf ~' f`, []string{"spawn"}, []string{"rm"}},
		{`sed 's/[/]/x/e' f`, []string{"spawn"}, nil},
		{`sed '/[/]/p;1e rm -rf ~' f`, []string{"spawn"}, []string{"rm"}},
		{`sed 'w /tmp/f' f`, []string{"write"}, nil},
		{`sed 'W /tmp/f' f`, []string{"write"}, nil},
		{`sed 's/a/b/w /tmp/f' f`, []string{"write"}, nil},
		{`sed 's/[/]/x/w /tmp/f' f`, []string{"write"}, nil},
		{`sed -n 'r /etc/shadow' f`, nil, nil},
		{`sed -e 's/a/b/' -e '3e rm -rf ~' f`, []string{"spawn"}, []string{"rm"}},
		{`awk 'BEGIN{system("rm -rf ~")}'`, []string{"spawn"}, []string{"rm"}},
		{`awk '{print | "sh"}' f`, []string{"spawn"}, []string{"sh"}},
		{`awk '{printf "x" | "sh"}' f`, []string{"spawn"}, []string{"sh"}},
		{`awk 'BEGIN{c="sh"} {print | c}' f`, []string{"spawn"}, nil},
		{`awk '{"date" | getline d}' f`, []string{"spawn"}, []string{"date"}},
		{`awk '{print > "f"}' f`, []string{"write"}, nil},
		{`awk '{print "}" > "/tmp/f"}' f`, []string{"write"}, nil},
		{`awk '{print ENVIRON["HOME"]}' f`, []string{"env"}, nil},
		{`awk '@load "filefuncs"' f`, []string{"spawn"}, nil},
		{`awk 'BEGIN{f="system"; @f("id")}'`, []string{"spawn"}, nil},
		{`awk 'BEGIN { if (1) /"/; system("rm -rf ~"); if (1) /"/ }'`, []string{"spawn"}, []string{"rm"}},
		{`awk -F, '{print $2}' data.csv`, nil, nil},
	}
	for _, c := range cases {
		l := Parse(c.line, Options{Cwd: "/w", Home: "/home/u"})
		if len(l.Commands) == 0 || l.Commands[0].Code == nil {
			t.Errorf("%s: no code: %+v", c.line, l.Commands)
			continue
		}
		if diff := cmp.Diff(c.effects, l.Commands[0].Code.Effects, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: effects (-want +got):\n%s", c.line, diff)
		}
		var runs []string
		for _, cmd := range l.Commands[1:] {
			runs = append(runs, cmd.Name)
		}
		if diff := cmp.Diff(c.runs, runs, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: commands run (-want +got):\n%s", c.line, diff)
		}
	}
}

// TestSedPaths: the files sed's r, R, w and W name are the code's paths,
// resolved against the cwd, so policy judges them like other code's paths.
func TestSedPaths(t *testing.T) {
	for line, want := range map[string][]string{
		`sed -n 'w /home/u/.bashrc' f`:            {"/home/u/.bashrc"},
		`sed 's/x/y/w /etc/passwd' f`:             {"/etc/passwd"},
		`sed -n '1r /etc/shadow' f`:               {"/etc/shadow"},
		"sed -e 'W out.txt' -e 'R in.txt' f":      {"/w/out.txt", "/w/in.txt"},
		`sed -n 's/a/b/w /dev/stdout' f`:          nil,
		`sed -n '1,5p' f`:                         nil,
		`sed -e 'w /tmp/a' -e 's/a/b/w /tmp/a' f`: {"/tmp/a"},
	} {
		l := Parse(line, Options{Cwd: "/w", Home: "/home/u"})
		if len(l.Commands) == 0 || l.Commands[0].Code == nil {
			t.Errorf("%s: no code", line)
			continue
		}
		if diff := cmp.Diff(want, l.Commands[0].Code.Paths, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: paths (-want +got):\n%s", line, diff)
		}
	}
}

// TestSedAsGNU checks SedEffects against a real GNU sed: each script is a
// construct followed by an e command on the next line or after a ; and GNU
// sed runs that command exactly when SedEffects finds it.
func TestSedAsGNU(t *testing.T) {
	sed, err := exec.LookPath("sed")
	if err != nil {
		t.Skip("no sed")
	}
	if out, err := exec.Command(sed, "--version").Output(); err != nil || !strings.Contains(string(out), "GNU") {
		t.Skip("not GNU sed")
	}
	dir := t.TempDir()
	input := filepath.Join(dir, "in")
	if err := os.WriteFile(input, []byte("a/b]\nx\ny\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	prefixes := []string{
		`p`, `1p`, `$p`, `/a/p`, `/[/]/p`, `\%[%]%p`, `/a/Ip`, `1,2p`, `1,+1p`, `0~2p`, `1!p`, `1{p}`, `y/a/b/`,
		`s/a/b/`, `s/[/]/x/`, `s/[]/]/x/`, `s/[^]/]/x/`, `s/[[:alpha:]/]/x/`, `s/[[.a.]/]/x/`, `s/[\/]/x/`,
		`s/[\]/x/`, `s|[|]|x|`, `s[a[b[`, `s]a]b]`, `s/x/[/]/`, `s/a[/x/`, `s/[[:]/]/x/`, `s/[a/x/`, `s/a/b/g2p`,
		`s/a/b/ g`, `s/a/b/w /dev/null`, `r /dev/null`, `1a foo`, `1a\`, `1i\ foo\`, `c\`, `#c\`, `: a`, `b a;:a`,
		`q5`, `l 3`, `=`, `F`, `z`, `n`, `N`, `x`, `g`, `h`, `v`, `k`, `s/a/b/x`, `}`, `{`,
	}
	for _, pre := range prefixes {
		for _, sep := range []string{"\n", ";"} {
			script := pre + sep + "e echo MARK"
			out, _ := exec.Command(sed, "-n", "-e", script, input).CombinedOutput()
			ran := false // an output line is MARK (a, i, c text holding "e echo MARK" is not)
			for _, l := range strings.Split(string(out), "\n") {
				ran = ran || l == "MARK"
			}
			e, _ := SedEffects(script)
			found := false
			for _, r := range e.Runs {
				found = found || r == "echo MARK"
			}
			if ran && !found {
				t.Errorf("GNU sed runs the e command of %q; SedEffects finds %+v", script, e)
			}
			if found && !ran {
				t.Logf("SedEffects finds an e command GNU sed does not run in %q (output %q)", script, out)
			}
		}
	}
}

// TestAwkAsGawk checks AwkEffects against a real gawk, when there is one:
// each program runs system("echo MARK") amid constructs that make a tokenizer
// guess where strings and regular expressions are, and AwkEffects must find
// the command whenever gawk runs it.
func TestAwkAsGawk(t *testing.T) {
	gawk, err := exec.LookPath("gawk")
	if err != nil {
		t.Skip("no gawk")
	}
	const run = `system("echo MARK")`
	programs := []string{
		`BEGIN { if (1) /"/; ` + run + `; if (1) /"/ }`,
		`BEGIN { x = 1 + /"/; ` + run + `; y = 1 + /"/ }`,
		`{ print /"/; ` + run + `; print /"/ }`,
		`/[/]/ { ` + run + ` }`,
		`/["]/ { ` + run + ` } /["]/`,
		`/[a\]/]/ { ` + run + ` }`,
		`/[]/]/ { ` + run + ` }`,
		`/[^]/]/ { ` + run + ` }`,
		`{ x = $1 / 2; ` + run + `; y = $1 / 3 }`,
		`{ a[1] = 1; x = a[1] /2/ 1; ` + run + ` }`,
		`BEGIN { x = 4; x /= 2; ` + run + ` }`,
		`{ n = NF / 2 } /"/ { ` + run + ` }`,
		`BEGIN { while (0) /"/; ` + run + `; while (0) /"/ }`,
		`BEGIN { x = !/"/; ` + run + `; y = !/"/ }`,
		`BEGIN { x = 1 ? /"/ : 0; ` + run + `; y = 0 ? 0 : /"/ }`,
		`BEGIN { x = "a" ~ /"/; ` + run + `; y = "b" ~ /"/ }`,
		`# "
BEGIN { ` + run + ` } # "`,
		`BEGIN { s = "\"/"; ` + run + `; t = "/\"" }`,
		`BEGIN { x = (1) / 2 / 1; ` + run + ` }`,
		`BEGIN { x = length / 2; ` + run + `; y = length / 2 }`,
		`BEGIN { x = 1 \
/ 2; ` + run + ` }`,
		`function f(a) { return /"/ } BEGIN { ` + run + `; f(/"/) }`,
	}
	for _, p := range programs {
		cmd := exec.Command(gawk, p)
		cmd.Stdin = strings.NewReader("a/b\"\n")
		out, _ := cmd.CombinedOutput()
		ran := false
		for _, l := range strings.Split(string(out), "\n") {
			ran = ran || l == "MARK"
		}
		e, _ := AwkEffects(p)
		found := false
		for _, r := range e.Runs {
			found = found || r == "echo MARK"
		}
		if ran && !found {
			t.Errorf("gawk runs the command of %q; AwkEffects finds %+v", p, e)
		}
		if !ran {
			t.Logf("gawk does not run %q: %s", p, out)
		}
	}
}

func FuzzSedEffects(f *testing.F) {
	for _, s := range []string{`s/a/b/`, `/[/]/p;1e id`, "1a\\\nx", `s/[[:alpha:]/]/x/w f`, `y/a/b/`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, ok := SedEffects(s)
		if e.Plain && (!ok || e.any()) {
			t.Fatalf("%q: plain with effects or an error: %+v", s, e)
		}
	})
}

func FuzzAwkEffects(f *testing.F) {
	for _, s := range []string{`{print $1}`, `BEGIN{system("id")}`, `/[/]/{print > "f"}`, `{ x = 1 / 2 }`, `{"d" | getline}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, ok := AwkEffects(s)
		if e.Plain && (!ok || e.any()) {
			t.Fatalf("%q: plain with effects or an error: %+v", s, e)
		}
	})
}
