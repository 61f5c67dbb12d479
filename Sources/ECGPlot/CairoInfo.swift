import CCairo

/// The version string of the Cairo library ECG plots are drawn with.
public var cairoVersion: String { String(cString: cairo_version_string()) }
