import Foundation
import PanoplyKit
import Testing

/// Every headless command masks secret params in every line it prints, as `run --saved`
/// always did: `run TYPE`, `check` and `discover` (`send` is covered by SecretTests).
@Suite("every command redacts secrets", .enabled(if: ProcessInfo.processInfo.environment["PANOPLY_TEST_PYTHON"]?.isEmpty == false))
struct RedactionCLITests {
    static let secret = "sk-live-" + UUID().uuidString.prefix(12)

    static func expectMasked(_ r: Child.Exit, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            !r.stdout.contains(secret) && !r.stderr.contains(secret), "\(what) printed the secret:\n\(r.stdout)\n\(r.stderr)",
            sourceLocation: sourceLocation)
    }

    @Test("run TYPE masks a module's log, its exception and its traceback", arguments: ["raise", "crash"])
    func runMasks(mode: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let args = [
            "run", "python:t_secret", "--param", "api_key=\(Self.secret)", "--param", "mode=\(mode)",
            "--outbox", dir.appendingPathComponent("out").path
        ]
        let plain = try CLI.run(args, environment: SubprocessCLITests.env)
        #expect(plain.status == 1, "\(plain.stderr)")
        #expect(plain.stderr.contains("****"), "\(plain.stderr)")
        Self.expectMasked(plain, "run")
        let json = try CLI.run(args + ["--events", "json"], environment: SubprocessCLITests.env)
        #expect(json.status == 1)
        #expect(json.stdout.contains("\"failed\""), "\(json.stdout)")
        Self.expectMasked(json, "run --events json")
    }

    @Test("check and discover mask the source's error")
    func checkMasks() throws {
        let check = try CLI.run(
            ["check", "python:t_secret", "--param", "api_key=\(Self.secret)", "--param", "mode=init"],
            environment: SubprocessCLITests.env)
        #expect(check.status != 0)
        #expect(check.stderr.contains("was refused"), "\(check.stderr)")
        Self.expectMasked(check, "check")
        let discover = try CLI.run(
            ["discover", "python:t_secret", "--param", "api_key=\(Self.secret)", "--param", "mode=init"],
            environment: SubprocessCLITests.env)
        Self.expectMasked(discover, "discover")
    }
}
