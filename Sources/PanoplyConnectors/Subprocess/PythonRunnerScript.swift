import Foundation
import PanoplyKit

/// The Python runner embedded in the binary (``source``, generated from
/// scripts/python/panoply_runner.py), written out at run time so an installed `panoply`
/// needs no build folder.
enum PythonRunnerScript {
    /// The runner's text (a raw string keeps its last newline out: add it back).
    static var source: String { compatPart + "\n" + bridgePart + "\n" }

    /// Writes the runner to `$XDG_CACHE_HOME/panoply` (or `~/.cache/panoply`, else the temp
    /// folder) under a name with its content hash, once, and returns its path.
    /// - Throws: ``PanoplyError`` when no folder is writable.
    static func install(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let bytes = Array(source.utf8)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        let name = "panoply_runner-\(String(hash, radix: 16)).py"
        var problems: [String] = []
        for dir in candidateFolders(environment) {
            let path = dir + "/" + name
            if FileManager.default.fileExists(atPath: path) { return path }
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                let tmp = path + ".\(getpid()).tmp"
                try Data(bytes).write(to: URL(fileURLWithPath: tmp))
                _ = rename(tmp, path)
                if FileManager.default.fileExists(atPath: path) { return path }
            } catch {
                problems.append("\(dir): \(error.localizedDescription)")
            }
        }
        throw PanoplyError(.config, "cannot write the Python runner (\(problems.joined(separator: "; "))); set XDG_CACHE_HOME to a writable folder")
    }

    private static func candidateFolders(_ env: [String: String]) -> [String] {
        var out: [String] = []
        if let x = env["XDG_CACHE_HOME"], !x.isEmpty { out.append(x + "/panoply") }
        if let h = env["HOME"], !h.isEmpty { out.append(h + "/.cache/panoply") }
        out.append(NSTemporaryDirectory() + "panoply-\(getuid())")
        return out
    }
}
