/// Parsing of EDF+ time-stamped annotation lists (TALs):
/// `+onset[\u{15}duration]\u{14}text\u{14}[text\u{14}...]\0`, zero-padded to the record's end.
enum EDFAnnotationList {
    struct Problem: Error {
        var message: String
    }

    /// The annotations of one data record's annotation block, without time-keeping entries
    /// (TALs with an empty first text).
    static func parse(_ block: ArraySlice<UInt8>) throws -> [EDFAnnotation] {
        var annotations: [EDFAnnotation] = []
        var rest = block[...]
        while let first = rest.first, first != 0 {
            guard let end = rest.firstIndex(of: 0) else {
                throw Problem(message: "annotation list not terminated by a NUL byte")
            }
            let tal = rest[rest.startIndex..<end]
            rest = rest[(end + 1)...]
            let parts = tal.split(separator: 0x14, omittingEmptySubsequences: false)
            let timing = parts[0].split(separator: 0x15, omittingEmptySubsequences: false)
            let onsetText = String(decoding: timing[0], as: UTF8.self)
            guard onsetText.first == "+" || onsetText.first == "-", let onset = Double(onsetText) else {
                throw Problem(message: "invalid annotation onset \"\(onsetText)\"")
            }
            var duration: Double?
            if timing.count > 1 {
                let text = String(decoding: timing[1], as: UTF8.self)
                guard let value = Double(text) else {
                    throw Problem(message: "invalid annotation duration \"\(text)\"")
                }
                duration = value
            }
            // parts ends with an empty piece after the final 0x14; the first text empty means time-keeping.
            let texts = parts.dropFirst().map { String(decoding: $0, as: UTF8.self) }
            guard let firstText = texts.first, !firstText.isEmpty || texts.count > 2 else { continue }
            for text in texts where !text.isEmpty {
                annotations.append(EDFAnnotation(onset: onset, duration: duration, text: text))
            }
        }
        return annotations
    }
}
