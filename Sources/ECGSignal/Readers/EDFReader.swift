import Foundation

/// One EDF+ annotation (from a time-stamped annotation list of the `EDF Annotations` signal).
public struct EDFAnnotation: Sendable, Equatable {
    /// Seconds from the start of the file.
    public var onset: Double
    /// Duration in seconds, when given.
    public var duration: Double?
    /// The annotation text.
    public var text: String

    public init(onset: Double, duration: Double? = nil, text: String) {
        self.onset = onset
        self.duration = duration
        self.text = text
    }
}

/// Reads EDF and continuous EDF+ files (16-bit samples, per-signal scaling).
public enum EDFReader {
    /// Reads the header of an EDF or EDF+ file.
    public static func readHeader(at url: URL) throws -> EDFHeader {
        try EDFHeader.parse(readFileData(url), path: url.path)
    }

    /// Reads ECG signals of an EDF or continuous EDF+ file in physical units.
    /// - Parameters:
    ///   - labels: signals to read, matched case-insensitively on the label; they must share one
    ///     sampling rate. nil picks the signals whose label mentions ECG or EKG (all ordinary
    ///     signals if none does) at the rate of the first of them; signals at other rates and the
    ///     `EDF Annotations` signal are skipped.
    ///   - toMillivolts: convert signals in V, mV, uV or µV to millivolts (other units are kept).
    public static func read(at url: URL, labels: [String]? = nil, toMillivolts: Bool = true) throws -> Recording {
        let data = try readFileData(url)
        let header = try EDFHeader.parse(data, path: url.path)
        func fail(_ message: String) -> SignalFileError { SignalFileError(url: url, message: message) }
        if header.isDiscontinuous {
            throw fail("discontinuous EDF+ (EDF+D) is not supported: its data records have gaps; convert it to continuous EDF+C")
        }
        guard header.recordDuration > 0 else { throw fail("data record duration is \(header.recordDuration) s, no signal to read") }
        let chosen = try chooseSignals(header, labels: labels, fail: fail)
        guard header.recordCount > 0 else { throw fail("no data records") }

        let offsets = header.signals.reduce(into: [0]) { $0.append($0.last! + 2 * $1.samplesPerRecord) }
        var leads: [[Double]] = []
        var units: [String] = []
        data.withUnsafeBytes { buffer in
            let bytes = buffer.bindMemory(to: UInt8.self)
            for index in chosen {
                let spec = header.signals[index]
                let (factor, unit) = toMillivolts ? millivoltFactor(spec.physicalDimension) : (1, spec.physicalDimension)
                var lead = [Double]()
                lead.reserveCapacity(header.recordCount * spec.samplesPerRecord)
                for record in 0..<header.recordCount {
                    let start = header.headerBytes + record * header.recordBytes + offsets[index]
                    for k in 0..<spec.samplesPerRecord {
                        let value = Int(Int16(bitPattern: UInt16(bytes[start + 2 * k]) | UInt16(bytes[start + 2 * k + 1]) << 8))
                        lead.append(spec.physical(value) * factor)
                    }
                }
                leads.append(lead)
                units.append(unit)
            }
        }
        let fs = Double(header.signals[chosen[0]].samplesPerRecord) / header.recordDuration
        let comments = [header.patient, header.recording].filter { !$0.isEmpty }
        return Recording(
            fs: fs, leads: leads, leadNames: chosen.map { header.signals[$0].label }, units: units,
            name: url.deletingPathExtension().lastPathComponent, comments: comments)
    }

    /// The annotations of an EDF+ file's `EDF Annotations` signals, in file order, without the
    /// per-record time-keeping entries. A plain EDF file has none.
    public static func readAnnotations(at url: URL) throws -> [EDFAnnotation] {
        let data = try readFileData(url)
        let header = try EDFHeader.parse(data, path: url.path)
        let offsets = header.signals.reduce(into: [0]) { $0.append($0.last! + 2 * $1.samplesPerRecord) }
        var annotations: [EDFAnnotation] = []
        let bytes = [UInt8](data)
        for (index, spec) in header.signals.enumerated() where spec.isAnnotations {
            for record in 0..<header.recordCount {
                let start = header.headerBytes + record * header.recordBytes + offsets[index]
                let block = bytes[start..<(start + 2 * spec.samplesPerRecord)]
                do {
                    annotations += try EDFAnnotationList.parse(block)
                } catch let problem as EDFAnnotationList.Problem {
                    throw SignalFileError(url: url, message: "data record \(record + 1): \(problem.message)")
                }
            }
        }
        return annotations
    }

    private static func chooseSignals(
        _ header: EDFHeader, labels: [String]?, fail: (String) -> SignalFileError
    ) throws -> [Int] {
        let ordinary = header.signals.indices.filter { !header.signals[$0].isAnnotations }
        func rate(_ index: Int) -> Double { Double(header.signals[index].samplesPerRecord) / header.recordDuration }
        if let labels {
            guard !labels.isEmpty else { throw fail("no signal labels given") }
            let chosen = try labels.map { label in
                guard let index = ordinary.first(where: {
                    header.signals[$0].label.caseInsensitiveCompare(label.trimmingCharacters(in: .whitespaces)) == .orderedSame
                }) else {
                    throw fail("no signal labelled \"\(label)\" (signals: \(ordinary.map { header.signals[$0].label }.joined(separator: ", ")))")
                }
                return index
            }
            if let other = chosen.first(where: { rate($0) != rate(chosen[0]) }) {
                throw fail(
                    "signals \"\(header.signals[chosen[0]].label)\" (\(rate(chosen[0])) Hz) and \"\(header.signals[other].label)\" (\(rate(other)) Hz) have different sampling rates")
            }
            return chosen
        }
        let ecg = ordinary.filter {
            let label = header.signals[$0].label.uppercased()
            return label.contains("ECG") || label.contains("EKG")
        }
        let candidates = ecg.isEmpty ? ordinary : ecg
        guard let first = candidates.first else { throw fail("no signals besides annotations") }
        return candidates.filter { rate($0) == rate(first) }
    }

    /// Factor to millivolts and resulting unit for a physical dimension.
    private static func millivoltFactor(_ dimension: String) -> (Double, String) {
        switch dimension {
        case "V": return (1000, "mV")
        case "mV": return (1, "mV")
        case "uV", "µV", "\u{03BC}V": return (0.001, "mV")
        default: return (1, dimension)
        }
    }
}
