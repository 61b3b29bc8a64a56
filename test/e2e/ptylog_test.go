package e2e

import (
	"io"
	"sync"
)

// ptyLog collects everything a program writes to its pseudo-terminal, for the
// tests that drive one: out grows as it is read, grew is signalled after each
// read, readDone is closed when the terminal reads end-of-file or an error.
type ptyLog struct {
	mu       sync.Mutex
	out      []byte
	grew     chan struct{}
	readDone chan struct{}
}

func newPTYLog() ptyLog {
	return ptyLog{grew: make(chan struct{}, 1), readDone: make(chan struct{})}
}

// collect reads r until it ends. onRead, when set, sees each read first (to
// answer a terminal query, say).
func (l *ptyLog) collect(r io.Reader, onRead func([]byte)) {
	defer close(l.readDone)
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if onRead != nil {
				onRead(buf[:n])
			}
			l.mu.Lock()
			l.out = append(l.out, buf[:n]...)
			l.mu.Unlock()
			select {
			case l.grew <- struct{}{}:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}
