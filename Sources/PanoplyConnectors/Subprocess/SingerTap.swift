import Foundation
import PanoplyKit

/// A Singer tap executable: `--about`, `--discover` and the files a run passes it.
struct SingerTap: Sendable {
    var name: String
    var path: String
    var environment: [String: String]

    /// Finds the tap on `PATH` (or at a path).
    /// - Throws: ``PanoplyError`` (config) when there is no such executable.
    init(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let path = PythonInterpreter.which(name, path: environment["PATH"]) else {
            throw PanoplyError.config("singer:\(name): no executable '\(name)' on PATH (install the tap, e.g. pip install \(name), or give its path)")
        }
        self.name = name
        self.path = path
        self.environment = environment.withoutWorkspaceSecrets
    }

    /// The tap's `--about --format json`, or nil when it offers none.
    func about() -> JSONObject? {
        guard let (status, out, _) = try? runToEnd(["--about", "--format", "json"]), status == 0 else { return nil }
        return try? JSONParser.parse(out).objectValue
    }

    /// Runs `--discover` with the given config.
    /// - Throws: ``PanoplyError`` with the tap's stderr tail when discovery fails.
    func discover(config: JSONObject) throws -> SingerCatalog {
        let files = try SingerFiles(config: config)
        defer { files.remove() }
        let (status, out, err) = try runToEnd(["--config", files.config, "--discover"])
        guard status == 0 else {
            throw PanoplyError(.config, "singer:\(name) --discover exited with code \(status): \(Self.tail(err))")
        }
        guard let catalog = try? JSONParser.parse(out).objectValue else {
            throw PanoplyError(.internal, "singer:\(name) --discover printed no JSON catalog", retryable: false)
        }
        return SingerCatalog(catalog)
    }

    /// Whether the tap takes the catalog as `--properties` (old taps) instead of `--catalog`.
    static func catalogFlag(_ about: JSONObject?) -> String {
        let caps = about?["capabilities"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return caps.contains("properties") && !caps.contains("catalog") ? "--properties" : "--catalog"
    }

    static func tail(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").suffix(8).joined(separator: "\n")
    }

    /// Runs the tap to its end, collecting stdout and stderr.
    private func runToEnd(_ args: [String]) throws -> (Int32, [UInt8], [UInt8]) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.environment = environment
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let errData = ErrBox()
        let errHandle = err.fileHandleForReading
        let t = Thread { errData.set(errHandle.readDataToEndOfFile()) }
        t.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, Array(o), Array(errData.wait()))
    }
}

/// stderr collected on a thread of its own (so a chatty tap cannot block on a full pipe).
private final class ErrBox: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)
    func set(_ d: Data) { data = d; done.signal() }
    func wait() -> Data { done.wait(); return data }
}

/// The config, catalog and state files a tap reads, in a private temporary folder.
struct SingerFiles: Sendable {
    let folder: String
    var config: String { folder + "/config.json" }
    var catalog: String { folder + "/catalog.json" }
    var state: String { folder + "/state.json" }

    init(config settings: JSONObject) throws {
        folder = NSTemporaryDirectory() + "panoply-singer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try write(.object(settings), to: config)
    }

    func write(_ value: JSONValue, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(JSONWriter.string(value).utf8), attributes: [.posixPermissions: 0o600]) else {
            throw PanoplyError(.internal, "cannot write \(path)")
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: folder) }
}
