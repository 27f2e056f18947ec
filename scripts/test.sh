#!/usr/bin/env bash
# The project's single test command: installs what is missing (Debian, as root), starts
# the test services (scripts/services/*.sh), builds once, runs `swift test`, then every
# executable scripts/e2e/*.sh, stops the services, and exits with the result.
#   scripts/test.sh [swift test options, e.g. --filter Batcher]
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

log() { echo "test.sh [${SECONDS}s]: $*" >&2; }
die() { log "$*"; exit 2; }

# ---- system packages -------------------------------------------------------------------
apt_updated=0
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get; install them by hand"
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || die "missing packages ${missing[*]}; run as root or install them"
        sudo=(sudo)
    fi
    log "installing ${missing[*]}"
    if [[ $apt_updated -eq 0 ]]; then
        "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
}

command -v swift >/dev/null || die "swift is not on PATH; install the Swift 6 toolchain first"
# libssl-dev: the SDK's TLS (system OpenSSL); nginx-light, openssl: TLS in front of moto with
# a throwaway CA (scripts/services/certs.sh, nginx.sh); openssh-*: the SSH tunnel tests; strace: the outbox durability test.
pkgs=(libncurses-dev libsqlite3-dev tmux libssl-dev openssl nginx-light openssh-server openssh-client strace)
# Debian's PostgreSQL (postgresql-15 on bookworm), unless a server is already there.
if ! command -v pg_ctl >/dev/null && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then pkgs+=(postgresql); fi
command -v python3 >/dev/null || pkgs+=(python3)
apt_install "${pkgs[@]}"

# ---- python test tools (moto_server, boto3) ---------------------------------------------
python_ok() { python3 -c 'import moto, boto3, flask, flask_cors' 2>/dev/null && command -v moto_server >/dev/null; }
if ! python_ok; then
    venv="${PANOPLY_TEST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/panoply-test-venv}"
    if [[ ! -x "$venv/bin/moto_server" ]]; then
        python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv python3-pip; python3 -m venv "$venv"; } \
            || die "cannot create a Python venv at $venv"
        log "installing moto[server] and boto3 into $venv"
        "$venv/bin/pip" install -q 'moto[server]' boto3 flask flask-cors || die "pip install moto[server] boto3 failed"
    fi
    export PATH="$venv/bin:$PATH"
    python_ok || die "moto_server/boto3 still missing after install (venv $venv)"
fi

# ---- python venv for the subprocess sources (python:MODULE, singer:EXECUTABLE) ----------
# psycopg2 for the database-shaped module, the original SDK's imports (requests, backoff,
# sshtunnel; the SDK itself is vendored in Tests/PanoplyConnectorsTests/Fixtures), and the
# real Singer tap tap-jsonl. The tests find the interpreter in PANOPLY_TEST_PYTHON.
pyvenv="${PANOPLY_TEST_PY_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/panoply-test-py-venv}"
if ! "$pyvenv/bin/python" -c 'import psycopg2, requests, backoff, sshtunnel' 2>/dev/null || [[ ! -x "$pyvenv/bin/tap-jsonl" ]]; then
    [[ -x "$pyvenv/bin/python" ]] || python3 -m venv "$pyvenv" 2>/dev/null \
        || { apt_install python3-venv python3-pip; python3 -m venv "$pyvenv"; } || die "cannot create a Python venv at $pyvenv"
    log "installing psycopg2-binary, tap-jsonl, requests, backoff, sshtunnel into $pyvenv"
    "$pyvenv/bin/pip" install -q psycopg2-binary 'tap-jsonl==0.3.1' requests backoff sshtunnel \
        || die "pip install into $pyvenv failed"
fi
export PANOPLY_TEST_PYTHON="$pyvenv/bin/python"

# ---- services ---------------------------------------------------------------------------
export PANOPLY_SERVICE_STATE
PANOPLY_SERVICE_STATE=$(mktemp -d "${TMPDIR:-/tmp}/panoply-services.XXXXXX")
started=()
stop_services() {
    local s
    for s in "${started[@]}"; do bash "$s" stop >/dev/null 2>&1 || log "stopping $s failed"; done
    started=()
    rm -rf "$PANOPLY_SERVICE_STATE"
}
swift_pid=""
# A background job of this (non-interactive) script ignores SIGINT: a Ctrl-C stops it here.
stop_tests() {
    local p
    for p in "$swift_pid" "${e_pid:-}" "${tail_pid:-}"; do
        if [[ -n "$p" ]]; then kill "$p" 2>/dev/null || true; fi
    done
}
trap stop_services EXIT
trap 'stop_tests; stop_services; exit 130' INT
trap 'stop_tests; stop_services; exit 143' TERM

for s in scripts/services/*.sh; do
    [[ -f "$s" ]] || continue
    out=$(bash "$s" start) || die "service $s did not start"
    started+=("$s")
    eval "$out"
    log "started $(basename "$s" .sh): $(grep -o 'export [A-Z_]*' <<<"$out" | cut -d' ' -f2 | tr '\n' ' ')"
done

# ---- lint: formatting and the size limits of STYLE.md ----------------------------------------
# Findings fail the run at the end (the tests still run, so one pass shows everything).
lint_status=0
log "lint (swift format lint --strict, scripts/lint/sizes.py)"
swift format lint --strict --parallel -r Sources Tests || lint_status=1
python3 scripts/lint/sizes.py Sources Tests || lint_status=1
[[ $lint_status -eq 0 ]] || log "lint found problems (above): run swift format format -i -r Sources Tests, and split what is too long"

# ---- build once, then test ---------------------------------------------------------------
log "building (swift build --build-tests)"
swift build --build-tests || { log "build failed"; exit 1; }
log "built; running swift test"
bin_path=$(swift build --show-bin-path)
export PANOPLY_BIN="$bin_path/panoply"

swift_log="$PANOPLY_SERVICE_STATE/swift-test.log"
# The 1,000,000-record load test (about 2 minutes) runs by default; PANOPLY_LOAD_TEST=0 skips it.
export PANOPLY_LOAD_TEST="${PANOPLY_LOAD_TEST:-1}"
# One test at a time by default: the fault and outage tests depend on timing windows that
# parallel load (100,000-record runs against the same moto) can make them miss.
# PANOPLY_TEST_PARALLEL=1 runs tests in parallel (faster, for local iteration).
order=(--no-parallel)
[[ "${PANOPLY_TEST_PARALLEL:-0}" == 1 ]] && order=()
# Output goes to a file that is followed, not through a pipe: a helper process that a test
# leaves behind would hold a pipe open and make this script wait for it.
: >"$swift_log"  # there before tail follows it
swift test --skip-build "${order[@]}" "$@" >"$swift_log" 2>&1 &
swift_pid=$!
tail -n +1 -f --pid="$swift_pid" "$swift_log" &
tail_pid=$!
wait "$swift_pid"
swift_status=$?
wait "$tail_pid" 2>/dev/null
log "swift test finished (exit $swift_status)"

# ---- optional end-to-end scripts ----------------------------------------------------------
passed=0 failed=0 ran=0
e2e_failures=()
for e in scripts/e2e/*.sh; do
    [[ -f "$e" && -x "$e" ]] || continue
    ran=1
    log "running $e"
    e_log="$PANOPLY_SERVICE_STATE/e2e-$(basename "$e").log"
    : >"$e_log"
    PANOPLY_BIN="$PANOPLY_BIN" "$e" >"$e_log" 2>&1 &
    e_pid=$!
    tail -n +1 -f --pid="$e_pid" "$e_log" &
    tail_pid=$!
    if wait "$e_pid"; then
        passed=$((passed + 1)); echo "PASS $e"
    else
        failed=$((failed + 1)); echo "FAIL $e"
        e2e_failures+=("$e_log")
    fi
    wait "$tail_pid" 2>/dev/null
done

echo
if [[ $swift_status -eq 0 ]]; then echo "swift test: passed"; else
    echo "swift test: FAILED (exit $swift_status); the failing tests' lines:"
    grep -E "✘|recorded an issue|error:|Fatal error" "$swift_log" | head -60 || true
fi
if [[ $ran -eq 1 ]]; then
    for f in "${e2e_failures[@]}"; do grep -E "FAIL" "$f" | tail -3; done
    echo "e2e scripts: $passed passed, $failed failed"
fi
[[ $lint_status -eq 0 ]] && echo "lint: clean" || echo "lint: FAILED (swift format lint --strict -r Sources Tests; python3 scripts/lint/sizes.py)"
# Repeat swift test's closing line last, so the last line summarises the main suite.
grep -E "Test run with [0-9]+ test" "$swift_log" | tail -1 || true

[[ $swift_status -eq 0 && $failed -eq 0 && $lint_status -eq 0 ]] || exit 1
exit 0
