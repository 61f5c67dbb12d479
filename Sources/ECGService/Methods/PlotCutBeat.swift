import ECGPlot
import Foundation
import JSONRPC

/// `plotSegment` on beats cut beforehand (`params.beats`, as `classify` takes them): one beat
/// with its predicted class and probability and, when the input carries one, its true label.
extension PlotSegment {
    /// Drawn faster and larger than a recording: a beat is a second or two, and cut beats are
    /// often normalised (the Kachuee beats lie in [0, 1]), not in millivolts.
    static let beatPaper = Paper(speed: 50, gain: 10, unit: "unit", calibrationPulse: false)
    /// Gains the automatic choice picks from, and the height it aims at (mm, peak to peak).
    static let beatGains = [2.5, 5, 10, 20, 40, 80, 160, 320]
    static let beatHeight = 35.0

    func plotBeat(_ fields: Fields, _ context: RequestContext) async throws -> Drawing {
        let (beats, signals) = (fields.members["beats"], self.signals)
        let input = try await work.run { try BeatsInput.decode(beats, signals: signals) }
        var options = try PlotOptions.decode(fields, paper: Self.beatPaper)
        guard options.layout == .strip else {
            throw ServiceError.invalidParams("params.layout: a cut beat is drawn on one strip (\"strip\")")
        }
        let choice: PlotWindow.Beat
        switch fields.members["index"] {
        case nil, .null?: choice = .index(0)
        case .string("mostConfidentAbnormal")?: choice = .mostConfidentAbnormal
        case let value? where value.intValue != nil: choice = .index(value.intValue!)
        case let value?:
            throw ServiceError.invalidParams(
                "params.index: expected a beat index or \"mostConfidentAbnormal\", found \(value)")
        }
        if case .index(let i) = choice, !input.beats.indices.contains(i) {
            throw ServiceError.invalidParams(
                "params.index: beat \(i) does not exist (params.beats holds \(input.beats.count))")
        }
        let labelParam = fields.members["labels"].flatMap { $0 == .null ? nil : $0 }
        let trueLabels = try labelParam.map { value throws(ServiceError) in try Classify.labels(value) } ?? input.labels
        let labelsName = labelParam != nil ? "params.labels" : "params.beats.csv (label column)"
        if let trueLabels, trueLabels.count != input.beats.count {
            throw ServiceError.invalidParams("\(labelsName): \(trueLabels.count) labels for \(input.beats.count) beats")
        }
        if let fs = try fields.number("fs"), !SignalDecoder.samplingRates.contains(fs) {
            throw ServiceError.unsupportedSignal("params.fs: sampling rate \(fs) Hz is outside the supported range")
        }

        var index: Int
        var mark = BeatMark(sample: 0)
        var trueLabel: String?
        var beatJSON: JSONValue
        var fs = try fields.number("fs")
        var peak: Int?
        var served: ServedModel?
        if let modelName = try fields.string("model") {
            let model = try await registry.model(named: modelName)
            served = model
            try Classify.checkLengths(of: input, model: model)
            let truth = try Classify.classIndices(
                trueLabels, count: input.beats.count, classes: model.classes, name: labelsName)
            let features = try Classify.features(fields.members["features"], count: input.beats.count, model: model)
            // A beat of a one-channel model is classified alone, as classify would classify it
            // among the others; a model with a template channel takes the median of all the beats
            // given, and the most confident abnormal beat needs them all.
            let alone = model.recipe.channels == [.beat]
            let rows: [Int] = if case .index(let i) = choice, alone { [i] } else { Array(input.beats.indices) }
            let width = model.recipe.featureCount
            let sliced = BeatsInput(
                beats: rows.map { input.beats[$0] }, labels: nil,
                lines: input.lines.map { lines in rows.map { lines[$0] } })
            let result = try await classify.classify(
                beats: sliced, truth: truth.map { truth in (rows.map { truth.indices[$0] }, truth.mappedFromAAMI) },
                features: rows.flatMap { features[$0 * width..<($0 + 1) * width] }, model: model,
                progress: context.progress)
            let position: Int
            switch choice {
            case .index(let i): position = rows.count == 1 ? 0 : i
            case .mostConfidentAbnormal:
                guard let best = result.summary.mostConfidentAbnormal?.index else {
                    throw ServiceError.invalidParams("params.index: model \"\(model.name)\" labels no beat abnormal")
                }
                position = best
            }
            index = rows[position]
            var classified = result.beats[position]
            classified.index = index
            beatJSON = classified.jsonValue
            mark.label = classified.label
            mark.probability = classified.probability
            trueLabel = classified.trueLabel
            fs = fs ?? model.recipe.input.samplingRate
            peak = model.recipe.segmentation == .kachuee ? 0 : model.recipe.input.samplesBefore
        } else {
            if fields.members["features"] != nil {
                throw ServiceError.invalidParams("params.features: only applies with a model")
            }
            guard case .index(let i) = choice else {
                throw ServiceError.invalidParams("params.index: \"mostConfidentAbnormal\" needs a model (params.model)")
            }
            guard fs != nil else {
                throw ServiceError.invalidParams(
                    "params.fs: required without a model: the rate the beats were cut at (125 for the Kachuee CSVs)")
            }
            index = i
            trueLabel = trueLabels?[i]
            var members: [String: JSONValue] = ["index": .number(Double(i))]
            if let line = input.lines?[i] { members["line"] = .number(Double(line)) }
            if let trueLabel { members["trueLabel"] = .string(trueLabel) }
            beatJSON = .object(members)
        }
        // A beat given as a model's whole input (channels interleaved) is drawn as its beat channel.
        var samples = input.beats[index]
        if let recipe = served?.recipe, recipe.channels.count > 1, samples.count == recipe.windowValues,
            let channel = recipe.channels.firstIndex(of: .beat)
        {
            samples = stride(from: channel, to: samples.count, by: recipe.channels.count).map { samples[$0] }
        }
        // Where the model's window puts the R-peak; without a model it is not known, and the
        // true label goes in the title only.
        mark.sample = min(peak ?? 0, samples.count - 1)
        if fields.members["gain"] == nil { options.paper.gain = Self.gain(for: samples) }
        var title = "beat \(index)"
        if let line = input.lines?[index] { title += " (line \(line))" }
        if let served, let label = mark.label {
            title += " · \(served.name): \(label) " + BeatMark.probabilityText(mark.probability ?? 0)
        }
        if let trueLabel { title += " · true label: \(trueLabel)" }
        let request = PlotRequest(
            fs: fs!, leads: [PlotLead(name: "", samples: samples)], window: 0..<samples.count, layout: .strip(lead: 0),
            paper: options.paper, beats: served == nil ? [] : [mark],
            references: served == nil
                ? []
                : trueLabel.map { [ReferenceMark(sample: mark.sample, label: "true: \($0)", colourClass: $0)] } ?? [],
            highlightedBeat: nil, showsProbabilities: options.showsProbabilities, title: options.title ?? title,
            classes: served?.classes ?? [])
        return Drawing(request: request, options: options, beats: [beatJSON], model: served?.name)
    }

    /// The standard-looking gain (mm per unit) that draws `samples` closest to `beatHeight` peak to peak.
    static func gain(for samples: [Double]) -> Double {
        let finite = samples.filter(\.isFinite)
        let range = (finite.max() ?? 0) - (finite.min() ?? 0)
        guard range > 0 else { return beatPaper.gain }
        return beatGains.min { abs(log2($0 * range / beatHeight)) < abs(log2($1 * range / beatHeight)) }!
    }
}
