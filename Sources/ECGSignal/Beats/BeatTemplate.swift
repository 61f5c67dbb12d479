/// A recording's typical beat: the per-sample median of its beat windows, each first moved to
/// zero mean so that baseline wander does not blur it.
///
/// Inter-patient beat classifiers work best when each patient is compared with himself: a
/// ventricular beat is one whose QRS differs from the patient's usual QRS, whatever that looks
/// like. The template needs no labels, so it is computed the same way in training and serving.
public struct BeatTemplate: Sendable, Equatable {
    /// The template, one value per window sample, zero mean.
    public var samples: [Double]
    /// How many windows the median was taken over.
    public var beatCount: Int

    /// Most windows the median looks at; longer recordings use this many evenly spaced beats,
    /// so that a day-long recording costs no more than an hour.
    public static let maxBeats = 4096

    /// The median of `windows` (all of the same length) after removing each one's mean; an
    /// empty list gives an empty template.
    public init(windows: [[Double]]) {
        let chosen = Self.chosen(windows)
        let medians = Self.medians(
            of: chosen, means: Self.means(of: chosen[...]), samples: 0..<(chosen.first?.count ?? 0))
        self.init(medians: medians, beatCount: chosen.count)
    }

    /// The template whose per-sample medians (`medians(of:means:samples:)` over every sample of
    /// the `chosen` windows, in order) are `medians`, moved to zero mean.
    public init(medians: [Double], beatCount: Int) {
        let mean = medians.reduce(0, +) / Double(max(1, medians.count))
        self.init(samples: medians.map { $0 - mean }, beatCount: beatCount)
    }

    /// The windows the median looks at: all of them, or `maxBeats` evenly spaced ones.
    public static func chosen(_ windows: [[Double]]) -> [[Double]] {
        let step = max(1, (windows.count + maxBeats - 1) / maxBeats)
        return step == 1 ? windows : stride(from: 0, to: windows.count, by: step).map { windows[$0] }
    }

    /// The mean of each window, as `medians(of:means:samples:)` removes it: a share of the
    /// windows that threads can compute apart.
    public static func means(of windows: ArraySlice<[Double]>) -> [Double] {
        zip(WindowSums.sums(windows) { v, _ in v }, windows).map { $0 / Double(max(1, $1.count)) }
    }

    /// The median over `windows` (all of the same length), each moved to zero mean (`means`, as
    /// `means(of:)` gives them), of each window sample in `samples`: a share of the template that
    /// threads can compute apart.
    public static func medians(of windows: [[Double]], means: [Double], samples: Range<Int>) -> [Double] {
        guard let length = windows.first?.count, !samples.isEmpty else { return [] }
        precondition(windows.allSatisfy { $0.count == length }, "template windows must have one length")
        precondition(means.count == windows.count, "one mean per window")
        precondition(samples.clamped(to: 0..<length) == samples, "samples outside the windows")
        let count = windows.count
        // Sample-major copy (all beats' sample t side by side), so that each median reads and
        // reorders one contiguous run instead of one value from each of thousands of arrays.
        // Window by window: each window is visited once (threads copying shares of the same
        // windows would otherwise contend for their reference counts), and its writes go to
        // one cache line per sample, the same lines as the previous window's.
        var columns = [Double](repeating: 0, count: count * samples.count)
        columns.withUnsafeMutableBufferPointer { columns in
            for k in 0..<count {
                let mean = means[k]
                windows[k].withUnsafeBufferPointer { window in
                    var at = k
                    for t in samples {
                        columns[at] = window[t] - mean
                        at += count
                    }
                }
            }
        }
        var medians = [Double](repeating: 0, count: samples.count)
        var scratch = [Double](repeating: 0, count: count)
        columns.withUnsafeMutableBufferPointer { columns in
            scratch.withUnsafeMutableBufferPointer { scratch in
                for i in medians.indices {
                    let column = UnsafeMutableBufferPointer(rebasing: columns[(i * count)..<((i + 1) * count)])
                    medians[i] = median(column, scratch: scratch)
                }
            }
        }
        return medians
    }

    /// A template of `samples`, made from `beatCount` beats.
    public init(samples: [Double], beatCount: Int) {
        self.samples = samples
        self.beatCount = beatCount
    }

    /// The median of `values` (reordered in place); the lower middle value for an even count
    /// averaged with the upper one.
    static func median(_ values: inout [Double]) -> Double {
        values.withUnsafeMutableBufferPointer { median($0) }
    }

    /// The median of the values of `buffer`, reordered in place (as `median(_:)` on an array).
    static func median(_ values: UnsafeMutableBufferPointer<Double>) -> Double {
        let n = values.count
        guard n > 0 else { return 0 }
        let upper = select(values, n / 2)
        guard n % 2 == 0 else { return upper }
        // After selection every value below n / 2 is at most `upper`: the lower middle is their maximum.
        var lower = values[0]
        for i in 1..<(n / 2) { lower = Swift.max(lower, values[i]) }
        return (lower + upper) / 2
    }

    /// The median of `values` as `median(_:)` gives it, found faster for long columns: two
    /// values of a sorted regular sample bracket the middle (Floyd and Rivest's idea), one
    /// branch-free pass counts the values below the bracket and gathers those inside it into
    /// `scratch` (at least `values.count` long), and the middle is selected among those few.
    /// When the bracket misses the middle, which is rare, the whole column is selected.
    static func median(_ values: UnsafeMutableBufferPointer<Double>, scratch: UnsafeMutableBufferPointer<Double>)
        -> Double
    {
        let n = values.count
        let sampleCount = 128
        guard n >= 4 * sampleCount, scratch.count >= n else { return median(values) }
        for i in 0..<sampleCount { scratch[i] = values[i * n / sampleCount] }
        // 16 sample ranks on each side of the middle: about three standard deviations of its rank.
        let sample = UnsafeMutableBufferPointer(rebasing: scratch[0..<sampleCount])
        let low = select(sample, sampleCount / 2 - 16)
        let high = select(UnsafeMutableBufferPointer(rebasing: sample[(sampleCount / 2 - 16)...]), 32)
        var below = 0
        var inside = 0
        for i in 0..<n {
            let value = values[i]
            below &+= value < low ? 1 : 0
            scratch[inside] = value
            inside &+= (value >= low ? 1 : 0) & (value <= high ? 1 : 0)
        }
        let k = n / 2
        let lowestNeeded = n % 2 == 0 ? k - 1 : k
        guard below <= lowestNeeded, k - below < inside else { return median(values) }
        let gathered = UnsafeMutableBufferPointer(rebasing: scratch[0..<inside])
        let upper = select(gathered, k - below)
        guard n % 2 == 0 else { return upper }
        var lower = -Double.infinity
        for i in 0..<(k - below) { lower = Swift.max(lower, gathered[i]) }
        return (lower + upper) / 2
    }

    /// The k-th smallest of `values` (0-based), leaving smaller values before index k.
    private static func select(_ values: UnsafeMutableBufferPointer<Double>, _ k: Int) -> Double {
        var low = 0
        var high = values.count - 1
        while low < high {
            // Median of three as the pivot keeps sorted and reversed input linear.
            let middle = low + (high - low) / 2
            let pivot = Swift.max(
                Swift.min(values[low], values[middle]), Swift.min(Swift.max(values[low], values[middle]), values[high]))
            var i = low
            var j = high
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j {
                high = j
            } else if k >= i {
                low = i
            } else {
                return values[k]
            }
        }
        return values[k]
    }
}

/// How one stretch of a beat compares with the same stretch of its recording's template.
public struct TemplateComparison: Sendable, Equatable {
    /// Pearson correlation of the beat with the template: near 1 for the patient's usual
    /// shape, low or negative for a different one (0 when either is flat).
    public var correlation: Double
    /// Peak-to-peak amplitude of the beat over that of the template (1 when the template is flat).
    public var amplitudeRatio: Double

    /// Compares `window` with `template` over the samples `region` (indices into both).
    public init(window: [Double], template: BeatTemplate, region: Range<Int>) {
        let range = region.clamped(to: 0..<min(window.count, template.samples.count))
        self.init(window: window, reference: Reference(template: template, range: range))
    }

    /// Compares `window` with the template stretch `reference` (the window must cover it).
    public init(window: [Double], reference: Reference) {
        guard reference.range.count >= 2 else {
            self.init(correlation: 0, amplitudeRatio: 1)
            return
        }
        precondition(reference.range.upperBound <= window.count, "the window must cover the template stretch")
        // Over buffers: every beat of a recording is compared, three times.
        self = window.withUnsafeBufferPointer { window in
            reference.deviations.withUnsafeBufferPointer { deviations in
                Self.compare(UnsafeBufferPointer(rebasing: window[reference.range]), reference, deviations)
            }
        }
    }

    /// The template's side of a comparison over one stretch, the same for every beat: its samples'
    /// deviations from their mean, their sum of squares and their range, summed in order.
    public struct Reference: Sendable {
        let range: Range<Int>
        let deviations: [Double]
        let squares: Double
        let amplitude: Double

        /// The stretch `range` of `template` (within its samples).
        public init(template: BeatTemplate, range: Range<Int>) {
            self.range = range
            let samples = template.samples[range]
            let mean = samples.reduce(0, +) / Double(range.count)
            deviations = samples.map { $0 - mean }
            squares = deviations.reduce(0) { $0 + $1 * $1 }
            amplitude = (samples.max() ?? 0) - (samples.min() ?? 0)
        }
    }

    /// The comparison of `beat` with the template stretch of `reference` (`deviations` its
    /// deviations), of one length of at least 2.
    private static func compare(
        _ beat: UnsafeBufferPointer<Double>, _ reference: Reference, _ deviations: UnsafeBufferPointer<Double>
    ) -> Self {
        var beatMean = 0.0
        for v in beat { beatMean += v }
        beatMean /= Double(beat.count)
        var cross = 0.0
        var beatSquares = 0.0
        var beatLow = Double.infinity
        var beatHigh = -Double.infinity
        for t in beat.indices {
            let b = beat[t] - beatMean
            cross += b * deviations[t]
            beatSquares += b * b
            beatLow = min(beatLow, beat[t])
            beatHigh = max(beatHigh, beat[t])
        }
        let denominator = (beatSquares * reference.squares).squareRoot()
        return Self(
            correlation: denominator > 0 ? cross / denominator : 0,
            amplitudeRatio: reference.amplitude > 0 ? (beatHigh - beatLow) / reference.amplitude : 1)
    }

    /// A comparison with these figures.
    public init(correlation: Double, amplitudeRatio: Double) {
        self.correlation = correlation
        self.amplitudeRatio = amplitudeRatio
    }
}

/// A beat against its recording's template over the P wave, the QRS complex and the T wave:
/// a ventricular beat differs in its QRS and T wave, a supraventricular one in its P wave.
public struct TemplateFeatures: Sendable, Equatable {
    /// The stretches compared, in seconds from the R-peak.
    public enum Wave: CaseIterable, Sendable {
        case p, qrs, t

        /// The stretch around the R-peak, in seconds (start inclusive, end exclusive).
        public var span: (start: Double, end: Double) {
            switch self {
            case .p: (-0.30, -0.08)
            case .qrs: (-0.08, 0.12)
            case .t: (0.12, 0.45)
            }
        }

        /// Window samples of the stretch for a window whose R-peak is at index `peak`, sampled at `fs`.
        public func region(peak: Int, fs: Double) -> Range<Int> {
            let start = peak + Int((span.start * fs).rounded())
            let end = peak + Int((span.end * fs).rounded())
            return max(0, start)..<max(max(0, start), end)
        }
    }

    /// One comparison per wave, in the order of `Wave.allCases`.
    public var comparisons: [TemplateComparison]

    /// Names of the entries of `vector`, in order.
    public static let names = [
        "pWaveCorrelation", "pWaveAmplitudeRatio", "qrsCorrelation", "qrsAmplitudeRatio", "tWaveCorrelation",
        "tWaveAmplitudeRatio",
    ]

    /// The features as one vector, in the order of `names`.
    public var vector: [Double] { comparisons.flatMap { [$0.correlation, $0.amplitudeRatio] } }

    /// Compares `window` (R-peak at index `peak`, sampled at `fs`) with `template` wave by wave.
    public init(window: [Double], template: BeatTemplate, peak: Int, fs: Double) {
        self.init(
            window: window, reference: Reference(template: template, peak: peak, fs: fs, windowLength: window.count))
    }

    /// Compares `window` (of the length `reference` was made for) with its template wave by wave.
    public init(window: [Double], reference: Reference) {
        precondition(window.count == reference.windowLength, "the window must have the reference's length")
        comparisons = reference.waves.map { TemplateComparison(window: window, reference: $0) }
    }

    /// The template's side of every wave's comparison, shared by all the windows of one length
    /// (with the R-peak at `peak`, sampled at `fs`) compared with it.
    public struct Reference: Sendable {
        let windowLength: Int
        let waves: [TemplateComparison.Reference]

        public init(template: BeatTemplate, peak: Int, fs: Double, windowLength: Int) {
            self.windowLength = windowLength
            let length = min(windowLength, template.samples.count)
            waves = Wave.allCases.map {
                TemplateComparison.Reference(
                    template: template, range: $0.region(peak: peak, fs: fs).clamped(to: 0..<length))
            }
        }
    }
}
