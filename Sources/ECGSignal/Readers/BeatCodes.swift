/// The heartbeat annotation codes of MIT-BIH style annotations.
public enum BeatCodes {
    /// Every beat label counted as a reference beat (EC57): N L R B A a J S V r F e j n E / f Q ?
    public static let all: Set<String> = [
        "N", "L", "R", "B", "A", "a", "J", "S", "V", "r", "F", "e", "j", "n", "E", "/", "f", "Q", "?",
    ]
}

// swift-format-ignore: AlwaysUseLowerCamelCase
// The cases are the classes' standard names, as the protocol and the model cards spell them.
/// The AAMI EC57 heartbeat classes.
public enum AAMIClass: String, Sendable, CaseIterable {
    /// Normal and bundle-branch-block beats, escape beats: N L R e j.
    case N
    /// Supraventricular ectopic beats: A a J S.
    case SVEB
    /// Ventricular ectopic beats: V E.
    case VEB
    /// Fusion of ventricular and normal beats: F.
    case F
    /// Paced, fusion of paced and normal, and unclassifiable beats: / f Q.
    case Q

    /// The class of an MIT-BIH beat label, or nil for labels outside the mapping
    /// (non-beat annotations and the beat labels B, r, n, ? that AAMI leaves out).
    public init?(beatCode: String) {
        switch beatCode {
        case "N", "L", "R", "e", "j": self = .N
        case "A", "a", "J", "S": self = .SVEB
        case "V", "E": self = .VEB
        case "F": self = .F
        case "/", "f", "Q": self = .Q
        default: return nil
        }
    }
}

/// Ventricular flutter or fibrillation episodes: from each `[` annotation up to and including
/// the next `]` annotation. An episode left open runs to `recordLength` (or `Int.max` when nil).
public func flutterEpisodes(_ annotations: [Annotation], recordLength: Int? = nil) -> [Range<Int>] {
    var episodes: [Range<Int>] = []
    var onset: Int?
    for annotation in annotations.sorted(by: { $0.sample < $1.sample }) {
        if annotation.code == "[", onset == nil {
            onset = annotation.sample
        } else if annotation.code == "]", let start = onset {
            episodes.append(start..<(annotation.sample + 1))
            onset = nil
        }
    }
    if let start = onset {
        let end = recordLength ?? Int.max
        episodes.append(start..<max(start, end))
    }
    return episodes
}
