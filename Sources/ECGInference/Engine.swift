import SwiftProtobuf
/// Placeholder namespace, replaced by the inference engine.
public enum ECGInferenceModule {}
