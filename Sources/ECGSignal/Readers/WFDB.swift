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

    /// Reads a record in physical units; `url` is the `.hea` file or the record path without
    /// extension. Signal files (and the segments of a multi-segment record) are looked up next
    /// to the header. Samples holding the format's "no data" value, the samples a skewed signal
    /// lacks at the end, and the gaps of multi-segment records are NaN. A signal file shorter
    /// than its header says is read as far as it goes, and `warnings` says so.
    /// - Parameters:
    ///   - resolution: how signals with several samples per frame are read.
    ///   - select: chooses the signals to read from their names (in header order), returning
    ///     their indices in the order wanted; nil reads every signal. Only the chosen signals
    ///     are decoded and kept.
    public static func readRecord(
        at url: URL, resolution: WFDBResolution = .frame, signals select: (([String]) throws -> [Int])? = nil
    ) throws -> Recording {
        let headerURL = headerURL(for: url)
        let header = try readHeader(at: headerURL)
        if !header.segments.isEmpty {
            return try WFDBMultiSegment.read(header, at: headerURL, resolution: resolution, select: select)
        }
        let names = signalNames(header.signals)
        let chosen = try select?(names) ?? Array(names.indices)
        guard !header.signals.isEmpty else {
            throw SignalFileError(url: headerURL, message: "record has no signals")
        }
        return try readSignals(header, at: headerURL, chosen: chosen, resolution: resolution)
    }

    /// The names records' signals go by: their descriptions, or `signalN` where there is none.
    static func signalNames(_ specs: [WFDBSignalSpec]) -> [String] {
        specs.enumerated().map { $1.description.isEmpty ? "signal\($0)" : $1.description }
    }

    /// Reads signals `chosen` (header indices) of a single-segment record.
    static func readSignals(
        _ header: WFDBHeader, at headerURL: URL, chosen: [Int], resolution: WFDBResolution
    ) throws -> Recording {
        let names = signalNames(header.signals)
        for index in chosen where !header.signals.indices.contains(index) {
            throw SignalFileError(
                url: headerURL, message: "no signal \(index) (the record has \(header.signals.count))")
        }
        for index in chosen {
            let spec = header.signals[index]
            if !WFDBFormat.supported.contains(spec.format) {
                throw SignalFileError(
                    url: headerURL,
                    message:
                        "signal \(index) (\(spec.description)): format \(spec.format) is not supported (supported: \(WFDBFormat.supported.sorted().map(String.init).joined(separator: ", ")))"
                )
            }
            if spec.skew < 0 {
                throw SignalFileError(
                    url: headerURL, message: "signal \(index) (\(spec.description)): negative skew \(spec.skew)")
            }
        }
        var fs = header.fs
        if resolution == .signal, let first = chosen.first {
            let k = header.signals[first].samplesPerFrame
            if let other = chosen.first(where: { header.signals[$0].samplesPerFrame != k }) {
                throw SignalFileError(
                    url: headerURL,
                    message:
                        "signals \(names[first]) and \(names[other]) have \(k) and \(header.signals[other].samplesPerFrame) samples per frame: read them at the frame rate, or one at a time"
                )
            }
            fs *= Double(k)
        }

        // The files holding the chosen signals, each with its frame layout.
        let directory = headerURL.deletingLastPathComponent()
        var files: [(file: WFDBSignalFile, members: [Int], stored: Int)] = []
        for fileName in uniqueFileNames(chosen.map { header.signals[$0] }) {
            let inFile = header.signals.indices.filter { header.signals[$0].fileName == fileName }
            let members = inFile.filter(chosen.contains)
            let file = try WFDBSignalFile(
                url: directory.appendingPathComponent(fileName), specs: inFile.map { header.signals[$0] },
                wanted: members.map { inFile.firstIndex(of: $0)! }, resolution: resolution)
            let stored = try file.availableFrames()
            if header.sampleCount == nil, try !file.endsOnFrame(stored) {
                throw SignalFileError(
                    url: file.url, message: "file ends in a partial frame of \(file.frameWidth) samples")
            }
            files.append((file, members, stored))
        }
        // Without a length in the header, the files say it; a file shorter than the header
        // says is read as far as it goes (the record ends there).
        let frames = header.sampleCount ?? files.map(\.stored).min() ?? 0
        var length = frames
        var warnings: [String] = []
        for entry in files where entry.stored < frames {
            length = min(length, entry.stored)
            warnings.append(
                "\(entry.file.url.lastPathComponent) holds \(entry.stored) of the \(frames) frames the header announces: read the \(entry.stored) there are"
            )
        }
        if header.sampleCount == nil, let entry = files.first(where: { $0.stored != frames }) {
            throw SignalFileError(
                url: entry.file.url, message: "holds \(entry.stored) frames, other files of the record hold \(frames)")
        }
        var values: [Int: [Double]] = [:]
        for entry in files {
            let checksumFrames = header.sampleCount.flatMap { entry.stored >= $0 ? $0 : nil }
            let read = try entry.file.read(frames: length, stored: entry.stored, checksumFrames: checksumFrames)
            for (signal, lead) in zip(entry.members, read) { values[signal] = lead }
        }
        let leads = chosen.map { values[$0]! }
        return Recording(
            fs: fs, leads: leads, leadNames: chosen.map { names[$0] },
            units: chosen.map { header.signals[$0].units }, name: header.recordName, comments: header.comments,
            warnings: warnings)
    }

    /// The `.hea` URL of a record given either the header itself or the record path.
    static func headerURL(for url: URL) -> URL {
        url.pathExtension.lowercased() == "hea" ? url : url.appendingPathExtension("hea")
    }

    private static func uniqueFileNames(_ specs: [WFDBSignalSpec]) -> [String] {
        var seen = Set<String>()
        return specs.map(\.fileName).filter { seen.insert($0).inserted }
    }
}
