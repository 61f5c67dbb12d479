/// Beat-by-beat comparison of classified detections with labelled reference beats (AAMI EC57
/// style): a detection within the tolerance of a reference beat is matched to it; a reference
/// beat no detection matches counts as missed for its class, and a detection that matches no
/// reference beat counts as a false positive of the class it was given.
public struct ClassConfusion: Sendable, Equatable {
    /// Class names, in index order.
    public var classes: [String]
    /// `counts[reference][predicted]` over `classes.count + 1` rows and columns: row
    /// `classes.count` holds detections that match no reference beat, column `classes.count`
    /// reference beats that no detection matched.
    public var counts: [[Int]]

    /// An empty table for `classes`.
    public init(classes: [String]) {
        self.classes = classes
        counts = [[Int]](repeating: [Int](repeating: 0, count: classes.count + 1), count: classes.count + 1)
    }

    /// Index of the row of unmatched detections and of the column of missed reference beats.
    public var unmatched: Int { classes.count }

    /// Adds the counts of `other` (same classes).
    public mutating func add(_ other: ClassConfusion) {
        precondition(other.classes == classes, "confusion tables of different classes")
        for r in counts.indices {
            for c in counts[r].indices { counts[r][c] += other.counts[r][c] }
        }
    }

    /// Reference beats of class `c`, missed ones included.
    public func referenceCount(_ c: Int) -> Int { counts[c].reduce(0, +) }
    /// Detections given class `c`, unmatched ones included.
    public func predictedCount(_ c: Int) -> Int { counts.reduce(0) { $0 + $1[c] } }
    /// Reference beats of class `c` detected and given class `c`.
    public func truePositives(_ c: Int) -> Int { counts[c][c] }

    /// Sensitivity of class `c`: true positives over its reference beats (NaN when none).
    public func sensitivity(_ c: Int) -> Double { Double(truePositives(c)) / Double(referenceCount(c)) }
    /// Positive predictivity of class `c`: true positives over detections given `c` (NaN when none).
    public func positivePredictivity(_ c: Int) -> Double { Double(truePositives(c)) / Double(predictedCount(c)) }
    /// Harmonic mean of sensitivity and positive predictivity (0 when both are 0, NaN when undefined).
    public func f1(_ c: Int) -> Double {
        let (se, pp) = (sensitivity(c), positivePredictivity(c))
        return se + pp > 0 ? 2 * se * pp / (se + pp) : (se.isNaN || pp.isNaN ? .nan : 0)
    }

    /// Scores classified detections against labelled reference beats sampled at `fs`.
    /// - Parameters:
    ///   - reference: reference beats with their class index, or nil for beats outside every
    ///     class (a detection matching one is not counted at all).
    ///   - detections: detected beats with the class index they were given.
    ///   - excluded: sample ranges where neither reference beats nor detections count
    ///     (ventricular flutter episodes).
    ///   - tolerance: matching window in seconds, each side.
    public static func score(
        reference: [(sample: Int, label: Int?)], detections: [(sample: Int, label: Int)], classes: [String],
        fs: Double, excluded: [Range<Int>] = [], tolerance: Double = BeatScorer.defaultTolerance
    ) -> ClassConfusion {
        func counted(_ s: Int) -> Bool { !excluded.contains { $0.contains(s) } }
        let refs = reference.filter { counted($0.sample) }.sorted { $0.sample < $1.sample }
        let dets = detections.filter { counted($0.sample) }.sorted { $0.sample < $1.sample }
        let window = Int((tolerance * fs).rounded(.down))
        var table = ClassConfusion(classes: classes)
        // Greedy earliest-first matching, as BeatScorer: a maximum matching for equal windows.
        var j = 0
        for r in refs {
            while j < dets.count && dets[j].sample < r.sample - window {
                table.counts[table.unmatched][dets[j].label] += 1
                j += 1
            }
            if j < dets.count && dets[j].sample <= r.sample + window {
                if let label = r.label { table.counts[label][dets[j].label] += 1 }
                j += 1
            } else if let label = r.label {
                table.counts[label][table.unmatched] += 1
            }
        }
        while j < dets.count {
            table.counts[table.unmatched][dets[j].label] += 1
            j += 1
        }
        return table
    }
}
