import CCairo

/// A PNG decoded to pixels with Cairo's PNG reader, for tests that look at pictures.
public struct DecodedPNG: Sendable {
    public let width: Int
    public let height: Int
    /// Row-major 0xRRGGBB.
    public let pixels: [UInt32]

    public struct DecodeError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(_ png: [UInt8]) throws {
        final class Reader {
            let bytes: [UInt8]
            var offset = 0
            init(_ bytes: [UInt8]) { self.bytes = bytes }
        }
        let reader = Reader(png)
        let closure = Unmanaged.passUnretained(reader).toOpaque()
        let surface = withExtendedLifetime(reader) {
            cairo_image_surface_create_from_png_stream(
                { closure, data, length in
                    let reader = Unmanaged<Reader>.fromOpaque(closure!).takeUnretainedValue()
                    let count = Int(length)
                    guard reader.offset + count <= reader.bytes.count, let data else { return CAIRO_STATUS_READ_ERROR }
                    reader.bytes.withUnsafeBufferPointer { source in
                        data.update(from: source.baseAddress! + reader.offset, count: count)
                    }
                    reader.offset += count
                    return CAIRO_STATUS_SUCCESS
                }, closure)
        }
        defer { cairo_surface_destroy(surface) }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw DecodeError(description: "not a PNG: \(String(cString: cairo_status_to_string(status)))")
        }
        width = Int(cairo_image_surface_get_width(surface))
        height = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        let data = cairo_image_surface_get_data(surface)!
        var pixels = [UInt32](repeating: 0, count: width * height)
        for y in 0..<height {
            let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<width { pixels[y * width + x] = row[x] & 0xFF_FFFF }
        }
        self.pixels = pixels
    }

    /// The colour at (`x`, `y`) as 0xRRGGBB.
    public subscript(x: Int, y: Int) -> UInt32 { pixels[y * width + x] }

    /// Whether the pixel at (`x`, `y`) is within `tolerance` of `rgb` in every channel.
    public func isColour(_ rgb: UInt32, x: Int, y: Int, tolerance: Int = 0) -> Bool {
        guard x >= 0, y >= 0, x < width, y < height else { return false }
        let pixel = self[x, y]
        for shift in [16, 8, 0] {
            if abs(Int(pixel >> UInt32(shift) & 0xFF) - Int(rgb >> UInt32(shift) & 0xFF)) > tolerance { return false }
        }
        return true
    }

    /// Perceived darkness 0 (white) ... 255 (black) of a pixel.
    public func darkness(x: Int, y: Int) -> Int {
        let pixel = self[x, y]
        let (r, g, b) = (Int(pixel >> 16 & 0xFF), Int(pixel >> 8 & 0xFF), Int(pixel & 0xFF))
        return 255 - (299 * r + 587 * g + 114 * b) / 1000
    }
}
