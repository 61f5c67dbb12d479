import ECGSignal
import Foundation

/// The first lines of a CSV document: enough to tell a beats CSV (one beat per line) from a raw
/// ECG CSV (one sample per line) and to name its columns.
public struct CSVHead: Sendable, Equatable {
    /// Column names, when the first non-blank line holds no number.
    var header: [String]?
    /// Cells in the first data row.
    var width: Int
    /// The first few data rows' cells (at most `sampleRows`), for the sampling rate of a time column.
    var rows: [[String]]

    /// Rows read to estimate a time column's sampling interval.
    static let sampleRows = 64
    /// A row of at least this many values is a beat, not one sample of a few leads.
    static let beatRowWidth = 32

    /// Whether rows are beats (many values) rather than samples of a few leads.
    var isBeatsTable: Bool { width >= Self.beatRowWidth }

    /// Whether CSV `text` holds one beat per row (as the Kachuee CSVs) rather than samples.
    public static func isBeatsCSV(_ text: String) -> Bool {
        CSVHead(text)?.isBeatsTable ?? false
    }

    /// Reads the head of `text`; nil when it holds no non-blank line. Cells are split on the
    /// first of tab, semicolon and comma found on the first non-blank line, as the CSV readers do,
    /// and trimmed of spaces and surrounding double quotes.
    init?(_ text: String) {
        // Only the first lines are read: a document may hold hundreds of thousands.
        var lines: [Substring] = []
        var rest = text[...]
        while lines.count <= Self.sampleRows, !rest.isEmpty {
            let end = rest.firstIndex(where: \.isNewline) ?? rest.endIndex
            let line = rest[..<end]
            rest = end < rest.endIndex ? rest[rest.index(after: end)...] : rest[end...]
            if !line.allSatisfy({ $0 == " " || $0 == "\t" }) { lines.append(line) }
        }
        guard let first = lines.first else { return nil }
        let separator: Character? = ["\t", ";", ","].first { first.contains($0) }
        func cells(_ line: Substring) -> [String] {
            let parts = separator.map { s in line.split(separator: s, omittingEmptySubsequences: false) } ?? [line]
            return parts.map { part in
                var cell = part.trimmingCharacters(in: .whitespaces)
                if cell.count >= 2, cell.hasPrefix("\""), cell.hasSuffix("\"") {
                    cell = String(cell.dropFirst().dropLast())
                }
                return cell
            }
        }
        let firstCells = cells(first)
        let isHeader = firstCells.allSatisfy { !$0.isEmpty && Double($0) == nil }
        header = isHeader ? firstCells : nil
        rows = lines.dropFirst(isHeader ? 1 : 0).map(cells)
        width = rows.first?.count ?? firstCells.count
    }

    /// The index of the column named `name` (case-insensitive).
    func column(named name: String) -> Int? {
        header?.firstIndex { $0.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// The ECG column of a raw CSV: one named ECG or MLII, else the first that is not a time or
    /// index column, else the first.
    var ecgColumn: Int {
        for name in ["ECG", "MLII"] { if let index = column(named: name) { return index } }
        guard let header else { return 0 }
        return header.firstIndex { !CSVSignalReader.timeColumnNames.contains($0.lowercased()) } ?? 0
    }

    /// The sampling rate implied by a time column in seconds (`time`, `t`, `seconds`, `sec`, `s`)
    /// or milliseconds (`ms`): one over the median step of the first rows.
    var timeColumnRate: Double? {
        let units: [(String, Double)] = [("time", 1), ("t", 1), ("seconds", 1), ("sec", 1), ("s", 1), ("ms", 1e-3)]
        for (name, scale) in units {
            guard let index = column(named: name) else { continue }
            let times = rows.compactMap { $0.count > index ? Double($0[index]) : nil }
            let steps = zip(times.dropFirst(), times).map { ($0 - $1) * scale }.filter { $0 > 0 }.sorted()
            guard !steps.isEmpty else { return nil }
            return (1 / steps[steps.count / 2] * 1000).rounded() / 1000
        }
        return nil
    }
}
