import Crypto
import Foundation

/// The hash of a field's value: lowercase hex SHA-256 of the value's text (a string's
/// UTF-8 bytes; any other value's compact JSON, as the SDK writes it), or with a salt
/// HMAC-SHA256 keyed by the salt's UTF-8 bytes. A null stays null.
///
/// ```
/// sha256("ada@example.com") = "4a5ac..."     hmac_sha256(key: salt, "ada@example.com")
/// ```
// The HMAC state is never mutated in place: each value hashes a copy of it.
public struct FieldHash: @unchecked Sendable {
    /// The HMAC state after the key, copied for each value (nil: plain SHA-256).
    private let keyed: HMAC<SHA256>?

    /// - Parameter salt: the salt, or nil (or empty) for plain SHA-256.
    public init(salt: String?) {
        keyed = salt.flatMap { $0.isEmpty ? nil : HMAC<SHA256>(key: SymmetricKey(data: Array($0.utf8))) }
    }

    /// The hash of `value` (null stays null).
    public func hash(_ value: JSONValue) -> JSONValue {
        switch value {
        case .null: return .null
        case .string(let s):
            var s = s
            return .string(s.withUTF8 { hex(UnsafeRawBufferPointer($0)) })
        default:
            var text: [UInt8] = []
            try? JSONWriter.write(value, into: &text)
            return .string(text.withUnsafeBytes { hex($0) })
        }
    }

    /// The 64 lowercase hex digits of the digest of `bytes`.
    public func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: 64) { out in
            writeHex(bytes, into: out.baseAddress!)
            return 64
        }
    }

    /// Writes the 64 hex digits of the digest of `bytes` at `out`.
    func writeHex(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>) {
        if var mac = keyed {
            mac.update(data: bytes)
            Self.writeHex(of: mac.finalize(), into: out)
        } else {
            Self.writeHex(of: SHA256.hash(data: bytes), into: out)
        }
    }

    /// The digest's 32 bytes as 64 hex digits (read through its bytes: iterating a digest as
    /// a sequence cost as much as the hash on the fast path).
    private static func writeHex<D: ContiguousBytes>(of digest: D, into out: UnsafeMutablePointer<UInt8>) {
        digest.withUnsafeBytes { bytes in
            for (i, b) in bytes.enumerated() {
                out[2 * i] = hexDigit(b >> 4)
                out[2 * i + 1] = hexDigit(b & 0x0f)
            }
        }
    }

    @inline(__always)
    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }
}
