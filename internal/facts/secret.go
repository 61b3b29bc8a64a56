package facts

import (
	"strings"
	"sync"

	"github.com/gobwas/glob"
)

// Secrets matches paths against the policy's secret globs (settings.secret_globs):
// a path is secret when it matches an include glob and no exclude glob ("!"
// prefix). Globs use the same syntax and library as Rego's glob.match with "/" as
// the delimiter ("**" crosses directories, "*" does not); "~/" stands for the home
// directory. A nil *Secrets matches nothing.
type Secrets struct {
	globs  []string
	byHome sync.Map // home → *compiledSecrets
}

type compiledSecrets struct {
	include, exclude []*glob.Pattern
	// dirs are the home directories that hold secrets: the first element under
	// the home of every "~/.x/…" include glob (~/.ssh, ~/.aws, ~/.config).
	dirs map[string]bool
}

// NewSecrets prepares globs for matching. Globs that do not compile are skipped
// (the policy's own tests exercise them).
func NewSecrets(globs []string) *Secrets {
	return &Secrets{globs: append([]string(nil), globs...)}
}

func (s *Secrets) compiled(home string) *compiledSecrets {
	if c, ok := s.byHome.Load(home); ok {
		return c.(*compiledSecrets)
	}
	c := &compiledSecrets{dirs: map[string]bool{}}
	for _, g := range s.globs {
		if parts := strings.Split(g, "/"); home != "" && len(parts) >= 3 && parts[0] == "~" && strings.HasPrefix(parts[1], ".") {
			c.dirs[strings.TrimSuffix(home, "/")+"/"+parts[1]] = true
		}
		neg := strings.HasPrefix(g, "!")
		g = strings.TrimPrefix(g, "!")
		if strings.HasPrefix(g, "~/") {
			if home == "" {
				continue
			}
			g = strings.TrimSuffix(home, "/") + g[1:]
		}
		m, err := glob.Compile(g, '/')
		if err != nil {
			continue
		}
		if neg {
			c.exclude = append(c.exclude, m)
		} else {
			c.include = append(c.include, m)
		}
	}
	s.byHome.Store(home, c)
	return c
}

// Match reports whether the absolute path abs is a secret for a user whose home
// directory is home.
func (s *Secrets) Match(abs, home string) bool {
	if s == nil || abs == "" {
		return false
	}
	c := s.compiled(home)
	hit := false
	for _, g := range c.include {
		if g.Match(abs) {
			hit = true
			break
		}
	}
	if !hit {
		return false
	}
	for _, g := range c.exclude {
		if g.Match(abs) {
			return false
		}
	}
	return true
}

// Dir reports whether abs is a directory under the home that holds secrets (the
// first element of a "~/.x/…" secret glob, such as ~/.ssh): reading it whole
// (tar, cp -r, grep -r) reads the secrets in it.
func (s *Secrets) Dir(abs, home string) bool {
	if s == nil || abs == "" {
		return false
	}
	return s.compiled(home).dirs[abs]
}
