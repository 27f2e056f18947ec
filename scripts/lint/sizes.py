#!/usr/bin/env python3
"""Size limits of STYLE.md, checked: no Swift file over 400 lines, no function (func, init,
deinit, closure-valued property excluded) over 60 lines from its `{` to its `}`.

    sizes.py [DIR...]   (default: Sources Tests)

Prints one line per finding (path:line: what) and exits 1 when there is any.
"""
import os
import re
import sys

MAX_FILE, MAX_FUNC = 400, 60
DECL = re.compile(r'^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private|open|static|class|final|override|'
                  r'mutating|nonisolated|convenience|required|dynamic|isolated)\s+)*(func\s+[^\s(<]+|init[?!]?\s*[(<]|deinit\b)')


def code_only(line, state):
    """The line without string literals and comments; `state` carries a block comment or a
    multi-line string across lines."""
    out, i = [], 0
    while i < len(line):
        if state["block"]:
            j = line.find("*/", i)
            if j < 0:
                return "".join(out)
            state["block"], i = False, j + 2
            continue
        if state["multi"]:
            j = line.find('"""', i)
            if j < 0:
                return "".join(out)
            state["multi"], i = False, j + 3
            continue
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            state["block"], i = True, i + 2
            continue
        if line.startswith('"""', i):
            state["multi"], i = True, i + 3
            continue
        if line[i] == '"':
            j = i + 1
            while j < len(line) and line[j] != '"':
                j += 2 if line[j] == "\\" else 1
            i = j + 1
            continue
        out.append(line[i])
        i += 1
    return "".join(out)


def check(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    findings = []
    if len(lines) - (1 if lines and lines[-1] == "" else 0) > MAX_FILE:
        findings.append(f"{path}:1: {len(lines)} lines (at most {MAX_FILE})")
    state = {"block": False, "multi": False}
    depth, open_funcs, pending = 0, [], None
    for n, raw in enumerate(lines, 1):
        code = code_only(raw, state)
        m = DECL.match(code)
        if m and pending is None:
            pending = (n, m.group(1).strip())
        for ch in code:
            if ch == "{":
                depth += 1
                if pending is not None:
                    open_funcs.append((depth, pending[0], pending[1]))
                    pending = None
            elif ch == "}":
                if open_funcs and open_funcs[-1][0] == depth:
                    _, start, name = open_funcs.pop()
                    if n - start + 1 > MAX_FUNC:
                        findings.append(f"{path}:{start}: {name} is {n - start + 1} lines (at most {MAX_FUNC})")
                depth -= 1
        if pending is not None and "{" not in code and not code.rstrip().endswith((",", "(", "->")) and m is None \
                and code.strip() and not code.strip().startswith(("where", ")", "throws", "async", "->")):
            pending = None  # a protocol requirement: no body
    return findings


def main():
    roots = sys.argv[1:] or ["Sources", "Tests"]
    findings = []
    for root in roots:
        for d, _, files in os.walk(root):
            for f in sorted(files):
                if f.endswith(".swift"):
                    findings += check(os.path.join(d, f))
    for f in findings:
        print(f)
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
