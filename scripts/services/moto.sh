#!/usr/bin/env bash
# A fresh moto_server (SQS emulator) on a free 127.0.0.1 port, for the integration tests.
#   scripts/services/moto.sh start   prints `export VAR=value` lines to eval
#   scripts/services/moto.sh stop    stops the server that `start` printed
# Needs moto_server and python3 on PATH (scripts/test.sh installs them).
set -euo pipefail

state_dir="${PANOPLY_SERVICE_STATE:-${TMPDIR:-/tmp}/panoply-services-$(id -u)}"
pid_file="$state_dir/moto.pid"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until something answers HTTP on the URL (any status counts) or the process dies.
wait_ready() {
    local url=$1 pid=$2
    python3 - "$url" "$pid" <<'PY'
import os, sys, time, urllib.request, urllib.error
url, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)
    try:
        urllib.request.urlopen(url + "/", timeout=2)
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except Exception:
        time.sleep(0.2)
sys.exit(1)
PY
}

start() {
    command -v moto_server >/dev/null || { echo "moto.sh: moto_server not found; pip install 'moto[server]'" >&2; exit 1; }
    mkdir -p "$state_dir"
    local attempt port pid url log
    for attempt in 1 2 3; do
        port=$(free_port)
        url="http://127.0.0.1:$port"
        log="$state_dir/moto-$port.log"
        # Output goes to a log so that `eval "$(moto.sh start)"` does not wait on it.
        moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 </dev/null &
        pid=$!
        if wait_ready "$url" "$pid"; then
            echo "$pid" >"$pid_file"
            echo "moto.sh: moto_server (pid $pid) answers on $url; log $log" >&2
            echo "export PANOPLY_TEST_MOTO_URL=$url"
            echo "export PANOPLY_TEST_MOTO_PID=$pid"
            echo "export PANOPLY_TEST_MOTO_SERVER=$(command -v moto_server)"
            return 0
        fi
        kill "$pid" 2>/dev/null || true
        echo "moto.sh: moto_server did not answer on port $port (attempt $attempt); log:" >&2
        tail -5 "$log" >&2 || true
    done
    exit 1
}

stop() {
    local pid="${PANOPLY_TEST_MOTO_PID:-}"
    if [[ -z "$pid" && -f "$pid_file" ]]; then pid=$(cat "$pid_file"); fi
    [[ -n "$pid" ]] || return 0
    if kill "$pid" 2>/dev/null; then
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pid_file"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
