package facts

import "testing"

func TestDetectAgent(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Agent
	}{
		{"nil env", nil, Agent{Name: "unknown"}},
		{"claude", map[string]string{"CLAUDECODE": "1", "CLAUDE_CODE_SESSION_ID": "s1"}, Agent{"claude-code", "s1"}},
		{"claude not 1", map[string]string{"CLAUDECODE": "0"}, Agent{Name: "unknown"}},
		{"codex thread", map[string]string{"CODEX_THREAD_ID": "th"}, Agent{"codex", "th"}},
		{"codex ci", map[string]string{"CODEX_CI": "1"}, Agent{Name: "codex"}},
		{"codex sandbox", map[string]string{"CODEX_SANDBOX_NETWORK_DISABLED": "1"}, Agent{Name: "codex"}},
		{"gemini", map[string]string{"GEMINI_CLI": "1"}, Agent{Name: "gemini-cli"}},
		{"aider", map[string]string{"AIDER_MODEL": "x"}, Agent{Name: "aider"}},
		{"openhands", map[string]string{"OPENHANDS_RUNTIME": "x"}, Agent{Name: "openhands"}},
		{"openhands OH_", map[string]string{"OH_SESSION": "x"}, Agent{Name: "openhands"}},
		{"swe-agent", map[string]string{"SWE_AGENT_CONFIG": "x"}, Agent{Name: "swe-agent"}},
		{"cursor agent", map[string]string{"CURSOR_AGENT": "1"}, Agent{Name: "cursor"}},
		{"cursor trace", map[string]string{"CURSOR_TRACE_ID": "tr"}, Agent{"cursor", "tr"}},
		{"AI_AGENT fallback", map[string]string{"AI_AGENT": " Goose "}, Agent{Name: "goose"}},
		{"claude wins", map[string]string{"CLAUDECODE": "1", "AI_AGENT": "x", "CODEX_CI": "1"}, Agent{Name: "claude-code"}},
		{"unrelated", map[string]string{"PATH": "/bin", "HOME": "/h"}, Agent{Name: "unknown"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DetectAgent(tc.env); got != tc.want {
				t.Errorf("got %+v want %+v", got, tc.want)
			}
		})
	}
}
