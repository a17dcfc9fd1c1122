#!/bin/bash
# Where the validators' CPU goes past saturation, kernel included (docs/performance.md, "Session 16"): a `register`
# bench past saturation in its own session at raised priority, and `perf record -g` (cpu-clock) on its four
# validators from DELAY seconds in for SECONDS; then the samples by library, with libcrypto's Ed25519 code (the
# unnamed functions at ED25519_RANGE, offsets in this machine's libcrypto 3.0) apart from the rest of libcrypto.
# Run as root (kernel samples). Nothing else should run on the machine: the shares are of its two cores.
#
# Usage: Y=.build/release/yongchain bash scripts/perf-validators.sh OUT [DELAY] [SECONDS]
# BENCH="--units 76924 --batch 50" profiles the city-year instead (DELAY 60 lands in its second phase).
set -euo pipefail
Y=$(realpath "${Y:-.build/release/yongchain}")
OUT=${1:?usage: perf-validators.sh OUT [DELAY] [SECONDS]}
DELAY=${2:-22}
SECONDS_=${3:-25}
RANGE=${ED25519_RANGE:-0x17c000-0x181000}
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
D=$OUT/cluster
rm -rf "$D"
setsid bash -c "echo -20 > /proc/\$\$/autogroup; exec nice -n -20 '$Y' bench --dir '$D' ${BENCH:---workload register --units 160000 --rate 2400 --duration 60 --batch 20}" > "$OUT/bench.txt" 2>&1 &
bench=$!
sleep "$DELAY"
pids=$(cat "$D"/*/node.pid | paste -sd, -)
perf record -g -F 999 -p "$pids" -o "$OUT/perf.data" -- sleep "$SECONDS_" > "$OUT/perf-record.txt" 2>&1
wait "$bench"
perf report -i "$OUT/perf.data" -n --sort dso,symbol --no-children -g none --percent-limit 0 --stdio 2>/dev/null \
  | python3 -c "
import re, sys
lo, hi = (int(x, 16) for x in '$RANGE'.split('-'))
by, total = {}, 0
for line in sys.stdin:
    p = line.split()
    if len(p) < 5 or not p[0].endswith('%'): continue
    n, dso, sym = int(p[1]), p[2], p[4]
    m = re.match(r'0x([0-9a-f]+)', sym)
    if dso.startswith('libcrypto') and m and lo <= int(m.group(1), 16) < hi: dso = 'libcrypto (Ed25519 field and point code)'
    by[dso] = by.get(dso, 0) + n; total += n
print(f'{total} samples')
for d, n in sorted(by.items(), key=lambda x: -x[1]):
    if n * 1000 >= total: print(f'{100 * n / total:6.1f} %  {n:7d}  {d}')
" | tee "$OUT/by-library.txt"
grep -E 'committed|node |machine' "$OUT/bench.txt" | tee -a "$OUT/by-library.txt"
