#!/usr/bin/env bash
# Runs over many resources cost their rows, not a fixed overhead each (#31), one run each:
#   - 5,000 PostgreSQL tables holding 2 rows in all, against one psql session running
#     `select 1 from tN limit 1` for every table (target: under 10 s, or within 3 times psql,
#     whichever is larger);
#   - 2,000 SQLite tables holding 1 row each (target: under 4 s);
#   - the first record of a 10M-row PostgreSQL table delivered (target: under 1 s: no count
#     of the whole table before reading).
#
#   scripts/bench/many_resources.sh PANOPLY_BIN [PG_TABLES [SQLITE_TABLES [BIG_ROWS]]]
#       (defaults 5000 2000 10000000; MANY_BASELINE=OLD_PANOPLY_BIN also times an older build)
#
# Uses the PostgreSQL server of $PANOPLY_TEST_PG_PORT when set (in a database of its own,
# panoply_bench_many, kept between runs), else starts one (scripts/services/postgres.sh).
# Prints a table with ok or MISSED per target; JSON lines go to $MANY_BENCH_RESULTS if set.
set -euo pipefail

PANOPLY="${1:?usage: many_resources.sh PANOPLY_BIN [PG_TABLES [SQLITE_TABLES [BIG_ROWS]]]}"
PG_TABLES="${2:-5000}"
SQLITE_TABLES="${3:-2000}"
BIG_ROWS="${4:-10000000}"
BASE="${MANY_BASELINE:-}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$(mktemp -d /tmp/panoply-many.XXXXXX)"
STARTED=0
cleanup() {
    (( STARTED )) && bash "$ROOT/scripts/services/postgres.sh" stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
log() { printf '== %s\n' "$*" >&2; }

if [[ -z "${PANOPLY_TEST_PG_PORT:-}" ]]; then
    export PANOPLY_SERVICE_STATE="$WORK/state"
    mkdir -p "$PANOPLY_SERVICE_STATE"
    eval "$(bash "$ROOT/scripts/services/postgres.sh" start)"
    STARTED=1
    [[ -n "${PANOPLY_TEST_PG_PORT:-}" ]] || { echo "no PostgreSQL server binaries (apt-get install -y postgresql)" >&2; exit 1; }
fi
export PGPASSWORD="$PANOPLY_TEST_PG_PASSWORD"
PSQL="$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | tail -1)"
[[ -x "$PSQL" ]] || PSQL="$(command -v psql)"
DB=panoply_bench_many
PSQL_ARGS=(-h 127.0.0.1 -p "$PANOPLY_TEST_PG_PORT" -U "$PANOPLY_TEST_PG_USER" -v ON_ERROR_STOP=1 -qAt)
sql() { PGOPTIONS='-c client_min_messages=warning' "$PSQL" "${PSQL_ARGS[@]}" -d "$DB" "$@"; }
RESULTS="${MANY_BENCH_RESULTS:-$WORK/results.jsonl}"
seconds() { python3 -c 'import time; print(time.monotonic())'; }
emit() {  # emit NAME SECONDS
    printf '{"name": "%s", "seconds": %s}\n' "$1" "$2" | tee -a "$RESULTS" >&2
}
pg_params=(--param host=127.0.0.1 --param port="$PANOPLY_TEST_PG_PORT" --param user="$PANOPLY_TEST_PG_USER"
           --param password="$PGPASSWORD" --param database="$DB" --param sslmode=disable)

# --- the PostgreSQL tables ------------------------------------------------------------------
[[ "$("$PSQL" "${PSQL_ARGS[@]}" -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = '$DB'")" == 1 ]] \
    || "$PSQL" "${PSQL_ARGS[@]}" -d postgres -c "CREATE DATABASE $DB"
log "$PG_TABLES PostgreSQL tables (t1 and t$PG_TABLES hold a row each)"
for ((from = 1; from <= PG_TABLES; from += 1000)); do  # a transaction per 1,000 (locks)
    sql -c "DO \$\$ BEGIN FOR i IN $from..$((from + 999 < PG_TABLES ? from + 999 : PG_TABLES)) LOOP
              EXECUTE format('CREATE TABLE IF NOT EXISTS t%s (id int PRIMARY KEY, name text)', i); END LOOP; END \$\$"
done
sql -c "INSERT INTO t1 VALUES (1, 'first') ON CONFLICT DO NOTHING" -c "INSERT INTO t$PG_TABLES VALUES (1, 'last') ON CONFLICT DO NOTHING"
for i in $(seq "$PG_TABLES"); do echo "select 1 from t$i limit 1;"; done >"$WORK/select.sql"
TABLES="$(seq -f 'public.t%g' 1 "$PG_TABLES" | paste -sd, -)"

pg_run() {  # pg_run BIN NAME
    rm -rf "$WORK/out" "$WORK/pg.state"
    local t0 t1
    t0="$(seconds)"
    "$1" run postgres "${pg_params[@]}" --param tables="$TABLES" --outbox "$WORK/out" --state "$WORK/pg.state" >/dev/null 2>"$WORK/err" \
        || { tail -5 "$WORK/err" >&2; return 1; }
    t1="$(seconds)"
    got="$(cat "$WORK"/out/*.ndjson | grep -c '"__table"')"
    [[ "$got" == 2 ]] || log "$2 delivered $got records, not 2"
    emit "$2" "$(python3 -c "print(round($t1 - $t0, 3))")"
}
t0="$(seconds)"
sql -f "$WORK/select.sql" >/dev/null
emit pg_psql_select "$(python3 -c "print(round($(seconds) - $t0, 3))")"
pg_run "$PANOPLY" pg_many_panoply
[[ -z "$BASE" ]] || pg_run "$BASE" pg_many_baseline

# --- the SQLite tables ------------------------------------------------------------------------
log "$SQLITE_TABLES SQLite tables of 1 row"
python3 - "$WORK/many.sqlite" "$SQLITE_TABLES" <<'PYEOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for i in range(1, int(sys.argv[2]) + 1):
    db.execute(f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name TEXT)")
    db.execute(f"INSERT INTO t{i} VALUES (1, 'row of t{i}')")
db.commit()
PYEOF
STABLES="$(seq -f 't%g' 1 "$SQLITE_TABLES" | paste -sd, -)"
sqlite_run() {  # sqlite_run BIN NAME
    rm -rf "$WORK/out" "$WORK/sq.state"
    local t0 t1
    t0="$(seconds)"
    "$1" run sqlite --param path="$WORK/many.sqlite" --param tables="$STABLES" --outbox "$WORK/out" --state "$WORK/sq.state" >/dev/null 2>"$WORK/err" \
        || { tail -5 "$WORK/err" >&2; return 1; }
    t1="$(seconds)"
    got="$(cat "$WORK"/out/*.ndjson | grep -c '"__table"')"
    [[ "$got" == "$SQLITE_TABLES" ]] || log "$2 delivered $got records, not $SQLITE_TABLES"
    emit "$2" "$(python3 -c "print(round($t1 - $t0, 3))")"
}
sqlite_run "$PANOPLY" sqlite_many_panoply
[[ -z "$BASE" ]] || sqlite_run "$BASE" sqlite_many_baseline

# --- the first record of a big table ------------------------------------------------------------
have="$(sql -c "SELECT coalesce((SELECT max(id) FROM big_first), -2)" 2>/dev/null || echo -2)"
if [[ "$have" != "$BIG_ROWS" ]]; then
    log "big_first: $BIG_ROWS rows (generating, then the primary key and ANALYZE)"
    sql -c "DROP TABLE IF EXISTS big_first" \
        -c "CREATE TABLE big_first AS SELECT g AS id, 'name ' || g AS name, md5(g::text) AS hash FROM generate_series(1, $BIG_ROWS) g" \
        -c "ALTER TABLE big_first ADD PRIMARY KEY (id)" -c "VACUUM ANALYZE big_first"
fi
first_record() {  # first_record BIN NAME: seconds until the first record is in the outbox
    rm -rf "$WORK/out"
    python3 - "$1" "$WORK/out" "${pg_params[@]}" <<'PYEOF' >"$WORK/first" || return 1
import os, signal, subprocess, sys, time
binary, out, params = sys.argv[1], sys.argv[2], sys.argv[3:]
t0 = time.monotonic()
p = subprocess.Popen([binary, "run", "postgres", *params, "--param", "table=big_first", "--outbox", out, "--flush-interval", "0.05"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
seen = None
while time.monotonic() - t0 < 120 and p.poll() is None:
    if os.path.isdir(out) and any(f.endswith(".ndjson") for f in os.listdir(out)):
        seen = time.monotonic() - t0
        break
    time.sleep(0.002)
p.send_signal(signal.SIGTERM)
try:
    p.wait(30)
except subprocess.TimeoutExpired:
    p.kill()
print(round(seen, 3) if seen is not None else "null")
PYEOF
    emit "$2" "$(cat "$WORK/first")"
}
first_record "$PANOPLY" pg_first_record_panoply
[[ -z "$BASE" ]] || first_record "$BASE" pg_first_record_baseline

python3 - "$RESULTS" "$PG_TABLES" "$SQLITE_TABLES" "$BIG_ROWS" <<'PYEOF'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    rows[r["name"]] = r["seconds"]
pg, sq, big = (int(x) for x in sys.argv[2:5])
mark = lambda ok: "ok" if ok else "MISSED"
psql = rows["pg_psql_select"]
limit = max(10.0, 3 * psql)
print(f"\nMany resources (#31), one run each")
print("| figure | seconds | target |")
print("|---|---:|---|")
print(f"| one psql session, `select 1 from tN limit 1` for {pg:,} tables | {psql:.2f} | |")
p = rows["pg_many_panoply"]
print(f"| panoply run postgres, {pg:,} tables holding 2 rows | {p:.2f} | under {limit:.1f} s (10 s or 3x psql): {mark(p <= limit)} |")
if "pg_many_baseline" in rows:
    print(f"| the same, baseline build | {rows['pg_many_baseline']:.2f} | |")
s = rows["sqlite_many_panoply"]
print(f"| panoply run sqlite, {sq:,} tables of 1 row | {s:.2f} | under 4 s: {mark(s <= 4)} |")
if "sqlite_many_baseline" in rows:
    print(f"| the same, baseline build | {rows['sqlite_many_baseline']:.2f} | |")
f = rows.get("pg_first_record_panoply")
print(f"| first record of a {big:,}-row table in the outbox | {f if f is not None else 'none'} | under 1 s: {mark(f is not None and f <= 1)} |")
if "pg_first_record_baseline" in rows:
    print(f"| the same, baseline build | {rows['pg_first_record_baseline']} | |")
PYEOF
