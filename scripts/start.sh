#!/usr/bin/env bash
# Starts Kiln on http://127.0.0.1:5300 (override with --urls), installing what it needs first.
# With no ANTHROPIC_API_KEY it uses Kiln's built-in offline model.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh
install_runtime

log "building"
dotnet build src/Kiln/Kiln.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
if [ -z "${ANTHROPIC_API_KEY:-}" ]; then
  log "no ANTHROPIC_API_KEY: generating with Kiln's offline model"
fi
log "starting; open http://127.0.0.1:5300 (API reference at /docs)"
exec dotnet src/Kiln/bin/Release/net10.0/Kiln.dll --contentRoot "$PWD/src/Kiln" "$@"
