#!/usr/bin/env bash
# Load benchmark of ustc-status-server (loopback only, every run bounded in time).
#
#   scripts/status-load.sh [POSTGRES_URL]
#
# Builds release, generates a 300,000-row dataset (~250,000 gids), imports it into
# SQLite (and into PostgreSQL when a URL is given as $1 or STATUS_BENCH_POSTGRES_URL;
# this REPLACES the status_records table there), starts the server on 127.0.0.1 and
# drives it with oha at concurrency 32 for health, by-zjhm, by-gid and by-zjhms (100 ids).
# Prints a markdown table (requests/s, p50, p99, peak server RSS) and writes it to
# .bench/status/results.md.
#
# Tunables: DURATION (10s), CONCURRENCY (32), ROWS (300000).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_URL=${1:-${STATUS_BENCH_POSTGRES_URL:-}}
DURATION=${DURATION:-10s}
CONCURRENCY=${CONCURRENCY:-32}
ROWS=${ROWS:-300000}
OUT="$ROOT/.bench/status"
mkdir -p "$OUT"

cd "$ROOT"
CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2} cargo build --release -p ustc-status-server
BIN="$ROOT/target/release/ustc-status-server"

OHA=$(command -v oha || true)
if [ -z "$OHA" ]; then
    OHA="$ROOT/.bench/tools/bin/oha"
    if [ ! -x "$OHA" ]; then
        CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2} cargo install oha --locked --root "$ROOT/.bench/tools"
    fi
fi

"$BIN" gen-dataset --rows "$ROWS" --seed 42 --out "$OUT/data.csv"
# Request bodies for by-zjhms: 1000 bodies of 100 random existing zjhm each.
python3 - "$OUT/data.csv" "$OUT/bodies.txt" <<'PY'
import json, random, sys
rows = [l.split(',')[1] for l in open(sys.argv[1]).read().splitlines()[1:]]
rnd = random.Random(7)
with open(sys.argv[2], 'w') as f:
    for _ in range(1000):
        f.write(json.dumps({"zjhms": rnd.sample(rows, 100)}) + "\n")
PY
# A fixed body as well, for oha builds without per-line bodies.
head -n 1 "$OUT/bodies.txt" > "$OUT/body.json"

read -r TOKEN DIGEST < <("$BIN" token new | awk '/^token:/{t=$2} /^token_sha256:/{d=$2} END{print t, d}')

# Ranges of ids that exist in the generated data (gids 2200000001.., zjhm Z0000001..).
MAX_ZJHM_PREFIX=$(( (ROWS - 1) / 100000 ))
ZJHM_RE="Z0[0-${MAX_ZJHM_PREFIX}][0-9]{5}"
GID_RE="2200[01][0-9]{5}"

declare -a RESULTS=()

run_oha() { # name url [extra oha args...]
    local name=$1 url=$2
    shift 2
    "$OHA" --no-tui -z "$DURATION" -c "$CONCURRENCY" --output-format json "$@" "$url" >"$OUT/$name.json" 2>"$OUT/$name.err" \
        || "$OHA" --no-tui -z "$DURATION" -c "$CONCURRENCY" -j "$@" "$url" >"$OUT/$name.json"
}

summarize() { # backend endpoint file
    python3 - "$1" "$2" "$3" <<'PY'
import json, sys
backend, endpoint, path = sys.argv[1:4]
d = json.load(open(path))
s = d["summary"]
p = d.get("latencyPercentiles") or d.get("latency_percentiles") or {}
codes = d.get("statusCodeDistribution") or {}
ok = sum(v for k, v in codes.items() if k.startswith("2"))
total = sum(codes.values()) or 1
print(f"| {backend} | {endpoint} | {s['requestsPerSec']:.0f} | {p['p50']*1000:.2f} | {p['p99']*1000:.2f} | {100*ok/total:.1f}% |")
PY
}

bench_backend() { # name database_url
    local backend=$1 db=$2
    "$BIN" import --database "$db" "$OUT/data.csv"
    cat >"$OUT/$backend.toml" <<TOML
listen = "127.0.0.1:0"
database = "$db"
audit_log = "$OUT/$backend-audit.log"
trusted_proxies = []

[[callers]]
name = "bench"
token_sha256 = ["$DIGEST"]
allowed_ips = ["127.0.0.1/32"]
TOML
    : >"$OUT/$backend-audit.log"
    "$BIN" serve --config "$OUT/$backend.toml" 2>"$OUT/$backend-server.log" &
    local pid=$!
    local addr=""
    for _ in $(seq 1 100); do
        addr=$(sed -n 's#^listening on http://\([^/]*\)/doc/api/#\1#p' "$OUT/$backend-server.log")
        [ -n "$addr" ] && break
        sleep 0.1
    done
    [ -n "$addr" ] || { echo "server did not start"; cat "$OUT/$backend-server.log"; kill "$pid"; exit 1; }
    local base="http://$addr/doc/api"
    local auth="Authorization: Bearer $TOKEN"

    run_oha "$backend-health" "$base/health"
    run_oha "$backend-by-zjhm" "$base/status/by-zjhm/$ZJHM_RE" --rand-regex-url -H "$auth"
    run_oha "$backend-by-gid" "$base/status/by-gid/$GID_RE" --rand-regex-url -H "$auth"
    if "$OHA" --help 2>/dev/null | grep -q -- '--body-path-lines\|-Z '; then
        run_oha "$backend-by-zjhms" "$base/status/by-zjhms" -m POST -H "$auth" -T application/json -Z "$OUT/bodies.txt"
    else
        run_oha "$backend-by-zjhms" "$base/status/by-zjhms" -m POST -H "$auth" -T application/json -D "$OUT/body.json"
    fi
    local hwm
    hwm=$(awk '/VmHWM/{printf "%.1f MB", $2/1024}' "/proc/$pid/status")
    kill -TERM "$pid"
    wait "$pid" || true
    for e in health by-zjhm by-gid by-zjhms; do
        RESULTS+=("$(summarize "$backend" "$e" "$OUT/$backend-$e.json")")
    done
    RESULTS+=("| $backend | peak server RSS (VmHWM) | $hwm | | | |")
}

rm -f "$OUT"/bench.db*
bench_backend sqlite "sqlite://$OUT/bench.db"
if [ -n "$PG_URL" ]; then
    bench_backend postgres "$PG_URL"
fi

{
    echo "oha $("$OHA" --version | awk '{print $2}'), concurrency $CONCURRENCY, $DURATION per run, $ROWS rows, $(nproc) cores"
    echo
    echo "| backend | endpoint | requests/s | p50 ms | p99 ms | 2xx |"
    echo "| --- | --- | ---: | ---: | ---: | ---: |"
    printf '%s\n' "${RESULTS[@]}"
} | tee "$OUT/results.md"
