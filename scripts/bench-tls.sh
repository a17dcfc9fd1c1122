#!/usr/bin/env bash
# TLS 1.3 beside plain HTTP, same run, same release binary: two single-validator nodes, one "tls": "on" and one
# "tls": "off" (docs/performance.md, "TLS").
#   1. Handshake CPU: full TLS 1.3 handshakes, then resumed ones (session tickets), with `openssl s_time`; the
#      node's CPU per handshake (utime+stime from /proc, the idle node's own rate subtracted) and the client's.
#   2. Keep-alive query throughput with wrk: GET /v1/status and /healthz, plain and TLS.
# Needs a release build, wrk and the openssl command. Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
Y=${Y:-.build/release/yongchain}
DUR=${DUR:-10}; CONN=${CONN:-32}
command -v wrk >/dev/null || apt-get install -y -qq wrk
[ -x "$Y" ] || { echo "no release build at $Y (swift build -c release)"; exit 1; }
work=$(mktemp -d)
trap '$Y cluster down --dir "$work/plain" >/dev/null 2>&1 || true; $Y cluster down --dir "$work/tls" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

$Y cluster init --dir "$work/plain" --validators 1 --base-port 28800 >/dev/null
$Y cluster init --dir "$work/tls" --validators 1 --base-port 28900 --tls >/dev/null
$Y cluster up --dir "$work/plain" >/dev/null
YONGCHAIN_GENESIS="$work/tls/registry/genesis.json" $Y cluster up --dir "$work/tls" >/dev/null
PID=$(cat "$work/tls/registry/node.pid")
TICK=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }

# The idle node's own CPU (an empty block every 2 s), to subtract.
c0=$(cpu); sleep "$DUR"; c1=$(cpu)
idle=$(awk -v a="$c0" -v b="$c1" -v t="$TICK" -v d="$DUR" 'BEGIN { print (b - a) / t / d }')

handshakes() {  # $1: -new or -reuse
  local before after out n user
  before=$(cpu)
  out=$(openssl s_time -connect 127.0.0.1:28901 -tls1_3 "$1" -time "$DUR" 2>/dev/null)
  after=$(cpu)
  n=$(echo "$out" | awk '/connections in/ {print $1; exit}')
  user=$(echo "$out" | awk '/connections\/user sec/ {for (i = 1; i <= NF; i++) if ($i ~ /connections\/user/) print $(i - 1); exit}')
  awk -v a="$before" -v b="$after" -v t="$TICK" -v n="$n" -v idle="$idle" -v d="$DUR" -v cps="$user" -v kind="$1" 'BEGIN {
    server = ((b - a) / t - idle * d) / n * 1000
    printf "%-7s %6d handshakes in %ds (%.0f/s): node CPU %.3f ms each, client (openssl) CPU %.3f ms each\n",
      kind, n, d, n / d, server, (cps > 0 ? 1000 / cps : 0) }'
}
echo "== TLS 1.3 handshakes against the node (Ed25519 certificate, X25519 key exchange; client without a certificate)"
handshakes -new
handshakes -reuse

rate() { wrk -t2 -c"$CONN" -d"${DUR}s" --latency "$1" | awk '/Requests\/sec/ {r = $2} /99%/ {p = $2} END {print r, p}'; }
echo "== keep-alive queries, wrk -t2 -c$CONN, ${DUR}s each"
for path in /healthz /v1/status; do
  read -r plain plain99 < <(rate "http://127.0.0.1:28801$path")
  read -r tls tls99 < <(rate "https://127.0.0.1:28901$path")
  awk -v p="$plain" -v t="$tls" -v p99="$plain99" -v t99="$tls99" -v path="$path" 'BEGIN {
    printf "%-11s plain %8.0f req/s (p99 %s)   TLS %8.0f req/s (p99 %s)   TLS/plain %.0f%%\n", path, p, p99, t, t99, 100 * t / p }'
done
