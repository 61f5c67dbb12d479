import Foundation

/// One fuzz target: a name for `ECGD_FUZZ_TARGET`, what it covers, and the function that runs
/// one input through the code under test, trapping when a property fails.
struct FuzzTarget: Sendable {
    let name: String
    let summary: String
    let run: @Sendable (Data) -> Void

    /// Every target, in the order `make fuzz` runs them.
    static let all: [FuzzTarget] = [
        RPCTarget.target,
        JSONRoundTrip.target,
        WFDBTargets.header,
        WFDBTargets.signal,
        WFDBTargets.annotations,
        TextAndEDFTargets.edf,
        TextAndEDFTargets.csv,
        ModelTargets.onnx,
        ModelTargets.keras,
        ModelTargets.hdf5,
    ]
}

/// Stops the process with `message` so that libFuzzer keeps the input as a crash.
func propertyFailed(_ message: String) -> Never {
    FileHandle.standardError.write(Data("property failed: \(message)\n".utf8))
    abort()
}
