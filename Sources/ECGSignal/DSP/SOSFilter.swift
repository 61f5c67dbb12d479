import CSignalKernels
import Foundation

/// An IIR filter as a cascade of second-order sections (biquads), `a0` normalised to one.
public struct SOSFilter: Sendable, Equatable {
    /// One biquad: `H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2)`.
    public struct Section: Sendable, Equatable {
        /// The section's coefficients.
        public var b0, b1, b2, a1, a2: Double
        /// A section of these coefficients.
        public init(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double) {
            self.b0 = b0
            self.b1 = b1
            self.b2 = b2
            self.a1 = a1
            self.a2 = a2
        }

        /// Output over input for a constant input.
        var dcGain: Double { (b0 + b1 + b2) / (1 + a1 + a2) }

        /// Samples after which a start-up error in the state has decayed below 1e-20 of its
        /// size (from the largest pole radius); nil for poles too close to the unit circle.
        var warmUpLength: Int? {
            let disc = a1 * a1 - 4 * a2
            let radius = disc < 0 ? a2.squareRoot() : (abs(a1) + disc.squareRoot()) / 2
            guard radius < 0.99 else { return nil }
            // A double pole decays as k * r^k: a margin covers the factor k.
            return radius == 0 ? 4 : Int((log(1e-20) / log(radius)).rounded(.up)) + 16
        }
    }

    /// The sections, applied in order.
    public var sections: [Section]

    /// A filter of `sections`.
    public init(sections: [Section]) { self.sections = sections }

    /// Rows `[b0, b1, b2, 1, a1, a2]`, the layout of scipy's `sos` arrays.
    public var coefficientRows: [[Double]] {
        sections.map { [$0.b0, $0.b1, $0.b2, 1, $0.a1, $0.a2] }
    }

    /// |H(e^{i omega})| for a digital frequency in radians per sample.
    public func magnitude(atOmega omega: Double) -> Double {
        let z1 = Complex(cos(omega), -sin(omega))  // z^-1
        let z2 = z1 * z1
        var h = 1.0
        for s in sections {
            let num = Complex(s.b0, 0) + z1 * s.b1 + z2 * s.b2
            let den = Complex(1, 0) + z1 * s.a1 + z2 * s.a2
            h *= num.abs / den.abs
        }
        return h
    }

    /// Steady-state initial conditions for a unit step (scipy's `sosfilt_zi`): two state
    /// values per section.
    public func stepInitialState() -> [Double] {
        var zi: [Double] = []
        zi.reserveCapacity(sections.count * 2)
        var scale = 1.0
        for s in sections {
            let bb0 = s.b1 - s.a1 * s.b0
            let bb1 = s.b2 - s.a2 * s.b0
            let z0 = (bb0 + bb1) / (1 + s.a1 + s.a2)
            let z1 = bb1 - s.a2 * z0
            zi.append(scale * z0)
            zi.append(scale * z1)
            scale *= (s.b0 + s.b1 + s.b2) / (1 + s.a1 + s.a2)
        }
        return zi
    }

    /// Causal filtering (scipy's `sosfilt`), optionally from initial state `zi`
    /// (two values per section, direct form II transposed).
    public func apply(_ x: [Double], initialState zi: [Double]? = nil) -> [Double] {
        var y = x
        var state = zi ?? Array(repeating: 0, count: sections.count * 2)
        y.withUnsafeMutableBufferPointer { buf in
            state.withUnsafeMutableBufferPointer { st in
                SOSFilter.run(sections, on: buf, state: st)
            }
        }
        return y
    }

    /// Zero-phase forward-backward filtering (scipy's `sosfiltfilt` with odd extension and
    /// the default pad length), so that edges do not ring.
    public func filtfilt(_ x: [Double]) -> [Double] {
        let n = x.count
        guard n > 1 else { return x }
        // The padding is cut off in place: a day-long signal is not copied a second time.
        var (ext, pad) = filtfiltPadded(x)
        ext.removeLast(pad)
        ext.removeFirst(pad)
        return ext
    }

    /// `filtfilt` without the final copy: the filtered, still padded signal and the pad
    /// length (the result is `ext[pad ..< pad + x.count]`). Needs at least two samples.
    func filtfiltPadded(_ x: [Double]) -> (ext: [Double], pad: Int) {
        let n = x.count
        let pad = min(padLength, n - 1)
        let ext = [Double](unsafeUninitializedCapacity: n + 2 * pad) { e, count in
            x.withUnsafeBufferPointer { src in
                let first = src[0]
                let last = src[n - 1]
                for i in 0..<pad { e[i] = 2 * first - src[pad - i] }
                for i in 0..<n { e[pad + i] = src[i] }
                for i in 0..<pad { e[pad + n + i] = 2 * last - src[n - 2 - i] }
            }
            count = n + 2 * pad
            let buf = UnsafeMutableBufferPointer(rebasing: e[0..<count])
            SOSFilter.runSteady(sections, on: buf, backward: false)
            SOSFilter.runSteady(sections, on: buf, backward: true)
        }
        return (ext, pad)
    }

    /// scipy's default `padlen` for `sosfiltfilt`.
    var padLength: Int {
        let zerosB2 = sections.filter { $0.b2 == 0 }.count
        let zerosA2 = sections.filter { $0.a2 == 0 }.count
        return 3 * (2 * sections.count + 1 - min(zerosB2, zerosA2))
    }

    /// In-place cascade (forward, or backward from the last sample) starting from the steady
    /// state of a constant input equal to the first sample processed (what `zi * x[0]` gives
    /// in scipy's `sosfiltfilt`). Runs in direct form I, whose recurrence has one
    /// multiply-add on the critical path (same result as direct form II transposed up to
    /// rounding). Long buffers go through `steadyPassInterleaved`.
    static func runSteady(
        _ sections: [Section], on buf: UnsafeMutableBufferPointer<Double>, backward: Bool
    ) {
        let n = buf.count
        guard n > 0 else { return }
        var input = backward ? buf[n - 1] : buf[0]
        for s in sections {
            if let warmUp = s.warmUpLength, n >= 32 * warmUp {
                steadyPassInterleaved(s, on: buf, backward: backward, input: input, warmUp: warmUp)
            } else {
                steadyPass(s, on: buf, backward: backward, input: input)
            }
            input = s.dcGain * input
        }
    }

    /// One section of `runSteady`, sample after sample, from the steady state of `input`.
    static func steadyPass(
        _ s: Section, on buf: UnsafeMutableBufferPointer<Double>, backward: Bool, input: Double
    ) {
        let n = buf.count
        let output = s.dcGain * input
        var x1 = input
        var x2 = input
        var y1 = output
        var y2 = output
        let b0 = s.b0
        let b1 = s.b1
        let b2 = s.b2
        let a1 = s.a1
        let a2 = s.a2
        for k in 0..<n {
            let i = backward ? n - 1 - k : k
            let x0 = buf[i]
            let partial = b0 * x0 + b1 * x1 + b2 * x2 - a2 * y2
            let y0 = partial - a1 * y1
            x2 = x1
            x1 = x0
            y2 = y1
            y1 = y0
            buf[i] = y0
        }
    }

    /// `steadyPass` as eight recurrences in step, one per eighth of the buffer, so that
    /// their latencies overlap (in C, where they fill one AVX-512 register). Eighth 0 starts
    /// from the steady state of `input` like the plain pass; eighth c starts `warmUp`
    /// samples early from the steady state of the sample there, and its start-up transient
    /// has decayed below rounding when it begins to write. (An eighth's warm-up reads samples
    /// that the previous eighth overwrites only later.) Needs `buf.count >= 8 * warmUp + 8`.
    static func steadyPassInterleaved(
        _ s: Section, on buf: UnsafeMutableBufferPointer<Double>, backward: Bool, input: Double,
        warmUp: Int
    ) {
        let n = buf.count
        let base = buf.baseAddress! + (backward ? n - 1 : 0)
        ecg_biquad_steady_interleaved(
            base, backward ? -1 : 1, n, s.b0, s.b1, s.b2, s.a1, s.a2, s.dcGain, input, warmUp)
    }

    /// In-place cascade over a buffer; the hot loop of every filter. Sections run two at a
    /// time in one sweep so that their recurrences overlap in the pipeline.
    static func run(
        _ sections: [Section], on buf: UnsafeMutableBufferPointer<Double>,
        state: UnsafeMutableBufferPointer<Double>
    ) {
        var k = 0
        while k + 1 < sections.count {
            let s = sections[k]
            let t = sections[k + 1]
            var z0 = state[2 * k]
            var z1 = state[2 * k + 1]
            var w0 = state[2 * k + 2]
            var w1 = state[2 * k + 3]
            for i in 0..<buf.count {
                let xi = buf[i]
                let yi = s.b0 * xi + z0
                z0 = s.b1 * xi - s.a1 * yi + z1
                z1 = s.b2 * xi - s.a2 * yi
                let ui = t.b0 * yi + w0
                w0 = t.b1 * yi - t.a1 * ui + w1
                w1 = t.b2 * yi - t.a2 * ui
                buf[i] = ui
            }
            state[2 * k] = z0
            state[2 * k + 1] = z1
            state[2 * k + 2] = w0
            state[2 * k + 3] = w1
            k += 2
        }
        if k < sections.count {
            let s = sections[k]
            var z0 = state[2 * k]
            var z1 = state[2 * k + 1]
            for i in 0..<buf.count {
                let xi = buf[i]
                let yi = s.b0 * xi + z0
                z0 = s.b1 * xi - s.a1 * yi + z1
                z1 = s.b2 * xi - s.a2 * yi
                buf[i] = yi
            }
            state[2 * k] = z0
            state[2 * k + 1] = z1
        }
    }
}
