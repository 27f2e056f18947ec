import PanoplyKit

/// The files of a folder or pattern `path` as resources, with the keys of each.
extension JSONLSource {
    public static func values(param: String, source: SourceInput, context: SourceContext) async throws -> [ListValue] {
        try FileResources.values(param, source, type: type, extensions: extensions)
    }

    /// Each file with the keys of its first objects, typed from their values.
    public static func listResources(source: SourceInput, context: SourceContext) async throws -> [SourceResource] {
        try FileResources.resources(source, extensions: extensions, sample: fields)
    }

    static func fields(_ path: String) throws -> [SourceResource.Field] {
        let reader = try FileChunkReader(path: path)
        defer { reader.close() }
        var buffer: [UInt8] = []
        var sampler = FieldSampler()
        var start = 0, line = 0, objects = 0, atEOF = false
        while objects < FieldSampler.sampleSize {
            let lf = buffer[start...].firstIndex(of: 0x0A)
            guard lf != nil || (atEOF && start < buffer.count) else {
                if atEOF { break }
                if try !reader.readChunk(into: &buffer) { atEOF = true }
                continue
            }
            let end = lf ?? buffer.count
            line += 1
            var bytes = buffer[start..<end]
            start = min(end + 1, buffer.count)
            if bytes.last == 0x0D { bytes = bytes.dropLast() }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            sampler.add(try parse(Array(bytes), line: line, path: path))
            objects += 1
        }
        return sampler.fields
    }
}
