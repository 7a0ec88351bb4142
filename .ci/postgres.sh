#!/usr/bin/env bash
# Source me: starts (or reuses) a PostgreSQL on 127.0.0.1:5432 with trust auth for
# local TCP and exports STATUS_TEST_POSTGRES_URL for the status server's test suite.
#   source .ci/postgres.sh
# Idempotent: if something already answers on the port, it is reused as is.
# Without this, the tests start a private server of their own from the installed
# binaries (crates/ustc-status-server/tests/common/pg.rs); this script also installs
# the binaries when they are missing, and gives scripts/status-load.sh a TCP server.

_status_pg_setup() {
    local port="${STATUS_PG_PORT:-5432}"
    local url="postgres://postgres@127.0.0.1:${port}/postgres"

    _status_pg_ready() {
        if command -v pg_isready >/dev/null 2>&1; then
            pg_isready -q -h 127.0.0.1 -p "$port"
        else
            (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null
        fi
    }

    if _status_pg_ready; then
        echo "postgres.sh: reusing the server on 127.0.0.1:${port}" >&2
        export STATUS_TEST_POSTGRES_URL="$url"
        return 0
    fi

    local bindir=""
    _status_pg_find_bindir() {
        local d
        for d in /usr/lib/postgresql/*/bin; do
            [ -x "$d/initdb" ] && bindir="$d"
        done
    }
    _status_pg_find_bindir
    if [ -z "$bindir" ]; then
        echo "postgres.sh: installing postgresql from Debian packages" >&2
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        # The package's own cluster is not used; we start a private one below.
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 || return 1
        _status_pg_find_bindir
        if [ -z "$bindir" ]; then
            echo "postgres.sh: initdb not found after install" >&2
            return 1
        fi
    fi

    local data="${STATUS_PG_DATA:-/tmp/status-ci-pgdata}"
    local runas=()
    if [ "$(id -u)" -eq 0 ]; then
        # initdb and postgres refuse to run as root.
        runas=(runuser -u postgres --)
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        rm -rf "$data"
        mkdir -p "$data"
        [ "$(id -u)" -eq 0 ] && chown postgres: "$data"
        "${runas[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null || return 1
    fi
    mkdir -p "$data/run"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$data/run"
    "${runas[@]}" "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=$data/run -c max_connections=300 -c fsync=off -c synchronous_commit=off" \
        start >&2 || { cat "$data/server.log" >&2; return 1; }

    local i
    for i in $(seq 1 60); do
        _status_pg_ready && break
        sleep 0.5
    done
    if ! _status_pg_ready; then
        echo "postgres.sh: server did not become ready" >&2
        return 1
    fi
    echo "postgres.sh: started postgres on 127.0.0.1:${port} (data in $data)" >&2
    export STATUS_TEST_POSTGRES_URL="$url"
}

_status_pg_setup
