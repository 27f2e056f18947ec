# Helpers the tmux end-to-end scripts share; sourced, never run (not executable, so
# scripts/test.sh, which runs the executable scripts/e2e/*.sh, leaves it alone).
#
# A script sets NAME (its name in messages), defines fail MESSAGE (what it prints and exits
# with, its screens included), and talks to the pane PANE of the tmux server "${T[@]}".
# It may define check_screen TEXT, which wait_for calls on every screen it reads.

# A command that stops the script (set -e) says so, where, and in which step, with the word
# FAIL that scripts/test.sh shows of a failed script's log (not under set +e, where a
# script reads the status itself).
trap 'e2e_rc=$?; [[ $- != *e* ]] || echo "$NAME: FAIL in ${STEP:-start-up}: line $LINENO: \"$BASH_COMMAND\" exited $e2e_rc" >&2' ERR

# e2e_bin: BIN, the panoply binary from PANOPLY_BIN made absolute; exits 2 without it.
# tmux is installed when missing.
e2e_bin() {
    BIN="${PANOPLY_BIN:-}"
    if [[ -z "$BIN" || ! -x "$BIN" ]]; then
        echo "$NAME: set PANOPLY_BIN to the built panoply binary (got '${BIN}')" >&2
        exit 2
    fi
    BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
    if ! command -v tmux >/dev/null; then
        echo "$NAME: installing tmux" >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux) >/dev/null
    fi
}

# e2e_psql: psql_bin, the server's psql or the one on PATH (empty when there is none).
e2e_psql() {
    psql_bin="$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | head -1 || true)"
    [[ -x "$psql_bin" ]] || psql_bin="$(command -v psql || true)"
}

screen() { "${T[@]}" capture-pane -p -t "$PANE" 2>/dev/null || true; }
keys() { "${T[@]}" send-keys -t "$PANE" "$@"; }
text() { "${T[@]}" send-keys -t "$PANE" -l "$1"; }

# wait_for SECONDS PATTERN...: until the screen shows every (fixed-string) pattern.
wait_for() {
    local limit="$1"; shift
    local deadline=$((SECONDS + limit)) s p ok
    while ((SECONDS < deadline)); do
        s="$(screen)"
        if declare -F check_screen >/dev/null; then check_screen "$s"; fi
        ok=1
        for p in "$@"; do [[ "$s" == *"$p"* ]] || { ok=0; break; }; done
        ((ok)) && return 0
        sleep 0.2
    done
    fail "waited ${limit}s for: $*"
}
