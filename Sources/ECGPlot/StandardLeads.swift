/// The twelve leads of the standard clinical ECG and where a recording keeps them.
public enum StandardLeads {
    /// I, II, III, aVR, aVL, aVF, V1-V6: the order `PlotLayout.twelveLead` takes them in.
    public static let names = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]

    /// The index in `leadNames` of each standard lead, in the order of `names` (nil where a
    /// recording lacks one). Names match in any case and order (PTB-XL writes `AVR`).
    public static func locate(in leadNames: [String]) -> [Int?] {
        let normalized = leadNames.map(normalize)
        return names.map { normalized.firstIndex(of: normalize($0)) }
    }

    private static func normalize(_ name: String) -> String {
        String(name.filter { !$0.isWhitespace }).lowercased()
    }

    /// The leads of the three rows of a 12-lead page, one per column (positions in `names`):
    /// I aVR V1 V4 / II aVL V2 V5 / III aVF V3 V6.
    static let rows = [[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]]
}
