import ArgumentParser
import Foundation
import PanoplyConnectors
import PanoplyKit
import PanoplyWorkspace

/// The environment, read once at start; commands and the UI take their variables from it.
let processEnvironment = ProcessInfo.processInfo.environment

/// Writes a line to standard error, secrets masked (``OutputRedaction``).
func printError(_ line: String) {
    FileHandle.standardError.write(Data((OutputRedaction.text(line) + "\n").utf8))
}

/// Ends the process with a message on standard error.
func fail(_ message: String, code: Int32) -> ExitCode {
    printError("error: \(message)")
    return ExitCode(code)
}

enum Exit {
    static let success: Int32 = 0
    static let runFailed: Int32 = 1
    static let usage: Int32 = 2
    static let undelivered: Int32 = 3
    /// Another run of the source holds its lease (`run --saved` without `--wait`).
    static let alreadyRunning: Int32 = 4
    /// The run was cancelled (SIGINT, SIGTERM, `panoply cancel`, `c` in a UI) and what it
    /// read was delivered: not a complete sync.
    static let cancelled: Int32 = 5
}

/// The summary line `send` and `run` end with.
func summaryLine(_ c: SDKCounters, seconds: Double) -> String {
    "\(c.summary) seconds=\(String(format: "%.2f", seconds))"
}

/// Parses `NAME=VALUE` pairs.
func parseParams(_ pairs: [String]) throws -> [String: String] {
    var out: [String: String] = [:]
    for p in pairs {
        guard let eq = p.firstIndex(of: "="), eq != p.startIndex else {
            throw ValidationError("--param takes NAME=VALUE (got '\(p)')")
        }
        out[String(p[..<eq])] = String(p[p.index(after: eq)...])
    }
    return out
}

/// The folder holding saved sources and the destination: PANOPLY_CONFIG_DIR,
/// else $XDG_CONFIG_HOME/panoply, else $HOME/.config/panoply (the password database's
/// home only when HOME is unset, so `HOME=/tmp/x panoply` stays in /tmp/x).
func defaultConfigDirectory(_ env: [String: String] = processEnvironment) -> String {
    if let d = env["PANOPLY_CONFIG_DIR"], !d.isEmpty { return d }
    if let x = env["XDG_CONFIG_HOME"], !x.isEmpty { return x + "/panoply" }
    let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    return home + "/.config/panoply"
}
