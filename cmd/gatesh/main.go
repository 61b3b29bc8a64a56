// Command gatesh is the shell an AI agent is given. It will ask the gatesh daemon
// whether each command line may run and then hand it to the real bash (see
// DESIGN.md); until the daemon exists it refuses to run anything, failing closed.
package main

import (
	"fmt"
	"os"
)

func main() {
	for _, a := range os.Args[1:] {
		if a == "--version" {
			fmt.Println("gatesh (decision core only; the shell is not built yet)")
			return
		}
	}
	fmt.Fprintln(os.Stderr, "gatesh: the gated shell is not built yet, so nothing was run; judge a command line with: gatectl check -- 'CMD'")
	os.Exit(126)
}
