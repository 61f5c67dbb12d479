import Dispatch
import Foundation
import Synchronization

/// Base64 decoding of a large signal in parallel parts: a 30-minute recording arrives as several
/// megabytes of text, and one core decodes it in over a millisecond while the other waits.
enum Base64Parts {
    /// Texts shorter than this are decoded in one piece.
    static let minimumParallelLength = 1 << 20

    /// The bytes of `text`, decoded in up to `parts` pieces at once, each a whole number of
    /// 4-character groups; nil where Foundation's decoder of the whole text would fail, and also
    /// for texts it accepts that this split does not (line breaks and other whitespace), which
    /// callers then decode as a whole.
    static func decode(_ text: String, parts: Int = ProcessInfo.processInfo.activeProcessorCount) -> Data? {
        let utf8 = text.utf8
        let count = utf8.count
        let pieces = min(max(1, parts), 8)
        guard count >= minimumParallelLength, pieces > 1, count % 4 == 0 else { return Data(base64Encoded: text) }
        let groups = count / 4
        let bounds = (0...pieces).map { utf8.index(utf8.startIndex, offsetBy: $0 * groups / pieces * 4) }
        let results = Mutex([Data?](repeating: nil, count: pieces))
        DispatchQueue.concurrentPerform(iterations: pieces) { i in
            let piece = utf8[bounds[i]..<bounds[i + 1]]
            // Padding may only end the text: a piece before the last must not end in it.
            if i < pieces - 1, piece.last == UInt8(ascii: "=") { return }
            let bytes = Data(base64Encoded: Data(piece))
            results.withLock { $0[i] = bytes }
        }
        let decoded = results.withLock { $0 }
        guard decoded.allSatisfy({ $0 != nil }) else { return nil }
        var bytes = Data(capacity: decoded.reduce(0) { $0 + $1!.count })
        for piece in decoded { bytes.append(piece!) }
        return bytes
    }
}
