"""Typed helpers for every ecgd method, shared by ``Client`` and ``AsyncClient``.

Each helper builds the params, then hands them to ``self._call(method, params, parse, ...)``:
the synchronous client returns the parsed result, the asyncio client a coroutine of it.
"""
import os

import numpy as np
import pybase64

from .framing import Base64Text
from .results import Classification, ExtractedBeats, ModelInfo, Peaks, Plot
from .signals import ServerFile, signal_param


def _peaks(peaks):
    return None if peaks is None else [int(p) for p in np.asarray(peaks).ravel()]


def _beats(beats):
    """``params.beats`` of ``classify``: an array of beats as a base64 float32 matrix, a beats
    CSV (a path to one, or its text) as ``{"csv": ...}``, or a dict sent as it is."""
    if isinstance(beats, dict):
        return beats
    if isinstance(beats, (str, os.PathLike)):
        text = os.fspath(beats)
        if "\n" not in text:  # a path, not CSV text
            with open(text, encoding="utf-8") as f:
                text = f.read()
        return {"csv": text}
    matrix = np.asarray(beats.to_numpy() if hasattr(beats, "to_numpy") else beats, dtype="<f4")
    if matrix.ndim == 1:
        matrix = matrix[np.newaxis, :]
    if matrix.ndim != 2:
        raise ValueError(f"beats must be a 2-D array (beats, samples), not {matrix.ndim}-D")
    return {"dtype": "float32", "encoding": "base64", "shape": list(matrix.shape),
            "data": Base64Text(pybase64.b64encode(np.ascontiguousarray(matrix).tobytes()))}


def _drop_none(params):
    return {key: value for key, value in params.items() if value is not None}


class Methods:
    """The ecgd methods as Python calls. ``signal`` may be a numpy array (with ``fs``), a path to a
    local WFDB/EDF/CSV file, a ``Record``, a ``ServerFile`` or a protocol dict (see ``signal_param``).
    Every helper takes ``progress`` (None: the client's default, False: off, or a callable given each
    ``$/progress`` value) and ``timeout`` in seconds."""

    def _signal(self, signal, fs):
        return signal_param(signal, fs, gzip_over=self.gzip_signals_over)

    def detect_peaks(self, signal, fs=None, *, lead=None, progress=None, timeout=None):
        """R-peaks of one lead (default 0; an index or a name): a ``Peaks``."""
        params = _drop_none({"signal": self._signal(signal, fs), "lead": lead})
        params["arrays"] = "base64"  # typed arrays: decoded in one step, not parsed number by number
        return self._call("detectPeaks", params, Peaks.from_result, progress, timeout)

    def classify(self, signal=None, fs=None, *, model, lead=None, peaks=None, beats=None, labels=None,
                 features=None, progress=None, timeout=None):
        """Classes of every beat, as a ``Classification``: of a recording (``signal``; R-peaks
        detected unless ``peaks`` are given), or of beats cut beforehand (``beats``: an (n, length)
        array, a beats CSV path or text; optional true ``labels`` and per-beat ``features``)."""
        if (signal is None) == (beats is None):
            raise ValueError("give either signal or beats")
        if beats is not None:
            params = {"model": model, "beats": _beats(beats),
                      "labels": None if labels is None else [
                          label if isinstance(label, str) else int(label) for label in labels],
                      "features": None if features is None else np.asarray(features, dtype=float).tolist()}
        else:
            params = {"model": model, "signal": self._signal(signal, fs), "lead": lead, "peaks": _peaks(peaks)}
        params["beatsLayout"] = "columns"  # one array per member: smaller and faster to read
        params["arrays"] = "base64"  # and the numeric ones as typed arrays
        return self._call("classify", _drop_none(params), Classification.from_result, progress, timeout)

    def extract_beats(self, signal, fs=None, *, model=None, input_spec=None, peaks=None, lead=None,
                      progress=None, timeout=None):
        """The windows and features ``classify`` would feed ``model`` (or a model with
        ``input_spec``), cut at ``peaks`` or at detected R-peaks: an ``ExtractedBeats``."""
        if (model is None) == (input_spec is None):
            raise ValueError("give either model or input_spec")
        params = _drop_none({"signal": self._signal(signal, fs), "model": model, "inputSpec": input_spec,
                             "peaks": _peaks(peaks), "lead": lead})
        return self._call("extractBeats", params, ExtractedBeats.from_result, progress, timeout)

    def plot_segment(self, signal, fs=None, *, start=None, end=None, model=None, format=None, progress=None,
                     timeout=None, **options):
        """A picture of ``signal`` on ECG paper (``plotSegment``): a ``Plot`` that shows itself in
        Jupyter and saves with ``.save(path)``. ``start`` and ``end`` are seconds; with a ``model``
        the beats are classified and labelled; ``format`` is png (default), svg or pdf; other
        ``options`` are the method's params by their protocol names (``leads``, ``layout``, ``size``, ...)."""
        params = {"signal": self._signal(signal, fs), "model": model, "format": format, **options}
        if start is not None or end is not None:
            params["window"] = _drop_none({"start": start, "end": end})
        return self._call("plotSegment", _drop_none(params), Plot.from_result, progress, timeout)

    def load_model(self, name, path=None, *, input_spec=None, classes=None, output=None, timeout=None):
        """Loads a shipped model by name, or a model file under the server's data root as ``name``."""
        if isinstance(path, ServerFile):
            path = path.path
        params = _drop_none({"name": name, "path": None if path is None else os.fspath(path),
                             "inputSpec": input_spec, "classes": classes, "output": output})
        return self._call("loadModel", params, ModelInfo.from_result, False, timeout)

    def unload_model(self, name, *, timeout=None):
        """Unloads a model; True if it was loaded."""
        return self._call("unloadModel", {"name": name}, lambda r: r["unloaded"], False, timeout)

    def list_models(self, *, timeout=None):
        """Every shipped and path-loaded model, as ``ModelInfo``."""
        return self._call("listModels", {}, lambda r: [ModelInfo.from_result(m) for m in r["models"]], False, timeout)

    def ping(self, *, timeout=None):
        """The server's ``{"pong": true, "uptimeSeconds": ...}``."""
        return self._call("ping", None, lambda r: r, False, timeout)
