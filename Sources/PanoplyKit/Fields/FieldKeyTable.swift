import Foundation

/// The keys a resource's field settings name, as the writer encodes them (`"email"`, quotes
/// included), laid out in one buffer with what becomes of each: what the rewrite of an
/// encoded record looks up for every member, without a copy or a reference count per member.
struct KeyTable: Sendable {
    struct Entry: Sendable {
        var start: Int
        var count: Int
        var drop: Bool
        var hash: Bool
        /// The new key's text in ``KeyTable/bytes`` (count 0: not renamed).
        var renameStart: Int
        var renameCount: Int
    }

    /// The keys' text, then the new keys' text.
    let bytes: [UInt8]
    /// The named fields, in ``ResourceFields/named`` order.
    let names: [String]
    /// One per named field, in ``ResourceFields/named`` order.
    let entries: [Entry]
    /// The most a record can grow by (a hash in place of a shorter value, a longer key).
    let growth: Int

    init(_ fields: ResourceFields) {
        var bytes: [UInt8] = []
        var entries: [Entry] = []
        var growth = 0
        for name in fields.named {
            let start = bytes.count
            JSONWriter.writeString(name, into: &bytes)
            var entry = Entry(
                start: start, count: bytes.count - start, drop: fields.exclude.contains(name), hash: fields.hash.contains(name), renameStart: 0,
                renameCount: 0)
            if !entry.drop, let renamed = fields.rename[name] {
                entry.renameStart = bytes.count
                JSONWriter.writeString(renamed, into: &bytes)
                entry.renameCount = bytes.count - entry.renameStart
                growth += max(0, entry.renameCount - entry.count)
            }
            if entry.hash { growth += 66 }
            entries.append(entry)
        }
        self.bytes = bytes
        self.names = fields.named
        self.entries = entries
        self.growth = growth
    }

    /// The table's buffers, valid inside ``withPointers(_:)``.
    struct Pointers {
        let bytes: UnsafePointer<UInt8>
        let entries: UnsafeBufferPointer<Entry>

        /// The entry of the key whose encoded text is `key[0..<count]`.
        @inline(__always)
        func find(_ key: UnsafePointer<UInt8>, _ count: Int) -> Int? {
            for i in 0..<entries.count where entries[i].count == count {
                if memcmp(bytes + entries[i].start, key, count) == 0 { return i }
            }
            return nil
        }
    }

    func withPointers<R>(_ body: (Pointers) -> R) -> R {
        bytes.withUnsafeBufferPointer { b in
            entries.withUnsafeBufferPointer { e in
                // An empty array may have no base address: any pointer does, nothing is read.
                body(Pointers(bytes: b.baseAddress ?? UnsafePointer(bitPattern: 1)!, entries: e))
            }
        }
    }

    /// The entry of the key whose encoded text is `key`.
    func index(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = key.baseAddress else { return nil }
        return withPointers { $0.find(base, key.count) } ?? equivalent(base, key.count)
    }

    /// The entry of a key that is not byte for byte a named one but the same text in another
    /// Unicode form (`cafe` and U+0301 against `café`): the object path compares Strings,
    /// which are equal then, so the encoded path must match it too. Only keys with non-ASCII
    /// bytes get here, and only when no key matched byte for byte.
    func equivalent(_ key: UnsafePointer<UInt8>, _ count: Int) -> Int? {
        let text = UnsafeBufferPointer(start: key, count: count)
        guard text.contains(where: { $0 >= 0x80 }), case .string(let name)? = try? JSONParser.parse(Array(text)) else { return nil }
        return names.firstIndex(of: name)
    }
}
