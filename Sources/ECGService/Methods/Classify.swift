import ECGSignal
import JSONRPC

/// `classify`: per-beat classes of a recording (detect, cut, classify) or of beats cut beforehand.
struct Classify {
    let signals: SignalDecoder
    let registry: ModelRegistry
    let threads: Int

    func callAsFunction(_ params: JSONValue?, _ context: RequestContext) async throws -> JSONValue {
        let fields = try Params.object(params, known: ["model", "signal", "lead", "peaks", "beats", "labels", "features"])
        let modelName = try fields.requiredString("model")
        let result: ClassifyResult
        switch (fields.members["signal"], fields.members["beats"]) {
        case (_?, nil):
            for key in ["labels", "features"] where fields.members[key] != nil {
                throw ServiceError.invalidParams("params.\(key): only applies with \"beats\"")
            }
            result = try await classifySignal(fields, model: try await registry.model(named: modelName), context)
        case (nil, _?):
            for key in ["lead", "peaks"] where fields.members[key] != nil {
                throw ServiceError.invalidParams("params.\(key): only applies with \"signal\"")
            }
            result = try await classifyBeats(fields, model: try await registry.model(named: modelName), context)
        case (nil, nil): throw ServiceError.invalidParams("params: give either \"signal\" or \"beats\"")
        case (_?, _?): throw ServiceError.invalidParams("params: give either \"signal\" or \"beats\", not both")
        }
        return try JSONValueEncoder().encode(result)
    }

    private func classifySignal(_ fields: Fields, model: ServedModel, _ context: RequestContext) async throws -> ClassifyResult {
        let located = try LeadPeaks.locate(fields, signals: signals)
        let (recording, lead, peaks) = (located.recording, located.lead, located.peaks)
        let prepared = try model.recipe.prepare(signal: located.signal, fs: recording.fs, peaks: peaks)
        let probabilities = try await BatchRunner.probabilities(
            model, windows: prepared.windows, features: prepared.features, count: prepared.count, threads: threads,
            progress: context.progress)
        let beats = prepared.peaks.map { peak in
            ClassifiedBeat(sample: peak, time: Double(peak) / recording.fs, label: "", probability: 0, probabilities: [:])
        }
        var result = ClassifyResult.make(model: model, probabilities: probabilities, beats: beats, trueLabels: nil)
        result.summary.heartRate = HeartRateSummary(BeatTiming(peaks: peaks, fs: recording.fs))
        result.fs = recording.fs
        result.lead = lead
        result.leadName = located.leadName
        result.quality = located.quality
        result.skipped = prepared.skipped
        return result
    }

    private func classifyBeats(_ fields: Fields, model: ServedModel, _ context: RequestContext) async throws -> ClassifyResult {
        let input = try BeatsInput.decode(fields.members["beats"], signals: signals)
        let length = model.recipe.windowLength
        if let bad = input.beats.firstIndex(where: { $0.count != length }) {
            throw ServiceError.invalidParams(
                "params.beats[\(bad)]: \(input.beats[bad].count) samples, but model \"\(model.name)\" takes beats of \(length) samples (\(model.recipe.input.samplingRate) Hz)")
        }
        let labelParam = fields.members["labels"].flatMap { $0 == .null ? nil : $0 }
        let trueLabels = try Self.classIndices(
            try labelParam.map { value throws(ServiceError) in try Self.labels(value) } ?? input.labels,
            count: input.beats.count, classes: model.classes,
            name: labelParam != nil ? "params.labels" : "params.beats.csv (label column)")
        let features = try Self.features(fields.members["features"], count: input.beats.count, model: model)
        try Task.checkCancellation()
        let probabilities = try await BatchRunner.probabilities(
            model, windows: try model.recipe.normalize(input.beats), features: features, count: input.beats.count,
            threads: threads, progress: context.progress)
        let beats = input.beats.indices.map { i in
            ClassifiedBeat(index: i, line: input.lines?[i], label: "", probability: 0, probabilities: [:])
        }
        return ClassifyResult.make(model: model, probabilities: probabilities, beats: beats, trueLabels: trueLabels)
    }

    /// `params.labels`: strings or numbers.
    private static func labels(_ value: JSONValue) throws(ServiceError) -> [String] {
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

    /// Maps labels to class indices: a class name, or an integer index into the classes
    /// (the Kachuee CSVs label 0 to 4, or 0 and 1).
    static func classIndices(_ labels: [String]?, count: Int, classes: [String], name: String) throws(ServiceError) -> [Int]? {
        guard let labels else { return nil }
        guard labels.count == count else {
            throw .invalidParams("\(name): \(labels.count) labels for \(count) beats")
        }
        return try labels.enumerated().map { (i, label) throws(ServiceError) -> Int in
            if let index = classes.firstIndex(of: label) { return index }
            if let index = Int(label), classes.indices.contains(index) { return index }
            throw .invalidParams(
                "\(name)[\(i)]: \"\(label)\" is not a class of the model (classes: \(classes.joined(separator: ", ")), or their indices 0-\(classes.count - 1))")
        }
    }

    /// `params.features`: one array of feature values per beat, required by models with a feature input.
    private static func features(_ value: JSONValue?, count: Int, model: ServedModel) throws(ServiceError) -> [Float] {
        let width = model.recipe.featureCount
        guard width > 0 else {
            if let value, value != .null {
                throw .invalidParams("params.features: model \"\(model.name)\" takes no features")
            }
            return []
        }
        guard case .array(let rows)? = value else {
            throw .invalidParams(
                "params.features: model \"\(model.name)\" needs \(width) feature(s) per beat (\(model.recipe.input.features.joined(separator: ", "))): give one array per beat")
        }
        guard rows.count == count else { throw .invalidParams("params.features: \(rows.count) rows for \(count) beats") }
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
