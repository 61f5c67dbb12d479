import Dispatch
import Foundation

/// Anti-aliased sample-rate conversion by polyphase filtering with a Kaiser-windowed sinc
/// low-pass, equivalent to `scipy.signal.resample_poly(x, up, down)` (window
/// `("kaiser", 5.0)`, zero padding at the edges).
///
/// Any pair of rates works: the ratio `to / from` is reduced to the nearest fraction
/// `up / down` with `down` no larger than `maxDenominator` (exact for integer rates such as
/// 360 -> 125 = 25/72 or 360 -> 1000 = 25/9).
public struct Resampler: Sendable {
    /// Upsampling factor.
    public let up: Int
    /// Downsampling factor.
    public let down: Int
    /// The polyphase prototype filter (length `20 * max(up, down) + 1`, gain `up`).
    let taps: [Double]
    let halfLength: Int

    /// Errors for invalid rates.
    public enum RateError: Error, Equatable, CustomStringConvertible {
        case invalidRate(Double)
        public var description: String {
            switch self {
            case .invalidRate(let r): return "sampling rate must be positive and finite, got \(r)"
            }
        }
    }

    /// A resampler from rate `from` to rate `to` (hertz).
    public init(from: Double, to: Double, maxDenominator: Int = 1000) throws {
        guard from > 0, from.isFinite else { throw RateError.invalidRate(from) }
        guard to > 0, to.isFinite else { throw RateError.invalidRate(to) }
        let (u, d) = Resampler.rationalApproximation(to / from, maxDenominator: maxDenominator)
        self.init(up: u, down: d)
    }

    /// A resampler by the exact rational factor `up / down`.
    public init(up: Int, down: Int) {
        precondition(up >= 1 && down >= 1, "up and down must be positive")
        let g = Resampler.gcd(up, down)
        self.up = up / g
        self.down = down / g
        let maxRate = max(self.up, self.down)
        halfLength = 10 * maxRate
        taps = Resampler.lowpass(
            numtaps: 2 * halfLength + 1, cutoff: 1 / Double(maxRate), beta: 5.0, gain: Double(self.up))
    }

    /// Number of output samples for `n` input samples: `ceil(n * up / down)`.
    public func outputCount(_ n: Int) -> Int { (n * up + down - 1) / down }

    /// Maps an input sample index to the nearest output sample index.
    public func mapIndex(_ i: Int) -> Int {
        Int((Double(i) * Double(up) / Double(down)).rounded())
    }

    /// Resamples `x`.
    public func apply(_ x: [Double]) -> [Double] {
        let n = x.count
        let nOut = outputCount(n)
        guard n > 0 else { return [] }
        if up == 1 && down == 1 { return x }
        // Long signals are resampled in parallel parts: each output is its own sum.
        let parts = max(1, min(nOut / 65_536, ProcessInfo.processInfo.activeProcessorCount, 8))
        return [Double](unsafeUninitializedCapacity: nOut) { ys, initialized in
            x.withUnsafeBufferPointer { xs in
                let (xs, ys) = (UncheckedSendable(xs), UncheckedSendable(ys))
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    fill(part * nOut / parts..<(part + 1) * nOut / parts, from: xs.value, into: ys.value)
                }
            }
            initialized = nOut
        }
    }

    /// Outputs `outputs` of `apply` for the input `xs`, written into `ys`.
    private func fill(
        _ outputs: Range<Int>, from xs: UnsafeBufferPointer<Double>, into ys: UnsafeMutableBufferPointer<Double>
    ) {
        let n = xs.count
        let up = self.up
        let down = self.down
        let half = halfLength
        let hLen = taps.count
        taps.withUnsafeBufferPointer { h in
            // y[m] = sum_k x[k] * h[half + m*down - k*up], 0 <= index < hLen, k ascending.
            // First tap k and tap count of output m.
            func span(_ m: Int) -> (first: Int, count: Int) {
                let t = half + m * down
                let lowest = t - (hLen - 1)
                let first = lowest <= 0 ? 0 : (lowest + up - 1) / up
                return (first, max(0, min(n - 1, t / up) - first + 1))
            }
            // Four outputs at a time, each summed in its own order (so the result is that
            // of one output at a time, bit for bit), overlap their dependency chains.
            var m = outputs.lowerBound
            while m + 4 <= outputs.upperBound {
                let spans = (span(m), span(m + 1), span(m + 2), span(m + 3))
                let common = min(spans.0.count, spans.1.count, spans.2.count, spans.3.count)
                // Lane l reads x from its first tap on and h from its last index down.
                var x0 = xs.baseAddress! + spans.0.first
                var x1 = xs.baseAddress! + spans.1.first
                var x2 = xs.baseAddress! + spans.2.first
                var x3 = xs.baseAddress! + spans.3.first
                var h0 = h.baseAddress! + (half + m * down - spans.0.first * up)
                var h1 = h.baseAddress! + (half + (m + 1) * down - spans.1.first * up)
                var h2 = h.baseAddress! + (half + (m + 2) * down - spans.2.first * up)
                var h3 = h.baseAddress! + (half + (m + 3) * down - spans.3.first * up)
                var sums = (0.0, 0.0, 0.0, 0.0)
                for _ in 0..<common {
                    sums.0 += x0.pointee * h0.pointee
                    sums.1 += x1.pointee * h1.pointee
                    sums.2 += x2.pointee * h2.pointee
                    sums.3 += x3.pointee * h3.pointee
                    (x0, x1, x2, x3) = (x0 + 1, x1 + 1, x2 + 1, x3 + 1)
                    (h0, h1, h2, h3) = (h0 - up, h1 - up, h2 - up, h3 - up)
                }
                for _ in common..<spans.0.count {
                    sums.0 += x0.pointee * h0.pointee
                    x0 += 1
                    h0 -= up
                }
                for _ in common..<spans.1.count {
                    sums.1 += x1.pointee * h1.pointee
                    x1 += 1
                    h1 -= up
                }
                for _ in common..<spans.2.count {
                    sums.2 += x2.pointee * h2.pointee
                    x2 += 1
                    h2 -= up
                }
                for _ in common..<spans.3.count {
                    sums.3 += x3.pointee * h3.pointee
                    x3 += 1
                    h3 -= up
                }
                (ys[m], ys[m + 1], ys[m + 2], ys[m + 3]) = sums
                m += 4
            }
            for last in m..<outputs.upperBound {
                let (first, count) = span(last)
                var sum = 0.0
                for i in 0..<count { sum += xs[first + i] * h[half + last * down - (first + i) * up] }
                ys[last] = sum
            }
        }
    }

    /// A Kaiser-windowed sinc low-pass (scipy's `firwin`, cutoff relative to Nyquist)
    /// normalised to DC gain `gain`.
    static func lowpass(numtaps: Int, cutoff: Double, beta: Double, gain: Double) -> [Double] {
        let alpha = Double(numtaps - 1) / 2
        let i0b = besselI0(beta)
        var h = (0..<numtaps).map { i -> Double in
            let m = Double(i) - alpha
            let arg = cutoff * m
            let sinc = arg == 0 ? 1 : sin(Double.pi * arg) / (Double.pi * arg)
            let r = numtaps > 1 ? (2 * Double(i) / Double(numtaps - 1) - 1) : 0
            let w = besselI0(beta * max(0, 1 - r * r).squareRoot()) / i0b
            return cutoff * sinc * w
        }
        let s = h.reduce(0, +)
        for i in h.indices { h[i] *= gain / s }
        return h
    }

    /// Modified Bessel function of the first kind, order zero (power series).
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0
        var term = 1.0
        let q = x * x / 4
        var k = 1.0
        while term > 1e-17 * sum {
            term *= q / (k * k)
            sum += term
            k += 1
        }
        return sum
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var a = a
        var b = b
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    /// Best rational approximation `p/q` of `x` with `q <= maxDenominator` (continued fractions).
    static func rationalApproximation(_ x: Double, maxDenominator: Int) -> (Int, Int) {
        var (p0, q0, p1, q1) = (0, 1, 1, 0)
        var v = x
        for _ in 0..<64 {
            let a = Int(v.rounded(.down))
            let q2 = q0 + a * q1
            if q2 > maxDenominator { break }
            (p0, q0, p1, q1) = (p1, q1, p0 + a * p1, q2)
            let frac = v - Double(a)
            if frac < 1e-12 || abs(Double(p1) / Double(q1) - x) <= 1e-12 * x { break }
            v = 1 / frac
        }
        return (max(p1, 1), max(q1, 1))
    }
}
