# Sourced by the benchmark scripts that start one core and one gateway per
# backend (external-auth.sh, statistics.sh): a scratch directory removed at
# exit with the servers and databases, a database per backend, the pair.
#
# Before sourcing: db (the database name), core_addr, gateway_addr. After:
# bin (the release binaries), work (the scratch directory).
pg_admin=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
my_admin=${BENCH_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}
bin=$PWD/target/release
work=$(mktemp -d)
# Uploaded files stay in the scratch directory, not the checkout.
export FLEXIAPI_FILES_DIR=$work/files
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  mariadb -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

wait_for() { # HOST:PORT
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench: nothing listens on $1" >&2; exit 1
}

# An empty, migrated database of BACKEND (sqlite, postgres, mysql), its URL
# exported as DATABASE_URL for the setup commands that follow.
fresh_database() { # BACKEND
  case $1 in
  sqlite) DATABASE_URL="sqlite://$work/$db.sqlite?mode=rwc" ;;
  postgres) DATABASE_URL="${pg_admin%/*}/$db"
    psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1 ;;
  mysql) DATABASE_URL="${my_admin%/*}/$db"
    mariadb -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db" ;;
  esac
  export DATABASE_URL
  "$bin/core-service" migrate 2>/dev/null
}

# The core on DATABASE_URL and a gateway in front, both with the defaults;
# sets core and gateway (their pids) and unsets DATABASE_URL.
start_pair() { # SIP-DOMAIN
  "$bin/core-service" serve --listen "$core_addr" --sip-domain "$1" 2>>"$work/core.log" &
  core=$!; pids+=("$core"); wait_for "$core_addr"
  "$bin/rest-gateway" --listen "$gateway_addr" --core-url "http://$core_addr" \
    2>>"$work/gateway.log" &
  gateway=$!; pids+=("$gateway"); wait_for "$gateway_addr"
  unset DATABASE_URL
}

stop_pair() {
  kill -TERM "$gateway" "$core"; wait "$gateway" "$core" 2>/dev/null || true
}
