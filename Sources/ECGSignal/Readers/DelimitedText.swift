import Foundation

/// One problem found in a delimited text file, located by 1-based line and column.
public struct TextFileIssue: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number in the file.
    public var line: Int
    /// 1-based column number, when the problem is in one cell.
    public var column: Int?
    /// What is wrong.
    public var message: String

    /// A problem at `line` (and `column`).
    public init(line: Int, column: Int? = nil, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        column.map { "row \(line), column \($0): \(message)" } ?? "row \(line): \(message)"
    }
}

/// Comma, semicolon or tab separated text split into rows of cells, kept as byte ranges.
struct DelimitedText {
    /// A non-blank line: its 1-based line number and the byte ranges of its trimmed cells
    /// (surrounding spaces and double quotes removed).
    struct Row {
        var line: Int
        var cells: [Range<Int>]
    }

    /// The file's bytes followed by a NUL (so that numbers can be parsed in place).
    private let bytes: [UInt8]
    let separator: UInt8?
    private(set) var rows: [Row] = []

    /// Splits `data` into rows; the separator is the first of tab, semicolon and comma found on
    /// the first non-blank line (none: one column). Blank lines are skipped; LF, CRLF and CR end lines.
    init(_ data: Data) {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        bytes.append(0)
        self.bytes = bytes
        let end = bytes.count - 1

        var lines: [Range<Int>] = []
        var lineStart = 0
        var i = 0
        while i < end {
            let byte = bytes[i]
            if byte == 0x0A || byte == 0x0D {
                lines.append(lineStart..<i)
                if byte == 0x0D, i + 1 < end, bytes[i + 1] == 0x0A { i += 1 }
                lineStart = i + 1
            }
            i += 1
        }
        if lineStart < end { lines.append(lineStart..<end) }

        func isBlank(_ range: Range<Int>) -> Bool { range.allSatisfy { bytes[$0] == 0x20 || bytes[$0] == 0x09 } }
        let first = lines.first { !isBlank($0) } ?? 0..<0
        separator = [UInt8(ascii: "\t"), UInt8(ascii: ";"), UInt8(ascii: ",")].first { sep in
            first.contains { bytes[$0] == sep }
        }
        rows.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() where !isBlank(line) {
            var cells: [Range<Int>] = []
            var cellStart = line.lowerBound
            if let separator {
                for j in line where bytes[j] == separator {
                    cells.append(clean(cellStart..<j))
                    cellStart = j + 1
                }
            }
            cells.append(clean(cellStart..<line.upperBound))
            rows.append(Row(line: index + 1, cells: cells))
        }
    }

    private func clean(_ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, bytes[lower] == 0x20 || bytes[lower] == 0x09 { lower += 1 }
        while upper > lower, bytes[upper - 1] == 0x20 || bytes[upper - 1] == 0x09 { upper -= 1 }
        if upper - lower >= 2, bytes[lower] == 0x22, bytes[upper - 1] == 0x22 { return (lower + 1)..<(upper - 1) }
        return lower..<upper
    }

    /// The text of a cell.
    func text(_ cell: Range<Int>) -> String {
        String(decoding: bytes[cell], as: UTF8.self)
    }

    /// The finite number in `cell`, or why it is not one. With a semicolon or tab separator a
    /// decimal comma is accepted.
    func number(_ cell: Range<Int>) -> Result<Double, NumberProblem> {
        if cell.isEmpty { return .failure(.empty) }
        var value = 0.0
        let whole = bytes.withUnsafeBufferPointer { buffer -> Bool in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { base in
                let start = base + cell.lowerBound
                var end: UnsafeMutablePointer<CChar>?
                value = strtod(start, &end)
                return end.map { UnsafePointer($0) - start == cell.count } ?? false
            }
        }
        if !whole {
            let string = text(cell)
            guard separator != UInt8(ascii: ","), string.contains(","),
                let converted = Double(string.replacingOccurrences(of: ",", with: "."))
            else { return .failure(.notANumber(string)) }
            value = converted
        }
        return value.isFinite ? .success(value) : .failure(.notFinite(text(cell)))
    }

    /// Whether the cells look like a header: every one is non-empty and not a number.
    func isHeader(_ cells: ArraySlice<Range<Int>>) -> Bool {
        !cells.isEmpty
            && cells.allSatisfy { cell in
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
