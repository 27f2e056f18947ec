import Crypto
import Foundation
import Testing

@testable import PanoplyKit

@Suite("Field settings: parsing, checks, hash and transform")
struct FieldSettingsTests {
    @Test("a field without a resource belongs to the only resource, or to any when none is known")
    func resourceIsOptionalWithOneResource() throws {
        let one = try FieldSettings.parse(exclude: ["ssn"], hash: [], rename: [], hashSalt: nil, resources: ["public.users"])
        #expect(one.resources["public.users"]?.exclude == ["ssn"])
        let none = try FieldSettings.parse(exclude: ["ssn"], hash: [], rename: [], hashSalt: nil, resources: nil)
        #expect(none.resources[FieldSettings.anyResource]?.exclude == ["ssn"])
        #expect(none.fields(for: "anything")?.exclude == ["ssn"])
        #expect(none.fields(for: nil)?.exclude == ["ssn"])
    }

    @Test("ids with colons split at the last colon that leaves a known id")
    func idsWithColons() throws {
        let known = ["http://api/v1:users", "http://api/v1:orders"]
        let s = try FieldSettings.parse(
            exclude: ["http://api/v1:users:email"], hash: ["http://api/v1:orders:card:number"], rename: ["http://api/v1:users:full:name=name"],
            hashSalt: nil, resources: known)
        #expect(s.resources["http://api/v1:users"]?.exclude == ["email"])
        #expect(s.resources["http://api/v1:orders"]?.hash == ["card:number"])
        #expect(s.resources["http://api/v1:users"]?.rename == ["full:name": "name"])
        let unknown = try FieldSettings.parse(exclude: ["users:email"], hash: [], rename: [], hashSalt: nil, resources: nil)
        #expect(unknown.resources["users"]?.exclude == ["email"])
    }

    @Test("a field without a resource is an error when the source reads several")
    func severalResourcesNeedOne() {
        #expect(throws: PanoplyError.self) {
            try FieldSettings.parse(exclude: ["email"], hash: [], rename: [], hashSalt: nil, resources: ["a", "b"])
        }
        #expect(throws: PanoplyError.self) {
            try FieldSettings.parse(exclude: ["c:email"], hash: [], rename: [], hashSalt: nil, resources: ["a", "b"])
        }
    }

    @Test(
        "reserved keys, a field excluded and hashed, and two renames to one name are refused",
        arguments: [
            (["__table"], [String](), [String]()), ([], ["__state"], []), ([], [], ["__resource=x"]), ([], [], ["a=__table"]),
            (["a"], ["a"], []), ([], [], ["a=x", "b=x"]), ([], [], ["a="]), ([], [], ["a"])
        ])
    func refused(exclude: [String], hash: [String], rename: [String]) {
        #expect(throws: PanoplyError.self) {
            try FieldSettings.parse(exclude: exclude, hash: hash, rename: rename, hashSalt: nil, resources: ["t"])
        }
    }

    @Test("an unknown field names the resource and the fields it has")
    func unknownFieldNamesFields() throws {
        let s = try FieldSettings.parse(exclude: ["sn"], hash: [], rename: [], hashSalt: nil, resources: ["public.users"])
        let users = SourceResource(id: "public.users", fields: [.init(name: "id", type: "int"), .init(name: "ssn", type: "text")])
        do {
            _ = try s.validated(against: [users])
            Issue.record("no error")
        } catch {
            #expect(error.asPanoplyError.message == "public.users has no field 'sn' (its fields: id, ssn)")
        }
        let ok = try FieldSettings.parse(exclude: ["ssn"], hash: [], rename: ["id=user_id"], hashSalt: nil, resources: ["public.users"])
        #expect(try ok.validated(against: [users]).resources["public.users"]?.checked == true)
        let onto = try FieldSettings.parse(exclude: [], hash: [], rename: ["id=ssn"], hashSalt: nil, resources: ["public.users"])
        #expect(throws: PanoplyError.self) { try onto.validated(against: [users]) }
        // Fields not known before reading: no error, not checked (the runner warns).
        let jsonl = SourceResource(id: "public.users")
        #expect(try s.validated(against: [jsonl]).resources["public.users"]?.checked == false)
    }

    @Test("settings round-trip through JSON without the checked mark, and old JSON without them decodes")
    func codable() throws {
        var s = try FieldSettings.parse(exclude: ["a:x"], hash: ["a:y"], rename: ["a:z=w"], hashSalt: "${SALT}", resources: ["a"])
        s.resources["a"]?.checked = true
        let data = try JSONEncoder().encode(s)
        var back = try JSONDecoder().decode(FieldSettings.self, from: data)
        #expect(back.resources["a"]?.checked == false)
        back.resources["a"]?.checked = true
        #expect(back == s)
        #expect(try JSONDecoder().decode(FieldSettings.self, from: Data("{}".utf8)) == FieldSettings())
    }

    static func sha256(_ s: String) -> String { SHA256.hash(data: Array(s.utf8)).map { String(format: "%02x", $0) }.joined() }
    static func hmac(_ s: String, _ key: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Array(s.utf8), using: SymmetricKey(data: Array(key.utf8))).map { String(format: "%02x", $0) }.joined()
    }

    @Test("the hash is the SHA-256 of a string's UTF-8, of other values' compact JSON, HMAC with a salt; null stays null")
    func hashDefinition() {
        let plain = FieldHash(salt: nil)
        #expect(plain.hash("ada@example.com") == .string(Self.sha256("ada@example.com")))
        #expect(plain.hash(.number(JSONNumber(42))) == .string(Self.sha256("42")))
        #expect(plain.hash(["a": [1, true]]) == .string(Self.sha256(#"{"a":[1,true]}"#)))
        #expect(plain.hash(.null) == .null)
        #expect(FieldHash(salt: "pepper").hash("ada@example.com") == .string(Self.hmac("ada@example.com", "pepper")))
        #expect(Self.sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("the hash agrees with swift-crypto's SHA-256 and HMAC for every length around the block sizes, and salts longer than a block")
    func hashAgreesWithCrypto() {
        let salts = ["k", String(repeating: "s", count: 64), String(repeating: "long salt ", count: 10)]
        for n in [0, 1, 31, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000] {
            let text = String((0..<n).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
            #expect(FieldHash(salt: nil).hash(.string(text)) == .string(Self.sha256(text)), "length \(n)")
            for salt in salts {
                #expect(FieldHash(salt: salt).hash(.string(text)) == .string(Self.hmac(text, salt)), "length \(n), salt of \(salt.count)")
            }
        }
    }

    @Test("a key in another Unicode form than the setting's (decomposed against precomposed) is matched on both paths")
    func unicodeFormsOfKeysMatch() throws {
        let t = FieldTransform(ResourceFields(exclude: ["caf\u{e9}"], hash: ["na\u{ef}ve"]), salt: nil)
        let text = #"{"id":1,"cafe\#u{301}":"x","nai\#u{308}ve":"y"}"#
        var batch = EncodedRecords()
        batch.append(json: Array(text.utf8)[...])
        let out = t.apply(batch)
        #expect(String(decoding: out[0], as: UTF8.self) == #"{"id":1,"nai\#u{308}ve":"\#(Self.sha256("y"))"}"#)
        var object: JSONObject = ["id": 1, "cafe\u{301}": "x", "nai\u{308}ve": "y"]
        t.apply(&object)
        #expect(object["cafe\u{301}"] == nil && object["nai\u{308}ve"] == .string(Self.sha256("y")))
    }

    @Test("objects and encoded batches give the same bytes")
    func encodedAndObjectPathsAgree() throws {
        let fields = ResourceFields(exclude: ["ssn"], hash: ["email", "n", "nested", "quote"], rename: ["fullname": "name", "email": "email_hash"])
        let t = FieldTransform(fields, salt: "s")
        let records: [JSONObject] = [
            ["id": 1, "ssn": "123", "email": "é@x", "fullname": "Ada", "n": 1.5, "nested": ["k": [1, nil]], "quote": "a\"b\\c\n"],
            ["id": 2, "email": nil, "fullname": "B", "extra": ["ssn": "inner"]], [:],
            // Untouched runs copied whole: before, between and after named members; all dropped.
            ["ssn": "x", "a": 1, "b": [2, "}"]], ["a": 1, "b": "2", "ssn": "x"], ["ssn": "only"],
            ["a": 1, "ssn": "x", "b": 2, "email": "e", "c": 3, "fullname": "F"]
        ]
        var batch = EncodedRecords()
        for r in records { try batch.append(r) }
        var spliced = EncodedRecords()
        for r in records { spliced.append(json: Array(JSONWriter.string(.object(r)).utf8)[...]) }
        for b in [batch, spliced] {
            let out = t.apply(b)
            #expect(out.count == records.count)
            for (i, r) in records.enumerated() {
                var o = r
                t.apply(&o)
                #expect(String(decoding: out[i], as: UTF8.self) == JSONWriter.string(.object(o)))
            }
        }
        var first = records[0]
        t.apply(&first)
        #expect(first["ssn"] == nil && first["name"] == "Ada" && first["email_hash"] == .string(Self.hmac("é@x", "s")))
        #expect(first["quote"] == .string(Self.hmac("a\"b\\c\n", "s")))
        #expect(t.missing(in: batch, at: 1) == ["n", "nested", "quote", "ssn"])
        #expect(t.missing(in: records[1]) == ["n", "nested", "quote", "ssn"])
    }

    @Test("a rename onto a field the first record keeps is an error; onto one excluded, renamed too or absent it is not")
    func renameCollision() throws {
        let message = "renaming 'a' of r to 'b' gives two fields named 'b' (exclude or rename 'b' too)"
        #expect(FieldTransform(ResourceFields(rename: ["a": "b"]), salt: nil).collision(in: ["a", "b"], resource: "r")?.message == message)
        #expect(FieldTransform(ResourceFields(hash: ["b"], rename: ["a": "b"]), salt: nil).collision(in: ["b", "a"], resource: "r")?.message == message)
        #expect(FieldTransform(ResourceFields(rename: ["a": "b"]), salt: nil).collision(in: ["a", "b"], resource: nil)?.category == .config)
        #expect(FieldTransform(ResourceFields(exclude: ["b"], rename: ["a": "b"]), salt: nil).collision(in: ["a", "b"], resource: "r") == nil)
        #expect(FieldTransform(ResourceFields(rename: ["a": "b", "b": "c"]), salt: nil).collision(in: ["a", "b"], resource: "r") == nil)
        #expect(FieldTransform(ResourceFields(rename: ["a": "b"]), salt: nil).collision(in: ["b"], resource: "r") == nil)
        #expect(FieldTransform(ResourceFields(rename: ["a": "b"]), salt: nil).collision(in: ["a"], resource: "r") == nil)
        // The object path checks the first record of a resource whose fields were not checked before the run.
        var fields = FieldsOfRecords(FieldSettings(resources: ["r": ResourceFields(rename: ["a": "b"])]), resource: "r")
        var record: JSONObject = ["a": 1, "b": 2]
        #expect(throws: PanoplyError.self) { try fields.apply(&record, first: true) { _ in } }
        try fields.apply(&record, first: false) { _ in }
    }

    @Test("a resource's fields are compared with the last successful run's: added, removed, retyped; null is no type change")
    func schemaChanges() {
        let recorder = SchemaRecorder(previous: ["t": ["id": "number", "a": "string", "gone": "string", "n": "number"]])
        let warning = recorder.observe("t", ["id": 1, "a": 2, "b": "x", "n": nil, "__state": "s"])
        #expect(warning == "warning: the fields of t changed since the last successful run: added b (string); removed gone; retyped a (string → number)")
        #expect(recorder.observe("t", ["id": 1]) == nil)
        #expect(recorder.observe("new", ["id": 1]) == nil)
        #expect(recorder.schema["t"] == ["id": "number", "a": "number", "b": "string", "n": "number"])
        #expect(recorder.changes.count == 1)
    }
}
