#!/bin/bash
# Instructions per submission refused by a full pool (docs/performance.md, session 15), under callgrind.
#
# A 2-validator cluster of which only the registry runs (under `valgrind --tool=callgrind`), so nothing commits
# and its pool (config.json's mempoolMaxTransactions, and the signer's share mempoolMaxPerSigner, both FILL) stays
# full once filled. FILL+BATCH signed `property.register` transactions are made with `yongchain tx sign`; FILL of
# them fill the pool. The other BATCH, as one batch, are sent once (the code before this session verifies their
# signatures then, and finds them in its memo after); the counts are zeroed; then, over one keep-alive
# connection, they are sent as N batches (`POST /v1/txs/batch`), then one by one N times (`POST /v1/txs`): every
# one refused MEMPOOL_FULL, the same valid transactions again, as a client retrying would send them. The node is
# stopped (callgrind writes its file at exit) and the cluster removed; OUT/summary.txt holds the answers' statuses,
# the window's instructions and those of the server and the two routes' handlers (divide by the requests).
#
# Usage: Y=.build/release/yongchain bash scripts/callgrind-refusal.sh OUT [N] [BATCH] [FILL]
set -euo pipefail
Y=$(realpath "${Y:-.build/release/yongchain}")
OUT=${1:?usage: callgrind-refusal.sh OUT [N] [BATCH] [FILL]}
N=${2:-50}
BATCH=${3:-20}
FILL=${4:-5}
PORT=${PORT:-47360}
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
D=$OUT/cluster
rm -rf "$D"
"$Y" cluster init --dir "$D" --validators 2 --base-port "$PORT" --empty-block-ms 500 > "$OUT/init.txt"
home=$D/registry
python3 - "$home/config.json" "$FILL" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1])); c["mempoolMaxTransactions"] = c["mempoolMaxPerSigner"] = int(sys.argv[2]); json.dump(c, open(sys.argv[1], "w"), indent=2)
EOF
valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" "$Y" node run --home "$home" \
  --log-file "$home/node.log" > "$OUT/valgrind.txt" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2> /dev/null || true; rm -rf "$D"' EXIT
url=$(python3 -c "import json; print([n['url'] for n in json.load(open('$D/cluster.json'))['nodes'] if n['name']=='registry'][0])")
for _ in $(seq 600); do curl -sf "$url/v1/status" > /dev/null && break; sleep 0.5; done
chain=$(curl -sf "$url/v1/status" | python3 -c "import json, sys; print(json.load(sys.stdin)['chainId'])")
owner=$(python3 -c "import json; print([o['publicKey'] for o in json.load(open('$home/genesis.json'))['organizations'] if o['name']=='bank-a'][0])")
T=$OUT/txs
mkdir -p "$T"
for i in $(seq 1 $((FILL + BATCH))); do
  body=$(printf '{"unitNumber":"320505001001GB00001F0001%04d","titleCertificateNumber":"T-%d","area":8950,"use":"residential","owners":[{"commitment":"%064x","publicKey":"%s"}]}' "$i" "$i" "$i" "$owner")
  "$Y" tx sign --key "$home/node.key" --type property.register --body "$body" --chain-id "$chain" --nonce "$i" > "$T/$i.json"
done
for i in $(seq 1 "$FILL"); do curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' --data-binary @"$T/$i.json" "$url/v1/txs"; done > "$OUT/fill.txt"
python3 - "$T" "$FILL" "$BATCH" <<'EOF' > "$T/batch.json"
import json, sys
t, fill, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
print(json.dumps({"transactions": [json.load(open(f"{t}/{i}.json")) for i in range(fill + 1, fill + batch + 1)]}))
EOF
curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary @"$T/batch.json" "$url/v1/txs/batch"
callgrind_control -z "$pid" > /dev/null
# One curl, one connection: `--next` between requests (a body option is global to its part).
post() { local target=$1; shift; local args=() f; for f in "$@"; do
  args+=(-s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' --data-binary @"$f" "$url$target" --next); done
  curl "${args[@]:0:${#args[@]}-1}"; }
files=(); for _ in $(seq "$N"); do files+=("$T/batch.json"); done
post /v1/txs/batch "${files[@]}" > "$OUT/batch-status.txt"
files=(); for _ in $(seq "$N"); do for i in $(seq $((FILL + 1)) $((FILL + BATCH))); do files+=("$T/$i.json"); done; done
post /v1/txs "${files[@]}" > "$OUT/single-status.txt"
curl -s "$url/metrics" | grep -E '^yongchain_mempool_(size|refused)' > "$OUT/metrics.txt" || true
kill -TERM "$pid"
wait "$pid" || true
trap 'rm -rf "$D"' EXIT
{
  echo "fill: $(sort "$OUT/fill.txt" | uniq -c | tr '\n' ' ')"
  echo "batches ($N of $BATCH): $(sort "$OUT/batch-status.txt" | uniq -c | tr '\n' ' ')"
  echo "single ($((N * BATCH))): $(sort "$OUT/single-status.txt" | uniq -c | tr '\n' ' ')"
  cat "$OUT/metrics.txt"
  python3 "$(dirname "$0")/callgrind-summary.py" "$OUT" --grep '^(specialized )?(ServerCore\.serve\(_:_:\)|Admission\.submit(Batch)?\(_:\)|Admission\.admit\(_:relay:\)|static JSON\.decode<A>\(_:_:\))$'
} > "$OUT/summary.txt"
cat "$OUT/summary.txt"
