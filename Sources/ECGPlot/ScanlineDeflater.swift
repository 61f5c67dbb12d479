/// Deflates (RFC 1951) the PNG scanlines of an image of ECG paper: every row filter type 0
/// (None) and its pixels as RGB bytes, in one block of fixed Huffman codes.
///
/// A general compressor hashes the bytes to find repeats anywhere, which costs more than
/// drawing the page. Paper repeats in known places: along a grid line (the pixel to the left)
/// and from row to row, where white paper, minor and major lines alternate within a few rows
/// (the pixels straight above, as many rows back as the 32 KiB window reaches). Matching whole
/// pixels against only those candidates leaves the trace and the text as literals and codes
/// the rest as long matches: files about a sixth larger than zlib's level 3 with the Up filter
/// makes, in a quarter of the time.
enum ScanlineDeflater {
    /// How far back deflate may refer, in bytes.
    static let window = 32768

    /// The most bytes `compress` writes for a `width` x `height` image (the block with its
    /// padding, and the writer's 8 bytes of slack).
    static func bound(width: Int, height: Int) -> Int {
        (3 + 8 * height + FixedHuffmanWriter.maxBitsPerPixel * width * height + 7 + 7) / 8 + 8
    }

    /// Writes the deflate stream of `image`'s scanlines into `writer`.
    static func compress(_ image: PixelRows, into writer: inout FixedHuffmanWriter) {
        let (width, height) = (image.width, image.height)
        let rowBytes = 1 + 3 * width
        let rowsBack = min(height - 1, window / rowBytes)
        // Candidate 0 is the pixel to the left (3 bytes back), candidate k the pixel k rows up.
        let distances =
            [FixedHuffmanWriter.distance(bytes: 3)]
            + (0..<rowsBack).map { FixedHuffmanWriter.distance(bytes: ($0 + 1) * rowBytes) }
        let filterType = FixedHuffmanWriter.literal(0)
        let maxMatch = FixedHuffmanWriter.maxMatchPixels
        writer.beginFinalBlock()
        FixedHuffmanWriter.literals.withUnsafeBufferPointer { literals in
            FixedHuffmanWriter.matchLengths.withUnsafeBufferPointer { lengths in
                distances.withUnsafeBufferPointer { distances in
                    withUnsafeTemporaryAllocation(of: UnsafePointer<UInt32>.self, capacity: rowsBack + 1) { sources in
                        var last = 1
                        for y in 0..<height {
                            writer.write(filterType)
                            let row = image.row(y)
                            let candidates = min(y, rowsBack)
                            // sources[c][x] is the pixel candidate c offers for row[x].
                            sources[0] = row - 1
                            for k in stride(from: 1, through: candidates, by: 1) { sources[k] = image.row(y - k) }
                            var x = 0
                            while x < width {
                                let limit = min(maxMatch, width - x)
                                var best = 0
                                var chosen = 0
                                // The candidate that matched last usually matches again.
                                let first = x > 0 ? 0 : 1
                                let triedLast = last >= first && last <= candidates
                                if triedLast {
                                    best = commonPixels(sources[last] + x, row + x, limit: limit)
                                    chosen = last
                                }
                                var c = first
                                while best < limit, c <= candidates {
                                    // Only a candidate that also matches at `best` can do better.
                                    if c != last || !triedLast, sameColour(sources[c][x + best], row[x + best]) {
                                        let n = commonPixels(sources[c] + x, row + x, limit: limit)
                                        if n > best { (best, chosen) = (n, c) }
                                    }
                                    c += 1
                                }
                                if best > 0 {
                                    writer.write(FixedHuffmanWriter.match(lengths[best], distances[chosen]))
                                    x += best
                                    last = chosen
                                } else {
                                    writer.write(FixedHuffmanWriter.literalPixel(row[x], literals.baseAddress!))
                                    x += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        writer.endBlock()
    }

    @inline(__always)
    private static func sameColour(_ a: UInt32, _ b: UInt32) -> Bool { (a ^ b) & 0xFF_FFFF == 0 }

    /// How many leading pixels (up to `limit`) `a` and `b` have in common, two at a time.
    @inline(__always)
    private static func commonPixels(_ a: UnsafePointer<UInt32>, _ b: UnsafePointer<UInt32>, limit: Int) -> Int {
        let (pairsA, pairsB) = (UnsafeRawPointer(a), UnsafeRawPointer(b))
        var n = 0
        while n + 2 <= limit {
            let difference =
                pairsA.loadUnaligned(fromByteOffset: 4 * n, as: UInt64.self)
                ^ pairsB.loadUnaligned(fromByteOffset: 4 * n, as: UInt64.self)
            if difference & 0x00FF_FFFF_00FF_FFFF != 0 { return difference & 0xFF_FFFF != 0 ? n : n + 1 }
            n += 2
        }
        if n < limit, sameColour(a[n], b[n]) { n += 1 }
        return n
    }
}
