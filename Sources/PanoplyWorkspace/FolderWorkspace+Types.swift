import Foundation
import PanoplyKit

/// The source types the user added (`types.json`), listed with the built-in ones.
extension FolderWorkspace {
    package var typesFile: String { directory + "/types.json" }

    /// - Throws: ``PanoplyError`` (config) when the file exists but cannot be read.
    package func loadAddedTypes() throws -> [AddedSourceType] {
        guard let data = FileManager.default.contents(atPath: typesFile) else { return [] }
        do {
            return try JSONDecoder().decode(AddedTypes.self, from: data).types
        } catch {
            throw PanoplyError.config("cannot read the added source types in '\(typesFile)': \(error.localizedDescription); fix or delete the file")
        }
    }

    package func saveAddedTypes(_ types: [AddedSourceType]) throws {
        try write(AddedTypes(types: types), to: typesFile)
    }
}

/// The file format of `types.json`.
private struct AddedTypes: Codable {
    var version = 1
    var types: [AddedSourceType]
}
