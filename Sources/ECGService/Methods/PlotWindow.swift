import ECGSignal
import JSONRPC

/// The stretch of a recording `plotSegment` draws: `params.window`.
///
/// `{"start", "end"}` in seconds, `{"startSample", "endSample"}`, or `{"beat", "before",
/// "after"}`: a beat (an index into the R-peaks, or `"mostConfidentAbnormal"`) with seconds of
/// context, cut short at the ends of the signal. Without a window: the first 10 seconds.
enum PlotWindow {
    /// Which beat a window is centred on.
    enum Beat: Equatable {
        case index(Int)
        /// The beat a model labels abnormal with the highest probability (`classify`'s summary).
        case mostConfidentAbnormal
    }

    /// A window as asked: samples, or a beat whose sample is known only once the beats are.
    enum Request: Equatable {
        case samples(Range<Int>)
        case beat(Beat, before: Double, after: Double)
    }

    static let defaultSeconds = 10.0
    static let defaultContext = 2.0
    /// Longest context either side of a beat, in seconds.
    static let maxContext = 600.0

    static func decode(_ value: JSONValue?, fs: Double, sampleCount: Int) throws(ServiceError) -> Request {
        let defaultLength = Int((defaultSeconds * fs).rounded())
        guard let value, value != .null else { return .samples(0..<min(sampleCount, defaultLength)) }
        let name = "params.window"
        let all: Set<String> = ["start", "end", "startSample", "endSample", "beat", "before", "after"]
        let fields = try Params.members(of: value, name: name, known: all)
        let given = Set(fields.members.keys)
        let duration = Double(sampleCount) / fs
        let seconds = PlotText.seconds
        if given.isSubset(of: ["start", "end"]) {
            let start = try fields.number("start") ?? 0
            guard start >= 0 else {
                throw .invalidParams("\(name).start: \(start) s is before the signal's start (0 s)")
            }
            guard start < duration else {
                throw .invalidParams(
                    "\(name).start: \(seconds(start)) is past the end of the signal (\(seconds(duration)))")
            }
            let end = try fields.number("end") ?? min(start + defaultSeconds, duration)
            guard end > start else {
                throw .invalidParams("\(name): empty (end \(seconds(end)) is not after start \(seconds(start)))")
            }
            guard end <= duration + 0.5 / fs else {
                throw .invalidParams(
                    "\(name).end: \(seconds(end)) is past the end of the signal (\(seconds(duration)))")
            }
            let samples = Int((start * fs).rounded())..<min(sampleCount, Int((end * fs).rounded()))
            guard !samples.isEmpty else {
                throw .invalidParams("\(name): \(seconds(start)) to \(seconds(end)) holds no sample at \(fs) Hz")
            }
            return .samples(samples)
        }
        if given.isSubset(of: ["startSample", "endSample"]) {
            let start = try fields.integer("startSample") ?? 0
            guard start >= 0, start < sampleCount else {
                throw .invalidParams("\(name).startSample: \(start) is outside the signal (samples 0..<\(sampleCount))")
            }
            let end = try fields.integer("endSample") ?? min(start + defaultLength, sampleCount)
            guard end > start else {
                throw .invalidParams("\(name): empty (endSample \(end) is not after startSample \(start))")
            }
            guard end <= sampleCount else {
                throw .invalidParams("\(name).endSample: \(end) is past the end of the signal (\(sampleCount) samples)")
            }
            return .samples(start..<end)
        }
        if given.contains("beat"), given.isSubset(of: ["beat", "before", "after"]) {
            let beat: Beat
            switch fields.members["beat"] {
            case .string("mostConfidentAbnormal")?: beat = .mostConfidentAbnormal
            case let number? where number.intValue.map({ $0 >= 0 }) == true: beat = .index(number.intValue!)
            case let other?:
                throw .invalidParams(
                    "\(name).beat: expected a beat index (0, 1, ...) or \"mostConfidentAbnormal\", found \(other)")
            case nil: preconditionFailure("checked above")
            }
            func context(_ key: String) throws(ServiceError) -> Double {
                let value = try fields.number(key) ?? defaultContext
                guard value >= 0, value <= maxContext else {
                    throw .invalidParams("\(name).\(key): \(value) s is outside 0-\(Int(maxContext)) s")
                }
                return value
            }
            let (before, after) = (try context("before"), try context("after"))
            guard before + after > 0 else {
                throw .invalidParams("\(name): empty (no context before or after the beat)")
            }
            return .beat(beat, before: before, after: after)
        }
        throw .invalidParams(
            "\(name): give start and end (seconds), startSample and endSample, or beat with before and after; not \(given.sorted().joined(separator: " and "))"
        )
    }

    /// The samples of `before` seconds before `peak` to `after` seconds after it, within the signal.
    static func around(_ peak: Int, before: Double, after: Double, fs: Double, sampleCount: Int) -> Range<Int> {
        let start = max(0, peak - Int((before * fs).rounded()))
        let end = min(sampleCount, peak + Int((after * fs).rounded()) + 1)
        return start..<max(end, start + 1)
    }
}
