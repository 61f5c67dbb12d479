/// Sums over many windows, each added in order from its first sample (as `reduce(0, +)` adds,
/// so the results are bit for bit those of one loop per window), four windows at a time: a
/// floating-point sum is a chain of additions that each wait for the last, and four
/// independent chains keep a core busy where one leaves it mostly waiting.
enum WindowSums {
    /// For each window `k`, the sum of `term(sample, k)` over its samples.
    static func sums<C: RandomAccessCollection>(_ windows: C, term: (Double, Int) -> Double) -> [Double]
    where C.Element == [Double], C.Index == Int {
        var out = [Double](repeating: 0, count: windows.count)
        var k = 0
        let first = windows.startIndex
        while k + 4 <= windows.count {
            let (a, b, c, d) = (
                windows[first + k], windows[first + k + 1], windows[first + k + 2], windows[first + k + 3]
            )
            if a.count == b.count, a.count == c.count, a.count == d.count {
                (out[k], out[k + 1], out[k + 2], out[k + 3]) = sums(a, b, c, d, k, term)
            } else {
                for j in k..<(k + 4) { out[j] = sum(windows[first + j], j, term) }
            }
            k += 4
        }
        for j in k..<windows.count { out[j] = sum(windows[first + j], j, term) }
        return out
    }

    private static func sum(_ window: [Double], _ k: Int, _ term: (Double, Int) -> Double) -> Double {
        window.withUnsafeBufferPointer { x in
            var s = 0.0
            for v in x { s += term(v, k) }
            return s
        }
    }

    private static func sums(
        _ a: [Double], _ b: [Double], _ c: [Double], _ d: [Double], _ k: Int, _ term: (Double, Int) -> Double
    ) -> (Double, Double, Double, Double) {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeBufferPointer { c in
                    d.withUnsafeBufferPointer { d in
                        var (sa, sb, sc, sd) = (0.0, 0.0, 0.0, 0.0)
                        for t in a.indices {
                            sa += term(a[t], k)
                            sb += term(b[t], k + 1)
                            sc += term(c[t], k + 2)
                            sd += term(d[t], k + 3)
                        }
                        return (sa, sb, sc, sd)
                    }
                }
            }
        }
    }
}
