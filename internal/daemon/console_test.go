package daemon

import (
	"bufio"
	"encoding/json"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/gatesh/gatesh/internal/console"
	"github.com/gatesh/gatesh/internal/wire"
)

// rawLine sends one raw line on sock and returns the one line answered.
func rawLine(t *testing.T, sock, line string) string {
	t.Helper()
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte(line + "\n"))
	out, err := wire.ReadLine(bufio.NewReader(conn), console.MaxMessage)
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return string(out)
}

// The two protocols part: the agent's socket never reads a person's
// operation, and the console reads nothing else. An approve sent where the
// agent speaks is an unknown operation and leaves the request pending; the
// console is closed to others even when the agent's socket is open to an
// agent uid.
func TestTwoProtocols(t *testing.T) {
	d := testDirs(t)
	start(t, d, func(c *Config) { c.AgentUID = 65534 })
	held := ask(t, d, decideReq("git push origin main", t.TempDir()))
	if held.Action != wire.ActionHold || held.RequestID == 0 {
		t.Fatalf("the push was not held as a request: %+v", held)
	}
	id := held.RequestID
	agentSock, consoleSock := wire.Socket(d.Runtime), console.Socket(d.Runtime)

	for _, op := range []string{"approve", "deny", "revoke", "list", "grants", "show"} {
		out := rawLine(t, agentSock, `{"v":1,"op":"`+op+`","id":`+itoa(id)+`,"grant":"1h"}`)
		var resp wire.Response
		if json.Unmarshal([]byte(out), &resp) != nil || !strings.Contains(resp.Error, "unknown operation") {
			t.Errorf("%s on the agent's socket: %s", op, out)
		}
	}
	for _, op := range []string{"decide", "wait", "session", "ping"} {
		out := rawLine(t, consoleSock, `{"v":1,"op":"`+op+`","mode":"command","text":"true","cwd":"/"}`)
		if !strings.Contains(out, `unknown operation`) {
			t.Errorf("%s on the console: %s", op, out)
		}
	}
	if out := rawLine(t, consoleSock, `{"v":99,"op":"list"}`); !strings.Contains(out, "different builds") {
		t.Errorf("another console version: %s", out)
	}
	if out := rawLine(t, consoleSock, `{"v":1,"op":`); !strings.Contains(out, "malformed request") {
		t.Errorf("a broken console request: %s", out)
	}

	var list console.Response
	if err := json.Unmarshal([]byte(rawLine(t, consoleSock, `{"v":1,"op":"list"}`)), &list); err != nil || list.Error != "" {
		t.Fatalf("list on the console: %v %+v", err, list)
	}
	if len(list.Requests) != 1 || list.Requests[0].ID != id || list.Requests[0].Status != "pending" {
		t.Fatalf("after the agent's tries the request is %+v, want it pending", list.Requests)
	}

	for sock, want := range map[string]os.FileMode{agentSock: 0o666, consoleSock: 0o600} {
		fi, err := os.Stat(sock)
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %04o", sock, fi.Mode().Perm(), err, want)
		}
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
