#!/usr/bin/env bash
# Measures the gateway side by side with a plain reverse_proxy and writes
# bench/RESULTS.md. Needs only Go: it builds caddy from this checkout and the
# bench tools, then runs bench/cmd/bench, passing it any flags:
#
#   bench/run.sh              # the default run, about 6 minutes
#   bench/run.sh -rss-1m      # also 1,000,000 queued deliveries (several minutes more)
#   bench/run.sh -pprof       # also profile caddy in one extra PLUGIN run per row
#   bench/run.sh -soak 10m    # also a memory soak: 1,000 writes/s with delivery
#                             # running for 10 minutes, caddy sampled every 10 s
#   bench/run.sh -rows drain,gets
#                             # only these rows (held, held-nats, held3, delivering,
#                             # delivering-nats, one, gets, latency, drain,
#                             # rss-1m, soak)
#   bench/run.sh -out FILE    # write the results to FILE (relative to the checkout)
#                             # instead of bench/RESULTS.md
#
# Databases, NATS servers' data and logs go to a temporary directory
# ($TMPDIR), which is where the fsync latency is measured too. The *-nats
# rows run their NATS servers in bench/cmd/nats, a process of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

build=$(mktemp -d "${TMPDIR:-/tmp}/cms-events-bench-build-XXXXXX")
trap 'rm -rf "$build"' EXIT

go build -o "$build/caddy" ./cmd/caddy
for tool in upstream receiver nats load fsync bench; do
	go build -o "$build/$tool" "./bench/cmd/$tool"
done

# What the results were measured on: the commit, and whether the tree
# differs from it (the results file itself aside).
revision=$(git rev-parse --short HEAD 2>/dev/null || echo "not a git checkout")
if [ -n "$(GIT_OPTIONAL_LOCKS=0 git status --porcelain -- . ':!bench/RESULTS.md' 2>/dev/null)" ]; then
	revision="$revision with uncommitted changes"
fi

# The flags given to this script come last, so a -out among them wins.
BENCH_INVOCATION="bench/run.sh${*:+ $*}" BENCH_SOURCE="$revision" "$build/bench" \
	-caddy "$build/caddy" -tools "$build" -out bench/RESULTS.md "$@"
