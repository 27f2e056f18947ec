import Foundation

/// The top-level members of a record's compact JSON text (as ``EncodedRecords`` keeps it:
/// no whitespace, valid), found by skipping values without decoding them.
enum FieldScanner {
    /// Calls `body` with each member's key (quoted, as written) and value text.
    static func members(_ p: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void) {
        guard let base = p.baseAddress, p.count >= 2, base[0] == UInt8(ascii: "{") else { return }
        var i = 1
        let n = p.count
        while i < n, base[i] == UInt8(ascii: "\"") {
            let keyEnd = skipString(base, i, n)
            let valueStart = keyEnd + 1  // after ':'
            let valueEnd = skipValue(base, valueStart, n)
            body(UnsafeBufferPointer(start: base + i, count: keyEnd - i), UnsafeBufferPointer(start: base + valueStart, count: valueEnd - valueStart))
            i = valueEnd + 1  // after ',' (or '}': the loop ends)
        }
    }

    /// The index after the string starting at `i` (a quote).
    @inline(__always)
    static func skipString(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int {
        var j = i + 1
        while j < n {
            let b = p[j]
            if b == UInt8(ascii: "\\") { j += 2; continue }
            if b == UInt8(ascii: "\"") { return j + 1 }
            j += 1
        }
        return n
    }

    /// The index after the value starting at `i`.
    static func skipValue(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int {
        guard i < n else { return n }
        switch p[i] {
        case UInt8(ascii: "\""): return skipString(p, i, n)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var j = i
            while j < n {
                switch p[j] {
                case UInt8(ascii: "\""): j = skipString(p, j, n); continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return j + 1 }
                default: break
                }
                j += 1
            }
            return n
        default:
            var j = i
            while j < n, p[j] != UInt8(ascii: ","), p[j] != UInt8(ascii: "}") { j += 1 }
            return j
        }
    }
}

extension FieldTransform {
    /// The batch with the settings applied to every record, rewritten from its JSON text:
    /// excluded members left out, hashed values replaced by their hash, renamed keys
    /// written with their new name. Its state and progress are the batch's.
    public func apply(_ batch: EncodedRecords) -> EncodedRecords {
        var out = EncodedRecords(reservingCapacity: batch.bytes.count + batch.count * keys.growth)
        out.state = batch.state
        out.progress = batch.progress
        out.progressIsEstimate = batch.progressIsEstimate
        out.entries.reserveCapacity(batch.count)
        batch.bytes.withUnsafeBufferPointer { all in
            keys.withPointers { table in
                for e in batch.entries {
                    let start = out.bytes.count
                    rewrite(UnsafeBufferPointer(rebasing: all[e.start..<e.end]), table, into: &out.bytes)
                    let isEmpty = out.bytes.count - start == 2
                    out.entries.append(.init(start: start, end: out.bytes.count, close: e.close < 0 ? -1 : out.bytes.count - 1, isEmpty: isEmpty))
                }
            }
        }
        return out
    }

    /// Writes one record's text with the settings applied. The members no setting names are
    /// copied as they lie, several at once (with the commas between them); only a named
    /// member is written on its own.
    func rewrite(_ record: UnsafeBufferPointer<UInt8>, _ table: KeyTable.Pointers, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        guard let p = record.baseAddress, record.count >= 2, p[0] == UInt8(ascii: "{") else {
            out.append(UInt8(ascii: "}"))
            return
        }
        let n = record.count
        var first = true
        var pending = -1  // where the unchanged members not yet copied begin
        var pendingEnd = 0
        var i = 1
        while i < n, p[i] == UInt8(ascii: "\"") {
            let keyEnd = FieldScanner.skipString(p, i, n)
            let valueEnd = FieldScanner.skipValue(p, keyEnd + 1, n)
            if let a = table.find(p + i, keyEnd - i) ?? keys.equivalent(p + i, keyEnd - i) {
                if pending >= 0 {
                    Self.copy(p, pending, pendingEnd, first: &first, into: &out)
                    pending = -1
                }
                let entry = table.entries[a]
                if !entry.drop {
                    if !first { out.append(UInt8(ascii: ",")) }
                    first = false
                    if entry.renameCount > 0 {
                        out.append(contentsOf: UnsafeBufferPointer(start: table.bytes + entry.renameStart, count: entry.renameCount))
                    } else {
                        out.append(contentsOf: UnsafeBufferPointer(start: p + i, count: keyEnd - i))
                    }
                    out.append(UInt8(ascii: ":"))
                    let value = UnsafeBufferPointer(start: p + keyEnd + 1, count: valueEnd - keyEnd - 1)
                    if entry.hash { hashValue(value, into: &out) } else { out.append(contentsOf: value) }
                }
            } else {
                if pending < 0 { pending = i }
                pendingEnd = valueEnd
            }
            i = valueEnd + 1  // after ',' (or '}': the loop ends)
        }
        if pending >= 0 { Self.copy(p, pending, pendingEnd, first: &first, into: &out) }
        out.append(UInt8(ascii: "}"))
    }

    /// Copies the unchanged members `p[from..<to]` (commas between them included).
    @inline(__always)
    private static func copy(_ p: UnsafePointer<UInt8>, _ from: Int, _ to: Int, first: inout Bool, into out: inout [UInt8]) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        out.append(contentsOf: UnsafeBufferPointer(start: p + from, count: to - from))
    }

    /// `"<hex>"` of a value's text (a string's UTF-8 content; other values as written),
    /// or `null` for null. As written is the value's compact JSON, as the object path hashes
    /// it: ``EncodedRecords`` keeps only the writer's form, and parses and writes again any
    /// record that is not in it (a PostgreSQL `jsonb`'s spaced text, a `json` column's text as
    /// stored). Numbers keep their literal on both paths (`1.50`, `1e+20`).
    private func hashValue(_ value: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        if value.count == 4, value[0] == UInt8(ascii: "n") {
            out.append(contentsOf: value)
            return
        }
        let start = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: "\""), count: 66))
        out.withUnsafeMutableBufferPointer { o in
            let dest = o.baseAddress! + start + 1
            guard value.first == UInt8(ascii: "\"") else {
                return hasher.writeHex(UnsafeRawBufferPointer(value), into: dest)
            }
            let inner = UnsafeBufferPointer(rebasing: value[1..<(value.count - 1)])
            guard inner.contains(UInt8(ascii: "\\")) else { return hasher.writeHex(UnsafeRawBufferPointer(inner), into: dest) }
            // Escaped text: its content is what the string holds.
            var s = (try? JSONParser.parse(Array(value)))?.stringValue ?? ""
            s.withUTF8 { hasher.writeHex(UnsafeRawBufferPointer($0), into: dest) }
        }
    }
}
