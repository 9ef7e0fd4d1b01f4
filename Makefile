# Portavoce. `make run` builds and starts the server on SQLite; `make test`
# installs what the tests need and runs them all.

GO ?= go
BIN := bin/portavoce
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/portavoce/portavoce.Version=$(VERSION)

.PHONY: build run test test-deps bench load

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/portavoce

run: build
	./$(BIN) serve $(ARGS)

# The test command of the README and of CI. With CI=true, PostgreSQL
# (127.0.0.1:5432, database test) and Chromium are required, not skipped.
test: test-deps
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) test -count=1 -timeout 15m ./...

test-deps:
	@scripts/test-deps.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

load: build
	scripts/load.sh
