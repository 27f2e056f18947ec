import Foundation
import PanoplyKit
import Synchronization

extension SealedDocument {
    /// `body` with every sealed value in it opened with `old` and sealed again with `new`
    /// under the same associated data (`workspace rotate-key`). Values already sealed with
    /// `new` stay as they are, so running it twice changes nothing.
    /// - Parameters:
    ///   - associatedData: the owner's id (a source's id, or ``destinationData``).
    ///   - what: names the document in messages (`source 'Orders'`).
    /// - Returns: the new body and how many values were sealed again.
    /// - Throws: ``PanoplyError`` (config) when a value opens with neither key, or was
    ///   changed or sealed for another owner; nothing is half done (the caller writes all or nothing).
    package static func reseal(
        _ body: Data, associatedData: String, from old: SecretBox, to new: SecretBox, what: String
    ) throws -> (body: Data, resealed: Int) {
        let doc = try parse(body, what: what)
        var count = 0
        let out = try resealing(.object(doc), path: []) { sealed, path in
            if sealed.key == new.key.id, sealed.key != old.key.id { return sealed }
            let plain: String
            do {
                plain = try old.open(sealed, associatedData: associatedData)
            } catch {
                throw PanoplyError.config("\(path.joined(separator: ".")) of \(what) \(error.asPanoplyError.message)")
            }
            count += 1
            return new.seal(plain, associatedData: associatedData)
        }
        return (bytes(out.objectValue ?? doc), count)
    }

    /// The key ids `body` holds sealed values under (to say which key a workspace uses).
    package static func keyIDs(in body: Data) -> Set<String> {
        guard let value = try? JSONParser.parse(Array(body)) else { return [] }
        var ids: Set<String> = []
        _ = try? resealing(value, path: []) { sealed, _ in
            ids.insert(sealed.key)
            return sealed
        }
        return ids
    }

    private static func resealing(
        _ value: JSONValue, path: [String], _ change: (SealedValue, [String]) throws -> SealedValue
    ) throws -> JSONValue {
        if let sealed = SealedValue(json: value) { return try change(sealed, path).json }
        switch value {
        case .object(let o):
            var out = o
            for (key, item) in o { out[key] = try resealing(item, path: path + [key], change) }
            return .object(out)
        case .array(let items):
            return .array(try items.enumerated().map { try resealing($0.element, path: path + [String($0.offset)], change) })
        default:
            return value
        }
    }
}

/// The sealed values a store read or wrote, with their plaintext, by owner and place
/// (`<id>` and `values.password`): sealing the same plaintext again gives the value already
/// stored instead of a new one (a new nonce), so a save that changes nothing writes the
/// same JSON and a store can skip unchanged rows.
package final class SealedMemo: Sendable {
    private struct Entry: Sendable {
        var plain: String
        var sealed: SealedValue
    }
    private let entries = Mutex<[String: Entry]>([:])

    package init() {}

    func remember(_ plain: String, _ sealed: SealedValue, id: String, place: String) {
        entries.withLock { $0[id + "\u{1}" + place] = Entry(plain: plain, sealed: sealed) }
    }

    /// The value stored for this plaintext under key `key`, nil when there is none.
    func sealed(_ plain: String, id: String, place: String, key: String) -> SealedValue? {
        entries.withLock { e in e[id + "\u{1}" + place].flatMap { $0.plain == plain && $0.sealed.key == key ? $0.sealed : nil } }
    }
}
