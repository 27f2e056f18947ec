import Foundation

/// The names of a CSV file's columns, unique so that no cell overwrites another: blank
/// header names are named by position (`column_3`), repeated ones numbered (`a_2`), and
/// fields past the header (a longer row) get positional names too; a generated name never
/// takes a name the header uses, or one given before.
struct CSVColumns: Sendable {
    private(set) var names: [String] = []
    private var taken: Set<String> = []
    /// Names as the header wrote them: a generated name must not take one of these.
    private let reserved: Set<String>

    /// - Parameter header: the header row, or nil for a file without one.
    init(header: [String]?) {
        let header = header ?? []
        reserved = Set(header)
        for (i, raw) in header.enumerated() {
            let blank = raw.trimmingCharacters(in: .whitespaces).isEmpty
            let name: String
            if blank { name = unique("column_\(i + 1)") } else if taken.contains(raw) { name = unique(raw) } else { name = raw }
            names.append(name)
            taken.insert(name)
        }
    }

    var count: Int { names.count }

    /// The name of field `i` (0-based), extending the names for a row longer than the header.
    mutating func name(_ i: Int) -> String {
        while names.count <= i {
            let name = unique("column_\(names.count + 1)")
            names.append(name)
            taken.insert(name)
        }
        return names[i]
    }

    /// A generated name: `base` if neither given nor in the header, else `base_k` for the
    /// first such k from 2.
    private func unique(_ base: String) -> String {
        if !taken.contains(base), !reserved.contains(base) { return base }
        var k = 2
        while taken.contains("\(base)_\(k)") || reserved.contains("\(base)_\(k)") { k += 1 }
        return "\(base)_\(k)"
    }
}
