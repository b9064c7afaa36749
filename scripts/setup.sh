#!/usr/bin/env bash
# Idempotent set-up for MCP Server Manager, called by `npm start` and `npm test`.
# Each step prints one line. Nothing is changed that a check does not show to be needed.
#
#   MCPMAN_SETUP_NO_INSTALL=1   never install system packages; say what to install instead
#   MCPMAN_SETUP_SKIP_BUILD=1   skip npm ci / build (for callers that just did them)
#   MCPMAN_SETUP_EXTRAS="chromium redis registry"   also install these (the test command asks for them)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() { printf 'setup: %-14s %s\n' "$1" "$2"; }
fail() {
  printf 'setup: %-14s FAILED: %s\n' "$1" "$2" >&2
  exit 1
}

is_root() { [ "$(id -u)" = 0 ]; }
can_install() { is_root && [ "${MCPMAN_SETUP_NO_INSTALL:-0}" != 1 ] && command -v apt-get >/dev/null 2>&1; }

STATE_DIR="${XDG_STATE_HOME:-$HOME/.local/state}/mcpman"
mkdir -p "$STATE_DIR"
LOG="$STATE_DIR/setup.log"
: >"$LOG"
# Run a noisy command quietly; on failure show its output.
quiet() {
  if ! "$@" >>"$LOG" 2>&1; then
    tail -n 20 "$LOG" >&2
    return 1
  fi
}

APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" = 0 ]; then
    quiet env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  quiet env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# --- Node.js ----------------------------------------------------------------------------------
NODE_VERSION="$(node -p 'process.versions.node' 2>/dev/null)" || fail node "Node.js is not installed; install Node.js 20.19 or newer"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
  fail node "Node.js $NODE_VERSION is too old; install Node.js 20.19 or newer"
step node "v$NODE_VERSION"

# --- npm dependencies and build ------------------------------------------------------------------
if [ "${MCPMAN_SETUP_SKIP_BUILD:-0}" != 1 ]; then
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    quiet npm ci --no-audit --no-fund --loglevel=error
    step dependencies "installed with npm ci"
  else
    step dependencies "up to date"
  fi
  quiet npm run build --silent
  step build "built (tsc -b, the dashboard with Vite, the extension bundle)"
fi

# --- Podman ------------------------------------------------------------------------------------
# catatonit is Podman's init: containers run with it as PID 1 so servers get signals and
# exit promptly on stop (Node as PID 1 ignores SIGTERM).
has_init() { [ -x /usr/libexec/podman/catatonit ] || command -v catatonit >/dev/null 2>&1; }
if ! command -v podman >/dev/null 2>&1; then
  if can_install; then
    apt_install podman runc catatonit netavark aardvark-dns
    step podman "installed $(podman --version), runc, catatonit and netavark from Debian packages"
  else
    fail podman "Podman is not installed. Install it as root: apt-get install podman runc catatonit (or see https://podman.io/docs/installation)"
  fi
elif ! has_init; then
  if can_install; then
    apt_install catatonit
    step podman "$(podman --version); installed catatonit (container init)"
  else
    fail podman "catatonit (Podman's container init) is missing: apt-get install catatonit"
  fi
else
  step podman "$(podman --version)"
fi

# --- Node base image ---------------------------------------------------------------------------
# npx:// servers are installed on the host (or, where the manager has no npm, by npm in a build
# stage of this image) and copied onto a Node base image. With a registry the runtime uses the
# official Node LTS image; without one it uses this image made from the host's own Node runtime
# (same binary, same libraries) and npm, at the path the official images have it.
BASE_IMAGE="localhost/mcpman-node-base:$NODE_VERSION"
# Bump when the way the base image is made changes, so older ones are rebuilt.
BASE_FORMAT=5
REGISTRY_IMAGE="docker.io/library/node:22-bookworm-slim"
registry_reachable() {
  node -e '
    const req = require("https").get("https://registry-1.docker.io/v2/", { timeout: 5000 }, () => process.exit(0));
    req.on("error", () => process.exit(1));
    req.on("timeout", () => { req.destroy(); process.exit(1); });' 2>/dev/null
}
build_base_image() {
  local dir node_bin lib
  dir="$(mktemp -d)"
  node_bin="$(command -v node)"
  mkdir -p "$dir/usr/local/bin" "$dir/etc" "$dir/home/node" "$dir/app" "$dir/run"
  mkdir -m 1777 "$dir/tmp"
  cp "$(readlink -f "$node_bin")" "$dir/usr/local/bin/node"
  # A POSIX shell and cat, as the official Node images have: the secrets wrapper of image:
  # and build: servers uses them.
  mkdir -p "$dir/bin"
  cp "$(readlink -f "$(command -v dash || command -v sh)")" "$dir/bin/sh"
  cp "$(readlink -f "$(command -v cat)")" "$dir/bin/cat"
  # npm where the official images have it (run as `node npm-cli.js`: no shebang lookup needed).
  mkdir -p "$dir/usr/local/lib/node_modules"
  cp -r "$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")" "$dir/usr/local/lib/node_modules/npm"
  for bin in "$node_bin" "$dir/bin/sh" "$dir/bin/cat"; do
    for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
      mkdir -p "$dir$(dirname "$lib")"
      cp -L "$lib" "$dir$lib"
    done
  done
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000:node:/home/node:/sbin/nologin\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' >"$dir/etc/group"
  chown -R 1000:1000 "$dir/home/node"
  tar -C "$dir" -cf "$dir.tar" .
  quiet podman import \
    --change 'ENTRYPOINT ["/usr/local/bin/node"]' \
    --change 'USER 1000:1000' \
    --change 'WORKDIR /app' \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'ENV NODE_ENV=production' \
    --change 'ENV HOME=/home/node' \
    --change "LABEL io.mcpman.base-format=$BASE_FORMAT" \
    --change "LABEL io.mcpman.node-version=$NODE_VERSION" \
    "$dir.tar" "$BASE_IMAGE"
  rm -rf "$dir" "$dir.tar"
}
base_current() {
  [ "$(podman image inspect --format '{{index .Labels "io.mcpman.base-format"}}' "$BASE_IMAGE" 2>/dev/null)" = "$BASE_FORMAT" ]
}
if podman image exists "$BASE_IMAGE" && base_current; then
  TEST_IMAGE="$BASE_IMAGE"
  step base-image "$BASE_IMAGE present"
elif podman image exists "$REGISTRY_IMAGE"; then
  TEST_IMAGE="$REGISTRY_IMAGE"
  step base-image "$REGISTRY_IMAGE present"
elif registry_reachable && podman pull -q "$REGISTRY_IMAGE" >/dev/null 2>&1; then
  TEST_IMAGE="$REGISTRY_IMAGE"
  step base-image "pulled $REGISTRY_IMAGE"
else
  build_base_image
  TEST_IMAGE="$BASE_IMAGE"
  step base-image "no registry reachable: built $BASE_IMAGE from the host's Node runtime"
fi

# --- Container runtime check -------------------------------------------------------------------
# Restricted machines (CI sandboxes) cannot raise rlimits, and crun may not support their cgroup
# layout. Only when a trivial container fails for one of those reasons is the fix written.
if is_root; then
  CONF_DIR=/etc/containers/containers.conf.d
else
  CONF_DIR="${XDG_CONFIG_HOME:-$HOME/.config}/containers/containers.conf.d"
fi
CONF_FILE="$CONF_DIR/50-mcpman.conf"
trial_run() { podman run --rm --network none --entrypoint /usr/local/bin/node "$TEST_IMAGE" -e 0 2>&1; }
CONF_CHANGED=0
if output="$(trial_run)"; then
  step runtime "a trivial container runs"
elif grep -qiE 'rlimit|cgroups in hybrid mode|crun' <<<"$output"; then
  if ! command -v runc >/dev/null 2>&1; then
    if can_install; then apt_install runc; else fail runtime "containers fail ($output); install runc"; fi
  fi
  mkdir -p "$CONF_DIR"
  cat >"$CONF_FILE" <<'CONF'
# Written by mcpman's set-up because a trivial container failed to start here
# (rlimits cannot be raised in this sandbox, or crun does not support its cgroups).
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
CONF
  CONF_CHANGED=1
  output="$(trial_run)" || fail runtime "containers still fail after writing $CONF_FILE: $output"
  step runtime "wrote $CONF_FILE (default_ulimits nofile=20000, nproc=4096; runtime runc): containers run now"
else
  fail runtime "a trivial container failed: $output"
fi

# --- Network backend ---------------------------------------------------------------------------
# netavark sets up bridge networks and published ports with iptables, which Debian's netavark
# only recommends: without it every container on a bridge fails to start ("netavark: No such
# file or directory").
if ! command -v iptables >/dev/null 2>&1 && [ ! -x /usr/sbin/iptables ]; then
  if can_install; then
    apt_install iptables
    step iptables "installed iptables (netavark needs it for bridge networks and ports)"
  else
    step iptables "missing: containers on bridge networks will not start (install iptables as root)"
  fi
fi
# `network: isolated` servers speak http on an internal network that only the manager reaches.
# Podman's netavark gives that network's bridge a host address; the older CNI backend gives an
# internal bridge none, so the host cannot reach the server. Switch only while nothing exists
# that was made with CNI (no containers), and say so.
NET_CONF="$CONF_DIR/51-mcpman-network.conf"
has_netavark() { [ -x /usr/lib/podman/netavark ] || [ -x /usr/libexec/podman/netavark ] || command -v netavark >/dev/null 2>&1; }
backend="$(podman info --format '{{.Host.NetworkBackend}}' 2>/dev/null || echo unknown)"
if [ "$backend" != cni ]; then
  step network "$backend"
else
  if ! has_netavark && can_install; then apt_install netavark aardvark-dns; fi
  if ! has_netavark; then
    step network "cni (isolated http servers are unreachable from the host: install netavark and aardvark-dns)"
  elif [ -n "$(podman ps -aq 2>/dev/null)" ]; then
    step network "cni; netavark is installed but containers exist: set network_backend = \"netavark\" in containers.conf after removing them, for isolated http servers"
  else
    mkdir -p "$CONF_DIR"
    cat >"$NET_CONF" <<'CONF'
# Written by mcpman's set-up: Podman was on the CNI backend, whose internal networks give the
# host no route to the containers on them (mcpman's `network: isolated` http servers).
[network]
network_backend = "netavark"
CONF
    CONF_CHANGED=1
    # CNI's bridges stay up with the same subnets as netavark's and would take their routes.
    stale=""
    if is_root; then
      for link in $(ip -br link 2>/dev/null | awk '{print $1}' | grep '^cni-podman' || true); do
        ip link delete "$link" 2>/dev/null && stale="$stale $link"
      done
    fi
    step network "wrote $NET_CONF: Podman uses netavark now (was cni)${stale:+; removed CNI bridges$stale}"
  fi
fi

# --- Podman API socket -------------------------------------------------------------------------
socket_answers() {
  node -e '
    const req = require("http").get({ socketPath: process.argv[1], path: "/_ping", timeout: 3000 }, (res) => {
      process.exit(res.statusCode === 200 ? 0 : 1);
    });
    req.on("error", () => process.exit(1));
    req.on("timeout", () => { req.destroy(); process.exit(1); });' "$1" 2>/dev/null
}
if is_root; then
  SOCKET=/run/podman/podman.sock
else
  SOCKET="${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/podman/podman.sock"
fi
for candidate in "${CONTAINER_HOST:-}" "${DOCKER_HOST:-}"; do
  case "$candidate" in unix://*) if socket_answers "${candidate#unix://}"; then SOCKET="${candidate#unix://}"; fi ;; esac
done
PIDFILE="$STATE_DIR/podman-service.pid"
start_service() {
  mkdir -p "$(dirname "$SOCKET")"
  # From `/`: the service outlives this checkout, and its helpers fail in a deleted folder.
  (cd / && exec nohup setsid podman system service --time=0 "unix://$SOCKET" >"$STATE_DIR/podman-service.log" 2>&1) &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 100); do
    if socket_answers "$SOCKET"; then return 0; fi
    sleep 0.1
  done
  fail api-socket "podman system service did not answer on $SOCKET; see $STATE_DIR/podman-service.log"
}
if socket_answers "$SOCKET"; then
  if [ "$CONF_CHANGED" = 1 ] && [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    kill "$(cat "$PIDFILE")"
    start_service
    step api-socket "restarted on $SOCKET to pick up the containers.conf changes"
  else
    step api-socket "answering on $SOCKET"
    [ "$CONF_CHANGED" = 1 ] && step api-socket "note: restart your Podman API service to pick up the containers.conf changes"
  fi
else
  start_service
  step api-socket "started podman system service on $SOCKET"
fi

# --- Extras for the test suite -----------------------------------------------------------------
for extra in ${MCPMAN_SETUP_EXTRAS:-}; do
  case "$extra" in
    chromium)
      if command -v chromium >/dev/null 2>&1; then
        step chromium "$(chromium --version 2>/dev/null | head -n1)"
      elif can_install; then
        apt_install chromium
        step chromium "installed $(chromium --version 2>/dev/null | head -n1)"
      else
        fail chromium "Chromium is needed for the UI tests: apt-get install chromium"
      fi
      ;;
    redis)
      if command -v redis-server >/dev/null 2>&1; then
        step redis "$(redis-server --version | cut -d' ' -f3)"
      elif can_install; then
        apt_install redis-server
        step redis "installed redis-server"
      else
        fail redis "Redis is needed for the shared rate-limit tests: apt-get install redis-server"
      fi
      ;;
    registry)
      # An OCI registry on loopback for the `mcpman images push` test (Debian's docker-registry).
      if command -v docker-registry >/dev/null 2>&1; then
        step registry "docker-registry present"
      elif can_install; then
        apt_install docker-registry
        step registry "installed docker-registry"
      else
        fail registry "An image registry is needed for the image push test: apt-get install docker-registry"
      fi
      ;;
    *) fail extras "unknown extra '$extra'" ;;
  esac
done

step done "ready (API socket $SOCKET, base image $TEST_IMAGE)"
