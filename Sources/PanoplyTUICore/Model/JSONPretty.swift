import PanoplyKit

/// Indented JSON for the state pane.
package enum JSONPretty {
    package static func lines(_ value: JSONValue, indent: Int = 2) -> [String] {
        var out: [String] = []
        emit(value, prefix: "", depth: 0, trailing: "", indent: indent, into: &out)
        return out
    }

    private static func emit(_ v: JSONValue, prefix: String, depth: Int, trailing: String, indent: Int, into out: inout [String]) {
        let pad = String(repeating: " ", count: depth * indent)
        switch v {
        case .object(let o) where !o.isEmpty:
            out.append(pad + prefix + "{")
            for (i, (k, value)) in o.enumerated() {
                emit(
                    value, prefix: JSONWriter.string(.string(k)) + ": ", depth: depth + 1,
                    trailing: i == o.count - 1 ? "" : ",", indent: indent, into: &out)
            }
            out.append(pad + "}" + trailing)
        case .array(let a) where !a.isEmpty:
            out.append(pad + prefix + "[")
            for (i, value) in a.enumerated() {
                emit(value, prefix: "", depth: depth + 1, trailing: i == a.count - 1 ? "" : ",", indent: indent, into: &out)
            }
            out.append(pad + "]" + trailing)
        default:
            out.append(pad + prefix + JSONWriter.string(v) + trailing)
        }
    }
}
