#!/usr/bin/env python3
"""Terminal UI figures for scripts/bench.sh, measured on a real terminal (tmux).

    ui_bench.py PANOPLY_BIN WORKDIR ROWS

Starts `panoply --outbox DIR` in a 100x30 tmux pane and prints one JSON line with:
  - idle: CPU of the whole process over 10 s on the source list;
  - during a demo run of ROWS rows at full speed into the outbox: the whole process's CPU
      (/proc/PID/stat) and records/s; the UI's own share is that CPU less what the same run
      costs headless (`panoply run demo`, measured the same way right after), scaled to the
      UI run's records/s: keys, reducer, renderer and curses, with no hook in the binary;
  - key latency: `?` sent with tmux until the help overlay is on the screen, 5 times.
"""
import json
import os
import subprocess
import sys
import time

BIN, WORK, ROWS = sys.argv[1], sys.argv[2], int(sys.argv[3])
SOCKET = f"panoply-ui-bench-{os.getpid()}"
TMUX = ["tmux", "-L", SOCKET, "-f", "/dev/null"]
HZ = os.sysconf("SC_CLK_TCK")


def tmux(*args):
    return subprocess.run(TMUX + list(args), check=True, capture_output=True, text=True).stdout


def screen():
    return tmux("capture-pane", "-p", "-t", "ui")


def wait_for(text, limit=60.0, poll=0.05):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if text in screen():
            return
        time.sleep(poll)
    raise SystemExit(f"ui_bench: waited {limit}s for {text!r}; screen:\n{screen()}")


def ticks(path):
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def cpu(pid, seconds):
    """The process's CPU in cores over `seconds`."""
    p0, t0 = ticks(f"/proc/{pid}/stat"), time.monotonic()
    time.sleep(seconds)
    p1, t1 = ticks(f"/proc/{pid}/stat"), time.monotonic()
    return (p1 - p0) / HZ / (t1 - t0)


def headless(out):
    """(cores, records/s) of the same demo run without the UI, sampled as the UI run was."""
    started = time.monotonic()
    p = subprocess.Popen([BIN, "run", "demo", "--param", f"rows={ROWS}", "--outbox", out],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    cores = cpu(p.pid, 4) if p.poll() is None else 0.0
    p.wait()
    return cores, ROWS / (time.monotonic() - started)


def main():
    out, cfg = os.path.join(WORK, "outbox"), os.path.join(WORK, "config")
    os.makedirs(out, exist_ok=True)
    os.makedirs(cfg, exist_ok=True)
    tmux("new-session", "-d", "-s", "ui", "-x", "100", "-y", "30",
         f"env LANG=C.UTF-8 TERM=screen PANOPLY_CONFIG_DIR='{cfg}' '{BIN}' --outbox '{out}'; sleep 600")
    try:
        wait_for("Saved sources", 30)
        shell = tmux("display", "-p", "-t", "ui", "#{pane_pid}").strip()
        pid = subprocess.run(["pgrep", "-P", shell, "-x", "panoply"], capture_output=True, text=True).stdout.split()[0]
        time.sleep(2)  # let start-up work settle before measuring idle
        idle_process = cpu(pid, 10)

        tmux("send-keys", "-t", "ui", "Enter")
        wait_for("New Demo source", 10)
        tmux("send-keys", "-t", "ui", "-l", str(ROWS))
        started = time.monotonic()
        tmux("send-keys", "-t", "ui", "C-s")
        wait_for("running", 20, poll=0.01)
        run_process = cpu(pid, 6)

        latencies = []
        for _ in range(5):
            t0 = time.monotonic()
            tmux("send-keys", "-t", "ui", "?")
            wait_for("show this help", 5, poll=0.002)
            latencies.append((time.monotonic() - t0) * 1000)
            tmux("send-keys", "-t", "ui", "Escape")
            deadline = time.monotonic() + 5
            while "show this help" in screen() and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.2)
        still_running = "running" in screen()
        wait_for("done", 600, poll=0.1)
        run_seconds = time.monotonic() - started
        tmux("send-keys", "-t", "ui", "q")
    finally:
        subprocess.run(TMUX + ["kill-server"], capture_output=True)
    head_cores, head_rate = headless(os.path.join(WORK, "outbox-headless"))
    run_rate = ROWS / run_seconds
    run_ui = max(0.0, run_process - head_cores * run_rate / head_rate)
    print(json.dumps({
        "name": "ui",
        "idle_process_cores": idle_process,
        "run_rows": ROWS, "run_seconds": run_seconds, "run_records_per_s": run_rate,
        "run_process_cores": run_process, "run_ui_cores": run_ui,
        "headless_process_cores": head_cores, "headless_records_per_s": head_rate,
        "key_latency_ms": latencies, "keys_during_run": still_running,
    }))


if __name__ == "__main__":
    main()
