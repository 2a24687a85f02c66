#!/usr/bin/env bash
# Flexisip's delegated SIP authentication (GET /api/flexisip/external-auth):
# the latency of the route as one Flexisip proxy sees it (one request at a
# time: it waits for each answer), hence the authentications per second one
# proxy gets, then with BENCH_PROXIES proxies at once. The core on SQLite,
# PostgreSQL and MariaDB, every server with the defaults; the SIP client
# reuses its nonce with nc + 1 (REGISTER, MD5 and SHA-256). On SQLite, for
# reference, a REST ping one request at a time by Digest and by API key:
# each is one gRPC call, where this route makes two.
#
#   bench/external-auth.sh
#   BENCH_SECONDS=3 bench/external-auth.sh   # a quicker look
#
# Prints one line per figure: what, then flexiapi-bench's report.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${BENCH_SECONDS:-10}
proxies=${BENCH_PROXIES:-4}
db=flexiapi_bench_ext
domain=sip.example.org
core_addr=127.0.0.1:55061
gateway_addr=127.0.0.1:58090

cargo build --release --quiet -p core-service -p rest-gateway -p flexiapi-bench
# shellcheck source=bench/pair.sh
source bench/pair.sh

for backend in sqlite postgres mysql; do
  fresh_database "$backend"
  for who in "admin01 --admin" "alice001" "bob00001"; do
    # shellcheck disable=SC2086 # the flags are words
    FLEXIAPI_ACCOUNT_PASSWORD=sip-password "$bin/core-service" accounts create --username $who \
      --algorithm MD5 --domain "$domain" >/dev/null 2>&1
  done
  FLEXIAPI_ACCOUNT_PASSWORD=sip-password "$bin/core-service" accounts create --username carol001 \
    --algorithm SHA-256 --domain "$domain" >/dev/null 2>&1
  key=$("$bin/core-service" api-keys create --username admin01 --domain "$domain" \
    --name flexisip-auth --scope external-auth 2>/dev/null)
  api_key=$("$bin/core-service" api-keys create --username admin01 --domain "$domain" \
    --name tools 2>/dev/null)
  start_pair "$domain"

  figure() { # LABEL CONNECTIONS USER ALGORITHM SECONDS
    printf '%-40s ' "$1"
    "$bin/flexiapi-bench" --connections "$2" --seconds "$5" --username "$3" \
      --password sip-password external-auth --addr "$gateway_addr" --key "$key" --algorithm "$4"
  }
  figure "$backend: warm-up" 1 bob00001 MD5 2 >/dev/null
  figure "$backend: 1 proxy, MD5" 1 alice001 MD5 "$seconds"
  figure "$backend: 1 proxy, SHA-256" 1 carol001 SHA-256 "$seconds"
  figure "$backend: $proxies proxies, MD5" "$proxies" bob00001 MD5 "$seconds"
  if [ "$backend" = sqlite ]; then
    for how in "Digest" "API key"; do
      printf '%-40s ' "$backend: REST ping by $how, 1 connection"
      extra=(); [ "$how" = "API key" ] && extra=(--api-key "$api_key")
      "$bin/flexiapi-bench" --connections 1 --seconds "$seconds" --username alice001 \
        --password sip-password http --addr "$gateway_addr" "${extra[@]}"
    done
  fi
  stop_pair
done
