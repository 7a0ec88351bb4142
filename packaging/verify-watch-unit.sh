#!/usr/bin/env bash
# Checks the units `xtu watch --print-unit systemd` and `systemd-timer` print
# with `systemd-analyze verify`; warnings are failures.
#   bash packaging/verify-watch-unit.sh [PATH_TO_XTU]
# The binary defaults to the workspace's debug build (built when missing); the
# service's ExecStart names that binary, so verify finds it. Skips (exit 0,
# with a message) when systemd-analyze is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "verify-watch-unit.sh: systemd-analyze not installed, units not checked" >&2
    exit 0
fi
bin=${1:-}
if [ -z "$bin" ]; then
    cargo build -q -p xtu-cli --bin xtu
    bin=$(pwd)/target/debug/xtu
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" watch --print-unit systemd --only grades,exams --exec 'notify-send "$XTU_EVENT_SUMMARY"' \
    >"$tmp/xtu-watch.service"
"$bin" watch --print-unit systemd-timer --every 30m >"$tmp/xtu-watch.timer"
out=$(systemd-analyze verify --man=no "$tmp/xtu-watch.service" "$tmp/xtu-watch.timer" 2>&1) || {
    echo "$out" >&2
    exit 1
}
if [ -n "$out" ]; then
    echo "$out" >&2
    exit 1
fi
echo "verify-watch-unit.sh: xtu watch's systemd service and timer OK"
