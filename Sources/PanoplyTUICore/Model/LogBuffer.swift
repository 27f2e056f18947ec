/// A bounded ring of log lines: the newest `capacity` are kept.
package struct LogBuffer: Sendable, Equatable {
    package let capacity: Int
    private var storage: [String] = []
    private var start = 0
    /// Lines ever appended (dropped ones included).
    private(set) var total = 0

    package init(capacity: Int = 2000) { self.capacity = max(1, capacity) }

    package var count: Int { storage.count }

    package mutating func append(_ line: String) {
        total += 1
        if storage.count < capacity {
            storage.append(line)
        } else {
            storage[start] = line
            start = (start + 1) % capacity
        }
    }

    /// The kept lines, oldest first.
    package var lines: [String] {
        storage.count < capacity ? storage : Array(storage[start...] + storage[..<start])
    }

    /// The kept lines containing `filter` (case-insensitive); all when it is empty.
    package func lines(matching filter: String) -> [String] {
        filter.isEmpty ? lines : lines.filter { $0.lowercased().contains(filter.lowercased()) }
    }
}
