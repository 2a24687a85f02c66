#!/usr/bin/env bash
# CPU time per request of each process (from /proc/<pid>/stat) during an
# 8 s run, 16 connections (CPU_CONNECTIONS), core on a new SQLite file, or on PostgreSQL with
# CPU_POSTGRES=1 (a fresh database flexiapi_cpu on 127.0.0.1:5432). The mode is the first argument:
# http (REST ping, nonce reused; the default), fresh (a new challenge for
# each request), apikey (REST ping by API key), verify or credentials (gRPC,
# straight to the core). The
# servers run with the defaults a user gets (log level included) and
# inherit the environment (FLEXIAPI_WORKER_THREADS, RUST_LOG, …). Needs the release binaries:
#   cargo build --release -p core-service -p rest-gateway -p flexiapi-bench
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-http}" in
    http) target=(http --addr 127.0.0.1:58061) ;;
    fresh) target=(http --addr 127.0.0.1:58061 --fresh-challenge) ;;
    apikey) target=(http --addr 127.0.0.1:58061 --api-key) ;;
    verify|credentials) target=("$1" --url http://127.0.0.1:55061) ;;
    *) echo "usage: $0 [http|fresh|apikey|verify|credentials]" >&2; exit 2 ;;
esac
bin=${BENCH_BIN:-target/release}
work=$(mktemp -d)
url="sqlite://$work/p.sqlite?mode=rwc"
if [ -n "${CPU_POSTGRES:-}" ]; then
    psql -q -h 127.0.0.1 -U postgres -d postgres -c 'DROP DATABASE IF EXISTS flexiapi_cpu' -c 'CREATE DATABASE flexiapi_cpu'
    url=postgres://postgres@127.0.0.1:5432/flexiapi_cpu
fi
DATABASE_URL=$url $bin/core-service migrate 2>/dev/null
DATABASE_URL=$url FLEXIAPI_ACCOUNT_PASSWORD=bench-password $bin/core-service accounts create --username bench01 --algorithm MD5 >/dev/null 2>&1
if [ "${1:-http}" = apikey ]; then
    target+=("$(DATABASE_URL=$url $bin/core-service api-keys create --username bench01 --name cpu 2>/dev/null)")
fi
DATABASE_URL=$url $bin/core-service serve --listen 127.0.0.1:55061 2>>$work/core.log & core=$!
$bin/rest-gateway --listen 127.0.0.1:58061 --core-url http://127.0.0.1:55061 2>>$work/gateway.log & gw=$!
sleep 1
ticks() { awk '{print $14+$15}' /proc/$1/stat; }
# All PostgreSQL server processes together (0 on SQLite).
pg_ticks() { local t=0 p; for p in $(pgrep -x postgres || true); do t=$((t + $(ticks $p 2>/dev/null || echo 0))); done; echo $t; }
c0=$(ticks $core); g0=$(ticks $gw); p0=$(pg_ticks)
$bin/flexiapi-bench --json --connections ${CPU_CONNECTIONS:-16} --seconds 8 --username bench01 --password bench-password "${target[@]}" > $work/out.json &
b=$!; sleep 0.2; b0=$(ticks $b)
sleep 7.5; b1=$(ticks $b); c1=$(ticks $core); g1=$(ticks $gw); p1=$(pg_ticks)
wait $b
ok=$(python3 -c "import json;print(json.load(open('$work/out.json'))['successes'])")
hz=$(getconf CLK_TCK)
python3 - <<PY
ok=$ok; hz=$hz
for name, t in [("core-service", $c1-$c0), ("rest-gateway", $g1-$g0), ("load tool", $b1-$b0), ("postgres", $p1-$p0)]:
    print(f"{name}: {t/hz:.2f} CPU s, {t/hz*1e6/ok:.0f} µs per request ({ok} requests)")
PY
kill $core $gw; wait 2>/dev/null; rm -rf $work
