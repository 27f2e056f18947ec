#!/usr/bin/env python3
"""Python side of scripts/bench/file_sources.sh: the data files and the Python peers.

  file_peers.py make N DIR                 DIR/big.csv, DIR/big.jsonl, DIR/big.sqlite: the same
                                           N rows (id, text, numeric, timestamp, md5 text),
                                           about 210 bytes a record once the runner's keys
                                           (__state, __table) are in
  file_peers.py csv FILE N SRC             csv.DictReader feeding the original SDK's write()
                                           (urlopen replaced by a no-op, as py_bench.py write)
  file_peers.py jsonl FILE N SRC           json.loads per line feeding the same write()

The peers read the first N rows of FILE and print one line of JSON (records/s, CPU, peak RSS).
"""
import csv
import hashlib
import json
import os
import resource
import sqlite3
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import py_bench  # noqa: E402  (load_sdk, cpu, the API key the SDK is built with)

COLUMNS = ("id", "name", "note", "amount", "created_at", "hash")


def row(i):
    rid = 1000000 + i
    return (rid, "User %d" % rid, "order %d for customer %d, shipped by road" % (rid * 7 % 999983, rid % 5000),
            round((i * 37) % 1000000 / 100 + 0.25, 2),
            "2024-05-%02dT%02d:%02d:%02d.%03dZ" % (1 + i % 28, i // 3600 % 24, i // 60 % 60, i % 60, i * 7 % 1000),
            hashlib.md5(str(rid).encode()).hexdigest())


def make(n, d):
    rows = [row(i) for i in range(n)]
    with open(os.path.join(d, "big.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows(rows)
    with open(os.path.join(d, "big.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(dict(zip(COLUMNS, r)), separators=(",", ":")) + "\n")
    path = os.path.join(d, "big.sqlite")
    if os.path.exists(path):
        os.remove(path)
    db = sqlite3.connect(path)
    db.execute("create table big (id integer primary key, name text, note text, amount real, created_at text, hash text)")
    db.executemany("insert into big values (?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()


def null_sdk(src):
    class Res:
        def read(self):
            return b""

    urllib.request.urlopen = lambda req, *a, **k: Res()
    return py_bench.load_sdk(src).SDK(py_bench.APIKEY, py_bench.APISECRET)


def peer(kind, path, n, src):
    sdk = null_sdk(src)
    c0, t0 = py_bench.cpu(), time.perf_counter()
    count = 0
    with open(path, newline="") as f:
        if kind == "csv":
            for r in csv.DictReader(f):
                sdk.write("big", r)
                count += 1
                if count >= n:
                    break
        else:
            for line in f:
                sdk.write("big", json.loads(line))
                count += 1
                if count >= n:
                    break
    wall, c = time.perf_counter() - t0, py_bench.cpu() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"records": count, "seconds": wall, "cpu_seconds": c, "records_per_s": count / wall,
                      "max_rss_kib": rss}))


def main():
    if sys.argv[1] == "make":
        make(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] in ("csv", "jsonl"):
        peer(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        raise SystemExit("unknown mode " + sys.argv[1])


if __name__ == "__main__":
    main()
