#!/usr/bin/env bash
# The compose consortium for real, with podman (no Docker engine here) and no image registry:
#   1. a Debian bookworm base from debootstrap, imported into podman, with SQLite and libcrypto installed;
#   2. the yongchain binary built on the host (static Swift runtime) and copied into the image;
#   3. keys, genesis and configs from `yongchain cluster init --compose`, the cluster up with podman-compose;
#   4. transactions driven through the published ports with the host's CLI; one container killed and restarted,
#      and checked to catch up; everything torn down.
# Slow (minutes); not part of CI. Traffic stays on 127.0.0.1 and podman's own network.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${WORK:-/var/tmp/yongchain-podman}
export PATH="/opt/swift/usr/bin:$PATH"
step() { printf '\n== %s\n' "$*"; }

step "tools"
command -v podman >/dev/null || apt-get install -y -qq podman podman-compose debootstrap runc
mkdir -p /etc/containers
# runc, not crun; container limits at this host's hard limits (asking for more is refused).
# (nproc at the hard limit is refused here too; a node needs a few dozen threads, 4096 is ample.)
NOFILE=$(ulimit -Hn); NPROC=4096; [ "$NOFILE" = unlimited ] && NOFILE=65536
cat > /etc/containers/containers.conf <<CONF
[containers]
default_ulimits = ["nofile=$NOFILE:$NOFILE", "nproc=$NPROC:$NPROC"]
[engine]
runtime = "runc"
CONF


step "base image (debootstrap bookworm, once)"
mkdir -p "$WORK"
if ! podman image exists localhost/bookworm-yongchain-base; then
  rm -rf "$WORK/rootfs"
  debootstrap --variant=minbase --include=libsqlite3-0,libssl3,passwd bookworm "$WORK/rootfs" http://deb.debian.org/debian >/dev/null
  tar -C "$WORK/rootfs" -c . | podman import - localhost/bookworm-yongchain-base
fi

step "binary and image"
swift build -c release --static-swift-stdlib --product yongchain 2>&1 | tail -1
rm -rf "$WORK/ctx"; mkdir -p "$WORK/ctx"
cp .build/release/yongchain docker/Dockerfile.prebuilt "$WORK/ctx/"
podman build --runtime runc --format docker -q -f "$WORK/ctx/Dockerfile.prebuilt" --build-arg RUNTIME_IMAGE=localhost/bookworm-yongchain-base \
  -t localhost/yongchain:local "$WORK/ctx"

step "keys, genesis, configs"
rm -rf cluster/nodes
.build/release/yongchain cluster init --compose --dir cluster/nodes

Y=.build/release/yongchain
# The consortium speaks TLS 1.3: the CLI authenticates each node by the members' keys in genesis.
export YONGCHAIN_GENESIS=cluster/nodes/registry/genesis.json
cleanup() { step "tear down"; podman-compose -f cluster/compose.yaml down -v >/dev/null 2>&1 || true; rm -rf cluster/nodes; }
trap cleanup EXIT

step "up"
podman-compose -f cluster/compose.yaml down -v >/dev/null 2>&1 || true   # leftovers of an interrupted run
podman-compose -f cluster/compose.yaml up -d 2>&1 | tail -5
for port in 26601 26602 26603 26604 26605; do
  for _ in $(seq 1 60); do $Y status --node https://127.0.0.1:$port >/dev/null 2>&1 && break; sleep 1; done
done
$Y cluster status --dir cluster/nodes

height() { $Y status --node "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["height"])' 2>/dev/null || echo 0; }

step "mortgage and trade-finance flows through the published ports"
$Y demo --attach --dir cluster/nodes

step "kill and restart bank-b"
BANKB=$(podman ps --format '{{.Names}}' | grep bank-b | head -1)
podman kill "$BANKB" >/dev/null
sleep 3
H=$(height https://127.0.0.1:26601)
sleep 2
H2=$(height https://127.0.0.1:26601)
echo "while bank-b is down the others go on: registry at height $H, then $H2"
podman start "$BANKB" >/dev/null
B=0
for _ in $(seq 1 90); do B=$(height https://127.0.0.1:26604); [ "$B" -ge "$H2" ] && break; sleep 1; done
echo "bank-b restarted and caught up to height $B (registry was at $H2)"
[ "$B" -ge "$H2" ]
$Y cluster status --dir cluster/nodes
echo "podman cluster: OK"
