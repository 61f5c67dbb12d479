import CCairo
import CDeflate

/// Writes Cairo image surfaces as PNG files, fast.
///
/// Cairo's own writer goes through libpng at zlib's default level with every filter tried on
/// every row: about 100 ms for a 1200 x 400 strip, ten times the time of drawing it. Here the
/// scanlines go unfiltered into `ScanlineDeflater`, which knows where paper repeats, with
/// their Adler-32 from `ScanlineChecksum`: about a millisecond for the strip, four times less
/// than zlib at level 1 or 3 with the Up filter, for files about a sixth larger.
enum PNGEncoder {
    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// CMF and FLG of a zlib stream (RFC 1950): deflate with a 32 KiB window, the fastest level.
    private static let zlibHeader: [UInt8] = [0x78, 0x01]

    /// The PNG (8-bit RGB) of an RGB24 or ARGB32 image surface (alpha is dropped: the pages are opaque).
    static func encode(_ surface: OpaquePointer) throws(PlotError) -> [UInt8] {
        cairo_surface_flush(surface)
        let width = Int(cairo_image_surface_get_width(surface))
        let height = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard width > 0, height > 0, let pixels = cairo_image_surface_get_data(surface) else {
            throw .rendering("the image surface has no pixels")
        }
        return encode(PixelRows(base: pixels, width: width, height: height, stride: stride))
    }

    /// The PNG of `image`'s pixels.
    static func encode(_ image: PixelRows) -> [UInt8] {
        var header: [UInt8] = []
        header.appendBigEndian(UInt32(image.width))
        header.appendBigEndian(UInt32(image.height))
        header += [8, 2, 0, 0, 0]  // 8 bits per channel, RGB, deflate, standard filters, no interlace
        var start = signature
        appendChunk("IHDR", header, to: &start)
        let bound = ScanlineDeflater.bound(width: image.width, height: image.height)
        let capacity = start.count + 8 + zlibHeader.count + bound + 4 + 4 + 12
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            let base = buffer.baseAddress!
            var offset = 0
            func put(_ bytes: [UInt8]) {
                for byte in bytes {
                    base[offset] = byte
                    offset += 1
                }
            }
            put(start)
            let idat = offset
            put([0, 0, 0, 0] + Array("IDAT".utf8) + zlibHeader)
            var writer = FixedHuffmanWriter(output: base + offset, capacity: bound)
            ScanlineDeflater.compress(image, into: &writer)
            offset += writer.count
            put(bigEndian(ScanlineChecksum.adler32(image)))
            let length = offset - idat - 8
            for (i, byte) in bigEndian(UInt32(length)).enumerated() { base[idat + i] = byte }
            put(bigEndian(UInt32(crc32(0, base + idat + 4, UInt32(length + 4)))))
            put([0, 0, 0, 0] + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82])
            count = offset
        }
    }

    private static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
        png.appendBigEndian(UInt32(data.count))
        let start = png.count
        png += Array(type.utf8)
        png += data
        let crc = png[start...].withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }
        png.appendBigEndian(UInt32(crc))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}

extension [UInt8] {
    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [
            UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF),
        ])
    }
}
