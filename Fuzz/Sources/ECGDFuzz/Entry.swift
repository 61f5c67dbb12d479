import Foundation

/// The target `ECGD_FUZZ_TARGET` names, chosen once when libFuzzer starts.
nonisolated(unsafe) private var chosen: FuzzTarget?

/// libFuzzer's start-up hook: picks the target, or lists them and exits when the variable is
/// missing or names none.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    let name = ProcessInfo.processInfo.environment["ECGD_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget.all.first(where: { $0.name == name }) else {
        var text = "ECGD_FUZZ_TARGET=\"\(name)\" names no target; the targets are:\n"
        for target in FuzzTarget.all {
            text += "  \(target.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(target.summary)\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
        exit(2)
    }
    chosen = target
    return 0
}

/// libFuzzer's entry point: one input through the chosen target. A target traps (and libFuzzer
/// records the input) when a property fails; errors the code under test throws are expected.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    chosen!.run(Data(UnsafeBufferPointer(start: start, count: count)))
    return 0
}
