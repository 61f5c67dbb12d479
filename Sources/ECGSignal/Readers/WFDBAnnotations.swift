import Foundation

extension WFDB {
    /// Reads an MIT-format annotation file (for example `208.atr`).
    ///
    /// Handles SKIP, NUM, SUB, CHN and AUX entries; `channel` and `number` carry over from one
    /// annotation to the next as in WFDB. Annotations with code 0 and the definition notes at
    /// sample 0 (aux starting with `## `) are left out, as in the Python `wfdb` package.
    public static func readAnnotations(at url: URL) throws -> [Annotation] {
        try parseAnnotations(readFileData(url), path: url.path)
    }

    /// Parses MIT-format annotation bytes; `path` is used in error messages.
    public static func parseAnnotations(_ data: Data, path: String) throws -> [Annotation] {
        let bytes = [UInt8](data)
        func fail(_ offset: Int, _ message: String) -> SignalFileError {
            SignalFileError(path: path, message: "byte \(offset): \(message)")
        }
        guard bytes.count % 2 == 0 else {
            throw SignalFileError(
                path: path, message: "odd size (\(bytes.count) bytes): annotation files hold 16-bit words; truncated?")
        }
        var annotations: [Annotation] = []
        var position = 0
        var time = 0
        var channel = 0
        var number = 0
        func word(at offset: Int) -> (code: Int, data: Int) {
            let value = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
            return (value >> 10, value & 0x3FF)
        }
        while true {
            guard position + 2 <= bytes.count else {
                throw SignalFileError(path: path, message: "ends without the end-of-file marker (truncated?)")
            }
            let (code, data) = word(at: position)
            let here = position
            position += 2
            switch code {
            case 0 where data == 0:
                return annotations.filter { annotation in
                    !(annotation.code == AnnotationCodes.mnemonics[0]
                        || (annotation.sample == 0 && annotation.code == "\""
                            && annotation.aux?.hasPrefix("## ") == true))
                }
            case 59:
                guard position + 4 <= bytes.count else { throw fail(here, "SKIP entry cut short (truncated?)") }
                let high = Int(bytes[position]) | Int(bytes[position + 1]) << 8
                let low = Int(bytes[position + 2]) | Int(bytes[position + 3]) << 8
                time += Int(Int32(bitPattern: UInt32(high << 16 | low)))
                position += 4
            case 60, 61, 62:
                guard var last = annotations.popLast() else {
                    throw fail(here, "\(["NUM", "SUB", "CHN"][code - 60]) entry before any annotation")
                }
                let low = UInt8(data & 0xFF)
                switch code {
                case 60:
                    number = Int(Int8(bitPattern: low))
                    last.number = number
                case 61: last.subtype = Int(Int8(bitPattern: low))
                default:
                    channel = Int(low)
                    last.channel = channel
                }
                annotations.append(last)
            case 63:
                guard !annotations.isEmpty else { throw fail(here, "AUX entry before any annotation") }
                let length = data & 0xFF
                guard position + length <= bytes.count else {
                    throw fail(here, "AUX text of \(length) bytes cut short (truncated?)")
                }
                var text = bytes[position..<(position + length)]
                while text.last == 0 { text = text.dropLast() }
                annotations[annotations.count - 1].aux = String(decoding: text, as: UTF8.self)
                position += length + (length & 1)
            default:
                time += data
                annotations.append(
                    Annotation(
                        sample: time, code: AnnotationCodes.mnemonic(code), channel: channel, number: number))
            }
        }
    }
}
