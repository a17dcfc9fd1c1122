#!/usr/bin/env bash
# TLS 1.3 beside plain HTTP, same run, same release binary: two single-validator nodes, one "tls": "on" and one
# "tls": "off" (docs/performance.md, "TLS").
#   1. Handshake CPU: full TLS 1.3 handshakes, then resumed ones (session tickets), with `openssl s_time`, each
#      connection one GET /healthz; the node's CPU per connection (utime+stime from /proc, the idle node's own
#      rate subtracted) and the client's.
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

# A member's certificate for the mutual handshakes (as a peer node presents one): over the registry's own key.
openssl req -new -x509 -key "$work/tls/registry/node.key" -subj /CN=registry -days 1 -out "$work/member.crt" 2>/dev/null

handshakes() {  # $1: -new or -reuse, then extra s_time arguments; $KIND names the row
  local before after out n user kind=$1
  before=$(cpu)
  # -www: each connection also asks GET /healthz and reads the answer, and with it the session tickets.
  out=$(openssl s_time -connect 127.0.0.1:28901 -tls1_3 "$@" -www /healthz -time "$DUR" 2>/dev/null)
  after=$(cpu)
  n=$(echo "$out" | awk '/connections in/ {print $1; exit}')
  user=$(echo "$out" | awk '/connections\/user sec/ {for (i = 1; i <= NF; i++) if ($i ~ /connections\/user/) print $(i - 1); exit}')
  awk -v a="$before" -v b="$after" -v t="$TICK" -v n="$n" -v idle="$idle" -v d="$DUR" -v cps="$user" -v kind="${KIND:-$kind}" 'BEGIN {
    server = ((b - a) / t - idle * d) / n * 1000
    printf "%-14s %6d handshakes in %ds (%.0f/s): node CPU %.3f ms each, client (openssl) CPU %.3f ms each\n",
      kind, n, d, n / d, server, (cps > 0 ? 1000 / cps : 0) }'
}
echo "== TLS 1.3 handshakes against the node (Ed25519 certificate, X25519 key exchange; client without a certificate)"
handshakes -new
handshakes -reuse
KIND="-new mutual" handshakes -new -cert "$work/member.crt" -key "$work/tls/registry/node.key"
YONGCHAIN_GENESIS="$work/tls/registry/genesis.json" $Y status --node https://127.0.0.1:28901 >/dev/null
curl -sk https://127.0.0.1:28901/metrics | awk '/^yongchain_tls_handshakes_total\{result="(full|resumed)"\}/ {printf "node counted: %s\n", $0}'

PLAIN_PID=$(cat "$work/plain/registry/node.pid")
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# wrk's requests and their p99, and the node's CPU per request (µs).
load() {  # $1: node pid, $2: url, then extra wrk arguments
  local pid=$1 url=$2; shift 2
  local before after out
  before=$(cpu_of "$pid")
  out=$(wrk -t2 -c"$CONN" -d"${DUR}s" --latency "$@" "$url")
  after=$(cpu_of "$pid")
  echo "$out" | awk -v a="$before" -v b="$after" -v t="$TICK" '
    /requests in/ {n = $1} /Requests\/sec/ {r = $2} /99%/ {p = $2}
    END {printf "%8.0f req/s  p99 %-8s node CPU %5.1f µs/request", r, p, (b - a) / t / n * 1e6}'
}
echo "== keep-alive queries, wrk -t2 -c$CONN, ${DUR}s each (wrk's own TLS runs on the same cores)"
for path in /healthz /v1/status; do
  printf '%-11s plain %s\n' "$path" "$(load "$PLAIN_PID" "http://127.0.0.1:28801$path")"
  printf '%-11s TLS   %s\n' "$path" "$(load "$PID" "https://127.0.0.1:28901$path")"
done
echo "== a new connection per request (Connection: close), GET /healthz"
printf 'plain       %s\n' "$(load "$PLAIN_PID" "http://127.0.0.1:28801/healthz" -H "Connection: close")"
printf 'TLS         %s\n' "$(load "$PID" "https://127.0.0.1:28901/healthz" -H "Connection: close")"
