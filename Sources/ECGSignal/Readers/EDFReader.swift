import Foundation

/// One EDF+ annotation (from a time-stamped annotation list of the `EDF Annotations` signal).
public struct EDFAnnotation: Sendable, Equatable {
    /// Seconds from the start of the file.
    public var onset: Double
    /// Duration in seconds, when given.
    public var duration: Double?
    /// The annotation text.
    public var text: String

    /// An annotation at `onset` seconds.
    public init(onset: Double, duration: Double? = nil, text: String) {
        self.onset = onset
        self.duration = duration
        self.text = text
    }
}

/// Reads EDF and continuous EDF+ files (16-bit samples, per-signal scaling).
public enum EDFReader {
    /// Reads the header of an EDF or EDF+ file (and nothing else of it).
    public static func readHeader(at url: URL) throws -> EDFHeader {
        let file = try SignalFileReader(url)
        let size = try file.size()
        let first = try file.read(at: 0, count: min(256, size))
        let headerBytes =
            first.count == 256
            ? Int(
                String(decoding: first[184..<192], as: UTF8.self)
                    .trimmingCharacters(in: .whitespaces)) ?? 256 : 256
        let prefix = try file.read(at: 0, count: min(max(256, headerBytes), size))
        return try EDFHeader.parse(prefix, fileSize: size, path: url.path)
    }

    /// Reads ECG signals of an EDF or continuous EDF+ file in physical units.
    /// - Parameters:
    ///   - labels: signals to read, matched case-insensitively on the label; they must share one
    ///     sampling rate. nil picks the signals whose label mentions ECG or EKG (all ordinary
    ///     signals if none does) at the rate of the first of them; signals at other rates and the
    ///     `EDF Annotations` signal are skipped.
    ///   - toMillivolts: convert signals in V, mV, uV or µV to millivolts (other units are kept).
    public static func read(at url: URL, labels: [String]? = nil, toMillivolts: Bool = true) throws -> Recording {
        try read(at: url, toMillivolts: toMillivolts) { header, fail in
            try chooseSignals(header, labels: labels, fail: fail)
        }
    }

    /// Reads some of the signals `read(at:)` picks by default (ECG signals at one rate):
    /// `select` gets their labels and returns the indices of those wanted, in order. Only
    /// those are decoded.
    public static func read(
        at url: URL, toMillivolts: Bool = true, signals select: ([String]) throws -> [Int]
    ) throws -> Recording {
        try read(at: url, toMillivolts: toMillivolts) { header, fail in
            let candidates = try chooseSignals(header, labels: nil, fail: fail)
            let indices = try select(candidates.map { header.signals[$0].label })
            for index in indices where !candidates.indices.contains(index) {
                throw fail("no ECG signal \(index) (the file has \(candidates.count))")
            }
            return indices.map { candidates[$0] }
        }
    }

    /// Reads the signals `choose` picks from the header, a block of data records at a time.
    private static func read(
        at url: URL, toMillivolts: Bool,
        choose: (EDFHeader, (String) -> SignalFileError) throws -> [Int]
    ) throws -> Recording {
        let header = try readHeader(at: url)
        func fail(_ message: String) -> SignalFileError { SignalFileError(url: url, message: message) }
        if header.isDiscontinuous {
            throw fail(
                "discontinuous EDF+ (EDF+D) is not supported: its data records have gaps; convert it to continuous EDF+C"
            )
        }
        guard header.recordDuration > 0 else {
            throw fail("data record duration is \(header.recordDuration) s, no signal to read")
        }
        let chosen = try choose(header, fail)
        guard header.recordCount > 0 else { throw fail("no data records") }
        guard let firstChosen = chosen.first else { throw fail("no signals chosen") }

        let offsets = header.signals.reduce(into: [0]) { $0.append($0.last! + 2 * $1.samplesPerRecord) }
        let scales = chosen.map { index -> (factor: Double, unit: String) in
            let spec = header.signals[index]
            return toMillivolts ? millivoltFactor(spec.physicalDimension) : (1, spec.physicalDimension)
        }
        // Every sample is written below (or the read fails).
        var leads = chosen.map { index in
            let count = header.recordCount * header.signals[index].samplesPerRecord
            return [Double](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        }
        let recordsPerBlock = max(1, (1 << 20) / max(1, header.recordBytes))
        let blocks = (header.recordCount + recordsPerBlock - 1) / recordsPerBlock
        try ParallelRead.withPointers(&leads) { outputs in
            _ = try ParallelRead.map(blocks: blocks, parts: ParallelRead.parts(blocks: blocks)) { range in
                let file = try SignalFileReader(url)
                let first = range.lowerBound * recordsPerBlock
                let end = min(header.recordCount, range.upperBound * recordsPerBlock)
                let bytes = UnsafeMutableRawBufferPointer.allocate(
                    byteCount: recordsPerBlock * header.recordBytes, alignment: 8)
                defer { bytes.deallocate() }
                for record in stride(from: first, to: end, by: recordsPerBlock) {
                    let count = min(recordsPerBlock, end - record)
                    try file.read(
                        at: header.headerBytes + record * header.recordBytes, count: count * header.recordBytes,
                        into: bytes.baseAddress!)
                    for (slot, index) in chosen.enumerated() {
                        let spec = header.signals[index]
                        Self.decode(
                            spec, records: count, from: bytes.baseAddress! + offsets[index],
                            recordBytes: header.recordBytes, factor: scales[slot].factor,
                            into: outputs[slot]! + record * spec.samplesPerRecord)
                    }
                }
            }
        }
        let fs = Double(header.signals[firstChosen].samplesPerRecord) / header.recordDuration
        let comments = [header.patient, header.recording].filter { !$0.isEmpty }
        return Recording(
            fs: fs, leads: leads, leadNames: chosen.map { header.signals[$0].label }, units: scales.map(\.unit),
            name: url.deletingPathExtension().lastPathComponent, comments: comments)
    }

    /// Physical values (times `factor`) of one signal's samples in `records` consecutive data
    /// records, its first sample at `bytes`, each record `recordBytes` long.
    private static func decode(
        _ spec: EDFSignalSpec, records: Int, from bytes: UnsafeMutableRawPointer, recordBytes: Int, factor: Double,
        into out: UnsafeMutablePointer<Double>
    ) {
        let n = spec.samplesPerRecord
        let scale = spec.physicalScale
        for r in 0..<records {
            let samples = bytes + r * recordBytes
            let target = out + r * n
            for k in 0..<n {
                let value = Int(Int16(littleEndian: samples.loadUnaligned(fromByteOffset: 2 * k, as: Int16.self)))
                target[k] = spec.physical(value, scale: scale) * factor
            }
        }
    }

    /// The annotations of an EDF+ file's `EDF Annotations` signals, in file order, without the
    /// per-record time-keeping entries. A plain EDF file has none.
    public static func readAnnotations(at url: URL) throws -> [EDFAnnotation] {
        let data = try readFileData(url)
        let header = try EDFHeader.parse(data, fileSize: data.count, path: url.path)
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
                guard
                    let index = ordinary.first(where: {
                        header.signals[$0].label.caseInsensitiveCompare(label.trimmingCharacters(in: .whitespaces))
                            == .orderedSame
                    })
                else {
                    throw fail(
                        "no signal labelled \"\(label)\" (signals: \(ordinary.map { header.signals[$0].label }.joined(separator: ", ")))"
                    )
                }
                return index
            }
            if let other = chosen.first(where: { rate($0) != rate(chosen[0]) }) {
                throw fail(
                    "signals \"\(header.signals[chosen[0]].label)\" (\(rate(chosen[0])) Hz) and \"\(header.signals[other].label)\" (\(rate(other)) Hz) have different sampling rates"
                )
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
