/// Names in the order people expect: runs of digits compare as numbers (`t2` before
/// `t10`), letters without regard to case; a tie falls back to the plain order.
package enum NaturalOrder {
    /// Whether `a` comes before `b`.
    package static func precedes(_ a: String, _ b: String) -> Bool {
        let x = chunks(a), y = chunks(b)
        for (p, q) in zip(x, y) {
            switch (p, q) {
            case (.number(let m), .number(let n)):
                if m != n { return m.count != n.count ? m.count < n.count : m < n }
            case (.number, .text): return true
            case (.text, .number): return false
            case (.text(let s), .text(let t)):
                let (ls, lt) = (s.lowercased(), t.lowercased())
                if ls != lt { return ls < lt }
            }
        }
        return x.count != y.count ? x.count < y.count : a < b
    }

    private enum Chunk: Equatable {
        /// The digits without leading zeros.
        case number(Substring)
        case text(Substring)
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
                out.append(.text(run))
            }
            start = end
        }
        return out
    }
}
