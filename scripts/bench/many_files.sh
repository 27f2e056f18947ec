#!/usr/bin/env bash
# Many small files cost their rows, not a fixed overhead each (#31 item 6): a folder of
# FILES CSV files of ROWS rows each, against one CSV file holding the same FILES*ROWS rows,
# both run into an outbox on the same disk, alternating, 3 of each; the medians' rows/s.
# Target: the folder at 90% or more of the single file's rows/s. Also printed: the bytes
# each run wrote and the bytes/s ratio (a folder's records carry their file's name twice).
#
#   scripts/bench/many_files.sh PANOPLY_BIN [FILES [ROWS]]     (defaults 2000 1000)
set -euo pipefail
PANOPLY="${1:?usage: many_files.sh PANOPLY_BIN [FILES [ROWS]]}"
FILES="${2:-2000}"
ROWS="${3:-1000}"
WORK="$(mktemp -d /tmp/panoply-many-files.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT INT TERM

python3 - "$WORK" "$FILES" "$ROWS" <<'PY'
import os, sys
work, files, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(f"{work}/many")
header = "id,name,amount,note\n"
with open(f"{work}/one.csv", "w") as one:
    one.write(header)
    i = 0
    for f in range(files):
        with open(f"{work}/many/part{f:05d}.csv", "w") as part:
            part.write(header)
            for _ in range(rows):
                i += 1
                line = f"{i},name {i},{i * 1.5},some text for row {i}\n"
                part.write(line)
                one.write(line)
PY

run() {  # run PATH KIND: rows/s of one run into a fresh outbox; the bytes it wrote to $WORK/bytes.KIND
    rm -rf "$WORK/out"
    local t0 t1
    t0=$(date +%s.%N)
    "$PANOPLY" run csv --param path="$1" --outbox "$WORK/out" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
    t1=$(date +%s.%N)
    python3 -c "print($FILES * $ROWS / ($t1 - $t0))"
    du -sb "$WORK/out" | cut -f1 >"$WORK/bytes.$2"  # what the run wrote (the same every run)
}
folder=() single=()
for _ in 1 2 3; do
    single+=("$(run "$WORK/one.csv" single)")
    folder+=("$(run "$WORK/many" folder)")
done
python3 - "${single[*]}" "${folder[*]}" "$FILES" "$ROWS" "$(cat "$WORK/bytes.single")" "$(cat "$WORK/bytes.folder")" <<'PY'
import json, statistics, sys
single = [float(x) for x in sys.argv[1].split()]
folder = [float(x) for x in sys.argv[2].split()]
s, f = statistics.median(single), statistics.median(folder)
ratio = f / s
# Each record of the folder run also carries its file (`__resource`) and its own table name:
# more bytes to write for the same rows. The bytes/s ratio shows what is left per file.
sb, fb = int(sys.argv[5]), int(sys.argv[6])
print(json.dumps({"name": "csv_many_files", "files": int(sys.argv[3]), "rows_each": int(sys.argv[4]),
                  "folder_rows_per_s": f, "single_rows_per_s": s, "ratio": ratio, "folder_runs": folder, "single_runs": single,
                  "folder_bytes": fb, "single_bytes": sb, "bytes_per_s_ratio": ratio * fb / sb}))
print("written: %s bytes (folder) against %s (one file), %.2fx; bytes/s of the folder run: %.0f%% of the one file's" % (
    f"{fb:,}", f"{sb:,}", fb / sb, ratio * fb / sb * 100))
print("%s CSV files of %s rows: %s rows/s, one file of the same rows: %s rows/s: %.0f%% (target >= 90%%): %s" % (
    f"{int(sys.argv[3]):,}", f"{int(sys.argv[4]):,}", f"{f:,.0f}", f"{s:,.0f}", ratio * 100, "ok" if ratio >= 0.9 else "MISSED"))
PY
