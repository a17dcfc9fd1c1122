#!/usr/bin/env bash
# Five organisations on five hosts, proven on one machine (slow: about 2 minutes once the base and node images are
# built, plus a few minutes the first time to build them; not part of CI). Run as root:
#   bash scripts/five-hosts.sh            (OUTAGE_S=60 by default: how long bank-b's host is down)
#
# Each "host" is a network namespace this script creates (yc5-<org>), joined to the others by a bridge it also
# creates (yc5br0, 10.77.5.0/24). Each organisation, on its own host:
#   1. `yongchain org init` — makes its key (never leaves the host) and its public member card;
# the coordinator (the registry) collects the five cards only and runs `yongchain genesis assemble`; every host
# re-assembles from the same cards to check the genesis hash it received; then each host:
#   2. `yongchain org bundle` — its config, genesis and a one-node compose file publishing its address;
#   3. `podman-compose up -d` inside its namespace: its own compose project, its own podman network, reachable by
#      the others only through the address it publishes.
# Then: the demo's mortgage and trade-finance flows through the published addresses; a load of property
# registrations (signed on the registry's host with the registry's key); bank-b's host taken down (its compose
# project stopped and its link cut) for OUTAGE_S seconds under that load, and brought back; the check that no
# acknowledged transaction is lost, every node has every one at the same height, and no two nodes disagree on any
# block (no fork); bank-b's catch-up timed. Everything the script made is removed at the end (namespaces, bridge,
# containers, compose networks and volumes, the hosts' files); kept for the next run or for reading: the base and
# node images, $WORK/containers.conf, $WORK/summary.txt and this run's logs in $WORK/run/ (each run replaces them).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${WORK:-/var/tmp/yongchain-five-hosts}
RUN=$WORK/run
OUTAGE_S=${OUTAGE_S:-60}
LOAD_RATE=${LOAD_RATE:-10}
export PATH="/opt/swift/usr/bin:$PATH"
source scripts/podman-common.sh

ORGS=(registry trade-authority bank-a bank-b bank-c)
declare -A ROLE=([registry]="--role registry --authorities realEstate" [trade-authority]="--role registry --authorities trade"
                 [bank-a]="--role bank" [bank-b]="--role bank" [bank-c]="--role bank --power 0")
declare -A IP
for i in "${!ORGS[@]}"; do IP[${ORGS[$i]}]=10.77.5.$((11 + i)); done
BR=yc5br0
DOWN=bank-b
# Run a command on an organisation's host: in its network namespace only (nsenter, not `ip netns exec`, which
# remounts /sys and so hides the cgroup mounts runc needs).
on() { local org=$1; shift; nsenter --net="/run/netns/yc5-$org" "$@"; }
# Between organisations TLS is the only real setting: every address is https://, and every client (the CLI, the
# load) authenticates each node by its key in genesis (YONGCHAIN_GENESIS, exported once genesis is assembled).
url() { echo "https://${IP[$1]}:26601"; }
compose() { local org=$1; shift; on "$org" podman-compose -p "yongchain-$org" -f "$WORK/hosts/$org/compose.yaml" "$@"; }

teardown() {
  step "tear down"
  for org in "${ORGS[@]}"; do
    if ip netns list | grep -qw "yc5-$org"; then
      compose "$org" down -v >/dev/null 2>&1 || true
      podman network rm -f "yongchain-${org}_default" >/dev/null 2>&1 || true
      ip netns del "yc5-$org"
    fi
  done
  ip link del "$BR" 2>/dev/null || true
  rm -rf "$WORK/hosts" "$WORK/coordinator"
  echo "removed: 5 namespaces, bridge $BR, 5 compose projects with their networks and volumes, $WORK/hosts, $WORK/coordinator"
  echo "kept: images $BASE_IMAGE and $IMAGE (podman rmi to remove), $WORK/containers.conf, $WORK/summary.txt,"
  echo "      this run's logs in $RUN (up-<org>.log, load.txt, check.txt, acked.txt; replaced by the next run)"
}

step "tools, podman configuration, images"
yc_tools
yc_containers_conf
echo "podman reads $CONTAINERS_CONF only"
yc_base_image
yc_node_image
Y=$ROOT/.build/release/yongchain
trap teardown EXIT
teardown >/dev/null 2>&1 || true   # leftovers of an interrupted run
rm -rf "$RUN"
mkdir -p "$WORK/hosts" "$WORK/coordinator/cards" "$RUN"

step "five hosts: network namespaces on bridge $BR"
ip link add "$BR" type bridge
ip addr add 10.77.5.1/24 dev "$BR"
ip link set "$BR" up
for i in "${!ORGS[@]}"; do
  org=${ORGS[$i]}
  ip netns add "yc5-$org"
  ip link add "yc5v$i" type veth peer name eth0 netns "yc5-$org"
  ip link set "yc5v$i" master "$BR" up
  on "$org" ip addr add "${IP[$org]}/24" dev eth0
  on "$org" ip link set eth0 up
  on "$org" ip link set lo up
  on "$org" ip route add default via 10.77.5.1
  echo "  $org: ${IP[$org]}"
done

step "genesis ceremony: each organisation makes its key on its own host; only member cards travel"
for org in "${ORGS[@]}"; do
  # shellcheck disable=SC2086
  on "$org" "$Y" org init --home "$WORK/hosts/$org" --name "$org" ${ROLE[$org]} --address "$(url "$org")" | sed 's/^/  /'
  cp "$WORK/hosts/$org/member.json" "$WORK/coordinator/cards/$org.json"
done
GENESIS_TIME=$(( $(date +%s) * 1000 ))
"$Y" genesis assemble --chain-id city-consortium-1 --time "$GENESIS_TIME" --out "$WORK/coordinator/genesis.json" "$WORK"/coordinator/cards/*.json
export YONGCHAIN_GENESIS="$WORK/coordinator/genesis.json"
for org in "${ORGS[@]}"; do
  cp "$WORK/coordinator/genesis.json" "$WORK/hosts/$org/received-genesis.json"
  # Each member checks what it received: the same cards and time give the same hash.
  mkdir -p "$WORK/hosts/$org/check"; cp "$WORK"/coordinator/cards/*.json "$WORK/hosts/$org/check/"
  mine=$(on "$org" "$Y" genesis assemble --chain-id city-consortium-1 --time "$GENESIS_TIME" --out "$WORK/hosts/$org/check/genesis.json" "$WORK"/hosts/"$org"/check/*.json | awk '{print $2}')
  cmp -s "$WORK/hosts/$org/check/genesis.json" "$WORK/hosts/$org/received-genesis.json" || { echo "$org: received genesis differs from its own assembly" >&2; exit 1; }
  rm -rf "$WORK/hosts/$org/check"
  on "$org" "$Y" org bundle --home "$WORK/hosts/$org" --genesis "$WORK/hosts/$org/received-genesis.json" | head -1 | sed 's/^/  /'
  echo "  $org checked genesis $mine"
done

step "up: one compose project per host, inside its namespace"
T_UP=$SECONDS
for org in "${ORGS[@]}"; do compose "$org" up -d > "$RUN/up-$org.log" 2>&1 || { cat "$RUN/up-$org.log"; exit 1; }; done
for org in "${ORGS[@]}"; do
  for _ in $(seq 1 60); do "$Y" status --node "$(url "$org")" >/dev/null 2>&1 && break; sleep 1; done
  "$Y" status --node "$(url "$org")" >/dev/null || { tail -20 "$RUN/up-$org.log"; compose "$org" logs | tail -20; exit 1; }
done
for org in "${ORGS[@]}"; do
  c=$(on "$org" podman ps --filter "label=io.podman.compose.project=yongchain-$org" --format '{{.Names}}' | head -1)
  # Podman without systemd never schedules HEALTHCHECK; running it once is how to check (exit 0: healthy). The
  # bundle's check speaks https:// and pins the node's own key.
  on "$org" podman healthcheck run "$c" >/dev/null && echo "  $org: container $c healthy at $(url "$org")"
done
echo "  all five answering after $((SECONDS - T_UP)) s"
# Each node reaches the others only through their published addresses: its peers list says so.
"$Y" peers --node "$(url bank-c)" --output json | python3 -c 'import json,sys; print("  bank-c peers:", ", ".join("%s %s" % (p.get("name", "?"), p.get("url", p.get("address", "?"))) for p in json.load(sys.stdin).get("peers", [])))' || true

step "the demo's flows through the published addresses"
python3 - "$WORK" "${ORGS[@]}" <<'PY'
import json, sys
work, orgs = sys.argv[1], sys.argv[2:]
ips = {o: "10.77.5.%d" % (11 + i) for i, o in enumerate(orgs)}
g = json.load(open(work + "/coordinator/genesis.json"))
power = {o["name"]: o["power"] for o in g["organizations"]}
json.dump({"chainId": g["chainId"], "nodes": [{"name": o, "home": "%s/hosts/%s" % (work, o), "url": "https://%s:26601" % ips[o],
           "validator": power[o] > 0} for o in orgs]}, open(work + "/coordinator/cluster.json", "w"))
PY
"$Y" demo --attach --dir "$WORK/coordinator" | tail -1

step "load, and bank-b's host down for ${OUTAGE_S}s under it"
rm -f "$RUN/acked.txt" "$RUN/stop"
LOAD_NODES=()
for org in registry trade-authority bank-a bank-c; do LOAD_NODES+=(--node "$(url "$org")"); done
on registry python3 scripts/five_hosts_load.py load --key "$WORK/hosts/registry/node.key" "${LOAD_NODES[@]}" \
  --seconds 600 --rate "$LOAD_RATE" --log "$RUN/acked.txt" --stop "$RUN/stop" > "$RUN/load.txt" 2>&1 &
LOAD_PID=$!
sleep 15
H_DOWN=$(height "$(url "$DOWN")")
ACK_BEFORE=$(wc -l < "$RUN/acked.txt")
compose "$DOWN" stop >/dev/null 2>&1
ip link set "yc5v3" down
T_DOWN=$SECONDS
echo "  $DOWN down at height $H_DOWN ($ACK_BEFORE transactions acknowledged so far)"
sleep "$OUTAGE_S"
H_OTHERS=$(height "$(url registry)")
ACK_DURING=$(( $(wc -l < "$RUN/acked.txt") - ACK_BEFORE ))
ip link set "yc5v3" up
T_BACK=$SECONDS; NS_BACK=$(date +%s%N)
compose "$DOWN" start >/dev/null 2>&1
echo "  $DOWN back after $((T_BACK - T_DOWN)) s, during which the others committed $((H_OTHERS - H_DOWN)) blocks (to height $H_OTHERS) and acknowledged $ACK_DURING transactions"
H_B=0
for _ in $(seq 1 1200); do
  H_B=$(height "$(url "$DOWN")")
  [ "$H_B" -ge "$H_OTHERS" ] && break
  sleep 0.25
done
[ "$H_B" -ge "$H_OTHERS" ] || { echo "$DOWN did not catch up: height $H_B, the others were at $H_OTHERS" >&2; exit 1; }
CATCH_UP=$(awk -v a="$NS_BACK" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
echo "  $DOWN reached height $H_OTHERS ${CATCH_UP} s after its container was started (now at $H_B; registry at $(height "$(url registry)"))"
# Back in consensus, not only following: its precommits are in the commit certificates again.
H_REJOIN=0
for _ in $(seq 1 120); do
  H_REJOIN=$("$Y" validators --node "$(url registry)" --output json | python3 -c 'import json,sys; print(next((v.get("lastSignedHeight") or 0) for v in json.load(sys.stdin)["validators"] if v["name"] == sys.argv[1]))' "$DOWN")
  [ "$H_REJOIN" -gt "$H_OTHERS" ] && break
  sleep 0.25
done
[ "$H_REJOIN" -gt "$H_OTHERS" ] || { echo "$DOWN follows the chain but has not signed a block since its return" >&2; exit 1; }
REJOIN=$(awk -v a="$NS_BACK" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
echo "  $DOWN signs again: its precommit is in the certificate of height $H_REJOIN, ${REJOIN} s after its start"
sleep 15   # the load goes on with bank-b back in consensus
touch "$RUN/stop"
LOAD_OK=0; wait "$LOAD_PID" || LOAD_OK=$?
cat "$RUN/load.txt"
[ "$LOAD_OK" = 0 ] || { echo "the load saw rejected transactions (each is a fresh registration: none should be)" >&2; exit 1; }

step "checks: no acknowledged transaction lost, no fork, everyone caught up"
sleep 3
ALL_NODES=()
for org in "${ORGS[@]}"; do ALL_NODES+=(--node "$(url "$org")"); done
python3 scripts/five_hosts_load.py check --log "$RUN/acked.txt" "${ALL_NODES[@]}" | tee "$RUN/check.txt"
grep -q ': OK$' "$RUN/check.txt"
for org in "${ORGS[@]}"; do printf '  %-16s height %s\n' "$org" "$(height "$(url "$org")")"; done

{
  echo "five hosts ($(date -u +%FT%TZ)): 5 organisations, 5 namespaces, 5 compose projects"
  echo "outage: $DOWN's host down $((T_BACK - T_DOWN)) s under load (heights $H_DOWN -> $H_OTHERS: $((H_OTHERS - H_DOWN)) blocks and $ACK_DURING acknowledged transactions it missed)"
  echo "catch-up: at the others' height ${CATCH_UP} s after its container started; signing again (height $H_REJOIN) after ${REJOIN} s"
  cat "$RUN/load.txt" "$RUN/check.txt"
} > "$WORK/summary.txt"
step "summary"
cat "$WORK/summary.txt"
echo "five hosts: OK"
