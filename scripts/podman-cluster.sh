#!/usr/bin/env bash
# The compose consortium of cluster/compose.yaml for real, with podman and no image registry (slow: minutes the
# first time; not part of CI). Run as root from anywhere:
#   bash scripts/podman-cluster.sh          (OUTAGE_S=40 by default: how long bank-b stays down)
#   1. a Debian bookworm base from debootstrap (mirror: this machine's apt configuration), imported into podman;
#   2. the yongchain binary built on the host (static Swift runtime) in docker/Dockerfile.prebuilt's image;
#   3. keys, genesis and configs from `yongchain cluster init --compose`, the cluster up with podman-compose;
#   4. the demo's flows through the published ports; bank-b killed for OUTAGE_S seconds while the others commit,
#      restarted, and checked to catch up; each container's health check run once (podman without systemd never
#      schedules it); everything torn down.
# Podman reads a containers.conf of this script's own (CONTAINERS_CONF), never the host's. Traffic stays on
# 127.0.0.1 and the compose project's own podman network, which teardown removes with the containers and volumes.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${WORK:-/var/tmp/yongchain-podman}
OUTAGE_S=${OUTAGE_S:-40}
export PATH="/opt/swift/usr/bin:$PATH"
source scripts/podman-common.sh
PROJECT=yongchain
NODES=$WORK/nodes
COMPOSE=(podman-compose -p "$PROJECT" -f cluster/compose.yaml)
export YONGCHAIN_NODES=$NODES

step "tools, podman configuration, images"
yc_tools
yc_containers_conf
echo "podman reads $CONTAINERS_CONF only"
yc_base_image
yc_node_image
Y=$ROOT/.build/release/yongchain

teardown() {
  step "tear down"
  "${COMPOSE[@]}" down -v >/dev/null 2>&1 || true
  podman network rm -f "${PROJECT}_default" >/dev/null 2>&1 || true
  rm -rf "$NODES"
  echo "removed: the $PROJECT containers, their volumes and network ${PROJECT}_default, $NODES"
  echo "kept: images $BASE_IMAGE and $IMAGE (podman rmi to remove), $WORK/containers.conf"
}
teardown >/dev/null   # leftovers of an interrupted run
trap teardown EXIT

step "keys, genesis, configs"
"$Y" cluster init --compose --dir "$NODES"
# The consortium speaks TLS 1.3: the CLI authenticates each node by the members' keys in genesis.
export YONGCHAIN_GENESIS="$NODES/registry/genesis.json"

step "up"
"${COMPOSE[@]}" up -d 2>&1 | tail -2
for port in 26601 26602 26603 26604 26605 26606 26607; do
  for _ in $(seq 1 60); do "$Y" status --node "https://127.0.0.1:$port" >/dev/null 2>&1 && break; sleep 1; done
done
for c in $(podman ps --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}'); do
  podman healthcheck run "$c" >/dev/null && echo "  $c healthy"
done
"$Y" cluster status --dir "$NODES"

step "mortgage and trade-finance flows through the published ports"
"$Y" demo --attach --dir "$NODES" | tail -1

step "bank-b down for ${OUTAGE_S}s, then back"
BANKB=$(podman ps --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}' | grep bank-b | head -1)
H_DOWN=$(height https://127.0.0.1:26606)
podman kill "$BANKB" >/dev/null
sleep "$OUTAGE_S"
H_OTHERS=$(height https://127.0.0.1:26601)
echo "  while bank-b was down the others went on: height $H_DOWN -> $H_OTHERS ($((H_OTHERS - H_DOWN)) blocks)"
T_BACK=$SECONDS
podman start "$BANKB" >/dev/null
B=0
for _ in $(seq 1 240); do B=$(height https://127.0.0.1:26606); [ "$B" -ge "$H_OTHERS" ] && break; sleep 0.5; done
[ "$B" -ge "$H_OTHERS" ] || { echo "bank-b did not catch up: height $B, the others were at $H_OTHERS" >&2; exit 1; }
echo "  bank-b restarted and reached height $H_OTHERS in $((SECONDS - T_BACK)) s"
[ $((H_OTHERS - H_DOWN)) -ge 10 ] || { echo "the outage covered only $((H_OTHERS - H_DOWN)) blocks; raise OUTAGE_S" >&2; exit 1; }
"$Y" cluster status --dir "$NODES"
echo "podman cluster: OK"
