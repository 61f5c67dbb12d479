import JSONRPC

/// One classified beat.
struct ClassifiedBeat: Sendable, JSONValueRepresentable {
    /// Row of the beat in `params.beats` (beats mode).
    var index: Int?
    /// CSV line of the beat (beats given as CSV text).
    var line: Int?
    /// R-peak sample number in the signal (signal mode).
    var sample: Int?
    /// R-peak time in seconds from the start of the signal (signal mode).
    var time: Double?
    /// The most probable class.
    var label: String
    /// Its probability.
    var probability: Double
    var probabilities: ClassProbabilities
    /// The label the caller gave (beats mode with labels).
    var trueLabel: String?

    /// The beat's JSON (absent optionals left out), built directly, and its only encoding: a
    /// 30-minute recording has thousands of beats.
    var jsonValue: JSONValue {
        // Non-finite numbers become null, as JSONValueEncoder writes them.
        func number(_ x: Double) -> JSONValue { x.isFinite ? .number(x) : .null }
        var members: [String: JSONValue] = [
            "label": .string(label), "probability": number(probability),
            "probabilities": .object(
                Dictionary(uniqueKeysWithValues: zip(probabilities.classes, probabilities.values.map(number)))),
        ]
        if let index { members["index"] = .number(Double(index)) }
        if let line { members["line"] = .number(Double(line)) }
        if let sample { members["sample"] = .number(Double(sample)) }
        if let time { members["time"] = number(time) }
        if let trueLabel { members["trueLabel"] = .string(trueLabel) }
        return .object(members)
    }
}

/// A beat's probability of each class of its model, in the model's order.
struct ClassProbabilities: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// The model's classes (shared by every beat of a result).
    let classes: [String]
    /// One probability per class of `classes`.
    let values: [Double]

    init(classes: [String], values: [Double]) {
        precondition(classes.count == values.count, "one probability per class")
        self.classes = classes
        self.values = values
    }

    /// Classes and probabilities in the literal's order.
    init(dictionaryLiteral elements: (String, Double)...) {
        self.init(classes: elements.map(\.0), values: elements.map(\.1))
    }
}

/// How `classify` lays out its beats: one object per beat (`beats`, the default), or one array
/// per member (`beatColumns`), several times smaller and faster to read for long recordings.
enum BeatsLayout: String, CaseIterable, Sendable {
    case rows, columns

    /// `params.beatsLayout`, rows when absent.
    init(_ name: String?) throws(ServiceError) {
        guard let layout = Self(rawValue: name ?? Self.rows.rawValue) else {
            throw .invalidParams(
                "params.beatsLayout: unknown \"\(name ?? "")\" (expected \(Self.allCases.map(\.rawValue).joined(separator: " or ")))"
            )
        }
        self = layout
    }
}

/// The beats as `beatColumns`: each member of `ClassifiedBeat` as one array over the beats (those
/// every beat has), and `probabilities` as one array per class.
/// Numeric columns travel as `arrays` says.
struct BeatColumns: Sendable, JSONValueRepresentable {
    let beats: [ClassifiedBeat]
    let classes: [String]
    let arrays: ArrayEncoding

    var jsonValue: JSONValue {
        /// The member over the beats, when every beat has it.
        func column<T>(_ value: (ClassifiedBeat) -> T?) -> [T]? {
            let values = beats.compactMap(value)
            return !values.isEmpty && values.count == beats.count ? values : nil
        }
        var members: [String: JSONValue] = [
            "label": .array(beats.map { .string($0.label) }),
            "probability": arrays.doubles(beats.map(\.probability)),
            "probabilities": .object(
                Dictionary(
                    uniqueKeysWithValues: classes.enumerated().map { c, name in
                        (name, arrays.doubles(beats.map { $0.probabilities.values[c] }))
                    })),
        ]
        members["index"] = column(\.index).map(arrays.integers)
        members["line"] = column(\.line).map(arrays.integers)
        members["sample"] = column(\.sample).map(arrays.integers)
        members["time"] = column(\.time).map(arrays.doubles)
        members["trueLabel"] = column(\.trueLabel).map { .array($0.map(JSONValue.string)) }
        return .object(members)
    }
}

/// Counts, heart rate and the most confident abnormal beat.
struct ClassifySummary: Encodable, Sendable {
    var counts: [String: Int]
    /// From every detected R-peak (signal mode).
    var heartRate: HeartRateSummary?
    /// The beat labelled with a class other than the first ("N", "normal") with the highest
    /// probability; null when every beat is normal.
    var mostConfidentAbnormal: ClassifiedBeat?

    enum CodingKeys: String, CodingKey { case counts, heartRate, mostConfidentAbnormal }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(counts, forKey: .counts)
        try container.encodeIfPresent(heartRate, forKey: .heartRate)
        try container.encode(mostConfidentAbnormal, forKey: .mostConfidentAbnormal)
    }
}

/// Rows are true classes, columns predicted classes, both in `classes` order.
struct ConfusionMatrix: Encodable, Sendable {
    var classes: [String]
    var matrix: [[Int]]
}

/// The result of `classify`.
struct ClassifyResult: Encodable, Sendable {
    var model: String
    var classes: [String]
    /// Signal mode: the signal's rate, lead, and the R-peaks of beats left out.
    var fs: Double?
    var lead: Int?
    var leadName: String?
    var beats: [ClassifiedBeat]
    var summary: ClassifySummary
    var skipped: [Int]?
    /// Signal mode with detected peaks: the stretches of the lead judged noisy or unreadable.
    var quality: [LeadQuality]?
    /// Beats mode with labels.
    var accuracy: Double?
    var confusionMatrix: ConfusionMatrix?
    /// How the true labels were mapped onto the model's classes, when they were not its own.
    var labelMapping: String?
    /// Whether `beats` goes out as rows (`beats`) or as columns (`beatColumns`).
    var beatsLayout = BeatsLayout.rows
    /// How `beatColumns`' numeric columns travel.
    var arrays = ArrayEncoding.json

    enum CodingKeys: String, CodingKey {
        case model, classes, fs, lead, leadName, beats, beatColumns, summary, skipped, quality, accuracy
        case confusionMatrix, labelMapping
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(model, forKey: .model)
        try container.encode(classes, forKey: .classes)
        try container.encodeIfPresent(fs, forKey: .fs)
        try container.encodeIfPresent(lead, forKey: .lead)
        try container.encodeIfPresent(leadName, forKey: .leadName)
        switch beatsLayout {
        case .rows: try container.encode(beats, forKey: .beats)
        case .columns:
            try container.encode(BeatColumns(beats: beats, classes: classes, arrays: arrays), forKey: .beatColumns)
        }
        try container.encode(summary, forKey: .summary)
        try container.encodeIfPresent(skipped, forKey: .skipped)
        try container.encodeIfPresent(quality, forKey: .quality)
        try container.encodeIfPresent(accuracy, forKey: .accuracy)
        try container.encodeIfPresent(confusionMatrix, forKey: .confusionMatrix)
        try container.encodeIfPresent(labelMapping, forKey: .labelMapping)
    }

    /// The probabilities of a batch as `make` reports them (`Float.shortestDouble`), in
    /// parallel shares of the beats: a 30-minute recording has about 15,000 of them.
    static func reported(_ probabilities: [Float], classes: Int, work: WorkPool, parts: Int) async throws -> [Double] {
        let count = probabilities.count / max(1, classes)
        return try await work.split(count, parts: parts, minimum: 1024) { beats in
            probabilities[beats.lowerBound * classes..<beats.upperBound * classes].map(\.shortestDouble)
        }.flatMap { $0 }
    }

    /// Labels each beat with its most probable class and summarises the batch.
    /// - Parameters:
    ///   - probabilities: row-major `beats.count x classes.count`.
    ///   - reported: `probabilities` as `reported(_:classes:work:parts:)` gives them.
    ///   - beats: the beats, `label`, `probability` and `probabilities` still to be filled.
    ///   - trueLabels: class indices of the true labels, one per beat, when known.
    static func make(
        model: ServedModel, probabilities: [Float], reported: [Double], beats: [ClassifiedBeat], trueLabels: [Int]?
    ) -> ClassifyResult {
        let classes = model.classes
        let k = classes.count
        var labelled = beats
        var counts = [Int](repeating: 0, count: k)
        var predicted = [Int](repeating: 0, count: beats.count)
        var best: (beat: Int, probability: Float)?
        for i in beats.indices {
            let row = probabilities[i * k..<(i + 1) * k]
            let top = row.indices.max { row[$0] < row[$1] }! - i * k
            predicted[i] = top
            counts[top] += 1
            labelled[i].label = classes[top]
            labelled[i].probability = reported[i * k + top]
            labelled[i].probabilities = ClassProbabilities(
                classes: classes, values: Array(reported[i * k..<(i + 1) * k]))
            if let trueLabels { labelled[i].trueLabel = classes[trueLabels[i]] }
            if top != 0, best.map({ row[i * k + top] > $0.probability }) ?? true {
                best = (i, row[i * k + top])
            }
        }
        var result = ClassifyResult(
            model: model.name, classes: classes, beats: labelled,
            summary: ClassifySummary(
                counts: Dictionary(uniqueKeysWithValues: zip(classes, counts)),
                mostConfidentAbnormal: best.map { labelled[$0.beat] }))
        if let trueLabels, !beats.isEmpty {
            var matrix = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
            for (truth, guess) in zip(trueLabels, predicted) { matrix[truth][guess] += 1 }
            let correct = (0..<k).reduce(0) { $0 + matrix[$1][$1] }
            result.accuracy = Double(correct) / Double(beats.count)
            result.confusionMatrix = ConfusionMatrix(classes: classes, matrix: matrix)
        }
        return result
    }
}
