import Foundation
import PanoplyConnectors
import PanoplyKit
import PanoplyTestSupport
import PanoplyWorkspace
import Synchronization
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

/// Whole-program tests: ``TUIApp`` runs its real loop, reducer, renderer, run coordinator
/// and config store on an in-memory terminal, with scripted keys and resizes; the tests
/// wait for frames (with a deadline) and check effects and files.
@Suite("The whole UI on an in-memory terminal", .serialized)
struct TUIAppTests {
    /// One app session: its terminal, config folder, outbox, and what it did.
    final class Session: Sendable {
        let terminal: MemoryTerminal
        let dir: URL
        let app: Task<Int32, Error>
        private let effects: EffectLog

        var configDir: URL { dir.appendingPathComponent("config") }
        var outbox: URL { dir.appendingPathComponent("outbox") }
        /// Every effect the reducer asked for, in order.
        var recorded: [Effect] { effects.all }

        /// - Parameters:
        ///   - prepare: writes files into the config folder before the app starts.
        init(
            width: Int = 80, height: Int = 24, types: [any DataSource.Type] = [DemoSource.self],
            environment: [String: String] = [:], prepare: (URL) throws -> Void = { _ in }
        ) throws {
            let terminal = MemoryTerminal(width: width, height: height)
            let dir = try temporaryDirectory()
            self.terminal = terminal
            self.dir = dir
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("config"), withIntermediateDirectories: true)
            try prepare(dir.appendingPathComponent("config"))
            var launch = TUILaunch(
                registry: SourceRegistry(types),
                destination: DestinationSettings(kind: .outbox, outbox: dir.appendingPathComponent("outbox").path),
                destinationGiven: true, configDirectory: dir.appendingPathComponent("config").path)
            launch.environment = environment
            let effects = EffectLog()
            self.effects = effects
            app = Task { @MainActor in
                try await TUIApp.run(launch, terminal: terminal) { _, fx in effects.add(fx) }
            }
        }

        /// Waits for the list, then opens the demo source's form.
        func openDemoForm() async throws {
            try await terminal.waitForText("Saved sources")
            terminal.press(.enter)
            try await terminal.waitForText("New Demo source", "Rows")
        }

        /// The app's exit code, once it ended (within `limit`).
        func exitCode(within limit: Duration = .seconds(60)) async throws -> Int32 {
            try await PanoplyTUITests.exitCode(of: app, within: limit, terminal: terminal)
        }
    }

    @Test("the list shows the source types, the destination and the help bar from the key map")
    func listShowsTypesAndHelpBar() async throws {
        let s = try Session()
        let frame = try await s.terminal.waitForText("Saved sources", "Demo", "Destination", "↑↓ move")
        #expect(frame.line(23).contains("Enter open"))
        #expect(s.terminal.isStarted)
        s.terminal.press(.char("q"))
        #expect(try await s.exitCode() == 0)
        #expect(s.terminal.isStopped)
        #expect(s.recorded.contains(.quit))
    }

    @Test("a form filled in and started runs the demo source to done into the outbox, and the source is saved")
    func formRunsToDone() async throws {
        let s = try Session()
        try await s.openDemoForm()
        s.terminal.type("3000")
        s.terminal.press(.ctrl("s"))
        try await s.terminal.waitForText("done", "100%", within: .seconds(60))
        #expect(
            s.recorded.contains {
                if case .startRun(let r) = $0 { return r.type == "demo" }; return false
            })
        let saved = try String(contentsOf: s.configDir.appendingPathComponent("sources.json"), encoding: .utf8)
        #expect(saved.contains("\"rows\" : \"3000\""), "\(saved)")
        s.terminal.press(.escape)
        try await s.terminal.waitForText("Saved sources", "done · 3,000 delivered")
        s.terminal.press(.char("q"))
        #expect(try await s.exitCode() == 0)
        let records = try FileManager.default.contentsOfDirectory(atPath: s.outbox.path).filter { $0.hasSuffix(".ndjson") }
            .map { try String(contentsOf: s.outbox.appendingPathComponent($0), encoding: .utf8) }
            .joined().split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(records.count == 3000)
    }

    @Test("? shows every screen's keys from the key map, and any key closes it")
    func helpOverlay() async throws {
        let s = try Session(width: 100, height: 30)
        try await s.terminal.waitForText("Saved sources")
        s.terminal.press(.char("?"))
        let help = try await s.terminal.waitForText("Keys", "Everywhere", "Source list", "Form", "Run view", "any key close help")
        #expect(help.text.contains("filter the log"))
        s.terminal.press(.char("x"))
        try await s.terminal.waitForFrame("the help closed") { !$0.text.contains("Everywhere") && $0.text.contains("Saved sources") }
        s.terminal.press(.char("q"))
        #expect(try await s.exitCode() == 0)
    }

    @Test("resizing to too small says so, and back shows the list again")
    func resizeTooSmallAndBack() async throws {
        let s = try Session()
        try await s.terminal.waitForText("Saved sources")
        s.terminal.resize(width: 50, height: 12)
        let small = try await s.terminal.waitForText("Terminal too small (50x12)", "Panoply needs at least 60x16.")
        #expect(small.width == 50 && small.height == 12)
        s.terminal.resize(width: 90, height: 30)
        let back = try await s.terminal.waitForText("Saved sources", "Demo")
        #expect(back.width == 90 && back.height == 30)
        s.terminal.press(.char("q"))
        #expect(try await s.exitCode() == 0)
    }

    @Test("q while a run is active asks first; yes cancels the run, closes its SDK and ends the app")
    func quitWhileRunning() async throws {
        let s = try Session()
        try await s.openDemoForm()
        s.terminal.type("1000000")
        s.terminal.press(.tab, .tab)
        s.terminal.type("20")  // delay_ms: a slow run
        s.terminal.press(.ctrl("s"))
        try await s.terminal.waitForText("running", "records")
        s.terminal.press(.char("q"))
        try await s.terminal.waitForText("Quit while 1 run is active?")
        s.terminal.press(.char("y"))
        #expect(try await s.exitCode(within: .seconds(40)) == 0, "the run's SDK closed before the app ended")
        #expect(
            s.recorded.contains {
                if case .cancelRun = $0 { return true }; return false
            })
        #expect(s.recorded.contains(.quit))
        let saved = try String(contentsOf: s.configDir.appendingPathComponent("sources.json"), encoding: .utf8)
        #expect(saved.contains("cancelled"), "\(saved)")
    }
}

/// Effects seen by the app's observer.
final class EffectLog: Sendable {
    private let effects = Mutex<[Effect]>([])
    func add(_ e: [Effect]) { effects.withLock { $0 += e } }
    var all: [Effect] { effects.withLock { $0 } }
}
