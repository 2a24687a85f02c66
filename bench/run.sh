#!/usr/bin/env bash
# One full benchmark run, on loopback only. Writes BENCHMARKS.md and the
# chart benchmarks.svg beside it, and stops all it started.
#
# Every server runs with the defaults a user gets: no FLEXIAPI_WORKER_THREADS,
# no RUST_LOG, no pool sizes. Settings a user would have to choose appear
# only in rows labelled "tuned".
#
#  1. Against Apache httpd (mod_auth_digest, nc checked): the REST ping by
#     Digest, nonce reused and fresh challenge, with the core on SQLite,
#     PostgreSQL and MariaDB (1,000 accounts each). Rounds alternate the
#     servers (the order rotates each round), the report takes medians.
#     Connections sweep BENCH_SWEEP for the chart; BENCH_TARGETS are the
#     counts the targets name, also for the fresh challenge and for the
#     latency at half of Apache's maximum rate.
#  2. Everything else, once per size of BENCH_SIZES on SQLite and PostgreSQL:
#     API key, account lists, gRPC VerifyDigest and GetCredentials, memory,
#     and pgbench running Flexisip's query (BENCH_CONNECTIONS).
#  3. nginx serving a static answer: the machine's HTTP ceiling.
#
#   bench/run.sh                                             # about 25 minutes
#   BENCH_ROUNDS=1 BENCH_SIZES=1000 BENCH_SECONDS=3 bench/run.sh   # a quick look
#   BENCH_TRANSPORT=unix BENCH_OUTPUT=bench/unix/BENCHMARKS.md bench/run.sh
#     # the gateway reaches the core over its --unix-socket, as scripts/run
#     # starts them (default: loopback TCP, as two hosts or pods would)
#
# Needs root for apt-get (Apache, nginx, clients) and the PostgreSQL and
# MariaDB of this machine (BENCH_POSTGRES_URL, BENCH_MYSQL_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=${BENCH_SECONDS:-8}
warmup=${BENCH_WARMUP:-2}
rounds=${BENCH_ROUNDS:-3}
sweep=${BENCH_SWEEP:-"1 4 16 32 64"}
targets=${BENCH_TARGETS:-"16 32"}
connections=${BENCH_CONNECTIONS:-32}
sizes=${BENCH_SIZES:-"1000 1000000"}
pg_admin=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
my_admin=${BENCH_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}
db_name=flexiapi_bench
pg_url="${pg_admin%/*}/$db_name"
my_url="${my_admin%/*}/$db_name"
domain=sip.example.org
user=bench01
password=bench-password
out=${BENCH_OUTPUT:-BENCHMARKS.md}
transport=${BENCH_TRANSPORT:-tcp}

need() { command -v "$1" >/dev/null 2>&1; }
if ! [ -x /usr/sbin/apache2 ] || ! [ -x /usr/sbin/nginx ] || ! need pgbench || ! need psql \
  || ! need sqlite3 || ! need mariadb; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apache2-bin nginx-light postgresql-client \
    sqlite3 mariadb-client >/dev/null
fi

cargo build --release --quiet -p core-service -p rest-gateway -p flexiapi-bench
bin=$root/target/release
work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -f "$work/apache/httpd.pid" ] && kill -TERM "$(cat "$work/apache/httpd.pid")" 2>/dev/null || true
  [ -f "$work/nginx/nginx.pid" ] && kill -QUIT "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
  psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $db_name" >/dev/null 2>&1 || true
  mysql_admin -e "DROP DATABASE IF EXISTS $db_name" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

core_addr=127.0.0.1:55051
gateway_addr=127.0.0.1:58080
apache_addr=127.0.0.1:58081
nginx_addr=127.0.0.1:58082

# mysql_admin ARGS…: the MariaDB client on BENCH_MYSQL_URL's server.
mysql_admin() {
  local rest=${my_admin#mysql://} userinfo host
  userinfo=${rest%%@*}; rest=${rest#*@}; host=${rest%%/*}
  local login=(-u "${userinfo%%:*}")
  [[ $userinfo == *:* ]] && login+=("-p${userinfo#*:}")
  mariadb "${login[@]}" -h "${host%:*}" -P "${host##*:}" "$@"
}

wait_for() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench/run.sh: nothing listens on $1" >&2; exit 1
}

results=$work/results.tsv   # name<TAB>req/s<TAB>p50<TAB>p99<TAB>errors<TAB>command
sweep_results=$work/sweep.tsv # round server mode connections rate req/s p50 p99 errors command
: > "$results"; : > "$sweep_results"

# load CONNECTIONS [RATE] ARGS…: one flexiapi-bench run; prints its JSON.
load() {
  local conns=$1 rate=$2; shift 2
  "$bin/flexiapi-bench" --json --connections "$conns" --seconds "$seconds" ${rate:+--rate "$rate"} \
    --username "$user" --password "$password" "$@"
}
# shown COMMAND…: the command as the report prints it (the key named, not shown).
shown() { local cmd="flexiapi-bench $*"; [ -n "${api_key:-}" ] && cmd=${cmd//$api_key/\$API_KEY}; echo "$cmd"; }

# bench NAME ARGS…: one figure at BENCH_CONNECTIONS, into results.tsv.
bench() {
  local name=$1; shift
  local json
  json=$(load "$connections" "" "$@")
  python3 - "$name" "$(shown --connections "$connections" --seconds "$seconds" "$@")" "$json" >> "$results" <<'PY'
import json, sys
name, cmd, report = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
print("\t".join([name, f"{report['requests_per_second']:.0f}", f"{report['p50_ms']:.3f}",
                 f"{report['p99_ms']:.3f}", str(report['errors']), cmd]))
PY
  tail -1 "$results" | cut -f1-5 >&2
}

# sweep_figure ROUND SERVER MODE CONNECTIONS RATE ARGS…: one figure of part 1.
sweep_figure() {
  local round=$1 server=$2 mode=$3 conns=$4 rate=$5; shift 5
  local json
  json=$(load "$conns" "$rate" "$@")
  python3 - "$round" "$server" "$mode" "$conns" "$rate" \
    "$(shown --connections "$conns" --seconds "$seconds" ${rate:+--rate "$rate"} "$@")" "$json" \
    >> "$sweep_results" <<'PY'
import json, sys
round_, server, mode, conns, rate, cmd, report = sys.argv[1:7] + [json.loads(sys.argv[7])]
print("\t".join([round_, server, mode, conns, rate, f"{report['requests_per_second']:.0f}",
                 f"{report['p50_ms']:.3f}", f"{report['p99_ms']:.3f}", str(report['errors']), cmd]))
PY
  tail -1 "$sweep_results" | cut -f1-9 >&2
}

core_rss_kib() { ps -o rss= -p "$1" | tr -d ' '; }

# seed_filler URL N: N-1 more accounts (with an MD5 password each), in bulk.
seed_filler() {
  local url=$1 n=$(( $2 - 1 ))
  case $url in
  sqlite*) sqlite3 "${url#sqlite://}" <<SQL
PRAGMA synchronous=OFF;
BEGIN;
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $n)
INSERT INTO accounts (username, domain, activated, admin, created_at, updated_at)
SELECT printf('filler%07d', i), '$domain', 1, 0, 0, 0 FROM seq;
INSERT INTO passwords (account_id, password, algorithm)
SELECT id, lower(hex(randomblob(16))), 'MD5' FROM accounts WHERE username LIKE 'filler%';
COMMIT;
SQL
  ;;
  postgres*) psql -q "$url" <<SQL
INSERT INTO accounts (username, domain, activated, admin, created_at, updated_at)
SELECT 'filler' || lpad(i::text, 7, '0'), '$domain', true, false, 0, 0 FROM generate_series(1, $n) AS i;
INSERT INTO passwords (account_id, password, algorithm)
SELECT id, md5(id::text), 'MD5' FROM accounts WHERE username LIKE 'filler%';
ANALYZE;
SQL
  ;;
  mysql*) mysql_admin "$db_name" <<SQL
INSERT INTO accounts (username, domain, activated, admin, created_at, updated_at)
SELECT CONCAT('filler', LPAD(seq, 7, '0')), '$domain', 1, 0, 0, 0 FROM seq_1_to_$n;
INSERT INTO passwords (account_id, password, algorithm)
SELECT id, MD5(id), 'MD5' FROM accounts WHERE username LIKE 'filler%';
ANALYZE TABLE accounts, passwords;
SQL
  ;;
  esac
}

# new_database BACKEND SIZE: an empty, migrated database with SIZE accounts,
# the bench account (an admin, for the list routes) and its API key in
# $api_key; its URL in $url.
new_database() {
  case $1 in
  sqlite) url="sqlite://$work/bench-$2.sqlite?mode=rwc"; rm -f "$work/bench-$2.sqlite"* ;;
  postgres) url=$pg_url
    psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $db_name" -c "CREATE DATABASE $db_name" >/dev/null ;;
  mysql) url=$my_url
    mysql_admin -e "DROP DATABASE IF EXISTS $db_name; CREATE DATABASE $db_name" ;;
  esac
  DATABASE_URL=$url "$bin/core-service" migrate 2>/dev/null
  local raw=$url; [ "$1" = sqlite ] && raw="sqlite://$work/bench-$2.sqlite"
  seed_filler "$raw" "$2"
  DATABASE_URL=$url FLEXIAPI_ACCOUNT_PASSWORD=$password "$bin/core-service" accounts create \
    --username "$user" --algorithm MD5 --domain "$domain" --admin >/dev/null 2>&1
  api_key=$(DATABASE_URL=$url "$bin/core-service" api-keys create --username "$user" \
    --domain "$domain" --name bench 2>/dev/null)
}

# start_core DATABASE_URL [VAR=VALUE…]: the defaults, plus the settings given.
start_core() {
  local url=$1; shift
  local socket=()
  if [ "$transport" = unix ]; then socket=(--unix-socket "$work/core.sock"); fi
  env DATABASE_URL="$url" "$@" "$bin/core-service" serve --listen "$core_addr" \
    --sip-domain "$domain" "${socket[@]}" 2>>"$work/core.log" &
  core_pid=$!; pids+=("$core_pid")
  wait_for "$core_addr"
}

start_gateway() {
  local core_url="http://$core_addr"
  if [ "$transport" = unix ]; then core_url="unix:$work/core.sock"; fi
  env "$@" "$bin/rest-gateway" --listen "$gateway_addr" --core-url "$core_url" \
    2>>"$work/gateway.log" &
  gateway_pid=$!; pids+=("$gateway_pid")
  wait_for "$gateway_addr"
}

stop() { kill -TERM "$@"; wait "$@" 2>/dev/null || true; }

# --- Apache httpd 2.4, mod_auth_digest ---------------------------------------
mkdir -p "$work/apache/htdocs/api"
printf pong > "$work/apache/htdocs/api/ping"
printf '%s:%s:%s\n' "$user" "$domain" "$(printf '%s:%s:%s' "$user" "$domain" "$password" | md5sum | cut -d' ' -f1)" \
  > "$work/apache/htdigest"
mods=/usr/lib/apache2/modules
sed -e "s|@WORK@|$work|g" -e "s|@ADDR@|$apache_addr|g" -e "s|@MODS@|$mods|g" -e "s|@DOMAIN@|$domain|g" \
  "$root/bench/apache-httpd.conf" > "$work/apache/httpd.conf"
chmod -R a+rX "$work/apache"

# --- 1. against Apache, with the defaults -------------------------------------
for backend in sqlite postgres mysql; do
  new_database "$backend" 1000
  eval "url_$backend=\$url"
done

# serve SERVER: starts it; its HTTP address in $addr.
serve() {
  case $1 in
  apache) /usr/sbin/apache2 -f "$work/apache/httpd.conf" -k start; addr=$apache_addr; wait_for "$addr" ;;
  *) local var="url_$1"; start_core "${!var}"; start_gateway; addr=$gateway_addr ;;
  esac
  # Untimed: connections, caches and the page cache warm up.
  "$bin/flexiapi-bench" --connections 16 --seconds "$warmup" --username "$user" \
    --password "$password" http --addr "$addr" --algorithm MD5 >/dev/null
}
unserve() {
  case $1 in
  apache) /usr/sbin/apache2 -f "$work/apache/httpd.conf" -k stop; sleep 1 ;;
  *) stop "$core_pid" "$gateway_pid" ;;
  esac
}

servers=(apache sqlite postgres mysql)
ordered() { local r=$1 i; for i in 0 1 2 3; do echo "${servers[$(( (i + r) % 4 ))]}"; done; }
for round in $(seq 1 "$rounds"); do
  for server in $(ordered "$round"); do
    serve "$server"
    for conns in $sweep; do
      sweep_figure "$round" "$server" reused "$conns" "" http --addr "$addr" --algorithm MD5
    done
    for conns in $targets; do
      sweep_figure "$round" "$server" fresh "$conns" "" http --addr "$addr" --algorithm MD5 --fresh-challenge
    done
    unserve "$server"
  done
done
# Latency at half of Apache's maximum (its median at that many connections).
for round in $(seq 1 "$rounds"); do
  for server in $(ordered "$round"); do
    serve "$server"
    for conns in $targets; do
      half=$(python3 - "$sweep_results" "$conns" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
rates = [float(r[5]) for r in rows if r[1] == "apache" and r[2] == "reused" and r[3] == sys.argv[2]]
print(int(statistics.median(rates) / 2))
PY
)
      sweep_figure "$round" "$server" half "$conns" "$half" http --addr "$addr" --algorithm MD5
    done
    unserve "$server"
  done
done
# Tuned, for comparison only: the runtime tokio picks by default (a worker
# per CPU), which the project's default replaced on small machines.
start_core "$url_sqlite" FLEXIAPI_WORKER_THREADS=2; start_gateway FLEXIAPI_WORKER_THREADS=2
for conns in $targets; do
  sweep_figure 1 "sqlite, tuned: FLEXIAPI_WORKER_THREADS=2" reused "$conns" "" http --addr "$gateway_addr" --algorithm MD5
done
stop "$core_pid" "$gateway_pid"

# --- 2. everything else, at each size -------------------------------------------
measure_rest() { # LABEL DATABASE_URL
  local label=$1 url=$2
  start_core "$url"; start_gateway
  bench "$label REST ping, nonce reused (MD5)" http --addr "$gateway_addr" --algorithm MD5
  bench "$label REST ping, fresh challenge (MD5)" http --addr "$gateway_addr" --algorithm MD5 --fresh-challenge
  local rest_max
  rest_max=$(awk -F'\t' -v n="$label REST ping, nonce reused (MD5)" '$1 == n {print $2}' "$results")
  bench "$label REST ping at half load" --rate $(( rest_max / 2 )) http --addr "$gateway_addr" --algorithm MD5
  bench "$label REST ping, API key" http --addr "$gateway_addr" --api-key "$api_key"
  bench "$label REST accounts, first page (API key)" http --addr "$gateway_addr" --api-key "$api_key" --path /api/accounts
  bench "$label REST accounts, prefix search (API key)" http --addr "$gateway_addr" --api-key "$api_key" --path '/api/accounts?search=filler00001'
  printf '%s core RSS\t%s KiB\t\t\t\t%s\n' "$label" "$(core_rss_kib "$core_pid")" "ps -o rss= -p <core pid>" >> "$results"
  stop "$core_pid" "$gateway_pid"
  # gRPC, as Flexisip calls the core: no gateway.
  start_core "$url"
  bench "$label gRPC VerifyDigest" verify --url "http://$core_addr"
  bench "$label gRPC GetCredentials" credentials --url "http://$core_addr"
  local grpc_max
  grpc_max=$(awk -F'\t' -v n="$label gRPC VerifyDigest" '$1 == n {print $2}' "$results")
  bench "$label gRPC VerifyDigest at half load" --rate $(( grpc_max / 2 )) verify --url "http://$core_addr"
  stop "$core_pid"
}

# pgbench NAME SCRIPT: transactions/s of a custom script.
pgbench_run() {
  local name=$1 script=$2
  local cmd="pgbench -n -M prepared -c $connections -j 2 -T $seconds -f $(basename "$script") $db_name"
  local tps
  tps=$(pgbench -n -M prepared -c "$connections" -j 2 -T "$seconds" -f "$script" "$pg_url" 2>/dev/null \
    | awk '/^tps = / {print $3; exit}')
  printf '%s\t%.0f\t\t\t0\t%s\n' "$name" "$tps" "$cmd" >> "$results"
  tail -1 "$results" | cut -f1-2 >&2
}

for size in $sizes; do
  new_database sqlite "$size"
  measure_rest "SQLite, $size accounts:" "$url"
  new_database postgres "$size"
  measure_rest "PostgreSQL, $size accounts:" "$url"

  # pgbench on the same PostgreSQL data: Flexisip's soci query alone, and
  # followed by a durable nonce compare-and-set (one row per client) in an
  # ordinary, logged table: the project's own nonces table is UNLOGGED, and
  # the naive design this compares against writes its nonces durably.
  cat > "$work/soci.sql" <<SQL
select password, algorithm from passwords where account_id =
  (select id from accounts where username = '$user' and domain = '$domain' and activated = true);
SQL
  psql -q "$pg_url" -c "CREATE TABLE durable_nonces (LIKE nonces INCLUDING ALL)" \
    -c "INSERT INTO durable_nonces (nonce, opaque, account_id, nc, expires_at)
    SELECT 'pgbench-' || c, 'o', (SELECT id FROM accounts WHERE username = '$user'), 0, 4102444800
    FROM generate_series(0, $connections) AS c"
  cat > "$work/naive.sql" <<SQL
select password, algorithm from passwords where account_id =
  (select id from accounts where username = '$user' and domain = '$domain' and activated = true);
update durable_nonces set nc = nc + 1 where nonce = 'pgbench-' || :client_id and nc < 4294967295;
SQL
  pgbench_run "pgbench, $size accounts: soci query" "$work/soci.sql"
  pgbench_run "pgbench, $size accounts: soci query + nonce compare-and-set" "$work/naive.sql"
done

# --- 3. nginx: the machine's HTTP ceiling ---------------------------------------
mkdir -p "$work/nginx/logs"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen $nginx_addr;
    keepalive_requests 1000000;
    location /api/ping { return 200 "pong"; }
  }
}
CONF
/usr/sbin/nginx -p "$work/nginx" -c "$work/nginx/nginx.conf"
wait_for "$nginx_addr"
bench "nginx: static pong (no authentication)" http --addr "$nginx_addr" --anonymous
/usr/sbin/nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -s quit || true

chart="$(dirname "$out")/benchmarks.svg"
# Kept beside the report, so that it can be written again from them.
if [ "$out" = BENCHMARKS.md ]; then kept=bench/results; else kept="$(dirname "$out")/results"; fi
mkdir -p "$kept"
cp "$results" "$sweep_results" "$kept/"
python3 "$root/bench/report.py" "$results" "$sweep_results" "$seconds" "$connections" "$chart" \
  "$root/bench/notes.md" > "$out"
echo "bench/run.sh: wrote $out and $chart; the raw figures are in $kept" >&2
