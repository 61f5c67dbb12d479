import Dispatch
import Foundation

/// What the detector found in a recording: the beats, and how readable each lead was.
public struct QRSAnalysis: Sendable, Equatable {
    /// R-peak sample indices, sorted.
    public var peaks: [Int]
    /// One entry per lead analysed, in the order given.
    public var quality: [SignalQuality]
}

/// The beats of one span and, per lead, its window statistics.
struct SpanDetection {
    /// R-peaks, sample indices within the span.
    var peaks: [Int]
    /// Samples per level window.
    var windowLength: Int
    var windows: [[WindowStatistics]]
}

/// A stretch of the recording detected on its own: beats are kept in `core`, the rest of
/// `context` gives the stages their neighbourhood.
struct DetectionSpan: Equatable {
    var context: Range<Int>
    var core: Range<Int>
}

extension QRSDetector {
    /// Detects QRS complexes on one or more leads of equal length sampled at `fs`; with
    /// several, the first lead's beats stand except in its noisy stretches, which are decided
    /// on every lead's noise blend together (see `adaptToNoise`). Returns the beats and
    /// each lead's signal quality. Recordings longer than `spanLength` are detected span by
    /// span, in parallel.
    public func analyze(leads: [[Double]], fs: Double) -> QRSAnalysis {
        let n = leads.first?.count ?? 0
        guard n > 0, fs > 0, leads.allSatisfy({ $0.count == n }) else {
            return QRSAnalysis(peaks: [], quality: leads.map { _ in SignalQuality(intervals: []) })
        }
        let unit = windowUnit(fs: fs)
        let spans = QRSDetector.spans(
            count: n, unit: unit, length: Int(configuration.spanLength * fs),
            overlap: Int(configuration.spanOverlap * fs))
        var results = [(peaks: [Int], windows: [[WindowStatistics]])](repeating: ([], []), count: spans.count)
        results.withUnsafeMutableBufferPointer { out in
            let out = UncheckedSendable(out)
            DispatchQueue.concurrentPerform(iterations: spans.count) { i in
                out.value[i] = detectCore(spans[i], leads: leads, fs: fs, unit: unit)
            }
        }
        // Beats closer than the refractory period at a seam are one beat seen twice.
        let refractory = Int(configuration.refractory * fs)
        var peaks: [Int] = []
        peaks.reserveCapacity(results.reduce(0) { $0 + $1.peaks.count })
        for result in results {
            for p in result.peaks where peaks.last.map({ p - $0 >= refractory }) ?? true { peaks.append(p) }
        }
        let qualities = leads.indices.map { lead in
            quality(results.flatMap { $0.windows[lead] }, length: unit, count: n)
        }
        return QRSAnalysis(peaks: peaks, quality: qualities)
    }

    /// Input samples per level window (the reduced rate's window times the decimation factor).
    func windowUnit(fs: Double) -> Int {
        let factor = max(1, Int(fs / configuration.featureRate))
        return factor * max(1, Int(configuration.levelWindow * fs / Double(factor)))
    }

    /// Spans of about `length` samples covering `0 ..< count`, their edges on multiples of
    /// `unit` (so that every span's level windows and decimated samples line up with the
    /// whole recording's), each with `overlap` samples of context on both sides. One span when
    /// the recording is not much longer than `length`.
    static func spans(count: Int, unit: Int, length: Int, overlap: Int) -> [DetectionSpan] {
        let core = max(unit, (length + unit / 2) / unit * unit)
        let margin = (overlap + unit - 1) / unit * unit
        guard count > core + core / 2 else { return [DetectionSpan(context: 0..<count, core: 0..<count)] }
        var spans: [DetectionSpan] = []
        var start = 0
        while start < count {
            // The last span takes the remainder when it would be short.
            let end = count - (start + core) < core / 2 ? count : start + core
            spans.append(DetectionSpan(context: max(0, start - margin)..<min(count, end + margin), core: start..<end))
            start = end
        }
        return spans
    }

    /// The beats of `span`'s core (recording sample indices) and, per lead, the statistics of
    /// the level windows that start in it.
    func detectCore(_ span: DetectionSpan, leads: [[Double]], fs: Double, unit: Int) -> ([Int], [[WindowStatistics]]) {
        let detection = QRSDetector.withSlices(leads, span.context) { detectSpan($0, fs: fs) }
        let offset = span.context.lowerBound
        let firstWindow = (span.core.lowerBound - offset) / unit
        let windowCount = (span.core.count + unit - 1) / unit
        let windows = detection.windows.map { lead in
            (0..<windowCount).map { k in firstWindow + k < lead.count ? lead[firstWindow + k] : .absent }
        }
        return (detection.peaks.lazy.map { $0 + offset }.filter { span.core.contains($0) }, windows)
    }

    /// Runs `body` with buffers of `range` of every lead.
    static func withSlices<T>(
        _ leads: [[Double]], _ range: Range<Int>, _ body: ([UnsafeBufferPointer<Double>]) -> T
    ) -> T {
        func nest(_ i: Int, _ slices: [UnsafeBufferPointer<Double>]) -> T {
            guard i < leads.count else { return body(slices) }
            return leads[i].withUnsafeBufferPointer { nest(i + 1, slices + [UnsafeBufferPointer(rebasing: $0[range])]) }
        }
        return nest(0, [])
    }
}

/// A value handed to concurrent iterations that each touch their own part of it.
struct UncheckedSendable<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
