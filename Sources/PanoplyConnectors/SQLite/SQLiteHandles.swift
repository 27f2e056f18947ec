import Foundation
import PanoplyKit
import Synchronization

/// The read-only handles of one run on one SQLite file, shared by the instances that read
/// its tables (``RunScope``): an instance takes an idle handle or opens one and gives it
/// back on close, so a run of thousands of tables opens (and parses the schema of) the file
/// a few times, not twice per table.
final class SQLiteHandles: RunScoped, @unchecked Sendable {
    let path: String
    /// Handles not in use (each is used by one instance at a time), and whether the run ended.
    private let state = Mutex<(idle: [SQLiteDatabase], closed: Bool)>(([], false))

    init(path: String) { self.path = path }

    /// The handles of the run `context` belongs to, or nil for an instance on its own.
    static func of(_ path: String, context: SourceContext) throws -> SQLiteHandles? {
        try context.scope?.shared("sqlite \(path)") { SQLiteHandles(path: path) }
    }

    /// An idle handle, or a new one.
    /// - Throws: not found when the file does not exist, config when it is not a database.
    func acquire() throws -> SQLiteDatabase {
        if let db = state.withLock({ $0.idle.popLast() }) { return db }
        return try SQLiteDatabase(path: path)
    }

    /// Keeps `db` for the next instance (closed when the run ended).
    func release(_ db: SQLiteDatabase) {
        let kept = state.withLock { s in
            if !s.closed { s.idle.append(db) }
            return !s.closed
        }
        if !kept { db.close() }
    }

    func close() async {
        let all = state.withLock { s in
            defer { s = ([], true) }
            return s.idle
        }
        for db in all { db.close() }
    }
}
