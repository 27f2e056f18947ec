/// How much a log line matters; `!` in the run view shows only warnings and errors.
package enum LogLevel: String, Sendable, Equatable {
    case info, warn, error

    /// The level of a line a source or the runner logged (`RunEvent.log` carries none):
    /// "error..." is an error; "warning...", "skipped..." and lines saying something
    /// failed or cannot be done are warnings; the rest is info.
    package static func of(_ line: String) -> LogLevel {
        let l = line.lowercased()
        if l.hasPrefix("error") { return .error }
        let warnings = ["failed", "cannot ", "can't ", "retrying"]
        if l.hasPrefix("warn") || l.hasPrefix("skipped") || warnings.contains(where: l.contains) { return .warn }
        return .info
    }
}

/// One line of a run's log: when (seconds on the app's clock, from the tick), how much
/// it matters, and what.
package struct LogLine: Sendable, Equatable {
    package var at: Double
    package var level: LogLevel
    package var text: String

    package init(at: Double, level: LogLevel = .info, _ text: String) {
        self.at = at
        self.level = level
        self.text = text
    }
}

/// A bounded ring of log lines: the newest `capacity` are kept.
package struct LogBuffer: Sendable, Equatable {
    package let capacity: Int
    private var storage: [LogLine] = []
    private var start = 0
    /// Lines ever appended (dropped ones included).
    private(set) var total = 0

    package init(capacity: Int = 2000) { self.capacity = max(1, capacity) }

    package var count: Int { storage.count }

    package mutating func append(_ line: LogLine) {
        total += 1
        if storage.count < capacity {
            storage.append(line)
        } else {
            storage[start] = line
            start = (start + 1) % capacity
        }
    }

    /// The kept lines, oldest first.
    package var lines: [LogLine] {
        storage.count < capacity ? storage : Array(storage[start...] + storage[..<start])
    }

    /// The kept lines whose text contains `filter` (case-insensitive; all when empty),
    /// only warnings and errors when `problemsOnly`.
    package func lines(matching filter: String, problemsOnly: Bool = false) -> [LogLine] {
        let needle = filter.lowercased()
        return lines.filter { line in
            (!problemsOnly || line.level != .info) && (needle.isEmpty || line.text.lowercased().contains(needle))
        }
    }
}
