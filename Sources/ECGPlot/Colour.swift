/// An opaque sRGB colour.
public struct Colour: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// A colour from `0xRRGGBB`.
    public init(hex: UInt32) {
        self.init(red: UInt8(hex >> 16 & 0xFF), green: UInt8(hex >> 8 & 0xFF), blue: UInt8(hex & 0xFF))
    }

    /// `#rrggbb`.
    public var description: String {
        "#" + [red, green, blue].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    public static let black = Colour(hex: 0x000000)
    public static let white = Colour(hex: 0xFFFFFF)
}

/// The colours of beat classes: the Okabe-Ito palette, distinguishable with every common form
/// of colour blindness (Okabe and Ito 2008, "Color Universal Design").
public enum BeatPalette {
    public static let bluishGreen = Colour(hex: 0x009E73)
    public static let orange = Colour(hex: 0xE69F00)
    public static let vermillion = Colour(hex: 0xD55E00)
    public static let reddishPurple = Colour(hex: 0xCC79A7)
    public static let blue = Colour(hex: 0x0072B2)
    public static let skyBlue = Colour(hex: 0x56B4E9)
    /// Okabe-Ito's yellow, too light for marks on white; used for the highlight band.
    public static let yellow = Colour(hex: 0xF0E442)
    /// Marks without a class (R-peaks that were not classified).
    public static let unlabelled = Colour(hex: 0x555555)

    /// Colours in the order classes without a fixed colour receive them.
    static let cycle = [bluishGreen, orange, vermillion, reddishPurple, blue, skyBlue]

    /// Fixed colours of the AAMI classes and the normal/abnormal pair, so a class keeps its
    /// colour whatever the model: normal green, supraventricular orange, ventricular vermillion,
    /// fusion purple, unclassifiable blue.
    static let fixed: [String: Colour] = [
        "n": bluishGreen, "normal": bluishGreen,
        "sveb": orange, "s": orange,
        "veb": vermillion, "v": vermillion, "abnormal": vermillion,
        "f": reddishPurple,
        "q": blue,
    ]

    /// The colour of `label`: a fixed colour for the classes above, otherwise the colour of its
    /// position in `classes` (the model's classes, normal first), otherwise grey.
    public static func colour(for label: String?, classes: [String]) -> Colour {
        guard let label else { return unlabelled }
        if let colour = fixed[label.lowercased()] { return colour }
        if let index = classes.firstIndex(of: label) { return cycle[index % cycle.count] }
        return unlabelled
    }
}
