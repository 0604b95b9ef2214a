#!/usr/bin/env bash
# Installs what Kiln needs on a Debian machine with the .NET SDK, idempotently: a package already present
# is not fetched again. Sourced by start.sh and test.sh; `bash scripts/install.sh [runtime|test]` also works.
set -euo pipefail

KILN_CLAUDE_CODE_VERSION="${KILN_CLAUDE_CODE_VERSION:-2.1.332}"
# Node 22 LTS from the npm package node-linux-<arch> where the distribution's node is older (Debian 12 ships 18, and
# Node 20 reached its end of life in April 2026; pnpm 11 and current Vite need 22). It goes into its own prefix under
# /usr, which the sandbox shows read-only like the rest of the system, and is linked into /usr/local/bin, ahead of
# /usr/bin on Kiln's search path (Kiln:Sandbox:SearchPath) and on PATH. deploy/Dockerfile installs the same versions.
KILN_NODE_VERSION="${KILN_NODE_VERSION:-22.23.5}"
KILN_NODE_PREFIX="${KILN_NODE_PREFIX:-/usr/local/lib/kiln-node}"
KILN_BIN_DIR="${KILN_BIN_DIR:-/usr/local/bin}"
# pnpm, installed into Node's prefix and linked beside it. pnpm 11 (Node >= 22.13) runs Kiln's offline apps, but
# still fails some install, template and dev-server tests (Tools.InstalledTemplateTests, ScaffoldToolTests,
# Preview.DevServerLifecycleTests), so it stays at 10 until those pass.
KILN_PNPM_VERSION="${KILN_PNPM_VERSION:-10.34.9}"
# Lints the OpenAPI document in the tests (Api/OpenApiContractTests); pinned, since its recommended rules change with it.
KILN_REDOCLY_VERSION="${KILN_REDOCLY_VERSION:-2.77.0}"

log() { printf '\033[1mkiln:\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to run: $*"; return 1; fi
}

apt_updated=0
need_apt() { # need_apt <command> <package>
  if command -v "$1" >/dev/null 2>&1; then return 0; fi
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    as_root apt-get update -qq
    apt_updated=1
  fi
  log "installing $2 (apt)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

need_npm_global() { # need_npm_global <command> <package@version>
  local wanted="${2##*@}"
  if command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -qF "$wanted"; then return 0; fi
  log "installing $2 (npm)"
  as_root npm install -g --no-fund --no-audit --loglevel=error "$2" >/dev/null
}

node_major() { # node_major <node>: its major version, 0 when it does not run
  local version
  version="$("$1" --version 2>/dev/null)" || { echo 0; return; }
  version="${version#v}"
  echo "${version%%.*}"
}

link_into_bin() { # link_into_bin <program in KILN_NODE_PREFIX/bin>
  local target="$KILN_NODE_PREFIX/bin/$1"
  if [ "$(readlink "$KILN_BIN_DIR/$1" 2>/dev/null)" != "$target" ]; then
    as_root ln -sfn "$target" "$KILN_BIN_DIR/$1"
  fi
}

need_node() {
  # Debian's npm (and the node it depends on) fetches the package and runs until Node 22 is linked ahead of it.
  need_apt npm npm
  local current
  current="$(command -v node 2>/dev/null || true)"
  if [ -n "$current" ] && [ "$(readlink -f "$current")" != "$KILN_NODE_PREFIX/bin/node" ] \
    && [ "$(node_major "$current")" -ge 22 ]; then
    return 0
  fi
  if [ "$("$KILN_NODE_PREFIX/bin/node" --version 2>/dev/null)" != "v$KILN_NODE_VERSION" ]; then
    local arch work
    case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) log "no Node package for $(uname -m)"; exit 1 ;; esac
    log "installing Node $KILN_NODE_VERSION (npm package node-linux-$arch) into $KILN_NODE_PREFIX"
    work="$(mktemp -d)"
    # npm pack checks the tarball against the registry's integrity hash.
    (cd "$work" && npm pack --silent --no-fund "node-linux-$arch@$KILN_NODE_VERSION" >/dev/null)
    as_root mkdir -p "$KILN_NODE_PREFIX"
    as_root tar -xzf "$work"/node-linux-*.tgz -C "$KILN_NODE_PREFIX" --strip-components=1 package/bin/node package/LICENSE
    rm -rf "$work"
  fi
  # npm and pnpm read their global config (a registry, a CA file for an intercepting proxy) from <node's prefix>/etc/npmrc:
  # Node's new prefix keeps the machine's, read before the switch.
  local globalconfig
  globalconfig="$(npm config get globalconfig 2>/dev/null || true)"
  if [ -f "$globalconfig" ] && [ "$globalconfig" != "$KILN_NODE_PREFIX/etc/npmrc" ] && [ ! -e "$KILN_NODE_PREFIX/etc/npmrc" ]; then
    as_root mkdir -p "$KILN_NODE_PREFIX/etc"
    as_root ln -s "$globalconfig" "$KILN_NODE_PREFIX/etc/npmrc"
  fi
  link_into_bin node
  hash -r
}

need_pnpm() {
  if [ "$("$KILN_NODE_PREFIX/bin/pnpm" --version 2>/dev/null)" != "$KILN_PNPM_VERSION" ]; then
    log "installing pnpm@$KILN_PNPM_VERSION (npm) into $KILN_NODE_PREFIX"
    as_root npm install -g --prefix "$KILN_NODE_PREFIX" --no-fund --no-audit --loglevel=error "pnpm@$KILN_PNPM_VERSION" >/dev/null
  fi
  link_into_bin pnpm
  hash -r
}

install_runtime() {
  command -v dotnet >/dev/null || { log "the .NET 10 SDK is required (dotnet on PATH)"; exit 1; }
  need_apt git git
  need_node
  need_apt bwrap bubblewrap
  # check_app opens the app in Kiln's headless browser: Debian's Chromium, driven by Playwright (never downloaded).
  need_apt chromium chromium
  need_pnpm
}

install_test() {
  install_runtime
  # The Redis store's tests start their own redis-server (never the system service).
  need_apt redis-server redis-server
  # The fleet's tests run their own nginx in front of several instances (never the system service).
  need_apt nginx nginx
  # The deployment test checks the systemd unit with systemd-analyze verify.
  need_apt systemd-analyze systemd
  # The image's tests build deploy/Dockerfile and run it with podman (on runc: crun refuses hybrid cgroups), make
  # its Debian base with mmdebstrap where no registry is reachable, and bring the compose fleet up.
  need_apt podman podman
  need_apt runc runc
  need_apt mmdebstrap mmdebstrap
  need_apt podman-compose podman-compose
  need_npm_global claude "@anthropic-ai/claude-code@${KILN_CLAUDE_CODE_VERSION}"
  need_npm_global redocly "@redocly/cli@${KILN_REDOCLY_VERSION}"
  # The repository's local .NET tools (.config/dotnet-tools.json): Kiota, which generates a client from the OpenAPI
  # document in the tests (Api/GeneratedClientTests). Quick when they are already there.
  (cd "$(dirname "${BASH_SOURCE[0]}")/.." && dotnet tool restore >/dev/null)
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-runtime}" in
    runtime) install_runtime ;;
    test) install_test ;;
    *) log "usage: install.sh [runtime|test]"; exit 2 ;;
  esac
fi
