/// A signal handed to the one closure that takes it on another thread, so that the closure's
/// context does not keep it alive after its new owner is done with it.
final class SignalHandOff: @unchecked Sendable {
    private var signal: [Double]?

    init(_ signal: consuming [Double]) { self.signal = signal }

    /// The signal, once: the hand-off holds it no more.
    func take() -> [Double] {
        guard let taken = signal else { preconditionFailure("a signal hand-off is taken once") }
        signal = nil
        return taken
    }
}
