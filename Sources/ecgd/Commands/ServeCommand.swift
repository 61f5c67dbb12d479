import ArgumentParser
import ECGService
import Foundation
import JSONRPC
import Logging

/// `ecgd serve`: the daemon itself (also what plain `ecgd --stdio` / `ecgd --tcp ...` run).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve JSON-RPC over stdio, TCP or a Unix domain socket (the default command).")

    @Flag(name: .long, help: "Serve one client on standard input and output. Logs go to standard error.")
    var stdio = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Serve many clients over TCP at HOST:PORT (port 0 picks a free port).", valueName: "host:port"))
    var tcp: TCPEndpoint?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Serve many clients on a Unix domain socket at PATH, created with mode 0600 (only this user may connect); a stale socket file is replaced, a live one refused.",
            valueName: "path"))
    var socket: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "File (mode 0600) holding the token every connection must present in initialize (initializationOptions.token); required to bind TCP to a non-loopback address.",
            valueName: "path"))
    var tokenFile: String?

    @OptionGroup(title: "Service") var service: ServiceOptions
    @OptionGroup(title: "Limits") var limits: LimitOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "On SIGTERM or SIGINT, how long requests in flight may take to be answered and written before they are cancelled, their responses dropped and the server exits 0. A second signal exits at once.",
            valueName: "seconds"))
    var shutdownTimeout: Double = 5

    @Option(
        name: .long,
        help: "Least severe log level written to standard error (trace, debug, info, notice, warning, error, critical)."
    )
    var logLevel: Logger.Level = .info

    func validate() throws {
        if [stdio, tcp != nil, socket != nil].filter({ $0 }).count != 1 {
            throw ValidationError("choose exactly one transport: --stdio, --tcp HOST:PORT or --socket PATH")
        }
        if let tcp, tokenFile == nil, !TokenFile.isLoopback(tcp.host) {
            throw ValidationError(
                "--tcp \(tcp.host): binding to an address other than loopback requires --token-file PATH (a file of mode 0600 holding the token clients must present)"
            )
        }
        if !(shutdownTimeout >= 0 && shutdownTimeout.isFinite) {
            throw ValidationError("--shutdown-timeout must be a number of seconds, at least 0")
        }
    }

    func run() async throws {
        bootstrapLogging(level: logLevel)
        MemoryReuse.configure()
        let logger = Logger(label: "ecgd")
        let transportLimits = limits.transportLimits
        let token = try tokenFile.map(TokenFile.read)
        let configuration = service.configuration()
        if let warning = configuration.modelsDirectoryWarning { logger.warning("\(warning)") }
        let server = Server(
            registry: try ECGService.makeRegistry(
                configuration: configuration, limits: transportLimits, logger: logger),
            description: ECGService.serverDescription(configuration: configuration),
            limits: transportLimits,
            shutdownTimeout: .seconds(shutdownTimeout),
            token: token,
            logger: logger)

        // Installed before serving starts, so that a signal is never fatal. A client that closes its
        // end of standard output (or of a socket) makes writes fail with EPIPE, which ends that
        // connection, instead of killing the server with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let signals = StopSignals()
        defer { signals.cancel() }
        if let socket {
            let task = Task {
                try await server.serveUnixSocket(path: socket) {
                    FileHandle.standardError.write(Data("ecgd: listening on unix:\(socket)\n".utf8))
                }
            }
            signals.onStop { task.cancel() }
            try await task.value
            logger.info("stopped")
        } else if let tcp {
            let task = Task {
                try await server.serveTCP(host: tcp.host, port: tcp.port) { address in
                    // A fixed line that scripts and tests wait for.
                    FileHandle.standardError.write(
                        Data("ecgd: listening on \(address.ipAddress ?? tcp.host):\(address.port ?? tcp.port)\n".utf8))
                }
            }
            signals.onStop { task.cancel() }
            try await task.value
            logger.info("stopped")
        } else {
            let task = Task { await server.serveStdio() }
            signals.onStop { task.cancel() }
            switch await task.value {
            case .exit(afterShutdown: false), .protocolError, .clientNotReading, .unauthorized: throw ExitCode(1)
            case .exit(afterShutdown: true), .endOfInput, .serverStopping, .outputClosed: return
            }
        }
    }
}

/// A `HOST:PORT` pair given on the command line.
struct TCPEndpoint: ExpressibleByArgument {
    var host: String
    var port: Int

    init?(argument: String) {
        guard let colon = argument.lastIndex(of: ":"),
            let port = Int(argument[argument.index(after: colon)...]), (0...65535).contains(port)
        else { return nil }
        var host = String(argument[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "127.0.0.1" : host
        self.port = port
    }
}

// swift-format-ignore: AvoidRetroactiveConformances
// `--log-level` parses swift-log's own levels; neither package can declare this conformance.
extension Logger.Level: @retroactive ExpressibleByArgument {}
