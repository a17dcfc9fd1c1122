#!/bin/bash
# Instructions per operation on one node, under callgrind: counts that repeat whatever else runs on the machine,
# for comparing builds on a hot path (docs/performance.md, "Session 9").
#
# A 2-validator cluster (the registry and bank-a: both must vote for every block) whose registry runs under
# `valgrind --tool=callgrind`. bench runs a mortgage-year workload of UNITS units (3 transactions each, batches of
# 20) through both nodes, then QUERY_SECONDS of encumbrance queries in one API session against the registry, then
# the same with ?prove=true (unless PROVEN=0; PROVEN=only asks the proven queries alone, warmed with proven ones
# under WINDOW=1, so a proven answer's instructions need no subtraction). ROUTE=healthz or ROUTE=unregistered sends the first load to that
# floor instead (`bench --query-route`; docs/performance.md, session 14). The registry is stopped (callgrind writes
# its file at exit) and the cluster removed; the profile stays in OUT/callgrind.out, summarised by
# scripts/callgrind-summary.py into OUT/summary.txt. WORKLOAD=register runs bench's register workload instead (one
# transaction a unit); QUERY_SECONDS 0 runs no queries.
#
# Usage: Y=.build/release/yongchain bash scripts/callgrind-node.sh OUT [UNITS] [QUERY_SECONDS]
set -euo pipefail
Y=$(realpath "${Y:-.build/release/yongchain}")
OUT=${1:?usage: callgrind-node.sh OUT [UNITS] [QUERY_SECONDS]}
UNITS=${2:-300}
QS=${3:-20}
PORT=${PORT:-47300}
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
D=$OUT/cluster
rm -rf "$D"
"$Y" cluster init --dir "$D" --validators 2 --base-port "$PORT" --empty-block-ms 500 > "$OUT/init.txt"
# As bench's own clusters: the profile is of an answer, not of the 429s a caller's proof quota (200 a second) gives.
for c in "$D"/*/config.json; do
  python3 -c "import json,sys; p=sys.argv[1]; c=json.load(open(p)); c['maxProofsPerSecond']=1000000; json.dump(c, open(p,'w'), indent=2, sort_keys=True)" "$c"
done
"$Y" cluster up --dir "$D" --only bank-a > /dev/null
home=$D/registry
valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" "$Y" node run --home "$home" \
  --log-file "$home/node.log" > "$OUT/valgrind.txt" 2>&1 &
pid=$!
echo "$pid" > "$home/node.pid"
trap '"$Y" cluster down --dir "$D" > /dev/null 2>&1 || true' EXIT
url=$(python3 -c "import json,sys; print([n['url'] for n in json.load(open('$D/cluster.json'))['nodes'] if n['name']=='registry'][0])")
for _ in $(seq 600); do curl -sf "$url/healthz" > /dev/null && break; sleep 0.5; done
"$Y" bench --dir "$D" --validators 2 --units "$UNITS" --batch 20 --workload "${WORKLOAD:-mortgage-year}" > "$OUT/load.txt" 2>&1
# WINDOW=1: the counts start here, so the profile holds the query window alone (the bench's 2 s idle measurement, the
# queries, the node's stop), after 3 s of the same queries that fill the state cache (the steady state: a bench of
# 10 s on a loaded machine asks too few queries to make the first pass's misses negligible); ROUTE=idle then sleeps
# as long instead of querying, for the idle cost to subtract.
if [ "${WINDOW:-0}" = 1 ]; then
  if [ "${PROVEN:-1}" = only ]; then
    "$Y" bench --dir "$D" --queries-only --units "$UNITS" --queries 3 --prove > "$OUT/warm-up.txt" 2>&1
  elif [ "${ROUTE:-}" != idle ]; then
    "$Y" bench --dir "$D" --queries-only --units "$UNITS" --queries 3 ${ROUTE:+--query-route "$ROUTE"} > "$OUT/warm-up.txt" 2>&1
  fi
  callgrind_control -z "$pid" > /dev/null
fi
if [ "${ROUTE:-}" = idle ]; then
  sleep $((QS + 2)); echo "queries             0 (idle)" > "$OUT/queries.txt"
elif [ "$QS" != 0 ] && [ "${PROVEN:-1}" != only ]; then
  "$Y" bench --dir "$D" --queries-only --units "$UNITS" --queries "$QS" ${ROUTE:+--query-route "$ROUTE"} > "$OUT/queries.txt" 2>&1
fi
if [ "$QS" != 0 ] && [ "${PROVEN:-1}" != 0 ]; then
  "$Y" bench --dir "$D" --queries-only --units "$UNITS" --queries "$QS" --prove > "$OUT/proven.txt" 2>&1
fi
kill -TERM "$pid"
wait "$pid" || true
python3 "$(dirname "$0")/callgrind-summary.py" "$OUT" > "$OUT/summary.txt"
cat "$OUT/summary.txt"
