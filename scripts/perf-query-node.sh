#!/bin/bash
# Where a node's CPU goes while it answers session encumbrance queries, kernel included (docs/performance.md,
# "Session 13"): a cluster kept by `bench --keep` (made on the first run into OUT/cluster), then
# 1. `perf record -g` (cpu-clock, kernel samples) on the queried node during a queries-only run, split by
#    scripts/perf-breakdown.py into OUT/breakdown.txt;
# 2. system calls by kind, context switches and migrations (`perf stat`) over a second queries-only run, and over
#    the same time idle, per request into OUT/syscalls.txt.
# Run as root (tracepoints and kernel samples; sets /proc/sys/kernel/perf_event_paranoid to -1).
#
# PROFILE=0 skips step 1 (a rerun for counts only, against the cluster kept in OUT).
#
# Usage: Y=.build/release/yongchain bash scripts/perf-query-node.sh OUT [UNITS] [QUERY_SECONDS] [BASE_PORT]
set -euo pipefail
Y=$(realpath "${Y:-.build/release/yongchain}")
OUT=${1:?usage: perf-query-node.sh OUT [UNITS] [QUERY_SECONDS] [BASE_PORT]}
UNITS=${2:-2000}
QS=${3:-10}
PORT=${4:-47600}
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
D=$OUT/cluster
here=$(dirname "$(realpath "$0")")
echo -1 > /proc/sys/kernel/perf_event_paranoid
if [ ! -f "$D/cluster.json" ]; then
  "$Y" bench --dir "$D" --units "$UNITS" --batch 50 --keep --base-port "$PORT" > "$OUT/load.txt" 2>&1
fi
# The node the bench queries: the third validator (QueryLoad).
home=$(python3 -c "import json; v=[n for n in json.load(open('$D/cluster.json'))['nodes'] if n.get('validator')]; print(v[2 % len(v)]['home'])")
pid=$(cat "$home/node.pid")
switches() { cat /proc/"$pid"/task/*/status | awk '/^voluntary_ctxt_switches/ {v+=$2} /^nonvoluntary_ctxt_switches/ {n+=$2} END {print v, n}'; }

# 1. The profile: perf starts after the bench's 2 s idle measurement and stops before its queries end.
if [ "${PROFILE:-1}" = 1 ]; then
  "$Y" bench --dir "$D" --queries-only --units "$UNITS" --queries "$QS" > "$OUT/queries-perf.txt" 2>&1 &
  bench=$!
  sleep 3
  perf record -q -g -e cpu-clock -F 1999 -p "$pid" -o "$OUT/perf.data" -- sleep $((QS - 2)) 2> "$OUT/perf-record.txt"
  wait "$bench"
  perf script -F tid,ip,sym,dso -i "$OUT/perf.data" 2> /dev/null | python3 "$here/perf-breakdown.py" 30 > "$OUT/breakdown.txt"
fi

# 2. Counts: the same span idle, then across a whole queries-only run.
events='syscalls:sys_enter_*,context-switches,cpu-migrations'
span=$((QS + 4))
perf stat -x, -e "$events" -p "$pid" -o "$OUT/stat-idle.csv" -- sleep "$span" > /dev/null 2>&1 || true
before=$(switches)
"$Y" bench --dir "$D" --queries-only --units "$UNITS" --queries "$QS" > "$OUT/queries-stat.txt" 2>&1 &
bench=$!
perf stat -x, -e "$events" -p "$pid" -o "$OUT/stat-run.csv" -- sleep "$span" > /dev/null 2>&1 || true
wait "$bench"
after=$(switches)
requests=$(sed -n 's/^queries *\([0-9]*\) encumbrance.*/\1/p' "$OUT/queries-stat.txt")
python3 - "$OUT" "$requests" "$before" "$after" > "$OUT/syscalls.txt" <<'EOF'
import csv, sys
out, requests = sys.argv[1], int(sys.argv[2])
def load(name):
    counts = {}
    for row in csv.reader(open(f"{out}/{name}")):
        if len(row) > 2 and row[0].strip().replace(".", "").isdigit():
            counts[row[2]] = float(row[0])
    return counts
idle, run = load("stat-idle.csv"), load("stat-run.csv")
b, a = [list(map(int, s.split())) for s in sys.argv[3:5]]
print(f"{requests} requests; per request, less the same span idle:")
rows = [(k, (run[k] - idle.get(k, 0)) / requests) for k in run]
for k, v in sorted(rows, key=lambda r: -r[1]):
    if abs(v) >= 0.01:
        print(f"{v:8.2f}  {k.replace('syscalls:sys_enter_', '')}")
print(f"voluntary switches {(a[0] - b[0]) / requests:.2f}, involuntary {(a[1] - b[1]) / requests:.2f} per request (idle not subtracted)")
EOF
cat "$OUT/queries-stat.txt" "$OUT/syscalls.txt"
