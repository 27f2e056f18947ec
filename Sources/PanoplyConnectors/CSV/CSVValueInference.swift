import Foundation
import PanoplyKit

/// Turns CSV text into a typed JSON value when `infer_types` is on. Numbers keep their
/// exact text; values that only look numeric in other notations (leading zeros, "1e",
/// "+1") stay strings so zip codes and ids are not mangled.
enum CSVValueInference {
    /// What a cell's text becomes.
    enum Kind: Equatable {
        case null
        case bool(Bool)
        /// A number: the first `length` bytes (trailing whitespace dropped).
        case number(length: Int)
        case string
    }

    /// The kind of a cell's UTF-8 text.
    static func kind(_ text: UnsafeBufferPointer<UInt8>) -> Kind {
        guard let first = text.first else { return .null }
        switch text.count {
        case 4 where equals(text, "true") || equals(text, "TRUE") || equals(text, "True"): return .bool(true)
        case 5 where equals(text, "false") || equals(text, "FALSE") || equals(text, "False"): return .bool(false)
        default: break
        }
        guard first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39), let n = JSONNumber.literalLength(text) else { return .string }
        // JSONNumber(text:) allows whitespace after the literal, and keeps the literal only.
        for c in text[n...] where c != 0x20 && c != 0x0A && c != 0x0D && c != 0x09 { return .string }
        return .number(length: n)
    }

    static func value(_ text: String) -> JSONValue {
        var text = text
        switch text.withUTF8({ kind($0) }) {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let n): return (try? JSONNumber(text: String(decoding: text.utf8.prefix(n), as: UTF8.self))).map { .number($0) } ?? .string(text)
        case .string: return .string(text)
        }
    }

    /// Writes a cell as JSON: typed as ``kind(_:)`` says, or (without inference) a string.
    @inline(__always)
    static func write(_ text: UnsafeBufferPointer<UInt8>, infer: Bool, into w: inout RecordWriter) {
        guard infer else { return w.text(text) }
        switch kind(text) {
        case .null: w.null()
        case .bool(let b):
            b ? literalTrue.withUnsafeBufferPointer { w.literal($0, checked: true) } : literalFalse.withUnsafeBufferPointer { w.literal($0, checked: true) }
        // kind(_:) took the literal with JSONNumber.literalLength.
        case .number(let n): w.literal(UnsafeBufferPointer(rebasing: text[..<n]), checked: true)
        case .string: w.text(text)
        }
    }

    static let literalTrue: [UInt8] = Array("true".utf8)
    static let literalFalse: [UInt8] = Array("false".utf8)

    private static func equals(_ a: UnsafeBufferPointer<UInt8>, _ b: StaticString) -> Bool {
        memcmp(a.baseAddress!, b.utf8Start, b.utf8CodeUnitCount) == 0
    }
}
