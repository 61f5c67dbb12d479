import Foundation

extension Normalization {
    /// Normalises one window in place: zscore subtracts the mean and divides by the population
    /// standard deviation (by 1 when it is below 1e-8); minmax maps [min, max] to [0, 1]
    /// (a flat window becomes 0); none leaves it.
    public func apply(_ w: inout ArraySlice<Float>) {
        guard !w.isEmpty else { return }
        switch self {
        case .none:
            return
        case .zscore:
            let n = Float(w.count)
            let mean = w.reduce(0, +) / n
            let variance = w.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
            let sd = variance.squareRoot()
            let inv: Float = sd < 1e-8 ? 1 : 1 / sd
            for i in w.indices { w[i] = (w[i] - mean) * inv }
        case .minmax:
            let lo = w.min()!, hi = w.max()!
            let inv: Float = hi - lo < 1e-12 ? 0 : 1 / (hi - lo)
            for i in w.indices { w[i] = (w[i] - lo) * inv }
        }
    }
}

extension LoadedModel {
    /// Class probabilities, `count` x `card.classes.count` row-major, for beats given as
    /// `windows` (count x card.input.windowLength samples, already normalised as the card says)
    /// and `features` (count x card.input.features.count, empty when the card lists none).
    /// A sigmoid output p becomes [1 - p, p]; logits go through a softmax. Counts that do not
    /// match, and NaN or infinite values, throw `ModelError.invalidInput`.
    public func classProbabilities(windows: [Float], features: [Float] = [], count: Int, threads: Int = 1) throws -> [Float] {
        let spec = card.input
        let (windowLength, lengthOverflow) = spec.samplesBefore.addingReportingOverflow(spec.samplesAfter)
        let (windowValues, windowOverflow) = count.multipliedReportingOverflow(by: windowLength)
        let (featureValues, featureOverflow) = count.multipliedReportingOverflow(by: spec.features.count)
        guard count >= 0, !lengthOverflow, !windowOverflow, !featureOverflow else {
            throw ModelError.invalidInput(reason: "\(count) beats of \(spec.samplesBefore) + \(spec.samplesAfter) samples is out of range")
        }
        guard windows.count == windowValues else {
            throw ModelError.invalidInput(reason: "\(windows.count) window samples for \(count) beats of \(windowLength)")
        }
        guard features.count == featureValues else {
            throw ModelError.invalidInput(reason: "\(features.count) feature values for \(count) beats of \(spec.features.count) features")
        }
        guard let window = model.inputs.first(where: { $0.name == spec.windowInput }) ?? model.inputs.first,
              let output = model.outputs.first else {
            throw ModelError.invalidInput(reason: "the model has no inputs or no outputs")
        }
        var feeds = [window.name: try Tensor(shape: [count] + window.shape.dropFirst(), data: windows)]
        if let f = model.inputs.first(where: { $0.name == spec.featureInput }) ?? model.inputs.first(where: { $0.name != window.name }) {
            feeds[f.name] = try Tensor(shape: [count] + f.shape.dropFirst(), data: features)
        }
        guard let out = try model.run(feeds, threads: threads)[output.name]?.data else {
            throw ModelError.invalidInput(reason: "the model gave no output '\(output.name)'")
        }
        let classes = card.classes.count
        guard out.count == count * (card.output == .sigmoid ? 1 : classes) else {
            throw ModelError.invalidInput(reason: "output '\(output.name)' has \(out.count) values for \(count) beats of \(classes) classes")
        }
        return card.output.probabilities(out, count: count, classes: classes)
    }
}

extension OutputKind {
    /// Class probabilities, `count` x `classes` row-major, from a model's raw output: softmax
    /// outputs as they are, a sigmoid unit `p` (one value per beat) as `[1 - p, p]`, logits
    /// through a softmax.
    public func probabilities(_ raw: [Float], count: Int, classes: Int) -> [Float] {
        switch self {
        case .softmax:
            return raw
        case .sigmoid:
            var p = [Float](repeating: 0, count: count * 2)
            for i in 0..<min(count, raw.count) {
                p[2 * i] = 1 - raw[i]
                p[2 * i + 1] = raw[i]
            }
            return p
        case .logits:
            var p = raw
            for i in 0..<min(count, raw.count / max(1, classes)) {
                let row = (i * classes)..<((i + 1) * classes)
                let m = p[row].max() ?? 0
                var sum: Float = 0
                for j in row {
                    p[j] = expf(p[j] - m)
                    sum += p[j]
                }
                for j in row { p[j] /= sum }
            }
            return p
        }
    }
}
