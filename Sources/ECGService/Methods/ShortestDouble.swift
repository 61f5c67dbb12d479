extension Float {
    /// The Double with this Float's shortest decimal form (0.9, not 0.8999999761581421), for JSON:
    /// `Double(description)`, without parsing the text in the common case.
    ///
    /// The shortest form has at most nine digits, so its digits are an exact Double, and so is
    /// a power of ten up to 10^22: one multiplication or division of the two is correctly
    /// rounded, the Double that parsing the text gives (Clinger's fast path). Forms outside
    /// that range (below 1e-22 or above 1e31, say) are parsed.
    var shortestDouble: Double {
        guard isFinite else { return Double(self) }
        let text = description  // "0.93456787", "-2.5e-05", "1e+20": at most 15 bytes, not allocated
        var digits: UInt64 = 0
        var fractionDigits = 0
        var inFraction = false
        var exponent = 0
        var exponentSign = 1
        var inExponent = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = Int(byte &- UInt8(ascii: "0"))
                if inExponent {
                    exponent = exponent * 10 + digit
                } else {
                    digits = digits * 10 + UInt64(digit)
                    if inFraction { fractionDigits += 1 }
                }
            case UInt8(ascii: "."): inFraction = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
            case UInt8(ascii: "-") where inExponent: exponentSign = -1
            default: break  // the sign of the number (kept by `sign` below) and of the exponent
            }
        }
        let scale = exponentSign * exponent - fractionDigits
        guard digits < 1 << 53, (-22...22).contains(scale) else { return Double(text) ?? Double(self) }
        let magnitude = scale < 0 ? Double(digits) / Self.powersOfTen[-scale] : Double(digits) * Self.powersOfTen[scale]
        return sign == .minus ? -magnitude : magnitude
    }

    /// 10^0 to 10^22, each exact in a Double.
    private static let powersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { value, _ in value * 10 } }
}
