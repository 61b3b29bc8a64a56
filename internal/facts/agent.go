package facts

import "strings"

// Agent is the "agent" object of the policy input.
type Agent struct {
	// Name is one of "claude-code", "codex", "gemini-cli", "aider", "openhands",
	// "swe-agent", "cursor", a lower-cased AI_AGENT value, or "unknown".
	Name string `json:"name"`
	// Session identifies the agent's session when the agent says so ("" otherwise).
	Session string `json:"session"`
}

// DetectAgent names the coding agent from the environment of the shell it runs.
// The first match wins, in this order: CLAUDECODE=1 (claude-code, session
// CLAUDE_CODE_SESSION_ID); CODEX_THREAD_ID, CODEX_CI or CODEX_SANDBOX* (codex,
// session CODEX_THREAD_ID); GEMINI_CLI=1 (gemini-cli); AIDER_* (aider);
// OPENHANDS* or OH_* (openhands); SWE_AGENT* (swe-agent); CURSOR_AGENT or
// CURSOR_TRACE_ID (cursor, session CURSOR_TRACE_ID); then AI_AGENT=<name>; else
// "unknown".
func DetectAgent(env map[string]string) Agent {
	if env["CLAUDECODE"] == "1" {
		return Agent{Name: "claude-code", Session: env["CLAUDE_CODE_SESSION_ID"]}
	}
	_, thread := env["CODEX_THREAD_ID"]
	_, ci := env["CODEX_CI"]
	if thread || ci || hasPrefixKey(env, "CODEX_SANDBOX") {
		return Agent{Name: "codex", Session: env["CODEX_THREAD_ID"]}
	}
	if env["GEMINI_CLI"] == "1" {
		return Agent{Name: "gemini-cli"}
	}
	if hasPrefixKey(env, "AIDER_") {
		return Agent{Name: "aider"}
	}
	if hasPrefixKey(env, "OPENHANDS") || hasPrefixKey(env, "OH_") {
		return Agent{Name: "openhands"}
	}
	if hasPrefixKey(env, "SWE_AGENT") {
		return Agent{Name: "swe-agent"}
	}
	_, ca := env["CURSOR_AGENT"]
	tr, ct := env["CURSOR_TRACE_ID"]
	if ca || ct {
		return Agent{Name: "cursor", Session: tr}
	}
	if n := strings.ToLower(strings.TrimSpace(env["AI_AGENT"])); n != "" {
		return Agent{Name: n}
	}
	return Agent{Name: "unknown"}
}

func hasPrefixKey(env map[string]string, prefix string) bool {
	for k := range env {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}
