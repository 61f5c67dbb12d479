extension Duration {
    /// The duration in seconds, as logs and benchmark reports give it.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
