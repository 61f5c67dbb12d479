import CDeflate
import PlotTestSupport
import XCTest

@testable import ECGPlot

/// The PNG writer's own deflate stream: zlib inflates it (checking its Adler-32) to exactly the
/// scanlines of the pixels, every chunk's CRC is right, and libpng (through Cairo) reads the
/// pixels back, for pictures that are all literals, all matches, and wider than the window.
final class PNGEncoderTests: XCTestCase {
    /// A small deterministic generator (Knuth's MMIX LCG), high bits out.
    private struct Noise {
        var state: UInt64
        mutating func next() -> UInt32 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt32(truncatingIfNeeded: state >> 32)
        }
    }

    private func image(width: Int, height: Int, _ pixel: (Int, Int) -> UInt32) -> [UInt32] {
        (0..<height).flatMap { y in (0..<width).map { x in pixel(x, y) } }
    }

    /// Encodes `pixels` (row-major, any top byte) and checks the file against them.
    private func check(
        _ pixels: [UInt32], width: Int, height: Int, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let png = pixels.withUnsafeBytes {
            PNGEncoder.encode(PixelRows(base: $0.baseAddress!, width: width, height: height, stride: 4 * width))
        }
        let chunks = try Self.chunks(png)
        XCTAssertEqual(chunks.map(\.type), ["IHDR", "IDAT", "IEND"], file: file, line: line)
        var expected: [UInt8] = []
        for y in 0..<height {
            expected.append(0)  // filter type None
            for x in 0..<width {
                let p = pixels[y * width + x]
                expected += [UInt8(p >> 16 & 0xFF), UInt8(p >> 8 & 0xFF), UInt8(p & 0xFF)]
            }
        }
        // uncompress checks the zlib header and the Adler-32 as well as the deflate stream.
        var inflated = [UInt8](repeating: 0, count: expected.count + 16)
        var length = UInt(inflated.count)
        let idat = chunks[1].data
        let status = uncompress(&inflated, &length, idat, UInt(idat.count))
        XCTAssertEqual(status, Z_OK, "zlib refuses the stream", file: file, line: line)
        XCTAssertEqual(Array(inflated.prefix(Int(length))), expected, "scanlines differ", file: file, line: line)
        let decoded = try DecodedPNG(png)
        XCTAssertEqual([decoded.width, decoded.height], [width, height], file: file, line: line)
        XCTAssertEqual(decoded.pixels, pixels.map { $0 & 0xFF_FFFF }, file: file, line: line)
    }

    /// The chunks of a PNG, each CRC checked.
    private static func chunks(_ png: [UInt8]) throws -> [(type: String, data: [UInt8])] {
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        func word(_ at: Int) -> Int { png[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        var chunks: [(String, [UInt8])] = []
        var offset = 8
        while offset < png.count {
            let length = word(offset)
            let body = Array(png[offset + 4..<offset + 8 + length])
            XCTAssertEqual(word(offset + 8 + length), Int(crc32(0, body, UInt32(body.count))), "CRC")
            chunks.append((String(decoding: body.prefix(4), as: UTF8.self), Array(body.dropFirst(4))))
            offset += 12 + length
        }
        XCTAssertEqual(offset, png.count)
        return chunks
    }

    func testOnePixel() throws {
        try check([0x12_3456], width: 1, height: 1)
    }

    func testNoiseIsAllLiterals() throws {
        var noise = Noise(state: 9)
        try check(image(width: 37, height: 23) { _, _ in noise.next() }, width: 37, height: 23)
    }

    func testGridLikeRowsAreMatchesAndTheTopByteIsIgnored() throws {
        // White paper with lines every 4 or 5 pixels, rows of lines every 9 rows, a zigzag across
        // it, garbage in the unused top byte: every candidate of the matcher gets used.
        var noise = Noise(state: 3)
        let pixels = image(width: 301, height: 120) { x, y in
            let base: UInt32 =
                abs(x - (y * 7) % 301) < 2
                ? 0x10_2030 : y % 9 == 0 ? 0xE5_8C8C : (x * 9) % 40 < 9 ? 0xF5_C4C4 : 0xFF_FFFF
            return base | noise.next() << 24
        }
        try check(pixels, width: 301, height: 120)
    }

    func testRowsWiderThanTheWindow() throws {
        // 11000 pixels make rows of 33001 bytes: no row above is in reach, only the pixel to the left.
        try check(
            image(width: 11000, height: 3) { x, y in x % 700 < 350 ? 0xFF_FFFF : UInt32(y * 40) }, width: 11000,
            height: 3)
    }

    func testChecksumAcrossStretchesAndOddWidths() throws {
        var noise = Noise(state: 5)
        let pixels = image(width: 2501, height: 2) { _, _ in noise.next() }
        let bytes: [UInt8] = (0..<2).flatMap { y in
            [0]
                + (0..<2501).flatMap { x -> [UInt8] in
                    let p = pixels[y * 2501 + x]
                    return [UInt8(p >> 16 & 0xFF), UInt8(p >> 8 & 0xFF), UInt8(p & 0xFF)]
                }
        }
        let ours = pixels.withUnsafeBytes {
            ScanlineChecksum.adler32(PixelRows(base: $0.baseAddress!, width: 2501, height: 2, stride: 4 * 2501))
        }
        XCTAssertEqual(UInt(ours), adler32(1, bytes, UInt32(bytes.count)))
    }
}
