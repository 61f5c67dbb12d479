import Foundation

/// EC57-style beat-by-beat comparison of detections with reference annotations.
///
/// Every annotated beat (`BeatCodes.all`) is a reference beat. A detection within
/// `tolerance` seconds of a reference beat matches it, each detection and each reference at
/// most once (the matching is of maximum size). Detections and reference beats inside
/// ventricular flutter or fibrillation episodes (`[` ... `]`) are not counted.
public enum BeatScorer {
    /// The default matching window, 150 ms.
    public static let defaultTolerance = 0.150

    /// Scores detections (sample indices) against annotations sampled at `fs`; detections
    /// and beats before sample `start` are not counted (noise stress records score from
    /// minute 5).
    public static func score(
        detections: [Int], annotations: [Annotation], fs: Double,
        tolerance: Double = defaultTolerance, from start: Int = 0
    ) -> BeatMatchScore {
        let reference = annotations.filter(\.isBeat).map(\.sample)
        let skipped = start > 0 ? [Int.min..<start] : []
        return score(
            detections: detections, reference: reference,
            excluded: skipped + flutterEpisodes(annotations), fs: fs, tolerance: tolerance)
    }

    /// Scores detections against reference beat samples, ignoring both inside `excluded`.
    public static func score(
        detections: [Int], reference: [Int], excluded: [Range<Int>] = [], fs: Double,
        tolerance: Double = defaultTolerance
    ) -> BeatMatchScore {
        func counted(_ s: Int) -> Bool { !excluded.contains { $0.contains(s) } }
        let dets = detections.filter(counted).sorted()
        let refs = reference.filter(counted).sorted()
        let tol = Int((tolerance * fs).rounded(.down))
        // Greedy earliest-first matching: each reference takes the earliest unmatched
        // detection inside its window. With equal windows in time order this is a
        // maximum matching.
        var tp = 0
        var j = 0
        for r in refs {
            while j < dets.count && dets[j] < r - tol { j += 1 }
            if j < dets.count && dets[j] <= r + tol {
                tp += 1
                j += 1
            }
        }
        return BeatMatchScore(tp: tp, fp: dets.count - tp, fn: refs.count - tp)
    }
}
