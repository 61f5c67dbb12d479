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

    /// Reads a recording from `url` in this format.
    /// - Parameters:
    ///   - fs: sampling rate, required for CSV (which does not carry one), ignored otherwise.
    ///   - leads: lead names to keep, in this order (CSV column names, EDF labels, WFDB signal
    ///     descriptions); nil keeps the format's default choice.
    public func read(at url: URL, fs: Double? = nil, leads: [String]? = nil) throws -> Recording {
        switch self {
        case .wfdb:
            let record = url.pathExtension.lowercased() == "dat" ? url.deletingPathExtension() : url
            guard let leads else { return try WFDB.readRecord(at: record) }
            return try WFDB.readRecord(at: record) { names in
                try leads.map { name in
                    guard let index = names.firstIndex(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) else {
                        throw SignalFileError(
                            url: WFDB.headerURL(for: record),
                            message: "no signal named \"\(name)\" (signals: \(names.joined(separator: ", ")))")
                    }
                    return index
                }
            }
        case .csv:
            guard let fs else {
                throw SignalFileError(url: url, message: "CSV files do not state a sampling rate; give one")
            }
            return try CSVSignalReader.read(at: url, fs: fs, columns: leads.map { $0.map(CSVColumn.name) })
        case .edf:
            return try EDFReader.read(at: url, labels: leads)
        }
    }
}
