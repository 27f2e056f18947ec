import PanoplyKit

/// The files of a folder or pattern `path` as resources, with the columns of each.
extension CSVSource {
    public static func values(param: String, source: SourceInput, context: SourceContext) async throws -> [ListValue] {
        try FileResources.values(param, source, type: type, extensions: extensions(source))
    }

    /// Each file with its columns (from the header, or `column_N`), typed from its first rows.
    public static func listResources(source: SourceInput, context: SourceContext) async throws -> [SourceResource] {
        let delimiter = try delimiter(source.string("delimiter") ?? ",")
        let header = source.bool("header") ?? true
        return try FileResources.resources(source, extensions: extensions(source)) {
            try fields($0, delimiter: delimiter, header: header)
        }
    }

    static func fields(_ path: String, delimiter: UInt8, header: Bool) throws -> [SourceResource.Field] {
        let cursor = try CSVCursor(path: path, offset: 0, delimiter: delimiter)
        defer { cursor.close() }
        var columns = CSVColumns(header: header ? try cursor.next() : nil)
        var sampler = FieldSampler()
        for name in columns.names { sampler.add(name, .null) }
        var rows = 0
        while rows < FieldSampler.sampleSize, let row = try cursor.next() {
            for (i, text) in row.enumerated() { sampler.add(columns.name(i), CSVValueInference.value(text)) }
            rows += 1
        }
        return sampler.fields
    }
}
