import Foundation

/// The signal file formats ECGSignal reads.
public enum SignalFileFormat: String, Sendable, CaseIterable {
    /// PhysioNet WFDB record (`.hea` header with its signal files).
    case wfdb
    /// Delimited text, one column per lead.
    case csv
    /// EDF or continuous EDF+.
    case edf

    /// The format a file extension implies: `hea`, `dat` or none: WFDB; `csv`, `tsv`, `txt`:
    /// CSV; `edf`: EDF.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "", "hea", "dat": self = .wfdb
        case "csv", "tsv", "txt": self = .csv
        case "edf": self = .edf
        default: return nil
        }
    }

    /// The format of the file at `path`: its extension's (`init(pathExtension:)`), else WFDB
    /// (record names may hold dots).
    public init(path: String) {
        self = SignalFileFormat(pathExtension: (path as NSString).pathExtension) ?? .wfdb
    }

    /// Reads a recording from `url` in this format: the one dispatcher of the readers, used by
    /// the service's `signal.path` and everything built on it.
    /// - Parameters:
    ///   - url: the file; for WFDB the record's header, or its path without extension (a `.dat`
    ///     extension is dropped).
    ///   - fs: sampling rate, required for CSV (which does not carry one), ignored otherwise.
    ///   - column: for CSV, the one column to read (by header name); nil reads every signal column.
    ///   - resolution: for WFDB, how signals with several samples per frame are read.
    ///   - select: chooses the leads to keep from their names (CSV column names, EDF labels, WFDB
    ///     signal descriptions), returning their indices in the order wanted; nil keeps all.
    ///     WFDB and EDF decode only the chosen leads.
    /// - Throws: `SignalFileError` naming the file, or what `select` throws.
    public func read(
        at url: URL, fs: Double? = nil, column: String? = nil, resolution: WFDBResolution = .frame,
        signals select: (([String]) throws -> [Int])? = nil
    ) throws -> Recording {
        switch self {
        case .wfdb:
            let record = url.pathExtension.lowercased() == "dat" ? url.deletingPathExtension() : url
            return try WFDB.readRecord(at: record, resolution: resolution, signals: select)
        case .csv:
            guard let fs else {
                throw SignalFileError(url: url, message: "CSV files do not state a sampling rate; give one")
            }
            let all = try CSVSignalReader.read(at: url, fs: fs, columns: column.map { [CSVColumn.name($0)] })
            guard let select else { return all }
            let indices = try select(all.leadNames)
            var chosen = all
            chosen.leads = indices.map { all.leads[$0] }
            chosen.leadNames = indices.map { all.leadNames[$0] }
            chosen.units = indices.map { all.units[$0] }
            return chosen
        case .edf:
            guard let select else { return try EDFReader.read(at: url) }
            return try EDFReader.read(at: url, signals: select)
        }
    }
}
