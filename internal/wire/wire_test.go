package wire

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadLine(t *testing.T) {
	read := func(s string, max int) (string, error) {
		b, err := ReadLine(bufio.NewReaderSize(strings.NewReader(s), 16), max)
		return string(b), err
	}
	if got, err := read("hello\nrest", 10); err != nil || got != "hello" {
		t.Errorf("a short line: %q, %v", got, err)
	}
	// Longer than the reader's buffer, within the limit.
	long := strings.Repeat("x", 100)
	if got, err := read(long+"\n", 100); err != nil || got != long {
		t.Errorf("a line of exactly the limit: %d bytes, %v", len(got), err)
	}
	if _, err := read(long+"x\n", 100); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a line over the limit: %v, want ErrTooLarge", err)
	}
	if _, err := read(strings.Repeat("y", 1000), 100); !errors.Is(err, ErrTooLarge) {
		t.Errorf("an endless line: %v, want ErrTooLarge before reading it all", err)
	}
	if _, err := read("cut sho", 100); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a line cut short: %v, want ErrUnexpectedEOF", err)
	}
	if _, err := read("", 100); !errors.Is(err, io.EOF) {
		t.Errorf("nothing: %v, want EOF (the peer went away)", err)
	}
}
