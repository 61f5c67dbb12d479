/// The Adler-32 (RFC 1950) of an image's PNG scanlines (filter type 0 and RGB bytes, row by
/// row), computed from the 32-bit pixels without writing the bytes out.
///
/// Adler-32 is s1 = 1 + the sum of the bytes, s2 = the sum of the s1 after each byte, both
/// modulo 65521. Over n bytes b[0] ..< b[n] from (s1, s2), s1 grows by the sum of b[j] and s2
/// by n s1 + the sum of (n - j) b[j]: eight pixels at a time in vector lanes, reduced once
/// per stretch of `stretch` pixels, short enough that no lane overflows.
enum ScanlineChecksum {
    private static let modulus: UInt64 = 65521
    private static let stretch = 1024

    static func adler32(_ image: PixelRows) -> UInt32 {
        var s1: UInt64 = 1
        var s2: UInt64 = 0
        for y in 0..<image.height {
            s2 = (s2 + s1) % modulus  // the filter type byte, 0
            let row = image.row(y)
            var start = 0
            while start < image.width {
                let count = min(stretch, image.width - start)
                let (sum, weighted) = sums(row + start, count: count)
                s2 = (s2 + UInt64(3 * count) * s1 + weighted) % modulus
                s1 = (s1 + sum) % modulus
                start += count
            }
        }
        return UInt32(s2 << 16 | s1)
    }

    /// Over the 3 `count` bytes of `count` pixels: the sum of the bytes b[j], and the sum of
    /// (3 count - j) b[j].
    private static func sums(_ pixels: UnsafePointer<UInt32>, count: Int) -> (sum: UInt64, weighted: UInt64) {
        let n = UInt32(3 * count)
        // Lane k holds pixel i + k of each group of eight, whose red byte is byte 3 (i + k).
        let lanes = SIMD8<UInt32>(0, 3, 6, 9, 12, 15, 18, 21)
        let mask = SIMD8<UInt32>(repeating: 0xFF)
        var sum = SIMD8<UInt32>.zero
        var weighted = SIMD8<UInt32>.zero
        let raw = UnsafeRawPointer(pixels)
        var i = 0
        while i + 8 <= count {
            let p = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<UInt32>.self)
            let (r, g, b) = (p &>> 16 & mask, p &>> 8 & mask, p & mask)
            // Red at j = 3 (i + k) weighs n - j, green one less, blue two less.
            let w = SIMD8<UInt32>(repeating: n &- 3 &* UInt32(i)) &- lanes
            sum &+= r &+ g &+ b
            weighted &+= w &* (r &+ g &+ b) &- g &- b &- b
            i += 8
        }
        var total = UInt64(sum.wrappedSum())
        var weightedTotal = UInt64(weighted.wrappedSum())
        while i < count {
            let p = pixels[i]
            let (r, g, b) = (UInt64(p >> 16 & 0xFF), UInt64(p >> 8 & 0xFF), UInt64(p & 0xFF))
            let w = UInt64(n) - 3 * UInt64(i)
            total += r + g + b
            weightedTotal += w * r + (w - 1) * g + (w - 2) * b
            i += 1
        }
        return (total, weightedTotal)
    }
}
