import Foundation

/// Readers for PhysioNet WFDB records: headers (`.hea`), signal files and MIT-format annotations.
public enum WFDB {
    /// Reads and parses a header; `url` is the `.hea` file or the record path without extension.
    public static func readHeader(at url: URL) throws -> WFDBHeader {
        let headerURL = headerURL(for: url)
        let data = try readFileData(headerURL)
        guard let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) else {
            throw SignalFileError(url: headerURL, message: "header is not text")
        }
        return try WFDBHeader.parse(text, path: headerURL.path)
    }

    /// Reads a whole record in physical units; `url` is the `.hea` file or the record path
    /// without extension. Signal files are looked up next to the header. Samples holding the
    /// format's "no data" value are NaN.
    public static func readRecord(at url: URL) throws -> Recording {
        let headerURL = headerURL(for: url)
        let header = try readHeader(at: headerURL)
        let directory = headerURL.deletingLastPathComponent()
        guard !header.signals.isEmpty else {
            throw SignalFileError(url: headerURL, message: "record has no signals")
        }
        for (index, spec) in header.signals.enumerated() {
            let problem: String?
            if !WFDBFormat.supported.contains(spec.format) {
                problem = "format \(spec.format) is not supported (supported: \(WFDBFormat.supported.sorted().map(String.init).joined(separator: ", ")))"
            } else if spec.samplesPerFrame != 1 {
                problem = "multi-frequency signals (\(spec.samplesPerFrame) samples per frame) are not supported"
            } else if spec.skew != 0 {
                problem = "skewed signals are not supported"
            } else {
                problem = nil
            }
            if let problem {
                throw SignalFileError(url: headerURL, message: "signal \(index) (\(spec.description)): \(problem)")
            }
        }

        var leads = [[Double]](repeating: [], count: header.signals.count)
        var frameCount: Int?
        for fileName in uniqueFileNames(header.signals) {
            let members = header.signals.indices.filter { header.signals[$0].fileName == fileName }
            let fileURL = directory.appendingPathComponent(fileName)
            let values = try readSignalFile(
                fileURL, specs: members.map { header.signals[$0] }, sampleCount: header.sampleCount)
            if let frameCount, frameCount != values.first?.count {
                throw SignalFileError(
                    url: fileURL, message: "holds \(values.first?.count ?? 0) samples per signal, other files of the record hold \(frameCount)")
            }
            frameCount = values.first?.count
            for (position, signal) in members.enumerated() { leads[signal] = values[position] }
        }
        return Recording(
            fs: header.fs, leads: leads,
            leadNames: header.signals.enumerated().map { $1.description.isEmpty ? "signal\($0)" : $1.description },
            units: header.signals.map(\.units), name: header.recordName, comments: header.comments)
    }

    /// The `.hea` URL of a record given either the header itself or the record path.
    static func headerURL(for url: URL) -> URL {
        url.pathExtension.lowercased() == "hea" ? url : url.appendingPathExtension("hea")
    }

    private static func uniqueFileNames(_ specs: [WFDBSignalSpec]) -> [String] {
        var seen = Set<String>()
        return specs.map(\.fileName).filter { seen.insert($0).inserted }
    }

    /// Reads the interleaved signals `specs` of one file, in physical units.
    private static func readSignalFile(_ url: URL, specs: [WFDBSignalSpec], sampleCount: Int?) throws -> [[Double]] {
        let format = specs[0].format
        if let other = specs.first(where: { $0.format != format }) {
            throw SignalFileError(url: url, message: "signals stored in one file use different formats (\(format) and \(other.format))")
        }
        let data = try readFileData(url)
        let offset = specs[0].byteOffset
        guard data.count >= offset else {
            throw SignalFileError(url: url, message: "file has \(data.count) bytes, less than its byte offset \(offset)")
        }
        let byteCount = data.count - offset
        let signals = specs.count
        let capacity = WFDBFormat.sampleCapacity(format: format, byteCount: byteCount)
        let availableFrames = capacity / signals
        let frames: Int
        if let sampleCount {
            guard sampleCount <= availableFrames else {
                throw SignalFileError(
                    url: url,
                    message: "truncated: header says \(sampleCount) samples per signal, the file's \(byteCount) bytes hold \(availableFrames)")
            }
            frames = sampleCount
        } else {
            guard WFDBFormat.byteCount(format: format, samples: availableFrames * signals) == byteCount else {
                throw SignalFileError(url: url, message: "file of \(byteCount) bytes ends in a partial frame of \(signals) signals")
            }
            frames = availableFrames
        }

        var raw = data.withUnsafeBytes { buffer in
            WFDBFormat.decode(format: format, bytes: UnsafeRawBufferPointer(rebasing: buffer[offset...]), count: frames * signals)
        }
        if format == 8 { integrateDifferences(&raw, initialValues: specs.map(\.initialValue)) }

        let invalid = WFDBFormat.invalidValue(format)
        var result = [[Double]]()
        for (s, spec) in specs.enumerated() {
            var lead = [Double](repeating: 0, count: frames)
            var sum = 0
            for t in 0..<frames {
                let value = raw[t * signals + s]
                sum &+= value
                lead[t] = value == invalid ? .nan : spec.physical(value)
            }
            if let checksum = spec.checksum, sampleCount != nil, Int16(truncatingIfNeeded: sum) != Int16(truncatingIfNeeded: checksum) {
                throw SignalFileError(
                    url: url,
                    message: "checksum mismatch for signal \(spec.description.isEmpty ? "\(s)" : spec.description): header says \(checksum), samples sum to \(Int16(truncatingIfNeeded: sum)) (corrupt file?)")
            }
            result.append(lead)
        }
        return result
    }

    /// Turns the per-signal first differences of format 8 into values.
    private static func integrateDifferences(_ raw: inout [Int], initialValues: [Int]) {
        var current = initialValues
        let signals = initialValues.count
        for i in raw.indices {
            current[i % signals] += raw[i]
            raw[i] = current[i % signals]
        }
    }
}
