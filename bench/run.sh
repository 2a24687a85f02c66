#!/usr/bin/env bash
# One full benchmark run, on loopback only: the project (core on SQLite, then
# on the local PostgreSQL, with the gateway), Apache httpd with
# mod_auth_digest, nginx and pgbench, at 1,000 and 1,000,000 accounts.
# Writes BENCHMARKS.md (figures, commands, ratios) and stops all it started.
#
#   bench/run.sh                  # BENCH_SECONDS=10 BENCH_CONNECTIONS=32 by default
#   BENCH_SIZES="1000" bench/run.sh   # a quicker run
#
# Needs root for apt-get (Apache, nginx) and the PostgreSQL of this machine
# (BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-32}
sizes=${BENCH_SIZES:-"1000 1000000"}
pg_admin=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
pg_db=flexiapi_bench
pg_url="${pg_admin%/*}/$pg_db"
domain=sip.example.org
user=bench01
password=bench-password
out=${BENCH_OUTPUT:-BENCHMARKS.md}

need() { command -v "$1" >/dev/null 2>&1; }
if ! need apache2 && [ ! -x /usr/sbin/apache2 ] || ! [ -x /usr/sbin/nginx ] || ! need pgbench || ! need psql || ! need sqlite3; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apache2-bin nginx-light postgresql-client sqlite3 >/dev/null
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
  psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

core_addr=127.0.0.1:55051
gateway_addr=127.0.0.1:58080
apache_addr=127.0.0.1:58081
nginx_addr=127.0.0.1:58082

wait_for() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench/run.sh: nothing listens on $1" >&2; exit 1
}

results=$work/results.tsv   # name<TAB>req/s<TAB>p50<TAB>p99<TAB>errors<TAB>command
: > "$results"

# bench NAME ARGS…: one flexiapi-bench run, recorded.
bench() {
  local name=$1; shift
  local cmd="flexiapi-bench --connections $connections --seconds $seconds --username $user --password $password $*"
  # The key is a secret even here: the report names it, never shows it.
  [ -n "${api_key:-}" ] && cmd=${cmd//$api_key/\$API_KEY}
  local json
  json=$("$bin/flexiapi-bench" --json --connections "$connections" --seconds "$seconds" \
    --username "$user" --password "$password" "$@")
  python3 - "$name" "$cmd" "$json" >> "$results" <<'PY'
import json, sys
name, cmd, report = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
print("\t".join([name, f"{report['requests_per_second']:.0f}", f"{report['p50_ms']:.3f}",
                 f"{report['p99_ms']:.3f}", str(report['errors']), cmd]))
PY
  tail -1 "$results" | cut -f1-5 >&2
}

# pgbench NAME SCRIPT: transactions/s of a custom script.
pgbench_run() {
  local name=$1 script=$2
  local cmd="pgbench -n -M prepared -c $connections -j 2 -T $seconds -f $(basename "$script") $pg_db"
  local tps
  tps=$(pgbench -n -M prepared -c "$connections" -j 2 -T "$seconds" -f "$script" "$pg_url" 2>/dev/null \
    | awk '/^tps = / {print $3; exit}')
  printf '%s\t%.0f\t\t\t0\t%s\n' "$name" "$tps" "$cmd" >> "$results"
  tail -1 "$results" | cut -f1-2 >&2
}

core_rss_kib() { ps -o rss= -p "$1" | tr -d ' '; }

# seed_filler URL N: N-1 more accounts (with an MD5 password each), in bulk.
seed_filler() {
  local url=$1 n=$(( $2 - 1 ))
  if [[ $url == sqlite* ]]; then
    sqlite3 "${url#sqlite://}" <<SQL
PRAGMA synchronous=OFF;
BEGIN;
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $n)
INSERT INTO accounts (username, domain, activated, admin, created_at, updated_at)
SELECT printf('filler%07d', i), '$domain', 1, 0, 0, 0 FROM seq;
INSERT INTO passwords (account_id, password, algorithm)
SELECT id, lower(hex(randomblob(16))), 'MD5' FROM accounts WHERE username LIKE 'filler%';
COMMIT;
SQL
  else
    psql -q "$url" <<SQL
INSERT INTO accounts (username, domain, activated, admin, created_at, updated_at)
SELECT 'filler' || lpad(i::text, 7, '0'), '$domain', true, false, 0, 0 FROM generate_series(1, $n) AS i;
INSERT INTO passwords (account_id, password, algorithm)
SELECT id, md5(id::text), 'MD5' FROM accounts WHERE username LIKE 'filler%';
ANALYZE;
SQL
  fi
}

# seed_project DATABASE_URL: the bench account (an admin, for the list
# routes) and a named API key of it, in $api_key.
seed_project() {
  DATABASE_URL=$1 "$bin/core-service" migrate 2>/dev/null
  DATABASE_URL=$1 FLEXIAPI_ACCOUNT_PASSWORD=$password "$bin/core-service" accounts create \
    --username "$user" --algorithm MD5 --domain "$domain" --admin >/dev/null 2>&1
  api_key=$(DATABASE_URL=$1 "$bin/core-service" api-keys create --username "$user" \
    --domain "$domain" --name bench 2>/dev/null)
}

# start_core DATABASE_URL [WORKERS]: PostgreSQL shares these 2 cores, so
# about twice its cores in connections (the usual sizing rule); more only
# adds context switches. WORKERS empty: tokio's default, one per CPU.
start_core() {
  env RUST_LOG=warn DATABASE_URL="$1" FLEXIAPI_DATABASE_MAX_CONNECTIONS=4 ${2:+FLEXIAPI_WORKER_THREADS=$2} \
    "$bin/core-service" serve --listen "$core_addr" --sip-domain "$domain" 2>>"$work/core.log" &
  core_pid=$!; pids+=("$core_pid")
  wait_for "$core_addr"
}

start_gateway() {
  RUST_LOG=warn FLEXIAPI_WORKER_THREADS=1 \
    "$bin/rest-gateway" --listen "$gateway_addr" --core-url "http://$core_addr" 2>>"$work/gateway.log" &
  gateway_pid=$!; pids+=("$gateway_pid")
  wait_for "$gateway_addr"
}

stop() { kill -TERM "$@"; wait "$@" 2>/dev/null || true; }

measure_project() { # LABEL DATABASE_URL
  local label=$1 url=$2
  # REST: the load tool, the gateway, the core (and PostgreSQL) share the 2
  # cores, so each server gets one worker thread, as in a pod with a 1-CPU
  # limit (tokio sizes itself to the CPUs a process may use); a second
  # worker each only trades work for cross-thread wake-ups.
  start_core "$url" 1; start_gateway
  bench "$label REST ping, nonce reused (MD5)" http --addr "$gateway_addr" --algorithm MD5
  bench "$label REST ping, fresh challenge (MD5)" http --addr "$gateway_addr" --algorithm MD5 --fresh-challenge
  local rest_max
  rest_max=$(awk -F'\t' -v n="$label REST ping, nonce reused (MD5)" '$1 == n {print $2}' "$results")
  bench "$label REST ping at half load" --rate $(( rest_max / 2 )) http --addr "$gateway_addr" --algorithm MD5
  # Part 2: an API key instead of Digest, and the admin list at any size
  # (the first page, and a prefix that matches 100 accounts at 1k and at 1M).
  bench "$label REST ping, API key" http --addr "$gateway_addr" --api-key "$api_key"
  bench "$label REST accounts, first page (API key)" http --addr "$gateway_addr" --api-key "$api_key" --path /api/accounts
  bench "$label REST accounts, prefix search (API key)" http --addr "$gateway_addr" --api-key "$api_key" --path '/api/accounts?search=filler00001'
  printf '%s core RSS\t%s KiB\t\t\t\t%s\n' "$label" "$(core_rss_kib "$core_pid")" "ps -o rss= -p <core pid>" >> "$results"
  stop "$core_pid" "$gateway_pid"
  # gRPC, as Flexisip calls the core: no gateway, so the core takes both
  # cores (tokio's default).
  start_core "$url"
  bench "$label gRPC VerifyDigest" verify --url "http://$core_addr"
  bench "$label gRPC GetCredentials" credentials --url "http://$core_addr"
  local grpc_max
  grpc_max=$(awk -F'\t' -v n="$label gRPC VerifyDigest" '$1 == n {print $2}' "$results")
  bench "$label gRPC VerifyDigest at half load" --rate $(( grpc_max / 2 )) verify --url "http://$core_addr"
  stop "$core_pid"
}

# --- the project ---------------------------------------------------------
for size in $sizes; do
  sqlite_url="sqlite://$work/bench-$size.sqlite?mode=rwc"
  DATABASE_URL=$sqlite_url "$bin/core-service" migrate 2>/dev/null
  seed_filler "sqlite://$work/bench-$size.sqlite" "$size"
  seed_project "$sqlite_url"
  measure_project "SQLite, $size accounts:" "$sqlite_url"

  psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $pg_db" -c "CREATE DATABASE $pg_db" >/dev/null
  DATABASE_URL=$pg_url "$bin/core-service" migrate 2>/dev/null
  seed_filler "$pg_url" "$size"
  seed_project "$pg_url"
  measure_project "PostgreSQL, $size accounts:" "$pg_url"

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

# --- Apache httpd 2.4, mod_auth_digest ----------------------------------------
mkdir -p "$work/apache/htdocs/api"
printf pong > "$work/apache/htdocs/api/ping"
printf '%s:%s:%s\n' "$user" "$domain" "$(printf '%s:%s:%s' "$user" "$domain" "$password" | md5sum | cut -d' ' -f1)" \
  > "$work/apache/htdigest"
mods=/usr/lib/apache2/modules
cat > "$work/apache/httpd.conf" <<CONF
ServerRoot "$work/apache"
Listen $apache_addr
PidFile $work/apache/httpd.pid
ErrorLog $work/apache/error.log
LogLevel warn
User www-data
Group www-data
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authn_file_module $mods/mod_authn_file.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_user_module $mods/mod_authz_user.so
LoadModule auth_digest_module $mods/mod_auth_digest.so
ServerName localhost
DocumentRoot "$work/apache/htdocs"
StartServers 2
ThreadsPerChild 64
MaxRequestWorkers 256
KeepAlive On
MaxKeepAliveRequests 0
AuthDigestShmemSize 1048576
<Location "/api/ping">
  AuthType Digest
  AuthName "$domain"
  AuthDigestProvider file
  AuthUserFile "$work/apache/htdigest"
  AuthDigestNcCheck On
  AuthDigestNonceLifetime 300
  Require valid-user
</Location>
CONF
chmod -R a+rX "$work/apache"
/usr/sbin/apache2 -f "$work/apache/httpd.conf" -k start
wait_for "$apache_addr"
bench "Apache mod_auth_digest: ping, nonce reused (MD5)" http --addr "$apache_addr" --algorithm MD5
bench "Apache mod_auth_digest: ping, fresh challenge (MD5)" http --addr "$apache_addr" --algorithm MD5 --fresh-challenge
/usr/sbin/apache2 -f "$work/apache/httpd.conf" -k stop || true

# --- nginx: the machine's HTTP ceiling ---------------------------------------
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

python3 "$root/bench/report.py" "$results" "$seconds" "$connections" > "$out"
echo "bench/run.sh: wrote $out" >&2
