#!/usr/bin/env bash
# End-to-end test of the picker's fields pane and the preview (#30), driven through tmux
# like a person at a keyboard, against the test PostgreSQL (PANOPLY_TEST_PG_*):
#   PANOPLY_BIN=.build/debug/panoply scripts/e2e/fields_tui.sh
# 1. a postgres form filled in by typing; Enter on Tables, / filters to this run's schema,
#    Space picks its people table; Tab enters its fields pane, # hashes email, x excludes ssn
#    (the list then says "1 excluded, 1 hashed"); Tab goes back;
# 2. p previews the table: the preview shows the hashed email (the SHA-256 hex this script
#    computes of the first row's address), no ssn, and no outbox file is written;
# 3. Esc, Enter, Ctrl-S: the run delivers every row with no ssn key and email equal to the
#    SHA-256 hex of the original address; the saved source keeps the settings
#    (list --json), and q exits with status 0 and the terminal restored.
set -euo pipefail

NAME=fields_tui.sh
# shellcheck source=scripts/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_bin
if [[ -z "${PANOPLY_TEST_PG_PORT:-}" ]]; then
    echo "fields_tui.sh: skipped: no test PostgreSQL (scripts/services/postgres.sh start)"
    exit 0
fi
e2e_psql
[[ -n "$psql_bin" ]] || { echo "fields_tui.sh: no psql to create the fixture table" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/panoply-fields-e2e.XXXXXX")"
SOCKET="panoply-fields-e2e-$$-$RANDOM"
T=(tmux -L "$SOCKET" -f /dev/null)
PANE="e2e"
schema="fields_e2e_$$"
psql_run() {
    PGPASSWORD="$PANOPLY_TEST_PG_PASSWORD" "$psql_bin" -q -v ON_ERROR_STOP=1 -h "$PANOPLY_TEST_PG_HOST" -p "$PANOPLY_TEST_PG_PORT" \
        -U "$PANOPLY_TEST_PG_USER" -d "$PANOPLY_TEST_PG_DATABASE" "$@"
}
cleanup() {
    "${T[@]}" kill-server >/dev/null 2>&1 || true
    psql_run -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "fields_tui.sh: FAIL in ${STEP:-start-up}: $*" >&2
    echo "----- screen -----" >&2
    screen >&2
    echo "------------------" >&2
    exit 1
}
sha256() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

psql_run >/dev/null <<SQL || fail "cannot create the fixture table in schema $schema"
CREATE SCHEMA $schema;
CREATE TABLE $schema.people (id int PRIMARY KEY, name text, email text, ssn text, note text);
INSERT INTO $schema.people SELECT g, 'person ' || g, 'person' || g || '@example.com', 'ssn-' || lpad(g::text, 4, '0'), 'n' || g
  FROM generate_series(1, 25) g;
SQL

OUT="$WORK/outbox"
CFG="$WORK/config"
mkdir -p "$OUT" "$CFG"
"${T[@]}" new-session -d -s "$PANE" -x 100 -y 30 \
    "env LANG=C.UTF-8 TERM=screen PANOPLY_CONFIG_DIR='$CFG' '$BIN' tui --open postgres --outbox '$OUT'; \
     echo \"PANOPLY-EXITED=\$?\"; echo \"TTY: \$(stty -a | tr ' ;' '\n\n' | grep -E '^-?(icanon|echo)\$' | tr '\n' ' ')\"; sleep 600"
wait_for 20 "New PostgreSQL source"

STEP="1/3 fields pane: # hashes email, x excludes ssn"; echo "fields_tui.sh: $STEP"
text "$PANOPLY_TEST_PG_HOST"; keys Tab
text "$PANOPLY_TEST_PG_PORT"; keys Tab
text "$PANOPLY_TEST_PG_DATABASE"; keys Tab
text "$PANOPLY_TEST_PG_USER"; keys Tab
text "$PANOPLY_TEST_PG_PASSWORD"; keys Tab Tab
wait_for 5 "› Tables"
keys Enter
wait_for 30 "Pick Tables" "listed"
keys /
text "$schema."
keys Enter
wait_for 5 "1 match" "$schema.people" "5 fields"
keys Space
wait_for 5 "1 picked"
keys Tab
wait_for 5 "$schema.people · 5 fields" "› "
keys Down Down
text "#"
wait_for 5 "email is sent hashed"
keys Down x
wait_for 5 "ssn is excluded: never sent" "1 excluded, 1 hashed" "# email" "✗ ssn"
keys Tab
wait_for 5 "[x] $schema.people  1 excluded, 1 hashed"

STEP="2/3 p previews the table with the hashed value"; echo "fields_tui.sh: $STEP"
hash1="$(sha256 person1@example.com)"
keys p
wait_for 30 "Preview · $schema.people" "20 records" "# email" "${hash1:0:29}…" "person 1"
s="$(screen)"
[[ "$s" != *"ssn"* ]] || fail "the preview shows ssn, which is excluded"
[[ "$s" != *"person1@example.com"* ]] || fail "the preview shows an email address unhashed"
[[ -z "$(ls -A "$OUT")" ]] || fail "the preview wrote to the outbox: $(ls "$OUT")"
keys Escape
wait_for 5 "Pick Tables" "1 excluded, 1 hashed"

STEP="3/3 the run delivers without ssn and with email hashed"; echo "fields_tui.sh: $STEP"
keys Enter
wait_for 5 "› Tables" "$schema.people"
keys C-s
wait_for 60 "✓ done" "✓ $schema.people ✗1 #1"
python3 - "$OUT" <<'PY' || fail "the outbox does not hold what the settings say"
import glob, hashlib, json, sys
rows = [json.loads(l) for f in sorted(glob.glob(sys.argv[1] + "/*.ndjson")) for l in open(f) if l.startswith("{")]
assert len(rows) == 25, f"{len(rows)} records, want 25"
for r in rows:
    assert "ssn" not in r, f"ssn in {r}"
    want = hashlib.sha256(f"person{r['id']}@example.com".encode()).hexdigest()
    assert r["email"] == want, f"email of {r['id']} is {r['email']}, want {want}"
    assert r["name"] == f"person {r['id']}" and r["note"] == f"n{r['id']}", r
print(f"fields_tui.sh: 25 records, no ssn, every email the SHA-256 of the address")
PY
keys Escape
wait_for 10 "Saved sources"
PANOPLY_CONFIG_DIR="$CFG" "$BIN" list --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
s = s if isinstance(s, list) else s.get("sources", s)
f = [x for x in s if x.get("type") == "postgres"][0]["fields"]["resources"]
r = list(f.values())[0]
assert r["exclude"] == ["ssn"] and r["hash"] == ["email"], f
' || fail "list --json does not show the saved field settings"
keys q
wait_for 30 "PANOPLY-EXITED=" "TTY:"
s="$(screen)"
[[ "$s" == *"PANOPLY-EXITED=0"* ]] || fail "panoply exited with a non-zero status"
[[ "$s" == *"TTY: icanon echo"* ]] || fail "terminal modes not restored (want icanon and echo)"
echo "fields_tui.sh: PASS (fields pane: email hashed, ssn excluded; p previews the hash, writes nothing; the run delivers 25 records accordingly; list --json keeps the settings)"
