import ECGPlot
import ECGSignal
import JSONRPC

/// `plotSegment` on a recording: its leads in a layout, its beats marked.
extension PlotSegment {
    func plotSignal(_ fields: Fields, _ context: RequestContext) async throws -> Drawing {
        let (signal, signals) = (fields.members["signal"], self.signals)
        let recording = try await work.run { try signals.decode(signal) }
        let options = try PlotOptions.decode(fields, paper: Paper())
        let (layout, drawn) = try Self.layout(options.layout, fields, recording)
        let lead =
            try fields.members["lead"].map { value throws(ServiceError) in
                try LeadSelector.index(value, in: recording)
            } ?? Self.defaultLead(layout, drawn: drawn)
        let window = try PlotWindow.decode(
            fields.members["window"], fs: recording.fs, sampleCount: recording.sampleCount)
        let modelName = try fields.string("model")
        if modelName != nil {
            for key in ["labels", "probabilities"] where fields.members[key] != nil {
                throw ServiceError.invalidParams("params.\(key): give labels or a model, not both")
            }
        }
        if fields.members["peaks"] == nil, fields.members["labels"] != nil {
            throw ServiceError.invalidParams("params.labels: only applies with peaks (one label per R-peak)")
        }
        let highlight = try fields.integer("highlight")
        let references = try PlotMarks.references(
            fields.members["reference"], signal: fields.members["signal"], sampleCount: recording.sampleCount,
            dataRoot: signals.dataRoot)
        let leads = zip(recording.leadNames, recording.leads).map { PlotLead(name: $0, samples: $1) }
        // The page must fit before anything is detected or classified (a beat's window is as
        // long as its context); with nothing to detect or classify, drawing finds out.
        if modelName != nil || fields.members["peaks"] == nil {
            let longest: Range<Int> =
                switch window {
                case .samples(let range): range
                case .beat(_, let before, let after):
                    0..<min(recording.sampleCount, Int(((before + after) * recording.fs).rounded()) + 1)
                }
            try Self.checkSize(
                PlotRequest(
                    fs: recording.fs, leads: leads, window: longest, layout: layout, paper: options.paper,
                    references: references),
                options)
        }
        // Everything is checked: detect, then classify.
        var served: ServedModel?
        if let modelName { served = try await registry.model(named: modelName) }
        let located = try await work.run {
            try LeadPeaks.locate(in: recording, lead: lead, peaks: fields.members["peaks"])
        }
        var marks: [BeatMark]
        var mostConfidentAbnormal: Int?
        if let served {
            let result = try await classify.classify(located, model: served, progress: context.progress)
            marks = PlotMarks.classified(peaks: located.peaks, result)
            mostConfidentAbnormal = result.summary.mostConfidentAbnormal?.sample.flatMap {
                located.peaks.firstIndex(of: $0)
            }
        } else {
            marks = try PlotMarks.given(peaks: located.peaks, fields)
        }
        let samples: Range<Int>
        var highlighted = highlight
        switch window {
        case .samples(let range): samples = range
        case .beat(let choice, let before, let after):
            let index: Int
            switch choice {
            case .index(let i):
                guard marks.indices.contains(i) else {
                    throw ServiceError.invalidParams(
                        "params.window.beat: beat \(i) does not exist (the signal has \(marks.count) R-peaks)")
                }
                index = i
            case .mostConfidentAbnormal:
                guard let served else {
                    throw ServiceError.invalidParams(
                        "params.window.beat: \"mostConfidentAbnormal\" needs a model (params.model)")
                }
                guard let best = mostConfidentAbnormal else {
                    throw ServiceError.invalidParams(
                        "params.window.beat: model \"\(served.name)\" labels no beat abnormal")
                }
                index = best
            }
            samples = PlotWindow.around(
                marks[index].sample, before: before, after: after, fs: recording.fs, sampleCount: recording.sampleCount)
            highlighted = highlighted ?? index
        }
        if let highlight, !marks.indices.contains(highlight) {
            throw ServiceError.invalidParams(
                "params.highlight: beat \(highlight) does not exist (the signal has \(marks.count) R-peaks)")
        }
        let title =
            options.title
            ?? Self.title(
                recording, layout: layout, drawn: drawn, samples: samples, model: served?.name, marks: marks,
                highlighted: highlighted)
        let request = PlotRequest(
            fs: recording.fs, leads: leads, window: samples, layout: layout, paper: options.paper, beats: marks,
            references: references,
            markedLead: lead, highlightedBeat: highlighted, showsProbabilities: options.showsProbabilities,
            title: title,
            classes: served?.classes ?? [])
        let drawnBeats = marks.indices.filter { samples.contains(marks[$0].sample) }.map { i in
            PlotResult.beat(marks[i], index: i, fs: recording.fs, highlighted: i == highlighted)
        }
        return Drawing(request: request, options: options, beats: drawnBeats, model: served?.name)
    }

    /// The renderer's layout and the leads it draws, from `params.layout`, `params.leads` and `params.rhythm`.
    static func layout(
        _ name: PlotOptions.Layout, _ fields: Fields, _ recording: Recording
    ) throws(ServiceError) -> (PlotLayout, [Int]) {
        func leads(_ key: String) throws(ServiceError) -> [Int]? {
            guard let value = fields.members[key], value != .null else { return nil }
            let elements = value.arrayValue ?? [value]
            guard !elements.isEmpty else { throw .invalidParams("params.\(key): give at least one lead") }
            return try elements.enumerated().map { (i, element) throws(ServiceError) -> Int in
                try LeadSelector.index(
                    element, in: recording, name: value.arrayValue == nil ? "params.\(key)" : "params.\(key)[\(i)]")
            }
        }
        if name != .twelveLead, fields.members["rhythm"] != nil {
            throw .invalidParams("params.rhythm: only applies with the 12lead layout")
        }
        switch name {
        case .strip:
            let chosen = try leads("leads")
            if let chosen, chosen.count != 1 {
                throw .invalidParams(
                    "params.leads: the strip layout draws one lead, given \(chosen.count) (the stack layout draws several)"
                )
            }
            var lead = 0
            if let first = chosen?.first {
                lead = first
            } else if let value = fields.members["lead"] {
                lead = try LeadSelector.index(value, in: recording)
            }
            return (.strip(lead: lead), [lead])
        case .stack:
            let chosen = try leads("leads") ?? Array(recording.leads.indices)
            return (.stack(leads: chosen), chosen)
        case .twelveLead:
            if fields.members["leads"] != nil {
                throw .invalidParams(
                    "params.leads: the 12lead layout draws the standard leads (params.rhythm chooses the rhythm strips)"
                )
            }
            let located = StandardLeads.locate(in: recording.leadNames)
            let missing = zip(StandardLeads.names, located).filter { $0.1 == nil }.map(\.0)
            guard missing.isEmpty else {
                throw .invalidParams(
                    "params.layout: 12lead needs the leads \(StandardLeads.names.joined(separator: ", ")); the signal lacks \(missing.joined(separator: ", ")) (it has \(recording.leadNames.joined(separator: ", ")))"
                )
            }
            let standard = located.map { $0! }
            let rhythm = try leads("rhythm") ?? [standard[1]]
            return (.twelveLead(leads: standard, rhythm: rhythm), standard + rhythm)
        }
    }

    /// The lead beats are found on when `params.lead` is absent: lead II on a 12-lead page,
    /// otherwise the first lead drawn.
    static func defaultLead(_ layout: PlotLayout, drawn: [Int]) -> Int {
        if case .twelveLead(let leads, _) = layout { return leads[1] }
        return drawn[0]
    }

    /// `208 · MLII · 12–22 s · mitbih-aami5 · beat 17: VEB 0.93`.
    static func title(
        _ recording: Recording, layout: PlotLayout, drawn: [Int], samples: Range<Int>, model: String?,
        marks: [BeatMark], highlighted: Int?
    ) -> String {
        var parts = [recording.name ?? "signal"]
        if case .twelveLead = layout {
            parts.append("12-lead")
        } else {
            parts.append(drawn.map { recording.leadNames[$0] }.joined(separator: ", "))
        }
        let start = Double(samples.lowerBound) / recording.fs
        let end = Double(samples.upperBound) / recording.fs
        parts.append(PlotText.decimal(start, digits: 2) + "–" + PlotText.decimal(end, digits: 2) + " s")
        if let model { parts.append(model) }
        if let highlighted, marks.indices.contains(highlighted) {
            let beat = marks[highlighted]
            var text =
                "beat \(highlighted) at " + PlotText.decimal(Double(beat.sample) / recording.fs, digits: 2) + " s"
            if let label = beat.label { text += ": " + label }
            if let p = beat.probability { text += " " + BeatMark.probabilityText(p) }
            parts.append(text)
        }
        return parts.joined(separator: " · ")
    }
}
