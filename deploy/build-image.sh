#!/usr/bin/env bash
# Builds Kiln's image, localhost/kiln:dev (override with --tag), from deploy/Dockerfile with podman (or docker).
#
# Where mcr.microsoft.com answers, the build stages run on the official .NET SDK image and the runtime on Debian's
# image. Where no container registry is reachable, both bases are made here from Debian's packages with mmdebstrap
# (the apt mirror this machine uses), the SDK one with this machine's .NET SDK copied in; each is made once and kept.
# Node, npm, pnpm and the Claude Code CLI come from the npm registry at the versions scripts/install.sh pins.
#
#   bash deploy/build-image.sh [--tag NAME] [--local-bases|--registry-bases]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh

tag=localhost/kiln:dev
bases=auto
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag="$2"; shift 2 ;;
    --local-bases) bases=local; shift ;;
    --registry-bases) bases=registry; shift ;;
    *) log "usage: build-image.sh [--tag NAME] [--local-bases|--registry-bases]"; exit 2 ;;
  esac
done

# npm, for the image's node stage: the one Node 22 ships with (npm 10), whatever the host runs.
KILN_IMAGE_NPM_VERSION="${KILN_IMAGE_NPM_VERSION:-10.9.8}"
DEBIAN_SUITE=bookworm

engine="${KILN_CONTAINER_ENGINE:-}"
if [ -z "$engine" ]; then
  if command -v podman >/dev/null; then engine=podman
  elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then engine=docker
  else log "neither podman nor a running docker: run 'bash scripts/install.sh test' (installs podman)"; exit 1; fi
fi

# podman's default runtime (crun) refuses hosts with hybrid cgroups; runc works on them and everywhere else.
engine_args=()
# The docker format keeps HEALTHCHECK, which OCI images have no field for.
if [ "$engine" = podman ]; then engine_args+=(--format docker); fi
if [ "$engine" = podman ] && command -v runc >/dev/null; then engine_args+=(--runtime runc); fi

image_exists() { "$engine" image exists "$1" 2>/dev/null || "$engine" image inspect "$1" >/dev/null 2>&1; }

if [ "$bases" = auto ]; then
  if curl -fsS -o /dev/null --max-time 5 https://mcr.microsoft.com/v2/ 2>/dev/null \
    || [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 https://mcr.microsoft.com/v2/ 2>/dev/null)" = 401 ]; then
    bases=registry
  else
    bases=local
  fi
fi

# The apt mirror and suites this machine is configured with (deb822 or one-line sources), for mmdebstrap.
debian_mirror() {
  local uri
  uri="$(grep -hs -m1 -E '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}')"
  [ -n "$uri" ] || uri="$(grep -hs -m1 -E '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}')"
  echo "${uri:-http://deb.debian.org/debian}"
}

make_local_bases() {
  command -v mmdebstrap >/dev/null || { log "mmdebstrap is needed for a local base: run 'bash scripts/install.sh test'"; exit 1; }
  local mirror sdk_dir sdk_version
  mirror="$(debian_mirror)"
  runtime_image="localhost/kiln-base:$DEBIAN_SUITE"
  if ! image_exists "$runtime_image"; then
    log "making $runtime_image with mmdebstrap from $mirror"
    mmdebstrap --quiet --variant=minbase --include=ca-certificates \
      --customize-hook='chroot "$1" sh -c "rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin"' \
      "$DEBIAN_SUITE" - "deb $mirror $DEBIAN_SUITE main" "deb $mirror $DEBIAN_SUITE-updates main" \
      "deb ${mirror%/debian}/debian-security $DEBIAN_SUITE-security main" \
      | "$engine" import - "$runtime_image" >/dev/null
  fi
  sdk_dir="$(dirname "$(readlink -f "$(command -v dotnet)")")"
  sdk_version="$(dotnet --version)"
  sdk_image="localhost/kiln-sdk:$sdk_version-$DEBIAN_SUITE"
  if ! image_exists "$sdk_image"; then
    log "making $sdk_image with mmdebstrap, with this machine's .NET SDK ($sdk_dir)"
    mmdebstrap --quiet --variant=minbase --include=ca-certificates,curl,libicu72,git \
      --customize-hook="copy-in $sdk_dir /usr/share" \
      --customize-hook='chroot "$1" ln -sf /usr/share/dotnet/dotnet /usr/bin/dotnet' \
      --customize-hook='chroot "$1" sh -c "rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin"' \
      "$DEBIAN_SUITE" - "deb $mirror $DEBIAN_SUITE main" "deb $mirror $DEBIAN_SUITE-updates main" \
      "deb ${mirror%/debian}/debian-security $DEBIAN_SUITE-security main" \
      | "$engine" import - "$sdk_image" >/dev/null
  fi
}

build_args=()
if [ "$bases" = local ]; then
  make_local_bases
  build_args+=(--build-arg "SDK_IMAGE=$sdk_image" --build-arg "RUNTIME_IMAGE=$runtime_image")
fi

# The CA bundle that makes this machine's HTTPS work (an intercepting proxy's CA included), as a build secret.
ca_bundle="${KILN_CA_BUNDLE:-${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}}"
registry="$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)"

log "building $tag with $engine ($bases bases)"
started=$SECONDS
previous="$("$engine" image inspect "$tag" --format '{{.Id}}' 2>/dev/null || true)"
DOCKER_BUILDKIT=1 "$engine" build "${engine_args[@]}" -f deploy/Dockerfile -t "$tag" \
  --secret "id=ca,src=$ca_bundle" \
  --build-arg "NPM_REGISTRY=$registry" \
  --build-arg "NODE_VERSION=$KILN_NODE_VERSION" \
  --build-arg "NPM_VERSION=$KILN_IMAGE_NPM_VERSION" \
  --build-arg "PNPM_VERSION=$KILN_PNPM_VERSION" \
  --build-arg "CLAUDE_CODE_VERSION=$KILN_CLAUDE_CODE_VERSION" \
  "${build_args[@]}" .
size="$("$engine" image inspect "$tag" --format '{{.Size}}' 2>/dev/null || echo 0)"
# A rebuild leaves the image it replaced untagged (1.8 GB each time); remove it unless a container still uses it.
current="$("$engine" image inspect "$tag" --format '{{.Id}}' 2>/dev/null || true)"
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then
  "$engine" rmi "$previous" >/dev/null 2>&1 || true
fi
log "built $tag in $((SECONDS - started)) s: $((size / 1000000)) MB"
