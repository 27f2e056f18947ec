import PanoplyKit

extension SealedDocument {
    /// Where the saved params of a run's committed state are remembered in a ``SealedMemo``.
    static let savedParamsPlace = "state." + SavedParams.stateKey

    /// The saved params of a committed state (`__params`: tokens a source refreshed during
    /// a run, ``SavedParams``) as stored: their JSON text sealed whole, associated data the
    /// source's id (an unchanged value gives the stored text again through `memo`).
    /// - Parameter text: the JSON text of the `__params` object.
    /// - Returns: the JSON text of the sealed value.
    package static func sealSavedParams(_ text: String, id: String, box: SecretBox, memo: SealedMemo?) -> String {
        JSONWriter.string(seal(text, id: id, place: savedParamsPlace, box: box, memo: memo).json)
    }

    /// The saved params of a committed state as read: opened with `box`; a value stored
    /// before sealing (plain JSON) as it is; nil without a box when they are sealed.
    /// - Throws: ``PanoplyError`` (config) naming the source when they do not open.
    package static func openSavedParams(_ value: JSONValue, id: String, name: String, box: SecretBox?, memo: SealedMemo?) throws -> JSONValue? {
        guard let sealed = SealedValue(json: value) else { return value }
        guard
            let text = try open(sealed, id: id, place: savedParamsPlace, box: box, memo: memo, what: "the saved params of source '\(name)'")?
                .stringValue
        else { return nil }
        do {
            return try JSONParser.parse(text)
        } catch {
            throw PanoplyError.config("the saved params of source '\(name)' are not JSON once opened: \(error); reset its state")
        }
    }
}
