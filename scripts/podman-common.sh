# Sourced by scripts/podman-cluster.sh and scripts/five-hosts.sh: tools, a podman configuration of our own, the
# base image and the node image. Nothing here changes the host's configuration:
#   - podman reads $WORK/containers.conf (CONTAINERS_CONF), never /etc/containers/containers.conf;
#   - packages are installed only if missing, after `apt-get update`;
#   - the Debian mirror for debootstrap is the one this machine's apt already uses (apt-get indextargets).
# Expects ROOT (the repository) and WORK (a directory of the script's own) to be set.

step() { printf '\n== %s  (%ss)\n' "$*" "$SECONDS"; }

yc_tools() {
  local missing=()
  for t in podman:podman podman-compose:podman-compose debootstrap:debootstrap runc:runc ip:iproute2; do
    command -v "${t%%:*}" >/dev/null || missing+=("${t#*:}")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} (apt-get update first)"
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# runc, not crun (crun fails on this kind of machine); container limits within this host's hard limits (asking
# for more is refused); a node needs a few dozen threads, so nproc 4096 is ample.
yc_containers_conf() {
  mkdir -p "$WORK"
  local nofile; nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] && nofile=65536
  cat > "$WORK/containers.conf" <<CONF
# Written by $(basename "$0") for its own podman calls only (exported as CONTAINERS_CONF).
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]
[engine]
runtime = "runc"
CONF
  export CONTAINERS_CONF="$WORK/containers.conf"
}

# The Debian mirror apt on this machine uses for bookworm.
yc_mirror() {
  apt-get indextargets --format '$(REPO_URI) $(CODENAME)' 2>/dev/null | awk '$2 == "bookworm" { print $1; exit }'
}

BASE_IMAGE=localhost/bookworm-yongchain-base
IMAGE=${YONGCHAIN_IMAGE:-localhost/yongchain:local}

# A Debian bookworm base with SQLite and libcrypto, made with debootstrap and imported: no image registry needed.
# Kept between runs (it takes a minute or two to make); `podman rmi localhost/bookworm-yongchain-base` removes it.
yc_base_image() {
  if podman image exists "$BASE_IMAGE"; then echo "$BASE_IMAGE exists (kept from an earlier run)"; return; fi
  local mirror; mirror=$(yc_mirror)
  [ -n "$mirror" ] || { echo "no bookworm mirror in this machine's apt configuration (apt-get indextargets)" >&2; return 1; }
  echo "debootstrap bookworm from $mirror"
  rm -rf "$WORK/rootfs"
  # An HTTP proxy apt is configured with applies to debootstrap too (it reads only the environment).
  local P=""; eval "$(apt-config shell P Acquire::http::Proxy)"
  [ -n "$P" ] && [ -z "${http_proxy:-}" ] && export http_proxy=$P
  debootstrap --variant=minbase --include=libsqlite3-0,libssl3,passwd bookworm "$WORK/rootfs" "$mirror" >/dev/null
  tar -C "$WORK/rootfs" -c . | podman import - "$BASE_IMAGE" >/dev/null
  rm -rf "$WORK/rootfs"
}

# The yongchain binary built on the host (Swift runtime linked statically) in docker/Dockerfile.prebuilt's image.
yc_node_image() {
  (cd "$ROOT" && swift build -c release --static-swift-stdlib --product yongchain 2>&1 | tail -1)
  rm -rf "$WORK/ctx"; mkdir -p "$WORK/ctx"
  cp "$ROOT/.build/release/yongchain" "$ROOT/docker/Dockerfile.prebuilt" "$WORK/ctx/"
  podman build --format docker -q -f "$WORK/ctx/Dockerfile.prebuilt" --build-arg RUNTIME_IMAGE="$BASE_IMAGE" \
    -t "$IMAGE" "$WORK/ctx" >/dev/null
  rm -rf "$WORK/ctx"
  echo "image $IMAGE"
}

height() { "$Y" status --node "$1" --output json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["height"])' 2>/dev/null || echo 0; }
