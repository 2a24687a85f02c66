#!/usr/bin/env bash
# How throughput grows with core replicas and gateways on this machine, and
# what a flood of challenges costs the core in memory. Core on PostgreSQL,
# every server with the defaults; the REST ping by Digest (MD5, nonce
# reused; BENCH_CONNECTIONS connections in all, 16 by default):
#   1 core, 1 gateway;
#   2 cores, 1 gateway (--core-url naming both: answers go to their issuer);
#   2 cores, 2 gateways (each naming both cores; two load tools, half the
#     connections each, their rates added).
# Then the core's RSS idle, and after BENCH_FLOOD (1,000,000) challenges for
# one account (a fresh challenge per request, each answered once).
#
#   bench/replicas.sh                          # about 6 minutes
#   BENCH_SECONDS=3 BENCH_FLOOD=100000 bench/replicas.sh   # a quick look
#
# Prints one line per figure.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${BENCH_SECONDS:-8}
connections=${BENCH_CONNECTIONS:-16}
flood=${BENCH_FLOOD:-1000000}
db=flexiapi_bench_replicas
domain=sip.example.org
core_addr=127.0.0.1:55071
second_addr=127.0.0.1:55072
gateway_addr=127.0.0.1:58071
other_gateway=127.0.0.1:58072

cargo build --release --quiet -p core-service -p rest-gateway -p flexiapi-bench
# shellcheck source=bench/pair.sh
source bench/pair.sh

fresh_database postgres
url=$DATABASE_URL
FLEXIAPI_ACCOUNT_PASSWORD=bench-password "$bin/core-service" accounts create --username bench01 \
  --algorithm MD5 --domain "$domain" >/dev/null 2>&1

core() { # ADDR
  DATABASE_URL=$url "$bin/core-service" serve --listen "$1" --sip-domain "$domain" \
    2>>"$work/core.log" &
  pids+=("$!"); wait_for "$1"
}
gateway() { # ADDR CORE-URL
  "$bin/rest-gateway" --listen "$1" --core-url "$2" 2>>"$work/gateway.log" &
  pids+=("$!"); wait_for "$1"
}
run() { # ADDR CONNECTIONS [ARGS…]: flexiapi-bench's JSON report
  local addr=$1 conns=$2; shift 2
  "$bin/flexiapi-bench" --json --connections "$conns" --seconds "$seconds" --username bench01 \
    --password bench-password http --addr "$addr" --algorithm MD5 "$@"
}
load() { # ADDR CONNECTIONS [ARGS…]: requests/s
  run "$@" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["requests_per_second"]))'
}
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}

core "$core_addr"
gateway "$gateway_addr" "http://$core_addr"
echo "1 core, 1 gateway: $(load "$gateway_addr" "$connections") req/s"
stop_all

core "$core_addr"; core "$second_addr"
both="http://$core_addr,http://$second_addr"
gateway "$gateway_addr" "$both"
echo "2 cores, 1 gateway: $(load "$gateway_addr" "$connections") req/s"
gateway "$other_gateway" "$both"
half=$((connections / 2))
load "$gateway_addr" "$half" > "$work/one" &
first=$!
load "$other_gateway" "$half" > "$work/two"
wait "$first"
echo "2 cores, 2 gateways: $(python3 -c "print($(cat "$work/one") + $(cat "$work/two"))") req/s"
stop_all

core "$core_addr"
core_pid=${pids[-1]}
gateway "$gateway_addr" "http://$core_addr"
# One request first, so that the idle figure includes what serving one costs.
load "$gateway_addr" 1 >/dev/null
idle=$(ps -o rss= -p "$core_pid" | tr -d ' ')
rate=$(load "$gateway_addr" "$connections" --fresh-challenge)
# As long as the flood takes at the rate just measured.
seconds=$(python3 -c "print(max(1, round($flood / $rate)))")
sent=$(run "$gateway_addr" "$connections" --fresh-challenge \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["successes"])')
after=$(ps -o rss= -p "$core_pid" | tr -d ' ')
echo "core RSS: $idle KiB idle, $after KiB after $sent challenges ($(( (after - idle) / 1024 )) MiB more)"
stop_all
