#!/usr/bin/env python3
"""A team's workspace in PostgreSQL (#29) for scripts/bench.sh, in one run:

    workspace_bench.py PANOPLY_BIN WORKDIR ROWS

1. A run against the workspace: the same saved demo source of ROWS rows into an outbox,
   `run --saved --full-refresh` against a PostgreSQL workspace (its lease, state commits,
   snapshots and history row in the database) and against the local config folder,
   alternating, 3 of each; the medians' records/s. The limit: the workspace run within 3%
   of the folder run.
2. `status` of a busy workspace: 200 saved sources (each with a full history of 50 runs)
   of which 20 are being run by 20 slow `run --saved` processes; the wall time of
   `panoply status` and of `panoply status --json` (median of 5 each, the whole process).
   The limit: under 200 ms. `list` is timed too (no limit).

Uses the PostgreSQL server of PANOPLY_TEST_PG_* when set, else starts one with
scripts/services/postgres.sh (stopped at the end); each run works in a schema of its own,
dropped at the end. Prints one JSON line on stdout, then the figures with ok or MISSED.
"""
import base64
import glob
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

BIN, WORK, ROWS = sys.argv[1], sys.argv[2], int(sys.argv[3])
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCES, LIVE, HISTORY = 200, 20, 50
CFG = os.path.join(WORK, "config")


def fail(message):
    raise SystemExit(f"workspace_bench: {message}")


def postgres():
    """The server's settings (started here when none is given) and a stop function."""
    if os.environ.get("PANOPLY_TEST_PG_PORT"):
        return dict(os.environ), lambda: None
    # A folder of its own that the server's user can enter (WORKDIR may sit in a private one).
    tmp = tempfile.mkdtemp(prefix="panoply-wsbench-pg.", dir="/tmp")
    os.chmod(tmp, 0o755)
    env = dict(os.environ, TMPDIR=tmp)
    script = os.path.join(ROOT, "scripts/services/postgres.sh")
    out = subprocess.run(["bash", script, "start"], env=env, capture_output=True, text=True)
    settings = dict(line[len("export "):].split("=", 1) for line in out.stdout.splitlines() if line.startswith("export "))
    if "PANOPLY_TEST_PG_PORT" not in settings:
        shutil.rmtree(tmp, ignore_errors=True)
        fail(f"no PostgreSQL server (apt-get install -y postgresql): {out.stderr[-300:]}")

    def stop():
        subprocess.run(["bash", script, "stop"], env=dict(env, PANOPLY_TEST_PG_DIR=settings["PANOPLY_TEST_PG_DIR"]), capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)

    base = {k: v for k, v in os.environ.items() if not k.startswith("PANOPLY_TEST_PG_")}
    return dict(base, **settings), stop


class Bench:
    def __init__(self, pg):
        self.pg = pg
        self.schema = f"wsbench_{os.getpid()}"
        sslmode = "require" if pg.get("PANOPLY_TEST_PG_SSL") == "on" else "disable"
        self.url = (f"postgres://{pg['PANOPLY_TEST_PG_USER']}:{pg['PANOPLY_TEST_PG_PASSWORD']}@{pg['PANOPLY_TEST_PG_HOST']}:"
                    f"{pg['PANOPLY_TEST_PG_PORT']}/{pg['PANOPLY_TEST_PG_DATABASE']}?sslmode={sslmode}&schema={self.schema}")
        key = base64.b64encode(os.urandom(32)).decode()
        base = {k: v for k, v in os.environ.items() if not k.startswith("PANOPLY_")}
        self.folder_env = dict(base, PANOPLY_CONFIG_DIR=CFG)
        self.ws_env = dict(base, PANOPLY_CONFIG_DIR=CFG, PANOPLY_WORKSPACE=self.url, PANOPLY_WORKSPACE_KEY=key)
        psql = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql")) or [shutil.which("psql") or fail("needs psql")]
        self.psql = [psql[-1], "-h", pg["PANOPLY_TEST_PG_HOST"], "-p", pg["PANOPLY_TEST_PG_PORT"], "-U", pg["PANOPLY_TEST_PG_USER"],
                     "-d", pg["PANOPLY_TEST_PG_DATABASE"], "-v", "ON_ERROR_STOP=1", "-qAt"]

    def panoply(self, env, *args):
        r = subprocess.run([BIN, *args], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"panoply {' '.join(args)} exited {r.returncode}: {r.stderr[-500:]}")
        return r

    def sql(self, text):
        r = subprocess.run(self.psql, input=text, env=dict(os.environ, PGPASSWORD=self.pg["PANOPLY_TEST_PG_PASSWORD"]),
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"psql: {r.stderr[-500:]}")
        return r.stdout

    def run_rates(self):
        """Medians of 3 `run --saved` of ROWS demo rows: against the workspace, against the folder."""
        self.panoply(self.folder_env, "save", "Bench demo", "demo", "--param", f"rows={ROWS}")
        self.panoply(self.ws_env, "workspace", "import", "--from", CFG)
        out = os.path.join(WORK, "out")
        rates = {"workspace": [], "folder": []}
        for _ in range(3):
            for where, env in (("folder", self.folder_env), ("workspace", self.ws_env)):
                shutil.rmtree(out, ignore_errors=True)
                t0 = time.monotonic()
                self.panoply(env, "run", "--saved", "Bench demo", "--full-refresh", "--outbox", out)
                rates[where].append(ROWS / (time.monotonic() - t0))
        shutil.rmtree(out, ignore_errors=True)
        return rates

    def fill(self):
        """200 saved sources (LIVE of them slow demos), each with HISTORY runs in its history."""
        sources = [{"name": f"Slow {i:02d}", "type": "demo", "table": "",
                    "values": {"rows": "1000000", "batch_size": "10", "delay_ms": "100"}} for i in range(LIVE)]
        sources += [{"name": f"Source {i:03d}", "type": "demo", "table": "", "values": {"rows": "1000"}}
                    for i in range(SOURCES - LIVE - 1)]  # and "Bench demo"
        folder = os.path.join(WORK, "many")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "sources.json"), "w") as f:
            json.dump({"version": 1, "sources": sources}, f)
        self.panoply(self.ws_env, "workspace", "import", "--from", folder)
        record = {"attempt": 1, "delivered": 1000, "errors": 0, "exitCode": 0, "messages": 1, "origin": "cli", "recordsRead": 1000,
                  "retries": 0, "status": "done", "log": ["[00:00] starting", "[00:01] completed: 1000 records read, 1000 delivered in 0.4s"]}
        self.sql(f"""
            INSERT INTO {self.schema}.runs (source_id, body)
            SELECT s.id, '{json.dumps(record)}'::jsonb || jsonb_build_object('started', 1796600000 + g * 900, 'ended', 1796600000.4 + g * 900)
            FROM {self.schema}.sources s, generate_series(1, {HISTORY}) g ORDER BY s.name, g;
            """)

    def status_times(self):
        """Wall times (s) of `status`, `status --json` and `list` while LIVE runs go on."""
        runs = []
        try:
            for i in range(LIVE):
                runs.append(subprocess.Popen([BIN, "run", "--saved", f"Slow {i:02d}", "--outbox", os.path.join(WORK, f"out{i}")],
                                             env=self.ws_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            deadline = time.monotonic() + 60
            while True:
                listed = json.loads(self.panoply(self.ws_env, "status", "--json").stdout)["sources"]
                running = sum(1 for s in listed if s["running"])
                if running == LIVE and len(listed) == SOURCES:
                    break
                if time.monotonic() > deadline:
                    fail(f"{running} of {LIVE} runs shown running after 60 s")
                time.sleep(0.2)
            times = {"status": [], "status_json": [], "list": []}
            for _ in range(5):
                for name, args in (("status", ["status"]), ("status_json", ["status", "--json"]), ("list", ["list"])):
                    t0 = time.monotonic()
                    r = self.panoply(self.ws_env, *args)
                    times[name].append(time.monotonic() - t0)
                    if name == "status" and r.stdout.count("  running  ") != LIVE:
                        fail(f"status shows {r.stdout.count('  running  ')} runs, not {LIVE}")
            return times
        finally:
            for r in runs:
                r.send_signal(signal.SIGTERM)
            for r in runs:
                try:
                    r.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    r.kill()
                    r.wait()


def mark(ok):
    return "ok" if ok else "MISSED"


def main():
    os.makedirs(CFG, exist_ok=True)
    pg, stop = postgres()
    bench = Bench(pg)
    try:
        bench.panoply(bench.ws_env, "workspace", "init")
        rates = bench.run_rates()
        bench.fill()
        times = bench.status_times()
    finally:
        try:
            bench.sql(f"DROP SCHEMA IF EXISTS {bench.schema} CASCADE;")
        finally:
            stop()
    ws, folder = statistics.median(rates["workspace"]), statistics.median(rates["folder"])
    med = {k: statistics.median(v) for k, v in times.items()}
    print(json.dumps({"name": "workspace", "rows": ROWS, "workspace_records_per_s": ws, "folder_records_per_s": folder,
                      "workspace_runs": rates["workspace"], "folder_runs": rates["folder"], "sources": SOURCES, "live_runs": LIVE,
                      "history_per_source": HISTORY, "seconds": times, "median_seconds": med}))
    print(f"A team's workspace (demo source, {ROWS:,} rows into an outbox, medians of 3, alternating; {bench.url.split('@')[1]})")
    print("  run --saved against the workspace within 3% of the folder ..... {:>7.1%} {}  ({:,.0f} vs {:,.0f} records/s)".format(
        ws / folder, mark(ws >= 0.97 * folder), ws, folder))
    for name, label in (("status", "status"), ("status_json", "status --json")):
        print("  {:<14} {} sources ({} runs each), {} live < 200 ms .. {:>5.0f} ms {}  (median of 5: {})".format(
            label, SOURCES, HISTORY, LIVE, med[name] * 1000, mark(med[name] < 0.2), ", ".join("%.0f" % (t * 1000) for t in times[name])))
    print("  list (no limit) .............................................. {:>5.0f} ms".format(med["list"] * 1000))


if __name__ == "__main__":
    main()
