import ECGSignal
import JSONRPC

/// What ecgd found in one version of a document: its classified beats by line, the rows it
/// could not read, or why it classified nothing. Turned into LSP diagnostics and hovers.
struct DocumentAnalysis: Sendable {
    /// One classified beat.
    struct Beat: Sendable, Equatable {
        /// 1-based line: the beat's row (beats CSV) or its R-peak's sample row (raw ECG).
        var line: Int
        var label: String
        var probability: Double
        /// One per class, in `classes` order.
        var probabilities: [Double]
        /// The label column of a beats CSV.
        var fileLabel: String?
        /// Raw ECG: the R-peak sample, its time, and the RR intervals around it in seconds.
        var sample: Int?
        var time: Double?
        var rrBefore: Double?
        var rrAfter: Double?
    }

    enum Kind: String, Sendable {
        /// One beat per line (for example the Kachuee CSVs).
        case beats
        /// One sample per line.
        case recording
    }

    var kind: Kind?
    var model: String?
    var classes: [String] = []
    /// Sorted by line.
    var beats: [Beat] = []
    /// Rows that could not be read.
    var issues: [TextFileIssue] = []
    /// Why nothing was classified (no model fits, a sampling rate out of range, ...).
    var note: String?
    /// Raw ECG: the 1-based line of each sample.
    var sampleLines: [Int] = []
    /// The length of every line in UTF-16 code units (LSP's default position encoding).
    var lineLengths: [Int] = []

    /// Whether a beat is of a class other than the first (N, normal).
    func isAbnormal(_ beat: Beat) -> Bool { beat.label != classes.first }

    // MARK: Diagnostics

    /// LSP severities.
    enum Severity: Int {
        case error = 1
        case warning = 2
        case information = 3
    }

    /// One diagnostic per abnormal beat (a warning on its line), per unreadable row (an error),
    /// and the note, if any (information, on the first line).
    var diagnostics: [JSONValue] {
        var out: [JSONValue] = []
        if let note { out.append(diagnostic(line: 1, severity: .information, code: "not-analysed", message: note)) }
        for issue in issues {
            out.append(
                diagnostic(line: issue.line, severity: .error, code: "unreadable-row", message: issue.description))
        }
        for beat in beats where isAbnormal(beat) {
            var message = "\(beat.label) (p = \(Self.format(beat.probability))) by \(model ?? "?")"
            if let time = beat.time { message += " at \(Self.format(time, digits: 3)) s" }
            if let fileLabel = beat.fileLabel { message += "; file label \(describe(fileLabel))" }
            out.append(diagnostic(line: beat.line, severity: .warning, code: beat.label, message: message))
        }
        return out
    }

    private func diagnostic(line: Int, severity: Severity, code: String, message: String) -> JSONValue {
        [
            "range": range(line: line), "severity": .number(Double(severity.rawValue)), "source": "ecgd",
            "code": .string(code), "message": .string(message),
        ]
    }

    /// The whole of 1-based `line`, as an LSP range.
    private func range(line: Int) -> JSONValue {
        let length = line - 1 < lineLengths.count ? lineLengths[line - 1] : 0
        return [
            "start": ["line": .number(Double(line - 1)), "character": 0],
            "end": ["line": .number(Double(line - 1)), "character": .number(Double(length))],
        ]
    }

    // MARK: Hover

    /// The hover of 0-based `line`: the beat on it (beats CSV) or the beat nearest its sample
    /// (raw ECG), with class, every probability and the RR intervals; or the row's problem.
    func hover(line zeroBased: Int) -> JSONValue {
        let line = zeroBased + 1
        if let issue = issues.first(where: { $0.line == line }) {
            return hover("**unreadable row**: \(issue.message)", line: line)
        }
        guard let beat = beat(near: line) else { return note.map { hover("ecgd: \($0)", line: line) } ?? .null }
        var text = "**\(beat.label)** \(Self.format(beat.probability)) by `\(model ?? "?")`"
        if let sample = beat.sample, let time = beat.time {
            text += " — beat at \(Self.format(time, digits: 3)) s (sample \(sample), line \(beat.line))"
        }
        text += "\n\n" + zip(classes, beat.probabilities).map { "\($0) \(Self.format($1))" }.joined(separator: " · ")
        if beat.rrBefore != nil || beat.rrAfter != nil {
            let before = beat.rrBefore.map { "\(Self.format($0, digits: 3)) s" } ?? "none"
            let after = beat.rrAfter.map { "\(Self.format($0, digits: 3)) s" } ?? "none"
            text += "\n\nRR before \(before), after \(after)"
            if let rr = beat.rrBefore { text += " (\(Self.format(60 / rr, digits: 0)) bpm)" }
        }
        if let fileLabel = beat.fileLabel { text += "\n\nfile label: \(describe(fileLabel))" }
        return hover(text, line: line)
    }

    private func hover(_ markdown: String, line: Int) -> JSONValue {
        ["contents": ["kind": "markdown", "value": .string(markdown)], "range": range(line: line)]
    }

    /// The beat on `line` (beats CSV), or the beat whose R-peak is nearest that line's sample (raw ECG).
    func beat(near line: Int) -> Beat? {
        switch kind {
        case .beats?:
            let index = Self.lowerBound(beats.count) { beats[$0].line < line }
            return index < beats.count && beats[index].line == line ? beats[index] : nil
        case .recording?:
            let row = Self.lowerBound(sampleLines.count) { sampleLines[$0] < line }
            guard row < sampleLines.count, sampleLines[row] == line, !beats.isEmpty else { return nil }
            let next = Self.lowerBound(beats.count) { beats[$0].sample! < row }
            let candidates = [next - 1, next].filter { beats.indices.contains($0) }
            return candidates.min { abs(beats[$0].sample! - row) < abs(beats[$1].sample! - row) }.map { beats[$0] }
        case nil:
            return nil
        }
    }

    /// A file label, with its class name when it is a class index (`1 (abnormal)`).
    private func describe(_ fileLabel: String) -> String {
        if let index = Int(fileLabel), classes.indices.contains(index) { return "\(fileLabel) (\(classes[index]))" }
        return fileLabel
    }

    /// The first index in `0..<count` where `isBefore` is false.
    private static func lowerBound(_ count: Int, _ isBefore: (Int) -> Bool) -> Int {
        var (low, high) = (0, count)
        while low < high {
            let mid = (low + high) / 2
            if isBefore(mid) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    static func format(_ x: Double, digits: Int = 2) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (x * scale).rounded() / scale
        return digits == 0 ? String(Int(rounded)) : String(rounded)
    }
}
