"""The ``signal`` parameter: numpy arrays as compact binary payloads, or a file named on the server.

Binary payloads are little-endian samples with the leads interleaved, base64 of the raw bytes or
of their gzip (protocol/README.md, section *Signals*).
"""
import gzip
import os

import numpy as np
import pybase64

from .framing import Base64Text

# Sample types ecgd reads, and what other numpy dtypes travel as (losslessly).
_WIRE_DTYPES = {
    "int8": "int16", "uint8": "int16", "int16": "int16",
    "uint16": "int32", "int32": "int32",
    "float16": "float32", "float32": "float32",
    "float64": "float64", "int64": "float64", "uint32": "float64", "uint64": "float64",
}


def as_leads(samples):
    """A 2-D float or integer array of shape (leads, samples) from one lead (1-D) or several.

    A 2-D array may be (leads, samples) or (samples, leads): the shorter axis is taken as the
    leads, since a recording has more samples than leads. A pandas DataFrame has one lead per column.
    """
    if hasattr(samples, "columns") and hasattr(samples, "to_numpy"):  # pandas DataFrame
        array = samples.to_numpy().T
    else:
        array = np.asarray(samples)
    if array.dtype == bool or array.dtype.kind not in "iuf":
        raise TypeError(f"signal samples must be numbers, not {array.dtype}")
    if array.ndim == 1:
        array = array[np.newaxis, :]
    elif array.ndim == 2:
        if array.shape[0] > array.shape[1]:
            array = array.T
    else:
        raise ValueError(f"a signal is one lead (1-D) or several (2-D), not a {array.ndim}-D array")
    if array.size == 0:
        raise ValueError("the signal is empty")
    return array


def encode_signal(samples, fs, compress=True, dtype=None, level=1, gain=None, baseline=None, lead_names=None):
    """Builds a ``signal`` parameter from one lead or several (see ``as_leads``).

    ``dtype`` is what travels: by default float32 for floating-point samples (microvolt
    precision at half the size of float64), and the array's own integer type for integer
    samples (raw ADC counts; give ``gain`` and ``baseline`` to turn them into millivolts as
    ``(raw - baseline) / gain``). ``compress`` gzips the bytes, which usually halves them and
    pays over a network; over a pipe to a spawned ecgd it costs more time than it saves.
    ``level`` is the gzip level: 1 (the default) is about five times faster than 6.
    """
    leads = as_leads(samples)
    if dtype is None:
        dtype = "float32" if leads.dtype.kind == "f" else _WIRE_DTYPES[leads.dtype.name]
    if dtype not in ("int16", "int32", "float32", "float64"):
        raise ValueError(f"dtype must be int16, int32, float32 or float64, not {dtype!r}")
    if dtype.startswith("int"):
        info = np.iinfo(dtype)
        if leads.dtype.kind == "f" or leads.min() < info.min or leads.max() > info.max:
            raise ValueError(f"samples do not fit {dtype}: send them as float32 or float64")
    # The interleaved samples' own bytes go to gzip or base64: no copy of them first.
    raw = memoryview(np.ascontiguousarray(leads.T).astype("<" + np.dtype(dtype).str[1:], copy=False)).cast("B")
    data = gzip.compress(raw, compresslevel=level) if compress else raw
    signal = {
        "fs": float(fs),
        "dtype": dtype,
        "encoding": "gzip+base64" if compress else "base64",
        "leads": int(leads.shape[0]),
        "data": Base64Text(pybase64.b64encode(data)),
    }
    if gain is not None:
        signal["gain"] = float(gain)
    if baseline is not None:
        signal["baseline"] = float(baseline)
    if lead_names is not None:
        signal["leadNames"] = [str(name) for name in lead_names]
    return signal


class ServerFile:
    """A recording read by the server from its data root, instead of sent by the client:
    ``ServerFile("mitdb/208")``, ``ServerFile("uploads/ecg.csv", fs=360, column="ECG")``."""

    def __init__(self, path, fs=None, column=None, format=None):
        self.path = os.fspath(path)
        self.fs = fs
        self.column = column
        self.format = format

    def to_param(self):
        param = {"path": self.path}
        for key in ("fs", "column", "format"):
            if getattr(self, key) is not None:
                param[key] = getattr(self, key)
        return param

    def __repr__(self):
        return f"ServerFile({self.path!r})"


def signal_param(signal, fs=None, gzip_over=None, lead_names=None):
    """The ``signal`` parameter for any way a caller may give a recording.

    - a numpy array, a list or a DataFrame of samples in millivolts (``fs`` required);
    - a ``Record`` (``ecgd.read_record``) or a path (``str`` or ``pathlib.Path``) of a WFDB record,
      an EDF file or a CSV on the client's disk, read and sent by the client (CSV needs ``fs``);
    - a ``ServerFile``, read by the server;
    - a dict, sent as it is (the protocol's own form).

    Binary payloads of at least ``gzip_over`` bytes are gzip-compressed (None: never).
    """
    if isinstance(signal, dict):
        if fs is not None:
            raise ValueError("give fs inside the signal dict, not as an argument")
        return signal
    if isinstance(signal, ServerFile):
        return signal.to_param()
    if isinstance(signal, (str, os.PathLike)):
        from .records import read_record
        try:
            signal = read_record(signal, fs=fs)
        except FileNotFoundError as error:
            raise FileNotFoundError(f"{error}; a path is read on this machine: name a file on the server's "
                                    f"data root with ecgd.ServerFile({os.fspath(signal)!r})") from None
        fs = None
    if hasattr(signal, "signal") and hasattr(signal, "fs"):  # a Record
        if fs is not None and fs != signal.fs:
            raise ValueError(f"the record is sampled at {signal.fs} Hz, not {fs}")
        fs, lead_names, signal = signal.fs, lead_names or signal.lead_names, signal.signal
    if fs is None:
        raise ValueError("fs (the sampling rate in Hz) is required with an array of samples")
    leads = as_leads(signal)
    compress = gzip_over is not None and leads.size * 4 >= gzip_over
    return encode_signal(leads, fs, compress=compress, lead_names=lead_names)
