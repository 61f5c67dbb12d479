import Foundation

/// One problem found in a delimited text file, located by 1-based line and column.
public struct TextFileIssue: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number in the file.
    public var line: Int
    /// 1-based column number, when the problem is in one cell.
    public var column: Int?
    /// What is wrong.
    public var message: String

    public init(line: Int, column: Int? = nil, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        column.map { "row \(line), column \($0): \(message)" } ?? "row \(line): \(message)"
    }
}

/// Comma, semicolon or tab separated text split into rows of cells.
struct DelimitedText {
    /// A non-empty line: its 1-based line number and trimmed cells (surrounding quotes removed).
    struct Row {
        var line: Int
        var cells: [Substring]
    }

    var separator: Character?
    var rows: [Row]

    /// Splits `text` into rows; the separator is the first of tab, semicolon and comma found on
    /// the first non-empty line (none: one column). Blank lines are skipped; LF, CRLF and CR end lines.
    init(_ text: String) {
        var body = Substring(text)
        if body.first == "\u{FEFF}" { body = body.dropFirst() }
        let lines = body.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        let first = lines.first { !$0.allSatisfy(\.isWhitespace) } ?? ""
        separator = ["\t", ";", ","].first { first.contains($0) }
        var rows: [Row] = []
        rows.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() where !line.allSatisfy(\.isWhitespace) {
            let cells = separator.map { sep in line.split(separator: sep, omittingEmptySubsequences: false) } ?? [line]
            rows.append(Row(line: index + 1, cells: cells.map(Self.clean)))
        }
        self.rows = rows
    }

    private static func clean(_ cell: Substring) -> Substring {
        var cell = cell.trimmingCharacters(in: .whitespaces)[...]
        if cell.count >= 2, cell.first == "\"", cell.last == "\"" { cell = cell.dropFirst().dropLast() }
        return cell
    }

    /// The finite number in `cell`, or a description of why it is not one. With a semicolon or tab
    /// separator a decimal comma is accepted.
    func number(_ cell: Substring) -> Result<Double, NumberProblem> {
        if cell.isEmpty { return .failure(.empty) }
        if let value = Double(cell) ?? (separator != "," && cell.contains(",") ? Double(cell.replacingOccurrences(of: ",", with: ".")) : nil) {
            return value.isFinite ? .success(value) : .failure(.notFinite(String(cell)))
        }
        return .failure(.notANumber(String(cell)))
    }

    /// Whether the row looks like a header: every cell is non-empty and not a number.
    func isHeader(_ row: Row) -> Bool {
        row.cells.allSatisfy { cell in
            guard case .failure(let problem) = number(cell), case .notANumber = problem else { return false }
            return true
        }
    }

    enum NumberProblem: Error, CustomStringConvertible {
        case empty
        case notFinite(String)
        case notANumber(String)

        var description: String {
            switch self {
            case .empty: return "empty cell"
            case .notFinite(let text): return "\"\(text)\" is not a finite number"
            case .notANumber(let text): return "\"\(text)\" is not a number"
            }
        }
    }
}
