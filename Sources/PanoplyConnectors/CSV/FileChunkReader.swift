import Foundation
import PanoplyKit

/// Reads a file sequentially in fixed-size chunks, starting at any byte offset, so a
/// file larger than memory streams and a resumed run seeks instead of re-reading.
/// Shared by the CSV and JSON Lines sources.
final class FileChunkReader {
    let path: String
    let size: Int
    private var fd: Int32
    private let chunkSize: Int

    /// - Throws: ``PanoplyError`` (not found / config) naming the path.
    init(path: String, offset: Int = 0, chunkSize: Int = 64 * 1024) throws {
        self.path = path
        self.chunkSize = chunkSize
        fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            if errno == ENOENT { throw PanoplyError(.notFound, "file '\(path)' does not exist (check the path)") }
            throw PanoplyError(.config, "cannot open '\(path)': \(reason)", code: 403)
        }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            Glibc.close(fd)
            throw PanoplyError(.config, "'\(path)' is not a regular file")
        }
        size = Int(st.st_size)
        guard offset >= 0, offset <= size else {
            Glibc.close(fd)
            throw PanoplyError(
                .config, "saved offset \(offset) is beyond the end of '\(path)' (\(size) bytes); the file changed, delete the state file to start over",
                code: 422)
        }
        if offset > 0, lseek(fd, off_t(offset), SEEK_SET) < 0 {
            Glibc.close(fd)
            throw PanoplyError(.config, "cannot seek in '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    /// Appends the next chunk to `buffer`; false at end of file.
    /// - Throws: a retryable transient ``PanoplyError`` on a read error.
    func readChunk(into buffer: inout [UInt8]) throws -> Bool {
        guard fd >= 0 else { return false }
        // Read into scratch memory and copy what came: appending `chunkSize` zeros first
        // costs more than the read for small files (a folder of many).
        let n = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: chunkSize) { tmp -> Int in
            let n = read(fd, tmp.baseAddress!, chunkSize)
            if n > 0 { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: tmp[..<n])) }
            return n
        }
        if n < 0 { throw PanoplyError(.transient, "reading '\(path)' failed: \(String(cString: strerror(errno)))") }
        return n > 0
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}
