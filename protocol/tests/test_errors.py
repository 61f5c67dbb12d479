"""Documented error codes are the ones the server answers."""
import base64
import struct

import pytest

from ecgd import EcgdError


@pytest.mark.parametrize("params,code,fragment", [
    ({"signal": {"fs": 360, "data": []}}, -32602, "empty"),
    ({"signal": {"fs": "360", "data": [1.0]}}, -32602, "params.signal.fs: expected number, found string"),
    ({"signal": {"fs": 20, "data": [1.0, 2.0]}}, -32012, "outside the supported"),
    ({"signal": {"fs": 360, "dtype": "float32",
                 "data": base64.b64encode(struct.pack("<3f", 0.1, float("nan"), 0.2)).decode()}},
     -32602, "non-finite value (nan) at sample 1"),
    ({"signal": {"fs": 360, "dtype": "int16", "leads": 2,
                 "data": base64.b64encode(struct.pack("<3h", 1, 2, 3)).decode()}}, -32602, "do not divide into 2 leads"),
    ({"signal": {"fs": 360, "dtype": "int16", "encoding": "gzip+base64", "data": base64.b64encode(b"nope").decode()}},
     -32602, "not valid gzip"),
    ({"signal": {"path": "../../etc/passwd"}}, -32020, "resolves outside the data root"),
    ({"signal": {"path": "/etc/passwd"}}, -32020, "must be relative"),
    ({"signal": {"path": "mitdb/999"}}, -32021, "does not exist"),
    ({"signal": {"path": "mitdb/208", "data": [1]}}, -32602, "not both"),
    ({"signal": {"fs": 360, "data": [1.0], "colour": "red"}}, -32602, "params.signal.colour: unknown member"),
    ({"signal": {"path": "mitdb/208"}, "lead": 7}, -32602, "lead 7 does not exist"),
])
def test_bad_signals_get_documented_errors(ecgd, params, code, fragment):
    with pytest.raises(EcgdError) as raised:
        ecgd.request("detectPeaks", params, timeout=60)
    assert raised.value.code == code
    assert fragment in raised.value.message
    # ...and the session keeps working.
    assert ecgd.request("ping")["pong"] is True


def test_unknown_method(ecgd):
    with pytest.raises(EcgdError) as raised:
        ecgd.request("detectPeeks", {})
    assert raised.value.code == -32601
    assert "detectPeeks" in raised.value.message
