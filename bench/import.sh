#!/usr/bin/env bash
# Import speed: a generated FlexiAPI 2026 database of BENCH_IMPORT_ACCOUNTS
# accounts (default 1,000,000, each with an MD5 and a SHA-256 HA1, 2,000,000
# password rows) in the local MariaDB, imported by `core-service import
# flexiapi` into a new SQLite file, PostgreSQL database and MariaDB database.
# Prints one line per target: seconds and accounts per second.
#
#   bench/import.sh
#   BENCH_IMPORT_ACCOUNTS=100000 bench/import.sh   # a quicker run
#
# Needs the MariaDB (root, no password) and PostgreSQL of this machine;
# drops the databases it made.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${BENCH_IMPORT_ACCOUNTS:-1000000}
maria=(mariadb -h127.0.0.1 -uroot)
pg_admin=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
src=flexiapi_import_src
work=$(mktemp -d)
trap 'rm -rf "$work"; "${maria[@]}" -e "DROP DATABASE IF EXISTS $src; DROP DATABASE IF EXISTS flexiapi_import_dst"; psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS flexiapi_import_dst" >/dev/null 2>&1 || true' EXIT

cargo build --release --quiet -p core-service
bin=target/release/core-service

"${maria[@]}" -e "DROP DATABASE IF EXISTS $src; CREATE DATABASE $src"
"${maria[@]}" "$src" < core-service/tests/fixtures/flexiapi-2026.sql
start=$(date +%s.%N)
"${maria[@]}" "$src" <<SQL
INSERT INTO accounts (username, domain, email, activated, ip_address, user_agent, created_at, updated_at)
  SELECT CONCAT('user', LPAD(seq, 7, '0')), 'sip.example.org', CONCAT('user', seq, '@example.org'),
         1, '192.0.2.1', 'bench', '2025-01-01 00:00:00', '2025-01-01 00:00:00'
  FROM seq_1_to_$n;
INSERT INTO passwords (account_id, password, algorithm)
  SELECT id, MD5(CONCAT(username, ':sip.example.org:pw')), 'MD5' FROM accounts WHERE username LIKE 'user%';
INSERT INTO passwords (account_id, password, algorithm)
  SELECT id, SHA2(CONCAT(username, ':sip.example.org:pw'), 256), 'SHA-256' FROM accounts WHERE username LIKE 'user%';
SQL
total=$("${maria[@]}" -N "$src" -e "SELECT COUNT(*) FROM accounts")
printf 'source: %s accounts generated in %.1f s\n' "$total" "$(echo "$(date +%s.%N) - $start" | bc)"

measure() { # LABEL DATABASE_URL
  local begin end
  begin=$(date +%s.%N)
  DATABASE_URL=$2 FLEXIAPI_SIP_DOMAIN=sip.example.org "$bin" import flexiapi \
    --from "mysql://root@127.0.0.1:3306/$src" > "$work/out.txt" 2> "$work/err.txt"
  end=$(date +%s.%N)
  grep -q "copied $total" "$work/out.txt" || { cat "$work/out.txt" "$work/err.txt"; exit 1; }
  awk -v l="$1" -v b="$begin" -v e="$end" -v n="$total" \
    'BEGIN { printf "%-11s %d accounts in %.1f s: %.0f accounts/s\n", l, n, e - b, n / (e - b) }'
}

measure SQLite "sqlite://$work/import.sqlite?mode=rwc"
psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS flexiapi_import_dst" -c "CREATE DATABASE flexiapi_import_dst" >/dev/null
measure PostgreSQL "${pg_admin%/*}/flexiapi_import_dst"
"${maria[@]}" -e "DROP DATABASE IF EXISTS flexiapi_import_dst; CREATE DATABASE flexiapi_import_dst"
measure MariaDB "mysql://root@127.0.0.1:3306/flexiapi_import_dst"
