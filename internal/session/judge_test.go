package session

import (
	"bufio"
	"strings"
	"testing"
)

func TestReadHook(t *testing.T) {
	msg := "G1\x007\x00cont\x00/w d\x00echo 'a b'\x002\x00ll\x00ls -l\x00gp\x00git push\x00"
	h, err := readHook(bufio.NewReader(strings.NewReader(msg)))
	if err != nil {
		t.Fatal(err)
	}
	if h.seq != "7" || h.kind != "cont" || h.cwd != "/w d" || h.line != "echo 'a b'" || len(h.aliases) != 2 || h.aliases["gp"] != "git push" {
		t.Fatalf("got %+v", h)
	}
}

func TestReadHookMalformed(t *testing.T) {
	for _, msg := range []string{
		"",
		"G2\x001\x00new\x00/\x00ls\x000\x00",
		"G1\x001\x00new\x00/\x00ls\x00x\x00",
		"G1\x001\x00new\x00/\x00ls\x00-1\x00",
		"G1\x001\x00new\x00/\x00ls\x001\x00k\x00",
		"G1\x001\x00new",
	} {
		if _, err := readHook(bufio.NewReader(strings.NewReader(msg))); err == nil {
			t.Errorf("%q: no error", msg)
		}
	}
}
