/// A multi-lead ECG recording in physical units (millivolts unless `units` says otherwise).
public struct Recording: Sendable, Equatable {
    /// Sampling frequency in hertz.
    public var fs: Double
    /// One array of samples per lead, all of the same length.
    public var leads: [[Double]]
    /// Lead names, one per lead (for example `MLII`, `V1`).
    public var leadNames: [String]

    public init(fs: Double, leads: [[Double]], leadNames: [String]? = nil) {
        self.fs = fs
        self.leads = leads
        self.leadNames = leadNames ?? leads.indices.map { "lead\($0)" }
    }

    /// Number of samples per lead.
    public var sampleCount: Int { leads.first?.count ?? 0 }
}
