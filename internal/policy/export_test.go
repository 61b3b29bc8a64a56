package policy

// HoldCompile makes the next warm starts compile only once release is called.
func HoldCompile() (release func()) {
	ch := make(chan struct{})
	compileGate = ch
	return func() { compileGate = nil; close(ch) }
}
