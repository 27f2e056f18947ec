#!/usr/bin/env bash
# Row i of scripts/bench.sh: SQLite, CSV and JSON Lines sources to the outbox, 1,000,000 rows
# each (id, text, numeric, timestamp, md5 text; ~210 bytes a record with the runner's keys),
# beside their limit and peer in the same run:
#   sqlite  `panoply run sqlite --param path=DB --param table=big --outbox DIR`
#           against `sqlite3 -json DB "select * from big" > /dev/null`
#   csv     `panoply run csv --param path=FILE --param infer_types=true --outbox DIR`
#   jsonl   `panoply run jsonl --param path=FILE --outbox DIR`
#           against `cat FILE > /dev/null` and Python's csv / json module feeding the
#           original SDK's write() (scripts/bench/file_peers.py, on the first N_PY rows)
# The outbox fsyncs every file before naming it, so on a slow disk the disk sets the pace:
# `panoply send --file big.jsonl --outbox DIR` (the same records, no source, no runner) is
# that limit, measured beside them. The same runs into an outbox on tmpfs (/dev/shm, where
# fsync costs nothing) show what the source and runner do when the disk is not the bound.
# Three runs of each panoply row and of each command-line peer, alternating, the median
# reported; wall time and peak RSS from /usr/bin/time -v. Appends one JSON line per figure.
#
#   scripts/bench/file_sources.sh PANOPLY RESULTS TMP SRC [QUICK] [N]
# PANOPLY: the release binary; RESULTS: the results file (JSON lines); TMP: a scratch folder;
# SRC: the folder holding the original SDK's panoply/; QUICK=1 runs the Python peers on fewer rows.
set -euo pipefail
PANOPLY="${1:?panoply binary}"
RESULTS="${2:?results file}"
TMP="${3:?scratch folder}"
SRC="${4:?folder of the original SDK}"
QUICK="${5:-0}"
N="${6:-1000000}"
HERE="$(cd "$(dirname "$0")" && pwd)"
N_PY=$(( QUICK == 1 ? 50000 : 200000 ))
(( N_PY <= N )) || N_PY=$N
D="$TMP/files"
mkdir -p "$D"
command -v sqlite3 >/dev/null || { echo "needs sqlite3: apt-get install -y sqlite3" >&2; exit 1; }

log() { printf '== %s\n' "$*" >&2; }
log "i. file sources: making $N rows as CSV, JSON Lines and SQLite"
python3 "$HERE/file_peers.py" make "$N" "$D"

# timed NAME RECORDS CMD...: one JSON line (wall, CPU, peak RSS) for a command whose output is discarded.
timed() {
    local name="$1" records="$2"; shift 2
    /usr/bin/time -v -o "$TMP/time.txt" "$@" >"$TMP/timed.out" 2>"$TMP/timed.err" \
        || { cat "$TMP/timed.err" >&2; return 1; }
    python3 - "$name" "$records" "$TMP/time.txt" "$TMP/timed.out" <<'PYEOF'
import json, re, sys
name, n, t = sys.argv[1], int(sys.argv[2]), open(sys.argv[3]).read()
def f(label): return re.search(re.escape(label) + r":\s*(.+)", t).group(1).strip()
wall = f("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")
secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
d = {"name": name, "records": n, "seconds": secs, "records_per_s": n / secs,
     "cpu_seconds": float(f("User time (seconds)")) + float(f("System time (seconds)")),
     "max_rss_kib": int(f("Maximum resident set size (kbytes)"))}
out = open(sys.argv[4], errors="replace").read().split()
summary = dict(kv.split("=", 1) for kv in out if "=" in kv)
if "records" in summary:  # a panoply run: what it says it delivered
    d["records"] = int(summary["records"])
    d["records_per_s"] = d["records"] / secs
    d["messages"] = int(summary["messages"])
print(json.dumps(d))
PYEOF
}
median() {  # median NAME < runs
    python3 -c 'import json,sys; r=[json.loads(l) for l in sys.stdin]; r.sort(key=lambda d: d["records_per_s"]); m=dict(r[len(r)//2]); m["runs_records_per_s"]=[d["records_per_s"] for d in r]; m["max_rss_kib"]=max(d["max_rss_kib"] for d in r); m["name"]=sys.argv[1]; print(json.dumps(m))' "$1"
}
SHM=""
if [[ -d /dev/shm && -w /dev/shm ]]; then
    SHM="$(mktemp -d /dev/shm/panoply-bench.XXXXXX)"
fi
# Each run on disk writes a folder of its own, and the folders are deleted after the last
# run (KEEP). This machine's ext4 has no journal, and there the inode allocator steps over
# every inode freed in the last half minute or so (recently_deleted), one buffer lookup each,
# for each new file: deleting the previous run's ~925 files just before a run made that
# 10-20% of the run's CPU, a cost of the benchmark's clean-up, not of the run.
KEEP="$TMP/kept-outboxes"
trap 'rm -rf "$KEEP" ${SHM:+"$SHM"}' EXIT
RUN_NO=0
run_source() {  # run_source NAME TYPE PARAMS...: one panoply run into a fresh outbox (in $OUT)
    local name="$1" type="$2"; shift 2
    local params=(); for p in "$@"; do params+=(--param "$p"); done
    RUN_NO=$((RUN_NO + 1))
    local out="$OUT/fout"
    [[ "$OUT" == "$SHM" ]] || { mkdir -p "$KEEP"; out="$KEEP/fout.$RUN_NO"; }
    rm -rf "$out"
    (cd "$TMP" && timed "$name" "$N" "$PANOPLY" run "$type" "${params[@]}" --outbox "$out")
    [[ "$OUT" != "$SHM" ]] || rm -rf "$out"
}
three_sources() {  # three_sources SUFFIX: one run of each source into $OUT
    run_source "sqlite_outbox$1" sqlite "path=$D/big.sqlite" table=big >>"$TMP/runs.sqlite$1"
    run_source "csv_outbox$1" csv "path=$D/big.csv" infer_types=true >>"$TMP/runs.csv$1"
    run_source "jsonl_outbox$1" jsonl "path=$D/big.jsonl" >>"$TMP/runs.jsonl$1"
}

cat "$D/big.csv" "$D/big.jsonl" "$D/big.sqlite" >/dev/null  # into the page cache, not reported
for _ in 1 2 3; do
    OUT="$TMP" three_sources ""
    [[ -z "$SHM" ]] || OUT="$SHM" three_sources _tmpfs
    RUN_NO=$((RUN_NO + 1))
    mkdir -p "$KEEP"
    timed send_outbox_files "$N" "$PANOPLY" send big --file "$D/big.jsonl" --outbox "$KEEP/sout.$RUN_NO" >>"$TMP/runs.send"
    timed sqlite3_json "$N" sqlite3 -json "$D/big.sqlite" "select * from big" >>"$TMP/runs.sqlite3"
    timed cat_csv "$N" cat "$D/big.csv" >>"$TMP/runs.catcsv"
    timed cat_jsonl "$N" cat "$D/big.jsonl" >>"$TMP/runs.catjsonl"
done
rm -rf "$KEEP"
for f in "$TMP"/runs.*; do
    median "$(head -1 "$f" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["name"])')" <"$f" >>"$RESULTS"
done
rm -f "$TMP"/runs.*
log "i. Python peers (csv / json module feeding the original SDK's write), $N_PY rows each"
for kind in csv jsonl; do
    python3 "$HERE/file_peers.py" "$kind" "$D/big.$kind" "$N_PY" "$SRC" \
        | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); d["name"]=sys.argv[1]; print(json.dumps(d))' "python_$kind" >>"$RESULTS"
done
rm -rf "$D"
