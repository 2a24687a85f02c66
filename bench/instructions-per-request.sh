#!/usr/bin/env bash
# Instructions per request of one process (core or gateway) under callgrind:
# counters zeroed after a warm-up, then 10 s of load (4 connections, SQLite,
# one account, the defaults). Instructions, unlike CPU time, do not move
# with what else the machine does, so two builds compare on a noisy host.
# usage: bench/instructions-per-request.sh BIN_DIR core|gateway http|apikey
# (BIN_DIR: release binaries of core-service, rest-gateway, flexiapi-bench)
set -euo pipefail
bin=$1; who=$2; mode=$3
work=$(mktemp -d)
url="sqlite://$work/p.sqlite?mode=rwc"
DATABASE_URL=$url $bin/core-service migrate 2>/dev/null
DATABASE_URL=$url FLEXIAPI_ACCOUNT_PASSWORD=bench-password $bin/core-service accounts create --username bench01 --algorithm MD5 >/dev/null 2>&1
target=(http --addr 127.0.0.1:58071)
if [ "$mode" = apikey ]; then target+=(--api-key "$(DATABASE_URL=$url $bin/core-service api-keys create --username bench01 --name cg 2>/dev/null)"); fi
cg="valgrind --tool=callgrind --callgrind-out-file=$work/cg.out"
if [ "$who" = core ]; then
  DATABASE_URL=$url $cg $bin/core-service serve --listen 127.0.0.1:55071 2>$work/core.log & core=$!
  $bin/rest-gateway --listen 127.0.0.1:58071 --core-url http://127.0.0.1:55071 2>/dev/null & gw=$!
  watched=$core
else
  DATABASE_URL=$url $bin/core-service serve --listen 127.0.0.1:55071 2>/dev/null & core=$!
  $cg $bin/rest-gateway --listen 127.0.0.1:58071 --core-url http://127.0.0.1:55071 2>$work/gw.log & gw=$!
  watched=$gw
fi
sleep 12
$bin/flexiapi-bench --json --connections 4 --seconds 3 --username bench01 --password bench-password "${target[@]}" >/dev/null
callgrind_control -z $watched >/dev/null
$bin/flexiapi-bench --json --connections 4 --seconds 10 --username bench01 --password bench-password "${target[@]}" > $work/out.json
callgrind_control -d $watched >/dev/null
sleep 1
ok=$(python3 -c "import json;print(json.load(open('$work/out.json'))['successes'])")
ir=$(grep -h "^summary:" $work/cg.out.* 2>/dev/null | tail -1 | awk '{print $2}')
echo "$who $mode: $((ir / ok)) instructions per request ($ok requests)"
kill $core $gw; wait 2>/dev/null; rm -rf $work
