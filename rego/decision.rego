# METADATA
# title: Decision combiner
# description: >-
#   Combines the deny and hold sets of every rule package under data.gatesh.rules
#   into data.gatesh.decision: drops waived reasons (data.gatesh.waivers), applies
#   settings.class_action, and returns the strictest action with its reasons sorted.
#   A package is evaluated only for lines that run one of its names, name_prefixes
#   or features. The decision is always defined: the engine treats an undefined
#   decision as a deny.
package gatesh

import rego.v1

import data.gatesh.config
import data.gatesh.lib.cmds

actions := ["deny", "hold", "allow"]

# strictness rank: lower is stricter
rank := {"deny": 0, "hold": 1, "allow": 2}

# class priority among reasons of the same action: lower wins
class_priority := {
	"tamper": 0, "secret": 1, "privileged": 2, "external": 3, "destructive": 4,
	"opaque": 5, "reversible": 6, "read-only": 7,
}

# The rule packages to evaluate. A package that declares `names` (the command
# names its rules judge), `name_prefixes` or `features` (input.features, computed
# by the input builder: redirect, env, code, opaque, parse_error, lookalike,
# secret) is evaluated only for lines that run such a command or have such a
# feature, so a line is not charged for every rule of every area; a package
# without them is always evaluated. The engine reads every package's guards once
# at load into data.gatesh_meta; without that index (unit tests that mock
# data.gatesh.rules) every package is evaluated.
_active contains p if {
	data.gatesh_meta.guards
	some p in data.gatesh_meta.always
}

_active contains p if {
	data.gatesh_meta.guards
	some c in input.commands
	some p in data.gatesh_meta.by_name[c.name]
}

_active contains p if {
	data.gatesh_meta.guards
	some c in input.commands
	some pre, ps in data.gatesh_meta.by_prefix
	startswith(c.name, pre)
	some p in ps
}

_active contains p if {
	data.gatesh_meta.guards
	some f in input.features
	some p in data.gatesh_meta.by_feature[f]
}

_active contains p if {
	not data.gatesh_meta.guards
	some p, _ in data.gatesh.rules
}

# every reason a rule package raised, with the action it asked for
raised contains {"action": "deny", "r": r} if {
	some p in _active
	some r in data.gatesh.rules[p].deny
}

raised contains {"action": "hold", "r": r} if {
	some p in _active
	some r in data.gatesh.rules[p].hold
}

# waivers: {"id": X} waives X for the line, {"id": X, "cmd": i} for command i
waived(r) if {
	some w
	data.gatesh.waivers[_].waive[w]
	w.id == r.id
	not "cmd" in object.keys(w)
}

waived(r) if {
	some w
	data.gatesh.waivers[_].waive[w]
	w.id == r.id
	w.cmd == r.cmd
}

# the action a reason ends with, after settings.class_action. An override may
# tighten a deny-free reason or relax a hold; it never weakens a deny (waive the
# rule by id for that).
effective(x) := a if {
	x.action == "hold"
	a := config.settings.class_action[x.r.class]
	a in actions
} else := "deny" if {
	x.action == "deny"
} else := "deny" if {
	config.settings.class_action[x.r.class] == "deny"
} else := x.action

kept contains {"action": a, "r": x.r} if {
	some x in raised
	not waived(x.r)
	a := effective(x)
	a != "allow"
}

default action := "allow"

action := "deny" if {
	some k in kept
	k.action == "deny"
}

action := "hold" if {
	not _any_deny
	some k in kept
	k.action == "hold"
}

_any_deny if {
	some k in kept
	k.action == "deny"
}

# reasons sorted by strictness, then id, then command index
_keyed := sort([[rank[k.action], object.get(k.r, "id", "unnamed"), object.get(k.r, "cmd", -1), object.get(k.r, "msg", ""), object.get(k.r, "class", "opaque"), k.action] | some k in kept])

reasons := [_reason(t) | some t in _keyed]

_reason(t) := {"id": t[1], "msg": t[3], "class": t[4], "cmd": t[2]} if t[2] >= 0

_reason(t) := {"id": t[1], "msg": t[3], "class": t[4]} if t[2] < 0

# class of a held or denied line: the class of its strictest reason, ties broken
# by class priority (tamper > secret > privileged > external > destructive > opaque)
_strict_classes := {object.get(k.r, "class", "opaque") | some k in kept; k.action == action}

_top_classes contains c if {
	best := min({object.get(class_priority, cl, 99) | some cl in _strict_classes})
	some c in _strict_classes
	object.get(class_priority, c, 99) == best
}

default class := "reversible"

class := c if {
	action != "allow"
	c := min(_top_classes)
}

class := "read-only" if {
	action == "allow"
	every c in input.commands {
		cmds.read_only(c)
	}
}

# Most lines raise nothing: answer those without sorting or ranking anything.
decision := {"action": "allow", "class": _allow_class, "reasons": []} if {
	count(kept) == 0
} else := {"action": action, "class": class, "reasons": reasons}

_allow_class := "read-only" if {
	every c in input.commands {
		cmds.read_only(c)
	}
} else := "reversible"
