"""Python client for ecgd: spawn it (``Client.spawn``) or connect over TCP (``Client.connect``).

>>> with Client.spawn("ecgd", data_root="Tests/Data") as ecgd:
...     result = ecgd.request("detectPeaks", {"signal": {"path": "mitdb/208"}})
"""
from .client import Client, EcgdError
from .signals import encode_signal

__all__ = ["Client", "EcgdError", "encode_signal"]
