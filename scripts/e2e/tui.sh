#!/usr/bin/env bash
# End-to-end test of the terminal UI, driven through tmux like a person at a keyboard.
#   PANOPLY_BIN=.build/debug/panoply scripts/e2e/tui.sh
# 1. open Demo from the list, rows=20000, Ctrl-S, wait for 100%: the outbox holds 20000 records;
# 2. a fail_mode=fatal run shows as failed; r retries it from its committed state and it
#    completes: every id of both runs together is in the outbox;
# 3. a slow run (delay_ms): q asks (n keeps going), c then y cancels it: shows cancelled;
# 4. SIGTERM during a run delivers what was read and restores the terminal;
# 5. a terminal shrunk below 60x16 says so and what to do, and the UI comes back when it
#    grows; NO_COLOR=1 draws without colour codes (a plain start draws with them);
# 6. x on a saved source asks first (n keeps it); y deletes it, then a second question
#    asks about its state (y removes the state file);
# 7. history: a failed run and its retry show in h as one run of 2 attempts, still there
#    after a restart; Enter on it shows the failed attempt's error and the log tail;
# 8. cron: `panoply run --saved Demo` in a second process shows in the UI's history after
#    a restart (from cli); a slow one started from the shell shows live in an open UI, whose
#    c y cancels it (the shell process exits 5, the history says cancelled, from cli);
# 9. Ctrl-T in a PostgreSQL form with a wrong password shows the auth error under the
#    form; corrected, it shows ok (needs PANOPLY_TEST_PG_*: scripts/services/postgres.sh);
# 10. Ctrl-S in that form with neither table nor query stays in the form with the message,
#     and so does a table that does not exist (the message on the Table field); a saved
#     source's run on such a table offers e, which opens its form with the Table marked;
# 11. a postgres form filled in by typing; Enter on Tables lists the live tables of the test
#    server, / filters, Space picks 2, Enter, Ctrl-S: the run view shows a row per table
#    reaching done, and the outbox holds both tables' rows (and none of the third);
# 12. the same form with a wrong password: the picker shows the server's refusal;
# 13. a sqlite file: the picker lists its 3 tables, / filters, 2 picked, run to done; the
#     outbox holds both, and nothing of the third;
# 14. a csv folder of 5 files run to done; a 6th file added, the saved source run again:
#     only the new file is read;
# 15. python:t_db (a module for the original SDK, psycopg2): its dynamic-list of live tables
#     in the picker, both picked with a, run to done (needs PANOPLY_TEST_PYTHON);
# and each time q exits with status 0 and the terminal is restored (no alternate screen,
# canonical mode and echo back on). Exits non-zero with the screen on failure.
set -euo pipefail

NAME=tui.sh
# shellcheck source=scripts/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_bin

WORK="$(mktemp -d "${TMPDIR:-/tmp}/panoply-tui-e2e.XXXXXX")"
SOCKETS=()
T=(tmux)
PANE="e2e"
cleanup() {
    local s
    for s in "${SOCKETS[@]}"; do tmux -L "$s" kill-server >/dev/null 2>&1 || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "tui.sh: FAIL: $*" >&2
    echo "----- screen -----" >&2
    screen >&2
    echo "------------------" >&2
    # Again after the screen: a log cut to its tail still names the failure.
    echo "tui.sh: FAIL in ${STEP:-start-up}: $*" >&2
    exit 1
}

# start NAME [ENV=VALUE...]: a fresh UI with its own outbox and config directory
# (UI_ARGS goes before the options, UI_READY is what the first screen shows).
start() {
    local name="$1"; shift
    local extra="$*"
    OUT="$WORK/$name/outbox"
    CFG="$WORK/$name/config"
    mkdir -p "$OUT" "$CFG"
    # One tmux server per scenario, on a socket no one else uses.
    "${T[@]}" kill-server >/dev/null 2>&1 || true
    local socket="panoply-tui-e2e-$$-$RANDOM-$name"
    SOCKETS+=("$socket")
    T=(tmux -L "$socket" -f /dev/null)
    "${T[@]}" new-session -d -s "$PANE" -x 100 -y 30 \
        "env LANG=C.UTF-8 TERM=screen $extra PANOPLY_CONFIG_DIR='$CFG' '$BIN' ${UI_ARGS:-} --outbox '$OUT' ${ARGS:-}; \
         echo \"PANOPLY-EXITED=\$?\"; echo \"TTY: \$(stty -a | tr ' ;' '\n\n' | grep -E '^-?(icanon|echo)\$' | tr '\n' ' ')\"; sleep 600"
    wait_for 20 "${UI_READY:-Saved sources}"
}

# quit_and_check: q leaves with status 0 and gives the terminal back.
quit_and_check() {
    keys q
    wait_for 30 "PANOPLY-EXITED=" "TTY:"
    local s; s="$(screen)"
    [[ "$s" == *"PANOPLY-EXITED=0"* ]] || fail "panoply exited with a non-zero status"
    [[ "$s" == *"TTY: icanon echo"* ]] || fail "terminal modes not restored (want icanon and echo)"
    [[ "$("${T[@]}" display -p -t "$PANE" '#{alternate_on}')" == "0" ]] || fail "still on the alternate screen after exit"
}

# start_slow_run: from the list, a Demo run of 20000 rows in batches of 100, 300 ms apart.
start_slow_run() {
    keys Enter
    wait_for 10 "New Demo source"
    text 20000
    keys Tab
    text 100
    keys Tab
    text 300
    keys C-s
    wait_for 30 "running" "rows"
}

records() { cat "$OUT"/*.ndjson 2>/dev/null | grep -c '^{' || true; }
distinct_ids() { cat "$OUT"/*.ndjson 2>/dev/null | grep -o '^{"id":[0-9]*' | sort -u | wc -l | tr -d ' '; }
max_id() { cat "$OUT"/*.ndjson 2>/dev/null | grep -o '^{"id":[0-9]*' | cut -d: -f2 | sort -n | tail -1; }

STEP="1/15 20000 rows to the outbox"; echo "tui.sh: $STEP"
start big
keys Enter
wait_for 10 "New Demo source" "Rows"
text 20000
keys C-s
wait_for 120 "100%" "✓ done"
n="$(records)"
[[ "$n" == 20000 ]] || fail "outbox holds $n records, want 20000"
[[ "$(distinct_ids)" == 20000 ]] || fail "outbox holds $(distinct_ids) distinct ids, want 20000"
mode="$(stat -c %a "$CFG/sources.json")"
[[ "$mode" == 600 ]] || fail "sources.json has mode $mode, want 600"
keys Escape
wait_for 10 "Saved sources" "done · 20,000 delivered"
quit_and_check

STEP="2/15 a fatal failure, then r resumes it"; echo "tui.sh: $STEP"
start fatal
keys Enter
wait_for 10 "New Demo source"
text 5000
keys Tab Tab Tab
text 2600
keys Tab Space
wait_for 5 "‹ fatal ›"
keys C-s
wait_for 60 "failed" "demo failure at row 2600"
first="$(records)"
[[ "$first" -lt 5000 ]] || fail "the failed run delivered $first records, want fewer than 5000"
keys r
wait_for 60 "attempt 2" "100%" "✓ done"
[[ "$(distinct_ids)" == 5000 && "$(max_id)" == 5000 ]] || fail "after the retry the outbox holds $(distinct_ids) distinct ids (max $(max_id)), want 1...5000"
quit_and_check

STEP="3/15 a slow run, cancelled"; echo "tui.sh: $STEP"
start slow
start_slow_run
keys q
wait_for 10 "Quit while 1 run is active?"
keys n
wait_for 10 "running"
keys c
wait_for 10 "Cancel Demo?"
keys y
wait_for 60 "cancelled"
[[ "$(screen)" != *"100%"* ]] || fail "the slow run finished before it was cancelled"
quit_and_check

STEP="4/15 SIGTERM during a run"; echo "tui.sh: $STEP"
start sigterm
start_slow_run
shell_pid="$("${T[@]}" display -p -t "$PANE" '#{pane_pid}')"
ui_pid="$(pgrep -P "$shell_pid" -x panoply || true)"
[[ -n "$ui_pid" ]] || fail "cannot find the panoply process under the pane's shell $shell_pid"
kill -TERM "$ui_pid"
wait_for 30 "PANOPLY-EXITED=" "TTY:"
[[ "$(screen)" == *"TTY: icanon echo"* ]] || fail "terminal modes not restored after SIGTERM"
[[ "$("${T[@]}" display -p -t "$PANE" '#{alternate_on}')" == "0" ]] || fail "still on the alternate screen after SIGTERM"
[[ "$(records)" -gt 0 ]] || fail "nothing read before SIGTERM was delivered"

STEP="5/15 a terminal too small, then large again; NO_COLOR"; echo "tui.sh: $STEP"
# SGR parameters that set a foreground or background colour (39/49, "default", are not colours).
colour_codes() { "${T[@]}" capture-pane -p -e -t "$PANE" | grep -cE $'\e\\[([0-9]+;)*(3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]' || true; }
start resize
[[ "$(colour_codes)" -gt 0 ]] || fail "a plain start shows no colour codes, so the NO_COLOR check below could not fail"
"${T[@]}" resize-window -t "$PANE" -x 50 -y 12
wait_for 10 "Terminal too small (50x12)" "Panoply needs at least 60x16." "Enlarge the window, or q to quit."
"${T[@]}" resize-window -t "$PANE" -x 100 -y 30
wait_for 10 "Saved sources" "Demo"
quit_and_check
start nocolor NO_COLOR=1
[[ "$(colour_codes)" == 0 ]] || fail "NO_COLOR=1 still draws $(colour_codes) lines with colour codes"
keys Enter
wait_for 10 "New Demo source" "Rows"
[[ "$(colour_codes)" == 0 ]] || fail "NO_COLOR=1 form draws colour codes"
keys Escape
wait_for 10 "Saved sources"
quit_and_check

STEP="6/15 x asks before deleting a saved source, then about its state"; echo "tui.sh: $STEP"
start delete
keys Enter
wait_for 10 "New Demo source" "Rows"
text 50
keys C-s
wait_for 60 "100%" "✓ done"
keys Escape
wait_for 10 "Saved sources" "done · 50 delivered"
[[ -f "$CFG/state/Demo.json" ]] || fail "the done run left no state file to delete ($CFG/state/Demo.json)"
keys x
wait_for 10 "Delete the saved source 'Demo'?" "n / Esc: no"
grep -q '"Demo"' "$CFG/sources.json" || fail "the source was deleted before the answer"
keys n
wait_for 10 "kept Demo"
grep -q '"Demo"' "$CFG/sources.json" || fail "n deleted the source"
keys x
wait_for 10 "Delete the saved source 'Demo'?"
keys y
wait_for 10 "Remove the state of Demo too?"
! grep -q '"Demo"' "$CFG/sources.json" || fail "y did not delete the source from sources.json"
[[ -f "$CFG/state/Demo.json" ]] || fail "the state file went before the second answer"
keys y
wait_for 10 "deleted Demo and its state"
[[ ! -e "$CFG/state/Demo.json" ]] || fail "y to the second question left the state file"
quit_and_check

STEP="7/15 history: a failed and a done run show in h, also after a restart"; echo "tui.sh: $STEP"
start history
keys Enter
wait_for 10 "New Demo source"
text 3000
keys Tab Tab Tab
text 1500
keys Tab Space
wait_for 5 "‹ fatal ›"
keys C-s
wait_for 60 "failed" "demo failure at row 1500"
keys r
wait_for 60 "attempt 2" "100%" "✓ done"
keys Escape
wait_for 10 "Saved sources"
keys h
wait_for 10 "History · Demo" "1 run " "✓ done" "2 attempts"
quit_and_check
[[ "$(stat -c %a "$CFG/history/Demo.json")" == 600 ]] || fail "the history file has mode $(stat -c %a "$CFG/history/Demo.json"), want 600"
start history
wait_for 10 "done · 3,000 delivered"
keys h
wait_for 10 "History · Demo" "1 run " "✓ done" "2 attempts"
keys Enter
wait_for 10 "Demo · run of" "attempt 1 (" "✗ failed: demo failure at row 1500" "Log · last"
keys Escape Escape
wait_for 10 "Saved sources"
quit_and_check

STEP="8/15 cron: run --saved in a second process shows in the UI's history"; echo "tui.sh: $STEP"
start cron
keys Enter
wait_for 10 "New Demo source"
text 200
keys C-s
wait_for 60 "100%" "✓ done"
quit_and_check
PANOPLY_CONFIG_DIR="$CFG" "$BIN" run --saved Demo --outbox "$OUT" >"$WORK/cron.out" 2>"$WORK/cron.err" \
    || fail "run --saved exited non-zero: $(cat "$WORK/cron.err")"
grep -q "records=200 " "$WORK/cron.out" || fail "run --saved did not send 200 records: $(cat "$WORK/cron.out")"
start cron
wait_for 10 "done · 200 delivered"
keys h
wait_for 10 "History · Demo" "2 runs" "cli"
quit_and_check

STEP="8b/15 attach: a run --saved started from the shell shows live in an open UI; c y cancels it (exit 5)"; echo "tui.sh: $STEP"
mkdir -p "$WORK/attach/config"
PANOPLY_CONFIG_DIR="$WORK/attach/config" "$BIN" save "Slow demo" demo --param rows=20000 --param batch_size=10 --param delay_ms=30 >/dev/null \
    || fail "panoply save failed"
start attach
PANOPLY_CONFIG_DIR="$CFG" "$BIN" run --saved "Slow demo" --outbox "$OUT" --flush-interval 0.2 >"$WORK/attach.out" 2>"$WORK/attach.err" &
attach_pid=$!
wait_for 5 "Slow demo" "running"
keys Enter
wait_for 5 "from cli, pid" "rows"
first=$(screen | grep -o 'records [0-9,]*' | head -1 | tr -dc 0-9)
wait_for 10 "records"
sleep 1.5  # two snapshots apart: the counter must have moved
second=$(screen | grep -o 'records [0-9,]*' | head -1 | tr -dc 0-9)
(( ${second:-0} > ${first:-0} )) || fail "the attached run's counter did not rise ($first then $second)"
keys c
wait_for 5 "Cancel"
keys y
set +e; wait "$attach_pid"; attach_status=$?; set -e
[[ $attach_status -eq 5 ]] || fail "the shell run exited $attach_status, not 5 (cancelled): $(tail -3 "$WORK/attach.err")"
grep -q "cancelling: asked from ui on " "$WORK/attach.err" || fail "the shell run did not say who cancelled it: $(cat "$WORK/attach.err")"
wait_for 10 "cancelled"
keys Escape
keys h
wait_for 10 "History · Slow demo" "cancelled" "cli"
quit_and_check

if [[ -z "${PANOPLY_TEST_PG_PORT:-}" ]]; then
    echo "tui.sh: 9-10/15 skipped: no PostgreSQL (start scripts/services/postgres.sh, as scripts/test.sh does)" >&2
else
    STEP="9/15 Ctrl-T: a wrong PostgreSQL password shows the auth error; corrected, ok"; echo "tui.sh: $STEP"
    start pgcheck
    for _ in $(seq 1 30); do
        grep -q "› .*PostgreSQL" <<<"$(screen)" && break
        keys Down
        sleep 0.1
    done
    keys Enter
    wait_for 10 "New PostgreSQL source"
    text "$PANOPLY_TEST_PG_HOST"; keys Tab
    text "$PANOPLY_TEST_PG_PORT"; keys Tab
    text "$PANOPLY_TEST_PG_DATABASE"; keys Tab
    text "$PANOPLY_TEST_PG_USER"; keys Tab
    text "wrong-password"; keys Tab
    # A table every database has, so only the password can be wrong.
    text "pg_catalog"; keys Tab Tab
    text "pg_database"
    keys C-t
    wait_for 30 "test failed (password)" "user '$PANOPLY_TEST_PG_USER'"
    keys C-u
    text "$PANOPLY_TEST_PG_PASSWORD"
    keys C-t
    wait_for 30 "✓ ok: the params are valid and the source is reachable"

    STEP="10/15 Ctrl-S with neither table nor query stays in the form"; echo "tui.sh: $STEP"
    keys Tab Tab Tab C-u
    keys C-s
    wait_for 30 "New PostgreSQL source" "✗ test failed (tables)" "a table or a query"
    [[ "$(screen)" != *"attempt 1"* ]] || fail "Ctrl-S started a run that cannot work"
    ! grep -q '"postgres"' "$CFG/sources.json" 2>/dev/null || fail "a source that cannot run was saved"
    # A table that does not exist: Ctrl-S stays in the form, the message on the Table field.
    keys Tab
    text "nosuch_table"
    keys C-s
    wait_for 30 "New PostgreSQL source" "✗ test failed (table)" "nosuch_table"
    [[ "$(screen)" != *"attempt 1"* ]] || fail "Ctrl-S started a run on a table that does not exist"
    # Esc on a filled-in form asks before throwing it away; y discards.
    keys Escape
    wait_for 10 "Discard your changes to New PostgreSQL source?" "n / Esc: keep editing"
    keys y
    wait_for 10 "Saved sources"
    quit_and_check

    STEP="10/15 a saved source's run on a table that does not exist offers e: its form, the table marked"; echo "tui.sh: $STEP"
    mkdir -p "$WORK/pgtable/config"
    cat >"$WORK/pgtable/config/sources.json" <<JSON
{"version": 1, "sources": [{"name": "Wrong table", "type": "postgres", "table": "", "values": {"host": "$PANOPLY_TEST_PG_HOST",
 "port": "$PANOPLY_TEST_PG_PORT", "database": "$PANOPLY_TEST_PG_DATABASE", "user": "$PANOPLY_TEST_PG_USER",
 "password": "$PANOPLY_TEST_PG_PASSWORD", "table": "nosuch_table", "sslmode": "disable"}}]}
JSON
    start pgtable
    wait_for 10 "Wrong table"
    keys F
    wait_for 30 "nosuch_table" "e edits the source"
    keys e
    wait_for 10 "✗ test failed (table)" "nosuch_table"
    keys Escape
    wait_for 10 "Saved sources"
    quit_and_check
fi

STEP="11/15 postgres: pick 2 live tables, run them to done"; echo "tui.sh: $STEP"
pg_passed="postgres skipped"
if [[ -z "${PANOPLY_TEST_PG_PORT:-}" ]]; then
    echo "tui.sh: 11/15 and 12/15 skipped: no test PostgreSQL (scripts/services/postgres.sh start)"
else
    psql_bin="$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | head -1)"
    [[ -x "$psql_bin" ]] || psql_bin="$(command -v psql || true)"
    [[ -n "$psql_bin" ]] || fail "no psql to create the fixture tables"
    schema="tui_e2e_$$"
    PGPASSWORD="$PANOPLY_TEST_PG_PASSWORD" "$psql_bin" -q -v ON_ERROR_STOP=1 -h "$PANOPLY_TEST_PG_HOST" -p "$PANOPLY_TEST_PG_PORT" \
        -U "$PANOPLY_TEST_PG_USER" -d "$PANOPLY_TEST_PG_DATABASE" >/dev/null <<SQL || fail "cannot create the fixture tables in schema $schema"
CREATE SCHEMA $schema;
CREATE TABLE $schema.alpha (id int PRIMARY KEY, name text);
CREATE TABLE $schema.beta (id int PRIMARY KEY, amount numeric);
CREATE TABLE $schema.gamma (id int PRIMARY KEY);
INSERT INTO $schema.alpha SELECT g, 'a' || g FROM generate_series(1, 300) g;
INSERT INTO $schema.beta SELECT g, g * 1.5 FROM generate_series(1, 120) g;
INSERT INTO $schema.gamma SELECT g FROM generate_series(1, 7) g;
SQL
    drop_schema() {
        PGPASSWORD="$PANOPLY_TEST_PG_PASSWORD" "$psql_bin" -q -h "$PANOPLY_TEST_PG_HOST" -p "$PANOPLY_TEST_PG_PORT" \
            -U "$PANOPLY_TEST_PG_USER" -d "$PANOPLY_TEST_PG_DATABASE" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
    }
    trap 'drop_schema; cleanup' EXIT
    # fill_connection PASSWORD: types the connection into the form, from Host to Tables.
    fill_connection() {
        text "$PANOPLY_TEST_PG_HOST"; keys Tab
        text "$PANOPLY_TEST_PG_PORT"; keys Tab
        text "$PANOPLY_TEST_PG_DATABASE"; keys Tab
        text "$PANOPLY_TEST_PG_USER"; keys Tab
        text "$1"; keys Tab Tab
        wait_for 5 "› Tables"
    }
    UI_ARGS="tui --open postgres" UI_READY="New PostgreSQL source" start pg
    fill_connection "$PANOPLY_TEST_PG_PASSWORD"
    keys Enter
    # Filtered first: other schemas of the shared database may fill the picker's screen.
    wait_for 30 "Pick Tables" "listed"
    keys /
    text "$schema"
    keys Enter
    wait_for 5 "3 match" "$schema.alpha" "$schema.beta" "$schema.gamma"
    keys Space Down Space
    wait_for 5 "2 picked"
    keys Enter
    wait_for 5 "$schema.alpha, $schema.beta"
    keys C-s
    wait_for 60 "✓ done" "Resources 2/2 done" "✓ $schema.alpha" "✓ $schema.beta"
    n_alpha="$(cat "$OUT"/*.ndjson | grep -c "\"__resource\":\"$schema.alpha\"" || true)"
    n_beta="$(cat "$OUT"/*.ndjson | grep -c "\"__resource\":\"$schema.beta\"" || true)"
    n_gamma="$(cat "$OUT"/*.ndjson | grep -c "\"__resource\":\"$schema.gamma\"" || true)"
    [[ "$n_alpha" == 300 && "$n_beta" == 120 ]] || fail "the outbox holds $n_alpha rows of alpha and $n_beta of beta, want 300 and 120"
    [[ "$n_gamma" == 0 ]] || fail "the outbox holds $n_gamma rows of gamma, which was not picked"
    grep -q "\"__table\":\"postgres_${schema}_alpha\"" "$OUT"/*.ndjson || fail "alpha's rows did not go to postgres_${schema}_alpha"
    keys Escape
    wait_for 10 "Saved sources"
    quit_and_check

    STEP="12/15 postgres: a wrong password shows in the picker"; echo "tui.sh: $STEP"
    UI_ARGS="tui --open postgres" UI_READY="New PostgreSQL source" start pgwrong
    fill_connection "not-the-password"
    keys Enter
    wait_for 30 "Could not list Tables" "rejected the login of user '$PANOPLY_TEST_PG_USER'" "r tries again"
    [[ "$(screen)" != *"not-the-password"* ]] || fail "the picker shows the password"
    keys Escape
    wait_for 5 "› Tables"
    keys Escape
    wait_for 10 "Discard your changes to New PostgreSQL source?"
    keys y
    wait_for 10 "Saved sources"
    quit_and_check
    pg_passed="postgres picker: 2 tables to done, wrong password shown"
fi

STEP="13/15 sqlite: pick 2 of 3 tables in the picker, run them to done"; echo "tui.sh: $STEP"
DB="$WORK/shop.sqlite"
python3 - "$DB" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("create table orders (id integer primary key, total real)")
c.execute("create table customers (id integer primary key, name text)")
c.execute("create table notes (id integer primary key, body text)")
c.executemany("insert into orders values (?, ?)", [(i, i * 1.5) for i in range(1, 51)])
c.executemany("insert into customers values (?, ?)", [(i, "c%d" % i) for i in range(1, 31)])
c.executemany("insert into notes values (?, ?)", [(i, "n") for i in range(1, 6)])
c.commit()
PY
UI_ARGS="tui --open sqlite --param path=$DB" UI_READY="New SQLite database source" start sqlite
keys Tab
wait_for 5 "› Tables"
keys Enter
wait_for 30 "Pick Tables" "orders" "customers" "notes"
keys /
text "er"
keys Enter
wait_for 5 "2 match"
keys Space Down Space
wait_for 5 "2 picked"
keys Enter
keys C-s
wait_for 60 "✓ done" "Resources 2/2 done"
n_orders="$(cat "$OUT"/*.ndjson | grep -c '"__resource":"orders"' || true)"
n_customers="$(cat "$OUT"/*.ndjson | grep -c '"__resource":"customers"' || true)"
n_notes="$(cat "$OUT"/*.ndjson | grep -c '"__resource":"notes"' || true)"
[[ "$n_orders" == 50 && "$n_customers" == 30 && "$n_notes" == 0 ]] \
    || fail "the outbox holds $n_orders orders, $n_customers customers, $n_notes notes; want 50, 30, 0"
grep -q '"__table":"sqlite_orders"' "$OUT"/*.ndjson || fail "orders did not go to sqlite_orders"
keys Escape
wait_for 10 "Saved sources"
quit_and_check

STEP="14/15 csv folder: 5 files to done; a 6th added later is the only one the next run reads"; echo "tui.sh: $STEP"
CSVDIR="$WORK/csvdir"
mkdir -p "$CSVDIR"
for f in 1 2 3 4 5; do
    { echo "id,file"; for i in $(seq 1 10); do echo "$i,$f"; done; } >"$CSVDIR/part-$f.csv"
done
UI_ARGS="tui --open csv --param path=$CSVDIR" UI_READY="New CSV file source" start csvdir
keys C-s
wait_for 60 "✓ done" "Resources 5/5 done"
[[ "$(records)" == 50 ]] || fail "the first run delivered $(records) records, want 50"
keys Escape
wait_for 10 "Saved sources"
{ echo "id,file"; for i in $(seq 1 10); do echo "$i,6"; done; } >"$CSVDIR/part-6.csv"
keys Enter
wait_for 10 "CSV file"
keys C-s
wait_for 60 "✓ done" "Resources 6/6 done"
n="$(records)"
n6="$(cat "$OUT"/*.ndjson | grep -c '"file":"6"' || true)"
[[ "$n" == 60 && "$n6" == 10 ]] || fail "after the second run the outbox holds $n records ($n6 of part-6), want 60 (10)"
keys Escape
wait_for 10 "Saved sources"
quit_and_check

if [[ -z "${PANOPLY_TEST_PG_PORT:-}" || -z "${PANOPLY_TEST_PYTHON:-}" ]]; then
    echo "tui.sh: 15/15 skipped: needs the test PostgreSQL and PANOPLY_TEST_PYTHON (scripts/test.sh sets both)"
else
    STEP="15/15 python: a module's dynamic-list of live tables in the picker, run to done"; echo "tui.sh: $STEP"
    psql_bin="$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | head -1)"
    [[ -x "$psql_bin" ]] || psql_bin="$(command -v psql || true)"
    pyschema="tui_py_$$"
    PGPASSWORD="$PANOPLY_TEST_PG_PASSWORD" "$psql_bin" -q -v ON_ERROR_STOP=1 -h "$PANOPLY_TEST_PG_HOST" -p "$PANOPLY_TEST_PG_PORT" \
        -U "$PANOPLY_TEST_PG_USER" -d "$PANOPLY_TEST_PG_DATABASE" >/dev/null <<SQL || fail "cannot create the fixture tables in schema $pyschema"
CREATE SCHEMA $pyschema;
CREATE TABLE $pyschema.red (id int PRIMARY KEY, v text);
CREATE TABLE $pyschema.blue (id int PRIMARY KEY, v text);
INSERT INTO $pyschema.red SELECT g, 'r' || g FROM generate_series(1, 90) g;
INSERT INTO $pyschema.blue SELECT g, 'b' || g FROM generate_series(1, 25) g;
SQL
    FIXTURES="$(cd "$(dirname "$0")/../../Tests/PanoplyConnectorsTests/Fixtures/python" && pwd)"
    UI_ARGS="tui --open python:t_db" UI_READY="New Test PostgreSQL source" \
        start python "PYTHONPATH='$FIXTURES'" "PANOPLY_PYTHON='$PANOPLY_TEST_PYTHON'"
    text "$PANOPLY_TEST_PG_HOST"; keys Tab
    text "$PANOPLY_TEST_PG_PORT"; keys Tab
    text "$PANOPLY_TEST_PG_DATABASE"; keys Tab
    text "$PANOPLY_TEST_PG_USER"; keys Tab
    text "$PANOPLY_TEST_PG_PASSWORD"; keys Tab
    keys C-u; text "$pyschema"; keys Tab
    wait_for 5 "› Tables"
    keys Enter
    wait_for 60 "Pick Tables" "red" "blue"
    keys a
    wait_for 5 "2 picked"
    keys Enter
    wait_for 5 "$pyschema.blue, $pyschema.red"
    keys C-s
    wait_for 120 "✓ done" "100%"
    n_red="$(cat "$OUT"/*.ndjson | grep -c "\"v\":\"r" || true)"
    n_blue="$(cat "$OUT"/*.ndjson | grep -c "\"v\":\"b" || true)"
    [[ "$n_red" == 90 && "$n_blue" == 25 ]] || fail "the outbox holds $n_red red and $n_blue blue rows, want 90 and 25"
    PGPASSWORD="$PANOPLY_TEST_PG_PASSWORD" "$psql_bin" -q -h "$PANOPLY_TEST_PG_HOST" -p "$PANOPLY_TEST_PG_PORT" \
        -U "$PANOPLY_TEST_PG_USER" -d "$PANOPLY_TEST_PG_DATABASE" -c "DROP SCHEMA IF EXISTS $pyschema CASCADE" >/dev/null 2>&1 || true
    keys Escape
    wait_for 10 "Saved sources"
    quit_and_check
fi

# 16. records go where the UI sent them: a source saved from a UI started in folder A with
#     no destination named, run with `run --saved` from folder B, writes to A's outbox (made
#     again when it was removed, said on stderr).
STEP="16 run --saved from another folder writes to the UI's outbox"; echo "tui.sh: $STEP"
A="$WORK/where/a"; B="$WORK/where/b"; CFG="$WORK/where/config"; mkdir -p "$A" "$B" "$CFG"
socket="panoply-tui-e2e-$$-$RANDOM-where"; SOCKETS+=("$socket"); T=(tmux -L "$socket" -f /dev/null)
"${T[@]}" new-session -d -s "$PANE" -x 100 -y 30 -c "$A" \
    "env -u PANOPLY_API_KEY -u PANOPLY_API_SECRET LANG=C.UTF-8 TERM=screen PANOPLY_CONFIG_DIR='$CFG' '$BIN'; \
     echo \"PANOPLY-EXITED=\$?\"; echo \"TTY: \$(stty -a | tr ' ;' '\n\n' | grep -E '^-?(icanon|echo)\$' | tr '\n' ' ')\"; sleep 600"
wait_for 20 "Saved sources"
keys Enter; wait_for 10 "New Demo source"; text 500; keys C-s
wait_for 60 "✓ done" "created the outbox folder"
keys Escape; wait_for 10 "Saved sources"; quit_and_check
OUT="$A/panoply-outbox"; rm -rf "$OUT"
(cd "$B" && env -u PANOPLY_API_KEY -u PANOPLY_API_SECRET PANOPLY_CONFIG_DIR="$CFG" "$BIN" run --saved Demo) 2>"$WORK/where/err" >/dev/null \
    || fail "run --saved from folder B failed: $(cat "$WORK/where/err")"
grep -q "created the outbox folder $OUT" "$WORK/where/err" || fail "run --saved did not say it created $OUT: $(cat "$WORK/where/err")"
[[ "$(distinct_ids)" == 500 && ! -e "$B/panoply-outbox" ]] || fail "want 500 ids in $OUT and no $B/panoply-outbox (got $(distinct_ids))"

echo "tui.sh: PASS (20000 records; failed run retried to all 5000 ids; cancel; SIGTERM; too small and back; NO_COLOR; x asks before deleting; history after restart; cron run in history; Ctrl-T; Ctrl-S stays; $pg_passed; sqlite picker; csv folder and a file added later; python: dynamic-list picker; run --saved from another folder; terminal restored)"
