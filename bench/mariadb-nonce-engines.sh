#!/usr/bin/env bash
# Times 5,000 autocommit nonce UPDATEs per MariaDB engine (see the .sql).
# Usage: bench/mariadb-nonce-engines.sh [mariadb client options]
# (default: -h127.0.0.1 -uroot). Drops its database `nonce_engines` after.
set -euo pipefail
cd "$(dirname "$0")"
client=(mariadb "${@:--h127.0.0.1}")
[ $# -eq 0 ] && client+=(-uroot)
"${client[@]}" < mariadb-nonce-engines.sql
"${client[@]}" -N -e "SELECT VERSION(), @@innodb_flush_log_at_trx_commit"
for engine in innodb memory aria; do
  start=$(date +%s.%N)
  "${client[@]}" nonce_engines -e "CALL run_${engine}(5000)"
  end=$(date +%s.%N)
  awk -v e="$engine" -v s="$start" -v t="$end" \
    'BEGIN { printf "%-7s 5000 updates in %.2f s: %.3f ms each\n", e, t - s, (t - s) * 1000 / 5000 }'
done
"${client[@]}" -e "DROP DATABASE nonce_engines"
