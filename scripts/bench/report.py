#!/usr/bin/env python3
"""Prints the table of scripts/bench.sh from its results (one JSON object a line)."""
import json
import sys

rows = {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    rows[d["name"]] = d
pyver, quick = sys.argv[2], sys.argv[3] == "1"


def g(name, key, default=None):
    return rows.get(name, {}).get(key, default)


def rate(name):
    v = g(name, "records_per_s")
    return "-" if v is None else "{:,.0f}".format(v)


def ratio(a, b):
    x, y = g(a, "records_per_s"), g(b, "records_per_s")
    return "-" if not x or not y else "{:.1f}x".format(x / y)


def cpu100k(name):
    c, n = g(name, "cpu_seconds"), g(name, "records")
    return "-" if not c or not n else "{:.3f}".format(c / n * 100000)


def mark(ok):
    return "ok" if ok else "MISSED"


print()
print("Panoply SDK benchmark ({} mode); original = panoply-python-sdk {}".format("quick" if quick else "full", pyver))
print()
fmt = "{:<44} {:>12} {:>9} {:>9} {:>10} {:>12}"
print(fmt.format("figure", "records/s", "records", "messages", "CPU s", "CPU/100k"))
print("-" * 101)
order = [
    ("a. write() Swift (drop transport)", "swift_write"),
    ("a. write() Python original (into its queue)", "python_write"),
    ("b. moto Query, Python original", "python_moto_query"),
    ("b. moto Query, Swift SDK", "swift_moto_query"),
    ("b. moto JSON, Swift SDK", "swift_moto_json"),
    ("b. moto JSON over https (nginx TLS), Swift SDK", "swift_moto_json_https"),
    ("c. moto JSON, raw client (no SDK)", "raw_moto_json"),
    ("d. nginx null sink Query, Swift SDK", "swift_sink_query"),
    ("d. nginx null sink Query over https", "swift_sink_query_https"),
    ("d. nginx null sink JSON, Swift SDK", "swift_sink_json"),
    ("d. nginx null sink JSON over https", "swift_sink_json_https"),
    ("e. panoply send -> null sink (JSON)", "send_sink"),
    ("e. panoply send -> null sink over https", "send_sink_https"),
    ("e. panoply send -> outbox", "send_outbox"),
    ("g. python: source via the bridge -> outbox", "python_bridge"),
    ("h. Singer tap alone (stdout | wc -l)", "singer_tap_alone"),
    ("h. singer: tap via the bridge -> outbox", "singer_bridge"),
]
for label, name in order:
    if name not in rows:
        continue
    cpu = g(name, "cpu_seconds")
    print(fmt.format(label, rate(name), "{:,}".format(g(name, "records", 0)), g(name, "messages", "-"),
                     "-" if cpu is None else "{:.2f}".format(cpu), cpu100k(name)))
print()
for name in ("python_moto_query", "swift_moto_query", "swift_moto_json", "raw_moto_json"):
    if name in rows:
        print("queue depth after {:<20} {:>6} messages (fresh queue, started at 0)".format(name, g(name, "queue_depth_after")))
print()
print("Targets")
w = g("swift_write", "records_per_s", 0)
wr = g("swift_write", "runs_records_per_s")
print("  write() >= 1,000,000/s on one core ............ {:>12} {}  ({} the original{})".format(
    rate("swift_write"), mark(w >= 1e6), ratio("swift_write", "python_write"),
    "; median of {}: {}".format(len(wr), ", ".join("{:,.0f}".format(x) for x in wr)) if wr else ""))
for n in ("swift_moto_query", "swift_moto_json"):
    r = g(n, "records_per_s", 0) / max(g("python_moto_query", "records_per_s", 1), 1e-9)
    print("  moto {:<5} >= 3.5x the original ............. {:>11.1f}x {}".format(n.split("_")[-1], r, mark(r >= 3.5)))
for n in ("swift_moto_json",):
    r = g(n, "records_per_s", 0) / max(g("raw_moto_json", "records_per_s", 1), 1e-9)
    print("  moto json  >= 85% of the raw client ........... {:>11.0%} {}".format(r, mark(r >= 0.85)))
for n in ("swift_sink_query", "swift_sink_json"):
    v = g(n, "records_per_s", 0)
    mb = g(n, "bytes", 0) / max(g(n, "seconds", 1), 1e-9) / 1e6
    runs = g(n, "runs_records_per_s")
    spread = "; median of {}: {}".format(len(runs), ", ".join("{:,.0f}".format(x) for x in runs)) if runs else ""
    print("  null sink {:<5} >= 1,000,000/s .............. {:>12} {}  ({:.0f} MB/s of message body{})".format(
        n.split("_")[-1], rate(n), mark(v >= 1e6), mb, spread))
if "python_bridge" in rows:
    r = g("python_bridge", "records_per_s", 0) / max(g("python_write", "records_per_s", 1), 1e-9)
    print("  python: bridge >= 3x the original's write() .. {:>11.1f}x {}  ({} vs {})".format(
        r, mark(r >= 3), rate("python_bridge"), rate("python_write")))
if "singer_bridge" in rows:
    r = g("singer_bridge", "records_per_s", 0) / max(g("singer_tap_alone", "records_per_s", 1), 1e-9)
    print("  singer: bridge >= 90% of the tap alone ....... {:>11.0%} {}  ({} vs {})".format(
        r, mark(r >= 0.9), rate("singer_bridge"), rate("singer_tap_alone")))
for plain, tls in (("swift_sink_query", "swift_sink_query_https"), ("swift_sink_json", "swift_sink_json_https"),
                   ("send_sink", "send_sink_https"), ("swift_moto_json", "swift_moto_json_https")):
    if plain in rows and tls in rows:
        r = g(tls, "records_per_s", 0) / max(g(plain, "records_per_s", 1), 1e-9)
        print("  https >= 80% of http, {:<16} ......... {:>10.0%} {}".format(plain, r, mark(r >= 0.8)))
for n in ("send_sink", "send_sink_https", "send_outbox"):
    if n in rows:
        mib = g(n, "max_rss_kib", 0) / 1024
        print("  peak RSS {:<12} <= 64 MiB ............. {:>9.1f} MiB {}  ({:,} records)".format(
            n, mib, mark(mib <= 64), g(n, "records", 0)))
for n in ("swift_sink_query", "swift_sink_json", "swift_moto_query", "swift_moto_json"):
    if n in rows:
        c = g(n, "cpu_seconds") / g(n, "records") * 1e5
        print("  CPU per 100k records {:<17} <= 0.3 s .. {:>8.3f} s {}".format(n, c, mark(c <= 0.3)))

file_rows = [("sqlite", "sqlite_outbox", [("sqlite3 -json > /dev/null", "sqlite3_json")]),
             ("csv", "csv_outbox", [("cat > /dev/null", "cat_csv"), ("python csv + original write()", "python_csv")]),
             ("jsonl", "jsonl_outbox", [("cat > /dev/null", "cat_jsonl"), ("python json + original write()", "python_jsonl")])]
if any(n in rows for _, n, _ in file_rows):
    print()
    print("File sources: panoply run TYPE -> outbox, {:,} rows (i; median of 3, each run's rows/s after it)".format(
        g("sqlite_outbox", "records", 0)))
    for kind, n, peers in file_rows:
        if n not in rows:
            continue
        v = g(n, "records_per_s", 0)
        mib = g(n, "max_rss_kib", 0) / 1024
        runs = ", ".join("{:,.0f}".format(x) for x in g(n, "runs_records_per_s", []))
        print("  {:<6} >= 800,000 rows/s ..................... {:>12} {}  ({}; CPU {:.2f} s)".format(
            kind, rate(n), mark(v >= 8e5), runs, g(n, "cpu_seconds", 0)))
        print("  {:<6} peak RSS <= 64 MiB ..................... {:>8.1f} MiB {}".format(kind, mib, mark(mib <= 64)))
        for label, p in [("outbox limit: panoply send --file", "send_outbox_files")] + peers:
            if p in rows:
                print("         peer {:<32} {:>12} rows/s  (panoply at {})".format(label, rate(p), ratio(n, p)))
        if n + "_tmpfs" in rows:
            t = n + "_tmpfs"
            print("         same run, outbox on tmpfs (no fsync cost) {:>12} rows/s {}  ({}; {:.1f} MiB)".format(
                rate(t), mark(g(t, "records_per_s", 0) >= 8e5),
                ", ".join("{:,.0f}".format(x) for x in g(t, "runs_records_per_s", [])), g(t, "max_rss_kib", 0) / 1024))

if "ui" in rows:
    u = rows["ui"]
    lat = u["key_latency_ms"]
    print()
    print("Terminal UI (release build, tmux 100x30; demo source, {:,} rows, into the outbox)".format(u["run_rows"]))
    print("  idle CPU, whole process < 1% of a core ....... {:>10.2%} {}".format(
        u["idle_process_cores"], mark(u["idle_process_cores"] < 0.01)))
    print("  UI's share during the run <= 0.25 core ....... {:>10.3f} {}  (whole process {:.2f} cores, {:,.0f} records/s; headless {:.2f} cores, {:,.0f} records/s)".format(
        u["run_ui_cores"], mark(u["run_ui_cores"] <= 0.25), u["run_process_cores"], u["run_records_per_s"],
        u["headless_process_cores"], u["headless_records_per_s"]))
    print("  key press to screen during the run <= 100 ms .. {:>7.0f} ms {}  (max of {}; all: {})".format(
        max(lat), mark(max(lat) <= 100 and u["keys_during_run"]), len(lat), ", ".join("%.0f" % x for x in lat)))

if "live" in rows:
    v = rows["live"]
    ratio = v["saved_records_per_s"] / v["unsaved_records_per_s"] if v["unsaved_records_per_s"] else 0
    print()
    print("Live runs (release build; demo source, {:,} rows into an outbox, medians of 3, alternating)".format(v["rows"]))
    print("  run --saved (lease + snapshots) >= 98% of the same run unsaved .. {:>7.1%} {}  ({:,.0f} vs {:,.0f} records/s)".format(
        ratio, mark(ratio >= 0.98), v["saved_records_per_s"], v["unsaved_records_per_s"]))
    print("  a UI watching 20 runs owned elsewhere < 2% of a core ........... {:>7.2%} {}  ({} rows shown running)".format(
        v["ui_watching_cores"], mark(v["ui_watching_cores"] < 0.02 and v["ui_rows_running"] >= 20), v["ui_rows_running"]))

base = sys.argv[4] if len(sys.argv) > 4 else ""
if base:
    print()
    print("This checkout against {} (same run; rows a and d alternate the two commits run by run)".format(base))
    bfmt = "{:<40} {:>14} {:>14} {:>8}"
    print(bfmt.format("figure", base, "this", "change"))
    print("-" * 79)
    pairs = [("a. write(), records/s", "base_swift_write", "cmp_swift_write", "records_per_s"),
             ("b. moto JSON, records/s", "base_swift_moto_json", "swift_moto_json", "records_per_s"),
             ("d. null sink Query, records/s", "base_swift_sink_query", "cmp_swift_sink_query", "records_per_s"),
             ("d. null sink JSON, records/s", "base_swift_sink_json", "cmp_swift_sink_json", "records_per_s"),
             ("e. send -> null sink, records/s", "base_send_sink", "send_sink", "records_per_s"),
             ("e. send -> null sink, peak RSS KiB", "base_send_sink", "send_sink", "max_rss_kib"),
             ("e. send -> outbox, records/s", "base_send_outbox", "send_outbox", "records_per_s"),
             ("e. send -> outbox, peak RSS KiB", "base_send_outbox", "send_outbox", "max_rss_kib")]
    for label, b, n, key in pairs:
        x, y = g(b, key), g(n, key)
        if x is None or y is None:
            continue
        runs = ""
        if key == "records_per_s" and g(b, "runs_records_per_s"):
            runs = "  ({} | {})".format(", ".join("{:,.0f}".format(v) for v in g(b, "runs_records_per_s")),
                                        ", ".join("{:,.0f}".format(v) for v in g(n, "runs_records_per_s")))
        print(bfmt.format(label, "{:,.0f}".format(x), "{:,.0f}".format(y), "{:+.0%}".format(y / x - 1)) + runs)
