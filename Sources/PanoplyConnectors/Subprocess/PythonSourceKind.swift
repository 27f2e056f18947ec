import Foundation
import PanoplyKit

/// Builds the ``SourceKind`` of `python:MODULE`: the module's CONFIG as the configuration,
/// and a fresh interpreter for each run, resource listing or list values.
enum PythonSourceKind {
    /// - Throws: ``PanoplyError`` (config) when the interpreter is missing or the module
    ///   does not import or has no CONFIG.
    static func kind(module: String, interpreter: PythonInterpreter = PythonInterpreter()) throws -> SourceKind {
        guard !module.isEmpty, module.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) else {
            throw PanoplyError.config("python:\(module): give an importable module name, e.g. python:my_package.my_source")
        }
        let config = try describe(module: module, interpreter: interpreter)
        let type = "python:\(module)"
        // A Stream that keeps the base list_resources / get_resource (they raise
        // NotImplementedError) lists nothing: code 501, without starting an interpreter.
        let lists = config["list_resources"]?.boolValue ?? true, gets = config["get_resource"]?.boolValue ?? true
        return SourceKind(
            type: type, configuration: PythonConfig.configuration(config, module: module),
            open: { input, context in try await PythonSource(module: module, interpreter: interpreter, source: input, context: context) },
            listResources: { input, context in
                guard lists else { throw unsupported(type, "list resources") }
                let v = try await oneShot(
                    module, interpreter, context, ["op": "list_resources", "source": .object(PythonSource.sourceObject(input, params: input.params))])
                return (v.arrayValue ?? []).compactMap { $0.objectValue.map(PythonSourceKind.resource) }
            },
            resource: { id, input, context in
                guard gets else { throw unsupported(type, "get a resource") }
                let v = try await oneShot(
                    module, interpreter, context,
                    ["op": "get_resource", "id": .string(id), "source": .object(PythonSource.sourceObject(input, params: input.params))])
                guard let o = v.objectValue else { throw PanoplyError(.notFound, "\(type) has no resource '\(id)'") }
                return PythonSourceKind.resource(o)
            },
            values: { param, input, context in
                let v = try await oneShot(
                    module, interpreter, context,
                    ["op": "values", "param": .string(param), "source": .object(PythonSource.sourceObject(input, params: input.params))])
                return (v.arrayValue ?? []).compactMap(PythonSourceKind.listValue)
            })
    }

    static func unsupported(_ type: String, _ what: String) -> PanoplyError {
        PanoplyError(.config, "\(type) does not \(what) (its Stream keeps the base method)", code: 501, retryable: false)
    }

    /// A resource as the original `Resource` dict (`fields` with `is_mandatory`, `is_available`).
    static func resource(_ o: JSONObject) -> SourceResource {
        let fields = (o["fields"]?.arrayValue ?? []).compactMap { $0.objectValue }.map { f in
            SourceResource.Field(
                name: f["name"]?.stringValue ?? "", type: f["type"]?.stringValue ?? "",
                mandatory: f["is_mandatory"]?.boolValue ?? false, available: f["is_available"]?.boolValue ?? true)
        }
        let id = o["id"].map(PythonConfig.text) ?? ""
        return SourceResource(
            id: id, title: o["title"]?.stringValue ?? id, fields: fields,
            available: o["available"]?.boolValue ?? true, required: o["required"]?.boolValue ?? false,
            requires: o["requires"]?.arrayValue?.map(PythonConfig.text) ?? [])
    }

    static func listValue(_ v: JSONValue) -> ListValue? {
        guard let o = v.objectValue else { return nil }
        let value = o["value"].map(PythonConfig.text) ?? ""
        return ListValue(
            name: o["name"].map(PythonConfig.text) ?? value, value: value, disabled: o["disabled"]?.boolValue ?? false,
            requires: o["requires"]?.arrayValue?.map(PythonConfig.text) ?? [], raw: v)
    }

    private static func oneShot(
        _ module: String, _ interpreter: PythonInterpreter, _ context: SourceContext,
        _ req: JSONObject
    ) async throws -> JSONValue {
        let channel = try await PythonChannel(module: module, interpreter: interpreter, onEvent: PythonSource.forward(to: context))
        do {
            let v = try await channel.request(req)
            await channel.shutdown()
            return v
        } catch {
            await channel.shutdown()
            throw error
        }
    }

    /// Runs the interpreter once, synchronously, for the module's CONFIG.
    static func describe(module: String, interpreter: PythonInterpreter) throws -> JSONObject {
        LineProcess.ignoreBrokenPipes()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try interpreter.executablePath())
        p.arguments = PythonRunnerScript.arguments(module: module)
        p.environment = interpreter.environment
        let input = Pipe(), output = Pipe()
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("panoply-describe-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errFile) }
        p.standardInput = input
        p.standardOutput = output
        p.standardError = try FileHandle(forWritingTo: errFile)
        do { try p.run() } catch { throw PanoplyError.config("cannot start Python for python:\(module): \(error.localizedDescription)") }
        let pid = p.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: watchdog)
        try? input.fileHandleForWriting.write(contentsOf: Array(#"{"op":"config"}"#.utf8) + [0x0A])
        try? input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        watchdog.cancel()
        let stderr = String(decoding: (try? Data(contentsOf: errFile)) ?? Data(), as: UTF8.self)
        return try parseDescribe(Array(out), module: module, exit: p.terminationStatus, stderr: stderr)
    }

    static func parseDescribe(_ out: [UInt8], module: String, exit: Int32, stderr: String) throws -> JSONObject {
        let lines = out.split(separator: 0x0A).compactMap { try? JSONParser.parse(Array($0)).objectValue }
        let tail = stderr.split(separator: "\n").suffix(6).joined(separator: "\n")
        guard let hello = lines.first else {
            throw PanoplyError.config("python:\(module): the interpreter exited with code \(exit) before the runner started\(tail.isEmpty ? "" : ": \(tail)")")
        }
        func failure(_ e: JSONObject) -> PanoplyError {
            let tb = (e["traceback"]?.arrayValue?.compactMap(\.stringValue) ?? []).suffix(4).joined(separator: "\n")
            let what = e["kind"]?.stringValue == "import" ? "does not import" : "has no usable CONFIG"
            return PanoplyError.config(
                "python:\(module) \(what): \(e["exception"]?.stringValue ?? "Exception"): \(e["message"]?.stringValue ?? "") (check PYTHONPATH and --python)\n\(tb)"
            )
        }
        if let e = hello["error"]?.objectValue { throw failure(e) }
        guard lines.count > 1, let reply = lines.last else {
            throw PanoplyError.config("python:\(module): the runner ended without describing the module (exit \(exit))\(tail.isEmpty ? "" : ": \(tail)")")
        }
        if let e = reply["error"]?.objectValue { throw failure(e) }
        guard let config = reply["ok"]?.objectValue else { throw PanoplyError.config("python:\(module): no CONFIG in the runner's answer") }
        return config
    }
}
