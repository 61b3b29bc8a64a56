package jsonstr

import (
	"encoding/json"
	"testing"
)

// What Append writes decodes to what json.Marshal's output decodes to, for
// strings and byte slices alike.
func FuzzAppend(f *testing.F) {
	for _, s := range []string{"", "plain", `q"b\`, "\x00\x1f\t\n\r\x7f", "bad \xff\xc3", "\u2028\u2029", "😀 中文", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		var w string
		json.Unmarshal(want, &w)
		for _, got := range [][]byte{Append(nil, s), Append(nil, []byte(s))} {
			var g string
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatalf("Append(%q) wrote invalid JSON %q: %v", s, got, err)
			}
			if g != w {
				t.Fatalf("Append(%q) decodes to %q, encoding/json's to %q", s, g, w)
			}
		}
	})
}
