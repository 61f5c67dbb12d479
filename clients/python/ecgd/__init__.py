"""ecgd for Python: notebooks and services talk to the ECG analysis daemon with numpy arrays.

>>> import ecgd
>>> with ecgd.Client.spawn() as daemon:
...     peaks = daemon.detect_peaks(samples, fs=360).peaks
...     beats = daemon.classify(samples, fs=360, model="mitbih-aami5")

``Client.spawn()`` starts ``ecgd --stdio``; ``Client.connect(host, port)`` talks to ``ecgd --tcp``
(``token=`` for a server with ``--token-file``), ``Client.connect_unix(path)`` to ``ecgd --socket``;
``AsyncClient`` has the same methods for asyncio. numpy is the only requirement; pandas
(``to_frame()``), tqdm (progress bars) and IPython (inline plots) are used when installed.
"""
from .aio import AsyncClient
from .client import Client
from .errors import (DaemonDied, EcgdError, FileAccessError, InternalError, InvalidParams, LimitExceeded,
                     ModelError, ProtocolError, RequestCancelled, Unauthorized, UnsupportedSignal)
from .locate import find_ecgd
from .records import Annotations, Record, aami_class, read_annotations, read_record
from .results import Classification, ExtractedBeats, ModelInfo, Peaks, Plot
from .signals import ServerFile, encode_signal

__version__ = "0.1.0"

__all__ = [
    "AsyncClient", "Client", "find_ecgd", "encode_signal", "ServerFile",
    "Record", "Annotations", "read_record", "read_annotations", "aami_class",
    "Peaks", "Classification", "ExtractedBeats", "ModelInfo", "Plot",
    "EcgdError", "ProtocolError", "InvalidParams", "InternalError", "LimitExceeded", "ModelError",
    "UnsupportedSignal", "FileAccessError", "RequestCancelled", "Unauthorized", "DaemonDied",
]
