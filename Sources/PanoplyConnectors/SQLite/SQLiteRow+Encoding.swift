import CSQLite
import Foundation
import PanoplyKit

/// A row's columns written straight into a record's JSON, as ``SQLiteRow/value(_:)``
/// would give them and the SDK's writer write them: integers as their digits, reals as
/// `JSONNumber(Double)` writes them, text escaped from SQLite's own bytes, blobs as base64,
/// NULL as null.
extension SQLiteRow {
    /// Column names as JSON keys with their colons (``encodedNames(from:)``).
    struct EncodedNames {
        var bytes: [UInt8] = []
        /// Where each name ends in ``bytes``.
        var ends: [Int] = []
    }

    /// `"name":` of each column from `first` on, as JSON, one after another in one buffer
    /// (no array per name: copying them out of one buffer costs no reference counting).
    func encodedNames(from first: Int) -> EncodedNames {
        var names = EncodedNames()
        for i in first..<count {
            JSONWriter.writeString(name(i), into: &names.bytes)
            names.bytes.append(UInt8(ascii: ":"))
            names.ends.append(names.bytes.count)
        }
        return names
    }

    /// Whether names from ``encodedNames(from:)`` can head a record in the writer's own
    /// form: unique, and none a key the runner or the SDK sets.
    static func namesVouch(_ names: [String]) -> Bool {
        Set(names).count == names.count && EncodedRecords.reservedKeys.isDisjoint(with: names)
    }

    /// Appends the object of columns `first...` named by `keys` (from ``encodedNames(from:)``).
    /// - Returns: whether it is in the writer's own form (see
    ///   ``EncodedRecords/append(vouching:)``): `namesVouch`, ASCII text, reals whose text
    ///   is a JSON number.
    @discardableResult
    func writeObject(from first: Int, keys: EncodedNames, namesVouch: Bool, into out: inout [UInt8]) -> Bool {
        var vouch = namesVouch
        out.append(UInt8(ascii: "{"))
        keys.bytes.withUnsafeBufferPointer { names in
            keys.ends.withUnsafeBufferPointer { ends in
                var start = 0
                for k in ends.indices {
                    if k > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: names[start..<ends[k]]))
                    start = ends[k]
                    if !write(first + k, into: &out) { vouch = false }
                }
            }
        }
        out.append(UInt8(ascii: "}"))
        return vouch
    }

    /// Appends column `i` as JSON. Text is copied as SQLite holds it: text that is not
    /// valid UTF-8 makes the record invalid, and the caller takes ``value(_:)`` instead.
    /// - Returns: whether the value is in the writer's form for sure (ASCII text, a real
    ///   that is a JSON number); false means only "check it".
    @discardableResult
    func write(_ i: Int, into out: inout [UInt8]) -> Bool {
        let c = Int32(i)
        switch sqlite3_column_type(stmt, c) {
        case SQLITE_INTEGER: Self.writeInteger(sqlite3_column_int64(stmt, c), into: &out)
        case SQLITE_TEXT:
            let n = Int(sqlite3_column_bytes(stmt, c))
            guard let p = sqlite3_column_text(stmt, c) else { out.append(contentsOf: [0x22, 0x22]); return true }
            let text = UnsafeBufferPointer(start: p, count: n)
            JSONWriter.writeStringBytes(text, into: &out)
            return EncodedRecords.isASCII(text)
        case SQLITE_NULL: out.append(contentsOf: Self.null)
        default:
            // Reals and blobs: their text is built once anyway (a double's shortest form, base64).
            switch value(i) {
            case .number(let n):
                let start = out.count
                out.append(contentsOf: n.text.utf8)
                return out.withUnsafeBufferPointer { JSONNumber.literalLength(UnsafeBufferPointer(rebasing: $0[start...])) == out.count - start }
            case .string(let s): JSONWriter.writeString(s, into: &out)
            default: out.append(contentsOf: Self.null)
            }
        }
        return true
    }

    private static let null: [UInt8] = Array("null".utf8)

    /// The decimal digits of `v`, as `String(v)` gives them.
    @inline(__always)
    static func writeInteger(_ v: Int64, into out: inout [UInt8]) {
        if v < 0 { out.append(UInt8(ascii: "-")) }
        var m = v.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buf in
            var k = 20
            repeat {
                k -= 1
                buf[k] = UInt8(truncatingIfNeeded: m % 10) &+ 0x30
                m /= 10
            } while m > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[k...]))
        }
    }
}
