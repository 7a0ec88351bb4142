#!/usr/bin/env bash
# Checks packaging/ustc-status-server.service with `systemd-analyze verify`.
#   bash packaging/verify-unit.sh [PATH_TO_BINARY]
# verify insists that ExecStart's program exists; the unit names the installed path,
# so a copy pointing at a binary that exists here is checked instead. Skips (exit 0,
# with a message) when systemd-analyze is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "verify-unit.sh: systemd-analyze not installed, unit not checked" >&2
    exit 0
fi
bin=${1:-/bin/true}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s#^ExecStart=/usr/local/bin/ustc-status-server #ExecStart=$bin #" \
    packaging/ustc-status-server.service >"$tmp/ustc-status-server.service"
# Warnings are failures: a directive systemd does not know would be ignored silently.
out=$(systemd-analyze verify --man=no "$tmp/ustc-status-server.service" 2>&1) || {
    echo "$out" >&2
    exit 1
}
if [ -n "$out" ]; then
    echo "$out" >&2
    exit 1
fi
echo "verify-unit.sh: packaging/ustc-status-server.service OK"
