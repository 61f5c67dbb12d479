import ECGSignal

/// How beats labelled in the five AAMI classes are scored by a model: a five-class model by
/// name, a two-class (normal/abnormal) model as N against every other class.
public enum AAMILabels {
    /// What `classify` says when it scored five-class labels with a two-class model.
    static let binaryMappingNote = "true labels in the AAMI classes scored as normal (N) vs abnormal (SVEB, VEB, F, Q)"

    /// The index in `classes` that beats of `aami` count as: the class of that name; for a
    /// two-class model without it, 0 (normal) for N and 1 (abnormal) for the other classes;
    /// nil when the model has no such class.
    public static func modelClass(of aami: AAMIClass, classes: [String]) -> Int? {
        if let index = classes.firstIndex(of: aami.rawValue) { return index }
        guard classes.count == 2 else { return nil }
        return aami == .N ? 0 : 1
    }

    /// The AAMI class of a caller's label: a class name (N, SVEB, VEB, F, Q) or the integer
    /// code of the Kachuee MIT-BIH CSVs (0 N, 1 SVEB, 2 VEB, 3 F, 4 Q).
    static func aamiClass(label: String) -> AAMIClass? {
        if let named = AAMIClass(rawValue: label) { return named }
        guard let code = Int(label), AAMIClass.allCases.indices.contains(code) else { return nil }
        return AAMIClass.allCases[code]
    }
}
