/// A growable byte buffer that keeps its storage between uses (cleared, never shrunk),
/// written through a pointer.
struct RequestBuffer {
    private(set) var storage: UnsafeMutableRawBufferPointer = .init(start: nil, count: 0)
    private(set) var count = 0

    /// Empties the buffer and makes room for at least `capacity` bytes.
    mutating func reset(capacity: Int) {
        count = 0
        if storage.count < capacity {
            storage.deallocate()
            storage = .allocate(byteCount: max(capacity, storage.count * 2), alignment: 16)
        }
    }

    /// Writes through `write`, which returns how many bytes it wrote (at most the capacity
    /// given to ``reset(capacity:)``).
    mutating func write(_ write: (UnsafeMutablePointer<UInt8>) -> Int) {
        let n = write(storage.baseAddress!.assumingMemoryBound(to: UInt8.self) + count)
        count += n
        precondition(count <= storage.count, "ByteBuffer overflow")
    }

    mutating func free() {
        storage.deallocate()
        storage = .init(start: nil, count: 0)
        count = 0
    }

    func withUnsafeBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(UnsafeRawBufferPointer(start: storage.baseAddress, count: count))
    }
}
