import JSONRPC

/// An ecgd method: a typed params struct in, a typed result out.
///
/// Params are decoded by `MethodRegistry.decodeParams` (absent params read as `{}`, unknown
/// members refused, every error naming the member's path) and results encoded by
/// `JSONValueEncoder`, the same way for every method. Members whose JSON takes several shapes
/// (a signal, a lead given by index or name) are held as `JSONValue` and read by the decoder of
/// that shape (`SignalDecoder`, `LeadRequest`), which names their paths too.
protocol ServiceMethod: Sendable {
    associatedtype Params: Decodable & Sendable
    associatedtype Result: Encodable & Sendable

    /// Serves one request.
    func run(_ params: Params, _ context: RequestContext) async throws -> Result
}

extension ServiceMethod {
    /// The method as a connection (or a one-shot command) calls it: raw params in, JSON out; the
    /// result encoded on `work` when given (methods whose results can be large).
    func callAsFunction(_ params: JSONValue?, _ context: RequestContext, encodingOn work: WorkPool? = nil)
        async throws -> JSONValue
    {
        let decoded: Params
        do {
            decoded = try MethodRegistry.decodeParams(Params.self, from: params)
        } catch let error as ResponseError {
            // The service's errors are ServiceErrors, whichever layer found them.
            throw ServiceError(ServiceError.Code(rawValue: error.code), error.message)
        }
        // The result becomes one JSONValue, the currency of JSONRPC's response path (batches,
        // gzip above the threshold, one serializer), then bytes once, on the connection's writer.
        // Results of thousands of small objects (beats, peaks) build that value directly
        // (`JSONValueRepresentable`) instead of going through `Encodable`, on the work pool when
        // given: for a day-long recording that takes a while.
        let result = try await run(decoded, context)
        guard let work else { return try JSONValueEncoder().encode(result) }
        return try await work.run { try JSONValueEncoder().encode(result) }
    }
}

extension MethodRegistry {
    /// Registers `method` under `name`, its results encoded on `work` when given.
    mutating func register<Method: ServiceMethod>(_ name: String, _ method: Method, encodingOn work: WorkPool? = nil) {
        register(name) { params, context in try await method(params, context, encodingOn: work) }
    }
}

extension Params {
    /// Decodes `value`, the parameter at path `name` (such as `params.inputSpec`), as `T`,
    /// refusing members `T` does not know; errors name the member's path under `name`.
    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue?, name: String) throws(ServiceError) -> T {
        guard let value, value != .null else { throw .invalidParams("\(name): missing required member") }
        do {
            return try JSONValueDecoder(refusesUnknownMembers: true).decode(T.self, from: value)
        } catch let error as DecodingError {
            throw .invalidParams(error.message(at: name))
        } catch let error as ServiceError {
            throw error
        } catch {
            throw .invalidParams("\(name): \(error)")
        }
    }
}
