import JSONRPC
import Synchronization

/// The documents one editor connection has open, each with the analysis of its latest version.
///
/// Every version is analysed once, in the background: a new version cancels the analysis of the
/// one it replaces, hovers wait for the current one, and only the analysis of the version still
/// open is published.
final class OpenDocuments: SessionAttachment {
    private struct Document {
        var version: Int
        var analysis: Task<DocumentAnalysis?, Never>
    }

    private let documents = Mutex<[String: Document]>([:])

    /// Starts analysing `version` of the document at `uri` with `analyse`, cancelling the analysis
    /// of the version it replaces; `publish` gets the result if `version` is still the one open.
    func update(
        uri: String, version: Int, analyse: @escaping @Sendable () async -> DocumentAnalysis?,
        publish: @escaping @Sendable (DocumentAnalysis) -> Void
    ) {
        let replaced = documents.withLock { documents -> Task<DocumentAnalysis?, Never>? in
            let previous = documents[uri]?.analysis
            let task = Task { [weak self] () -> DocumentAnalysis? in
                guard let analysis = await analyse(), !Task.isCancelled else { return nil }
                self?.documents.withLock { documents in
                    if documents[uri]?.version == version { publish(analysis) }
                }
                return analysis
            }
            documents[uri] = Document(version: version, analysis: task)
            return previous
        }
        replaced?.cancel()
    }

    /// Forgets the document and stops its analysis; true if it was open.
    @discardableResult
    func close(uri: String) -> Bool {
        let closed = documents.withLock { $0.removeValue(forKey: uri) }
        closed?.analysis.cancel()
        return closed != nil
    }

    /// The analysis of the document's current version, once done; nil when it is not open.
    func analysis(of uri: String) async -> DocumentAnalysis? {
        while let task = documents.withLock({ $0[uri]?.analysis }) {
            if let analysis = await task.value { return analysis }
            // No result: a newer version replaced this one (wait for that), or the document was
            // closed, or its analysis failed.
            if Task.isCancelled || documents.withLock({ $0[uri]?.analysis }) == task { return nil }
        }
        return nil
    }

    /// The version of the open document at `uri`.
    func version(of uri: String) -> Int? {
        documents.withLock { $0[uri]?.version }
    }

    func sessionEnded() async {
        let tasks = documents.withLock { documents in
            defer { documents.removeAll() }
            return documents.values.map(\.analysis)
        }
        for task in tasks { task.cancel() }
        for task in tasks { _ = await task.value }
    }
}
