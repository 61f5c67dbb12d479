/// Numbers as `plotSegment` writes them in titles and error messages.
enum PlotText {
    /// `12 s`, `12.5 s`, `1805.556 s`: at most three decimals.
    static func seconds(_ x: Double) -> String { decimal(x, digits: 3) + " s" }

    /// `x` with at most `digits` decimals, trailing zeros dropped.
    static func decimal(_ x: Double, digits: Int) -> String {
        var factor = 1.0
        for _ in 0..<digits { factor *= 10 }
        let scaled = (x * factor).rounded()
        guard scaled.magnitude < 1e15 else { return String(x) }
        let whole = Int(scaled)
        let sign = whole < 0 ? "-" : ""
        let units = whole.magnitude / UInt(factor)
        var fraction = String(whole.magnitude % UInt(factor))
        fraction = String(repeating: "0", count: digits - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return sign + String(units) + (fraction.isEmpty ? "" : "." + fraction)
    }
}
