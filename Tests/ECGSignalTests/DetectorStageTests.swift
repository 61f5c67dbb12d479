import XCTest

@testable import ECGSignal

/// The detector's feature stages against direct (slow) formulas.
final class DetectorStageTests: XCTestCase {
    func randomSignal(_ n: Int, seed: UInt64) -> [Double] {
        var state = seed
        return (0..<n).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(Int64(bitPattern: state) >> 11) / Double(1 << 52)
        }
    }

    /// Triangular FIR of 2k - 1 taps at every k-th sample, normalised by the taps inside.
    func directDecimate(_ x: [Double], factor k: Int) -> [Double] {
        stride(from: 0, to: x.count, by: k).map { centre in
            var acc = 0.0
            var wsum = 0.0
            for i in max(0, centre - k + 1)...min(x.count - 1, centre + k - 1) {
                let w = Double(k - abs(i - centre))
                acc += w * x[i]
                wsum += w
            }
            return acc / wsum
        }
    }

    func testDecimateEqualsDirectFIR() {
        for k in [1, 2, 3, 4, 5, 11, 55] {
            for n in [1, 2, 5, 17, 100, 1_001, 4_096] {
                let x = randomSignal(n, seed: UInt64(100 * k + n))
                let (y, finite) = QRSDetector.decimate(x, factor: k)
                let expected = directDecimate(x, factor: k)
                XCTAssertEqual(y.count, expected.count, "k \(k), n \(n)")
                for (a, b) in zip(y, expected) { XCTAssertEqual(a, b, accuracy: 1e-12, "k \(k), n \(n)") }
                XCTAssertTrue(finite)
            }
        }
    }

    func testDecimateFlagsNonFiniteOutputs() {
        for k in [2, 4, 11] {
            for at in [0, 1, 7, 500, 998, 999] {
                for bad in [Double.nan, .infinity, -.infinity] {
                    var x = randomSignal(1_000, seed: 1)
                    x[at] = bad
                    XCTAssertFalse(QRSDetector.decimate(x, factor: k).finite, "k \(k), at \(at)")
                }
            }
        }
    }
}

extension DetectorStageTests {
    func testMovingRMSEqualsDirectSums() {
        for w in [1, 2, 3, 9, 16] {
            for n in [1, 2, 3, 5, 8, 9, 10, 17, 1_000, 1_003] {
                let s = randomSignal(n, seed: UInt64(10 * w + n))
                var e = [Double](repeating: -1, count: n)
                s.withUnsafeBufferPointer { src in
                    e.withUnsafeMutableBufferPointer { QRSDetector.movingRMS(src, window: w, into: $0) }
                }
                for i in 0..<n {
                    let window = max(0, i - w / 2)..<min(n, i - w / 2 + w)
                    let expected = (window.map { s[$0] * s[$0] }.reduce(0, +) / Double(w)).squareRoot()
                    XCTAssertEqual(e[i], expected, accuracy: 1e-14, "w \(w), n \(n), i \(i)")
                }
            }
        }
    }
}

extension DetectorStageTests {
    /// The definition: `x[i]` is the maximum of `x[i - h ... i + h]`, the first of ties.
    func directDominantMaxima(_ x: [Double], halfWidth h: Int) -> [Int] {
        x.indices.filter { i in
            let window = max(0, i - h)...min(x.count - 1, i + h)
            return window.allSatisfy { j in x[j] < x[i] || (x[j] == x[i] && j >= i) }
        }
    }

    func testDominantMaximaMatchDefinition() {
        // h = 300 takes the marked-maxima walk; n = 4_100 spans several chunks of the dense path.
        for h in [1, 2, 3, 11, 22, 300] {
            for n in [1, 2, 3, 10, 64, 65, 66, 200, 1_000, 4_100] {
                // Coarse values make ties and plateaus common.
                let x = randomSignal(n, seed: UInt64(31 * h + n)).map { ($0 * 4).rounded() }
                XCTAssertEqual(
                    QRSDetector.dominantMaxima(x, halfWidth: h), directDominantMaxima(x, halfWidth: h),
                    "h \(h), n \(n)")
                let smooth = randomSignal(n, seed: UInt64(n)).enumerated().map {
                    sin(Double($0.offset) / 5) + 0.1 * $0.element
                }
                XCTAssertEqual(
                    QRSDetector.dominantMaxima(smooth, halfWidth: h), directDominantMaxima(smooth, halfWidth: h),
                    "smooth, h \(h), n \(n)")
            }
        }
    }

    func testDominantMaximaWithInfinityTakeTheWalk() {
        var x = randomSignal(3_000, seed: 5).map { ($0 * 4).rounded() }
        x[2_500] = .infinity
        for h in [1, 11] {
            XCTAssertEqual(QRSDetector.dominantMaxima(x, halfWidth: h), directDominantMaxima(x, halfWidth: h), "h \(h)")
        }
    }
}

extension DetectorStageTests {
    func testWindowMaximaEqualsDirectMaxima() {
        for length in [1, 3, 4, 5, 180] {
            for n in [1, 3, 4, 7, 100, 1_001] {
                let e = randomSignal(n, seed: UInt64(length * n)).map { $0 - 0.5 }
                let expected = stride(from: 0, to: n, by: length).map { from in
                    e[from..<min(n, from + length)].reduce(0.0) { max($0, $1) }
                }
                XCTAssertEqual(QRSDetector.windowMaxima(e, length: length), expected, "length \(length), n \(n)")
            }
        }
    }
}

extension DetectorStageTests {
    func testRunningMedianEqualsSortedWindows() {
        for neighbours in [0, 1, 4] {
            for n in [1, 2, 5, 9, 10, 200] {
                // Few distinct values, so that ties are common.
                let x = randomSignal(n, seed: UInt64(7 * n + neighbours)).map { ($0 * 5).rounded() }
                let expected = (0..<n).map { k -> Double in
                    let window = x[max(0, k - neighbours)...min(n - 1, k + neighbours)].sorted()
                    return window[window.count / 2]
                }
                let median = x.withUnsafeBufferPointer { QRSDetector.runningMedian($0, neighbours: neighbours) }
                XCTAssertEqual(median, expected, "neighbours \(neighbours), n \(n)")
            }
        }
    }
}

extension DetectorStageTests {
    func testSortedFifthIsTheUpperMedianOfEight() {
        // Every 0/1 input (a network that sorts all of them sorts everything), then ties.
        for bits in 0..<256 {
            let v = (0..<8).map { (bits >> $0) & 1 }
            let t = (v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])
            XCTAssertEqual(QRSDetector.sortedFifth(of: t), v.sorted()[4], "bits \(bits)")
        }
        let x = randomSignal(800, seed: 3).map { Int($0 * 6) }
        for s in stride(from: 0, to: 800, by: 8) {
            let v = Array(x[s..<(s + 8)])
            let t = (v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])
            XCTAssertEqual(QRSDetector.sortedFifth(of: t), v.sorted()[4])
        }
    }
}

extension DetectorStageTests {
    func testWindowValuesEqualDivision() {
        let values: [Double] = [3, 1, 4, 1, 5]
        let at = [0, 1, 9, 10, 11, 29, 30, 39, 40, 41, 99, 1_000]
        for length in [1, 10, 13] {
            let expected = at.map { values[min(values.count - 1, $0 / length)] }
            XCTAssertEqual(QRSDetector.windowValues(values, length: length, at: at), expected, "length \(length)")
        }
    }
}
