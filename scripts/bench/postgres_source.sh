#!/usr/bin/env bash
# The PostgreSQL source's speed: `panoply run postgres` into an outbox, against the server's
# own limit for JSON rows (psql `COPY (SELECT row_to_json(t) ...) TO STDOUT`) and against
# meltanolabs-tap-postgres (Singer, from PyPI: RECORD lines to a pipe), one run, one machine.
#
#   scripts/bench/postgres_source.sh PANOPLY_BIN [ROWS ...]     (default: 1000000 5000000)
#
# The first size is measured against both peers; every size gives rows/s and peak RSS, so
# the sizes show whether cost grows linearly and memory stays flat. Prints a table with ok
# or MISSED per target (BENCHMARKS.md), and writes JSON lines to $PG_BENCH_RESULTS if set.
# Needs PostgreSQL server binaries (apt-get install postgresql) and /usr/bin/time; the tap is
# installed into ~/.cache/panoply-bench-tap-postgres on first use (PG_BENCH_NO_TAP=1 skips it).
set -euo pipefail

PANOPLY="${1:?usage: postgres_source.sh PANOPLY_BIN [ROWS ...]}"
shift
SIZES=("${@:-1000000 5000000}")
read -r -a SIZES <<<"${SIZES[*]}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$(mktemp -d /tmp/panoply-pgbench.XXXXXX)"
chmod 755 "$WORK"
export PANOPLY_SERVICE_STATE="$WORK/state" TMPDIR="$WORK"
mkdir -p "$PANOPLY_SERVICE_STATE"
cleanup() { bash "$ROOT/scripts/services/postgres.sh" stop >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM
log() { printf '== %s\n' "$*" >&2; }

eval "$(bash "$ROOT/scripts/services/postgres.sh" start)"
[[ -n "${PANOPLY_TEST_PG_PORT:-}" ]] || { echo "no PostgreSQL server binaries (apt-get install -y postgresql)" >&2; exit 1; }
export PGPASSWORD="$PANOPLY_TEST_PG_PASSWORD"
PSQL="$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | tail -1)"
[[ -x "$PSQL" ]] || PSQL="$(command -v psql)"
PSQL_ARGS=(-h 127.0.0.1 -p "$PANOPLY_TEST_PG_PORT" -U "$PANOPLY_TEST_PG_USER" -d "$PANOPLY_TEST_PG_DATABASE" -v ON_ERROR_STOP=1 -qAt)
sql() { "$PSQL" "${PSQL_ARGS[@]}" "$@"; }

# The tap (a venv of its own, reused between runs).
TAP=""
if [[ "${PG_BENCH_NO_TAP:-0}" != 1 ]]; then
    VENV="$HOME/.cache/panoply-bench-tap-postgres"
    if [[ ! -x "$VENV/bin/tap-postgres" ]]; then
        log "installing meltanolabs-tap-postgres into $VENV"
        python3 -m venv "$VENV" >&2 && "$VENV/bin/pip" install -q meltanolabs-tap-postgres >&2 || { rm -rf "$VENV"; echo "cannot install meltanolabs-tap-postgres" >&2; }
    fi
    [[ -x "$VENV/bin/tap-postgres" ]] && TAP="$VENV/bin/tap-postgres"
fi

# wall seconds, user+sys seconds and peak RSS (KiB) of a command, from /usr/bin/time.
timed() {  # timed OUT CMD... ; stdout of CMD to /dev/null
    /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" "${@:2}" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; return 1; }
    read -r wall user sys rss <"$WORK/time"
    printf -v "$1" '%s %s %s' "$wall" "$(python3 -c "print($user + $sys)")" "$rss"
}
RESULTS="${PG_BENCH_RESULTS:-$WORK/results.jsonl}"
emit() {  # emit NAME ROWS "WALL CPU RSS"
    local wall cpu rss
    read -r wall cpu rss <<<"$3"
    python3 -c 'import json,sys; n,w,c,r=int(sys.argv[2]),float(sys.argv[3]),float(sys.argv[4]),int(sys.argv[5]); print(json.dumps({"name":sys.argv[1],"records":n,"seconds":w,"cpu_seconds":c,"max_rss_kib":r,"records_per_s":n/w}))' \
        "$1" "$2" "$wall" "$cpu" "$rss" | tee -a "$RESULTS" >&2
}

for n in "${SIZES[@]}"; do
    t="big_$n"
    log "creating $t: $n rows (id, text, numeric, timestamptz, md5 text, text; ~205 bytes of JSON per row)"
    sql -c "DROP TABLE IF EXISTS $t" \
        -c "CREATE TABLE $t AS SELECT g AS id, 'name ' || g || ' of the big table' AS name, (g * 1.25)::numeric(12,2) AS amount,
                timestamptz '2026-01-01' + g * interval '1 second' AS created_at, md5(g::text) || md5((g + 1)::text) AS hash,
                'status-' || (g % 7) AS status FROM generate_series(1, $n) g" \
        -c "ALTER TABLE $t ADD PRIMARY KEY (id)" -c "VACUUM ANALYZE $t"
    sql -c "SELECT count(*) FROM $t" >/dev/null
    pg_args=(run postgres --param host=127.0.0.1 --param port="$PANOPLY_TEST_PG_PORT" --param user="$PANOPLY_TEST_PG_USER"
             --param password="$PGPASSWORD" --param database="$PANOPLY_TEST_PG_DATABASE" --param sslmode=disable --param table="$t")
    # Alternated, so a slow spell of the shared machine hits the limit and panoply alike.
    runs=1; [[ "$n" == "${SIZES[0]}" ]] && runs=3
    for i in $(seq "$runs"); do
        log "$t run $i: COPY row_to_json limit"
        timed r "$PSQL" "${PSQL_ARGS[@]}" -c "COPY (SELECT row_to_json(b) FROM $t b) TO STDOUT"
        emit "pg_copy_$n" "$n" "$r"
        log "$t run $i: panoply run postgres -> outbox"
        rm -rf "$WORK/outbox"
        timed r "$PANOPLY" "${pg_args[@]}" --outbox "$WORK/outbox"
        emit "pg_panoply_$n" "$n" "$r"
        if [[ "$n" == "${SIZES[0]}" ]]; then
            # #30: the same run with two columns hashed and two excluded (target: >= 90% of the plain run).
            log "$t run $i: panoply run postgres, 2 hashed and 2 excluded columns -> outbox"
            rm -rf "$WORK/outbox"
            timed r "$PANOPLY" "${pg_args[@]}" --hash name --hash hash --exclude amount --exclude status --outbox "$WORK/outbox"
            emit "pg_mapped_$n" "$n" "$r"
        fi
    done
    rm -rf "$WORK/outbox"
    if [[ -n "$TAP" && "$n" == "${SIZES[0]}" ]]; then
        log "$t: meltanolabs-tap-postgres, RECORD lines to a pipe"
        python3 - "$WORK/tap.json" <<PYEOF
import json, sys
json.dump({"host": "127.0.0.1", "port": $PANOPLY_TEST_PG_PORT, "user": "$PANOPLY_TEST_PG_USER", "password": "$PGPASSWORD",
           "database": "$PANOPLY_TEST_PG_DATABASE", "filter_schemas": ["public"]}, open(sys.argv[1], "w"))
PYEOF
        "$TAP" --config "$WORK/tap.json" --discover >"$WORK/catalog.json" 2>"$WORK/tap-discover.err" || { tail -5 "$WORK/tap-discover.err" >&2; exit 1; }
        python3 - "$WORK/catalog.json" "public-$t" <<'PYEOF'
import json, sys
path, stream = sys.argv[1], sys.argv[2]
cat = json.load(open(path))
cat["streams"] = [s for s in cat["streams"] if s["tap_stream_id"] == stream]
for s in cat["streams"]:
    for m in s["metadata"]:
        m["metadata"]["selected"] = True
json.dump(cat, open(path, "w"))
PYEOF
        printf '%s\n' "$TAP --config $WORK/tap.json --catalog $WORK/catalog.json | grep -c '\"type\": *\"RECORD\"' > $WORK/tap.count" >"$WORK/tap.sh"
        timed r bash "$WORK/tap.sh"
        got="$(cat "$WORK/tap.count")"
        [[ "$got" == "$n" ]] || log "the tap sent $got RECORD lines, not $n"
        emit "pg_tap_$n" "$n" "$r"
    fi
    sql -c "DROP TABLE $t"
done

python3 - "$RESULTS" "${SIZES[@]}" <<'PYEOF'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1])]
sizes = sys.argv[2:]
def runs(name): return [r for r in rows if r["name"] == name]
def med(name, key="records_per_s"):
    v = [r[key] for r in runs(name)]
    return statistics.median(v) if v else None
first = sizes[0]
copy, pan, tap = med(f"pg_copy_{first}"), med(f"pg_panoply_{first}"), med(f"pg_tap_{first}")
rss = {n: max((r["max_rss_kib"] for r in runs(f"pg_panoply_{n}")), default=0) / 1024 for n in sizes}
mark = lambda ok: "ok" if ok else "MISSED"
print(f"\nPostgreSQL source, {int(first):,} rows (median of the runs; every run: {[round(r['records_per_s']) for r in runs(f'pg_panoply_{first}')]})")
print("| figure | rows/s | target |")
print("|---|---:|---|")
print(f"| COPY (SELECT row_to_json(t)) TO STDOUT, psql > /dev/null (the limit) | {copy:,.0f} | |")
print(f"| panoply run postgres -> outbox | {pan:,.0f} | >= 70% of the limit: {pan / copy:.0%}, {mark(pan >= 0.7 * copy)} |")
if tap:
    print(f"| meltanolabs-tap-postgres, RECORD lines to a pipe | {tap:,.0f} | panoply >= 15x: {pan / tap:.1f}x, {mark(pan >= 15 * tap)} |")
mapped = med(f"pg_mapped_{first}")
if mapped:
    print(f"| the same, 2 columns hashed and 2 excluded | {mapped:,.0f} | >= 90% of the plain run: {mapped / pan:.0%}, {mark(mapped >= 0.9 * pan)} |")
print(f"| panoply peak RSS | {rss[first]:.1f} MiB | <= 64 MiB: {mark(rss[first] <= 64)} |")
for n in sizes[1:]:
    p = med(f"pg_panoply_{n}")
    print(f"| panoply at {int(n):,} rows | {p:,.0f} | {p / pan:.0%} of the {int(first):,}-row rate; peak RSS {rss[n]:.1f} MiB, "
          f"within 10% of {rss[first]:.1f}: {mark(rss[n] <= 1.1 * rss[first])} |")
PYEOF
