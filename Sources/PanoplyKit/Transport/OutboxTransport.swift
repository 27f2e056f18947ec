import Foundation
import Synchronization

/// The local destination: each message body becomes one file `DIR/<sequence>.ndjson`,
/// byte for byte what SQS would have received. Numbering continues after the files
/// already in the folder, and a file appears whole (written, then renamed).
public final class OutboxTransport: MessageTransport {
    public let directory: URL
    private let next: Mutex<UInt64>
    public let maxBatchCount = 10
    public let maxBatchBytes = Int.max

    /// - Throws: ``PanoplyError`` when the folder cannot be created or read.
    public init(directory: String) throws {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw PanoplyError.config("cannot create outbox folder '\(directory)': \(error.localizedDescription)")
        }
        self.directory = url
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let highest = existing.compactMap { name -> UInt64? in
            guard name.hasSuffix(".ndjson") else { return nil }
            return UInt64(name.dropLast(".ndjson".count))
        }.max() ?? 0
        next = Mutex(highest + 1)
    }

    /// The file name for sequence number `n`.
    public static func fileName(_ n: UInt64) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits + ".ndjson"
    }

    public func send(_ messages: [OutgoingMessage]) async throws -> [Result<String, TransportError>] {
        let first = next.withLock { n in
            defer { n += UInt64(messages.count) }
            return n
        }
        var results: [Result<String, TransportError>] = []
        for (i, m) in messages.enumerated() {
            let name = Self.fileName(first + UInt64(i))
            let tmp = directory.appendingPathComponent(".\(name).tmp")
            do {
                try Data(m.body).write(to: tmp)
                try FileManager.default.moveItem(at: tmp, to: directory.appendingPathComponent(name))
                results.append(.success(name))
            } catch {
                results.append(.failure(TransportError(code: "OutboxWrite", message: "cannot write \(name) in \(directory.path): \(error.localizedDescription)", retryable: true)))
            }
        }
        return results
    }
}
