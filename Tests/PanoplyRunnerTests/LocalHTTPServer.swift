import Foundation

/// A tiny HTTP server (python3, standard library) on 127.0.0.1 for token-refresh tests:
/// `POST /token` with `refresh_token=good` answers a new access token, anything else 400;
/// `GET /slow?ms=N` answers after N milliseconds; `GET /count` says how many /token calls came.
final class LocalHTTPServer: @unchecked Sendable {
    let process = Process()
    let port: Int
    private let stdin = Pipe()

    static let script = #"""
        import http.server, json, os, sys, threading, time, urllib.parse
        # Exit when the test process closes our stdin (or dies), never outliving it.
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
        calls = {"token": 0}
        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a): pass
            def reply(self, code, obj):
                body = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                form = urllib.parse.parse_qs(self.rfile.read(n).decode())
                if self.path == "/token":
                    calls["token"] += 1
                    if form.get("refresh_token") == ["good"] and form.get("client_id") == ["cid"]:
                        self.reply(200, {"access_token": "fresh-%d" % calls["token"], "token_type": "bearer"})
                    else:
                        self.reply(400, {"error": "invalid_grant"})
                else:
                    self.reply(404, {})
            def do_GET(self):
                u = urllib.parse.urlparse(self.path)
                if u.path == "/slow":
                    time.sleep(int(urllib.parse.parse_qs(u.query)["ms"][0]) / 1000)
                    self.reply(200, {"ok": True})
                elif u.path == "/count":
                    self.reply(200, calls)
                else:
                    self.reply(404, {})
        s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        print(s.server_address[1], flush=True)
        s.timeout = 1
        deadline = time.time() + 120
        while time.time() < deadline:
            s.handle_request()
        """#

    init() throws {
        let out = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script]
        process.standardOutput = out
        process.standardInput = stdin
        // Not inherited: a child holding the test runner's stderr would keep `swift test` waiting.
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data([0x0A]) {
            line.append(byte)
        }
        guard let p = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw Timeout(description: "the local HTTP server did not start")
        }
        port = p
    }

    var base: URL { URL(string: "http://127.0.0.1:\(port)")! }

    deinit {
        try? stdin.fileHandleForWriting.close()
        process.terminate()
    }
}
