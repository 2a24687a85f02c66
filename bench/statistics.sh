#!/usr/bin/env bash
# What Flexisip's event-log writer costs the account manager (contract
# part 6 §3): its `POST /api/stats/calls` (a call forked to two devices,
# each a new id) and the device `PATCH` that follows, by API key, with
# BENCH_CONNECTIONS connections at once (a Flexisip proxy keeps one);
# the core on SQLite, PostgreSQL and MariaDB, every server with the
# defaults. The client is bench/statistics.py (Python, standard library).
#
#   bench/statistics.sh
#   BENCH_SECONDS=3 bench/statistics.sh   # a quicker look
#
# Prints one line per figure: requests per second, p50 and p99 latency.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-4}
pg_admin=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
my_admin=${BENCH_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}
db=flexiapi_bench_stats
domain=sip.example.org
core_addr=127.0.0.1:55071
gateway_addr=127.0.0.1:58091

cargo build --release --quiet -p core-service -p rest-gateway
bin=$PWD/target/release
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  mariadb -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

wait_for() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench/statistics.sh: nothing listens on $1" >&2; exit 1
}

export FLEXIAPI_FILES_DIR=$work/files
for backend in sqlite postgres mysql; do
  case $backend in
  sqlite) url="sqlite://$work/stats.sqlite?mode=rwc" ;;
  postgres) url="${pg_admin%/*}/$db"
    psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null ;;
  mysql) url="${my_admin%/*}/$db"
    mariadb -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db" ;;
  esac
  export DATABASE_URL=$url
  "$bin/core-service" migrate 2>/dev/null
  FLEXIAPI_ACCOUNT_PASSWORD=admin-password "$bin/core-service" accounts create \
    --username admin01 --admin --algorithm SHA-256 --domain "$domain" >/dev/null 2>&1
  key=$("$bin/core-service" api-keys create --username admin01 --domain "$domain" \
    --name flexisip 2>/dev/null)
  "$bin/core-service" serve --listen "$core_addr" --sip-domain "$domain" 2>>"$work/core.log" &
  core=$!; pids+=("$core"); wait_for "$core_addr"
  "$bin/rest-gateway" --listen "$gateway_addr" --core-url "http://$core_addr" \
    2>>"$work/gateway.log" &
  gateway=$!; pids+=("$gateway"); wait_for "$gateway_addr"
  unset DATABASE_URL
  python3 bench/statistics.py --addr "$gateway_addr" --key "$key" --seconds 2 \
    --connections 1 --label "$backend: warm-up" >/dev/null
  python3 bench/statistics.py --addr "$gateway_addr" --key "$key" --seconds "$seconds" \
    --connections "$connections" --label "$backend: call + device update, $connections conn."
  kill -TERM "$gateway" "$core"; wait "$gateway" "$core" 2>/dev/null || true
done
