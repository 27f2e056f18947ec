import Foundation
import PanoplyConnectors
import PanoplyKit

/// The source types the user added (`types.json`), listed with the built-in ones.
extension ConfigStore {
    var typesFile: String { directory + "/types.json" }

    /// - Throws: ``PanoplyError`` (config) when the file exists but cannot be read.
    func loadAddedTypes() throws -> [AddedSourceType] {
        guard let data = FileManager.default.contents(atPath: typesFile) else { return [] }
        do {
            return try JSONDecoder().decode(AddedTypes.self, from: data).types
        } catch {
            throw PanoplyError.config("cannot read the added source types in '\(typesFile)': \(error.localizedDescription); fix or delete the file")
        }
    }

    func saveAddedTypes(_ types: [AddedSourceType]) throws {
        try write(AddedTypes(types: types), to: typesFile)
    }

    /// The built-in types and the added ones' interpreters.
    func registry() throws -> SourceRegistry {
        BuiltinSources.registry(added: try loadAddedTypes())
    }
}

/// The file format of `types.json`.
private struct AddedTypes: Codable {
    var version = 1
    var types: [AddedSourceType]
}
