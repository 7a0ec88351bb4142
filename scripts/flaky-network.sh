#!/usr/bin/env bash
# How `xtu` fares on a flaky network: campus Wi-Fi at peak hours, where a
# share of requests fail (half a 502 from a gateway, half a 2-second stall
# and then a dropped connection). Loopback only.
#
#   scripts/flaky-network.sh
#
# Builds `xtu` (dist profile) and `xtu-sandbox`, starts the sandbox with
# `--fail-rate $RATE --seed $SEED`, then runs `xtu login` $RUNS times (each
# in a fresh state directory) and every read command $RUNS times on one
# stored session (warm queries). Prints the successes of each and their
# median wall time. A benchmark, not a test: the figures go in the notes.
#
# Tunables: RATE (0.2), SEED (7), RUNS (30), PORT (18700; the academic
# system listens on PORT+1, the graduate system on PORT+2), XTU_TIMEOUT (seconds per request, xtu's default),
# PROFILE (dist; `dev` reuses the test build: the successes do not depend on
# the profile, the times do), ONLY (an extended regex: measure only the
# commands it matches, e.g. ONLY='^grad' or ONLY='^(progress|plan)'; `login`
# is a command too).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RATE=${RATE:-0.2}
SEED=${SEED:-7}
RUNS=${RUNS:-30}
PORT=${PORT:-18700}
USERNAME=202205561111
GRADUATE=202405561111

cd "$ROOT"
PROFILE=${PROFILE:-dist}
# `xtu` as users install it (the dist profile); the sandbox as a release build.
CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2} cargo build --profile "$PROFILE" --locked -p xtu-cli --bin xtu
if [ "$PROFILE" = dev ]; then
    SANDBOX_PROFILE=dev
    XTU="$ROOT/target/debug/xtu"
    SANDBOX="$ROOT/target/debug/xtu-sandbox"
else
    SANDBOX_PROFILE=release
    XTU="$ROOT/target/$PROFILE/xtu"
    SANDBOX="$ROOT/target/release/xtu-sandbox"
fi
CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2} cargo build --profile "$SANDBOX_PROFILE" --locked -p xtu-sandbox --bin xtu-sandbox

WORK=$(mktemp -d)
SANDBOX_PID=
cleanup() {
    if [ -n "$SANDBOX_PID" ]; then kill "$SANDBOX_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

"$SANDBOX" --listen "127.0.0.1:$PORT" --fail-rate "$RATE" --seed "$SEED" 2>"$WORK/sandbox.log" &
SANDBOX_PID=$!
for _ in $(seq 50); do
    if (echo >"/dev/tcp/127.0.0.1/$((PORT + 1))") 2>/dev/null; then break; fi
    sleep 0.1
done

export XTU_SSO_BASE_URL="http://127.0.0.1:$PORT"
export XTU_EMS_BASE_URL="http://127.0.0.1:$((PORT + 1))"
export XTU_GRAD_BASE_URL="http://127.0.0.1:$((PORT + 2))"
export XTU_PASSWORD=sandbox
# No keyring, no user configuration: only what the runs store.
unset XTU_TOKEN XTU_USER

# measure OUT fresh|warm|grad CMD...: runs CMD $RUNS times, each in a fresh
# state directory, or all in the warm one (the demo student's session) or the
# graduate student's; appends "ok|fail SECONDS" lines to OUT.
measure() {
    local out=$1 fresh=$2
    shift 2
    if [ -n "${ONLY:-}" ] && ! [[ "${*:2}" =~ $ONLY ]]; then return 0; fi
    for run in $(seq "$RUNS"); do
        local state="$WORK/warm"
        if [ "$fresh" = fresh ]; then state="$WORK/login-$run"; fi
        if [ "$fresh" = grad ]; then state="$WORK/grad"; fi
        local start end status=ok
        start=$(date +%s.%N)
        # Only a failure's message: a warning of a run that succeeded is no error.
        XTU_STATE_DIR="$state" "$@" >/dev/null 2>"$WORK/stderr" || {
            status=fail
            cat "$WORK/stderr" >>"$WORK/errors.log"
        }
        end=$(date +%s.%N)
        awk -v s="$start" -v e="$end" -v st="$status" 'BEGIN {printf "%s %.3f\n", st, e - s}' >>"$out"
    done
}

summary() {
    local name=$1 file=$2
    local ok median
    [ -f "$file" ] || return 0
    ok=$(grep -c '^ok' "$file" || true)
    median=$(awk '{print $2}' "$file" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}')
    printf '%-38s %2d/%d succeeded, median %s s\n' "$name" "$ok" "$RUNS" "$median"
}

measure "$WORK/login.txt" fresh "$XTU" login --username "$USERNAME"

# One stored session for the warm queries; logging in may take a few tries
# on this network.
for _ in $(seq 10); do
    if XTU_STATE_DIR="$WORK/warm" "$XTU" login --username "$USERNAME" >/dev/null 2>&1; then break; fi
done
for _ in $(seq 10); do
    if XTU_STATE_DIR="$WORK/grad" "$XTU" login --username "$GRADUATE" >/dev/null 2>&1; then break; fi
done
# Every command that only reads, as a student types it (the current term
# where one is taken). One line each; words split on spaces.
READS=(
    "info"
    "calendar"
    "rooms --now"
    "rooms --week 3 --day 1 --sections 1-2"
    "timetable"
    "timetable --week 7"
    "course-schedule"
    "exams"
    "exam-schedule"
    "grades --all"
    "gpa"
    "transcript"
    "export ics"
    "export wakeup"
    "progress"
    "progress --missing"
    "plan"
    "plan --majors"
    "notices"
)
for i in "${!READS[@]}"; do
    # shellcheck disable=SC2086 # the words of the command
    measure "$WORK/read-$i.txt" warm "$XTU" ${READS[$i]}
done

# The graduate student's read, on the graduate's stored session.
measure "$WORK/grad-timetable.txt" grad "$XTU" grad timetable

echo "fail rate $RATE, seed $SEED, $RUNS runs each, profile $PROFILE ($(git rev-parse --short HEAD))"
summary "login" "$WORK/login.txt"
for i in "${!READS[@]}"; do
    summary "${READS[$i]}" "$WORK/read-$i.txt"
done
summary "grad timetable (a graduate)" "$WORK/grad-timetable.txt"
if [ -s "$WORK/errors.log" ]; then
    echo "errors (by message):"
    sort "$WORK/errors.log" | uniq -c | sort -rn | head -10
fi
