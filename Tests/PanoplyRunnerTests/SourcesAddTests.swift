import Foundation
import PanoplyKit
import Testing

/// `panoply sources add/remove`: a Python type kept in the config folder is listed with the
/// built-in ones and runs with the interpreter it was added with.
@Suite(
    "sources add and remove",
    .enabled(if: ProcessInfo.processInfo.environment["PANOPLY_TEST_PYTHON"]?.isEmpty == false))
struct SourcesAddTests {
    /// The fixtures' environment with a PANOPLY_PYTHON that does not exist: only the
    /// interpreter a type was added with can run it.
    static func env(_ config: URL) -> [String: String] {
        var e = SubprocessCLITests.env
        e["PANOPLY_PYTHON"] = "/nonexistent/python3"
        e["PANOPLY_CONFIG_DIR"] = config.path
        return e
    }

    @Test("an added python: type is listed, runs with its --python, and can be removed")
    func addListRunRemove() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config")
        let python = try #require(ProcessInfo.processInfo.environment["PANOPLY_TEST_PYTHON"])
        let env = Self.env(config)

        let add = try CLI.run(["sources", "add", "python:t_api", "--python", python], environment: env)
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stdout.contains("added python:t_api"))
        let saved = try String(contentsOf: config.appendingPathComponent("types.json"), encoding: .utf8)
        #expect(saved.contains("python:t_api") && saved.contains(python))
        let mode = try FileManager.default.attributesOfItem(atPath: config.appendingPathComponent("types.json").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let list = try CLI.run(["sources", "--json"], environment: env)
        #expect(list.status == 0, "\(list.stderr)")
        let types = try JSONParser.parse(list.stdout).arrayValue?.compactMap { $0[path: "type"]?.stringValue } ?? []
        #expect(types.contains("csv") && types.last == "python:t_api", "\(types)")

        // The interpreter comes from the added type: PANOPLY_PYTHON names none that exists.
        let discover = try CLI.run(["discover", "python:t_api", "--param", "account=acme", "--json"], environment: env)
        #expect(discover.status == 0, "\(discover.stderr)")
        let other = try CLI.run(["discover", "python:t_fail"], environment: env)
        #expect(other.status != 0)
        #expect(other.stderr.contains("/nonexistent/python3"), "\(other.stderr)")

        let remove = try CLI.run(["sources", "remove", "python:t_api"], environment: env)
        #expect(remove.status == 0, "\(remove.stderr)")
        let after = try CLI.run(["sources", "--json"], environment: env)
        #expect(!after.stdout.contains("python:t_api"))
        let again = try CLI.run(["sources", "remove", "python:t_api"], environment: env)
        #expect(again.status == 2)
        #expect(again.stderr.contains("was not added"))
    }

    @Test("sources takes --python PATH: the listed python: types load with it")
    func sourcesTakesPython() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let python = try #require(ProcessInfo.processInfo.environment["PANOPLY_TEST_PYTHON"])
        let env = Self.env(dir.appendingPathComponent("config"))
        let list = try CLI.run(["sources", "--python", python, "--json", "python:t_api"], environment: env)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(try JSONParser.parse(list.stdout).arrayValue?.first?[path: "title"] == "API test source")
        let explicit = try CLI.run(["sources", "list", "python:t_api", "--python", python], environment: env)
        #expect(explicit.status == 0, "\(explicit.stderr)")
        #expect(explicit.stdout.contains("python:t_api  API test source"))
        // Without it, PANOPLY_PYTHON (which names none that exists) is used.
        let without = try CLI.run(["sources", "python:t_api"], environment: env)
        #expect(without.status == 2)
        #expect(without.stderr.contains("/nonexistent/python3"), "\(without.stderr)")
    }

    @Test("tui takes --python PATH: the --open python: type loads with it")
    func tuiTakesPython() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let python = try #require(ProcessInfo.processInfo.environment["PANOPLY_TEST_PYTHON"])
        let env = Self.env(dir.appendingPathComponent("config"))
        // No terminal here: the UI stops right after loading the type, saying so.
        let tui = try CLI.run(["tui", "--python", python, "--open", "python:t_api"], environment: env)
        #expect(tui.status != 0)
        #expect(tui.stderr.contains("needs a terminal"), "\(tui.stderr)")
        // Without it the type does not load, and the reason is given.
        let without = try CLI.run(["tui", "--open", "python:t_api"], environment: env)
        #expect(without.status == 2)
        #expect(without.stderr.contains("/nonexistent/python3"), "\(without.stderr)")
    }

    @Test("sources add takes --python PATH before or after the type, and keeps it with the type")
    func sourcesAddTakesPython() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config")
        let python = try #require(ProcessInfo.processInfo.environment["PANOPLY_TEST_PYTHON"])
        let env = Self.env(config)
        let add = try CLI.run(["sources", "add", "--python", python, "python:t_state"], environment: env)
        #expect(add.status == 0, "\(add.stderr)")
        let list = try CLI.run(["sources", "--json"], environment: env)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("python:t_state"))
        let saved = try String(contentsOf: config.appendingPathComponent("types.json"), encoding: .utf8)
        #expect(saved.contains(python))
    }

    @Test("a type that cannot load is refused with the reason, and nothing is saved")
    func refusesBrokenTypes() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config")
        let python = try #require(ProcessInfo.processInfo.environment["PANOPLY_TEST_PYTHON"])
        let broken = try CLI.run(["sources", "add", "python:t_broken", "--python", python], environment: Self.env(config))
        #expect(broken.status == 2)
        #expect(broken.stderr.contains("cannot add python:t_broken") && broken.stderr.contains("does not import"), "\(broken.stderr)")
        #expect(!FileManager.default.fileExists(atPath: config.appendingPathComponent("types.json").path))
        let builtin = try CLI.run(["sources", "add", "csv"], environment: Self.env(config))
        #expect(builtin.status == 2)
        #expect(builtin.stderr.contains("python:MODULE or singer:EXECUTABLE"))
        let missing = try CLI.run(["sources", "add", "python:t_api", "--python", "/nonexistent/python3"], environment: Self.env(config))
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/python3"), "\(missing.stderr)")
        let wrong = try CLI.run(["sources", "add", "singer:tap-three", "--python", python], environment: Self.env(config))
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("--python is for python:MODULE types only"))
    }
}
