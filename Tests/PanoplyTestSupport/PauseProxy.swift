import Foundation

/// A TCP proxy in front of the test PostgreSQL (python3, 127.0.0.1 only) that the test can
/// blackhole: after ``pause()`` it forwards no byte either way on its connections, new ones
/// included (they are accepted and then hear nothing), as a server cut off by the network.
/// Told on its standard input (not by signals: a test process's threads may block them,
/// and a child inherits that); ends with the test (its input closes) or after ten minutes.
package final class PauseProxy: Sendable {
    package let child: Child
    package let port: Int

    private static let script = """
        import os, socket, sys, threading, time
        up_host, up_port = sys.argv[1], int(sys.argv[2])
        paused = threading.Event()
        def pump(a, b):
            try:
                while True:
                    data = a.recv(65536)
                    while paused.is_set():
                        time.sleep(0.05)
                    if not data:
                        break
                    b.sendall(data)
            except OSError:
                pass
            for s in (a, b):
                try: s.shutdown(socket.SHUT_RDWR)
                except OSError: pass
        def serve(listener):
            while True:
                c, _ = listener.accept()
                try:
                    u = socket.create_connection((up_host, up_port))
                except OSError:
                    c.close(); continue
                threading.Thread(target=pump, args=(c, u), daemon=True).start()
                threading.Thread(target=pump, args=(u, c), daemon=True).start()
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0)); listener.listen(64)
        print("port=%d" % listener.getsockname()[1], flush=True)
        threading.Thread(target=serve, args=(listener,), daemon=True).start()
        def watch_stdin():
            for line in sys.stdin:
                if line.strip() == "pause": paused.set()
                if line.strip() == "resume": paused.clear()
            os._exit(0)
        threading.Thread(target=watch_stdin, daemon=True).start()
        time.sleep(600); os._exit(0)
        """

    package init(upstreamHost: String, upstreamPort: Int) throws {
        let child = try Child.start("/usr/bin/env", ["python3", "-c", Self.script, upstreamHost, String(upstreamPort)])
        self.child = child
        var line = ""
        try waitUntil("the pause proxy to listen", within: .seconds(30)) {
            line = child.stdout
            if !child.isRunning { throw TestFailure("the pause proxy exited: \(child.stderr)") }
            return line.contains("\n")
        }
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "port=", with: "")) else {
            throw TestFailure("the pause proxy printed '\(line)'")
        }
        self.port = port
    }

    deinit { stop() }

    /// Blackholes every connection, open and new.
    package func pause() { child.write(Data("pause\n".utf8)) }

    /// Forwards again what was held.
    package func resume() { child.write(Data("resume\n".utf8)) }

    package func stop() {
        child.closeInput()
        child.kill9()
    }
}
