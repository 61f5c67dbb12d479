import CCairo
import CDeflate

#if canImport(Glibc)
    import Glibc
#endif

/// Writes Cairo image surfaces as PNG files, fast.
///
/// Cairo's own writer goes through libpng at zlib's default level with every filter tried on
/// every row: about 100 ms for a 1200 x 400 strip, ten times the time of drawing it. ECG paper
/// is mostly rows that repeat the row above (the grid's vertical lines, white paper), so every
/// row here takes PNG's "Up" filter, which turns a repeated row into zeros, and zlib level 3
/// compresses that in a few milliseconds into files about one and a half times Cairo's size.
enum PNGEncoder {
    static let compressionLevel: Int32 = 3
    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    private static let upFilter: UInt8 = 2

    /// The PNG (8-bit RGB) of an RGB24 or ARGB32 image surface (alpha is dropped: the pages are opaque).
    static func encode(_ surface: OpaquePointer) throws(PlotError) -> [UInt8] {
        cairo_surface_flush(surface)
        let width = Int(cairo_image_surface_get_width(surface))
        let height = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard width > 0, height > 0, let pixels = cairo_image_surface_get_data(surface) else {
            throw .rendering("the image surface has no pixels")
        }
        var stream = z_stream()
        guard cdeflate_init(&stream, compressionLevel, Z_DEFAULT_STRATEGY) == Z_OK else {
            throw .rendering("zlib could not start")
        }
        defer { deflateEnd(&stream) }
        let rowBytes = 1 + 3 * width
        let bound = Int(deflateBound(&stream, UInt(rowBytes * height))) + 64
        var compressed = [UInt8](unsafeUninitializedCapacity: bound) { _, count in count = bound }
        var row = [UInt8](repeating: 0, count: rowBytes)
        var status = Z_OK
        compressed.withUnsafeMutableBufferPointer { output in
            stream.next_out = output.baseAddress
            stream.avail_out = UInt32(output.count)
            row.withUnsafeMutableBufferPointer { filtered in
                filtered[0] = upFilter
                for y in 0..<height {
                    let current = UnsafeRawPointer(pixels + y * stride).assumingMemoryBound(to: UInt32.self)
                    if y == 0 {
                        for x in 0..<width {
                            let p = current[x]
                            filtered[1 + 3 * x] = UInt8(truncatingIfNeeded: p >> 16)
                            filtered[2 + 3 * x] = UInt8(truncatingIfNeeded: p >> 8)
                            filtered[3 + 3 * x] = UInt8(truncatingIfNeeded: p)
                        }
                    } else if memcmp(pixels + y * stride, pixels + (y - 1) * stride, 4 * width) == 0 {
                        // The common case on paper: the row repeats the one above.
                        (filtered.baseAddress! + 1).update(repeating: 0, count: rowBytes - 1)
                    } else {
                        let above = UnsafeRawPointer(pixels + (y - 1) * stride).assumingMemoryBound(to: UInt32.self)
                        for x in 0..<width {
                            let (p, q) = (current[x], above[x])
                            filtered[1 + 3 * x] =
                                UInt8(truncatingIfNeeded: p >> 16) &- UInt8(truncatingIfNeeded: q >> 16)
                            filtered[2 + 3 * x] = UInt8(truncatingIfNeeded: p >> 8) &- UInt8(truncatingIfNeeded: q >> 8)
                            filtered[3 + 3 * x] = UInt8(truncatingIfNeeded: p) &- UInt8(truncatingIfNeeded: q)
                        }
                    }
                    stream.next_in = filtered.baseAddress
                    stream.avail_in = UInt32(rowBytes)
                    status = deflate(&stream, y == height - 1 ? Z_FINISH : Z_NO_FLUSH)
                    if status != Z_OK && status != Z_STREAM_END { return }
                }
            }
        }
        guard status == Z_STREAM_END else { throw .rendering("zlib failed (\(status))") }
        compressed.removeSubrange(Int(stream.total_out)...)

        var png = signature
        png.reserveCapacity(compressed.count + 64)
        var header: [UInt8] = []
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        header += [8, 2, 0, 0, 0]  // 8 bits per channel, RGB, deflate, standard filters, no interlace
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", compressed, to: &png)
        appendChunk("IEND", [], to: &png)
        return png
    }

    private static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
        png.appendBigEndian(UInt32(data.count))
        let start = png.count
        png += Array(type.utf8)
        png += data
        let crc = png[start...].withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }
        png.appendBigEndian(UInt32(crc))
    }
}

extension [UInt8] {
    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [
            UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF),
        ])
    }
}
