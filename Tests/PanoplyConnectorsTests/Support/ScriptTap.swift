import Foundation
import PanoplyKit

@testable import PanoplyConnectors

/// A Singer tap written by a test: a shell script that answers `--about` (or fails it),
/// `--discover` (one stream `s`, selected by default) and runs `body` otherwise.
struct ScriptTap {
    let path: String

    /// - Parameters:
    ///   - about: the `--about --format json` text, nil for a tap without `--about`.
    ///   - body: shell run in sync mode (after `--config`/`--catalog`).
    init(in folder: String, name: String = "tap-script", about: String? = nil, body: String) throws {
        path = folder + "/" + name
        let catalog =
            #"{"streams": [{"tap_stream_id": "s", "stream": "s", "schema": {"type": "object", "properties": {"id": {"type": "integer"}, "v": {}}}, "metadata": [{"breadcrumb": [], "metadata": {"selected-by-default": true}}]}]}"#
        let aboutPart = about.map { "cat <<'ABOUT'\n\($0)\nABOUT\n  exit 0" } ?? "exit 1"
        let script = """
            #!/bin/sh
            case " $* " in
            *" --about "*)
              \(aboutPart);;
            *" --discover "*)
              cat <<'CATALOG'
            \(catalog)
            CATALOG
              exit 0;;
            esac
            \(body)

            """
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(script.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    /// The tap's kind, found at its path, with the test taps' environment.
    func kind() throws -> SourceKind {
        try SingerSourceKind.kind(executable: path, environment: PythonFixtures.tapEnvironment)
    }

    /// A shell line that writes `lines` (Singer messages) to stdout as they are.
    static func emit(_ lines: [String]) -> String {
        "cat <<'MESSAGES'\n" + lines.joined(separator: "\n") + "\nMESSAGES"
    }

    static func record(_ id: Int, _ v: String = "1") -> String {
        #"{"type": "RECORD", "stream": "s", "record": {"id": \#(id), "v": \#(v)}}"#
    }

    static func state(_ n: Int) -> String { #"{"type": "STATE", "value": {"bookmarks": {"s": {"last_id": \#(n)}}}}"# }
}
