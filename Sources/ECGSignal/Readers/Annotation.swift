/// One annotation of a WFDB annotation file (a beat label, rhythm change, noise mark, ...).
public struct Annotation: Sendable, Equatable {
    /// Sample number the annotation refers to.
    public var sample: Int
    /// Mnemonic of the annotation code, for example `N`, `V`, `/`, `+`, `[`, `]`, `~`.
    public var code: String
    /// Annotation subtype (`SUB` field), 0 when absent.
    public var subtype: Int
    /// Signal the annotation belongs to (`CHN` field); carried over from the previous annotation.
    public var channel: Int
    /// Annotator number (`NUM` field); carried over from the previous annotation.
    public var number: Int
    /// Auxiliary text (`AUX` field) without trailing NULs, for example `(AFIB` on rhythm changes.
    public var aux: String?

    /// An annotation at `sample`; the other fields default as WFDB's do.
    public init(sample: Int, code: String, subtype: Int = 0, channel: Int = 0, number: Int = 0, aux: String? = nil) {
        self.sample = sample
        self.code = code
        self.subtype = subtype
        self.channel = channel
        self.number = number
        self.aux = aux
    }

    /// Whether the annotation labels a heartbeat (its code is in `BeatCodes.all`).
    public var isBeat: Bool { BeatCodes.all.contains(code) }
}

/// The mnemonics of the standard WFDB annotation codes.
public enum AnnotationCodes {
    /// Mnemonic for each code 0...41 as used by WFDB (`ecgcodes.h`); unused codes are empty.
    public static let mnemonics: [String] = [
        " ", "N", "L", "R", "a", "V", "F", "J", "A", "S",
        "E", "j", "/", "Q", "~", "", "|", "", "s", "T",
        "*", "D", "\"", "=", "p", "B", "^", "t", "+", "u",
        "?", "!", "[", "]", "e", "n", "@", "x", "f", "(",
        ")", "r",
    ]

    /// Mnemonic of a numeric code; codes without a standard mnemonic read as their number.
    public static func mnemonic(_ code: Int) -> String {
        code < mnemonics.count && !mnemonics[code].isEmpty ? mnemonics[code] : String(code)
    }

    /// Numeric code of a mnemonic, when it is a standard one.
    public static func code(_ mnemonic: String) -> Int? {
        mnemonics.firstIndex(of: mnemonic).flatMap { $0 == 0 ? nil : $0 }
    }
}
