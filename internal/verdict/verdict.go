// Package verdict names what every layer of the gate says about a command: its
// action, and the reasons for it. The policy produces them, the daemon sends them
// over the wire, the decision log keeps them, and the agent's shell acts on them,
// so there is one spelling of each. Standard library only: gatesh imports it.
package verdict

// Actions, from least to most strict. Policy answers with the first three; More
// is the daemon's answer to a session line that is not a complete command yet
// (an open loop, quote or here-document): bash reads on, and the whole is judged
// when it is complete.
const (
	Allow = "allow"
	Hold  = "hold"
	Deny  = "deny"
	More  = "more"
)

// Reason is one rule's finding.
type Reason struct {
	ID    string `json:"id"`
	Msg   string `json:"msg"`
	Class string `json:"class,omitempty"`
	// Cmd is the index in input.commands of the command the rule is about, if
	// any: the policy's own detail, which gatectl check shows. The daemon's
	// answer leaves it out (the agent has no input document to index).
	Cmd *int `json:"cmd,omitempty"`
}
