/// Splits CSV bytes into rows: RFC 4180 (strict about quotes) plus what real files do (LF, CRLF or CR line
/// ends; quoted fields holding delimiters, doubled quotes and line breaks).
///
/// Works on bytes, not characters: the delimiter, the quote and line breaks are ASCII and
/// never occur inside a multi-byte UTF-8 sequence, so splitting bytes is exact and every
/// row's end is a byte offset a resumed run can seek to.
struct CSVRowScanner: Sendable {
    enum Scan: Equatable {
        /// A row and the index just after its line break.
        case row([String], end: Int)
        /// The row continues past the bytes given; call again with more.
        case needMore
        /// No bytes left.
        case end
        case malformed(String)
    }

    let delimiter: UInt8
    private static let quote = UInt8(ascii: "\"")
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    init(delimiter: UInt8 = UInt8(ascii: ",")) { self.delimiter = delimiter }

    /// Scans one row of `b` starting at `start`. `atEOF` says no more bytes will follow.
    func scan(_ b: [UInt8], from start: Int, atEOF: Bool) -> Scan {
        let n = b.count
        var i = start
        if i >= n { return atEOF ? .end : .needMore }
        var fields: [String] = []
        var field: [UInt8] = []
        while true {
            let quotedField = i < n && b[i] == Self.quote
            if quotedField {
                i += 1
                quoted: while true {
                    guard i < n else { return atEOF ? .malformed("a quoted field is not closed (missing '\"')") : .needMore }
                    if b[i] == Self.quote {
                        if i + 1 < n {
                            if b[i + 1] == Self.quote { field.append(Self.quote); i += 2; continue }
                            i += 1
                            break quoted
                        }
                        if !atEOF { return .needMore }
                        i += 1
                        break quoted
                    }
                    field.append(b[i])
                    i += 1
                }
            }
            // A closing quote must end the field: anything else means the quotes are
            // unbalanced, and guessing would silently shift every later row.
            if quotedField, i < n, b[i] != delimiter, b[i] != Self.lf, b[i] != Self.cr {
                return .malformed("unexpected text after a closing quote (unbalanced quotes)")
            }
            while i < n, b[i] != delimiter, b[i] != Self.lf, b[i] != Self.cr {
                field.append(b[i])
                i += 1
            }
            if i >= n {
                if !atEOF { return .needMore }
                fields.append(String(decoding: field, as: UTF8.self))
                return .row(fields, end: i)
            }
            let c = b[i]
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            if c == delimiter {
                i += 1
                continue
            }
            if c == Self.cr {
                if i + 1 < n { i += b[i + 1] == Self.lf ? 2 : 1 } else if atEOF { i += 1 } else { return .needMore }
            } else {
                i += 1
            }
            return .row(fields, end: i)
        }
    }
}
