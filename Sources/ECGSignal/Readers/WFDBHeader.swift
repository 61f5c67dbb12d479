import Foundation

/// The contents of a WFDB header (`.hea`) file: of a single-segment record (its signals), or of
/// a multi-segment record (its segments, each a record of its own).
public struct WFDBHeader: Sendable, Equatable {
    /// Record name (first field of the record line).
    public var recordName: String
    /// Sampling frequency in hertz (frames per second); 250 when the header omits it.
    public var fs: Double
    /// Counter frequency in ticks per second, when given (`fs/counterFrequency`).
    public var counterFrequency: Double?
    /// Counter value of sample 0, when given (`fs/counterFrequency(baseCounter)`).
    public var baseCounter: Double?
    /// Number of samples per signal, when the header states it.
    public var sampleCount: Int?
    /// Time of day of sample 0 (`hh:mm:ss`), as written.
    public var baseTime: String?
    /// Date of sample 0 (`dd/mm/yyyy`), as written.
    public var baseDate: String?
    /// One entry per signal, in header order (none in a multi-segment header).
    public var signals: [WFDBSignalSpec]
    /// The segments of a multi-segment record, in order (empty for a single-segment record).
    public var segments: [WFDBSegment] = []
    /// Comment lines without their leading `#` and surrounding spaces.
    public var comments: [String]
}

/// One segment line of a multi-segment header: a record (or `~`, a gap) of so many frames.
public struct WFDBSegment: Sendable, Equatable {
    /// Record name of the segment, relative to the header's directory; `~` for a gap.
    public var name: String
    /// Frames in the segment; 0 for the layout segment that lists the record's signals.
    public var sampleCount: Int

    /// Whether the segment is a gap without samples.
    public var isGap: Bool { name == "~" }
}

/// One signal line of a WFDB header.
public struct WFDBSignalSpec: Sendable, Equatable {
    /// Name of the file holding the samples, relative to the header's directory.
    public var fileName: String
    /// Storage format (212, 16, 80, ...).
    public var format: Int
    /// Samples per frame (1 for ordinary records).
    public var samplesPerFrame: Int
    /// Skew in frames (0 for ordinary records).
    public var skew: Int
    /// Bytes to skip at the start of the file before the first sample.
    public var byteOffset: Int
    /// ADC units per physical unit; a header gain of 0 (uncalibrated) or none reads as 200.
    public var gain: Double
    /// ADC value that corresponds to 0 physical units; defaults to `adcZero`.
    public var baseline: Int
    /// Physical units, `mV` by default.
    public var units: String
    /// ADC resolution in bits (format-dependent default when absent or 0).
    public var adcResolution: Int
    /// ADC value at the middle of the ADC range.
    public var adcZero: Int
    /// Value of the first sample (used by difference formats); defaults to `adcZero`.
    public var initialValue: Int
    /// 16-bit checksum of all samples, when given.
    public var checksum: Int?
    /// Block size in bytes (0 for ordinary files).
    public var blockSize: Int
    /// Signal description, usually the lead name; may contain spaces.
    public var description: String

    /// Converts a stored ADC value to physical units: `(adc - baseline) / gain`.
    public func physical(_ adc: Int) -> Double {
        Double(adc - baseline) / gain
    }
}

extension WFDBHeader {
    /// Parses header text; `path` is used in error messages. LF and CRLF line endings are accepted.
    public static func parse(_ text: String, path: String) throws -> WFDBHeader {
        func fail(_ line: Int, _ message: String) -> SignalFileError {
            SignalFileError(path: path, message: "line \(line): \(message)")
        }
        var recordLine: (number: Int, text: Substring)?
        var signalLines: [(number: Int, text: Substring)] = []
        var comments: [String] = []
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                comments.append(line.dropFirst().trimmingCharacters(in: .whitespaces))
                continue
            }
            if recordLine == nil {
                recordLine = (index + 1, Substring(line))
            } else {
                signalLines.append((index + 1, Substring(line)))
            }
        }
        guard let recordLine else {
            throw SignalFileError(path: path, message: "no record line (empty header)")
        }
        var (header, signalCount, segmentCount) = try parseRecordLine(
            recordLine.text, fail: { fail(recordLine.number, $0) })
        header.comments = comments
        if let segmentCount {
            guard signalLines.count >= segmentCount else {
                throw SignalFileError(
                    path: path,
                    message:
                        "record line announces \(segmentCount) segments but \(signalLines.count) segment lines follow")
            }
            for entry in signalLines.prefix(segmentCount) {
                let fields = entry.text.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard fields.count >= 2, let count = Int(fields[1]), count >= 0 else {
                    throw fail(entry.number, "segment line needs a record name and a number of samples")
                }
                header.segments.append(WFDBSegment(name: String(fields[0]), sampleCount: count))
            }
            return header
        }
        guard signalLines.count >= signalCount else {
            throw SignalFileError(
                path: path,
                message: "record line announces \(signalCount) signals but \(signalLines.count) signal lines follow")
        }
        for entry in signalLines.prefix(signalCount) {
            header.signals.append(try parseSignalLine(entry.text, fail: { fail(entry.number, $0) }))
        }
        return header
    }

    /// Parses the record line into a header without signals, the announced signal count and,
    /// for a multi-segment record (`name/segments`), the segment count.
    private static func parseRecordLine(
        _ line: Substring, fail: (String) -> SignalFileError
    ) throws -> (WFDBHeader, Int, Int?) {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard var name = fields.first else { throw fail("record line needs a record name") }
        var segmentCount: Int?
        if let slash = name.firstIndex(of: "/") {
            guard let count = Int(name[name.index(after: slash)...]), count >= 1 else {
                throw fail("invalid number of segments in \"\(name)\"")
            }
            segmentCount = count
            name = name[..<slash]
        }
        guard fields.count >= 2, let signalCount = Int(fields[1]), signalCount >= 0 else {
            throw fail("record line needs a signal count after the record name")
        }
        var fs = 250.0
        var counterFrequency: Double?
        var baseCounter: Double?
        if fields.count >= 3 {
            let spec = fields[2]
            // Empty parts kept: "/", "/360" and "250/" are refused, not read as something else.
            let parts = spec.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let value = Double(parts[0]), value > 0, value.isFinite else {
                throw fail("invalid sampling frequency \"\(spec)\"")
            }
            fs = value
            if parts.count == 2 {
                var counter = parts[1]
                if let open = counter.firstIndex(of: "(") {
                    guard counter.hasSuffix(")"),
                        let base = Double(counter[counter.index(after: open)..<counter.index(before: counter.endIndex)])
                    else { throw fail("invalid base counter in \"\(spec)\"") }
                    baseCounter = base
                    counter = counter[..<open]
                }
                guard let frequency = Double(counter), frequency > 0 else {
                    throw fail("invalid counter frequency in \"\(spec)\"")
                }
                counterFrequency = frequency
            }
        }
        var sampleCount: Int?
        if fields.count >= 4 {
            guard let count = Int(fields[3]), count >= 0 else {
                throw fail("invalid number of samples \"\(fields[3])\"")
            }
            sampleCount = count > 0 ? count : nil
        }
        let header = WFDBHeader(
            recordName: String(name), fs: fs, counterFrequency: counterFrequency,
            baseCounter: baseCounter, sampleCount: sampleCount,
            baseTime: fields.count >= 5 ? String(fields[4]) : nil,
            baseDate: fields.count >= 6 ? String(fields[5]) : nil,
            signals: [], comments: [])
        return (header, signalCount, segmentCount)
    }
}
