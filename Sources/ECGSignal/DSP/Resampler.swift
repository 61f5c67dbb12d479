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
        var y = [Double](repeating: 0, count: nOut)
        let up = self.up
        let down = self.down
        let half = halfLength
        let hLen = taps.count
        x.withUnsafeBufferPointer { xs in
            taps.withUnsafeBufferPointer { h in
                y.withUnsafeMutableBufferPointer { ys in
                    // y[m] = sum_k x[k] * h[half + m*down - k*up], 0 <= index < hLen
                    for m in 0..<nOut {
                        let t = half + m * down
                        // k range: t - k*up in [0, hLen-1]
                        var kLo = t - (hLen - 1)
                        kLo = kLo <= 0 ? 0 : (kLo + up - 1) / up
                        let kHi = min(n - 1, t / up)
                        var acc = 0.0
                        if kLo <= kHi {
                            var j = t - kLo * up
                            for k in kLo...kHi {
                                acc += xs[k] * h[j]
                                j -= up
                            }
                        }
                        ys[m] = acc
                    }
                }
            }
        }
        return y
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
