import Foundation

/// Butterworth IIR filter design as cascaded second-order sections.
///
/// The design follows the classic recipe (and `scipy.signal.butter(..., output="sos")`):
/// analog prototype poles, frequency prewarping, the band transform, then the bilinear
/// transform. Poles closest to the unit circle come last and the overall gain sits in the
/// first section; the cascade's response equals scipy's to rounding (section pairing may
/// differ).
public enum Butterworth {
    /// The kind of response to design.
    public enum Kind: Sendable, Equatable {
        case lowpass(cutoff: Double)
        case highpass(cutoff: Double)
        case bandpass(low: Double, high: Double)
    }

    /// Errors in filter specifications.
    public enum DesignError: Error, Equatable, CustomStringConvertible {
        case invalidOrder(Int)
        case invalidFrequency(Double, fs: Double)

        public var description: String {
            switch self {
            case .invalidOrder(let n): return "filter order must be at least 1, got \(n)"
            case .invalidFrequency(let f, let fs):
                return "cutoff \(f) Hz must lie strictly between 0 and fs/2 = \(fs / 2) Hz"
            }
        }
    }

    /// Designs a digital Butterworth filter of the given order (a band-pass of order `n`
    /// has `2n` poles, as in scipy) at sampling rate `fs`, frequencies in hertz.
    public static func design(_ kind: Kind, order: Int, fs: Double) throws -> SOSFilter {
        guard order >= 1 else { throw DesignError.invalidOrder(order) }
        let freqs: [Double]
        switch kind {
        case .lowpass(let c), .highpass(let c): freqs = [c]
        case .bandpass(let lo, let hi): freqs = [lo, hi]
        }
        for f in freqs where !(f > 0 && f < fs / 2) { throw DesignError.invalidFrequency(f, fs: fs) }
        if case .bandpass(let lo, let hi) = kind, lo >= hi {
            throw DesignError.invalidFrequency(lo, fs: fs)
        }

        // Prewarped analog frequencies (rad/s) for the bilinear transform with 2*fs.
        let fs2 = 2 * fs
        func warp(_ f: Double) -> Double { fs2 * tan(Double.pi * f / fs) }

        // Analog low-pass prototype poles (unit cutoff), left half-plane.
        let proto: [Complex] = (0..<order).map { k in
            let theta = Double.pi * Double(2 * k + order + 1) / Double(2 * order)
            return Complex(cos(theta), sin(theta))
        }

        var analogPoles: [Complex] = []
        var zeroAtPlusOne = 0  // digital zeros at z = +1 (from analog zeros at s = 0)
        var zeroAtMinusOne = 0  // digital zeros at z = -1 (from analog zeros at infinity)
        let gainOmega: Double  // digital frequency (rad/sample) where the gain is one
        switch kind {
        case .lowpass(let c):
            let wc = warp(c)
            analogPoles = proto.map { $0 * wc }
            zeroAtMinusOne = order
            gainOmega = 0
        case .highpass(let c):
            let wc = warp(c)
            analogPoles = proto.map { Complex(wc, 0) / $0 }
            zeroAtPlusOne = order
            gainOmega = Double.pi
        case .bandpass(let lo, let hi):
            let w1 = warp(lo)
            let w2 = warp(hi)
            let bw = w2 - w1
            let w0 = (w1 * w2).squareRoot()
            for p in proto {
                let half = p * (bw / 2)
                let root = (half * half - Complex(w0 * w0, 0)).sqrt()
                analogPoles.append(half + root)
                analogPoles.append(half - root)
            }
            zeroAtPlusOne = order
            zeroAtMinusOne = order
            gainOmega = 2 * atan(w0 / fs2)
        }

        // Bilinear transform of the poles.
        let s2 = Complex(fs2, 0)
        let poles = analogPoles.map { (s2 + $0) / (s2 - $0) }
        let sections = pairSections(
            poles: poles, zerosPlusOne: zeroAtPlusOne, zerosMinusOne: zeroAtMinusOne)
        var filter = SOSFilter(sections: sections)
        let g = filter.magnitude(atOmega: gainOmega)
        filter.sections[0].b0 /= g
        filter.sections[0].b1 /= g
        filter.sections[0].b2 /= g
        return filter
    }

    /// Groups digital poles into conjugate pairs and gives each section two zeros.
    private static func pairSections(poles: [Complex], zerosPlusOne: Int, zerosMinusOne: Int)
        -> [SOSFilter.Section]
    {
        // Keep one pole of each conjugate pair (upper half) and the real poles.
        let tol = 1e-12
        var complexPoles = poles.filter { $0.im > tol }
        var realPoles = poles.filter { abs($0.im) <= tol }.map(\.re)
        // Poles farthest from the unit circle first (the numerically kinder order).
        complexPoles.sort { abs(1 - $0.abs) > abs(1 - $1.abs) }
        realPoles.sort { abs(1 - abs($0)) > abs(1 - abs($1)) }

        var zeros: [Double] =
            Array(repeating: -1, count: zerosMinusOne)
            + Array(repeating: 1, count: zerosPlusOne)
        var sections: [SOSFilter.Section] = []
        func takeZeros(_ n: Int) -> (Double, Double, Double) {
            // Returns b coefficients for n (1 or 2) real zeros.
            if n == 1 {
                let z = zeros.removeLast()
                return (1, -z, 0)
            }
            let z1 = zeros.removeLast()
            let z2 = zeros.removeLast()
            return (1, -(z1 + z2), z1 * z2)
        }
        // A lone real pole (odd order) becomes the first section.
        if realPoles.count % 2 == 1 {
            let p = realPoles.removeFirst()
            let (b0, b1, b2) = takeZeros(1)
            sections.append(.init(b0: b0, b1: b1, b2: b2, a1: -p, a2: 0))
        }
        while realPoles.count >= 2 {
            let p1 = realPoles.removeFirst()
            let p2 = realPoles.removeFirst()
            let (b0, b1, b2) = takeZeros(min(2, zeros.count))
            sections.append(.init(b0: b0, b1: b1, b2: b2, a1: -(p1 + p2), a2: p1 * p2))
        }
        for p in complexPoles {
            let (b0, b1, b2) = takeZeros(min(2, zeros.count))
            sections.append(.init(b0: b0, b1: b1, b2: b2, a1: -2 * p.re, a2: p.re * p.re + p.im * p.im))
        }
        return sections
    }
}

/// Minimal complex arithmetic for filter design.
struct Complex: Equatable {
    var re: Double
    var im: Double
    init(_ re: Double, _ im: Double) {
        self.re = re
        self.im = im
    }
    var abs: Double { hypot(re, im) }
    static func + (a: Complex, b: Complex) -> Complex { Complex(a.re + b.re, a.im + b.im) }
    static func - (a: Complex, b: Complex) -> Complex { Complex(a.re - b.re, a.im - b.im) }
    static func * (a: Complex, b: Complex) -> Complex {
        Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
    }
    static func * (a: Complex, s: Double) -> Complex { Complex(a.re * s, a.im * s) }
    static func / (a: Complex, b: Complex) -> Complex {
        let d = b.re * b.re + b.im * b.im
        return Complex((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d)
    }
    /// Principal square root.
    func sqrt() -> Complex {
        let r = abs
        let a = ((r + re) / 2).squareRoot()
        let b = ((r - re) / 2).squareRoot()
        return Complex(a, im < 0 ? -b : b)
    }
}
