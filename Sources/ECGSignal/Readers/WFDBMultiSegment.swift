import Foundation

/// Multi-segment WFDB records (MIMIC's layout of one recording in many segments): the segments
/// are joined into one recording, gaps (`~` segments, and signals a segment lacks) as NaN.
///
/// With a layout segment (a first segment of 0 samples, "variable layout") the record's signals
/// are those the layout header lists, and each segment's signals are matched to them by name;
/// without one ("fixed layout") every segment has the first segment's signals.
enum WFDBMultiSegment {
    /// Most samples a multi-segment record may yield, its chosen signals together: its gaps are
    /// held as NaN, so the segment lengths the header claims are checked before the outputs are
    /// allocated (2^27, 1 GB: one signal of 12 days at 125 Hz, or 12 signals of 3 hours at 1 kHz).
    static let maxSamples = 1 << 27

    static func read(
        _ header: WFDBHeader, at headerURL: URL, resolution: WFDBResolution,
        select: (([String]) throws -> [Int])?
    ) throws -> Recording {
        let directory = headerURL.deletingLastPathComponent()
        func segmentHeader(_ name: String) throws -> WFDBHeader {
            guard !name.contains("/"), !name.hasPrefix(".") else {
                throw SignalFileError(
                    url: headerURL, message: "segment name \"\(name)\" must name a record next to the header")
            }
            let header = try WFDB.readHeader(at: directory.appendingPathComponent(name))
            guard header.segments.isEmpty else {
                throw SignalFileError(url: headerURL, message: "segment \(name) is itself a multi-segment record")
            }
            return header
        }
        let hasLayout = header.segments.first.map { !$0.isGap && $0.sampleCount == 0 } ?? false
        let data = hasLayout ? Array(header.segments.dropFirst()) : header.segments
        guard let firstRecord = data.first(where: { !$0.isGap }) else {
            throw SignalFileError(url: headerURL, message: "no segment holds samples")
        }
        let layout = try segmentHeader(hasLayout ? header.segments[0].name : firstRecord.name)
        let names = WFDB.signalNames(layout.signals)
        let chosen = try select?(names) ?? Array(names.indices)
        for index in chosen where !names.indices.contains(index) {
            throw SignalFileError(url: headerURL, message: "no signal \(index) (the record has \(names.count))")
        }
        let perFrame = resolution == .signal ? chosen.first.map { layout.signals[$0].samplesPerFrame } ?? 1 : 1
        if resolution == .signal, let other = chosen.first(where: { layout.signals[$0].samplesPerFrame != perFrame }) {
            throw SignalFileError(
                url: headerURL,
                message:
                    "signals \(names[chosen[0]]) and \(names[other]) have different samples per frame: read them at the frame rate, or one at a time"
            )
        }

        var total = 0
        for segment in data {
            let (sum, overflow) = total.addingReportingOverflow(segment.sampleCount)
            guard !overflow, sum <= maxSamples / (perFrame * max(1, chosen.count)) else {
                throw SignalFileError(
                    url: headerURL,
                    message:
                        "the segments add up to more than \(maxSamples) samples for the \(chosen.count) signal(s) read")
            }
            total = sum
        }
        let expected = header.sampleCount ?? total
        var leads = chosen.map { _ in [Double](repeating: .nan, count: total * perFrame) }
        var warnings: [String] = []
        var start = 0
        for segment in data {
            defer { start += segment.sampleCount }
            guard !segment.isGap, segment.sampleCount > 0 else { continue }
            let segmentHeader = try segmentHeader(segment.name)
            let segmentNames = WFDB.signalNames(segmentHeader.signals)
            // Each chosen signal's place in this segment, matched by name (a fixed layout by
            // position, as every segment has the same signals).
            let places: [Int?] = chosen.map { index in
                hasLayout
                    ? segmentNames.firstIndex { $0.caseInsensitiveCompare(names[index]) == .orderedSame }
                    : (segmentNames.indices.contains(index) ? index : nil)
            }
            let present = places.compactMap { $0 }
            guard !present.isEmpty else { continue }
            var segmentHeaderWithLength = segmentHeader
            if segmentHeader.sampleCount == nil { segmentHeaderWithLength.sampleCount = segment.sampleCount }
            let part = try WFDB.readSignals(
                segmentHeaderWithLength, at: WFDB.headerURL(for: directory.appendingPathComponent(segment.name)),
                chosen: present, resolution: resolution)
            warnings += part.warnings.map { "segment \(segment.name): \($0)" }
            if part.fs != header.fs * Double(perFrame) {
                throw SignalFileError(
                    url: headerURL,
                    message:
                        "segment \(segment.name) runs at \(part.fs) Hz, the record at \(header.fs * Double(perFrame)) Hz"
                )
            }
            let count = min(part.sampleCount, segment.sampleCount * perFrame)
            for (slot, place) in places.enumerated() {
                guard let place, let position = present.firstIndex(of: place) else { continue }
                let source = part.leads[position]
                leads[slot].withUnsafeMutableBufferPointer { out in
                    for i in 0..<count { out[start * perFrame + i] = source[i] }
                }
            }
        }
        if total != expected {
            warnings.append("the segments hold \(total) frames, the header announces \(expected)")
        }
        return Recording(
            fs: header.fs * Double(perFrame), leads: leads, leadNames: chosen.map { names[$0] },
            units: chosen.map { layout.signals[$0].units }, name: header.recordName, comments: header.comments,
            warnings: warnings)
    }
}
