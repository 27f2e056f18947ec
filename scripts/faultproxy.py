#!/usr/bin/env python3
"""A fault-injecting HTTP proxy for the reliability tests (python3 stdlib only).

It sits between the SDK and an SQS emulator (moto) on 127.0.0.1 and, on command, breaks
requests the way networks and SQS break them in production:

  pass        forward everything (the default)
  refuse      close the listening socket (and open connections): connections are refused
  hang        accept and read the request, then answer nothing; held connections are
              closed (without an answer) when the fault ends or after `hold` seconds
  reset       read the headers and part of the body, then reset the connection (RST)
  http500     answer 500 InternalError (no forwarding)
  http503     answer 503 ServiceUnavailable (no forwarding)
  throttle    answer 400 with SQS's throttling error, as Query XML or as JSON (matching
              the request's protocol)
  batchfail   forward a SendMessageBatch without every second entry and report those
              entries as failed in the (rewritten) response

A fault lasts for `count` requests (0: no limit) and/or `seconds` (0: no limit), then the
proxy passes everything through again.

Usage:
  faultproxy.py --upstream http://127.0.0.1:5000 [--max-seconds 1800]
prints one line `faultproxy data=PORT control=PORT` on stdout, then serves. It exits after
--max-seconds, when standard input closes (its parent died), or on GET /quit.

Control (HTTP GET on the control port, answers JSON stats):
  /fault?mode=NAME&count=N&seconds=S&hold=H   start a fault
  /pass                                       pass-through; release held connections
  /stats                                      counters
  /quit                                       exit
"""
import argparse
import http.client
import http.server
import json
import os
import socket
import struct
import sys
import threading
import time
import urllib.parse

MODES = {"pass", "refuse", "hang", "reset", "http500", "http503", "throttle", "batchfail"}
HOP = {"connection", "keep-alive", "expect", "transfer-encoding", "content-length", "proxy-connection", "te", "upgrade"}


class State:
    def __init__(self):
        self.lock = threading.Condition()
        self.mode = "pass"
        self.remaining = 0      # requests left in this fault; 0 = unlimited
        self.deadline = None    # monotonic end of the fault; None = unlimited
        self.hold = None        # seconds a hung connection is held; None = until the fault ends
        self.generation = 0     # bumps on every change, to release held connections
        self.stats = {"connections": 0, "requests": 0, "forwarded": 0, "faulted": 0,
                      "entries_failed": 0, "upstream_errors": 0}
        self.by_mode = {}
        self.conns = set()

    def snapshot(self):
        with self.lock:
            s = dict(self.stats)
            s["mode"] = self.active_mode_locked()
            s["by_mode"] = dict(self.by_mode)
            s["open_connections"] = len(self.conns)
            return s

    def active_mode_locked(self):
        if self.mode == "pass":
            return "pass"
        if self.deadline is not None and time.monotonic() >= self.deadline:
            self.mode = "pass"
            self.generation += 1
            self.lock.notify_all()
            return "pass"
        return self.mode

    def take(self):
        """The fault for the next request (and counts it), or 'pass'."""
        with self.lock:
            self.stats["requests"] += 1
            mode = self.active_mode_locked()
            if mode in ("pass", "refuse"):
                return mode, self.generation
            if self.remaining > 0:
                self.remaining -= 1
                if self.remaining == 0:
                    # This request is the last one of the fault.
                    self.mode = "pass"
            self.stats["faulted"] += 1
            self.by_mode[mode] = self.by_mode.get(mode, 0) + 1
            return mode, self.generation

    def set(self, mode, count, seconds, hold):
        with self.lock:
            self.mode = mode
            self.remaining = count
            self.deadline = time.monotonic() + seconds if seconds > 0 else None
            self.hold = hold if hold > 0 else None
            self.generation += 1
            self.lock.notify_all()

    def wait_released(self, generation, hold):
        """Blocks a hung request until the fault changes, ends, or `hold` passes."""
        end = time.monotonic() + hold if hold else None
        with self.lock:
            while self.generation == generation:
                self.active_mode_locked()  # ends an expired fault (bumps the generation)
                if self.generation != generation:
                    return
                now = time.monotonic()
                limits = [t for t in (end, self.deadline) if t is not None]
                if limits and min(limits) <= now:
                    return
                self.lock.wait(timeout=min([t - now for t in limits] + [0.5]))


STATE = State()
UPSTREAM = None
LISTEN = {"sock": None, "port": 0}


def recv_until(sock, buf, marker):
    while marker not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buf += chunk
    return buf


def read_request(sock, buf):
    """Returns (method, path, headers list, body, rest of buffer) or None at EOF."""
    buf = recv_until(sock, buf, b"\r\n\r\n")
    if buf is None:
        return None
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.append((k.strip(), v.strip()))
    h = {k.lower(): v for k, v in headers}
    if h.get("expect", "").lower() == "100-continue":
        sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    if "chunked" in h.get("transfer-encoding", "").lower():
        body = b""
        while True:
            rest = recv_until(sock, rest, b"\r\n")
            if rest is None:
                return None
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(rest) < size + 2:
                chunk = sock.recv(65536)
                if not chunk:
                    return None
                rest += chunk
            body += rest[:size]
            rest = rest[size + 2:]
            if size == 0:
                break
        return method, path, headers, body, rest
    length = int(h.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(max(65536, length - len(rest)))
        if not chunk:
            return None
        rest += chunk
    return method, path, headers, rest[:length], rest[length:]


def is_json(headers):
    return any(k.lower() == "content-type" and "json" in v.lower() for k, v in headers)


def send_response(sock, status, reason, headers, body):
    out = [f"HTTP/1.1 {status} {reason}"]
    for k, v in headers:
        if k.lower() not in HOP:
            out.append(f"{k}: {v}")
    out.append(f"Content-Length: {len(body)}")
    out.append("Connection: keep-alive")
    sock.sendall(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body)


def error_response(sock, req_headers, status, code, message, sender=False):
    if is_json(req_headers):
        body = json.dumps({"__type": "com.amazonaws.sqs#" + code, "message": message}).encode()
        send_response(sock, status, "Error", [("Content-Type", "application/x-amz-json-1.0")], body)
    else:
        kind = "Sender" if sender else "Receiver"
        body = (f'<?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">'
                f"<Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message><Detail/></Error>"
                f"<RequestId>faultproxy</RequestId></ErrorResponse>").encode()
        send_response(sock, status, "Error", [("Content-Type", "text/xml")], body)


def reset(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    finally:
        sock.close()


def forward(upstream, method, path, headers, body):
    """Sends the request upstream; returns (status, reason, headers, body)."""
    fwd = [(k, v) for k, v in headers if k.lower() not in HOP]
    fwd.append(("Content-Length", str(len(body))))
    for attempt in (1, 2):
        try:
            if upstream[0] is None:
                upstream[0] = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=120)
            conn = upstream[0]
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for k, v in fwd:
                conn.putheader(k, v)
            conn.endheaders(body)
            resp = conn.getresponse()
            data = resp.read()
            if resp.will_close:
                conn.close()
                upstream[0] = None
            return resp.status, resp.reason, resp.getheaders(), data
        except (OSError, http.client.HTTPException):
            if upstream[0] is not None:
                upstream[0].close()
            upstream[0] = None
            if attempt == 2:
                raise


def split_batch(headers, body):
    """For batchfail: (body without every second entry, ids of the removed entries)."""
    if is_json(headers):
        doc = json.loads(body)
        entries = doc.get("Entries")
        if not entries or len(entries) < 2:
            return body, []
        keep = [e for i, e in enumerate(entries) if i % 2 == 0]
        removed = [e["Id"] for i, e in enumerate(entries) if i % 2 == 1]
        doc["Entries"] = keep
        return json.dumps(doc).encode(), removed
    params = urllib.parse.parse_qsl(body.decode(), keep_blank_values=True)
    if dict(params).get("Action") != "SendMessageBatch":
        return body, []
    entries = {}
    others = []
    prefix = "SendMessageBatchRequestEntry."
    for k, v in params:
        if k.startswith(prefix):
            n, _, field = k[len(prefix):].partition(".")
            entries.setdefault(int(n), []).append((field, v))
        else:
            others.append((k, v))
    if len(entries) < 2:
        return body, []
    out, removed, new_index = list(others), [], 0
    for i, n in enumerate(sorted(entries)):
        fields = entries[n]
        if i % 2 == 1:
            removed.append(dict(fields)["Id"])
            continue
        new_index += 1
        out += [(f"{prefix}{new_index}.{field}", v) for field, v in fields]
    return urllib.parse.urlencode(out, quote_via=urllib.parse.quote).encode(), removed


def add_failures(headers, body, removed):
    if is_json(headers):
        doc = json.loads(body)
        doc.setdefault("Failed", [])
        for i in removed:
            doc["Failed"].append({"Id": i, "SenderFault": False, "Code": "InternalError",
                                  "Message": "entry failed by faultproxy"})
        return json.dumps(doc).encode()
    text = body.decode()
    extra = "".join(f"<BatchResultErrorEntry><Id>{i}</Id><SenderFault>false</SenderFault><Code>InternalError</Code>"
                    f"<Message>entry failed by faultproxy</Message></BatchResultErrorEntry>" for i in removed)
    marker = "</SendMessageBatchResult>"
    if marker in text:
        text = text.replace(marker, extra + marker, 1)
    else:
        text = text.replace("<SendMessageBatchResult/>", "<SendMessageBatchResult>" + extra + marker, 1)
    return text.encode()


def handle(sock):
    upstream = [None]
    buf = b""
    with STATE.lock:
        STATE.conns.add(sock)
        STATE.stats["connections"] += 1
    try:
        while True:
            req = read_request(sock, buf)
            if req is None:
                return
            method, path, headers, body, buf = req
            mode, generation = STATE.take()
            if mode == "refuse":
                return
            if mode == "hang":
                STATE.wait_released(generation, STATE.hold)
                return
            if mode == "reset":
                reset(sock)
                return
            if mode == "http500":
                error_response(sock, headers, 500, "InternalError", "injected by faultproxy")
                continue
            if mode == "http503":
                error_response(sock, headers, 503, "ServiceUnavailable", "injected by faultproxy")
                continue
            if mode == "throttle":
                error_response(sock, headers, 400, "RequestThrottled" if is_json(headers) else "Throttling",
                               "Rate exceeded (injected by faultproxy)", sender=True)
                continue
            removed = []
            if mode == "batchfail":
                body, removed = split_batch(headers, body)
            try:
                status, reason, rheaders, rbody = forward(upstream, method, path, headers, body)
            except (OSError, http.client.HTTPException):
                with STATE.lock:
                    STATE.stats["upstream_errors"] += 1
                return
            if removed and 200 <= status < 300:
                rbody = add_failures(headers, rbody, removed)
                with STATE.lock:
                    STATE.stats["entries_failed"] += len(removed)
            with STATE.lock:
                STATE.stats["forwarded"] += 1
            send_response(sock, status, reason, rheaders, rbody)
    except (OSError, ValueError):
        return
    finally:
        with STATE.lock:
            STATE.conns.discard(sock)
        try:
            sock.close()
        except OSError:
            pass
        if upstream[0] is not None:
            upstream[0].close()


def listen(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(128)
    return s


def accept_loop():
    while True:
        s = LISTEN["sock"]
        try:
            conn, _ = s.accept()
        except OSError:
            # Closed for `refuse`: wait for the fault to end, then listen again.
            with STATE.lock:
                while STATE.active_mode_locked() == "refuse":
                    STATE.lock.wait(timeout=0.05)
            if LISTEN["sock"] is s:
                for _ in range(100):
                    try:
                        LISTEN["sock"] = listen(LISTEN["port"])
                        break
                    except OSError:
                        time.sleep(0.05)
            continue
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def start_refusing():
    s = LISTEN["sock"]
    with STATE.lock:
        conns = list(STATE.conns)
    for c in conns:
        try:
            c.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    s.close()


class Control(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/fault":
            mode = q.get("mode", "pass")
            if mode not in MODES:
                return self.reply(400, {"error": f"unknown mode {mode}; one of {sorted(MODES)}"})
            seconds = float(q.get("seconds", "0"))
            if mode == "refuse" and seconds <= 0:
                return self.reply(400, {"error": "refuse needs seconds > 0"})
            STATE.set(mode, int(q.get("count", "0")), seconds, float(q.get("hold", "0")))
            if mode == "refuse":
                start_refusing()
        elif url.path == "/pass":
            STATE.set("pass", 0, 0, 0)
        elif url.path == "/quit":
            self.reply(200, STATE.snapshot())
            os._exit(0)
        elif url.path != "/stats":
            return self.reply(404, {"error": "unknown path"})
        self.reply(200, STATE.snapshot())

    def reply(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    global UPSTREAM
    ap = argparse.ArgumentParser(description="fault-injecting proxy for the reliability tests")
    ap.add_argument("--upstream", required=True, help="http://127.0.0.1:PORT of the SQS emulator")
    ap.add_argument("--max-seconds", type=float, default=1800, help="exit after this long (default 1800)")
    ap.add_argument("--no-stdin-watch", action="store_true", help="do not exit when standard input closes")
    args = ap.parse_args()
    UPSTREAM = urllib.parse.urlparse(args.upstream)
    if UPSTREAM.hostname not in ("127.0.0.1", "localhost"):
        sys.exit("faultproxy: the upstream must be on 127.0.0.1")
    LISTEN["sock"] = listen(0)
    LISTEN["port"] = LISTEN["sock"].getsockname()[1]
    control = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Control)
    control.daemon_threads = True
    threading.Thread(target=accept_loop, daemon=True).start()
    threading.Timer(args.max_seconds, lambda: os._exit(0)).start()
    if not args.no_stdin_watch:
        def watch():
            while sys.stdin.buffer.read(4096):
                pass
            os._exit(0)
        threading.Thread(target=watch, daemon=True).start()
    print(f"faultproxy data={LISTEN['port']} control={control.server_address[1]}", flush=True)
    control.serve_forever()


if __name__ == "__main__":
    main()
