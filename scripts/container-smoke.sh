#!/usr/bin/env bash
# Builds the Tradewind container image from the current checkout and runs a release cycle
# against it (CI stage "container"; also runnable by hand as root):
#   1. a Debian base image made with debootstrap, cached by a hash of its inputs under
#      $TRADEWIND_CONTAINER_CACHE (default /var/cache/tradewind-ci) and in podman's storage;
#   2. the image built from Containerfile with a wheel of the checkout;
#   3. the image run with a read-only root filesystem, then signed in to, given an
#      organisation, an application, an uploaded package and a release, and asked by a device.
# Podman runs with runc (crun fails on the hybrid cgroup layout of these machines) and
# container ulimits capped at the host's hard limits, through a generated containers.conf.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

SUITE=bookworm
MIRROR=${TRADEWIND_DEBIAN_MIRROR:-http://deb.debian.org/debian}
BASE_PACKAGES=python3,python3-venv,ca-certificates
CACHE=${TRADEWIND_CONTAINER_CACHE:-/var/cache/tradewind-ci}
CA_BUNDLE=${TRADEWIND_BUILD_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
TRADEWIND=${TRADEWIND_CLI:-.venv/bin/tradewind}
PYTHON=${TRADEWIND_PYTHON:-.venv/bin/python}
work=$(mktemp -d /tmp/tradewind-container.XXXXXX)
container=""

cleanup() {
  local status=$?
  if [ -n "$container" ]; then
    podman logs "$container" >"$work/container.log" 2>&1 || true
    if [ "$status" -ne 0 ]; then
      log "the container's log (last 80 lines):" >&2
      tail -n 80 "$work/container.log" >&2 || true
    fi
    podman rm -f -t 5 "$container" >/dev/null 2>&1 || true
    podman volume rm -f "$container-data" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

log() { echo "container-smoke: $*"; }

install_tools() {
  local missing=()
  for tool in podman runc debootstrap; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq podman runc debootstrap >/dev/null
  fi
}

write_containers_conf() {
  # nproc also no higher than pid_max: runc is refused anything above it here.
  local nofile nproc pid_max
  nofile=$(ulimit -Hn)
  nproc=$(ulimit -Hu)
  if [ "$nofile" = unlimited ]; then
    nofile=1048576
  fi
  pid_max=$(cat /proc/sys/kernel/pid_max)
  if [ "$nproc" = unlimited ] || [ "$nproc" -gt "$pid_max" ]; then
    nproc=$pid_max
  fi
  cat >"$work/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  export CONTAINERS_CONF=$work/containers.conf
}

# The base image: debootstrap's minimal Debian plus Python, imported into podman.
base_image() {
  local key tag tarball
  key=$(printf '%s\n' "$SUITE" "$MIRROR" "$BASE_PACKAGES" "$(declare -f make_base)" |
    sha256sum | cut -c1-16)
  tag=localhost/tradewind-base:$key
  tarball=$CACHE/base-$key.tar
  if ! podman image exists "$tag"; then
    if [ ! -s "$tarball" ]; then
      make_base "$tarball"
    fi
    podman import --quiet "$tarball" "$tag" >/dev/null
  fi
  echo "$tag"
}

make_base() {
  local tarball=$1 root="$work/rootfs"
  log "debootstrap $SUITE (cached afterwards as $tarball)" >&2
  mkdir -p "$CACHE"
  debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$root" "$MIRROR" \
    >"$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log" >&2; return 1; }
  # What an image does not need: package lists, caches, manuals, locales.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/usr/share/doc/* \
    "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*
  find "$root"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'locale.alias' \
    -exec rm -rf {} + 2>/dev/null || true
  tar -C "$root" --numeric-owner -cf "$tarball.partial" .
  mv "$tarball.partial" "$tarball"
  rm -rf "$root"
}

build_image() {
  local base=$1 context="$work/context" source="$work/source" secret=()
  mkdir -p "$context" "$source"
  # From a copy, so that the build leaves nothing behind in the checkout.
  cp -r pyproject.toml README.md src "$source/"
  "$PYTHON" -m pip wheel --quiet --no-deps -w "$context" "$source" >/dev/null
  cp Containerfile "$context/"
  if [ -s "$CA_BUNDLE" ]; then
    secret=(--secret "id=cacert,src=$CA_BUNDLE")
  fi
  podman build --quiet --format docker --network host --build-arg "BASE=$base" \
    "${secret[@]}" -t localhost/tradewind:smoke "$context" >/dev/null
}

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

run_container() {
  local port=$1 name="tradewind-smoke-$$"
  podman volume create "$name-data" >/dev/null
  container=$name
  # No systemd here to time the health check: it is run by hand below (--health-interval).
  podman run -d --name "$name" --network host --read-only --tmpfs /tmp \
    --health-interval disable \
    -v "$name-data:/data" \
    -e TRADEWIND_PORT="$port" -e TRADEWIND_HOST=127.0.0.1 \
    -e TRADEWIND_PUBLIC_BASE_URL="http://127.0.0.1:$port" \
    -e TRADEWIND_ADMIN_EMAIL=admin@example.com -e TRADEWIND_ADMIN_PASSWORD=smoke-test-password \
    -e TRADEWIND_WORKERS=2 -e TRADEWIND_METRICS_ENABLED=true \
    localhost/tradewind:smoke >/dev/null
  for _ in $(seq 1 120); do
    if [ "$(podman healthcheck run "$name" >/dev/null 2>&1 && echo ok)" = ok ]; then
      return 0
    fi
    if [ "$(podman inspect -f '{{.State.Running}}' "$name")" != true ]; then
      podman logs "$name" >&2 || true
      return 1
    fi
    sleep 0.5
  done
  podman logs "$name" >&2 || true
  return 1
}

smoke() {
  local url=$1 home="$work/cli" bundle="$work/bundle"
  export XDG_CONFIG_HOME=$home
  mkdir -p "$bundle/assets"
  printf "console.log('smoke');" >"$bundle/index.android.bundle"
  head -c 4096 /dev/urandom >"$bundle/assets/logo.png"
  echo smoke-test-password | "$TRADEWIND" login --server "$url" --email admin@example.com \
    --password-stdin >/dev/null
  "$TRADEWIND" org create smoke --display-name Smoke >/dev/null
  "$TRADEWIND" app create shop --org smoke >/dev/null
  "$TRADEWIND" push "$bundle" --org smoke --app shop --index index.android.bundle \
    --lazy 'assets/**' >/dev/null
  "$TRADEWIND" release create 1 --org smoke --app shop >/dev/null
  "$PYTHON" scripts/container_check.py "$url" smoke shop
  if [ "$(podman exec "$container" id -u)" != 10001 ]; then
    log "the server runs as root" >&2
    return 1
  fi
}

# SIGTERM (podman stop) must end the server cleanly, within the grace period.
stop_container() {
  podman stop -t 30 "$container" >/dev/null
  local code
  code=$(podman inspect -f '{{.State.ExitCode}}' "$container")
  if [ "$code" != 0 ]; then
    podman logs "$container" 2>&1 | tail -n 20 >&2
    log "the server exited with $code after SIGTERM" >&2
    return 1
  fi
}

main() {
  install_tools
  write_containers_conf
  local t=$SECONDS base port
  base=$(base_image)
  log "base image $base ready in $((SECONDS - t)) s"
  t=$SECONDS
  build_image "$base"
  log "image built in $((SECONDS - t)) s ($(podman image inspect -f '{{.Size}}' localhost/tradewind:smoke) bytes)"
  t=$SECONDS
  port=$(free_port)
  run_container "$port"
  log "container healthy in $((SECONDS - t)) s"
  smoke "http://127.0.0.1:$port"
  stop_container
  log "container passed the smoke test; total $((SECONDS - started)) s wall"
}

main "$@"
