#!/usr/bin/env bash
# Load benchmark of ustc-status-server (loopback only, every run bounded in time).
#
#   scripts/status-load.sh [POSTGRES_URL]
#   scripts/status-load.sh --replicas POSTGRES_URL
#
# Builds release, generates a 300,000-row dataset (~250,000 gids), imports it into
# SQLite and drives the server at concurrency 32 for health, by-zjhm, by-gid and
# by-zjhms (100 ids). With a PostgreSQL URL ($1 or STATUS_BENCH_POSTGRES_URL) it then
# does the same on PostgreSQL twice: on the own table (this REPLACES the status_records
# table there) and on the reference's source, a `v_user` view over a people table
# (created in the schema status_bench_vuser, replaced on every run).
# Prints a markdown table (requests/s, p50, p99, 2xx share, peak server RSS, and
# by-zjhm as a share of the same backend's health) and writes it to
# .bench/status/results.md.
#
# --replicas compares one server with two on the same PostgreSQL, in one run, as behind
# a load balancer that spreads connections: the same two wrk processes (CONCURRENCY/2
# connections each) drive either one server or one server each; the figures are the
# sums. Servers are configured by the reference's variables (DATABASE_URL, ...), on the
# reference's v_user view (every lookup a query) and on the own table (in-memory copy).
# Results go to .bench/status/replicas.md.
#
# Load generator: oha when installed, else wrk (`apt-get install wrk`); --replicas
# needs wrk.
# Tunables: DURATION (10, seconds), CONCURRENCY (32), ROWS (300000).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPLICAS=""
if [ "${1:-}" = "--replicas" ]; then
    REPLICAS=1
    shift
fi
PG_URL=${1:-${STATUS_BENCH_POSTGRES_URL:-}}
if [ -n "$REPLICAS" ] && [ -z "$PG_URL" ]; then
    echo "status-load.sh --replicas needs a PostgreSQL URL (source .ci/postgres.sh gives one)" >&2
    exit 2
fi
DURATION=${DURATION:-10}
DURATION=${DURATION%s}
CONCURRENCY=${CONCURRENCY:-32}
ROWS=${ROWS:-300000}
OUT="$ROOT/.bench/status"
mkdir -p "$OUT"

cd "$ROOT"
CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2} cargo build --release -p ustc-status-server
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/ustc-status-server"

OHA=$(command -v oha || true)
WRK=$(command -v wrk || true)
if [ -z "$OHA" ] && [ -z "$WRK" ]; then
    echo "status-load.sh: install oha (cargo install --locked oha) or wrk (apt-get install wrk)" >&2
    exit 1
fi

"$BIN" gen-dataset --rows "$ROWS" --seed 42 --out "$OUT/data.csv"
# Request bodies for by-zjhms: 1000 bodies of 100 random existing zjhm each; and the
# number of gids (they are numbered from 2200000001 up).
GIDS=$(python3 - "$OUT/data.csv" "$OUT/bodies.txt" <<'PY'
import json, random, sys
lines = open(sys.argv[1]).read().splitlines()[1:]
rows = [l.split(',')[1] for l in lines]
rnd = random.Random(7)
with open(sys.argv[2], 'w') as f:
    for _ in range(1000):
        f.write(json.dumps({"zjhms": rnd.sample(rows, 100)}) + "\n")
print(int(lines[-1].split(',')[0]) - 2200000000)
PY
)
# A fixed body as well, for oha builds without per-line bodies.
head -n 1 "$OUT/bodies.txt" > "$OUT/body.json"

read -r TOKEN DIGEST < <("$BIN" token new | awk '/^token:/{t=$2} /^token_sha256:/{d=$2} END{print t, d}')

# wrk: random existing ids per request, and the figures written as JSON by done().
cat >"$OUT/wrk.lua" <<'LUA'
local kind = os.getenv("BENCH_KIND")
local rows = tonumber(os.getenv("BENCH_ROWS"))
local gids = tonumber(os.getenv("BENCH_GIDS"))
local out = os.getenv("BENCH_OUT")
local bodies = {}
local auth = { ["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or "") }

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end

function init(args)
  math.randomseed(os.time() * 100 + (seed or 0))
  if kind == "by-zjhms" then
    for line in io.lines(os.getenv("BENCH_BODIES")) do bodies[#bodies + 1] = line end
  end
end

function request()
  if kind == "health" then
    return wrk.format("GET", "/doc/api/health")
  elseif kind == "by-zjhm" then
    return wrk.format("GET", string.format("/doc/api/status/by-zjhm/Z%07d", math.random(rows)), auth)
  elseif kind == "by-gid" then
    return wrk.format("GET", string.format("/doc/api/status/by-gid/%d", 2200000000 + math.random(gids)), auth)
  else
    local h = { ["Authorization"] = auth["Authorization"], ["Content-Type"] = "application/json" }
    return wrk.format("POST", "/doc/api/status/by-zjhms", h, bodies[math.random(#bodies)])
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local failed = e.status + e.connect + e.read + e.write + e.timeout
  local f = io.open(out, "w")
  f:write(string.format('{"rps": %.1f, "p50_ms": %.3f, "p99_ms": %.3f, "ok_pct": %.2f}\n',
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    100 * (summary.requests - failed) / math.max(summary.requests, 1)))
  f:close()
end
LUA

declare -a RESULTS=()

# drive NAME KIND BASE: one bounded run; leaves $OUT/NAME.json as
# {"rps", "p50_ms", "p99_ms", "ok_pct"}.
drive() {
    local name=$1 kind=$2 base=$3
    if [ -n "$OHA" ]; then
        local auth="Authorization: Bearer $TOKEN"
        local max_zjhm_prefix=$(( (ROWS - 1) / 100000 ))
        local args=()
        case $kind in
            health) args=("$base/health") ;;
            by-zjhm) args=(--rand-regex-url -H "$auth" "$base/status/by-zjhm/Z0[0-${max_zjhm_prefix}][0-9]{5}") ;;
            by-gid) args=(--rand-regex-url -H "$auth" "$base/status/by-gid/2200[01][0-9]{5}") ;;
            by-zjhms)
                if "$OHA" --help 2>/dev/null | grep -q -- '-Z '; then
                    args=(-m POST -H "$auth" -T application/json -Z "$OUT/bodies.txt" "$base/status/by-zjhms")
                else
                    args=(-m POST -H "$auth" -T application/json -D "$OUT/body.json" "$base/status/by-zjhms")
                fi ;;
        esac
        "$OHA" --no-tui -z "${DURATION}s" -c "$CONCURRENCY" --output-format json "${args[@]}" >"$OUT/$name.oha.json"
        python3 - "$OUT/$name.oha.json" >"$OUT/$name.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = d.get("latencyPercentiles") or d.get("latency_percentiles") or {}
codes = d.get("statusCodeDistribution") or {}
ok = sum(v for k, v in codes.items() if k.startswith("2"))
print(json.dumps({"rps": d["summary"]["requestsPerSec"], "p50_ms": p["p50"] * 1000,
                  "p99_ms": p["p99"] * 1000, "ok_pct": 100 * ok / (sum(codes.values()) or 1)}))
PY
    else
        BENCH_KIND=$kind BENCH_ROWS=$ROWS BENCH_GIDS=$GIDS BENCH_OUT="$OUT/$name.json" \
        BENCH_TOKEN=$TOKEN BENCH_BODIES="$OUT/bodies.txt" \
            "$WRK" -t 2 -c "$CONCURRENCY" -d "${DURATION}s" -s "$OUT/wrk.lua" "${base%/doc/api}" >"$OUT/$name.wrk.txt"
    fi
}

row() { # backend endpoint json
    python3 - "$@" <<'PY'
import json, sys
backend, endpoint, path = sys.argv[1:4]
d = json.load(open(path))
print(f"| {backend} | {endpoint} | {d['rps']:.0f} | {d['p50_ms']:.2f} | {d['p99_ms']:.2f} | {d['ok_pct']:.1f}% |")
PY
}

bench_backend() { # name database_url source
    local backend=$1 db=$2 source=$3
    local tag=${backend// /-}
    cat >"$OUT/$tag.toml" <<TOML
listen = "127.0.0.1:0"
database = "$db"
source = "$source"
audit_log = "$OUT/$tag-audit.log"
trusted_proxies = []

[[callers]]
name = "bench"
token_sha256 = ["$DIGEST"]
allowed_ips = ["127.0.0.1/32"]
TOML
    : >"$OUT/$tag-audit.log"
    "$BIN" serve --config "$OUT/$tag.toml" 2>"$OUT/$tag-server.log" &
    local pid=$!
    local addr=""
    for _ in $(seq 1 300); do
        addr=$(sed -n 's#.*listening on http://\([^/]*\)/doc/api/.*#\1#p' "$OUT/$tag-server.log")
        [ -n "$addr" ] && break
        sleep 0.1
    done
    [ -n "$addr" ] || { echo "server did not start"; cat "$OUT/$tag-server.log"; kill "$pid"; exit 1; }
    local base="http://$addr/doc/api"
    for e in health by-zjhm by-gid by-zjhms; do
        drive "$tag-$e" "$e" "$base"
    done
    local hwm
    hwm=$(awk '/VmHWM/{printf "%.1f MB", $2/1024}' "/proc/$pid/status")
    kill -TERM "$pid"
    wait "$pid" || true
    for e in health by-zjhm by-gid by-zjhms; do
        RESULTS+=("$(row "$backend" "$e" "$OUT/$tag-$e.json")")
    done
    RESULTS+=("$(python3 - "$backend" "$OUT/$tag-health.json" "$OUT/$tag-by-zjhm.json" <<'PY'
import json, sys
h, z = (json.load(open(p))["rps"] for p in sys.argv[2:4])
print(f"| {sys.argv[1]} | by-zjhm / health | {100 * z / h:.0f}% | | | |")
PY
)")
    RESULTS+=("| $backend | peak server RSS (VmHWM) | $hwm | | | |")
}

# The reference's deployment: a view v_user(gid, userid, zxzt) over a people table
# keyed by userid, in a schema of its own put first on the search path.
make_v_user() {
    psql -q -v ON_ERROR_STOP=1 "$PG_URL" <<'SQL'
DROP SCHEMA IF EXISTS status_bench_vuser CASCADE;
CREATE SCHEMA status_bench_vuser;
CREATE TABLE status_bench_vuser.people AS
    SELECT gid::varchar(32) AS gid, zjhm::varchar(32) AS userid, ryzxztdm::varchar(4) AS zxzt
    FROM status_records;
ALTER TABLE status_bench_vuser.people ADD PRIMARY KEY (userid);
CREATE INDEX ON status_bench_vuser.people (gid);
ANALYZE status_bench_vuser.people;
CREATE VIEW status_bench_vuser.v_user AS SELECT gid, userid, zxzt FROM status_bench_vuser.people;
SQL
}
v_user_url() {
    local sep='?'
    case $PG_URL in *\?*) sep='&' ;; esac
    echo "${PG_URL}${sep}options=-c%20search_path%3Dstatus_bench_vuser"
}

if [ -n "$REPLICAS" ]; then
    [ -n "$WRK" ] || { echo "status-load.sh --replicas needs wrk" >&2; exit 1; }
    printf 'clients:\n  - name: bench\n    tokens: ["%s"]\n    allowed_ips: ["127.0.0.1/32"]\n' "$TOKEN" >"$OUT/clients.yml"
    chmod 600 "$OUT/clients.yml"
    PIDS=()
    ADDRS=()
    trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
    # start_server TAG DATABASE_URL SOURCE: a replica configured by variables only.
    start_server() {
        local tag=$1
        : >"$OUT/$tag-audit.log"
        env -i DATABASE_URL="$2" USTC_STATUS_SOURCE="$3" CLIENTS_CONFIG_PATH="$OUT/clients.yml" \
            TRUSTED_PROXIES= USTC_STATUS_LISTEN=127.0.0.1:0 USTC_STATUS_AUDIT_LOG="$OUT/$tag-audit.log" \
            "$BIN" serve 2>"$OUT/$tag-server.log" &
        PIDS+=($!)
        local addr=""
        for _ in $(seq 1 300); do
            addr=$(sed -n 's#.*listening on http://\([^/]*\)/doc/api/.*#\1#p' "$OUT/$tag-server.log")
            [ -n "$addr" ] && break
            sleep 0.1
        done
        [ -n "$addr" ] || { echo "server $tag did not start"; cat "$OUT/$tag-server.log"; exit 1; }
        ADDRS+=("$addr")
    }
    # pair NAME KIND ADDR1 ADDR2: two wrk processes at once, half the connections each.
    pair() {
        local name=$1 kind=$2 half=$((CONCURRENCY / 2)) i=0 addr
        local -a w=()
        for addr in "$3" "$4"; do
            i=$((i + 1))
            BENCH_KIND=$kind BENCH_ROWS=$ROWS BENCH_GIDS=$GIDS BENCH_OUT="$OUT/$name.$i.json" \
            BENCH_TOKEN=$TOKEN BENCH_BODIES="$OUT/bodies.txt" \
                "$WRK" -t 1 -c "$half" -d "${DURATION}s" -s "$OUT/wrk.lua" "http://$addr" >"$OUT/$name.$i.wrk.txt" &
            w+=($!)
        done
        wait "${w[@]}"
        python3 - "$OUT/$name.1.json" "$OUT/$name.2.json" >"$OUT/$name.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
print(json.dumps({"rps": a["rps"] + b["rps"], "p50_ms": max(a["p50_ms"], b["p50_ms"]),
                  "p99_ms": max(a["p99_ms"], b["p99_ms"]), "ok_pct": min(a["ok_pct"], b["ok_pct"])}))
PY
    }
    "$BIN" import --database "$PG_URL" "$OUT/data.csv"
    make_v_user
    declare -a LINES=()
    for source in v_user table; do
        db=$PG_URL
        [ "$source" = v_user ] && db=$(v_user_url)
        PIDS=(); ADDRS=()
        start_server "$source-a" "$db" "$source"
        start_server "$source-b" "$db" "$source"
        for kind in by-zjhm by-zjhms; do
            pair "replicas-$source-$kind-1" "$kind" "${ADDRS[0]}" "${ADDRS[0]}"
            pair "replicas-$source-$kind-2" "$kind" "${ADDRS[0]}" "${ADDRS[1]}"
            LINES+=("$(python3 - "$source" "$kind" "$OUT/replicas-$source-$kind-1.json" "$OUT/replicas-$source-$kind-2.json" <<'PY'
import json, sys
source, kind = sys.argv[1:3]
one, two = (json.load(open(p)) for p in sys.argv[3:5])
print(f"| {source} | {kind} | {one['rps']:.0f} | {two['rps']:.0f} | {two['rps'] / one['rps']:.2f} | "
      f"{one['p99_ms']:.2f} / {two['p99_ms']:.2f} | {min(one['ok_pct'], two['ok_pct']):.1f}% |")
PY
)")
        done
        kill -TERM "${PIDS[@]}"
        wait "${PIDS[@]}" || true
    done
    trap - EXIT
    {
        echo "wrk, 2 processes x $((CONCURRENCY / 2)) connections, ${DURATION}s per run, $ROWS rows, $(nproc) cores; PostgreSQL, servers and load generator on one machine"
        echo
        echo "| source | endpoint | 1 replica req/s | 2 replicas req/s | ratio | p99 ms (1 / 2) | 2xx |"
        echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
        printf '%s\n' "${LINES[@]}"
    } | tee "$OUT/replicas.md"
    exit 0
fi

rm -f "$OUT"/bench.db*
"$BIN" import --database "sqlite://$OUT/bench.db" "$OUT/data.csv"
bench_backend sqlite "sqlite://$OUT/bench.db" table
if [ -n "$PG_URL" ]; then
    "$BIN" import --database "$PG_URL" "$OUT/data.csv"
    bench_backend postgres "$PG_URL" table
    make_v_user
    bench_backend "postgres v_user" "$(v_user_url)" v_user
fi

if [ -n "$OHA" ]; then
    tool="oha $("$OHA" --version | awk '{print $2}')"
else
    # wrk -v exits 1 after printing its version.
    tool="$({ "$WRK" -v 2>&1 || true; } | head -n 1 | awk '{print $1, $2}') (2 threads)"
fi
{
    echo "$tool, concurrency $CONCURRENCY, ${DURATION}s per run, $ROWS rows, $(nproc) cores"
    echo
    echo "| backend | endpoint | requests/s | p50 ms | p99 ms | 2xx |"
    echo "| --- | --- | ---: | ---: | ---: | ---: |"
    printf '%s\n' "${RESULTS[@]}"
} | tee "$OUT/results.md"
