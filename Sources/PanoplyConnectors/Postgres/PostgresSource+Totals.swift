import Foundation
import PanoplyKit
import PostgresNIO

/// The progress total of a relation, found without a full scan of a big one: an exact
/// `count(*)` only under ``PostgresSource/exactCountBelow`` estimated rows (or with
/// `exact_count=true`), else the planner's estimate, marked as one.
extension PostgresSource {
    /// Relations estimated under this many rows are counted exactly (a cheap scan).
    static let exactCountBelow = 100_000

    /// A relation's total and the rows of it read before (a resumed run).
    struct Totals: Sendable, Equatable {
        /// Nil when nothing cheap tells it.
        var total: Int?
        var loaded: Int
        /// True when ``total`` (and ``loaded``) are the planner's estimates.
        var estimated: Bool

        /// "1,200/≈5,000,000 rows".
        func message(loaded now: Int) -> String {
            guard let total else { return "\(now) rows" }
            return estimated ? "\(now)/≈\(max(total, now)) rows" : "\(now)/\(total) rows"
        }
    }

    /// Where a total comes from, from the catalog alone.
    enum TotalSource: Sendable, Equatable {
        /// A table with no page on disk: no row, nothing to count.
        case empty
        case count
        /// The catalog's estimate (`reltuples`) of an analyzed table.
        case estimate(Int)
        /// Ask the planner (`EXPLAIN`): a table never analyzed, a view, a query.
        case planner
    }

    /// - Parameters:
    ///   - info: the catalog's view of a table or view; nil for a query.
    ///   - exact: `exact_count=true`.
    static func totalSource(_ info: PostgresTableInfo?, exact: Bool) -> TotalSource {
        if exact { return .count }
        guard let info else { return .planner }
        if info.stored, info.bytes == 0 { return .empty }
        guard let rows = info.estimatedRows else { return .planner }
        return rows < exactCountBelow ? .count : .estimate(rows)
    }

    /// The totals of a relation read by `plan`, the cheapest way that is good enough.
    static func totals(
        _ settings: PostgresSettings, _ connection: PostgresConnection, _ plan: PostgresSettings.ReadPlan,
        info: PostgresTableInfo?, exact: Bool, after: String?
    ) async throws -> Totals {
        var source = totalSource(info, exact: exact)
        if source == .planner {
            let rows = try await plannerRows(settings, connection, plan.keyset?.rows(afterKey: false) ?? "SELECT 1 FROM \(plan.relation)", [])
            source = rows < exactCountBelow ? .count : .estimate(rows)
        }
        switch source {
        case .empty:
            return Totals(total: 0, loaded: 0, estimated: false)
        case .planner:
            return Totals(total: nil, loaded: 0, estimated: false)
        case .count:
            guard let keyset = plan.keyset else {
                return Totals(total: try await settings.count(connection, "SELECT count(*) FROM \(plan.relation)"), loaded: 0, estimated: false)
            }
            let total = try await settings.count(connection, keyset.total)
            let left = try await settings.count(connection, keyset.count(afterKey: after != nil), after.map { [$0] } ?? [])
            return Totals(total: total, loaded: total - left, estimated: false)
        case .estimate(let rows):
            guard let keyset = plan.keyset, let after else { return Totals(total: rows, loaded: 0, estimated: true) }
            let left = try await plannerRows(settings, connection, keyset.rows(afterKey: true), [after])
            return Totals(total: rows, loaded: max(0, rows - left), estimated: true)
        }
    }

    /// The planner's estimate of the rows `sql` returns (`EXPLAIN (FORMAT JSON)`).
    static func plannerRows(_ settings: PostgresSettings, _ connection: PostgresConnection, _ sql: String, _ params: [String]) async throws -> Int {
        guard let text = try await settings.scalar(connection, "EXPLAIN (FORMAT JSON) " + sql, params),
            let rows = try JSONParser.parse(text).arrayValue?.first?.objectValue?["Plan"]?.objectValue?["Plan Rows"]?.intValue
        else { return 0 }
        return rows
    }
}
