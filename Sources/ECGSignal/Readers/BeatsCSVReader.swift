import Foundation

/// Heartbeats cut beforehand, one per row (for example the Kachuee CSVs: 187 values in [0, 1]
/// followed by a label, or 360-sample MIT-BIH segments).
public struct BeatTable: Sendable, Equatable {
    /// One array of samples per beat, all of the same length.
    public var beats: [[Double]]
    /// One label per beat when the file has a label column; integral numbers are written
    /// without a fraction (`1.000000e+00` reads as `1`).
    public var labels: [String]?
    /// 1-based line number of each beat in the file.
    public var lineNumbers: [Int]

    /// A table of `beats`; line numbers default to 1, 2, 3, ...
    public init(beats: [[Double]], labels: [String]? = nil, lineNumbers: [Int]? = nil) {
        self.beats = beats
        self.labels = labels
        self.lineNumbers = lineNumbers ?? beats.indices.map { $0 + 1 }
    }

    /// Samples per beat (0 for an empty table).
    public var beatLength: Int { beats.first?.count ?? 0 }

    /// The labels as integers, when every label is one.
    public var integerLabels: [Int]? {
        guard let labels else { return nil }
        var result: [Int] = []
        result.reserveCapacity(labels.count)
        for label in labels {
            guard let value = Int(label) else { return nil }
            result.append(value)
        }
        return result
    }
}

/// Reads beats CSVs: one beat per row, optional header line, comma, semicolon or tab.
public enum BeatsCSVReader {
    /// Reads a beats CSV; `lastColumnIsLabel` says whether the final column holds the label.
    /// Throws on the first problem, naming the file, row and column.
    public static func read(at url: URL, lastColumnIsLabel: Bool = true, hasHeader: Bool? = nil) throws -> BeatTable {
        try parse(
            DelimitedText(readFileData(url)), path: url.path, lastColumnIsLabel: lastColumnIsLabel, hasHeader: hasHeader
        )
    }

    /// Parses beats CSV text strictly; `path` names the file in error messages.
    public static func parse(
        _ text: String, path: String, lastColumnIsLabel: Bool = true, hasHeader: Bool? = nil
    ) throws -> BeatTable {
        try parse(
            DelimitedText(Data(text.utf8)), path: path, lastColumnIsLabel: lastColumnIsLabel, hasHeader: hasHeader)
    }

    private static func parse(
        _ text: DelimitedText, path: String, lastColumnIsLabel: Bool, hasHeader: Bool?
    ) throws -> BeatTable {
        let (table, issues) = check(text, lastColumnIsLabel: lastColumnIsLabel, hasHeader: hasHeader)
        if let issue = issues.first { throw SignalFileError(path: path, message: issue.description) }
        guard !table.beats.isEmpty else { throw SignalFileError(path: path, message: "no beats") }
        return table
    }

    /// Parses beats CSV text leniently: the well-formed rows, and one issue per bad row (wrong
    /// number of values, a cell that is not a finite number, an empty label), for editors.
    /// A header is detected when `hasHeader` is nil: a first row whose value cells are all
    /// non-numeric.
    public static func check(
        _ text: String, lastColumnIsLabel: Bool = true, hasHeader: Bool? = nil
    ) -> (table: BeatTable, issues: [TextFileIssue]) {
        check(DelimitedText(Data(text.utf8)), lastColumnIsLabel: lastColumnIsLabel, hasHeader: hasHeader)
    }

    private static func check(
        _ delimited: DelimitedText, lastColumnIsLabel: Bool, hasHeader: Bool?
    ) -> (table: BeatTable, issues: [TextFileIssue]) {
        var rows = delimited.rows[...]
        if let first = rows.first, hasHeader ?? delimited.isHeader(first.cells.dropLast(lastColumnIsLabel ? 1 : 0)) {
            rows = rows.dropFirst()
        }
        let width = rows.first?.cells.count ?? 0
        let minimum = lastColumnIsLabel ? 2 : 1
        var beats: [[Double]] = []
        var labels: [String] = []
        var lines: [Int] = []
        var issues: [TextFileIssue] = []
        rowLoop: for row in rows {
            guard row.cells.count == width, width >= minimum else {
                let expected = width >= minimum ? "\(width)" : "at least \(minimum)"
                issues.append(
                    TextFileIssue(line: row.line, message: "has \(row.cells.count) columns, expected \(expected)"))
                continue
            }
            let valueCount = width - (lastColumnIsLabel ? 1 : 0)
            var beat = [Double](repeating: 0, count: valueCount)
            for column in 0..<valueCount {
                switch delimited.number(row.cells[column]) {
                case .success(let value): beat[column] = value
                case .failure(let problem):
                    issues.append(TextFileIssue(line: row.line, column: column + 1, message: problem.description))
                    continue rowLoop
                }
            }
            if lastColumnIsLabel {
                let cell = row.cells[width - 1]
                guard !cell.isEmpty else {
                    issues.append(TextFileIssue(line: row.line, column: width, message: "empty label"))
                    continue
                }
                labels.append(normalizedLabel(delimited.text(cell)))
            }
            beats.append(beat)
            lines.append(row.line)
        }
        return (BeatTable(beats: beats, labels: lastColumnIsLabel ? labels : nil, lineNumbers: lines), issues)
    }

    /// Integral numeric labels without their fraction (`1.0e+00` -> `1`), others as written.
    private static func normalizedLabel(_ cell: String) -> String {
        if let value = Double(cell), value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            return String(Int(value))
        }
        return cell
    }
}
