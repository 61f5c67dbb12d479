import ArgumentParser
import ECGService

/// The `ecgd` command: the daemon (`ecgd --stdio`, `ecgd --tcp HOST:PORT`) and one-shot tools.
@main
struct Ecgd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ecgd",
        abstract: "An ECG analysis daemon speaking JSON-RPC 2.0 (LSP framing) over stdio, TCP or a Unix socket.",
        discussion: """
            Run `ecgd --stdio` to serve one client on standard input/output (how notebooks and \
            editors spawn it), `ecgd --tcp 127.0.0.1:7777` to serve many clients over TCP, or \
            `ecgd --socket PATH` on a Unix domain socket. \
            The wire protocol is described in protocol/README.md.
            """,
        version: ECGService.version,
        subcommands: [
            ServeCommand.self, DetectCommand.self, ClassifyCommand.self, PlotCommand.self, ScoreCommand.self,
            EvaluateDetectorCommand.self,
            EvaluateClassifierCommand.self, BenchmarkDetectCommand.self, BenchmarkInferenceCommand.self,
        ],
        defaultSubcommand: ServeCommand.self)
}
