// Lead hand-over: where the first lead has no signal (an electrode off, an amplifier saturated
// and recovering) and another lead reads well, the beats there are that lead's own.

extension QRSDetector {
    /// `beats` (reduced-rate indices chosen on the first lead) with every run of the first
    /// lead's flat or missing level windows (`windowLength` reduced samples each) replaced by
    /// the beats of the first other lead that reads well over the whole run. Beats closer than
    /// the refractory period to a beat kept outside the run are left out.
    func handOverFlatStretches(
        _ beats: [Int], leads: [LeadFeatures?], windows: [[WindowStatistics]], windowLength: Int, fs: Double
    ) -> [Int] {
        let c = configuration
        let first = windows[0]
        let flat = first.map(hasNoSignal)
        var runs: [Range<Int>] = []
        var k = 0
        while k < flat.count {
            guard flat[k] else {
                k += 1
                continue
            }
            let start = k
            while k < flat.count && flat[k] { k += 1 }
            runs.append(start..<k)
        }
        guard !runs.isEmpty else { return beats }
        var ownBeats: [Int: [Int]] = [:]
        var out = beats
        let refractory = Int(c.refractory * fs)
        for run in runs {
            guard
                let l = (1..<leads.count).first(where: { l in
                    leads[l] != nil && windows[l].count == first.count
                        && run.allSatisfy { qualityLevel(windows[l][$0]) == nil }
                }),
                let lead = leads[l]
            else { continue }
            if ownBeats[l] == nil { ownBeats[l] = secondPass(lead.first, fs: fs) }
            let span = (run.lowerBound * windowLength)..<(run.upperBound * windowLength)
            let kept = out.filter { !span.contains($0) }
            let before = kept.last { $0 < span.lowerBound }
            let after = kept.first { $0 >= span.upperBound }
            let taken = ownBeats[l]!.filter { beat in
                span.contains(beat) && before.map { beat - $0 >= refractory } ?? true
                    && after.map { $0 - beat >= refractory } ?? true
            }
            out = (kept + taken).sorted()
        }
        return out
    }
}
