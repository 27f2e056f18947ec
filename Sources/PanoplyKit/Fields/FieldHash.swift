import COpenSSL
import Foundation

/// The hash of a field's value: lowercase hex SHA-256 of the value's text (a string's
/// UTF-8 bytes; any other value's compact JSON, as the SDK writes it), or with a salt
/// HMAC-SHA256 keyed by the salt's UTF-8 bytes. A null stays null.
///
/// ```
/// sha256("ada@example.com") = "4a5ac..."     hmac_sha256(key: salt, "ada@example.com")
/// ```
// The HMAC key's digest states are copied for each value, never mutated: safe to share.
public struct FieldHash: @unchecked Sendable {
    /// The HMAC key (nil: plain SHA-256).
    private let keyed: panoply_hmac_sha256_key?

    /// - Parameter salt: the salt, or nil (or empty) for plain SHA-256.
    public init(salt: String?) {
        keyed = salt.flatMap { salt in
            guard !salt.isEmpty else { return nil }
            var key = panoply_hmac_sha256_key()
            let bytes = Array(salt.utf8)
            bytes.withUnsafeBytes { panoply_hmac_sha256_init(&key, $0.baseAddress, $0.count) }
            return key
        }
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
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digest in
            let d = digest.baseAddress!
            if let keyed {
                withUnsafePointer(to: keyed) { panoply_hmac_sha256($0, bytes.baseAddress, bytes.count, d) }
            } else {
                panoply_sha256(bytes.baseAddress, bytes.count, d)
            }
            for i in 0..<32 {
                out[2 * i] = Self.hexDigit(d[i] >> 4)
                out[2 * i + 1] = Self.hexDigit(d[i] & 0x0f)
            }
        }
    }

    @inline(__always)
    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }
}
