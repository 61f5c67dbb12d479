import Foundation

/// A column of a CSV file, chosen by header name (case-insensitive) or by 0-based index.
public enum CSVColumn: Sendable, Equatable, CustomStringConvertible {
    case name(String)
    case index(Int)

    public var description: String {
        switch self {
        case .name(let name): return "\"\(name)\""
        case .index(let index): return "#\(index)"
        }
    }
}

/// Reads ECG samples from CSV text: one column per lead, with or without a header line,
/// separated by commas, semicolons or tabs (detected from the first line).
public enum CSVSignalReader {
    /// Header names of time or index columns, left out when no columns are chosen.
    public static let timeColumnNames: Set<String> = [
        "", "time", "t", "seconds", "sec", "s", "ms", "sample", "samples", "index", "#", "unnamed: 0",
    ]

    /// Reads a CSV file into a recording at sampling rate `fs` (the file does not carry it).
    /// - Parameters:
    ///   - columns: the leads to read; nil reads every column except time or index columns
    ///     (by header name, see `timeColumnNames`).
    ///   - hasHeader: whether the first line names the columns; nil detects it (a first line
    ///     without any number is a header).
    public static func read(
        at url: URL, fs: Double, columns: [CSVColumn]? = nil, hasHeader: Bool? = nil
    ) throws -> Recording {
        var recording = try parse(
            DelimitedText(readFileData(url)), path: url.path, fs: fs, columns: columns, hasHeader: hasHeader)
        recording.name = url.deletingPathExtension().lastPathComponent
        return recording
    }

    /// Parses CSV text; `path` names the file in error messages. Empty, NaN and infinite cells
    /// in the chosen columns are rejected with their row and column.
    public static func parse(
        _ text: String, path: String, fs: Double, columns: [CSVColumn]? = nil, hasHeader: Bool? = nil
    ) throws -> Recording {
        try parse(DelimitedText(Data(text.utf8)), path: path, fs: fs, columns: columns, hasHeader: hasHeader)
    }

    private static func parse(
        _ table: DelimitedText, path: String, fs: Double, columns: [CSVColumn]?, hasHeader: Bool?
    ) throws -> Recording {
        func fail(_ message: String) -> SignalFileError { SignalFileError(path: path, message: message) }
        guard fs > 0, fs.isFinite else { throw fail("sampling rate must be positive, got \(fs)") }
        guard let first = table.rows.first else { throw fail("no data") }
        let header = (hasHeader ?? table.isHeader(first.cells[...])) ? first.cells.map(table.text) : nil
        let dataRows = header == nil ? table.rows[...] : table.rows.dropFirst()
        let width = first.cells.count

        let chosen: [Int]
        if let columns {
            guard !columns.isEmpty else { throw fail("no columns chosen") }
            chosen = try columns.map { column in
                switch column {
                case .index(let index):
                    guard index >= 0, index < width else {
                        throw fail("column index \(index) out of range: the file has \(width) columns")
                    }
                    return index
                case .name(let name):
                    guard let header else {
                        throw fail("column \"\(name)\" asked for, but the file has no header line")
                    }
                    guard let index = header.firstIndex(where: { $0.caseInsensitiveCompare(name) == .orderedSame })
                    else {
                        throw fail("no column named \"\(name)\" (columns: \(header.joined(separator: ", ")))")
                    }
                    return index
                }
            }
        } else {
            chosen = (0..<width).filter { column in
                header.map { !timeColumnNames.contains($0[column].lowercased()) } ?? true
            }
            guard !chosen.isEmpty else { throw fail("no signal columns (only time or index columns)") }
        }
        guard !dataRows.isEmpty else { throw fail("no data rows") }

        var leads = [[Double]](repeating: [], count: chosen.count)
        for lead in leads.indices { leads[lead].reserveCapacity(dataRows.count) }
        for row in dataRows {
            for (lead, column) in chosen.enumerated() {
                guard column < row.cells.count else {
                    throw fail(
                        TextFileIssue(
                            line: row.line, message: "has \(row.cells.count) columns, column \(column + 1) is missing"
                        ).description)
                }
                switch table.number(row.cells[column]) {
                case .success(let value): leads[lead].append(value)
                case .failure(let problem):
                    throw fail(
                        TextFileIssue(line: row.line, column: column + 1, message: problem.description).description)
                }
            }
        }
        return Recording(
            fs: fs, leads: leads, leadNames: chosen.map { header?[$0] ?? "column\($0)" })
    }
}
