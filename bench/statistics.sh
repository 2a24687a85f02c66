#!/usr/bin/env bash
# What Flexisip's event-log writer costs the account manager (contract
# part 6 §3): its `POST /api/stats/calls` (a call forked to two devices,
# each a new id) and the device `PATCH` that follows, by API key, with
# BENCH_CONNECTIONS connections at once (a Flexisip proxy keeps one);
# the core on SQLite, PostgreSQL and MariaDB, every server with the
# defaults. The client is bench/event_log_load.py (Python, standard library).
#
#   bench/statistics.sh
#   BENCH_SECONDS=3 bench/statistics.sh   # a quicker look
#
# Prints one line per figure: requests per second, p50 and p99 latency.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-4}
db=flexiapi_bench_stats
domain=sip.example.org
core_addr=127.0.0.1:55071
gateway_addr=127.0.0.1:58091

cargo build --release --quiet -p core-service -p rest-gateway
# shellcheck source=bench/pair.sh
source bench/pair.sh

for backend in sqlite postgres mysql; do
  fresh_database "$backend"
  FLEXIAPI_ACCOUNT_PASSWORD=admin-password "$bin/core-service" accounts create \
    --username admin01 --admin --algorithm SHA-256 --domain "$domain" >/dev/null 2>&1
  key=$("$bin/core-service" api-keys create --username admin01 --domain "$domain" \
    --name flexisip 2>/dev/null)
  start_pair "$domain"
  python3 bench/event_log_load.py --addr "$gateway_addr" --key "$key" --seconds 2 \
    --connections 1 --label "$backend: warm-up" >/dev/null
  python3 bench/event_log_load.py --addr "$gateway_addr" --key "$key" --seconds "$seconds" \
    --connections "$connections" --label "$backend: call + device update, $connections conn."
  stop_pair
done
