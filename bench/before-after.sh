#!/usr/bin/env bash
# Before/after for a hot-path change: the REST ping (Digest, MD5, nonce
# reused, then a fresh challenge per request, then by API key) of two builds, alternated in
# one run so both see the same machine, each on its own database (a SQLite
# file; with BACKENDS="sqlite postgres mysql", also a PostgreSQL and a
# MariaDB database of this machine's servers, one backend after the other),
# with the defaults a user gets (no FLEXIAPI_WORKER_THREADS).
#
#   git worktree add /tmp/before <commit>
#   (cd /tmp/before && CARGO_TARGET_DIR=/tmp/before-target cargo build --release \
#      -p core-service -p rest-gateway)
#   bench/before-after.sh /tmp/before-target/release      # ROUNDS=3 SECONDS_EACH=8 CONNECTIONS="16 32" MODES="reused fresh apikey" BACKENDS=sqlite
#
# TRANSPORT_AFTER=unix: the after side's gateway reaches its core over the
# core's --unix-socket (the before side over loopback TCP): with the same
# build on both sides (BEFORE_RELEASE_DIR = target/release), what the hop
# costs.
#
# Prints one line per figure and the median of each side; writes nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
before=${1:?usage: bench/before-after.sh BEFORE_RELEASE_DIR}
after=$PWD/target/release
rounds=${ROUNDS:-3}
seconds=${SECONDS_EACH:-8}
connections=${CONNECTIONS:-"16 32"}
modes=${MODES:-"reused fresh apikey"}
backends=${BACKENDS:-sqlite}
pg_admin=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
my_admin=${BENCH_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}
user=bench01 password=bench-password domain=sip.example.org
cargo build --release --quiet -p core-service -p rest-gateway -p flexiapi-bench
work=$(mktemp -d)
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}
cleanup() {
  stop_all
  for side in before after; do
    psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS flexiapi_ba_$side" >/dev/null 2>&1 || true
    mariadb -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS flexiapi_ba_$side" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
wait_for() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "before-after: nothing listens on $1" >&2; exit 1
}
# database_url BACKEND NAME: a new, empty database's URL.
database_url() {
  case $1 in
  sqlite) echo "sqlite://$work/$2.sqlite?mode=rwc" ;;
  postgres) psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS flexiapi_ba_$2" \
      -c "CREATE DATABASE flexiapi_ba_$2" >/dev/null
    echo "${pg_admin%/*}/flexiapi_ba_$2" ;;
  mysql) mariadb -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS flexiapi_ba_$2; CREATE DATABASE flexiapi_ba_$2"
    echo "${my_admin%/*}/flexiapi_ba_$2" ;;
  esac
}
# start NAME BIN_DIR CORE_PORT GATEWAY_PORT: a pair on its own database of $backend.
start() {
  local url
  url=$(database_url "$backend" "$1")
  DATABASE_URL=$url "$2/core-service" migrate 2>/dev/null
  DATABASE_URL=$url FLEXIAPI_ACCOUNT_PASSWORD=$password "$2/core-service" accounts create \
    --username "$user" --algorithm MD5 --domain "$domain" >/dev/null 2>&1
  DATABASE_URL=$url "$2/core-service" api-keys create --username "$user" --domain "$domain" \
    --name bench >"$work/$1.key" 2>/dev/null
  local socket=() core_url="http://127.0.0.1:$3"
  if [ "$1" = after ] && [ "${TRANSPORT_AFTER:-tcp}" = unix ]; then
    socket=(--unix-socket "$work/after.sock"); core_url="unix:$work/after.sock"
  fi
  RUST_LOG=warn DATABASE_URL=$url "$2/core-service" serve --listen "127.0.0.1:$3" \
    --sip-domain "$domain" "${socket[@]}" 2>>"$work/$1.log" &
  pids+=($!)
  wait_for "127.0.0.1:$3"
  RUST_LOG=warn "$2/rest-gateway" --listen "127.0.0.1:$4" --core-url "$core_url" \
    2>>"$work/$1.log" &
  pids+=($!)
  wait_for "127.0.0.1:$4"
}
declare -A figures p50s
for backend in $backends; do
start before "$before" 55151 58180
start after "$after" 55152 58181
for round in $(seq 1 "$rounds"); do
  for c in $connections; do
    for mode in $modes; do
      for side in before after; do
        port=$([ "$side" = before ] && echo 58180 || echo 58181)
        case $mode in
          fresh) flag=--fresh-challenge ;;
          apikey) flag="--api-key $(cat "$work/$side.key")" ;;
          *) flag= ;;
        esac
        # A short warm-up, then the figure.
        target/release/flexiapi-bench --connections "$c" --seconds 1 --username "$user" \
          --password "$password" http --addr "127.0.0.1:$port" $flag >/dev/null 2>&1 || true
        rps=$(target/release/flexiapi-bench --json --connections "$c" --seconds "$seconds" \
          --username "$user" --password "$password" http --addr "127.0.0.1:$port" $flag \
          | python3 -c 'import json, sys; r = json.load(sys.stdin); print("%.0f %.3f" % (r["requests_per_second"], r["p50_ms"]))')
        echo "$backend, round $round, $c connections, $mode, $side: $rps (req/s, p50 ms)"
        figures["$backend $c $mode $side"]+="${rps%% *} "
        p50s["$backend $c $mode $side"]+="${rps##* } "
      done
    done
  done
done
stop_all
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for backend in $backends; do
  for c in $connections; do
    for mode in $modes; do
      b=$(median "${figures["$backend $c $mode before"]}")
      a=$(median "${figures["$backend $c $mode after"]}")
      echo "median, $backend, $c connections, $mode: before $b req/s, after $a req/s" \
        "($(python3 -c "print(f'{$a/$b:.2f}')")x); p50 before $(median "${p50s["$backend $c $mode before"]}") ms," \
        "after $(median "${p50s["$backend $c $mode after"]}") ms"
    done
  done
done
