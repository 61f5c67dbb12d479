import Foundation

/// A multi-lead ECG recording in physical units (millivolts unless `units` says otherwise).
public struct Recording: Sendable, Equatable {
    /// Sampling frequency in hertz.
    public var fs: Double
    /// One array of samples per lead, all of the same length.
    public var leads: [[Double]]
    /// Lead names, one per lead (for example `MLII`, `V1`).
    public var leadNames: [String]
    /// Physical units, one per lead (for example `mV`).
    public var units: [String]
    /// Record name, when read from a file (for example `208`).
    public var name: String?
    /// Free-text comments carried by the file (WFDB `#` lines, EDF patient and recording fields).
    public var comments: [String]
    /// What the reader had to work around, for the user to know (for example a signal file
    /// shorter than its header says, read as far as it goes).
    public var warnings: [String]

    /// A recording of `leads` sampled at `fs`; names, units and the rest default to none.
    public init(
        fs: Double, leads: [[Double]], leadNames: [String]? = nil, units: [String]? = nil,
        name: String? = nil, comments: [String] = [], warnings: [String] = []
    ) {
        self.fs = fs
        self.leads = leads
        self.leadNames = leadNames ?? leads.indices.map { "lead\($0)" }
        self.units = units ?? Array(repeating: "mV", count: leads.count)
        self.name = name
        self.comments = comments
        self.warnings = warnings
    }

    /// Number of samples per lead.
    public var sampleCount: Int { leads.first?.count ?? 0 }

    /// The lead analysed when none is named, everywhere (methods, one-shot tools, scoring): the
    /// lead named `MLII` (case-insensitive; the MIT-BIH convention) when there is one, else lead 0.
    public static func defaultLead(among names: [String]) -> Int {
        names.firstIndex { $0.caseInsensitiveCompare("MLII") == .orderedSame } ?? 0
    }

    /// Index of the first lead whose name matches `name` (case-insensitive), if any.
    public func leadIndex(named name: String) -> Int? {
        leadNames.firstIndex { $0.caseInsensitiveCompare(name) == .orderedSame }
    }
}
