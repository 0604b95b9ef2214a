#!/usr/bin/env bash
# Starts the fleet of deploy/compose.yaml (redis, nginx, three Kiln instances) with podman-compose or docker compose,
# building the images it names that are missing: Kiln's with build-image.sh, redis and nginx from the local Debian
# base (deploy/redis.Containerfile, deploy/nginx.Containerfile). Set KILN_REDIS_IMAGE / KILN_NGINX_IMAGE to the
# official images where a registry is reachable, and nothing is built for them.
#
#   bash deploy/compose-up.sh [up]        # starts it in the background and prints the URL (with ?token=)
#   bash deploy/compose-up.sh down [-v]   # stops it, giving each Kiln 90 s to drain; -v also removes the volumes
#
# KILN_TOKEN: the fleet's token; one is made and kept in ~/.config/kiln/<project>.token unless it is set.
# KILN_COMPOSE_PROJECT: the compose project's name (default kiln), so two fleets on one machine stay apart.
set -euo pipefail
cd "$(dirname "$0")/.."

command="${1:-up}"
[ $# -gt 0 ] && shift
project="${KILN_COMPOSE_PROJECT:-kiln}"
export KILN_PORT="${KILN_PORT:-8080}"
export KILN_IMAGE="${KILN_IMAGE:-localhost/kiln:dev}"
export KILN_REDIS_IMAGE="${KILN_REDIS_IMAGE:-localhost/kiln-redis:bookworm}"
export KILN_NGINX_IMAGE="${KILN_NGINX_IMAGE:-localhost/kiln-nginx:bookworm}"

engine="${KILN_CONTAINER_ENGINE:-}"
if [ -z "$engine" ]; then
  if command -v podman >/dev/null; then engine=podman; else engine=docker; fi
fi
if [ "$engine" = podman ]; then
  command -v podman-compose >/dev/null || { echo "podman-compose is missing: run 'bash scripts/install.sh test'" >&2; exit 1; }
  # crun refuses hosts with hybrid cgroups (runc does not). podman-compose gives no container a stop timeout of its
  # own, so `down` passes one: the Kiln services' stop_grace_period.
  compose=(podman-compose -p "$project" -f deploy/compose.yaml)
  if command -v runc >/dev/null; then compose+=(--podman-args "--runtime runc"); fi
  export KILN_PROC_OPT="unmask=/proc/*"
else
  compose=(docker compose -p "$project" -f deploy/compose.yaml)
  # Docker has no unmask: its systempaths=unconfined leaves /proc unmasked.
  export KILN_PROC_OPT="systempaths=unconfined"
fi

token_file="${XDG_CONFIG_HOME:-$HOME/.config}/kiln/$project.token"
if [ -z "${KILN_TOKEN:-}" ]; then
  if [ ! -s "$token_file" ]; then
    mkdir -p "$(dirname "$token_file")"
    (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$token_file")
  fi
  KILN_TOKEN="$(cat "$token_file")"
fi
export KILN_TOKEN

case "$command" in
  down)
    "${compose[@]}" down -t 90 "$@"
    # podman-compose leaves the project's network behind.
    if [ "$engine" = podman ]; then podman network rm -f "${project}_default" >/dev/null 2>&1 || true; fi
    exit 0 ;;
  up) ;;
  *) echo "usage: compose-up.sh [up|down [-v]]" >&2; exit 2 ;;
esac

image_exists() { "$engine" image inspect "$1" >/dev/null 2>&1; }
base=localhost/kiln-base:bookworm
build_args=()
if [ "$engine" = podman ] && command -v runc >/dev/null; then build_args+=(--runtime runc); fi

if ! image_exists "$KILN_IMAGE"; then
  bash deploy/build-image.sh --tag "$KILN_IMAGE"
fi
for service in redis nginx; do
  variable="KILN_${service^^}_IMAGE"
  image="${!variable}"
  if ! image_exists "$image"; then
    case "$image" in
      localhost/*)
        # The local Debian base build-image.sh made, or Debian's own image where a registry answers.
        from="$base"; image_exists "$base" || from=docker.io/library/debian:bookworm-slim
        echo "compose-up: building $image from $from" >&2
        "$engine" build "${build_args[@]}" --build-arg "BASE_IMAGE=$from" -f "deploy/$service.Containerfile" -t "$image" deploy ;;
      *) "$engine" pull "$image" ;;
    esac
  fi
done

"${compose[@]}" up -d "$@"
echo "kiln: open http://localhost:$KILN_PORT/?token=$KILN_TOKEN ('bash deploy/compose-up.sh down' stops it; the volumes stay)" >&2
