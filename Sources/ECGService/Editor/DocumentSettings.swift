import JSONRPC

/// How an editor's documents are analysed: the server's flags, overridden per connection by the
/// client's `initializationOptions` (`{"model": NAME, "fs": HZ, "column": NAME}`).
public struct DocumentSettings: Sendable, Equatable {
    /// The model for every document; nil picks one that fits each document (`ModelChoice`).
    public var model: String?
    /// The sampling rate of raw ECG CSVs; nil reads it from a time column, else 360 Hz.
    public var fs: Double?
    /// The ECG column of raw ECG CSVs; nil picks one named ECG or MLII, else the first signal column.
    public var column: String?

    /// The rate of a raw ECG CSV with neither a setting nor a time column (the MIT-BIH rate).
    public static let defaultFS = 360.0

    /// Settings; nil leaves each to the document (model chosen by its shape, rate from its time
    /// column or `defaultFS`, every signal column).
    public init(model: String? = nil, fs: Double? = nil, column: String? = nil) {
        self.model = model
        self.fs = fs
        self.column = column
    }

    /// These settings with the members of `initializationOptions` that are set; members of the
    /// wrong type are ignored (an editor's configuration cannot be answered with an error).
    func overridden(by options: JSONValue?) -> DocumentSettings {
        var settings = self
        if let model = options?["model"]?.stringValue { settings.model = model }
        if case .number(let fs)? = options?["fs"] { settings.fs = fs }
        if let column = options?["column"]?.stringValue { settings.column = column }
        return settings
    }
}
