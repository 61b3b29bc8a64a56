//go:build linux && !amd64 && !arm64

package execgate

// nativeArch is zero where the filter has not been written for the architecture:
// Supported reports it and Install refuses.
const nativeArch = 0

const x32Bit = 0
