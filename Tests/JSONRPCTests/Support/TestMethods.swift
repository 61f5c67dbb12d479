import JSONRPC

/// An application error with its own JSON-RPC code, as ECGService's errors are.
struct ModelNotFound: ResponseErrorConvertible {
    var responseError: ResponseError {
        ResponseError(code: -32050, message: "model not found: beats", data: ["model": "beats"])
    }
}

struct DiskOnFire: Error, CustomStringConvertible {
    var description: String { "disk on fire" }
}

struct Aborted: Error {}

struct TypedParams: Decodable, Sendable {
    var fs: Double
    var name: String?
}

struct TypedResult: Encodable, Sendable {
    var double: Double
    var name: String?
    var method: String
    var id: JSONValue?
}

struct OptionalParams: Decodable, Sendable {
    var limit: Int?
}

/// What the test methods let a test observe and control.
final class Probe: Sendable {
    /// Gates the `gated` method waits at, by the name in `params.gate`.
    let gates = Gates()
    /// A method's name (or its gate's name) once it has started running.
    let started = Mailbox<String>()
    /// The params of every `note` notification handled.
    let notes = Mailbox<JSONValue>()
}

/// Returns once the current task is cancelled.
func waitForCancellation() async {
    let gate = Gate()
    await withTaskCancellationHandler {
        await gate.wait()
    } onCancel: {
        gate.open()
    }
}

/// Methods that exercise every part of the connection.
func makeTestRegistry(_ probe: Probe) -> MethodRegistry {
    var registry = MethodRegistry()
    registry.register("echo") { params, _ in params ?? .null }
    registry.register("gated") { params, _ in
        let name = params?["gate"]?.stringValue ?? "default"
        probe.started.put(name)
        await probe.gates[name].wait()
        return params ?? .null
    }
    registry.register("sleepUntilCancelled") { _, _ in
        probe.started.put("sleep")
        try await Task.sleep(for: .seconds(3600))
        return "slept for an hour"
    }
    registry.register("abortWhenCancelled") { _, _ in
        probe.started.put("abort")
        await waitForCancellation()
        throw Aborted()
    }
    registry.register("progress") { _, context in
        guard let progress = context.progress else { return ["hadProgress": false] }
        progress.begin(title: "Working", message: "starting")
        progress.report(percentage: 50, message: "half")
        progress.report(percentage: 150)
        progress.end(message: "done")
        return ["hadProgress": true]
    }
    registry.register("fail") { params, _ in
        switch params?["kind"]?.stringValue {
        case "convertible": throw ModelNotFound()
        case "responseError": throw ResponseError.invalidParams("bad shape")
        case "decoding": return .number(Double(try JSONValueDecoder().decode(Int.self, from: "x")))
        case "cancellation": throw CancellationError()
        default: throw DiskOnFire()
        }
    }
    registry.register("typed", params: TypedParams.self) { params, context in
        TypedResult(double: params.fs * 2, name: params.name, method: context.method, id: context.id?.json)
    }
    registry.register("optionalOnly", params: OptionalParams.self) { params, _ in params.limit ?? -1 }
    registry.register("notifyThenReturn") { _, context in
        context.notify(Notification(method: "custom/event", params: ["n": 1]))
        return "returned"
    }
    registry.register("big") { params, _ in
        .string(String(repeating: "x", count: params?["size"]?.intValue ?? 1000))
    }
    registry.onNotification("note") { params, _ in probe.notes.put(params ?? .null) }
    return registry
}
