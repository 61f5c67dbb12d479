import Foundation

// Several leads: each level window takes its beats from the lead that reads best there.

extension QRSDetector {
    /// The beats of several leads' detections over one span: window by window, the first
    /// lead's, unless its noise ratio reaches `fusionStart` and another lead's is below
    /// `fusionGain` times it, then the beats of the lead with the lowest noise ratio. A lead
    /// contributes the beats within a QRS width of its windows, and one beat seen by two leads
    /// across a change (closer than half the refractory period) is kept once.
    func fuse(_ detections: [SpanDetection], fs: Double) -> [Int] {
        let c = configuration
        let length = detections[0].windowLength
        let windows = detections[0].windows.count
        func ratio(_ lead: Int, _ k: Int) -> Double {
            let w = k < detections[lead].windows.count ? detections[lead].windows[k] : .absent
            return qualityLevel(w) == .unreadable && w.noiseRatio < c.qualityUnreadableRatio ? .infinity : w.noiseRatio
        }
        let source = (0..<windows).map { k -> Int in
            let first = ratio(0, k)
            guard first >= c.fusionStart else { return 0 }
            let best = detections.indices.min { ratio($0, k) < ratio($1, k) }!
            return ratio(best, k) < c.fusionGain * first ? best : 0
        }
        let reach = Int(0.1 * fs)
        var chosen: [(sample: Int, lead: Int)] = []
        for (lead, detection) in detections.enumerated() where source.contains(lead) {
            for p in detection.peaks {
                let k = min(windows - 1, p / length)
                let near = [k, max(0, (p - reach) / length), min(windows - 1, (p + reach) / length)]
                if near.contains(where: { source[$0] == lead }) { chosen.append((p, lead)) }
            }
        }
        chosen.sort { $0.sample < $1.sample }
        let merge = Int(c.refractory * fs / 2)
        var out: [Int] = []
        out.reserveCapacity(chosen.count)
        var lastLead = -1
        for beat in chosen {
            if let last = out.last, beat.sample - last < merge, beat.lead != lastLead {
                // The same beat from the lead that owns the window wins.
                if source[min(windows - 1, beat.sample / length)] == beat.lead { out[out.count - 1] = beat.sample; lastLead = beat.lead }
                continue
            }
            out.append(beat.sample)
            lastLead = beat.lead
        }
        return out
    }
}
