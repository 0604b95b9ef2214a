#!/usr/bin/env bash
# Installs what Kiln needs on a Debian machine with the .NET SDK, idempotently: a package already present
# is not fetched again. Sourced by start.sh and test.sh; `bash scripts/install.sh [runtime|test]` also works.
set -euo pipefail

KILN_CLAUDE_CODE_VERSION="${KILN_CLAUDE_CODE_VERSION:-2.1.332}"
# pnpm 10 is the newest major that runs on Debian's Node 20 (pnpm 11 needs Node 22).
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

install_runtime() {
  command -v dotnet >/dev/null || { log "the .NET 10 SDK is required (dotnet on PATH)"; exit 1; }
  need_apt git git
  need_apt node nodejs
  need_apt npm npm
  need_apt bwrap bubblewrap
  # check_app opens the app in Kiln's headless browser: Debian's Chromium, driven by Playwright (never downloaded).
  need_apt chromium chromium
  need_npm_global pnpm "pnpm@${KILN_PNPM_VERSION}"
}

install_test() {
  install_runtime
  # The Redis store's tests start their own redis-server (never the system service).
  need_apt redis-server redis-server
  # The fleet's tests run their own nginx in front of several instances (never the system service).
  need_apt nginx nginx
  # The deployment test checks the systemd unit with systemd-analyze verify.
  need_apt systemd-analyze systemd
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
