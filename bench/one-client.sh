#!/usr/bin/env bash
# One client alone (one connection, nonce reused, MD5), p50 of the REST ping:
# Apache httpd mod_auth_digest, then nginx proxying to that Apache (two hops
# of C, the wake-ups a request through two processes pays), then gateway and
# core on SQLite, over loopback TCP, with the defaults. Rounds alternate the
# three, so each sees the machine at the same moments.
#
#   bench/one-client.sh                 # BENCH_ROUNDS=3 BENCH_SECONDS=4
#
# Needs apache2-bin and nginx-light (bench/run.sh installs them) and the
# release binaries (built first). Prints one line per figure.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${BENCH_ROUNDS:-3}
seconds=${BENCH_SECONDS:-4}
db=flexiapi_bench_one
domain=sip.example.org user=bench01 password=bench-password
# Below the ephemeral range (32768-60999), where a client socket in
# TIME_WAIT can hold a port Apache then cannot bind.
core_addr=127.0.0.1:25071 gateway_addr=127.0.0.1:28071
apache_addr=127.0.0.1:28072 nginx_addr=127.0.0.1:28073

cargo build --release --quiet -p core-service -p rest-gateway -p flexiapi-bench
# shellcheck source=bench/pair.sh
source bench/pair.sh
# Apache reads its files as another user.
chmod 755 "$work"

# Apache, as bench/run.sh configures it.
mkdir -p "$work/apache/htdocs/api"
printf pong > "$work/apache/htdocs/api/ping"
ha1=$(printf '%s:%s:%s' "$user" "$domain" "$password" | md5sum | cut -d' ' -f1)
printf '%s:%s:%s\n' "$user" "$domain" "$ha1" > "$work/apache/htdigest"
sed -e "s|@WORK@|$work|g" -e "s|@ADDR@|$apache_addr|g" -e "s|@MODS@|/usr/lib/apache2/modules|g" \
  -e "s|@DOMAIN@|$domain|g" bench/apache-httpd.conf > "$work/apache/httpd.conf"
chmod -R a+rX "$work/apache"
/usr/sbin/apache2 -f "$work/apache/httpd.conf" -DFOREGROUND &
pids+=($!)
wait_for "$apache_addr"

# nginx in front of it, keeping its connections to Apache open.
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    # As Apache's configuration: the client's connection is never recycled.
    keepalive_requests 1000000;
    upstream apache { server $apache_addr; keepalive 32; }
    server {
        listen $nginx_addr;
        location / {
            proxy_pass http://apache;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
        }
    }
}
CONF
/usr/sbin/nginx -c "$work/nginx.conf" -g 'daemon off;' &
pids+=($!)
wait_for "$nginx_addr"

# Gateway and core, the defaults, on a SQLite file.
fresh_database sqlite
FLEXIAPI_ACCOUNT_PASSWORD=$password "$bin/core-service" accounts create --username "$user" \
  --algorithm MD5 --domain "$domain" >/dev/null 2>&1
start_pair "$domain"

one() { # LABEL ADDR
  printf '%s: ' "$1"
  "$bin/flexiapi-bench" --connections 1 --seconds "$seconds" --username "$user" \
    --password "$password" http --addr "$2" --algorithm MD5
}
for round in $(seq 1 "$rounds"); do
  echo "round $round"
  one "Apache" "$apache_addr"
  one "nginx -> Apache" "$nginx_addr"
  one "gateway -> core (SQLite)" "$gateway_addr"
done
