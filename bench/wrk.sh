#!/usr/bin/env bash
# Measures the "writes at 64 connections, receiver holding the calls" row of
# bench/run.sh with wrk instead of bench/cmd/load: PUTs of unique ids with a
# 1 KB JSON body and the load tool's headers, `wrk -t2 -c64 -d10s --latency`,
# in alternating runs PLAIN, PLUGIN, PLAIN, … (three pairs), each against a
# freshly started caddy. PLAIN is a plain reverse_proxy; PLUGIN is cms_events
# (Badger, `durability sync`, one signed webhook) with the receiver holding
# every call, so each write costs exactly its enqueue. The Caddyfiles are
# those of bench/cmd/bench. Needs Go and wrk.
#
#   bench/wrk.sh                      # 3 pairs of 10 s runs
#   WARMUP=1s bench/wrk.sh            # first an unmeasured wrk run of 1 s on each caddy
#   DURATION=5s PAIRS=2 bench/wrk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s} WARMUP=${WARMUP:-0} PAIRS=${PAIRS:-3}
command -v wrk >/dev/null || { echo "wrk.sh: needs wrk (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/cms-events-wrk-XXXXXX")
pids=()
cleanup() {
	[ ${#pids[@]} -eq 0 ] || stop "${pids[@]}"
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/caddy" ./cmd/caddy
for tool in upstream receiver; do go build -o "$work/$tool" "./bench/cmd/$tool"; done

# start NAME CMD…: runs a tool that prints its address first; sets $addr, $pid.
start() {
	local name=$1; shift
	"$@" >"$work/$name.out" 2>"$work/$name.log" &
	pid=$!
	pids+=($pid)
	for _ in $(seq 100); do
		addr=$(head -n1 "$work/$name.out" 2>/dev/null || true)
		[ -n "$addr" ] && return
		sleep 0.05
	done
	echo "wrk.sh: $name did not start" >&2; exit 1
}
# stop PID…: stops processes this script started.
stop() {
	kill "$@" 2>/dev/null || true
	wait "$@" 2>/dev/null || true
	local keep=() p q
	for p in "${pids[@]}"; do
		for q in "$@"; do [ "$p" = "$q" ] && continue 2; done
		keep+=("$p")
	done
	pids=("${keep[@]}")
}
# free_port: a loopback port nothing listens on.
free_port() {
	local p
	while p=$((20000 + RANDOM % 40000)); (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do :; done
	echo "$p"
}

start upstream "$work/upstream"
upstream=$addr

# The PUT of unique ids: each wrk thread numbers its own requests.
cat >"$work/put.lua" <<'EOF'
local head, tail = '{"fields":{"title":{"en-US":"Benchmark entry"},"body":{"en-US":"', '"}}}'
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
function init(args)
	prefix, n = args[1] .. "-" .. tid .. "-", 0
	wrk.method = "PUT"
	wrk.body = head .. string.rep("x", 1024 - #head - #tail) .. tail
	wrk.headers["Authorization"] = "Bearer bench"
	wrk.headers["Content-Type"] = "application/vnd.contentful.management.v1+json"
	wrk.headers["X-Contentful-Content-Type"] = "post"
end
function request()
	n = n + 1
	return wrk.format(nil, "/spaces/bench/environments/master/entries/" .. prefix .. n)
end
EOF

# caddyfile SIDE ADMIN PORT RECEIVER DIR: the Caddyfile of bench/cmd/bench.
caddyfile() {
	local side=$1 admin=$2 port=$3 hook=$4 dir=$5
	echo "{"
	echo "	admin localhost:$admin"
	echo "	auto_https off"
	echo "	default_bind 127.0.0.1"
	echo "	persist_config off"
	[ "$side" = PLUGIN ] && printf '\tcms_events {\n\t\tstorage_dir %s\n\t\tworkers 16\n\t}\n' "$dir/queue"
	echo "}"
	echo
	echo "http://:$port {"
	[ "$side" = PLUGIN ] && printf '\tcms_events {\n\t\tsigning_secret %s\n\t\twebhook bench http://%s/hook {\n\t\t\ttopics Entry.*\n\t\t\tretry 3 1s\n\t\t\ttimeout 1h\n\t\t}\n\t}\n' \
		"$(printf 'bench-signing-key-%.0s' 1 2 3 4 | cut -c1-64)" "$hook"
	echo "	reverse_proxy $upstream"
	echo "}"
}

# ms VALUE: wrk's "1.23ms", "456.78us" or "1.02s" in milliseconds.
ms() { awk -v v="$1" 'BEGIN { u = v; sub(/^[0-9.]+/, "", u); n = v + 0
	printf "%.2f", (u == "us" ? n / 1000 : u == "s" ? n * 1000 : n) }'; }

# run SIDE I: one measured run; appends "SIDE rps p50 p99" to results.
run() {
	local side=$1 i=$2 dir="$work/$1-$2" admin port
	mkdir -p "$dir"
	start "receiver-$side-$i" "$work/receiver" -closed
	local rcv=$addr receiver=$pid
	admin=$(free_port) port=$(free_port)
	caddyfile "$side" "$admin" "$port" "$rcv" "$dir" >"$dir/Caddyfile"
	XDG_DATA_HOME="$dir/data" XDG_CONFIG_HOME="$dir/config" \
		"$work/caddy" run --config "$dir/Caddyfile" --adapter caddyfile >"$dir/caddy.log" 2>&1 &
	local caddy=$!
	pids+=($caddy)
	for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
	if [ "$WARMUP" != 0 ]; then
		wrk -t2 -c64 -d"$WARMUP" -s "$work/put.lua" "http://127.0.0.1:$port" -- "w$i-$side" >/dev/null
	fi
	wrk -t2 -c64 -d"$DURATION" --latency -s "$work/put.lua" "http://127.0.0.1:$port" -- "$i-$side" >"$dir/wrk.txt"
	local rps p50 p99 bad
	rps=$(awk '/^Requests\/sec/ { print $2 }' "$dir/wrk.txt")
	p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$dir/wrk.txt")")
	p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$dir/wrk.txt")")
	bad=$(awk '/Non-2xx|Socket errors/' "$dir/wrk.txt")
	printf '%-6s run %d  %9s req/s  p50 %6s ms  p99 %6s ms  %s\n' "$side" "$i" "$rps" "$p50" "$p99" "$bad"
	echo "$side $rps $p50 $p99" >>"$work/results"
	curl -s -X POST "http://$rcv/_open" >/dev/null # let held calls go, so caddy stops at once
	stop "$caddy" "$receiver"
}

echo "wrk -t2 -c64 -d$DURATION --latency, warmup $WARMUP, $PAIRS pairs; PLUGIN: receiver holding the calls"
for i in $(seq "$PAIRS"); do
	run PLAIN "$i"
	run PLUGIN "$i"
done

# Ratios of the medians over the runs, PLUGIN / PLAIN.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
for col in 2:req/s 3:p50 4:p99; do
	c=${col%%:*}
	a=$(awk -v c="$c" '$1 == "PLAIN" { print $c }' "$work/results" | median)
	b=$(awk -v c="$c" '$1 == "PLUGIN" { print $c }' "$work/results" | median)
	awk -v n="${col#*:}" -v a="$a" -v b="$b" 'BEGIN { printf "%-6s median PLAIN %9.2f  PLUGIN %9.2f  ratio %.2fx\n", n, a, b, b / a }'
done
