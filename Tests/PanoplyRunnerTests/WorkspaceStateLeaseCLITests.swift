import Foundation
import PanoplyKit
import Testing

extension WorkspaceCLITests {
    @Test("save of a source whose run holds its lease on another machine is refused with 4 naming the run; once it ended, it resets the state")
    func saveWhileRunningElsewhere() throws {
        let (_, _, b, _, runA) = try Self.slowDemoRunningOnA()
        defer { runA.kill9() }
        let refused = try b.run(["save", "Slow demo", "demo", "--param", "rows=10"])
        #expect(refused.status == 4, "\(refused.stderr)")
        #expect(refused.stderr.contains("'Slow demo' is already running (pid \(runA.pid) on "), "\(refused.stderr)")
        let cancel = try b.run(["cancel", "Slow demo", "--wait"])
        #expect(cancel.status == 5, "\(cancel.stderr)")
        _ = try runA.waitForExit(within: .seconds(30))

        // Its committed state (past id 300) went with the params: the next run reads ids 1-10.
        let saved = try b.run(["save", "Slow demo", "demo", "--param", "rows=10"])
        #expect(saved.status == 0, "\(saved.stderr)")
        #expect(saved.stdout.contains("its params changed, so its next run starts over"), "\(saved.stdout)")
        let outB = b.home.appendingPathComponent("out")
        let next = try b.run(["run", "--saved", "Slow demo", "--outbox", outB.path])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("no committed state to resume from"), "the reset state is not resumed: \(next.stderr)")
        #expect(Set(try outboxIds(outB)) == Set(1...10))
    }

    @Test("rotate-key while a run goes on another machine is refused (exit 2) naming the source; nothing changes")
    func rotateKeyWhileRunning() throws {
        let (_, a, b) = try Self.workspace()
        try Self.saveSlowDemo(a)
        let runA = try a.start(["run", "--saved", "Slow demo", "--outbox", a.home.appendingPathComponent("out").path])
        defer { runA.kill9() }
        _ = try Self.waitRunning(b, runA)
        let keyFile = b.home.appendingPathComponent("new.key")
        try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString().write(to: keyFile, atomically: true, encoding: .utf8)
        let rotate = try b.run(["workspace", "rotate-key", "--new-key-file", keyFile.path])
        #expect(rotate.status == 2, "\(rotate.stderr)")
        #expect(rotate.stderr.contains("'Slow demo' is running"), "\(rotate.stderr)")
        let cancel = try b.run(["cancel", "Slow demo", "--wait"])
        #expect(cancel.status == 5, "\(cancel.stderr)")
    }
}
