package facts

import "strings"

// Push is the "git.push" object of the policy input.
type Push struct {
	// Remote is the remote name or URL ("" when implicit).
	Remote string `json:"remote"`
	// Refspecs lists what is pushed; an implicit push names the current branch.
	Refspecs []Refspec `json:"refspecs"`
	// Force: -f, --force, --force=…, or any "+" refspec.
	Force bool `json:"force"`
	// ForceWithLease: --force-with-lease[=…] or --force-if-includes.
	ForceWithLease bool `json:"force_with_lease"`
	// Delete: -d/--delete or a ":dst" refspec.
	Delete bool `json:"delete"`
	Mirror bool `json:"mirror"`
	// All: --all or --branches.
	All    bool `json:"all"`
	Tags   bool `json:"tags"`
	Prune  bool `json:"prune"`
	DryRun bool `json:"dry_run"`
	// Branches lists every destination branch named (deduplicated; tags and other
	// refs/… destinations excluded); for an implicit push, the current branch.
	Branches []string `json:"branches"`
}

// Refspec is one pushed reference.
type Refspec struct {
	// Src is the local side ("" for a deletion).
	Src string `json:"src"`
	// Dst is the remote side with "refs/heads/" removed ("refs/tags/v1" for tags).
	Dst string `json:"dst"`
	// Force: a "+" refspec, or the whole push is forced (-f/--force).
	Force bool `json:"force"`
	// Delete: ":dst" or --delete.
	Delete bool `json:"delete"`
}

// pushLong lists git push's long options, for resolving abbreviations as git's
// option parser does ("--mir" is "--mirror").
var pushLong = []string{
	"force", "force-with-lease", "force-if-includes", "delete", "mirror", "all",
	"branches", "tags", "prune", "dry-run", "set-upstream", "no-verify", "verify",
	"signed", "atomic", "quiet", "verbose", "progress", "porcelain", "follow-tags",
	"thin", "ipv4", "ipv6", "repo", "push-option", "receive-pack", "exec",
	"recurse-submodules",
}

// pushLongNames returns the long options name stands for: itself when it is one,
// else every option it abbreviates (several when ambiguous: git would refuse, and
// reporting them all errs on the safe side).
func pushLongNames(name string) []string {
	for _, l := range pushLong {
		if l == name {
			return []string{l}
		}
	}
	if strings.HasPrefix(name, "no-") || name == "" {
		return nil
	}
	var c []string
	for _, l := range pushLong {
		if strings.HasPrefix(l, name) {
			c = append(c, l)
		}
	}
	return c
}

// decodePush decodes a push's options and refspecs. r is the repository pushed
// from (when haveRepo), used to tell a tag named alone from a branch.
func decodePush(sc scanned, g *Git, r repo, haveRepo bool) *Push {
	p := &Push{Refspecs: []Refspec{}, Branches: []string{}}
	repoOpt := ""
	for _, o := range sc.opts {
		names := []string{o.name}
		if o.long {
			names = pushLongNames(o.name)
		}
		for _, n := range names {
			switch n {
			case "f", "force":
				p.Force = true
			case "force-with-lease", "force-if-includes":
				p.ForceWithLease = true
			case "d", "delete":
				p.Delete = true
			case "mirror":
				p.Mirror = true
			case "all", "branches":
				p.All = true
			case "tags":
				p.Tags = true
			case "prune":
				p.Prune = true
			case "n", "dry-run":
				p.DryRun = true
			case "repo":
				if o.hasVal {
					repoOpt = o.val
				}
			}
		}
	}
	words := make([]string, 0, len(sc.positionals)+len(sc.pathspecs))
	words = append(words, sc.positionals...)
	words = append(words, sc.pathspecs...)
	if len(words) > 0 {
		p.Remote = words[0]
		words = words[1:]
	} else {
		p.Remote = repoOpt
	}
	byDelete := p.Delete
	p.Refspecs = parseRefspecs(p.Refspecs, words, p.Delete, p.Force, g.Branch)
	if haveRepo && !p.Delete {
		// "git push origin v1" pushes the tag when refs/tags/v1 exists (tags come
		// before branches in git's lookup order).
		pk := &packed{dir: r.commonDir}
		for i, rs := range p.Refspecs {
			if rs.Src != "" && rs.Src == rs.Dst && plainRefName(rs.Src) && !strings.HasPrefix(rs.Src, "refs/") &&
				refResolves(r, pk, "refs/tags/"+rs.Src, 0) {
				p.Refspecs[i].Src = "refs/tags/" + rs.Src
				p.Refspecs[i].Dst = "refs/tags/" + rs.Src
			}
		}
	}
	for _, r := range p.Refspecs {
		if r.Force {
			p.Force = true
		}
		if r.Delete {
			p.Delete = true
		}
	}
	if len(p.Refspecs) == 0 && !p.Mirror && !p.All && !p.Tags && !byDelete && g.Branch != "" {
		p.Refspecs = append(p.Refspecs, Refspec{Src: g.Branch, Dst: g.Branch, Force: p.Force})
	}
	for _, r := range p.Refspecs {
		if r.Dst == "" || r.Dst == "HEAD" || strings.HasPrefix(r.Dst, "refs/") {
			continue
		}
		dup := false
		for _, b := range p.Branches {
			if b == r.Dst {
				dup = true
				break
			}
		}
		if !dup {
			p.Branches = append(p.Branches, r.Dst)
		}
	}
	return p
}

// parseRefspecs decodes push refspec words, appending to out. del is --delete;
// force is -f/--force; branch is the current branch ("HEAD" alone pushes it).
func parseRefspecs(out []Refspec, words []string, del, force bool, branch string) []Refspec {
	for k := 0; k < len(words); k++ {
		w := words[k]
		if w == "tag" && k+1 < len(words) {
			k++
			t := "refs/tags/" + words[k]
			if del {
				out = append(out, Refspec{Dst: t, Delete: true})
			} else {
				out = append(out, Refspec{Src: t, Dst: t, Force: force})
			}
			continue
		}
		if del {
			out = append(out, Refspec{Dst: normDst(strings.TrimPrefix(w, "+"), branch), Delete: true})
			continue
		}
		r := Refspec{Force: force}
		if strings.HasPrefix(w, "+") {
			w = w[1:]
			r.Force = true
		}
		if c := strings.LastIndexByte(w, ':'); c >= 0 {
			r.Src, r.Dst = w[:c], w[c+1:]
			switch {
			case r.Src == "" && r.Dst != "":
				r.Delete = true
			case r.Dst == "":
				// ":" alone pushes matching branches; "src:" names src.
				r.Dst = r.Src
			}
		} else {
			r.Src, r.Dst = w, w
		}
		r.Dst = normDst(r.Dst, branch)
		out = append(out, r)
	}
	return out
}

// normDst removes "refs/heads/" and turns "HEAD"/"@" into the current branch.
func normDst(d, branch string) string {
	if d == "HEAD" || d == "@" {
		if branch != "" {
			return branch
		}
		return "HEAD"
	}
	return strings.TrimPrefix(d, "refs/heads/")
}
