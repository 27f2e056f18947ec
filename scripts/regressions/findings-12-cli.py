#!/usr/bin/env python3
"""Runs the command-line-visible findings of #12 (4, 6, 7) against one panoply binary; prints PASS or FAIL for each.
usage: findings-12-cli.py PANOPLY_BINARY"""
import json, os, re, shutil, subprocess, sys, tempfile
bin_ = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="fb-")
def run(args, **kw):
    return subprocess.run([bin_] + args, capture_output=True, text=True, timeout=300, **kw)
def outbox_bytes(d):
    b = b""
    for root, _, files in os.walk(d):
        for f in files:
            b += open(os.path.join(root, f), "rb").read()
    return b
results = []
# Finding 4: U+FFFE / U+FFFF written raw into message bodies (SQS rejects them).
inp = os.path.join(tmp, "f4.ndjson")
with open(inp, "w", encoding="utf-8") as f:
    f.write(json.dumps({"id": 1, "s": "a\ufffeb"}, ensure_ascii=False) + "\n")
    f.write(json.dumps({"id": 2, "s": "\uffff"}, ensure_ascii=False) + "\n")
r = run(["send", "t", "--file", inp, "--outbox", tmp + "/o4"])
body = outbox_bytes(tmp + "/o4")
raw = b"\xef\xbf\xbe" in body or b"\xef\xbf\xbf" in body
results.append(("4 send: no raw U+FFFE/U+FFFF in bodies", r.returncode == 0 and not raw and len(body) > 0,
                f"rc={r.returncode} raw={raw} bytes={len(body)}"))
# Finding 6: spool file removed before its outbox file and folder are fsynced.
inp = os.path.join(tmp, "f6.ndjson")
with open(inp, "w") as f:
    for i in range(1, 3001):
        f.write(json.dumps({"id": i, "pad": "p" * 60}) + "\n")
out, spool, trace = tmp + "/o6", tmp + "/s6", tmp + "/trace.txt"
r = subprocess.run(["strace", "-f", "-y", "-qq", "-e", "signal=none", "-e", "trace=fsync,fdatasync,link,rename,unlink",
                    "-o", trace, bin_, "send", "t", "--file", inp, "--outbox", out, "--spool", spool,
                    "--max-message-bytes", "8192", "--concurrency", "2"], capture_output=True, text=True, timeout=300)
def events(log):
    partial = {}; out = []
    for line in log.splitlines():
        parts = line.split(None, 1)
        if len(parts) != 2: continue
        pid, rest = parts
        if rest.startswith("<... "):
            p = partial.pop(pid, None)
            if p and rest.endswith("= 0"): out.append(p)
            continue
        if "(" not in rest: continue
        call = rest[:rest.index("(")]
        if "<unfinished ...>" in rest:
            if call == "unlink": out.append((call, rest))
            else: partial[pid] = (call, rest)
        elif rest.endswith("= 0"):
            out.append((call, rest))
    return out
linked = durable = removed = removed_before_sync = 0; dir_syncs = 0
for call, args in events(open(trace).read()):
    if call == "fsync" and f"<{out}>" in args: durable = linked; dir_syncs += 1
    elif call in ("link", "rename") and f'"{out}/' in args: linked += 1
    elif call == "unlink" and f'"{spool}/' in args:
        removed += 1
        if removed > durable: removed_before_sync += 1
results.append(("6 outbox+spool: spool removed only after outbox folder fsync", r.returncode == 0 and removed > 10 and removed_before_sync == 0,
                f"rc={r.returncode} removed={removed} removed_before_folder_fsync={removed_before_sync} folder_fsyncs={dir_syncs}"))
# Finding 7a: colliding CSV header names overwrite cells.
csv = tmp + "/c.csv"; open(csv, "w").write("a,a,a_2\n1,2,3\n")
r = run(["run", "csv", "--param", f"path={csv}", "--outbox", tmp + "/o7"])
body = outbox_bytes(tmp + "/o7").decode("utf-8", "replace")
cells = set(re.findall(r'"(a[^"]*)":"?([0-9])', body.replace('\\"', '"')))
vals = {v for _, v in cells}
results.append(("7 csv a,a,a_2: all 3 cells kept", r.returncode == 0 and vals == {"1", "2", "3"}, f"rc={r.returncode} cells={sorted(cells)}"))
# Finding 7b: a record over the message limit in run: --on-invalid skip.
jl = tmp + "/big.jsonl"
with open(jl, "w") as f:
    f.write('{"id":1}\n' + json.dumps({"id": 2, "blob": "y" * 300000}) + '\n{"id":3}\n')
r = run(["run", "jsonl", "--param", f"path={jl}", "--outbox", tmp + "/o7b", "--on-invalid", "skip"])
results.append(("7 run --on-invalid skip leaves out the huge record", r.returncode == 0, f"rc={r.returncode} err={r.stderr.strip()[-160:]!r}"))
# Finding 7c: huge numeric options trap.
r = run(["send", "t", "--file", inp, "--outbox", tmp + "/o7c", "--flush-interval", "1e300"])
results.append(("7 --flush-interval 1e300: a clear error, no trap", r.returncode in (1, 2, 64) and r.returncode >= 0 and "flush" in r.stderr.lower(),
                f"rc={r.returncode} err={r.stderr.strip()[-160:]!r}"))
for name, ok, detail in results:
    print(f"{'PASS' if ok else 'FAIL'}  finding {name}  [{detail}]")
shutil.rmtree(tmp, ignore_errors=True)
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
