/// The pixels of an RGB24 or ARGB32 Cairo image surface, row by row, as 32-bit 0x..RRGGBB words
/// (the top byte is ignored: pages are opaque).
struct PixelRows {
    let base: UnsafeRawPointer
    let width: Int
    let height: Int
    /// Bytes from one row to the next.
    let stride: Int

    /// Row `y`'s `width` pixels.
    @inline(__always)
    func row(_ y: Int) -> UnsafePointer<UInt32> {
        (base + y * stride).assumingMemoryBound(to: UInt32.self)
    }
}
