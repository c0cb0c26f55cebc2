#!/usr/bin/env bash
# Runs the whole test suite: vet and staticcheck, the Go tests with the race
# detector, a short fuzzing pass, each benchmark once (to keep it compiling)
# and the end-to-end suite with the real Contentful and Contentstack npm
# packages, a real Strapi and Debian's chromium, which it installs itself.
set -euo pipefail
cd "$(dirname "$0")"

go vet ./...
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
go test -race -count=1 ./...

# A short fuzzing pass over the parsers that see untrusted input. The
# budgets are counts of inputs, not durations: Go before 1.27 can fail a
# duration-bound run at its deadline with nothing found (go.dev/issue/75804).
for target in FuzzMatch FuzzDerive FuzzContentstackDerive FuzzRender FuzzFilterJSON FuzzValidJSON FuzzCompactValid; do
	go test -run '^$' -fuzz "^${target}\$" -fuzztime 150000x ./events/
done
go test -run '^$' -fuzz '^FuzzServeHTTP$' -fuzztime 30000x ./sandbox/
go test -run '^$' -fuzz '^FuzzFromWrite$' -fuzztime 100000x ./followup/

go test -run '^$' -bench . -benchtime 1x ./... >/dev/null

mkdir -p .build
go build -o .build/caddy ./cmd/caddy
# The activity page's browser test drives Debian's chromium.
if ! command -v chromium >/dev/null; then
	sudo=""
	if [ "$(id -u)" != 0 ]; then
		sudo="sudo"
	fi
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
(
	# The Strapi project behind the custom-profile test. better-sqlite3
	# builds from source when its prebuilt binary cannot be downloaded;
	# Node's own headers are then enough.
	cd e2e/strapi
	if [ -f /usr/include/node/node.h ]; then
		export npm_config_nodedir=/usr
	fi
	npm ci --no-audit --no-fund --loglevel=error
)
(
	cd e2e
	npm ci --no-audit --no-fund --loglevel=error
	CADDY_BIN="$PWD/../.build/caddy" npm test
)
