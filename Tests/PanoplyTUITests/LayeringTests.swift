import Foundation
import Testing

/// The layering of docs/architecture.md: the UI core imports only its own dependencies, and
/// the executable's folders use each other one way (Commands → App → Run → Shared).
@Suite("Layering")
struct LayeringTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func swiftFiles(_ folder: String) throws -> [(path: String, text: String)] {
        let dir = root.appendingPathComponent(folder)
        return try FileManager.default.subpathsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".swift") }.sorted().map {
            ("\(folder)/\($0)", try String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8))
        }
    }

    /// The names a folder declares at file scope (types, functions, globals).
    static func declaredNames(_ folder: String) throws -> Set<String> {
        let pattern =
            #/^(?:(?:package|public|internal|fileprivate|private|final|@MainActor)\s+)*(?:struct|enum|class|actor|protocol|func|let|var|typealias)\s+(\w+)/#
        var names: Set<String> = []
        for file in try swiftFiles(folder) {
            for line in file.text.split(separator: "\n") {
                if let m = line.firstMatch(of: pattern) { names.insert(String(m.1)) }
            }
        }
        return names
    }

    /// Where files of `user` use a name `owner` declares: `file: name`.
    static func uses(of owner: String, in user: String) throws -> [String] {
        let names = try declaredNames(owner)
        var found: [String] = []
        for file in try swiftFiles(user) {
            let code = file.text.split(separator: "\n").map { $0.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? "" }
            let words = Set(code.joined(separator: " ").split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init))
            for name in names.intersection(words).sorted() { found.append("\(file.path): \(name)") }
        }
        return found
    }

    @Test("the UI core imports only PanoplyKit, PanoplyWorkspace and Foundation (CorePurityTests keeps its clocks and files out)")
    func coreImports() throws {
        let allowed: Set<String> = ["PanoplyKit", "PanoplyWorkspace", "Foundation", "Synchronization"]
        var bad: [String] = []
        for file in try Self.swiftFiles("Sources/PanoplyTUICore") {
            for line in file.text.split(separator: "\n") where line.hasPrefix("import ") || line.hasPrefix("@_exported import ") {
                let module = String(line.split(separator: " ").last ?? "")
                if !allowed.contains(module) { bad.append("\(file.path): \(line)") }
            }
        }
        #expect(bad.isEmpty, "PanoplyTUICore may import only \(allowed.sorted()):\n\(bad.joined(separator: "\n"))")
    }

    @Test(
        "the executable's folders use each other one way",
        arguments: [
            ("App", "Commands"), ("Run", "Commands"), ("Run", "App"), ("Shared", "Commands"), ("Shared", "App"), ("Shared", "Run"),
            ("Terminal", "Commands")
        ])
    func oneWay(user: String, owner: String) throws {
        let found = try Self.uses(of: "Sources/PanoplyTUI/\(owner)", in: "Sources/PanoplyTUI/\(user)")
        #expect(found.isEmpty, "\(user)/ must not use \(owner)/:\n\(found.joined(separator: "\n"))")
    }

    @Test("the headless commands, the run path and the shared pieces do not import the UI core")
    func headlessWithoutUICore() throws {
        var bad: [String] = []
        for folder in ["Commands", "Run", "Shared"] {
            for file in try Self.swiftFiles("Sources/PanoplyTUI/\(folder)") where !file.path.hasSuffix("/TUICommand.swift") {
                if file.text.split(separator: "\n").contains("import PanoplyTUICore") { bad.append(file.path) }
            }
        }
        #expect(bad.isEmpty, "only the UI (App/, Terminal/, TUICommand) imports PanoplyTUICore:\n\(bad.joined(separator: "\n"))")
    }

    @Test("the scan finds the names it looks for")
    func scanWorks() throws {
        #expect(try Self.declaredNames("Sources/PanoplyTUI/Commands").contains("RunCommand"))
        #expect(try !Self.uses(of: "Sources/PanoplyTUI/Shared", in: "Sources/PanoplyTUI/Commands").isEmpty)
    }
}
