# gatesh — a policy-enforcing shell for AI coding agents.
GO      ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN     := bin

.PHONY: all build run test test-go test-rego vet bench fuzz clean

all: build

build: $(BIN)/gatesh $(BIN)/gatectl

# Both are linked statically (no cgo): a dynamically linked Go binary spends
# about 0.8 ms more starting, and gatesh starts once per agent command (gatectl
# once per approval). SQLite is pure Go.
$(BIN)/gatesh: FORCE
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $@ ./cmd/gatesh

$(BIN)/gatectl: FORCE
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $@ ./cmd/gatectl

FORCE:

# make run: build both binaries and start a gated shell on the embedded defaults.
run: build
	@./scripts/run.sh

# make test: vet, every Go test under the race detector, and the Rego unit tests of
# the default policies with their coverage (must stay >= 90%).
test: vet test-go test-rego

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

test-go:
	$(GO) test -race -count=1 ./...

test-rego: $(BIN)/gatectl
	./$(BIN)/gatectl test --min-coverage 90 "$$(mktemp -d)"

# make bench: decision latency, allocations, compile time, the real-agent
# workload report (held share of benign lines, allowed share of irreversible
# ones), gatesh against bash (paired wall ratios, cold start, throughput), and
# approval-to-run latency, one request at a time and 50 queued at once; the
# exec gate's cost per exec, an exec storm and an exec-heavy build, gated
# against bare.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./internal/...
	GATESH_WORKLOAD_REPORT=1 $(GO) test -run '^TestWorkloadReport$$' -count=1 -v ./internal/judge
	GATESH_SHELL_BENCH=1 $(GO) test -run '^TestShellBench$$' -count=1 -v ./cmd/gatesh
	GATESH_APPROVAL_BENCH=1 $(GO) test -run 'TestApprovalBench' -count=1 -v ./test/e2e
	GATESH_SESSION_BENCH=1 $(GO) test -run '^TestSessionBench$$' -count=1 -v ./test/e2e
	GATESH_LAYERS_BENCH=1 $(GO) test -run '^TestLayersBench$$' -count=1 -v ./test/e2e

fuzz:
	$(GO) test -run '^$$' -fuzz=FuzzParse -fuzztime=60s ./internal/shellparse

clean:
	rm -rf $(BIN)
