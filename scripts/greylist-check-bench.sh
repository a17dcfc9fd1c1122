#!/bin/bash
# A grey-list check's latency and node CPU beside the encumbrance query's (issue 30's figures; docs/greylist.md,
# "Figures"), end to end as a bank runs them: each through the `yongchain` CLI, one process per request, on the
# suggested consortium (`cluster init --member-banks 2`: four validators, the banks on member nodes), the central
# bank's node holding the VRF key. A check is its three steps (pseudonyms through bank-b's member node from the
# central bank's node, the check transaction waiting for its commit, the proven answer verified from genesis);
# the encumbrance query is one signed request, plain then proven (verified from genesis too). A `status` call gives
# the CLI's own cost (process start, key, TLS-free HTTP). Node CPU is every node's user+system time over the phase,
# divided by the requests. Prints figures; passes or fails nothing. Release build:
#
#   swift build -c release --product yongchain && Y=.build/release/yongchain bash scripts/greylist-check-bench.sh [N]
set -euo pipefail
Y=$(realpath "${Y:-.build/release/yongchain}")
N=${1:-100}
PORT=${PORT:-47900}
D=$(mktemp -d /tmp/yc-greybench.XXXXXX)
[ -n "${KEEP:-}" ] || trap '"$Y" cluster down --dir "$D" > /dev/null 2>&1 || true; rm -rf "$D"' EXIT
"$Y" cluster init --dir "$D" --member-banks 2 --empty-block-ms 300 --base-port "$PORT" > /dev/null
declare -A URL  # each node's URL, read once (a python3 per request would be most of a request's time)
while read -r name u; do URL[$name]=$u; done < <(python3 -c "import json; [print(n['name'], n['url']) for n in json.load(open('$D/cluster.json'))['nodes']]")
url() { echo "${URL[$1]}"; }
as() { local org=$1; shift; "$Y" "$@" --key "$D/$org/node.key" --node "${URL[$org]}"; }
G=$D/registry/genesis.json
"$Y" greylist keygen --out "$D/central-bank/greylist-vrf.pem" > /dev/null
python3 - "$D/central-bank/config.json" <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p)); c["greylistVrfKeyFile"] = "greylist-vrf.pem"; json.dump(c, open(p, "w"))
PY
"$Y" cluster up --dir "$D" > /dev/null
pid=$(as central-bank governance propose greylist-add-key --vrf-key-file "$D/central-bank/greylist-vrf.pem" --output json | python3 -c "import json,sys; print(json.load(sys.stdin)['message'].split(' ')[1])")
for org in registry trade-authority central-bank; do as "$org" governance vote --proposal "$pid" --approve > /dev/null; done
listed=11010519491231002X
report=$(as bank-a greylist report --subject "residentId:$listed" --category fraudAccountOpening --evidence-hash "$(printf 'ab%.0s' {1..32})" | sed -n 's/^  tx //p' | head -1)
as central-bank greylist review --report "$report" --publish --category fraudAccountOpening --subject "residentId:$listed" > /dev/null
# A registered unit for the encumbrance query.
"$Y" keys new --out "$D/owner.key" > /dev/null
unit=320505001001GB00001F00010001
as registry property register --unit "$unit" --title T-1 --owner "residentId:$listed:$D/owner.key" --area 8950 \
  --use residential --title-out "$D/title.json" > /dev/null
sleep 2

cpu() {  # every node's user+system clock ticks, less what the idle cluster spends meanwhile (BG ticks a second)
  local t=0
  for f in "$D"/*/node.pid; do
    read -r -a s < "/proc/$(cat "$f")/stat"; t=$((t + s[13] + s[14]))
  done
  echo $t
}
phase() {  # phase NAME COMMAND...: N runs, each timed; prints p50, p99 and node CPU per run
  local name=$1; shift
  local times=() c0 c1 t0 t1 i
  local s0=$(date +%s%N)
  c0=$(cpu)
  for ((i = 0; i < N; i++)); do
    t0=$(date +%s%N); "$@" > /dev/null; t1=$(date +%s%N); times+=($(((t1 - t0) / 1000)))
  done
  c1=$(( $(cpu) - BG * ($(date +%s%N) - s0) / 1000000000 ))
  printf '%s\n' "${times[@]}" | python3 -c '
import sys
name, ticks, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
v = sorted(int(x) for x in sys.stdin)
p = lambda q: v[min(len(v) - 1, int(q * len(v)))] / 1000
print(f"{name:<34} n={len(v):<5} p50 {p(0.5):8.1f} ms  p99 {p(0.99):8.1f} ms  node CPU {ticks * 1e6 / hz / len(v):8.0f} µs a request (all nodes)")' \
    "$name" $((c1 - c0)) "$(getconf CLK_TCK)"
}
b0=$(cpu); sleep 10; BG=$(( ($(cpu) - b0) / 10 ))
echo "$Y, N=$N, the idle cluster's nodes: $BG ticks a second, load $(cut -d' ' -f1-3 /proc/loadavg)"
proven() { as bank-b property encumbrances --unit "$unit" --prove "$D/answer.json" 2> /dev/null && "$Y" verify answer --genesis "$G" "$D/answer.json"; }
phase "status (the CLI's own cost)" "$Y" status --node "$(url bank-b)"
phase "encumbrances (signed, full node)" "$Y" property encumbrances --unit "$unit" --key "$D/bank-b/node.key" --node "$(url registry)"
phase "encumbrances (signed request)" as bank-b property encumbrances --unit "$unit"
phase "encumbrances, proven + verified" proven
phase "grey-list check, hit (3 steps)" as bank-b greylist check --subject "residentId:$listed" --genesis "$G"
phase "grey-list check, miss (3 steps)" as bank-b greylist check --subject "creditCode:91310000MA1FL0001R" --genesis "$G"
