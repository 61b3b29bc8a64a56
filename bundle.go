// Package gatesh holds the embedded default policy bundle: the rules in policies/
// and the Rego library, decision combiner and schemas in rego/.
package gatesh

import "embed"

// Bundle is the default policy bundle shipped inside the binaries. Its top-level
// directories are "policies" (rules, each x.rego with its x_test.rego) and "rego"
// (library, combiner, schemas).
//
//go:embed policies rego
var Bundle embed.FS
