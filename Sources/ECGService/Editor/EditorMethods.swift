import JSONRPC
import Logging

/// The LSP document features: editors open a beats CSV or a raw ECG CSV and get a diagnostic
/// per abnormal beat and a hover per line, through their own LSP clients.
///
/// `textDocument/didOpen`, `didChange` (full text) and `didClose` keep the connection's open
/// documents (`OpenDocuments`); each version is classified in the background with `classify`'s
/// code and published with `textDocument/publishDiagnostics`; `textDocument/hover` answers from it.
struct EditorMethods: Sendable {
    /// What `initialize` advertises: full-text sync of opened documents, and hovers. Diagnostics
    /// are pushed, which needs no capability.
    static let capabilities: [String: JSONValue] = [
        "textDocumentSync": ["openClose": true, "change": 1],
        "hoverProvider": true,
    ]

    /// Analyses one version of a document (the real analyzer, or a stand-in in tests).
    typealias Analyse = @Sendable (_ text: String, _ settings: DocumentSettings) async throws -> DocumentAnalysis

    let analyse: Analyse
    /// The server's settings, before each connection's `initializationOptions`.
    let defaults: DocumentSettings

    init(analyzer: DocumentAnalyzer, defaults: DocumentSettings) {
        self.init(analyse: analyzer.analyse, defaults: defaults)
    }

    init(analyse: @escaping Analyse, defaults: DocumentSettings) {
        self.analyse = analyse
        self.defaults = defaults
    }

    /// Registers the LSP methods. Unlike the ecgd methods (`ServiceMethod`), their params are the
    /// LSP specification's, which editors fill with members ecgd does not read (`languageId`,
    /// `workDoneToken`, client extensions): the members used are read, the others ignored, as an
    /// LSP server must.
    func register(in methods: inout MethodRegistry) {
        methods.onNotification("textDocument/didOpen") { params, context in
            guard let document = params?["textDocument"], let uri = document["uri"]?.stringValue,
                let text = document["text"]?.stringValue
            else { return context.logger.warning("textDocument/didOpen without textDocument.uri and .text") }
            open(uri: uri, version: document["version"]?.intValue ?? 0, text: text, context)
        }
        methods.onNotification("textDocument/didChange") { params, context in
            // Full sync (textDocumentSync.change = 1): the last change holds the whole text.
            guard let uri = params?["textDocument"]?["uri"]?.stringValue,
                let text = params?["contentChanges"]?.arrayValue?.last?["text"]?.stringValue
            else { return context.logger.warning("textDocument/didChange without textDocument.uri and a full text") }
            let version =
                params?["textDocument"]?["version"]?.intValue ?? (documents(context).version(of: uri) ?? 0) + 1
            open(uri: uri, version: version, text: text, context)
        }
        methods.onNotification("textDocument/didClose") { params, context in
            guard let uri = params?["textDocument"]?["uri"]?.stringValue else {
                return context.logger.warning("textDocument/didClose without textDocument.uri")
            }
            if documents(context).close(uri: uri) { publish(uri: uri, version: nil, diagnostics: [], context) }
        }
        methods.register("textDocument/hover") { params, context in
            guard let uri = params?["textDocument"]?["uri"]?.stringValue else {
                throw ServiceError.invalidParams("params.textDocument.uri: missing required member")
            }
            guard let line = params?["position"]?["line"]?.intValue, line >= 0 else {
                throw ServiceError.invalidParams("params.position.line: expected a line number from 0")
            }
            return await documents(context).analysis(of: uri)?.hover(line: line) ?? .null
        }
    }

    private func documents(_ context: RequestContext) -> OpenDocuments {
        context.session.attachment { OpenDocuments() }
    }

    private func open(uri: String, version: Int, text: String, _ context: RequestContext) {
        let settings = defaults.overridden(by: context.session.initializeParams?["initializationOptions"])
        let (analyse, logger) = (self.analyse, context.logger)
        documents(context).update(
            uri: uri, version: version,
            analyse: {
                do {
                    return try await analyse(text, settings)
                } catch is CancellationError {
                    return nil
                } catch {
                    logger.error("analysing \(uri) failed: \(error)")
                    var failed = DocumentAnalysis()
                    failed.note = "analysis failed: \(error)"
                    return failed
                }
            },
            publish: { analysis in publish(uri: uri, version: version, diagnostics: analysis.diagnostics, context) })
    }

    private func publish(uri: String, version: Int?, diagnostics: [JSONValue], _ context: RequestContext) {
        var params: [String: JSONValue] = ["uri": .string(uri), "diagnostics": .array(diagnostics)]
        if let version { params["version"] = .number(Double(version)) }
        context.notify(Notification(method: "textDocument/publishDiagnostics", params: .object(params)))
    }
}
