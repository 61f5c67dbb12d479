import Foundation

/// Beat-by-beat detection counts and the two EC57 figures of merit.
public struct BeatMatchScore: Sendable, Equatable, Codable {
    /// Reference beats matched by a detection.
    public var tp: Int
    /// Detections that match no reference beat.
    public var fp: Int
    /// Reference beats that no detection matches.
    public var fn: Int

    /// Counts, all zero by default.
    public init(tp: Int = 0, fp: Int = 0, fn: Int = 0) {
        self.tp = tp
        self.fp = fp
        self.fn = fn
    }

    /// Sensitivity TP / (TP + FN), in [0, 1]; 1 when there are no reference beats.
    public var sensitivity: Double { tp + fn == 0 ? 1 : Double(tp) / Double(tp + fn) }
    /// Positive predictivity TP / (TP + FP), in [0, 1]; 1 when there are no detections.
    public var positivePredictivity: Double { tp + fp == 0 ? 1 : Double(tp) / Double(tp + fp) }
    /// F1 score, the harmonic mean of sensitivity and positive predictivity.
    public var f1: Double { 2 * tp + fp + fn == 0 ? 1 : Double(2 * tp) / Double(2 * tp + fp + fn) }

    /// Gross totals: summed counts.
    public static func + (a: BeatMatchScore, b: BeatMatchScore) -> BeatMatchScore {
        BeatMatchScore(tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn)
    }
}
