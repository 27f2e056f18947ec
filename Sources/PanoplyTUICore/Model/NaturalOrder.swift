/// Names in the order people expect: runs of digits compare as numbers (`t2` before
/// `t10`), letters without regard to case; a tie falls back to the plain order.
package enum NaturalOrder {
    /// Whether `a` comes before `b`.
    package static func precedes(_ a: String, _ b: String) -> Bool {
        precedes((chunks(a), a), (chunks(b), b))
    }

    /// `items` sorted by `name` in natural order (each name split into chunks once).
    package static func sorted<T>(_ items: [T], by name: (T) -> String) -> [T] {
        let keyed = items.map { item in
            let n = name(item)
            return (key: (chunks(n), n), item: item)
        }
        return keyed.sorted { precedes($0.key, $1.key) }.map(\.item)
    }

    private enum Chunk: Equatable {
        /// The digits without leading zeros.
        case number(Substring)
        /// Lowercased.
        case text(String)
    }

    private static func precedes(_ a: ([Chunk], String), _ b: ([Chunk], String)) -> Bool {
        for (p, q) in zip(a.0, b.0) where p != q {
            switch (p, q) {
            case (.number(let m), .number(let n)): return m.count != n.count ? m.count < n.count : m < n
            case (.number, .text): return true
            case (.text, .number): return false
            case (.text(let s), .text(let t)): return s < t
            }
        }
        return a.0.count != b.0.count ? a.0.count < b.0.count : a.1 < b.1
    }

    private static func chunks(_ s: String) -> [Chunk] {
        var out: [Chunk] = []
        var start = s.startIndex
        while start < s.endIndex {
            let digits = s[start].isASCII && s[start].isNumber
            let end = s[start...].firstIndex { ($0.isASCII && $0.isNumber) != digits } ?? s.endIndex
            let run = s[start..<end]
            if digits {
                let value = run.drop { $0 == "0" }
                out.append(.number(value.isEmpty ? "0" : value))
            } else {
                out.append(.text(run.lowercased()))
            }
            start = end
        }
        return out
    }
}
