import Foundation

/// Splits CSV bytes into rows: RFC 4180 (strict about quotes) plus what real files do (LF, CRLF or CR line
/// ends; quoted fields holding delimiters, doubled quotes and line breaks).
///
/// Works on bytes, not characters: the delimiter, the quote and line breaks are ASCII and
/// never occur inside a multi-byte UTF-8 sequence, so splitting bytes is exact and every
/// row's end is a byte offset a resumed run can seek to.
///
/// A row's fields come out as spans (``CSVFields``): a field without doubled quotes is a
/// range of the scanned bytes, copied nowhere; only a field with `""` in it is unescaped
/// into the fields' scratch bytes.
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

    /// What ``scan(_:from:atEOF:into:)`` found: a row's end, or as in ``Scan``.
    enum SpanScan: Equatable {
        case row(end: Int)
        case needMore
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
        var fields = CSVFields()
        return b.withUnsafeBufferPointer { p in
            switch scan(p, from: start, atEOF: atEOF, into: &fields) {
            case .row(let end): return .row(fields.strings(in: p), end: end)
            case .needMore: return .needMore
            case .end: return .end
            case .malformed(let why): return .malformed(why)
            }
        }
    }

    /// Scans one row of `b` starting at `start` into `fields` (emptied first); the spans
    /// index `b`. `atEOF` says no more bytes will follow.
    func scan(_ b: UnsafeBufferPointer<UInt8>, from start: Int, atEOF: Bool, into fields: inout CSVFields) -> SpanScan {
        fields.removeAll()
        let n = b.count
        var i = start
        if i >= n { return atEOF ? .end : .needMore }
        while true {
            var span = CSVFields.Span(start: i, end: i, inScratch: false)
            if i < n, b[i] == Self.quote {
                switch quoted(b, at: &i, atEOF: atEOF, into: &fields) {
                case .inBuffer(let s): span = CSVFields.Span(start: s, end: i - 1, inScratch: false)
                case .inScratch: span = CSVFields.Span(start: fields.scratchStart, end: fields.scratch.count, inScratch: true)
                case .needMore: return .needMore
                case .malformed(let why): return .malformed(why)
                }
                // A closing quote must end the field: anything else means the quotes are
                // unbalanced, and guessing would silently shift every later row.
                if i < n, b[i] != delimiter, b[i] != Self.lf, b[i] != Self.cr {
                    return .malformed("unexpected text after a closing quote (unbalanced quotes)")
                }
            } else {
                i = fieldEnd(b, from: i)
                span.end = i
            }
            if i >= n {
                if !atEOF { return .needMore }
                fields.spans.append(span)
                return .row(end: i)
            }
            let c = b[i]
            fields.spans.append(span)
            if c == delimiter {
                i += 1
                continue
            }
            if c == Self.cr {
                if i + 1 < n { i += b[i + 1] == Self.lf ? 2 : 1 } else if atEOF { i += 1 } else { return .needMore }
            } else {
                i += 1
            }
            return .row(end: i)
        }
    }

    /// The index of the first delimiter, LF or CR at or after `i`, or `b.count`: eight
    /// bytes at a time (the lowest flag of the masks is exact).
    @inline(__always)
    private func fieldEnd(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let n = b.count
        var i = start
        guard let base = b.baseAddress else { return n }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let d = ones &* UInt64(delimiter)
        while i + 8 <= n {
            let x = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            let a = x ^ d, l = x ^ (ones &* 0x0A), r = x ^ (ones &* 0x0D)
            let m = ((a &- ones) & ~a | (l &- ones) & ~l | (r &- ones) & ~r) & high
            if m != 0 { return i + m.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < n, b[i] != delimiter, b[i] != Self.lf, b[i] != Self.cr { i += 1 }
        return i
    }

    /// Where a quoted field's text is.
    private enum Quoted {
        /// `b[start..<i - 1]`, `i` being just after the closing quote.
        case inBuffer(start: Int)
        /// It had doubled quotes: unescaped into `fields.scratch` from `scratchStart` on.
        case inScratch
        case needMore
        case malformed(String)
    }

    /// A quoted field at `i` (on its opening quote); leaves `i` after the closing quote.
    private func quoted(_ b: UnsafeBufferPointer<UInt8>, at i: inout Int, atEOF: Bool, into fields: inout CSVFields) -> Quoted {
        let n = b.count
        i += 1
        var segment = i
        var copied = false
        while true {
            guard i < n else { return atEOF ? .malformed("a quoted field is not closed (missing '\"')") : .needMore }
            if b[i] != Self.quote {
                // On to the next quote at once.
                guard let q = memchr(b.baseAddress! + i, Int32(Self.quote), n - i) else { i = n; continue }
                i = b.baseAddress!.distance(to: q.assumingMemoryBound(to: UInt8.self))
                continue
            }
            if i + 1 < n {
                if b[i + 1] == Self.quote {
                    if !copied { fields.scratchStart = fields.scratch.count; copied = true }
                    fields.scratch.append(contentsOf: UnsafeBufferPointer(rebasing: b[segment...i]))
                    i += 2
                    segment = i
                    continue
                }
            } else if !atEOF {
                return .needMore
            }
            i += 1
            guard copied else { return .inBuffer(start: segment) }
            fields.scratch.append(contentsOf: UnsafeBufferPointer(rebasing: b[segment..<(i - 1)]))
            return .inScratch
        }
    }
}

/// The fields of one scanned row, as spans of the scanned bytes or of `scratch` (fields
/// whose doubled quotes were unescaped). Reused from row to row: no allocation per row
/// once the arrays have grown.
struct CSVFields {
    struct Span: Equatable {
        var start: Int
        var end: Int
        var inScratch: Bool
    }

    var spans: [Span] = []
    var scratch: [UInt8] = []
    /// Where the quoted field being unescaped starts in `scratch`.
    var scratchStart = 0

    var count: Int { spans.count }

    mutating func removeAll() {
        spans.removeAll(keepingCapacity: true)
        scratch.removeAll(keepingCapacity: true)
    }

    /// Whether the row is a blank line (one empty field).
    var isBlank: Bool { spans.count == 1 && spans[0].start == spans[0].end }

    /// Calls `body` with each field's bytes, in order; `b` is the buffer that was scanned.
    func forEach(in b: UnsafeBufferPointer<UInt8>, _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        try scratch.withUnsafeBufferPointer { s in
            for (k, span) in spans.enumerated() {
                try body(k, UnsafeBufferPointer(rebasing: (span.inScratch ? s : b)[span.start..<span.end]))
            }
        }
    }

    /// The fields as strings (invalid UTF-8 repaired, as `String(decoding:)` does).
    func strings(in b: UnsafeBufferPointer<UInt8>) -> [String] {
        var out: [String] = []
        out.reserveCapacity(spans.count)
        forEach(in: b) { _, field in out.append(String(decoding: field, as: UTF8.self)) }
        return out
    }
}
