#!/usr/bin/env bash
# End-to-end test of two UIs on one team's workspace in PostgreSQL (issue #29), driven
# through tmux like two people at two machines (two HOMEs, so two config folders).
#   PANOPLY_BIN=.build/debug/panoply scripts/e2e/workspace_tui.sh   (needs PANOPLY_TEST_PG_*)
# 1. a fresh schema, `panoply workspace init`, a slow demo source saved from the shell;
# 2. two UIs open on the workspace URL: both headers name it (user, server, database and
#    schema; no password, not even masked), neither screen ever shows the password;
# 3. in UI 1, Enter on the saved source and Ctrl-S start its run;
# 4. UI 2 shows it running on the source's row within seconds; Enter opens its live view
#    (owner: from ui, the pid of UI 1), whose counter rises; c then y cancels it;
# 5. UI 1 shows its run cancelled, asked from UI 2's host, and records it in the history;
# 6. in UI 2, r resumes the cancelled run there, from the state UI 1 committed; UI 1 shows
#    it live (owner: UI 2's pid) and cancels it with c y; UI 2 shows it cancelled;
# 7. both UIs' histories (h) show the two runs; both quit with status 0 and give the
#    terminal back; `status --json` on host 2 shows the last run cancelled.
# Exits non-zero with the screens on failure; exits 0 with a message when no PostgreSQL.
set -euo pipefail

NAME=workspace_tui.sh
# shellcheck source=scripts/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_bin
if [[ -z "${PANOPLY_TEST_PG_PORT:-}" ]]; then
    echo "workspace_tui.sh: skipped: no PostgreSQL (PANOPLY_TEST_PG_PORT unset; scripts/test.sh starts scripts/services/postgres.sh)" >&2
    exit 0
fi
e2e_psql

WORK="$(mktemp -d "${TMPDIR:-/tmp}/panoply-ws-tui-e2e.XXXXXX")"
SCHEMA="e2e_$$_$RANDOM"
PASSWORD="$PANOPLY_TEST_PG_PASSWORD"
URL="postgres://$PANOPLY_TEST_PG_USER:$PASSWORD@$PANOPLY_TEST_PG_HOST:$PANOPLY_TEST_PG_PORT/$PANOPLY_TEST_PG_DATABASE?sslmode=disable&schema=$SCHEMA"
KEY="$(head -c 32 /dev/urandom | base64)"
SOCKETS=()
PANE="e2e"
T=(tmux)
UI="none"
cleanup() {
    local s
    for s in "${SOCKETS[@]}"; do tmux -L "$s" kill-server >/dev/null 2>&1 || true; done
    if [[ -n "$psql_bin" ]]; then
        PGPASSWORD="$PASSWORD" "$psql_bin" -q -h "$PANOPLY_TEST_PG_HOST" -p "$PANOPLY_TEST_PG_PORT" -U "$PANOPLY_TEST_PG_USER" \
            -d "$PANOPLY_TEST_PG_DATABASE" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# Each UI has its own tmux server; `use N` makes the helpers below talk to UI N.
T1=()
T2=()
use() {
    UI="$1"
    if [[ "$1" == 1 ]]; then T=("${T1[@]}"); else T=("${T2[@]}"); fi
}

fail() {
    echo "workspace_tui.sh: FAIL (UI $UI): $*" >&2
    local n
    for n in 1 2; do
        if [[ "$n" == 1 && ${#T1[@]} -eq 0 ]] || [[ "$n" == 2 && ${#T2[@]} -eq 0 ]]; then continue; fi
        use "$n"
        echo "----- screen of UI $n -----" >&2
        screen >&2
    done
    echo "---------------------------" >&2
    echo "workspace_tui.sh: FAIL in ${STEP:-start-up}: $*" >&2
    exit 1
}

# no_password: neither screen shows the workspace's password.
no_password() {
    local was="$UI" n
    for n in 1 2; do
        if [[ "$n" == 1 && ${#T1[@]} -eq 0 ]] || [[ "$n" == 2 && ${#T2[@]} -eq 0 ]]; then continue; fi
        use "$n"
        check_screen "$(screen)"
    done
    use "$was"
}

# Every screen read while waiting: never the workspace's password.
check_screen() { [[ "$1" != *"$PASSWORD"* ]] || fail "the screen shows the workspace's password"; }

# host N: the environment of "machine" N: its own HOME and config folder, the shared workspace.
host_env() {
    local dir="$WORK/host$1"
    mkdir -p "$dir/home" "$dir/config"
    echo "HOME=$dir/home PANOPLY_CONFIG_DIR=$dir/config"
}
panoply_on() {
    local n="$1"; shift
    # shellcheck disable=SC2046
    env $(host_env "$n") PANOPLY_WORKSPACE="$URL" PANOPLY_WORKSPACE_KEY="$KEY" "$BIN" "$@"
}

# open_ui N: UI N in a tmux server of its own, on the workspace, sending to its own outbox.
open_ui() {
    local n="$1" socket="panoply-ws-tui-e2e-$$-$RANDOM-$1"
    SOCKETS+=("$socket")
    local t=(tmux -L "$socket" -f /dev/null)
    if [[ "$n" == 1 ]]; then T1=("${t[@]}"); else T2=("${t[@]}"); fi
    use "$n"
    mkdir -p "$WORK/host$n/outbox"
    "${T[@]}" new-session -d -s "$PANE" -x 110 -y 30 \
        "env LANG=C.UTF-8 TERM=screen $(host_env "$n") PANOPLY_WORKSPACE='$URL' PANOPLY_WORKSPACE_KEY='$KEY' \
         '$BIN' --outbox '$WORK/host$n/outbox'; \
         echo \"PANOPLY-EXITED=\$?\"; echo \"TTY: \$(stty -a | tr ' ;' '\n\n' | grep -E '^-?(icanon|echo)\$' | tr '\n' ' ')\"; sleep 600"
    wait_for 30 "Saved sources" "Slow demo"
}

# quit_and_check: q (then y when it asks) leaves with status 0 and gives the terminal back.
quit_and_check() {
    keys q
    wait_for 30 "PANOPLY-EXITED=" "TTY:"
    local s; s="$(screen)"
    [[ "$s" == *"PANOPLY-EXITED=0"* ]] || fail "panoply exited with a non-zero status"
    [[ "$s" == *"TTY: icanon echo"* ]] || fail "terminal modes not restored (want icanon and echo)"
    [[ "$("${T[@]}" display -p -t "$PANE" '#{alternate_on}')" == "0" ]] || fail "still on the alternate screen after exit"
}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# records_shown: the first "records N" of the current screen, digits only.
records_shown() { screen | grep -o 'records [0-9,]*' | head -1 | tr -dc 0-9; }

STEP="1/7 a fresh workspace, a slow demo source saved from the shell"; echo "workspace_tui.sh: $STEP"
panoply_on 1 workspace init >"$WORK/init.out" 2>&1 || fail "workspace init failed: $(cat "$WORK/init.out")"
panoply_on 1 save "Slow demo" demo --param rows=50000 --param batch_size=10 --param delay_ms=30 >"$WORK/save.out" 2>&1 \
    || fail "panoply save failed: $(cat "$WORK/save.out")"
panoply_on 2 list >"$WORK/list.out" 2>&1 || fail "list on host 2 failed: $(cat "$WORK/list.out")"
grep -q "Slow demo" "$WORK/list.out" || fail "host 2 does not list the source saved on host 1: $(cat "$WORK/list.out")"

STEP="2/7 two UIs on the workspace; both headers name it, no password on either screen"; echo "workspace_tui.sh: $STEP"
# USER@HOST:PORT/DB?schema=SCHEMA: what tells workspaces apart, never the password.
NAMED="[$PANOPLY_TEST_PG_USER@$PANOPLY_TEST_PG_HOST:$PANOPLY_TEST_PG_PORT/$PANOPLY_TEST_PG_DATABASE?schema=$SCHEMA]"
open_ui 1
wait_for 5 "$NAMED"
open_ui 2
wait_for 5 "$NAMED"
no_password

STEP="3/7 UI 1: Enter on the saved source, Ctrl-S starts its run"; echo "workspace_tui.sh: $STEP"
use 1
keys Enter
wait_for 10 "Slow demo" "Rows"
keys C-s
wait_for 30 "running" "rows"
started_at="$(now)"
ui1_pid="$(pgrep -P "$("${T[@]}" display -p -t "$PANE" '#{pane_pid}')" -x panoply || true)"
[[ -n "$ui1_pid" ]] || fail "cannot find the process of UI 1"

STEP="4/7 UI 2: the run shows live on the source's row; Enter, counter rises; c y cancels"; echo "workspace_tui.sh: $STEP"
use 2
wait_for 10 "Slow demo" "running"
seen_after="$(since "$started_at")"
keys Enter
wait_for 5 "from ui, pid $ui1_pid" "rows"
wait_for 10 "records"
first="$(records_shown)"
sleep 2.5  # two snapshots apart: the counter must have moved
second="$(records_shown)"
((${second:-0} > ${first:-0})) || fail "the run's counter in UI 2 did not rise ($first then $second)"
no_password
keys c
wait_for 5 "Cancel"
keys y
asked_at="$(now)"
wait_for 30 "cancelled"

STEP="5/7 UI 1 shows its run cancelled from UI 2"; echo "workspace_tui.sh: $STEP"
use 1
wait_for 30 "cancelled" "cancelling: asked from ui on "
cancelled_after="$(since "$asked_at")"
# Its end is recorded in the workspace's history (under its lease, not refused as lost).
wait_for 10 "Log · "
[[ "$(screen)" != *"cannot record the run"* ]] || fail "UI 1 could not record its run in the history"
[[ "$(screen)" != *"100%"* ]] || fail "the run finished before it was cancelled"
records_sent="$(cat "$WORK/host1/outbox"/*.ndjson 2>/dev/null | grep -c '^{' || true)"
((records_sent > 0)) || fail "UI 1's run delivered nothing to its outbox"
[[ -z "$(ls -A "$WORK/host2/outbox")" ]] || fail "UI 2 wrote to its own outbox: the run is UI 1's"
no_password

STEP="6/7 UI 2: r resumes it here from UI 1's committed state; UI 1 follows it live and cancels it"; echo "workspace_tui.sh: $STEP"
use 2
keys r
wait_for 30 "running" "rows"
[[ "$(screen)" != *"from ui, pid"* ]] || fail "r in UI 2 did not start a run of its own"
ui2_pid="$(pgrep -P "$("${T[@]}" display -p -t "$PANE" '#{pane_pid}')" -x panoply || true)"
[[ -n "$ui2_pid" ]] || fail "cannot find the process of UI 2"
use 1
keys Escape
wait_for 10 "Saved sources" "running"
keys Enter
wait_for 10 "from ui, pid $ui2_pid" "rows"
keys c
wait_for 5 "Cancel"
keys y
wait_for 30 "cancelled"
use 2
wait_for 30 "cancelled" "cancelling: asked from ui on "
wait_for 10 "Log · "
[[ "$(screen)" != *"cannot record the run"* ]] || fail "UI 2 could not record its run in the history"
ids() { { cat "$1"/*.ndjson 2>/dev/null || true; } | { grep -o '^{"id":[0-9]*' || true; } | cut -d: -f2 | sort -n; }
# What a cancelled run read is delivered as its SDK closes, which may end after the
# screen says cancelled: wait for UI 2's outbox (a deadline, not a sleep).
deadline=$((SECONDS + 30))
until [[ -n "$(ids "$WORK/host2/outbox" | head -1)" ]] || ((SECONDS >= deadline)); do sleep 0.2; done
max1="$(ids "$WORK/host1/outbox" | tail -1 || true)"
min2="$(ids "$WORK/host2/outbox" | head -1 || true)"
[[ -n "$min2" ]] || fail "UI 2's resumed run delivered nothing to its outbox within 30 s"
((min2 > 1 && min2 <= max1 + 1)) || fail "UI 2's run did not resume from UI 1's committed state (UI 1 sent up to id $max1, UI 2 from $min2)"

STEP="7/7 the history shows both runs; both UIs quit with status 0 and restore the terminal"; echo "workspace_tui.sh: $STEP"
use 1
keys Escape
wait_for 10 "Saved sources"
keys h
wait_for 10 "History · Slow demo" "2 runs " "cancelled"
keys Escape
wait_for 10 "Saved sources"
quit_and_check
use 2
keys Escape
wait_for 10 "Saved sources"
keys h
wait_for 10 "History · Slow demo" "2 runs " "cancelled"
keys Enter
wait_for 10 "· from ui ·" "cancelling: asked from ui on "
keys Escape Escape
wait_for 10 "Saved sources"
quit_and_check
panoply_on 2 status --json >"$WORK/status.json" 2>&1 || fail "status on host 2 failed: $(cat "$WORK/status.json")"
grep -q '"cancelled"' "$WORK/status.json" || fail "status on host 2 does not show the run cancelled: $(cat "$WORK/status.json")"

echo "workspace_tui.sh: PASS (workspace $SCHEMA: two UIs, a run started in UI 1 shown live in UI 2 and cancelled there, resumed in UI 2 from id $min2 (UI 1 sent up to $max1) and cancelled from UI 1; seen in UI 2 ${seen_after}s after it started, cancelled in UI 1 ${cancelled_after}s after y; $records_sent records delivered before the cancel; no password shown; terminals restored)"
