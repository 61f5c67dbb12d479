import Foundation

extension WFDBHeader {
    /// Parses one signal line:
    /// `file format[xspf][:skew][+offset] [gain[(baseline)][/units] [adcres [adczero [initval [checksum [blocksize [description]]]]]]]`.
    static func parseSignalLine(_ line: Substring, fail: (String) -> SignalFileError) throws -> WFDBSignalSpec {
        let fields = tokens(of: line)
        guard fields.count >= 2 else { throw fail("signal line needs a file name and a format") }
        func text(_ i: Int) -> Substring? { i < fields.count ? line[fields[i]] : nil }
        func integer(_ i: Int, _ what: String) throws -> Int? {
            guard let field = text(i) else { return nil }
            guard let value = Int(field) else { throw fail("invalid \(what) \"\(field)\"") }
            return value
        }

        let fileName = String(line[fields[0]])
        let (format, samplesPerFrame, skew, byteOffset) = try parseFormatField(line[fields[1]], fail: fail)

        var gain = 200.0
        var baseline: Int?
        var units = "mV"
        if let gainField = text(2) {
            var rest = gainField
            if let slash = rest.firstIndex(of: "/") {
                units = String(rest[rest.index(after: slash)...])
                rest = rest[..<slash]
            }
            if let open = rest.firstIndex(of: "(") {
                guard rest.hasSuffix(")"),
                    let value = Int(rest[rest.index(after: open)..<rest.index(before: rest.endIndex)])
                else { throw fail("invalid baseline in gain \"\(gainField)\"") }
                baseline = value
                rest = rest[..<open]
            }
            guard let value = Double(rest), value.isFinite, value >= 0 else {
                throw fail("invalid gain \"\(gainField)\"")
            }
            if value > 0 { gain = value }
        }
        let resolution = try integer(3, "ADC resolution") ?? 0
        let adcZero = try integer(4, "ADC zero") ?? 0
        let initialValue = try integer(5, "initial value") ?? adcZero
        let checksum = try integer(6, "checksum")
        let blockSize = try integer(7, "block size") ?? 0
        let description = fields.count > 8 ? String(line[fields[8].lowerBound...]) : ""

        return WFDBSignalSpec(
            fileName: fileName, format: format, samplesPerFrame: samplesPerFrame, skew: skew,
            byteOffset: byteOffset, gain: gain, baseline: baseline ?? adcZero, units: units,
            adcResolution: resolution > 0 ? resolution : WFDBFormat.defaultResolution(format),
            adcZero: adcZero, initialValue: initialValue, checksum: checksum,
            blockSize: blockSize, description: description.trimmingCharacters(in: .whitespaces))
    }

    /// Most samples per frame a signal may have (real records have a few; the frame layout
    /// arithmetic must not overflow).
    static let maxSamplesPerFrame = 1 << 16
    /// Largest skew, in frames, a signal may have (real skews are a few samples).
    static let maxSkew = 1 << 24

    /// Splits `format[xspf][:skew][+offset]`.
    private static func parseFormatField(
        _ field: Substring, fail: (String) -> SignalFileError
    ) throws -> (format: Int, samplesPerFrame: Int, skew: Int, offset: Int) {
        var rest = field
        var offset = 0
        var skew = 0
        var samplesPerFrame = 1
        if let plus = rest.firstIndex(of: "+") {
            guard let value = Int(rest[rest.index(after: plus)...]), value >= 0 else {
                throw fail("invalid byte offset in \"\(field)\"")
            }
            offset = value
            rest = rest[..<plus]
        }
        if let colon = rest.firstIndex(of: ":") {
            guard let value = Int(rest[rest.index(after: colon)...]) else {
                throw fail("invalid skew in \"\(field)\"")
            }
            guard value.magnitude <= maxSkew else {
                throw fail("skew in \"\(field)\" exceeds \(maxSkew) frames")
            }
            skew = value
            rest = rest[..<colon]
        }
        if let times = rest.firstIndex(of: "x") {
            guard let value = Int(rest[rest.index(after: times)...]), value >= 1 else {
                throw fail("invalid samples per frame in \"\(field)\"")
            }
            guard value <= maxSamplesPerFrame else {
                throw fail("samples per frame in \"\(field)\" exceed \(maxSamplesPerFrame)")
            }
            samplesPerFrame = value
            rest = rest[..<times]
        }
        guard let format = Int(rest) else { throw fail("invalid signal format \"\(field)\"") }
        return (format, samplesPerFrame, skew, offset)
    }

    /// Ranges of the whitespace-separated fields of `line`.
    private static func tokens(of line: Substring) -> [Range<Substring.Index>] {
        var result: [Range<Substring.Index>] = []
        var start: Substring.Index?
        var index = line.startIndex
        while index < line.endIndex {
            let isSpace = line[index] == " " || line[index] == "\t"
            if isSpace, let begin = start {
                result.append(begin..<index)
                start = nil
            } else if !isSpace, start == nil {
                start = index
            }
            index = line.index(after: index)
        }
        if let begin = start { result.append(begin..<line.endIndex) }
        return result
    }
}
