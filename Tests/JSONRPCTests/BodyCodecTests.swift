import CompressNIO
import JSONRPC
import NIOCore
import XCTest

final class BodyCodecTests: XCTestCase {
    private let codec = BodyCodec(limits: TransportLimits(maxDecompressedBytes: 1 << 20, gzipResponseThreshold: 100))

    private func decodeError(
        _ frame: Frame, codec: BodyCodec? = nil, file: StaticString = #filePath, line: UInt = #line
    )
        -> ResponseError?
    {
        do {
            let value = try (codec ?? self.codec).decode(frame)
            XCTFail("expected an error, decoded \(value)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    private func gzipFrame(_ bytes: [UInt8]) -> Frame {
        Frame(contentEncoding: .gzip, body: ByteBuffer(bytes: bytes))
    }

    private let message: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": "m", "params": ["text": "héllo"]]

    // MARK: Decoding

    func testDecodesIdentityBodies() throws {
        let frame = Frame(body: ByteBuffer(bytes: JSONSerializer.serialize(message)))
        XCTAssertEqual(try codec.decode(frame), message)
    }

    func testDecodesGzipBodies() throws {
        let frame = gzipFrame(gzipped(JSONSerializer.serialize(message)))
        XCTAssertEqual(try codec.decode(frame), message)
    }

    func testNotJSON() {
        let error = decodeError(Frame(body: ByteBuffer(string: "hello")))
        XCTAssertEqual(error?.code, -32700)
        XCTAssertEqual(error?.message, "invalid JSON: unexpected character 'h' at byte 0")
        XCTAssertEqual(
            decodeError(Frame(body: ByteBuffer()))?.message, "invalid JSON: unexpected end of input at byte 0")
        XCTAssertEqual(decodeError(Frame(body: ByteBuffer(string: #"{"a":1}x"#)))?.code, -32700)
    }

    func testNotUTF8() {
        let error = decodeError(Frame(body: ByteBuffer(bytes: [0x22, 0x61, 0xFF, 0x22])))
        XCTAssertEqual(error?.code, -32700)
        XCTAssertEqual(error?.message, "invalid JSON: string is not valid UTF-8 at byte 1")
        // A UTF-16 body (with its byte order mark) is not UTF-8 either.
        XCTAssertEqual(decodeError(Frame(body: ByteBuffer(bytes: [0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00])))?.code, -32700)
    }

    func testInvalidGzip() {
        let error = decodeError(gzipFrame(Array("this is not gzip data".utf8)))
        XCTAssertEqual(error?.code, -32700)
        XCTAssertTrue(
            error?.message.contains("the gzip-encoded body is not valid gzip data") ?? false,
            "\(String(describing: error))")
    }

    func testGzipWithABadChecksumIsRefused() {
        var bytes = gzipped(JSONSerializer.serialize(message))
        bytes[bytes.count - 8] ^= 0xFF  // first byte of the CRC-32 trailer
        let error = decodeError(gzipFrame(bytes))
        XCTAssertEqual(error?.code, -32700)
        XCTAssertTrue(error?.message.contains("not valid gzip") ?? false, "\(String(describing: error))")
    }

    func testTruncatedGzipIsRefused() {
        let bytes = gzipped(JSONSerializer.serialize(message))
        // Without its trailer (CRC-32 and size) the stream is incomplete even though the JSON inside is whole.
        for keep in [bytes.count - 8, bytes.count - 1, bytes.count / 2, 10] {
            let error = decodeError(gzipFrame(Array(bytes[..<keep])))
            XCTAssertEqual(error?.code, -32700, "keeping \(keep) of \(bytes.count) bytes")
            XCTAssertTrue(
                error?.message.contains("not valid gzip") ?? false, "keeping \(keep): \(String(describing: error))")
        }
    }

    func testDataAfterTheGzipStreamIsRefused() {
        let bytes = gzipped(JSONSerializer.serialize(message))
        let error = decodeError(gzipFrame(bytes + Array("garbage".utf8)))
        XCTAssertEqual(error?.code, -32700)
        XCTAssertTrue(error?.message.contains("not valid gzip") ?? false, "\(String(describing: error))")
        // Two members would be valid gzip, but only the first would be inflated: refused rather than cut short.
        let halves = (gzipped(Array(#"{"a":"#.utf8)), gzipped(Array("1}".utf8)))
        XCTAssertEqual(decodeError(gzipFrame(halves.0 + halves.1))?.code, -32700)
    }

    func testEmptyGzipBodyIsRefused() {
        let error = decodeError(gzipFrame([]))
        XCTAssertEqual(error?.code, -32700)
    }

    func testGzipBombIsRefused() {
        // 64 MiB of zeros compress to about 64 KiB; the limit is 1 MiB.
        let bomb = gzipped([UInt8](repeating: 0, count: 64 << 20))
        XCTAssertLessThan(bomb.count, 100_000)
        let error = decodeError(gzipFrame(bomb))
        XCTAssertEqual(error?.code, -32001)
        XCTAssertEqual(error?.message, "the gzip-encoded body inflates to more than the limit of 1048576 bytes")
    }

    func testDecompressedLimitIsInclusive() throws {
        // A JSON string of exactly `size` bytes.
        let size = 5000
        let text = Array(("\"" + String(repeating: "a", count: size - 2) + "\"").utf8)
        let compressed = gzipped(text)
        let atLimit = BodyCodec(limits: TransportLimits(maxDecompressedBytes: size))
        XCTAssertEqual(try atLimit.decode(gzipFrame(compressed)).stringValue?.utf8.count, size - 2)
        let belowLimit = BodyCodec(limits: TransportLimits(maxDecompressedBytes: size - 1))
        XCTAssertEqual(decodeError(gzipFrame(compressed), codec: belowLimit)?.code, -32001)
    }

    func testGunzipNamesWhatItInflates() {
        do {
            _ = try gunzip(ByteBuffer(bytes: [1, 2, 3]), limit: 10, what: "signal.data")
            XCTFail("inflated garbage")
        } catch {
            guard case .invalid(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.hasPrefix("signal.data is not valid gzip data"), message)
        }
        do {
            _ = try gunzip(
                ByteBuffer(bytes: gzipped([UInt8](repeating: 7, count: 100))), limit: 10, what: "signal.data")
            XCTFail("inflated past the limit")
        } catch {
            XCTAssertEqual(error, .tooLarge("signal.data inflates to more than the limit of 10 bytes"))
        }
    }

    // MARK: Encoding

    func testSmallResponsesAreNeverCompressed() throws {
        let small: JSONValue = ["id": 1, "result": "ok"]
        let frame = codec.encode(small, allowGzip: true)
        XCTAssertEqual(frame.contentEncoding, .identity)
        XCTAssertEqual(Array(frame.body.readableBytesView), JSONSerializer.serialize(small))
    }

    func testLargeResponsesAreCompressedOnlyWhenAllowed() throws {
        let large: JSONValue = ["id": 1, "result": .array((0..<100).map { .number(Double($0)) })]
        let serialized = JSONSerializer.serialize(large)
        XCTAssertGreaterThan(serialized.count, 100)

        let plain = codec.encode(large, allowGzip: false)
        XCTAssertEqual(plain.contentEncoding, .identity)
        XCTAssertEqual(Array(plain.body.readableBytesView), serialized)

        let compressed = codec.encode(large, allowGzip: true)
        XCTAssertEqual(compressed.contentEncoding, .gzip)
        XCTAssertLessThan(compressed.body.readableBytes, serialized.count)
        XCTAssertEqual(try gunzipped(compressed.body), serialized)
        XCTAssertEqual(try codec.decode(compressed), large, "the codec reads back what it writes")
    }

    func testThresholdIsInclusive() {
        // {"k":"aaa…"} with the string sized so that the whole text is exactly 100 bytes.
        let exact: JSONValue = ["k": .string(String(repeating: "a", count: 100 - 8))]
        XCTAssertEqual(JSONSerializer.serialize(exact).count, 100)
        XCTAssertEqual(codec.encode(exact, allowGzip: true).contentEncoding, .gzip)
        let oneLess: JSONValue = ["k": .string(String(repeating: "a", count: 100 - 9))]
        XCTAssertEqual(codec.encode(oneLess, allowGzip: true).contentEncoding, .identity)
    }
}
