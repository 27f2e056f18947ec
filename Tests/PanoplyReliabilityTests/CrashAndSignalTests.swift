import Foundation
import PanoplyKit
import Testing

/// The destination options for `panoply send/run` to a queue (on moto, or through the proxy).
func destinationArgs(_ creds: PanoplyCredentials, queueURL: String) -> [String] {
    [
        "--queue-url", queueURL, "--api-key", creds.apiKey, "--api-secret", creds.apiSecret,
        "--aws-access-key-id", "testing", "--aws-secret-access-key", "testing"
    ]
}

/// The number after `records=` in a summary line.
func summaryRecords(_ stdout: String) -> Int? {
    guard let r = stdout.range(of: #"records=\d+ messages="#, options: .regularExpression) else { return nil }
    return Int(stdout[r].dropFirst("records=".count).prefix { $0.isNumber })
}

/// The N in "N records were not delivered".
func undeliveredCount(_ stderr: String) -> Int? {
    guard let r = stderr.range(of: #"\d+ records were not delivered"#, options: .regularExpression) else { return nil }
    return Int(stderr[r].prefix { $0.isNumber })
}

@Suite("Crashes and signals", .serialized, .enabled(if: Moto.available, Moto.skipMessage))
struct CrashAndSignalTests {
    struct Rig {
        let creds: PanoplyCredentials
        let motoQueue: String
        let proxy: FaultProxy
        let dir: URL
        var spool: String { dir.appendingPathComponent("spool").path }
        var args: [String] { destinationArgs(creds, queueURL: proxy.queueURL(motoQueue)) }
    }

    static func rig() throws -> Rig {
        let creds = try Moto.credentials()
        let queue = try Moto.createQueue(creds.queueName)
        return Rig(creds: creds, motoQueue: queue, proxy: try FaultProxy(upstream: try Moto.endpoint()), dir: try temporaryDirectory())
    }

    /// SIGTERM to a child started with `--shutdown-timeout 2` and the destination down:
    /// it must exit 3 well within a few seconds, saying the records stay in the spool.
    static func terminateExpectingExit3(_ child: Child) throws -> Child.Exit {
        let signalled = ContinuousClock.now
        child.signal(SIGTERM)
        let exit = try child.waitForExit(within: .seconds(30))
        let took = (ContinuousClock.now - signalled).seconds
        #expect(exit.status == 3, "\(exit.stderr)")
        #expect(took < 8, "exit took \(took)s with --shutdown-timeout 2")
        #expect(exit.stderr.contains("stay in the spool"), "\(exit.stderr)")
        return exit
    }

    @Test("send killed with SIGKILL after its input was consumed: the next run with the same spool delivers every record")
    func sigkillThenRestartDeliversEverything() async throws {
        let rig = try Self.rig()
        defer { rig.proxy.stop() }
        let n = 20_000
        let input = rig.dir.appendingPathComponent("in.ndjson")
        try ndjson(1...n).write(to: input)
        try await rig.proxy.fault("hang")  // requests are held: nothing is acknowledged

        let first = try Child.start(
            CLI.binary,
            [
                "send", "events", "--file", input.path, "--spool", rig.spool,
                "--max-message-bytes", "16384", "--flush-interval", "0.2"
            ] + rig.args)
        defer { first.kill9() }
        try waitUntil("every record of the input to be in the spool", within: .seconds(120)) {
            if !first.isRunning { throw TestFailure("send exited early: \(first.stderr)") }
            return try spooledRecords(rig.spool) == n
        }
        first.signal(SIGKILL)
        let killed = try first.waitForExit(within: .seconds(10))
        #expect(killed.signalled && killed.status == SIGKILL)

        try await rig.proxy.pass()
        let second = try CLI.run(["send", "events", "--spool", rig.spool] + rig.args, timeout: .seconds(180))
        #expect(second.status == 0, "\(second.stderr)")
        #expect(summaryRecords(second.stdout) == n, "\(second.stdout)")
        let delivery = try Moto.drain(rig.motoQueue, expect: n)
        print("SIGKILL + restart: \(delivery)")
        #expect(delivery.isComplete(n), "\(delivery)")
        #expect(try spooledRecords(rig.spool) == 0)
    }

    @Test(
        "SIGTERM and SIGINT on send flush what was read (also the open message) and exit 0",
        arguments: [SIGTERM, SIGINT])
    func signalOnSendFlushesAndExits0(sig: Int32) async throws {
        let rig = try Self.rig()
        defer { rig.proxy.stop() }
        // A long flush interval: the last message is only sealed because of the signal.
        let child = try Child.start(
            CLI.binary,
            [
                "send", "events", "--spool", rig.spool, "--flush-interval", "60",
                "--shutdown-timeout", "30"
            ] + rig.args)
        defer { child.kill9() }
        child.write(ndjson(1...20_000))  // standard input stays open
        try waitUntil("the first message to arrive", within: .seconds(60)) { try Moto.depth(rig.motoQueue) > 0 }
        child.signal(sig)
        let exit = try child.waitForExit(within: .seconds(40))
        #expect(exit.status == 0, "\(exit.stderr)")
        #expect(exit.stderr.contains("flushing"))
        let k = try #require(summaryRecords(exit.stdout), "\(exit.stdout)")
        let delivery = try Moto.drain(rig.motoQueue, expect: k)
        print("send \(SignalWatcherName(sig)): accepted \(k), \(delivery)")
        #expect(k > 0)
        #expect(delivery.isComplete(k), "every accepted record arrives: \(delivery)")
        #expect(try spooledRecords(rig.spool) == 0)
    }

    @Test("SIGTERM on send with the destination unreachable exits 3 within --shutdown-timeout, naming the records left in the spool")
    func signalOnSendWithDestinationDownExits3() async throws {
        let rig = try Self.rig()
        defer { rig.proxy.stop() }
        try await rig.proxy.fault("hang")
        let child = try Child.start(
            CLI.binary,
            [
                "send", "events", "--spool", rig.spool, "--flush-interval", "0.2",
                "--max-message-bytes", "16384", "--shutdown-timeout", "2"
            ] + rig.args)
        defer { child.kill9() }
        child.write(ndjson(1...5_000))
        try waitUntil("records in the spool", within: .seconds(60)) { try spooledRecords(rig.spool) > 0 }
        let exit = try Self.terminateExpectingExit3(child)
        let left = try #require(undeliveredCount(exit.stderr), "\(exit.stderr)")
        let spooled = try spooledRecords(rig.spool)
        #expect(left == spooled, "stderr names \(left), spool holds \(spooled)")
        #expect(left == summaryRecords(exit.stdout), "\(exit.stdout)")

        // They are not lost: the next start sends them.
        try await rig.proxy.pass()
        let again = try CLI.run(["send", "events", "--spool", rig.spool] + rig.args)
        #expect(again.status == 0, "\(again.stderr)")
        let delivery = try Moto.drain(rig.motoQueue, expect: left)
        #expect(delivery.isComplete(left), "\(delivery)")
    }

    @Test("SIGTERM during send's end-of-input drain, with the destination unreachable, exits 3 within --shutdown-timeout")
    func signalDuringEndOfInputDrainIsBounded() async throws {
        let rig = try Self.rig()
        defer { rig.proxy.stop() }
        try await rig.proxy.fault("hang")
        let n = 3_000
        let input = rig.dir.appendingPathComponent("in.ndjson")
        try ndjson(1...n).write(to: input)
        // The whole input is read at once: send is waiting in its final close, which
        // without a signal waits as long as the retry policy does.
        let child = try Child.start(
            CLI.binary,
            [
                "send", "events", "--file", input.path, "--spool", rig.spool,
                "--flush-interval", "0.2", "--max-message-bytes", "16384",
                "--shutdown-timeout", "2"
            ] + rig.args)
        defer { child.kill9() }
        try waitUntil("every record in the spool", within: .seconds(60)) {
            if !child.isRunning { throw TestFailure("send exited early: \(child.stderr)") }
            return try spooledRecords(rig.spool) == n
        }
        let exit = try Self.terminateExpectingExit3(child)
        #expect(undeliveredCount(exit.stderr) == n, "\(exit.stderr)")
        #expect(summaryRecords(exit.stdout) == n, "\(exit.stdout)")
        #expect(try spooledRecords(rig.spool) == n)
    }

    @Test(
        "SIGINT and SIGTERM on run cancel, flush and exit 5 (cancelled) with every record read delivered",
        arguments: [SIGINT, SIGTERM])
    func signalOnRunFlushesAndExits5(sig: Int32) async throws {
        let rig = try Self.rig()
        defer { rig.proxy.stop() }
        let state = rig.dir.appendingPathComponent("demo.state").path
        let child = try Child.start(
            CLI.binary,
            [
                "run", "demo", "--param", "rows=1000000", "--param", "delay_ms=20",
                "--param", "destination=events", "--events", "json", "--state", state,
                "--spool", rig.spool, "--flush-interval", "60", "--shutdown-timeout", "30"
            ] + rig.args)
        defer { child.kill9() }
        try waitUntil("a committed state", within: .seconds(60)) {
            if !child.isRunning { throw TestFailure("run exited early: \(child.stderr)") }
            return child.stdout.contains("\"event\":\"state\"") || child.stdout.contains("\"event\":\"progress\"")
        }
        child.signal(sig)
        let exit = try child.waitForExit(within: .seconds(40))
        #expect(exit.status == 5, "a cancelled run exits 5: \(exit.stderr)")
        #expect(exit.stdout.contains("\"event\":\"cancelled\""))
        let k = try #require(summaryRecords(exit.stdout), "\(exit.stdout.suffix(500))")
        let delivery = try Moto.drain(rig.motoQueue, expect: k)
        print("run \(SignalWatcherName(sig)): read \(k), \(delivery)")
        #expect(k > 0 && k < 1_000_000)
        #expect(delivery.isComplete(k), "\(delivery)")
        let next = try #require(try StateFile.load(state)?["demo"]?[path: "next_id"]?.intValue)
        #expect(next == k + 1, "the committed state covers every delivered record")
    }

    @Test("SIGTERM on run with the destination unreachable exits 3 within --shutdown-timeout, naming the records left in the spool")
    func signalOnRunWithDestinationDownExits3() async throws {
        let rig = try Self.rig()
        defer { rig.proxy.stop() }
        try await rig.proxy.fault("hang")
        let child = try Child.start(
            CLI.binary,
            [
                "run", "demo", "--param", "rows=1000000", "--param", "delay_ms=5",
                "--param", "destination=events", "--spool", rig.spool,
                "--max-message-bytes", "16384", "--flush-interval", "0.2",
                "--shutdown-timeout", "2"
            ] + rig.args)
        defer { child.kill9() }
        try waitUntil("records in the spool", within: .seconds(60)) { try spooledRecords(rig.spool) > 0 }
        let exit = try Self.terminateExpectingExit3(child)
        let left = try #require(undeliveredCount(exit.stderr), "\(exit.stderr)")
        let spooled = try spooledRecords(rig.spool)
        #expect(left == spooled, "stderr names \(left), spool holds \(spooled)")
    }
}

func SignalWatcherName(_ sig: Int32) -> String { sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal \(sig)" }
