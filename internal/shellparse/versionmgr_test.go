package shellparse

import "testing"

// A version manager's exec runs the program it is given: the line judge sees
// that program, as it sees the one env or bundle exec runs (issue 9: once the
// managers' own scripts are trusted as the machine's tools, `pyenv exec git
// push` must not pass as "pyenv").
var versionManagerCases = []tcase{
	{line: `pyenv exec git push --force`, cmds: []want{{name: "pyenv"}, {name: "git", argv: []string{"git", "push", "--force"}, via: "wrapper"}}},
	{line: `rbenv exec bundle exec rake db:drop`, cmds: []want{{name: "rbenv"}, {name: "bundle", via: "wrapper"}, {name: "rake", via: "wrapper,wrapper"}}},
	{line: `nodenv exec npm publish`, cmds: []want{{name: "nodenv"}, {name: "npm", argv: []string{"npm", "publish"}, via: "wrapper"}}},
	{line: `goenv exec go run .`, cmds: []want{{name: "goenv"}, {name: "go", via: "wrapper"}}},
	{line: `/home/u/.pyenv/libexec/pyenv-exec git push`, cmds: []want{{name: "pyenv-exec"}, {name: "git", argv: []string{"git", "push"}, via: "wrapper"}}},
	{line: `NODE_VERSION=18 ~/.nvm/nvm-exec git push`, cmds: []want{{name: "nvm-exec"}, {name: "git", via: "wrapper"}}},
	{line: `nvm exec 18 git push`, cmds: []want{{name: "nvm"}, {name: "git", argv: []string{"git", "push"}, via: "wrapper"}}},
	{line: `nvm exec --silent lts/iron git push`, cmds: []want{{name: "nvm"}, {name: "git", argv: []string{"git", "push"}, via: "wrapper"}}},
	{line: `nvm exec git push`, cmds: []want{{name: "nvm"}, {name: "git", argv: []string{"git", "push"}, via: "wrapper"}}},
	{line: `pyenv version`, count: 1},
	{line: `nvm use 18`, count: 1},
}

func TestParseVersionManagers(t *testing.T) {
	for _, tc := range versionManagerCases {
		t.Run(tc.line, func(t *testing.T) { runCase(t, tc) })
	}
}
