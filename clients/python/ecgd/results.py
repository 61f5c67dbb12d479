"""What the typed helpers return: numpy arrays and small dataclasses, each keeping the raw result."""
import os
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import pybase64


def _frame(columns):
    try:
        import pandas as pd
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("to_frame() needs pandas: pip install pandas") from error
    return pd.DataFrame(columns)


def _matrix(value):
    """A base64 float32 matrix of the protocol as a numpy array."""
    data = pybase64.b64decode(value["data"], validate=True)
    return np.frombuffer(data, dtype="<" + np.dtype(value.get("dtype", "float32")).str[1:]).reshape(value["shape"])


def _array(value, dtype):
    """A numeric array of an answer, sent as JSON numbers (null is NaN) or as a base64 typed
    array ``{"dtype", "encoding": "base64", "data"}`` (``params.arrays`` ``"base64"``)."""
    if isinstance(value, dict):
        data = pybase64.b64decode(value["data"], validate=True)
        raw = np.frombuffer(data, dtype="<" + np.dtype(value["dtype"]).str[1:])
        return raw.astype(dtype)
    return np.asarray(value, dtype=dtype)


@dataclass
class Peaks:
    """``detectPeaks``: R-peak sample numbers, their times, RR intervals and heart rate."""

    peaks: np.ndarray
    times: np.ndarray
    rr: np.ndarray
    instantaneous_heart_rate: np.ndarray
    heart_rate: Optional[dict]
    fs: float
    lead: int
    lead_name: str
    sample_count: int
    duration_seconds: float
    raw: dict = field(repr=False)

    @classmethod
    def from_result(cls, result):
        return cls(
            peaks=_array(result["peaks"], np.int64),
            times=_array(result["times"], np.float64),
            rr=_array(result["rr"], np.float64),
            instantaneous_heart_rate=_array(result["instantaneousHeartRate"], np.float64),
            heart_rate=result.get("heartRate"), fs=result["fs"], lead=result["lead"],
            lead_name=result["leadName"], sample_count=result["sampleCount"],
            duration_seconds=result["durationSeconds"], raw=result)

    def __len__(self):
        return len(self.peaks)

    def to_frame(self):
        """One row per R-peak: sample, time, and the RR interval (s) and heart rate (bpm) before it."""
        rr = np.concatenate([[np.nan], self.rr]) if len(self.peaks) else self.rr
        return _frame({"sample": self.peaks, "time": self.times, "rr": rr, "heart_rate": 60.0 / rr})


@dataclass
class Classification:
    """``classify``: one row per beat. ``probabilities`` is an (n, classes) array in ``classes`` order.

    Recording mode fills ``samples`` and ``times``; beats mode fills ``indices`` (and ``lines``
    for a CSV). ``true_labels``, ``accuracy`` and ``confusion_matrix`` come with true labels.
    """

    model: str
    classes: list
    labels: np.ndarray
    probabilities: np.ndarray
    samples: Optional[np.ndarray]
    times: Optional[np.ndarray]
    indices: Optional[np.ndarray]
    lines: Optional[np.ndarray]
    true_labels: Optional[np.ndarray]
    counts: dict
    heart_rate: Optional[dict]
    most_confident_abnormal: Optional[dict]
    skipped: np.ndarray
    accuracy: Optional[float]
    confusion_matrix: Optional[np.ndarray]
    fs: Optional[float]
    lead: Optional[int]
    lead_name: Optional[str]
    raw: dict = field(repr=False)

    @classmethod
    def from_result(cls, result):
        classes = result["classes"]
        if "beatColumns" in result:  # beatsLayout "columns", as Client.classify asks
            columns = result["beatColumns"]
            count = len(columns["label"])

            def column(key, dtype):
                return None if key not in columns else _array(columns[key], dtype)

            probabilities = np.array([_array(columns["probabilities"][c], np.float64) for c in classes]).T
            labels = np.asarray(columns["label"], dtype=object)
        else:
            beats = result["beats"]
            count = len(beats)

            def column(key, dtype):
                if not beats or key not in beats[0]:
                    return None
                return np.asarray([b[key] for b in beats], dtype=dtype)

            probabilities = np.array([[b["probabilities"][c] for c in classes] for b in beats], dtype=np.float64)
            labels = np.asarray([b["label"] for b in beats], dtype=object)
        confusion = result.get("confusionMatrix")
        return cls(
            model=result["model"], classes=classes,
            labels=labels, probabilities=probabilities.reshape(count, len(classes)),
            samples=column("sample", np.int64), times=column("time", np.float64),
            indices=column("index", np.int64), lines=column("line", np.int64),
            true_labels=column("trueLabel", object), counts=result["summary"]["counts"],
            heart_rate=result["summary"].get("heartRate"),
            most_confident_abnormal=result["summary"].get("mostConfidentAbnormal"),
            skipped=np.asarray(result.get("skipped", []), dtype=np.int64),
            accuracy=result.get("accuracy"),
            confusion_matrix=None if confusion is None else np.asarray(confusion["matrix"], dtype=np.int64),
            fs=result.get("fs"), lead=result.get("lead"), lead_name=result.get("leadName"), raw=result)

    def __len__(self):
        return len(self.labels)

    @property
    def probability(self):
        """The probability of each beat's label."""
        return self.probabilities.max(axis=1) if len(self.labels) else np.zeros(0)

    def to_frame(self):
        """One row per beat: where it is, its label, probability and every class's probability."""
        columns = {}
        for name, values in (("sample", self.samples), ("time", self.times), ("index", self.indices),
                             ("line", self.lines), ("true_label", self.true_labels)):
            if values is not None:
                columns[name] = values
        columns["label"] = self.labels
        columns["probability"] = self.probability
        for k, name in enumerate(self.classes):
            columns[f"p_{name}"] = self.probabilities[:, k]
        return _frame(columns)


@dataclass
class ExtractedBeats:
    """``extractBeats``: the windows (n, window length) float32 and features (n, features) exactly
    as ``classify`` feeds them to a model, with the R-peak of each window."""

    windows: np.ndarray
    features: np.ndarray
    feature_names: list
    peaks: np.ndarray
    skipped: np.ndarray
    input_spec: dict
    fs: float
    lead: int
    lead_name: str
    model: Optional[str]
    raw: dict = field(repr=False)

    @classmethod
    def from_result(cls, result):
        windows = _matrix(result["windows"])
        names = result["features"]["names"]
        values = result["features"]["values"]
        features = np.asarray(values, dtype=np.float64).reshape(len(windows), len(names)) if names \
            else np.zeros((len(windows), 0))
        return cls(windows=windows, features=features, feature_names=names,
                   peaks=np.asarray(result["peaks"], dtype=np.int64),
                   skipped=np.asarray(result["skipped"], dtype=np.int64), input_spec=result["inputSpec"],
                   fs=result["fs"], lead=result["lead"], lead_name=result["leadName"],
                   model=result.get("model"), raw=result)

    def __len__(self):
        return len(self.windows)


@dataclass
class ModelInfo:
    """A model of ``listModels`` / ``loadModel``; ``raw`` holds every member of its listing."""

    name: str
    classes: list
    input_spec: dict
    loaded: bool
    version: Optional[str] = None
    output: Optional[str] = None
    format: Optional[str] = None
    memory_bytes: Optional[int] = None
    clinically_meaningful: Optional[bool] = None
    description: Optional[str] = None
    error: Optional[str] = None
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_result(cls, result):
        return cls(name=result["name"], classes=result.get("classes", []), input_spec=result.get("inputSpec", {}),
                   loaded=result.get("loaded", False), version=result.get("version"), output=result.get("output"),
                   format=result.get("format"), memory_bytes=result.get("memoryBytes"),
                   clinically_meaningful=result.get("clinicallyMeaningful"),
                   description=result.get("description"), error=result.get("error"), raw=result)


@dataclass
class Plot:
    """``plotSegment``: a picture that shows itself inline in Jupyter and saves with ``save(path)``.

    ``data`` is the file's bytes (PNG, PDF) or text (SVG)."""

    format: str
    data: object = field(repr=False)
    width: int = None
    height: int = None
    window: dict = None
    beats: list = field(default=None, repr=False)
    raw: dict = field(default=None, repr=False)

    @classmethod
    def from_result(cls, result):
        data = result["data"]
        if result["format"] != "svg":
            data = pybase64.b64decode(data, validate=True)
        return cls(format=result["format"], data=data, width=result.get("width"), height=result.get("height"),
                   window=result.get("window", {}), beats=result.get("beats", []), raw=result)

    def _repr_png_(self):
        return self.data if self.format == "png" else None

    def _repr_svg_(self):
        return self.data if self.format == "svg" else None

    def save(self, path):
        """Writes the picture to ``path`` and returns the path."""
        mode = "w" if isinstance(self.data, str) else "wb"
        with open(os.fspath(path), mode) as f:
            f.write(self.data)
        return path


__all__ = [cls.__name__ for cls in (Peaks, Classification, ExtractedBeats, ModelInfo, Plot)]
