import Foundation
import PanoplyKit
import Testing

/// `panoply run` cancelled (SIGINT) while its destination is down, and runs that do not
/// end before `--shutdown-timeout` (issue 25). No moto: the destination is a port that
/// accepts connections and never answers.
@Suite("Cancelling a run while the destination is down", .serialized)
struct CancelLivenessTests {
    static let python = ProcessInfo.processInfo.environment["PANOPLY_TEST_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }

    /// The destination options for a queue on `server` (SigV4 with made-up keys).
    static func queueArgs(_ server: SilentServer) -> [String] {
        [
            "--queue-url", "http://127.0.0.1:\(server.port)/123456789012/events",
            "--aws-access-key-id", "x", "--aws-secret-access-key", "y",
            "--max-message-bytes", "16384", "--concurrency", "1"
        ]
    }

    /// SIGINT to `child`, then its exit, with the seconds from the signal to the exit.
    static func interrupt(_ child: Child) throws -> (Child.Exit, Double) {
        let signalled = ContinuousClock.now
        child.signal(SIGINT)
        let exit = try child.waitForExit(within: .seconds(60))
        return (exit, (ContinuousClock.now - signalled).seconds)
    }

    @Test("SIGINT while the writer waits for room with the destination down exits 3 within --shutdown-timeout, with the summary")
    func sigintWhileWriterBlockedExits3() throws {
        let server = try SilentServer()
        defer { server.stop() }
        let child = try Child.start(
            CLI.binary,
            [
                "run", "demo", "--param", "rows=5000000", "--param", "destination=events",
                "--events", "json", "--shutdown-timeout", "3"
            ] + Self.queueArgs(server))
        defer { child.kill9() }
        try waitUntil("the writer to wait for room (the buffer full, nothing acknowledged)", within: .seconds(60)) {
            if !child.isRunning { throw TestFailure("run exited early: \(child.stderr)") }
            return writerIsBlocked(child.stdout)
        }
        let (exit, took) = try Self.interrupt(child)
        #expect(exit.status == 3, "\(exit.stderr)")
        #expect(took < 3 + 2, "exit took \(took)s with --shutdown-timeout 3")
        let read = try #require(summaryRecords(exit.stdout), "the summary line is printed: \(exit.stdout.suffix(500))")
        #expect(read > 0)
        #expect((undeliveredCount(exit.stderr) ?? 0) > 0, "\(exit.stderr)")
        #expect(exit.stderr.contains("no --spool: they are lost"), "\(exit.stderr)")
    }

    @Test(
        "SIGINT while the writer waits for room wakes it at once: the source is stopped long before --shutdown-timeout",
        .enabled(if: python != nil, "needs PANOPLY_TEST_PYTHON"))
    func sigintWakesBlockedWriterAtOnce() throws {
        let server = try SilentServer()
        defer { server.stop() }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = dir.appendingPathComponent("stopped").path
        let child = try Child.start(
            CLI.binary,
            [
                "run", "python:t_liveness", "--param", "rows=0", "--param", "marker=\(marker)",
                "--events", "json", "--shutdown-timeout", "6"
            ] + Self.queueArgs(server),
            environment: try pythonEnvironment(dir, grace: 0.5))
        defer { child.kill9() }
        try waitUntil("the writer to wait for room (the buffer full, nothing acknowledged)", within: .seconds(60)) {
            if !child.isRunning { throw TestFailure("run exited early: \(child.stderr)") }
            return writerIsBlocked(child.stdout)
        }
        let signalled = ContinuousClock.now
        child.signal(SIGINT)
        var stoppedAfter: Double?
        try? waitUntil("the source to be stopped", within: .seconds(5)) {
            guard FileManager.default.fileExists(atPath: marker) else { return false }
            stoppedAfter = (ContinuousClock.now - signalled).seconds
            return true
        }
        let exit = try child.waitForExit(within: .seconds(60))
        let took = (ContinuousClock.now - signalled).seconds
        let stopped = try #require(stoppedAfter, "the cancelled run stops its source before the shutdown timeout (6s)")
        #expect(stopped < 3, "the source was stopped \(stopped)s after SIGINT (--shutdown-timeout 6)")
        #expect(exit.status == 3, "\(exit.stderr)")
        #expect(took < 6 + 2, "exit took \(took)s with --shutdown-timeout 6")
        #expect(summaryRecords(exit.stdout) != nil, "\(exit.stdout.suffix(300))")
    }

    @Test(
        "a run that cannot end before --shutdown-timeout (its source ignores SIGTERM) does not exit 0, though every record was delivered",
        .enabled(if: python != nil, "needs PANOPLY_TEST_PYTHON"))
    func runThatNeverEndsIsNotSuccess() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outbox = dir.appendingPathComponent("out").path
        let child = try Child.start(
            CLI.binary,
            [
                "run", "python:t_liveness", "--param", "rows=2000",
                "--param", "marker=\(dir.appendingPathComponent("stopped").path)",
                "--events", "json", "--flush-interval", "0.2", "--outbox", outbox, "--shutdown-timeout", "2"
            ],
            environment: try pythonEnvironment(dir, grace: 10))
        defer { child.kill9() }
        try waitUntil("every record delivered and the source hanging", within: .seconds(60)) {
            if !child.isRunning { throw TestFailure("run exited early: \(child.stderr)") }
            return child.stdout.contains("hanging now") && delivered(child.stdout) == 2000
        }
        let (exit, took) = try Self.interrupt(child)
        #expect(exit.status == 1, "a run that did not end exits 1, not \(exit.status): \(exit.stderr)")
        #expect(exit.stderr.contains("did not end"), "\(exit.stderr)")
        #expect(took < 2 + 2, "exit took \(took)s with --shutdown-timeout 2")
        #expect(summaryRecords(exit.stdout) == 2000, "\(exit.stdout.suffix(300))")
    }
}

/// `rows` records of about 1 KB (0: endless); then read() logs "hanging now" and hangs,
/// ignoring SIGTERM, while its parent lives. It appends to the file `marker` when it is
/// stopped (SIGTERM), closed, or exits.
let livenessModule = """
    import atexit, os, signal, time
    import panoply

    CONFIG = {"title": "Liveness", "params": [{"name": "rows", "required": True}, {"name": "marker", "required": True}]}


    class Stream(panoply.DataSource):
        def __init__(self, source, options, *args, **kwargs):
            super().__init__(source, options, *args, **kwargs)
            self.rows = int(source["rows"])
            self.marker = source["marker"]
            self.next = 1
            atexit.register(self.mark, "exit")
            signal.signal(signal.SIGTERM, self.stopped)

        def mark(self, how):
            with open(self.marker, "a") as f:
                f.write(how + "\\n")

        def stopped(self, *args):
            self.mark("SIGTERM")
            os._exit(0)

        def read(self, n=None):
            if self.rows and self.next > self.rows:
                self.log("hanging now")
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                parent, deadline = os.getppid(), time.time() + 120
                while os.getppid() == parent and time.time() < deadline:
                    time.sleep(0.1)
                return None
            end = self.next + 200 if not self.rows else min(self.next + 200, self.rows + 1)
            batch = [{"id": i, "pad": "x" * 1000} for i in range(self.next, end)]
            self.next = end
            return batch

        def close(self):
            self.mark("close")

    """

/// The environment for `python:t_liveness` (written into `dir`), with `grace` seconds
/// between SIGTERM and SIGKILL when panoply stops it.
func pythonEnvironment(_ dir: URL, grace: Double) throws -> [String: String] {
    try livenessModule.write(to: dir.appendingPathComponent("t_liveness.py"), atomically: true, encoding: .utf8)
    return ["PYTHONPATH": dir.path, "PANOPLY_PYTHON": CancelLivenessTests.python ?? "python3", "PANOPLY_SUBPROCESS_GRACE": "\(grace)"]
}

/// The `counters` objects of a run's `--events json` output, in order.
func countersEvents(_ stdout: String) -> [JSONValue] {
    stdout.split(separator: "\n").filter { $0.contains("\"event\":\"counters\"") }.compactMap {
        (try? JSONParser.parse(String($0)))?[path: "counters"]
    }
}

/// The records delivered, by the last counters event.
func delivered(_ stdout: String) -> Int {
    countersEvents(stdout).last?[path: "delivered"]?.intValue ?? 0
}

/// True when the last three counters events show records written, none delivered, and no
/// new record: the writer waits for room.
func writerIsBlocked(_ stdout: String) -> Bool {
    let last = countersEvents(stdout).suffix(3)
    guard last.count == 3 else { return false }
    let records = last.map { $0[path: "records"]?.intValue ?? -1 }
    return records[0] > 0 && Set(records).count == 1 && last.allSatisfy { $0[path: "delivered"]?.intValue == 0 }
}

/// A TCP port that accepts connections (in the kernel's backlog) and never answers: a
/// destination that hangs.
final class SilentServer: Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound, listen(fd, 64) == 0 else { close(fd); throw TestFailure("bind/listen: \(String(cString: strerror(errno)))") }
        self.fd = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    func stop() { close(fd) }
}
