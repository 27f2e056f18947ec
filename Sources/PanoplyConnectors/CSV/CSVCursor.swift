import PanoplyKit

/// Rows of a CSV file read in chunks from a byte offset, each with the offset just
/// after it. Keeps at most one chunk plus the current row in memory.
final class CSVCursor {
    private let reader: FileChunkReader
    private let scanner: CSVRowScanner
    private var buffer: [UInt8] = []
    /// File offset of `buffer[0]`.
    private var bufferStart: Int
    private var position = 0
    /// Where the current batch started in `buffer`: bytes from here on are kept.
    private var mark = 0
    private var atEOF = false
    /// The fields of the current row, reused from row to row.
    private var fields = CSVFields()

    /// The file offset after the last row returned.
    var offset: Int { bufferStart + position }
    var fileSize: Int { reader.size }

    /// At offset 0 a UTF-8 byte order mark is skipped.
    init(path: String, offset: Int, delimiter: UInt8, chunkSize: Int = 64 * 1024) throws {
        reader = try FileChunkReader(path: path, offset: offset, chunkSize: chunkSize)
        scanner = CSVRowScanner(delimiter: delimiter)
        bufferStart = offset
        if offset == 0 {
            try fill()
            if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3; mark = 3 }
        }
    }

    /// Starts a batch: a later ``rewind()`` goes back here.
    func beginBatch() { mark = position }

    /// Goes back to the start of the batch, so a failed read can be retried.
    func rewind() { position = mark }

    /// The next row (blank lines skipped), or nil at the end of the file.
    /// - Throws: ``PanoplyError`` (422) for malformed CSV, naming the byte offset.
    func next() throws -> [String]? {
        guard try advance() else { return nil }
        return withFields { $1.strings(in: $0) }
    }

    /// Moves to the next row (blank lines skipped), whose fields ``withFields(_:)`` then
    /// reads; false at the end of the file.
    /// - Throws: ``PanoplyError`` (422) for malformed CSV, naming the byte offset.
    func advance() throws -> Bool {
        while true {
            let scan = buffer.withUnsafeBufferPointer { scanner.scan($0, from: position, atEOF: atEOF, into: &fields) }
            switch scan {
            case .row(let end):
                position = end
                if fields.isBlank { continue }
                return true
            case .end:
                return false
            case .needMore:
                try fill()
            case .malformed(let why):
                throw PanoplyError(.config, "malformed CSV in '\(reader.path)' in the row starting at byte \(offset): \(why)", code: 422)
            }
        }
    }

    /// Calls `body` with the buffer and the spans of the row ``advance()`` moved to.
    func withFields<R>(_ body: (UnsafeBufferPointer<UInt8>, CSVFields) throws -> R) rethrows -> R {
        try buffer.withUnsafeBufferPointer { try body($0, fields) }
    }

    /// Drops bytes before the batch mark and appends the next chunk.
    private func fill() throws {
        if mark > 0 {
            buffer.removeFirst(mark)
            bufferStart += mark
            position -= mark
            mark = 0
        }
        if try !reader.readChunk(into: &buffer) { atEOF = true }
    }

    func close() { reader.close() }
}
