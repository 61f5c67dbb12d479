import Foundation

/// A plain-text table of per-record scores with a gross total (summed counts).
public struct ScoreTable: Sendable {
    /// Rows in display order.
    public var rows: [(name: String, score: BeatMatchScore)]

    /// A table of `rows`.
    public init(rows: [(name: String, score: BeatMatchScore)] = []) { self.rows = rows }

    /// Summed counts over all rows.
    public var total: BeatMatchScore { rows.reduce(BeatMatchScore()) { $0 + $1.score } }

    /// The table: one line per row, then the total; `nameHeader` heads the first column.
    public func render(nameHeader: String = "record") -> String {
        let width = max(6, nameHeader.count, rows.map(\.name.count).max() ?? 0)
        func pad(_ s: String, _ w: Int, left: Bool = false) -> String {
            s.count >= w
                ? s
                : (left
                    ? s + String(repeating: " ", count: w - s.count)
                    : String(repeating: " ", count: w - s.count) + s)
        }
        func line(_ name: String, _ s: BeatMatchScore) -> String {
            pad(name, width, left: true) + pad(String(s.tp), 8) + pad(String(s.fp), 6)
                + pad(String(s.fn), 6) + pad(String(format: "%.3f", 100 * s.sensitivity), 9)
                + pad(String(format: "%.3f", 100 * s.positivePredictivity), 9)
        }
        var out = [
            pad(nameHeader, width, left: true) + pad("TP", 8) + pad("FP", 6) + pad("FN", 6)
                + pad("Se%", 9) + pad("+P%", 9)
        ]
        out += rows.map { line($0.name, $0.score) }
        out.append(String(repeating: "-", count: width + 38))
        out.append(line("total", total))
        return out.joined(separator: "\n")
    }
}
