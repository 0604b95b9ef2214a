#!/usr/bin/env bash
# Runs Kiln's image in the foreground, as scripts/start.sh runs Kiln: Ctrl+C or SIGTERM stops it (Kiln drains) and
# removes the container; the data volume (projects, kiln.db, caches) stays for the next run.
#
#   bash deploy/run-image.sh [--port N] [--image NAME] [--name NAME] [--volume NAME] [-- podman-run arguments]
#
# Listening beyond loopback inside the container, Kiln needs a token: one is made and kept in the volume's
# neighbour file ~/.config/kiln/<volume>.token unless KILN_TOKEN is set, and the URL printed carries it (?token=).
# bubblewrap runs inside with Kiln's own seccomp profile (deploy/seccomp-kiln.json: the engine's default plus the
# namespace calls bwrap makes) and /proc unmasked, which a new /proc in bwrap's pid namespace requires.
set -euo pipefail
cd "$(dirname "$0")/.."

port=5300
image=localhost/kiln:dev
name=kiln
volume=kiln-data
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --image) image="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    --volume) volume="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: run-image.sh [--port N] [--image NAME] [--name NAME] [--volume NAME] [-- run arguments]" >&2; exit 2 ;;
  esac
done

engine="${KILN_CONTAINER_ENGINE:-}"
if [ -z "$engine" ]; then
  if command -v podman >/dev/null; then engine=podman; else engine=docker; fi
fi

token="${KILN_TOKEN:-}"
if [ -z "$token" ]; then
  token_file="${XDG_CONFIG_HOME:-$HOME/.config}/kiln/$volume.token"
  if [ ! -s "$token_file" ]; then
    mkdir -p "$(dirname "$token_file")"
    (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$token_file")
  fi
  token="$(cat "$token_file")"
fi

args=(run --rm --name "$name"
  -p "127.0.0.1:$port:5300"
  -v "$volume:/var/lib/kiln"
  -e "Kiln__Auth__Token=$token"
  # The preview and site origins are p-{id}.localhost:{port}: the published port, not the one inside.
  -e "Kiln__PublicOrigins__0=http://localhost:$port"
  -e "Kiln__PublicOrigins__1=http://127.0.0.1:$port"
  -e "Kiln__Preview__Domain=localhost:$port" -e "Kiln__Preview__Scheme=http"
  --stop-timeout 90
  --security-opt "seccomp=$PWD/deploy/seccomp-kiln.json"
)
if [ "$engine" = podman ]; then
  # crun refuses hosts with hybrid cgroups (runc does not); the default ulimits exceed what some hosts grant.
  if command -v runc >/dev/null; then args=(--runtime runc "${args[@]}"); fi
  args+=(--security-opt "unmask=/proc/*" --ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
  # podman runs HEALTHCHECK from systemd timers; without systemd it only logs errors (probe /healthz by hand there).
  if [ ! -S /run/systemd/private ]; then args+=(--no-healthcheck); fi
else
  # Docker has no unmask: its systempaths=unconfined leaves /proc unmasked.
  args+=(--security-opt systempaths=unconfined --security-opt apparmor=unconfined)
fi
# On a network whose HTTPS is intercepted, the host's CA bundle (with the proxy's CA) replaces the image's, read-only.
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  args+=(-v "$NODE_EXTRA_CA_CERTS:/etc/ssl/certs/ca-certificates.crt:ro")
fi

echo "kiln: open http://localhost:$port/?token=$token (Ctrl+C stops it; the volume $volume stays)" >&2
# The engine's client forwards SIGINT and SIGTERM to the container; --rm removes it once Kiln has drained.
exec "$engine" "${args[@]}" "${extra[@]}" "$image"
