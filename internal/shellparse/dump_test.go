package shellparse

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func dumpLine(l *Line) string {
	var b strings.Builder
	for i, c := range l.Commands {
		fmt.Fprintf(&b, "  [%d] %s %q dyn=%v globs=%v cwd=%s", i, c.Name, c.Argv, c.Dynamic, c.Globs, c.Cwd)
		if len(c.Via) > 0 {
			var v []string
			for _, s := range c.Via {
				v = append(v, s.Kind+":"+s.Name+":"+s.Detail)
			}
			fmt.Fprintf(&b, " via=%v", v)
		}
		if len(c.Env) > 0 {
			fmt.Fprintf(&b, " env=%v", c.Env)
		}
		if len(c.Redirects) > 0 {
			fmt.Fprintf(&b, " redir=%+v", c.Redirects)
		}
		if len(c.PipeFrom) > 0 {
			fmt.Fprintf(&b, " pipe=%v", c.PipeFrom)
		}
		if c.Lookalike {
			b.WriteString(" LOOK")
		}
		if c.CwdDynamic {
			b.WriteString(" CWDDYN")
		}
		if c.Background {
			b.WriteString(" BG")
		}
		if len(c.Assigns) > 0 {
			fmt.Fprintf(&b, " assigns=%+v", c.Assigns)
		}
		if c.Code != nil {
			fmt.Fprintf(&b, " code=%+v", *c.Code)
		}
		b.WriteString("\n")
	}
	for _, o := range l.Opaque {
		fmt.Fprintf(&b, "  OPAQUE %s %q %v\n", o.Reason, o.Text, o.Via)
	}
	if l.ParseError != nil {
		fmt.Fprintf(&b, "  ERR %+v\n", *l.ParseError)
	}
	if len(l.Functions) > 0 {
		fmt.Fprintf(&b, "  FUNCS %v\n", l.Functions)
	}
	return b.String()
}

func TestDump(t *testing.T) {
	fn := os.Getenv("DUMP")
	if fn == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(fn)
	for _, line := range strings.Split(string(data), "\n@@\n") {
		l := Parse(line, Options{Cwd: "/work", Home: "/home/u"})
		fmt.Printf("%s\n%s\n", line, dumpLine(l))
	}
}
