import Logging
import NIOCore
import PanoplyKit
import PostgresNIO

/// One query's rows, streamed: a task of its own iterates the rows as the server sends them
/// (no page queries, no round trip per page) and cuts them into batches of `row_to_json`
/// text, one batch waiting in a ``BatchHandoff`` while the next is cut. The server sets the
/// pace; memory stays at a few batches.
final class PostgresRowStream: Sendable {
    /// A batch and the key text of its last row.
    struct Page: Sendable {
        var records: EncodedRecords
        var lastKey: String?
    }

    private let handoff = BatchHandoff<Result<Page?, any Error>>()
    private let task: Task<Void, Never>

    /// Starts `query`; `keyColumn` (nil without a key) and `jsonColumn` index its columns.
    init(
        _ connection: PostgresConnection, _ query: PostgresQuery, logger: Logger, batchSize: Int,
        keyColumn: Int?, jsonColumn: Int, resource: String
    ) {
        let handoff = handoff
        task = Task {
            do {
                let rows = try await connection.query(query, logger: logger)
                var batch = EncodedRecords(reservingCapacity: batchSize * 256)
                var lastKey: ByteBuffer?
                for try await row in rows {
                    try Self.append(row, to: &batch, lastKey: &lastKey, keyColumn: keyColumn, jsonColumn: jsonColumn, resource: resource)
                    guard batch.count >= batchSize else { continue }
                    guard await handoff.put(.success(Page(records: batch, lastKey: lastKey.map { String(buffer: $0) }))) else { return }
                    batch = EncodedRecords(reservingCapacity: batchSize * 256)
                }
                if !batch.isEmpty {
                    guard await handoff.put(.success(Page(records: batch, lastKey: lastKey.map { String(buffer: $0) }))) else { return }
                }
                _ = await handoff.put(.success(nil))
            } catch {
                _ = await handoff.put(.failure(error))
            }
        }
    }

    /// The next batch; nil at the end of the rows. Cancelling the waiting task ends the
    /// stream (a cancelled run must not wait for the server's next rows).
    /// - Throws: the query's error, or `CancellationError`; the stream is over then.
    func next() async throws -> Page? {
        let r = await withTaskCancellationHandler {
            await handoff.take()
        } onCancel: {
            cancel()
        }
        guard let r else { throw CancellationError() }
        return try r.get()
    }

    /// Stops reading (the rows not taken are dropped).
    func cancel() {
        task.cancel()
        handoff.close()
    }

    /// Appends a row's `row_to_json` text as it came, and keeps its key's bytes.
    static func append(
        _ row: PostgresRow, to batch: inout EncodedRecords, lastKey: inout ByteBuffer?,
        keyColumn: Int?, jsonColumn: Int, resource: String
    ) throws {
        var json: ByteBuffer?
        for (i, cell) in row.enumerated() {
            if i == keyColumn { lastKey = cell.bytes } else if i == jsonColumn { json = cell.bytes }
        }
        guard let json else { return }
        let ok = json.withUnsafeReadableBytes { raw in
            batch.append(json: UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count))
        }
        guard ok else {
            throw PanoplyError(
                .config, "'\(resource)': the server sent a row that is not a JSON object (after key \(lastKey.map { String(buffer: $0) } ?? "?"))", code: 422)
        }
    }
}
