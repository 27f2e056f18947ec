import Foundation
import PanoplyKit
import Testing

@testable import PanoplyConnectors

/// The tap as a process: what it starts ends with it, and a line without end does not
/// take the program's memory.
@Suite("Singer tap processes", .enabled(if: PythonFixtures.available))
struct SingerSubprocessTests {
    @Test("cancelling a run ends the tap and the processes it started (its process group)")
    func cancelEndsTheGroup() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let tapPid = h.path("tap.pid"), childPid = h.path("child.pid")
        let tap = try ScriptTap(
            in: h.path("bin"),
            body: """
                echo $$ > '\(tapPid)'
                sleep 1000 &
                echo $! > '\(childPid)'
                echo "child started" >&2
                wait
                """)
        let out = try await h.run(try tap.kind(), ["config": "{}"]) { event, runner in
            if case .log(let line) = event, line.contains("child started") { runner.cancel() }
        }
        #expect(out.summary.status == .cancelled)
        let pids = try [tapPid, childPid].map {
            try #require(Int32(String(contentsOfFile: $0, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        defer { for pid in pids where !Self.isGone(pid) { kill(pid, SIGKILL) } }
        let deadline = ContinuousClock.now + .seconds(5)
        while pids.contains(where: { !Self.isGone($0) }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(Self.isGone(pids[0]), "the tap (pid \(pids[0])) still runs")
        #expect(Self.isGone(pids[1]), "the tap's child (pid \(pids[1])) still runs after the run was cancelled")
    }

    @Test(
        "a tap that ends leaving a process that holds its output: the run completes and that process is ended",
        .timeLimit(.minutes(1)))
    func orphanHoldingOutput() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let childPid = h.path("child.pid")
        let tap = try ScriptTap(
            in: h.path("bin"),
            body: """
                sleep 1000 &
                echo $! > '\(childPid)'
                \(ScriptTap.emit([ScriptTap.record(1), ScriptTap.state(1)]))
                """)
        let out = try await h.run(try tap.kind(), ["config": "{}"])
        #expect(out.summary.status == .done, "\(String(describing: out.summary.error))")
        #expect(try h.deliveredIds() == [1])
        #expect(out.summary.state[path: "singer.bookmarks.s.last_id"] == 1)
        let pid = try #require(Int32(String(contentsOfFile: childPid, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { if !Self.isGone(pid) { kill(pid, SIGKILL) } }
        let deadline = ContinuousClock.now + .seconds(5)
        while !Self.isGone(pid), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(Self.isGone(pid), "the tap's child (pid \(pid)) still runs after the run ended")
    }

    /// No such process, or a zombie nobody reaped yet (an orphan's parent may be a PID 1
    /// that does not reap).
    static func isGone(_ pid: Int32) -> Bool {
        if kill(pid, 0) != 0 { return errno == ESRCH }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return true }
        return stat[close...].dropFirst(2).first == "Z"
    }

    @Test(
        "a 100 MiB line fails the run naming the 64 MiB limit; panoply stays under 200 MiB",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time")),
        .timeLimit(.minutes(3)))
    func hugeLine() async throws {
        let h = try RunHarness()
        defer { h.remove() }
        let binary = try #require(serviceEnv("PANOPLY_BIN"), "set PANOPLY_BIN to the built panoply")
        // A RECORD of 100 MiB: the shell writes it in small pieces, so the tap stays small.
        let tap = try ScriptTap(
            in: h.path("bin"),
            body: #"""
                printf '%s\n' '{"type": "RECORD", "stream": "s", "record": {"id": 1, "v": 1}}'
                printf '%s' '{"type": "RECORD", "stream": "s", "record": {"id": 2, "v": "'
                head -c 104857600 /dev/zero | tr '\0' x
                printf '%s\n' '"}}'
                """#)
        let run = try await Self.measured(
            binary,
            [
                "run", "singer:\(tap.path)", "--param", "config={}", "--outbox", h.outbox,
                "--state", h.stateFile, "--flush-interval", "0.05"
            ], in: h)
        #expect(run.status != 0)
        #expect(run.stderr.contains("64 MiB"), "\(run.stderr.suffix(2000))")
        #expect(run.maxRSSKiB > 0 && run.maxRSSKiB < 200 * 1024, "panoply's peak memory: \(run.maxRSSKiB / 1024) MiB")
        #expect(try h.delivered().compactMap { $0["id"]?.intValue } == [1])
    }

    struct Measured { var status: Int32; var stderr: String; var maxRSSKiB: Int }

    /// Runs `binary ARGS` under `/usr/bin/time` and returns its exit status, its stderr and
    /// its peak resident memory (of it and its children).
    static func measured(_ binary: String, _ args: [String], in h: RunHarness) async throws -> Measured {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        p.arguments = ["-f", "maxrss=%M"] + [binary] + args
        var env = PythonFixtures.tapEnvironment
        for k in ["PANOPLY_API_KEY", "PANOPLY_API_SECRET", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] { env[k] = nil }
        p.environment = env
        let errPath = h.path("stderr.txt")
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        p.standardOutput = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let deadline = ContinuousClock.now + .seconds(150)
        while p.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        let err = try String(contentsOfFile: errPath, encoding: .utf8)
        let rss = err.split(separator: "\n").last { $0.hasPrefix("maxrss=") }.flatMap { Int($0.dropFirst(7)) } ?? -1
        return Measured(status: p.terminationStatus, stderr: err, maxRSSKiB: rss)
    }
}
