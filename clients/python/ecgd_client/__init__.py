"""Python client for ecgd: spawn it (``Client.spawn``) or connect over TCP (``Client.connect``).

>>> with Client.spawn(data_root="Tests/Data") as ecgd:
...     result = ecgd.request("detectPeaks", {"signal": {"path": "mitdb/208"}})
"""
from .client import Client, EcgdError
from .locate import find_ecgd
from .signals import encode_signal

__all__ = ["Client", "EcgdError", "encode_signal", "find_ecgd"]
