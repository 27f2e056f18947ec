import Foundation
import PanoplyKit
import PanoplyTestSupport
import PanoplyWorkspace
import Testing

@testable import PanoplyTUI
@testable import PanoplyTUICore

/// The picker in the whole program: the real loop, values computed in the background by
/// the app's loader, the runner reading the picked tables, on an in-memory terminal.
@Suite("The list-field picker in the whole UI", .serialized)
struct PickerAppTests {
    /// Starts the UI on the shop form with `password`, the focus moved to Tables. (Not on
    /// the main actor: the app's loop holds it while it waits for keys.)
    static func start(password: String) async throws -> (MemoryTerminal, URL, Task<Int32, Error>) {
        let terminal = MemoryTerminal(width: 100, height: 30)
        let dir = try temporaryDirectory()
        let launch = TUILaunch(
            registry: SourceRegistry([ShopSource.self]),
            destination: DestinationSettings(kind: .outbox, outbox: dir.appendingPathComponent("outbox").path),
            destinationGiven: true, openType: "shop", prefill: ["host": "db.local", "password": password],
            configDirectory: dir.appendingPathComponent("config").path)
        let app = Task { @MainActor in try await TUIApp.run(launch, terminal: terminal) }
        try await terminal.waitForText("New Shop DB source", "Tables")
        terminal.press(.tab, .tab)
        return (terminal, dir, app)
    }

    @Test("Enter on Tables loads them in the background; two picked with Space and Enter run to done, one row each")
    func pickTwoAndRun() async throws {
        let (terminal, dir, app) = try await Self.start(password: "right-one")
        terminal.press(.enter)
        try await terminal.waitForText("Pick Tables", "14 listed", "public.Mixed Case", "(unavailable)")
        // Natural order: audit.log, public.big, public.customers (3rd), ... public.orders (10th).
        terminal.press(.down, .down, .char(" "), .down, .down, .down, .down, .down, .down, .down, .char(" "), .enter)
        try await terminal.waitForText("public.customers, public.orders")
        terminal.press(.ctrl("s"))
        let frame = try await terminal.waitForText("Resources 2/2 done", within: .seconds(60))
        #expect(frame.text.contains("✓ public.customers"))
        #expect(frame.text.contains("✓ public.orders"))
        // The resources are done a moment before the run is (its SDK closes): q before
        // that asks to cancel an active run.
        try await terminal.waitForText("completed:")
        terminal.press(.escape, .char("q"))
        #expect(try await exitCode(of: app, within: .seconds(60), terminal: terminal) == 0)
        let outbox = dir.appendingPathComponent("outbox")
        let text = try FileManager.default.contentsOfDirectory(atPath: outbox.path).filter { $0.hasSuffix(".ndjson") }
            .map { try String(contentsOf: outbox.appendingPathComponent($0), encoding: .utf8) }.joined()
        #expect(text.components(separatedBy: "\"__resource\":\"public.customers\"").count - 1 == 3)
        #expect(text.components(separatedBy: "\"__resource\":\"public.orders\"").count - 1 == 3)
    }

    @Test("a wrong password shows the source's error in the picker; Esc leaves the field as it was")
    func wrongPassword() async throws {
        let (terminal, _, app) = try await Self.start(password: "wrong")
        terminal.press(.enter)
        try await terminal.waitForText("Could not list Tables", "password authentication failed", "r tries again")
        terminal.press(.char("r"))
        try await terminal.waitForText("Could not list Tables")
        terminal.press(.escape)
        try await terminal.waitForFrame("the picker closed") { !$0.text.contains("Pick Tables") && $0.text.contains("› Tables") }
        terminal.press(.escape, .char("q"))
        #expect(try await exitCode(of: app, within: .seconds(60), terminal: terminal) == 0)
    }
}
