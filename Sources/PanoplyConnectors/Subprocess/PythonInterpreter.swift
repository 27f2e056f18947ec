import Foundation
import PanoplyKit

/// Which Python runs a `python:MODULE` source: `--python PATH`, else `PANOPLY_PYTHON`,
/// else `python3` on `PATH`. The environment (with `PYTHONPATH`) is passed on.
struct PythonInterpreter: Sendable {
    var path: String?
    var environment: [String: String]
    /// How long a stopped (SIGTERM) child gets before SIGKILL: `PANOPLY_SUBPROCESS_GRACE`
    /// seconds, default 5. A user setting (README): raise it for a module or Singer tap
    /// that cleans up on SIGTERM (ends a remote export, writes its own bookmark), lower it
    /// so a cancel or a shutdown ends sooner. It applies to Python and Singer sources alike.
    var grace: Duration

    init(path: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.path = path ?? environment["PANOPLY_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
        var env = environment.withoutWorkspaceSecrets
        env["PYTHONUNBUFFERED"] = "1"
        env["PYTHONIOENCODING"] = "utf-8"
        self.environment = env
        grace = Self.grace(environment)
    }

    static func grace(_ environment: [String: String]) -> Duration {
        let s = environment["PANOPLY_SUBPROCESS_GRACE"].flatMap(Double.init) ?? 5
        return .milliseconds(Int(max(0, s) * 1000))
    }

    /// The interpreter's full path.
    /// - Throws: ``PanoplyError`` (config) saying how to choose one when none is found.
    func executablePath() throws -> String {
        let name = path ?? "python3"
        if let found = Self.which(name, path: environment["PATH"]) { return found }
        throw PanoplyError(.config, "Python interpreter '\(name)' not found; give --python PATH or set PANOPLY_PYTHON")
    }

    /// `name` itself when it holds a slash, else the first executable of that name on `path`.
    static func which(_ name: String, path: String?) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for dir in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
