#!/usr/bin/env python3
"""Live runs (leases and snapshots) for scripts/bench.sh, in one run:

    live_bench.py PANOPLY_BIN WORKDIR ROWS

1. The snapshot publisher's cost: the same demo source of ROWS rows into an outbox, run
   saved (`run --saved`: it holds the lease and publishes its snapshot once a second) and
   unsaved (`run demo --state FILE`: the same state commits, no snapshot), alternating, 3 of
   each; the medians' records/s. The limit: the saved run reaches 98% of the unsaved one's rate.
2. A UI watching 20 runs owned by other processes: 20 saved slow demo sources run by 20
   `run --saved` processes while a UI (tmux, 100x30) is open on the same config folder;
   the UI process's CPU over 10 s (/proc/PID/stat). The limit: under 2% of a core.
Prints one JSON line.
"""
import json
import os
import statistics
import subprocess
import sys
import time

BIN, WORK, ROWS = sys.argv[1], sys.argv[2], int(sys.argv[3])
HZ = os.sysconf("SC_CLK_TCK")
CFG = os.path.join(WORK, "config")
ENV = dict(os.environ, PANOPLY_CONFIG_DIR=CFG)


def panoply(*args, check=True):
    r = subprocess.run([BIN, *args], env=ENV, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise SystemExit(f"live_bench: panoply {' '.join(args)} exited {r.returncode}: {r.stderr[-500:]}")
    return r


def timed(args, out):
    subprocess.run(["rm", "-rf", out])
    t0 = time.monotonic()
    panoply(*args, "--outbox", out)
    return ROWS / (time.monotonic() - t0)


def ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def publisher_cost():
    panoply("save", "Bench demo", "demo", "--param", f"rows={ROWS}")
    out = os.path.join(WORK, "out")
    saved, unsaved = [], []
    for _ in range(3):
        state = os.path.join(WORK, "unsaved.state")
        subprocess.run(["rm", "-f", state])
        unsaved.append(timed(["run", "demo", "--param", f"rows={ROWS}", "--state", state], out))
        saved.append(timed(["run", "--saved", "Bench demo", "--full-refresh"], out))
    subprocess.run(["rm", "-rf", out])
    return statistics.median(saved), statistics.median(unsaved), saved, unsaved


def watching_ui(n=20):
    for i in range(n):
        panoply("save", f"Slow {i:02d}", "demo", "--param", "rows=1000000", "--param", "batch_size=10", "--param", "delay_ms=100")
    sock = f"panoply-live-bench-{os.getpid()}"
    tmux = ["tmux", "-L", sock, "-f", "/dev/null"]
    out = os.path.join(WORK, "ui-out")
    subprocess.run(tmux + ["new-session", "-d", "-s", "ui", "-x", "100", "-y", "30",
                           f"env LANG=C.UTF-8 TERM=screen PANOPLY_CONFIG_DIR='{CFG}' '{BIN}' --outbox '{out}'; sleep 600"], check=True)
    runs = []
    try:
        deadline = time.monotonic() + 30
        while "Saved sources" not in subprocess.run(tmux + ["capture-pane", "-p", "-t", "ui"], capture_output=True, text=True).stdout:
            if time.monotonic() > deadline:
                raise SystemExit("live_bench: the UI did not start")
            time.sleep(0.1)
        shell = subprocess.run(tmux + ["display", "-p", "-t", "ui", "#{pane_pid}"], capture_output=True, text=True).stdout.strip()
        pid = subprocess.run(["pgrep", "-P", shell, "-x", "panoply"], capture_output=True, text=True).stdout.split()[0]
        for i in range(n):
            runs.append(subprocess.Popen([BIN, "run", "--saved", f"Slow {i:02d}", "--outbox", os.path.join(WORK, f"out{i}")],
                                         env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(4)  # every run started and shown
        screen = subprocess.run(tmux + ["capture-pane", "-p", "-t", "ui"], capture_output=True, text=True).stdout
        shown = screen.count("running")
        p0, t0 = ticks(pid), time.monotonic()
        time.sleep(10)
        p1, t1 = ticks(pid), time.monotonic()
        return (p1 - p0) / HZ / (t1 - t0), shown
    finally:
        for r in runs:
            r.terminate()
        for r in runs:
            r.wait()
        subprocess.run(tmux + ["kill-server"], capture_output=True)


def main():
    os.makedirs(CFG, exist_ok=True)
    saved, unsaved, saved_all, unsaved_all = publisher_cost()
    ui_cores, shown = watching_ui()
    print(json.dumps({"name": "live", "rows": ROWS, "saved_records_per_s": saved, "unsaved_records_per_s": unsaved,
                      "saved_runs": saved_all, "unsaved_runs": unsaved_all, "ui_watching_cores": ui_cores,
                      "ui_rows_running": shown}))


if __name__ == "__main__":
    main()
