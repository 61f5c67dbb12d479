import CompressNIO
import NIOCore

/// Turns frame bodies into JSON values and back, applying gzip where the frame says so.
public struct BodyCodec: Sendable {
    /// `maxDecompressedBytes` bounds inflation; `gzipResponseThreshold` decides what is compressed.
    public let limits: TransportLimits

    /// A codec applying `limits`.
    public init(limits: TransportLimits) {
        self.limits = limits
    }

    /// Decodes a frame body: gunzip if needed (refusing to inflate past the limit), then parse JSON.
    public func decode(_ frame: Frame) throws(ResponseError) -> JSONValue {
        var body = frame.body
        if frame.contentEncoding == .gzip {
            do throws(GunzipError) {
                body = try gunzip(body, limit: limits.maxDecompressedBytes, what: "the gzip-encoded body")
            } catch {
                switch error {
                case .tooLarge(let message): throw .payloadTooLarge(message)
                case .invalid(let message): throw .parseError(message)
                }
            }
        }
        do {
            return try JSONParser.parse(body.readableBytesView)
        } catch {
            throw .parseError("invalid JSON: \(error)")
        }
    }

    /// Level 1: responses are mostly digits, which the fastest level already shrinks about threefold;
    /// higher levels cost several times the CPU for a few percent more.
    static let responseCompression = CompressionAlgorithm.gzip(configuration: ZlibConfiguration(compressionLevel: 1))

    /// Encodes a JSON value as a frame, gzip-compressed when the peer accepts it and it is large enough.
    public func encode(_ value: JSONValue, allowGzip: Bool) -> Frame {
        let bytes = JSONSerializer.serialize(value)
        var body = ByteBuffer(bytes: bytes)
        if allowGzip, bytes.count >= limits.gzipResponseThreshold,
            let compressed = try? body.compress(with: Self.responseCompression)
        {
            return Frame(contentEncoding: .gzip, body: compressed)
        }
        return Frame(body: body)
    }
}

/// Why gzip data could not be inflated; messages start with what was inflated.
public enum GunzipError: Error, Equatable, Sendable {
    /// The data inflates to more than the limit.
    case tooLarge(String)
    /// The data is not exactly one complete gzip member.
    case invalid(String)
}

/// Inflates gzip data, stopping with a clear error once the output would exceed `limit` bytes.
///
/// Memory use is bounded by `limit`, whatever size the compressed data claims to expand to.
/// The data must be exactly one complete gzip member: a truncated stream is refused.
/// - Parameter what: names the data in error messages ("the gzip-encoded body").
public func gunzip(_ compressed: ByteBuffer, limit: Int, what: String) throws(GunzipError) -> ByteBuffer {
    var input = compressed
    let output: ByteBuffer
    do {
        output = try input.decompress(with: .gzip(), maxSize: limit)
    } catch let error as CompressNIOError where error == .bufferOverflow {
        throw .tooLarge("\(what) inflates to more than the limit of \(limit) bytes")
    } catch {
        throw .invalid("\(what) is not valid gzip data (\(error))")
    }
    // compress-nio may fill its last buffer past `maxSize`, and stops quietly when the input ends
    // before the stream does; zlib checks the trailer only when it reaches it. So check both here:
    // the trailer's last field (ISIZE) is the inflated size modulo 2^32.
    guard output.readableBytes <= limit else {
        throw .tooLarge("\(what) inflates to more than the limit of \(limit) bytes")
    }
    guard compressed.readableBytes >= 18,
        compressed.getInteger(at: compressed.writerIndex - 4, endianness: .little, as: UInt32.self)
            == UInt32(truncatingIfNeeded: output.readableBytes)
    else {
        throw .invalid("\(what) is not valid gzip data (truncated, or followed by other data)")
    }
    return output
}
