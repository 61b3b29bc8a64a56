package wire

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Strings that exercise every escape path: quotes, backslashes, control
// characters, invalid UTF-8, U+2028, astral runes, HTML characters.
var hardStrings = []string{
	"", "plain", `say "hi" \ there`, "tab\tnl\ncr\rbell\a nul\x00 esc\x1b del\x7f",
	"bad \xff\xfe utf8 \xc3", "line\u2028sep\u2029", "emoji 😀 and 中文", "<a>&b</a>",
	"echo a\nrm -rf /", strings.Repeat("x", 5000),
}

func sampleRequests() []Request {
	var rs []Request
	for i, s := range hardStrings {
		rs = append(rs, Request{
			V: Version, Op: OpDecide, Mode: ModeCommand, Text: s, Script: s, Flags: []string{"-c", s},
			Login: i%2 == 0, Interactive: i%3 == 0, Cwd: "/w/" + s, Env: []string{"A=" + s, "B=1"}, PID: 40000 + i,
			ID: int64(i), Wait: i,
			Session: s, Aliases: map[string]string{"ll": "ls -l", s: s, "z": "q"}, Functions: s,
		})
	}
	return append(rs, Request{}, Request{V: Version, Op: OpPing})
}

// What AppendRequest writes decodes as what json.Marshal writes.
func TestAppendRequestMatchesEncodingJSON(t *testing.T) {
	for i, r := range sampleRequests() {
		ours := AppendRequest(nil, &r)
		theirs, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		if err := json.Unmarshal(ours, &a); err != nil {
			t.Fatalf("request %d: AppendRequest wrote invalid JSON: %v\n%s", i, err, ours)
		}
		json.Unmarshal(theirs, &b)
		if d := cmp.Diff(b, a); d != "" {
			t.Errorf("request %d differs from encoding/json (-json +ours):\n%s", i, d)
		}
	}
}

func sampleResponses() []Response {
	var rs []Response
	for i, s := range hardStrings {
		rs = append(rs, Response{
			V: Version, Error: s, Action: "hold", Class: s,
			Reasons: []Reason{{ID: "git.push", Msg: s, Class: "external"}, {ID: s, Msg: ""}},
			Command: s, Harness: s, Defines: i%2 == 0, DecisionID: s, PID: i, PolicyError: s,
			Agent: s, Record: i%2 == 1, RequestID: int64(1) << (i + 20), Wait: 90, Outcome: OutcomeApproved, Note: s,
			Gate: i%2 == 1,
		})
	}
	return append(rs, Response{}, Response{V: Version, Action: "allow", Reasons: []Reason{}})
}

// DecodeResponse reads what json.Marshal writes as json.Unmarshal does.
func TestDecodeResponseMatchesEncodingJSON(t *testing.T) {
	for i, r := range sampleResponses() {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		checkDecode(t, b, i)
	}
	// Hand-written forms: spaces, escapes json.Marshal never writes, nulls,
	// fields this reader skips.
	for i, s := range []string{
		` { "v" : 1 , "action" : "deny" , "reasons" : [ { "id" : "a\/b" , "msg" : "\u00e9\ud83d\ude00 \b\f" , "extra" : {"x":[true,false,null,-1.5e-3]} } ] } `,
		`{"v":1,"command":null,"reasons":null,"unknown":"x","wait":0}`,
		`{"v":1,"note":"lone \ud800 surrogate","outcome":"x\ud83dy"}`,
		`{}`,
	} {
		checkDecode(t, []byte(s), 100+i)
	}
}

func checkDecode(t *testing.T, b []byte, i int) {
	t.Helper()
	var want Response
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("case %d: encoding/json: %v", i, err)
	}
	got, err := DecodeResponse(b)
	if err != nil {
		t.Fatalf("case %d: DecodeResponse: %v\n%s", i, err, b)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("case %d differs from encoding/json (-json +ours):\n%s", i, d)
	}
}

// A malformed answer is an error (gatesh then fails closed), never a response.
func TestDecodeResponseMalformed(t *testing.T) {
	for _, s := range []string{
		``, `{`, `{"v":1`, `{"v":1,}`, `{"v":"1"}`, `{"v":1.5}`, `{"v":01}`, `{"action":allow}`,
		`{"action":"allow"} {"action":"deny"}`, `{"action":"al` + "\n" + `low"}`, `{"action":"\x"}`,
		`{"reasons":[{"id":1}]}`, `{"record":"yes"}`, `{"x":-}`, `{"x":1.}`, `[]`, `"allow"`,
		`{"v":99999999999999999999}`,
	} {
		if r, err := DecodeResponse([]byte(s)); err == nil {
			t.Errorf("DecodeResponse(%q) = %+v, want an error", s, r)
		}
	}
}

// FuzzDecodeResponse: never panics, and wherever both readers accept the input
// (with the field names as the daemon writes them), they agree.
func FuzzDecodeResponse(f *testing.F) {
	for _, r := range sampleResponses() {
		b, _ := json.Marshal(r)
		f.Add(b)
	}
	f.Add([]byte(`{"v":1,"reasons":[{"id":"x","msg":"\ud83d\ude00"}],"note":"\u2028"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := DecodeResponse(b)
		var want Response
		if jerr := json.Unmarshal(b, &want); jerr != nil || err != nil || !strings.Contains(string(b), `"v"`) {
			return
		}
		if strings.ContainsAny(string(b), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			return // encoding/json matches keys regardless of case; the daemon writes them lower-case
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("differs from encoding/json (-json +ours):\n%s\ninput %q", d, b)
		}
	})
}

// FuzzAppendRequest: what AppendRequest writes is valid JSON that decodes as
// json.Marshal's output does.
func FuzzAppendRequest(f *testing.F) {
	for _, s := range hardStrings {
		f.Add(s, s, 1)
	}
	f.Fuzz(func(t *testing.T, text, env string, pid int) {
		r := Request{V: Version, Op: OpDecide, Text: text, Env: []string{env}, PID: pid, Aliases: map[string]string{text: env}}
		var a, b Request
		if err := json.Unmarshal(AppendRequest(nil, &r), &a); err != nil {
			t.Fatalf("invalid JSON for %q: %v", text, err)
		}
		m, _ := json.Marshal(r)
		json.Unmarshal(m, &b)
		if d := cmp.Diff(b, a); d != "" {
			t.Errorf("differs (-json +ours):\n%s", d)
		}
	})
}

func BenchmarkRequestJSON(b *testing.B) {
	r := sampleRequests()[1]
	for b.Loop() {
		json.Marshal(r)
	}
}

func BenchmarkAppendRequest(b *testing.B) {
	r := sampleRequests()[1]
	buf := make([]byte, 0, 4096)
	for b.Loop() {
		AppendRequest(buf[:0], &r)
	}
}
