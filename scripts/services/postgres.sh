#!/usr/bin/env bash
# A throwaway PostgreSQL server for the connector tests.
#   scripts/services/postgres.sh start   # prints `export PANOPLY_TEST_PG_...=...` lines
#   scripts/services/postgres.sh stop
# Listens on 127.0.0.1 on a free port, password auth (scram-sha-256) for TCP, data in a
# temp folder. As root, the server runs as the `postgres` user (initdb refuses root).
# When certs.sh ran first (PANOPLY_TEST_TLS_DIR), TLS is on too (ssl=on, a certificate for localhost only
# from the test CA, so 127.0.0.1 is a "wrong host"); clients may still connect without it.
set -euo pipefail

STATE_DIR="${TMPDIR:-/tmp}/panoply-services"
STATE_FILE="$STATE_DIR/postgres.dir"
PG_USER=panoply
PG_PASSWORD=panoply-test-secret
PG_DATABASE=panoply_test

find_bin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(readlink -f "$(command -v initdb)")"; return 0; }
    return 1
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start() {
    local bin
    if ! bin=$(find_bin); then
        echo "postgres.sh: PostgreSQL server binaries not found (install Debian's postgresql package: apt-get install -y postgresql); PostgreSQL tests will be skipped" >&2
        exit 0
    fi
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        echo "postgres.sh: running as root but there is no 'postgres' user to own the server (install the postgresql package)" >&2
        exit 1
    fi
    local dir port
    dir=$(mktemp -d "${TMPDIR:-/tmp}/panoply-pg.XXXXXX")
    chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    printf '%s\n' "$PG_PASSWORD" > "$dir/pwfile"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir/pwfile"
    as_owner "$bin/initdb" -D "$dir/data" -U "$PG_USER" --pwfile="$dir/pwfile" -A scram-sha-256 -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
        || { echo "postgres.sh: initdb failed, see $dir/initdb.log" >&2; cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$dir/pwfile"
    port=$(free_port)
    local ssl=""
    if [ -n "${PANOPLY_TEST_TLS_DIR:-}" ] && [ -f "$PANOPLY_TEST_TLS_DIR/pg.pem" ]; then
        cp "$PANOPLY_TEST_TLS_DIR/pg.pem" "$dir/data/server.crt"
        cp "$PANOPLY_TEST_TLS_DIR/pg.key" "$dir/data/server.key"
        chmod 600 "$dir/data/server.key"
        [ "$(id -u)" = 0 ] && chown postgres: "$dir/data/server.crt" "$dir/data/server.key"
        ssl="-c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key"
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off $ssl" start >/dev/null \
        || { echo "postgres.sh: the server did not start, see $dir/server.log" >&2; cat "$dir/server.log" >&2; exit 1; }
    local i
    for i in $(seq 1 60); do
        if PGPASSWORD=$PG_PASSWORD "$bin/psql" -h 127.0.0.1 -p "$port" -U "$PG_USER" -d postgres -Atc 'SELECT 1' >/dev/null 2>&1; then break; fi
        sleep 0.5
    done
    PGPASSWORD=$PG_PASSWORD "$bin/psql" -h 127.0.0.1 -p "$port" -U "$PG_USER" -d postgres -qc "CREATE DATABASE $PG_DATABASE" >/dev/null
    mkdir -p "$STATE_DIR"
    echo "$dir" > "$STATE_FILE"
    echo "export PANOPLY_TEST_PG_HOST=127.0.0.1"
    echo "export PANOPLY_TEST_PG_PORT=$port"
    echo "export PANOPLY_TEST_PG_USER=$PG_USER"
    echo "export PANOPLY_TEST_PG_PASSWORD=$PG_PASSWORD"
    echo "export PANOPLY_TEST_PG_DATABASE=$PG_DATABASE"
    echo "export PANOPLY_TEST_PG_DIR=$dir"
    [ -n "$ssl" ] && echo "export PANOPLY_TEST_PG_SSL=on"
    return 0
}

stop() {
    local dir="${PANOPLY_TEST_PG_DIR:-}"
    [ -z "$dir" ] && [ -f "$STATE_FILE" ] && dir=$(cat "$STATE_FILE")
    if [ -z "$dir" ] || [ ! -d "$dir/data" ]; then
        echo "postgres.sh: no test server to stop" >&2
        return 0
    fi
    local bin
    bin=$(find_bin) || true
    if [ -n "$bin" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    rm -f "$STATE_FILE"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
