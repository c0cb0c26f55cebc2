#!/usr/bin/env bash
# Runs the whole test suite: vet and staticcheck, the Go tests with the race
# detector, a short fuzzing pass, each benchmark once (to keep it compiling)
# and the end-to-end suite with the real Contentful npm packages, which it
# installs itself.
set -euo pipefail
cd "$(dirname "$0")"

go vet ./...
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
go test -race -count=1 ./...

# A short fuzzing pass over the parsers that see untrusted input.
for target in FuzzMatch FuzzDerive FuzzRender FuzzFilterJSON; do
	go test -run '^$' -fuzz "^${target}\$" -fuzztime 5s ./events/
done
go test -run '^$' -fuzz '^FuzzServeHTTP$' -fuzztime 5s ./sandbox/
go test -run '^$' -fuzz '^FuzzFromWrite$' -fuzztime 5s ./followup/

go test -run '^$' -bench . -benchtime 1x ./... >/dev/null

mkdir -p .build
go build -o .build/caddy ./cmd/caddy
(
	cd e2e
	npm ci --no-audit --no-fund --loglevel=error
	CADDY_BIN="$PWD/../.build/caddy" npm test
)
