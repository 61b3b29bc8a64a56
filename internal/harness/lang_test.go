package harness

import (
	"strings"
	"testing"
)

// Hostile sed scripts and awk programs: a capture script using any of them is
// not a snapshot capture. Each runs a command, writes or reads a file, or uses
// a command or form outside the plain subset (GNU F and z, ranges, blocks).
var (
	hostileSed = []string{
		`s/x/y/e`, `e rm -rf ~`, `1e rm -rf ~`, `e`, `w /tmp/f`, `W /tmp/f`, `r /etc/shadow`, `R /etc/shadow`,
		`s/a/b/w /tmp/f`, `s|a|b|w /tmp/f`, `s/a/b/ w /tmp/f`, `s/a/b/ e`, `s/a/b/gpe`, `s/a/b/; w x`,
		`F`, `z`, `1F;z`, `y/a/b/`, `1a foo`, "1a\\\ne id", `q`, `l`, `=`, `1,5p`, `1!d`, `0~2d`, `$!N`,
		`\%x%d`, `/x/Id`, `{p}`, `/x/{s/a/b/;p}`, `:a;ba`, `#n`,
		// a bracket expression holds the delimiter: GNU sed reads s/[/]/x/ with
		// pattern [/], so what follows is a flag
		`s/[/]/x/e`, `s/[/]/x/w /tmp/f`, `/[/]/p;1e id`, `s/[/]/x/`,
		"1e echo a\\\ne rm -rf ~", "r /dev/null\\\ne id", `s/a/b`, ``,
	}
	hostileAwk = []string{
		`BEGIN{system("rm -rf ~")}`, `{print | "sh"}`, `{printf "x" | "sh"}`, `BEGIN{c="sh"} {print | c}`,
		`{print |& "sh"}`, `{"date" | getline d}`, `{cmd | getline}`, `{print > "/home/u/.bashrc"}`,
		`{print >> "f"}`, `{printf "%s", $0 > "f"}`, `{print "}" > "/tmp/f"}`, `{ print(1)>"f" }`,
		`{getline x < "/etc/shadow"}`, `{getline < "/etc/shadow"}`, `{getline}`, `{getline x}`,
		`BEGIN { while ((getline line < f) > 0) n++ }`, `{close("f")}`, `{fflush()}`,
		`BEGIN { while (1) close(f) }`, `{print ENVIRON["HOME"]}`, `BEGIN{s="/inet/tcp/0/h/80"; print "x" |& s}`,
		`@load "filefuncs"`, `@include "x.awk"`, `BEGIN{f="system"; @f("id")}`, "{ print `id` }",
		`{x = "unterminated}`, `$3 > 100`, `{print "a|b > c"}`, `{ print $1 } # | sh in comment`,
		// gawk and BWK awk read /"/ after an if condition as a regular
		// expression: the old harness check read a string there and missed
		// the system call (gawk 5.2 runs it)
		`BEGIN { if (1) /"/; system("id"); if (1) /"/ }`,
		`{ print /"/; x = 1 }`,
	}
)

// TestPlainSed: the sed scripts a capture may use.
func TestPlainSed(t *testing.T) {
	for _, s := range []string{`s/^alias //g`, `s/^/alias -- /`, `/^$/d`, `s/'/'"'"'/g`, `s|a|b|`, `1d;s/x/y/`,
		`s/^alias /alias -- /`, `$d`, `s/[[:space:]]*$//`, `s/a/b/2`, "s/a/b/\np"} {
		if !plainSed(s) {
			t.Errorf("plainSed(%q) = false", s)
		}
	}
	for _, s := range hostileSed {
		if plainSed(s) {
			t.Errorf("plainSed(%q) = true", s)
		}
	}
}

// TestPlainAwk: the awk programs a capture may use.
func TestPlainAwk(t *testing.T) {
	for _, s := range []string{`{print "set -o " $1}`, `$2=="on"{print $1}`, `{ a = b || c }`,
		`$1 ~ /^[A-Za-z_][A-Za-z0-9_]*$/ { count++ } END { print count }`} {
		if !plainAwk(s) {
			t.Errorf("plainAwk(%q) = false", s)
		}
	}
	for _, s := range hostileAwk {
		if plainAwk(s) {
			t.Errorf("plainAwk(%q) = true", s)
		}
	}
}

// TestCaptureHostileLang: the Claude capture fixture with its sed or awk
// replaced by a hostile one, or called with an option that reads a program
// file, edits in place or runs code, is not a snapshot capture.
func TestCaptureHostileLang(t *testing.T) {
	capture := fixtureCall(t, "claude-capture.txt")
	const sedUse, awkUse = `sed 's/^alias //g'`, `awk '{print "set -o " $1}'`
	if !strings.Contains(capture.Text, sedUse) || !strings.Contains(capture.Text, awkUse) {
		t.Fatal("the fixture no longer holds the sed and awk uses this test replaces")
	}
	with := func(old, new string) Call {
		c := capture
		c.Text = strings.ReplaceAll(c.Text, old, new)
		return c
	}
	// The replacement itself keeps a capture: a plain sed and awk still pass.
	if got := See(with(sedUse, `sed -n -e 's/^alias //p'`)); got.Form != FormSnapshotCapture {
		t.Fatalf("a plain sed replacement is not seen through: %+v", got)
	}
	if got := See(with(awkUse, `awk -F: '$2=="on"{print $1}'`)); got.Form != FormSnapshotCapture {
		t.Fatalf("a plain awk replacement is not seen through: %+v", got)
	}
	cases := map[string]string{}
	for _, s := range hostileSed {
		cases["sed "+s] = "sed " + sqEval(s)
	}
	for _, s := range hostileAwk {
		cases["awk "+s] = "awk " + sqEval(s)
	}
	for _, use := range []string{`sed -i 's/a/b/'`, `sed -i.bak 's/a/b/'`, `sed --in-place 's/a/b/'`, `sed -f /tmp/x.sed`,
		`sed --file=/tmp/x.sed`, `sed --expression='w /tmp/f'`, `sed -e 's/a/b/' -e 'e id'`, `sed -nf /tmp/x.sed`} {
		cases["sed option "+use] = use
	}
	for _, use := range []string{`awk -f /tmp/x.awk`, `awk -i inplace '{print}'`, `awk --exec /tmp/x.awk`, `awk -E /tmp/x.awk`,
		`awk -l filefuncs '{print}'`, `awk --load=filefuncs '{print}'`, `awk -e 'BEGIN{system("id")}'`,
		`awk --source='BEGIN{system("id")}'`, `awk -v x=1 -f /tmp/x.awk`} {
		cases["awk option "+use] = use
	}
	for name, use := range cases {
		old := sedUse
		if strings.HasPrefix(name, "awk") {
			old = awkUse
		}
		t.Run(name, func(t *testing.T) {
			if got := See(with(old, use)); got.Form == FormSnapshotCapture {
				t.Errorf("seen through as a snapshot capture with %s", use)
			}
		})
	}
}
