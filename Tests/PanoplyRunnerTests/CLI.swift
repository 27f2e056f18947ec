import Foundation

/// Runs the built `panoply` binary (PANOPLY_BIN, or the one beside the test bundle).
enum CLI {
    static var binary: String {
        if let p = ProcessInfo.processInfo.environment["PANOPLY_BIN"], !p.isEmpty { return p }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("panoply").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return ".build/debug/panoply"
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `panoply ARGS` to completion (with a deadline) in `directory`.
    static func run(_ args: [String], in directory: URL? = nil, stdin: String? = nil,
                    environment: [String: String] = [:], timeout: TimeInterval = 120) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        if let directory { p.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        env["PANOPLY_API_KEY"] = environment["PANOPLY_API_KEY"]
        env["PANOPLY_API_SECRET"] = environment["PANOPLY_API_SECRET"]
        p.environment = env
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(Data(stdin.utf8)) }
        try inp.fileHandleForWriting.close()
        // Read both pipes while the process runs, so a full pipe never blocks it.
        nonisolated(unsafe) var o = Data(), e = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { o = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { e = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            p.terminate()
            throw Timeout(description: "panoply \(args.joined(separator: " ")) did not finish within \(timeout)s")
        }
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

/// A fresh temporary folder.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("panoply-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The `id` of every record in an outbox folder, in file order.
func outboxIds(_ dir: URL) throws -> [Int] {
    let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".ndjson") }.sorted()
    var ids: [Int] = []
    for name in names {
        let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
        for line in text.split(separator: "\n") {
            if let r = line.range(of: "\"id\":") {
                let digits = line[r.upperBound...].prefix { $0.isNumber }
                if let id = Int(digits) { ids.append(id) }
            }
        }
    }
    return ids
}
