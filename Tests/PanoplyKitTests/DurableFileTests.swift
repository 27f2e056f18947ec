import Foundation
import Testing

@testable import PanoplyKit

/// The temporary file of a durable write is created, never opened through a name someone
/// else planted (issue 25).
@Suite("Durable file writes")
struct DurableFileTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("panoply-durable-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func contents(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func isSymlink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    @Test("replace never follows a symlink planted at the temporary name; the target is untouched and the write succeeds")
    func replaceIgnoresPlantedSymlink() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("precious").path
        try Data("precious".utf8).write(to: URL(fileURLWithPath: target))
        let path = dir.appendingPathComponent("app.state").path
        // The name the temporary file used to have: `.NAME.PID.tmp`.
        let planted = dir.appendingPathComponent(".app.state.\(getpid()).tmp").path
        try FileManager.default.createSymbolicLink(atPath: planted, withDestinationPath: target)

        try DurableFile.replace(path, with: Array("new state".utf8), mode: 0o600)

        #expect(Self.contents(target) == "precious", "the symlink's target is untouched")
        #expect(!Self.isSymlink(path), "the state is a file of its own, not the planted link")
        #expect(Self.contents(path) == "new state")
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_mode & 0o777 == 0o600)
    }

    @Test("writeFile refuses a name that exists (a planted symlink) instead of writing through it")
    func writeFileRefusesExistingName() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("precious").path
        try Data("precious".utf8).write(to: URL(fileURLWithPath: target))
        let planted = dir.appendingPathComponent(".tmp-planted").path
        try FileManager.default.createSymbolicLink(atPath: planted, withDestinationPath: target)
        #expect(throws: DurableFile.Failure.self) {
            try DurableFile.writeFile(Array("evil".utf8), to: planted, mode: 0o644, sync: false)
        }
        #expect(Self.contents(target) == "precious")
        #expect(Self.isSymlink(planted), "someone else's name is left alone")
    }

    @Test("a replace that fails leaves no temporary file behind")
    func failedReplaceCleansUp() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A folder with a file in it cannot be replaced by a file: the rename fails.
        let path = dir.appendingPathComponent("busy")
        try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: path.appendingPathComponent("inside"))
        #expect(throws: DurableFile.Failure.self) {
            try DurableFile.replace(path.path, with: Array("data".utf8), mode: 0o600)
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(left == ["busy"], "no temporary file is left: \(left)")
    }
}
