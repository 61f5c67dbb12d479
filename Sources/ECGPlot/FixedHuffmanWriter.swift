/// Writes a deflate block (RFC 1951, section 3.2.6) with the fixed Huffman codes into a buffer
/// the caller sized, for `ScanlineDeflater`: literal bytes, matches of whole RGB pixels, and the
/// end of the block.
///
/// Codes are kept bit-reversed and joined with their extra bits in tables, so that a literal
/// pixel or a match is one write of at most 31 bits into a 64-bit accumulator.
struct FixedHuffmanWriter {
    /// The longest match deflate can code, in pixels: 86 pixels are its 258 bytes.
    static let maxMatchPixels = 86
    /// Bits a literal pixel costs at most (three 9-bit literals); no match costs more.
    static let maxBitsPerPixel = 27

    /// A code or a group of codes ready to write: `bits` in stream order, `count` of them.
    struct Code {
        var bits: UInt64
        var count: UInt64
    }

    private let output: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    /// Bytes written.
    private(set) var count = 0
    private var pending: UInt64 = 0
    private var pendingCount: UInt64 = 0

    /// A writer into `capacity` bytes at `output`, which must hold the whole block plus 8 bytes.
    init(output: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.output = output
        self.capacity = capacity
    }

    /// Starts the last block of the stream, coded with the fixed codes.
    mutating func beginFinalBlock() {
        write(Code(bits: 0b011, count: 3))  // BFINAL = 1, BTYPE = 01
    }

    /// Ends the block with the end-of-block code and pads the stream to a whole byte.
    mutating func endBlock() {
        write(Self.endOfBlock)
        write(Code(bits: 0, count: (8 - pendingCount % 8) % 8))
        while pendingCount > 0 {
            output[count] = UInt8(truncatingIfNeeded: pending)
            count += 1
            pending >>= 8
            pendingCount -= 8
        }
    }

    @inline(__always)
    mutating func write(_ code: Code) {
        pending |= code.bits << pendingCount
        pendingCount += code.count
        if pendingCount >= 32 {
            precondition(count + 4 <= capacity, "deflate output past its bound")
            UnsafeMutableRawPointer(output + count).storeBytes(
                of: UInt32(truncatingIfNeeded: pending).littleEndian, as: UInt32.self)
            count += 4
            pending >>= 32
            pendingCount -= 32
        }
    }

    /// The literal byte `value`.
    static func literal(_ value: UInt8) -> Code { literals[Int(value)] }

    /// The three literals of a 0xRRGGBB pixel, red first, from `literals` (a pointer into the
    /// table of that name, which the caller holds for a whole image).
    @inline(__always)
    static func literalPixel(_ pixel: UInt32, _ literals: UnsafePointer<Code>) -> Code {
        let red = literals[Int(pixel >> 16 & 0xFF)]
        let green = literals[Int(pixel >> 8 & 0xFF)]
        let blue = literals[Int(pixel & 0xFF)]
        return Code(
            bits: red.bits | green.bits << red.count | blue.bits << (red.count + green.count),
            count: red.count + green.count + blue.count)
    }

    /// The distance code (with extra bits) of `bytes` back, 1 ... 32768.
    static func distance(bytes: Int) -> Code {
        precondition((1...32768).contains(bytes), "deflate distance out of range")
        let index = distanceBases.lastIndex { $0 <= bytes }!
        let extra = UInt64(bytes - distanceBases[index])
        let extraCount = UInt64(distanceExtraBits[index])
        return Code(bits: reversed(UInt64(index), 5) | extra << 5, count: 5 + extraCount)
    }

    /// A length code and a distance code joined (at most 13 + 18 bits).
    @inline(__always)
    static func match(_ length: Code, _ distance: Code) -> Code {
        Code(bits: length.bits | distance.bits << length.count, count: length.count + distance.count)
    }

    // MARK: Tables (RFC 1951, 3.2.5 and 3.2.6)

    private static let endOfBlock = Code(bits: 0, count: 7)  // symbol 256: 0000000

    /// The code of each byte value.
    static let literals: [Code] = (0..<256).map { (value: Int) -> Code in
        // Bytes 0-143 have 8-bit codes from 00110000, 144-255 9-bit codes from 110010000.
        if value < 144 { return Code(bits: reversed(UInt64(0x30 + value), 8), count: 8) }
        return Code(bits: reversed(UInt64(0x190 + value - 144), 9), count: 9)
    }

    private static let lengthBases = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ]
    private static let lengthExtraBits = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBases = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtraBits = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]

    /// Indexed by pixels, 0 ... 86 (0 unused): the length code (with extra bits) of a match of
    /// 3 x that many bytes.
    static let matchLengths: [Code] = (0...maxMatchPixels).map { (pixels: Int) -> Code in
        let length = max(3, 3 * pixels)
        let index = lengthBases.lastIndex { $0 <= length }!
        let symbol = 257 + index
        // Symbols 257-279 have 7-bit codes from 0000001, 280-287 8-bit codes from 11000000.
        let code: Code =
            symbol < 280
            ? Code(bits: reversed(UInt64(symbol - 256), 7), count: 7)
            : Code(bits: reversed(UInt64(0xC0 + symbol - 280), 8), count: 8)
        let extra = UInt64(length - lengthBases[index])
        let extraCount = UInt64(lengthExtraBits[index])
        return Code(bits: code.bits | extra << code.count, count: code.count + extraCount)
    }

    private static func reversed(_ code: UInt64, _ count: Int) -> UInt64 {
        var result: UInt64 = 0
        for bit in 0..<count where code >> UInt64(bit) & 1 == 1 { result |= 1 << UInt64(count - 1 - bit) }
        return result
    }
}
