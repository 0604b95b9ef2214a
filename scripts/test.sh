#!/usr/bin/env bash
# Runs Kiln's whole test suite, installing what the tests need first (bubblewrap, the claude CLI).
# --fast leaves out the tests tagged [Slow] (over about ten seconds each: scaffolds, installs, Vite dev servers,
# shutdowns, the fleet, the real claude CLI, browsers); CI runs everything. Other arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")/.."

runner_args=()
for argument in "$@"; do
  if [ "$argument" = "--fast" ]; then
    runner_args+=(--filter-not-trait "Category=Slow")
  else
    runner_args+=("$argument")
  fi
done

source scripts/install.sh
install_test

log "building"
dotnet build Kiln.slnx -nologo -v quiet -clp:ErrorsOnly

# The browser tests drive Debian's Chromium (installed above); Playwright must never fetch its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

log "testing"
output=$(mktemp)
status=0
dotnet test --solution Kiln.slnx --no-build "${runner_args[@]}" 2>&1 | tee "$output" || status=$?

# One plain closing line, whatever the runner printed before it.
succeeded=$(grep -E '^\s+succeeded: [0-9]+' "$output" | awk '{s+=$2} END {print s+0}')
failed=$(grep -E '^\s+failed: [0-9]+' "$output" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -E '^\s+skipped: [0-9]+' "$output" | awk '{s+=$2} END {print s+0}')
# Each failure again at the end, where a long log cannot bury it: its name and the first lines of its message.
if [ "$failed" != "0" ]; then
  echo "failures:"
  # The runner indents only a message's first line; its next lines (xunit's Expected/Actual) start anywhere.
  awk '/^failed / {n = 12; print; next} /^(passed|skipped) |^Test run summary/ {n = 0} n > 0 && NF > 0 {print; n--}' "$output"
fi
rm -f "$output"
echo "${succeeded} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
