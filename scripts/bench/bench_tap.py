#!/usr/bin/env python3
"""A Singer tap for the benchmark (scripts/bench.sh row h): one stream `bench` of `n`
records (py_bench.py's records with a running id), a STATE every 10,000 records, each
message written like singer-python's write_message (json.dumps, a line, a flush).

  bench_tap.py --about --format json | --config C --discover | --config C [--catalog K] [--state S]
"""
import argparse, json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from py_bench import RECORDS  # noqa: E402

SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"}, "score": {"type": "number"},
    "flags": {"type": "object"}, "timestamp": {"type": "string"}, "addr": {"type": "object"}}}


def write(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    p = argparse.ArgumentParser()
    for flag in ("--config", "--catalog", "--state", "--format"):
        p.add_argument(flag)
    p.add_argument("--discover", action="store_true")
    p.add_argument("--about", action="store_true")
    a = p.parse_args()
    if a.about:
        print(json.dumps({"name": "bench-tap", "capabilities": ["catalog", "discover", "state"], "settings": {
            "type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "title": "Records"}}}}))
        return
    n = int(json.load(open(a.config))["n"])
    if a.discover:
        print(json.dumps({"streams": [{"tap_stream_id": "bench", "stream": "bench", "schema": SCHEMA, "metadata": [
            {"breadcrumb": [], "metadata": {"selected-by-default": True, "table-key-properties": ["id"]}}]}]}))
        return
    start = json.load(open(a.state))["bookmarks"]["bench"]["id"] if a.state else 0
    write({"type": "SCHEMA", "stream": "bench", "schema": SCHEMA, "key_properties": ["id"]})
    for i in range(start, n):
        record = dict(RECORDS[i % len(RECORDS)], id=i + 1)
        write({"type": "RECORD", "stream": "bench", "record": record})
        if (i + 1) % 10000 == 0 or i + 1 == n:
            write({"type": "STATE", "value": {"bookmarks": {"bench": {"id": i + 1}}}})


if __name__ == "__main__":
    main()
