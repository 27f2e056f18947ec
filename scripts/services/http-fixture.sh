#!/usr/bin/env bash
# The JSON API fixture for the HTTP connector's tests (scripts/fixtures/http_fixture.py).
#   scripts/services/http-fixture.sh start   # prints `export PANOPLY_TEST_HTTP_URL=...`
#   scripts/services/http-fixture.sh stop
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE_DIR="${TMPDIR:-/tmp}/panoply-services"
PID_FILE="$STATE_DIR/http-fixture.pid"

start() {
    if ! command -v python3 >/dev/null 2>&1; then
        echo "http-fixture.sh: python3 not found (apt-get install -y python3); HTTP connector tests will be skipped" >&2
        exit 0
    fi
    mkdir -p "$STATE_DIR"
    local out="$STATE_DIR/http-fixture.out"
    : > "$out"
    nohup python3 "$HERE/../fixtures/http_fixture.py" --port 0 > "$out" 2>"$STATE_DIR/http-fixture.err" &
    echo $! > "$PID_FILE"
    local port="" i
    for i in $(seq 1 100); do
        port=$(head -n1 "$out" 2>/dev/null || true)
        if [ -n "$port" ] && python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=1)" 2>/dev/null; then
            echo "export PANOPLY_TEST_HTTP_URL=http://127.0.0.1:$port"
            return 0
        fi
        sleep 0.1
    done
    echo "http-fixture.sh: the fixture server did not answer; see $STATE_DIR/http-fixture.err" >&2
    exit 1
}

stop() {
    if [ -f "$PID_FILE" ]; then
        kill "$(cat "$PID_FILE")" 2>/dev/null || true
        rm -f "$PID_FILE"
    else
        echo "http-fixture.sh: no fixture server to stop" >&2
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
