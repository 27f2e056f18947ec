import Foundation
import Testing

/// PanoplyTUICore is pure: time arrives as tick events, the environment and files are
/// the app's. The compiler keeps ArgumentParser and CNcurses out (the target does not
/// depend on them); this test keeps clocks, the environment and the file system out.
@Suite("PanoplyTUICore purity")
struct CorePurityTests {
    static let forbidden = [
        "ProcessInfo", "FileManager", "FileHandle", "Date()", "Date(timeInterval", ".timeIntervalSince",
        "ContinuousClock", "SuspendingClock", "DispatchTime", "CFAbsoluteTime", "clock_gettime", "gettimeofday",
        "getenv", "setenv", "environment[", "Bundle.main", "URLSession", "Thread.", "Task.sleep", "usleep(",
        "import CNcurses", "import ArgumentParser", "import Dispatch", "import Glibc"
    ]

    static var sourceFolder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/PanoplyTUICore")
    }

    @Test("its sources read no clock, no environment and no file")
    func noClockEnvironmentOrFileAccess() throws {
        let files = try FileManager.default.subpathsOfDirectory(atPath: Self.sourceFolder.path).filter { $0.hasSuffix(".swift") }
        #expect(files.count > 10, "found the sources at \(Self.sourceFolder.path)")
        var found: [String] = []
        for file in files {
            let text = try String(contentsOf: Self.sourceFolder.appendingPathComponent(file), encoding: .utf8)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                for word in Self.forbidden where code.contains(word) { found.append("\(file):\(n + 1): \(word)") }
            }
        }
        #expect(found.isEmpty, "PanoplyTUICore must stay pure:\n\(found.joined(separator: "\n"))")
    }
}
