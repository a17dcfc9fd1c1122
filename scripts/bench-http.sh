#!/usr/bin/env bash
# The HTTP layer alone: a node's GET /healthz beside nginx serving a small static file, in the same run, with the
# same wrk load (keep-alive). Prints both rates and their ratio. Needs a release build; installs wrk and nginx-light
# from Debian if they are missing. Traffic stays on 127.0.0.1. TLS=1: both over TLS 1.3, the node with its own
# certificate and nginx with one over the same Ed25519 node key (`ssl_protocols TLSv1.3`).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || apt-get install -y -qq wrk
command -v nginx >/dev/null || apt-get install -y -qq nginx-light
Y=${Y:-.build/release/yongchain}
[ -x "$Y" ] || swift build -c release
DUR=${DUR:-10}; CONN=${CONN:-64}
work=$(mktemp -d)
trap '$Y cluster down --dir "$work/c" >/dev/null 2>&1 || true; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT

scheme=http; listen=""; tlsconf=""
if [ "${TLS:-0}" = 1 ]; then
  scheme=https; listen=" ssl"
  $Y cluster init --dir "$work/c" --validators 1 --base-port 28700 --tls >/dev/null
  openssl req -new -x509 -key "$work/c/registry/node.key" -subj /CN=registry -days 1 -out "$work/nginx.crt" 2>/dev/null
  tlsconf="ssl_certificate $work/nginx.crt; ssl_certificate_key $work/c/registry/node.key; ssl_protocols TLSv1.3;"
else
  $Y cluster init --dir "$work/c" --validators 1 --base-port 28700 >/dev/null
fi
YONGCHAIN_GENESIS="$work/c/registry/genesis.json" $Y cluster up --dir "$work/c" >/dev/null
mkdir -p "$work/www"; printf '{"status":"ok"}' > "$work/www/healthz"
cat > "$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:28799$listen; $tlsconf root $work/www; location / { default_type application/json; } } }
CONF
nginx -c "$work/nginx.conf"
sleep 0.5
rate() { wrk -t2 -c"$CONN" -d"${DUR}s" --latency "$1" | awk '/Requests\/sec/ {print $2} /99%/ {p99=$2} END {print p99}'; }
read -r ours ours99 < <(rate $scheme://127.0.0.1:28701/healthz | xargs)
read -r theirs theirs99 < <(rate $scheme://127.0.0.1:28799/healthz | xargs)
echo "yongchain /healthz  ${ours} req/s  p99 ${ours99}"
echo "nginx static file   ${theirs} req/s  p99 ${theirs99}"
awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "ratio               %.0f%% of nginx\n", 100 * a / b }'
