// Package workload reads testdata/workload.tsv: the command lines real AI agents
// sent their shell, each with how often it was seen, its label and the agents
// that sent it (see testdata/workload.README.md). The parser, decision, daemon
// and shell tests and benchmarks all measure on it, so they read it alike.
package workload

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// Line is one workload line.
type Line struct {
	Count   int      // how often it was sent
	Class   string   // benign or irreversible
	Sources []string // the agents that sent it
	Command string   // the command line, newlines restored
}

// Read reads a workload file. Newlines inside a command are written as the two
// characters \n and come back as newlines.
func Read(path string) ([]Line, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Line
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		fields := strings.SplitN(sc.Text(), "\t", 4)
		if len(fields) != 4 {
			continue
		}
		n, _ := strconv.Atoi(fields[0])
		out = append(out, Line{Count: n, Class: fields[1], Sources: strings.Split(fields[2], ","),
			Command: strings.ReplaceAll(fields[3], `\n`, "\n")})
	}
	return out, sc.Err()
}
