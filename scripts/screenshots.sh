#!/usr/bin/env bash
# Pictures of the real UI for the README: drives `panoply` in tmux, captures each screen
# with its colours (capture-pane -e), turns the ANSI text into HTML (aha) and the HTML into
# a PNG (chromium-headless-shell). Writes screenshots/{list,form,running,failed,completed,history,form-test,picker,fields,
# preview,resources}.png.
#   PANOPLY_BIN=.build/debug/panoply scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${PANOPLY_BIN:-}"
if [[ -z "$BIN" ]]; then
    swift build --product panoply >/dev/null
    BIN="$(swift build --show-bin-path)/panoply"
fi
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

need=()
command -v tmux >/dev/null || need+=(tmux)
command -v aha >/dev/null || need+=(aha)
command -v chromium-headless-shell >/dev/null || need+=(chromium-headless-shell)
[[ -e /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ]] || need+=(fonts-dejavu-core)
if ((${#need[@]})); then
    echo "screenshots.sh: installing ${need[*]}" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >/dev/null
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/panoply-shots.XXXXXX")"
SOCKET="panoply-shots-$$"
T=(tmux -L "$SOCKET" -f /dev/null)
trap '"${T[@]}" kill-server >/dev/null 2>&1 || true; rm -rf "$WORK" || true' EXIT
COLS=100 ROWS=30

wait_for() {
    local deadline=$((SECONDS + $1)); shift
    while ((SECONDS < deadline)); do
        local s; s="$("${T[@]}" capture-pane -p -t shots)"
        local ok=1 p
        for p in "$@"; do [[ "$s" == *"$p"* ]] || ok=0; done
        ((ok)) && return 0
        sleep 0.2
    done
    echo "screenshots.sh: timed out waiting for: $*" >&2
    "${T[@]}" capture-pane -p -t shots >&2
    exit 1
}
keys() { "${T[@]}" send-keys -t shots "$@"; }
text() { "${T[@]}" send-keys -t shots -l "$1"; }

# shot NAME: the current screen as screenshots/NAME.png.
shot() {
    sleep 0.4
    "${T[@]}" capture-pane -e -p -t shots > "$WORK/$1.ansi"
    {
        echo '<!doctype html><html><head><meta charset="utf-8"><style>'
        echo 'body{margin:0;background:#1d1f21;} pre{margin:0;padding:12px 14px;font:15px/1.25 "DejaVu Sans Mono",monospace;color:#d8d8d8;background:#1d1f21;}'
        echo '</style></head><body><pre>'
        aha --no-header --black < "$WORK/$1.ansi"
        echo '</pre></body></html>'
    } > "$WORK/$1.html"
    chromium-headless-shell --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
        --window-size=$((COLS * 9 + 28)),$((ROWS * 19 + 24)) --screenshot="$PWD/screenshots/$1.png" \
        "file://$WORK/$1.html" >/dev/null 2>&1
    echo "screenshots/$1.png"
}

mkdir -p screenshots "$WORK/out" "$WORK/config"
"${T[@]}" new-session -d -s shots -x $COLS -y $ROWS \
    "env LANG=C.UTF-8 TERM=screen-256color PANOPLY_CONFIG_DIR='$WORK/config' '$BIN' --outbox '$WORK/out'; echo PANOPLY-EXITED; sleep 60"
wait_for 20 "Saved sources"

# A completed run.
keys Enter; wait_for 5 "New Demo source"
text 20000; keys C-s
wait_for 60 "100%" "done"
shot completed

# The form of a run that will fail, then the failed run.
keys Escape; wait_for 5 "Saved sources"
keys Home Down Enter; wait_for 5 "New Demo source"
text 5000; keys Tab Tab Tab; text 2600; keys Tab Space
wait_for 5 "‹ fatal ›"
shot form
keys C-s
wait_for 30 "failed"
shot failed

# A slow run going on, and the list with all three.
keys Escape; wait_for 5 "Saved sources"
keys Home Down Down Enter; wait_for 5 "New Demo source"
text 200000; keys Tab; text 250; keys Tab; text 40; keys C-s
wait_for 20 "running" "rec/s"
sleep 4
shot running
keys Escape; wait_for 5 "Saved sources"
keys Home
shot list

# The failed source retried to the end: its history shows the run once, with 2 attempts.
keys Down r
wait_for 60 "attempt 2" "done"
keys Escape; wait_for 5 "Saved sources"
keys h; wait_for 5 "History ·" "1 run " "2 attempts"
shot history

# Ctrl-T in a form: the check's answer under it.
keys Escape; wait_for 5 "Saved sources"
keys Home Enter; wait_for 5 "Demo"
keys C-t; wait_for 10 "✓ ok"
shot form-test
keys Escape; wait_for 5 "Saved sources"

keys q; wait_for 5 "Quit while"; keys y
wait_for 30 "PANOPLY-EXITED"

# The tables picker and the resources table, on a SQLite file with a few tables.
db="$WORK/shop.sqlite"
python3 - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.executescript("""
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, created_at TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, total NUMERIC, status TEXT, updated_at TEXT);
CREATE TABLE order_items (order_id INTEGER NOT NULL, line INTEGER NOT NULL, product_id INTEGER, qty INTEGER, PRIMARY KEY (order_id, line));
CREATE TABLE products (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, title TEXT, price NUMERIC);
CREATE TABLE invoices (id INTEGER PRIMARY KEY, order_id INTEGER, issued_at TEXT);
CREATE TABLE refunds (id INTEGER PRIMARY KEY, invoice_id INTEGER, amount NUMERIC);
CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, at TEXT);
CREATE VIEW paid_orders AS SELECT * FROM orders WHERE status = 'paid';
""")
c.executemany("INSERT INTO customers VALUES (?, ?, ?, ?)", [(i, f"c{i}", f"c{i}@example.com", "2026-01-01") for i in range(1, 5001)])
c.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", [(i, i % 5000 + 1, i * 1.5, "paid" if i % 3 else "open", "2026-02-01") for i in range(1, 40001)])
c.executemany("INSERT INTO products VALUES (?, ?, ?, ?)", [(i, f"SKU{i}", f"product {i}", i) for i in range(1, 801)])
c.executemany("INSERT INTO events VALUES (?, ?, ?)", [(i, "click", "2026-03-01") for i in range(1, 60001)])
c.commit()
PY
# A new session first: the server ends with its last one.
"${T[@]}" new-session -d -s next -x $COLS -y $ROWS \
    "env LANG=C.UTF-8 TERM=screen-256color PANOPLY_CONFIG_DIR='$WORK/config' '$BIN' tui --open sqlite --param path='$db' --outbox '$WORK/out'; echo PANOPLY-EXITED; sleep 60"
"${T[@]}" kill-session -t shots
"${T[@]}" rename-session -t next shots
wait_for 20 "New SQLite"
keys Tab Enter
wait_for 20 "Pick Tables" "customers" "paid_orders"
keys Space Down Space Down Down Down Space Down
wait_for 5 "3 picked"
shot picker
# The fields pane of customers: name excluded, email hashed; then its preview.
keys Home Tab; wait_for 5 "customers · 4 fields"
keys Down x Down; text "#"
wait_for 5 "1 excluded, 1 hashed" "email is sent hashed"
shot fields
keys Tab p
wait_for 30 "Preview · customers" "20 records" "# email"
shot preview
keys Escape; wait_for 5 "Pick Tables"
# Back where the picker's shot left the cursor.
keys Home Down Down Down Down Down
keys Down Space Down Space Enter
wait_for 5 "› Tables             customers,"
keys C-s
wait_for 60 "Resources 5/5 done"
shot resources
keys q
wait_for 30 "PANOPLY-EXITED"
