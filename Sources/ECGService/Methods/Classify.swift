import ECGSignal
import JSONRPC

/// `classify`: per-beat classes of a recording (detect, cut, classify) or of beats cut beforehand.
struct Classify: ServiceMethod {
    struct Params: Decodable, Sendable {
        var model: String
        /// The signal mode: read by `SignalDecoder`, `LeadRequest` and `Params.peaks`.
        var signal: JSONValue?
        var lead: JSONValue?
        var peaks: JSONValue?
        /// The beats mode: read by `BeatsInput`, `labels(_:)` and `features(_:count:model:)`.
        var beats: JSONValue?
        var labels: JSONValue?
        var features: JSONValue?
        /// `rows` (the default) or `columns`: see `BeatsLayout`.
        var beatsLayout: String?
        /// `json` (the default) or `base64` (with `beatsLayout` `columns`): see `ArrayEncoding`.
        var arrays: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case model, signal, lead, peaks, beats, labels, features, beatsLayout, arrays
        }
    }

    let signals: SignalDecoder
    let registry: ModelRegistry
    let threads: Int
    var work = WorkPool()

    func run(_ params: Params, _ context: RequestContext) async throws -> ClassifyResult {
        let layout = try BeatsLayout(params.beatsLayout)
        let arrays = try ArrayEncoding(params.arrays)
        if arrays != .json && layout != .columns {
            throw ServiceError.invalidParams("params.arrays: \"\(arrays.rawValue)\" needs \"beatsLayout\": \"columns\"")
        }
        var result = try await classify(params, context)
        result.beatsLayout = layout
        result.arrays = arrays
        return result
    }

    private func classify(_ params: Params, _ context: RequestContext) async throws -> ClassifyResult {
        switch (params.signal, params.beats) {
        case (let signal?, nil):
            for (key, given) in [("labels", params.labels != nil), ("features", params.features != nil)] where given {
                throw ServiceError.invalidParams("params.\(key): only applies with \"beats\"")
            }
            let model = try await registry.model(named: params.model)
            let signals = self.signals
            let recipe = model.recipe
            let (located, conditioned) = try await LeadPeaks.locate(
                signal: signal, lead: params.lead, peaks: params.peaks, signals: signals, work: work,
                alongside: { samples, fs in try recipe.conditioned(samples, fs: fs, signalName: "params.signal") })
            return try await classify(
                located, conditioned: consume conditioned, model: model, progress: context.progress)
        case (nil, let beats?):
            for (key, given) in [("lead", params.lead != nil), ("peaks", params.peaks != nil)] where given {
                throw ServiceError.invalidParams("params.\(key): only applies with \"signal\"")
            }
            return try await classifyBeats(beats, params, model: try await registry.model(named: params.model), context)
        case (nil, nil): throw ServiceError.invalidParams("params: give either \"signal\" or \"beats\"")
        case (_?, _?): throw ServiceError.invalidParams("params: give either \"signal\" or \"beats\", not both")
        }
    }

    /// Classifies the beats of one lead at its R-peaks (the `signal` mode; editors' documents too).
    /// A caller done with `located` consumes it into the call, so that the lead's samples are
    /// freed once conditioned.
    func classify(_ located: consuming LeadPeaks, model: ServedModel, progress: ProgressReporter?) async throws
        -> ClassifyResult
    {
        let (recipe, fs) = (model.recipe, located.recording.fs)
        let handOff = SignalHandOff(located.takeSamples())
        let conditioned = try await work.run {
            try recipe.conditioned(handOff.take(), fs: fs, signalName: "params.signal")
        }
        return try await classify(located, conditioned: consume conditioned, model: model, progress: progress)
    }

    /// Classifies the beats of `located`'s lead from its samples as `model.recipe.conditioned`
    /// returns them (`located`'s own samples are not read).
    private func classify(
        _ located: LeadPeaks, conditioned: consuming [Double], model: ServedModel, progress: ProgressReporter?
    ) async throws -> ClassifyResult {
        let (fs, lead, peaks) = (located.recording.fs, located.lead, located.peaks)
        let (leadName, quality) = (located.leadName, located.quality)
        let prepared = try await model.recipe.prepare(
            conditioned: consume conditioned, fs: fs, peaks: peaks, signalName: "params.signal", work: work,
            parts: threads)
        let probabilities = try await BatchRunner.probabilities(
            model, windows: prepared.windows, features: prepared.features, count: prepared.count, threads: threads,
            work: work, progress: progress)
        let reported = try await ClassifyResult.reported(
            probabilities, classes: model.classes.count, work: work, parts: threads)
        var result = try await work.run {
            let beats = prepared.peaks.map { peak in
                ClassifiedBeat(sample: peak, time: Double(peak) / fs, label: "", probability: 0, probabilities: [:])
            }
            return ClassifyResult.make(
                model: model, probabilities: probabilities, reported: reported, beats: beats, trueLabels: nil)
        }
        result.summary.heartRate = HeartRateSummary(BeatTiming(peaks: peaks, fs: fs))
        result.fs = fs
        result.lead = lead
        result.leadName = leadName
        result.quality = quality
        result.skipped = prepared.skipped
        return result
    }

    private func classifyBeats(
        _ beats: JSONValue, _ params: Params, model: ServedModel, _ context: RequestContext
    ) async throws -> ClassifyResult {
        let signals = self.signals
        let input = try await work.run { try BeatsInput.decode(beats, signals: signals) }
        try Self.checkLengths(of: input, model: model)
        let truth = try Self.classIndices(
            try params.labels.map { value throws(ServiceError) in try Self.labels(value) } ?? input.labels,
            count: input.beats.count, classes: model.classes,
            name: params.labels != nil ? "params.labels" : "params.beats.csv (label column)")
        let features = try Self.features(params.features, count: input.beats.count, model: model)
        return try await classify(
            beats: input, truth: truth, features: features, model: model, progress: context.progress)
    }

    /// Beats cut beforehand must all be of one length the model takes (plotSegment checks them too).
    static func checkLengths(of input: BeatsInput, model: ServedModel) throws(ServiceError) {
        let lengths = model.recipe.acceptedBeatLengths
        if let bad = input.beats.firstIndex(where: { $0.count != input.beats[0].count || !lengths.contains($0.count) })
        {
            let expected = lengths.map(String.init).joined(separator: " or ")
            throw ServiceError.invalidParams(
                "params.beats[\(bad)]: \(input.beats[bad].count) samples, but model \"\(model.name)\" takes beats of \(expected) samples (\(model.recipe.input.samplingRate) Hz)"
            )
        }
    }

    /// Classifies beats cut beforehand, of a length `model.recipe.acceptedBeatLengths` holds (the
    /// `beats` mode; editors' beats CSVs too). `truth` is `classIndices`' reading of the true
    /// labels; `features` row-major.
    func classify(
        beats input: BeatsInput, truth: (indices: [Int], mappedFromAAMI: Bool)?, features: [Float], model: ServedModel,
        progress: ProgressReporter?
    ) async throws -> ClassifyResult {
        let windows = try await work.run { model.recipe.modelInput(beats: input.beats) }
        let probabilities = try await BatchRunner.probabilities(
            model, windows: windows, features: features, count: input.beats.count, threads: threads, work: work,
            progress: progress)
        let reported = try await ClassifyResult.reported(
            probabilities, classes: model.classes.count, work: work, parts: threads)
        var result = try await work.run {
            let beats = input.beats.indices.map { i in
                ClassifiedBeat(index: i, line: input.lines?[i], label: "", probability: 0, probabilities: [:])
            }
            return ClassifyResult.make(
                model: model, probabilities: probabilities, reported: reported, beats: beats,
                trueLabels: truth?.indices)
        }
        if truth?.mappedFromAAMI == true { result.labelMapping = AAMILabels.binaryMappingNote }
        return result
    }

    /// `params.labels`: strings or numbers.
    static func labels(_ value: JSONValue) throws(ServiceError) -> [String] {
        guard case .array(let elements) = value else {
            throw .invalidParams("params.labels: expected an array of class names or indices, found \(value.typeName)")
        }
        return try elements.enumerated().map { (i, element) throws(ServiceError) -> String in
            switch element {
            case .string(let s): return s
            case let n where n.intValue != nil: return String(n.intValue!)
            default: throw .invalidParams("params.labels[\(i)]: expected a class name or index, found \(element)")
            }
        }
    }

    /// Maps labels to class indices: a class name, or an integer index into the classes (the
    /// Kachuee PTB CSVs label 0 and 1). A two-class model also takes labels in the five AAMI
    /// classes (names, or the Kachuee MIT-BIH codes 0 to 4) and scores them as normal (N) vs
    /// abnormal (the rest); `mappedFromAAMI` says so.
    static func classIndices(
        _ labels: [String]?, count: Int, classes: [String], name: String
    ) throws(ServiceError) -> (indices: [Int], mappedFromAAMI: Bool)? {
        guard let labels else { return nil }
        guard labels.count == count else {
            throw .invalidParams("\(name): \(labels.count) labels for \(count) beats")
        }
        func direct(_ label: String) -> Int? {
            if let index = classes.firstIndex(of: label) { return index }
            if let index = Int(label), classes.indices.contains(index) { return index }
            return nil
        }
        let indices = labels.compactMap(direct)
        if indices.count == labels.count { return (indices, false) }
        if classes.count == 2 {
            let mapped = labels.compactMap {
                AAMILabels.aamiClass(label: $0).flatMap { AAMILabels.modelClass(of: $0, classes: classes) }
            }
            if mapped.count == labels.count { return (mapped, true) }
        }
        let i = labels.firstIndex { direct($0) == nil }!
        let also = classes.count == 2 ? ", or AAMI classes N, SVEB, VEB, F, Q and their codes 0-4" : ""
        throw .invalidParams(
            "\(name)[\(i)]: \"\(labels[i])\" is not a class of the model (classes: \(classes.joined(separator: ", ")), or their indices 0-\(classes.count - 1)\(also))"
        )
    }

    /// `params.features`: one array of feature values per beat, required by models with a feature input.
    static func features(_ value: JSONValue?, count: Int, model: ServedModel) throws(ServiceError) -> [Float] {
        let width = model.recipe.featureCount
        guard width > 0 else {
            if let value, value != .null {
                throw .invalidParams("params.features: model \"\(model.name)\" takes no features")
            }
            return []
        }
        guard case .array(let rows)? = value else {
            throw .invalidParams(
                "params.features: model \"\(model.name)\" needs \(width) feature(s) per beat (\(model.recipe.input.features.joined(separator: ", "))): give one array per beat"
            )
        }
        guard rows.count == count else {
            throw .invalidParams("params.features: \(rows.count) rows for \(count) beats")
        }
        var out: [Float] = []
        out.reserveCapacity(count * width)
        for (i, row) in rows.enumerated() {
            guard case .array(let cells) = row, cells.count == width else {
                throw .invalidParams("params.features[\(i)]: expected \(width) numbers")
            }
            for (j, cell) in cells.enumerated() {
                guard case .number(let x) = cell, x.isFinite else {
                    throw .invalidParams("params.features[\(i)][\(j)]: expected a finite number, found \(cell)")
                }
                out.append(Float(x))
            }
        }
        return out
    }
}
