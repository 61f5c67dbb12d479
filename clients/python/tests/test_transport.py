"""The wire, through the package: every signal encoding over stdio and TCP, gzip, concurrency."""
import base64
import gzip
import io
import json
import threading

import numpy as np
import pytest

import ecgd
from client_support import synthetic_ecg
from ecgd.framing import Base64Text, body_parts, encode_body, encode_frame, read_frame


@pytest.mark.parametrize("dtype,compress", [("float32", True), ("float64", False)])
def test_numpy_signal_round_trip_finds_the_synthetic_beats(spawned, dtype, compress):
    signal, expected = synthetic_ecg()
    result = spawned.request("detectPeaks", {"signal": ecgd.encode_signal(signal, 360.0, compress=compress, dtype=dtype)})
    peaks = np.array(result["peaks"])
    assert len(peaks) == len(expected)
    assert np.max(np.abs(peaks - expected)) <= 2  # within 2 samples of the true peak
    assert result["heartRate"]["mean"] == pytest.approx(72, abs=0.5)
    rr = np.diff(peaks) / 360.0
    assert np.allclose(result["rr"], rr)
    assert np.allclose(result["instantaneousHeartRate"], 60 / rr)


def test_binary_and_inline_payloads_agree(spawned):
    signal, _ = synthetic_ecg(fs=250.0)
    binary = spawned.request("detectPeaks", {"signal": ecgd.encode_signal(signal, 250.0, dtype="float64")})
    inline = spawned.request("detectPeaks", {"signal": {"fs": 250.0, "data": signal.tolist()}})
    assert binary["peaks"] == inline["peaks"]


def test_concurrent_calls_from_threads(spawned):
    signal, expected = synthetic_ecg()
    results, errors = [], []

    def worker():
        try:
            results.append(len(spawned.detect_peaks(signal, fs=360, timeout=60)))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == [len(expected)] * 8


def int16_payload(signal, fs, compress):
    """The signal as raw ADC counts (gain 200/mV, baseline 1024), as a WFDB-minded client sends it."""
    counts = np.round(signal * 200 + 1024).astype("<i2").tobytes()
    data = gzip.compress(counts) if compress else counts
    return {"fs": fs, "dtype": "int16", "gain": 200, "baseline": 1024,
            "encoding": "gzip+base64" if compress else "base64", "data": base64.b64encode(data).decode()}


ENCODINGS = {
    "inline": lambda x, fs: {"fs": fs, "data": x.tolist()},
    "inline-leads": lambda x, fs: {"fs": fs, "data": [x.tolist(), (-x).tolist()]},
    "float32+gzip": lambda x, fs: ecgd.encode_signal(x, fs, compress=True, dtype="float32"),
    "float64": lambda x, fs: ecgd.encode_signal(x, fs, compress=False, dtype="float64"),
    "int16+gzip": lambda x, fs: int16_payload(x, fs, compress=True),
    "int16": lambda x, fs: int16_payload(x, fs, compress=False),
    "numpy-int16-counts": lambda x, fs: ecgd.encode_signal(
        np.round(x * 200 + 1024).astype(np.int16), fs, gain=200, baseline=1024),
    "numpy-two-leads-samples-first": lambda x, fs: ecgd.encode_signal(np.column_stack([x, -x]), fs),
}


@pytest.mark.parametrize("transport", ["stdio", "tcp"])
@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_every_signal_encoding_over_both_transports(spawned, tcp_server, transport, encoding):
    signal, expected = synthetic_ecg(fs=500.0)
    params = {"signal": ENCODINGS[encoding](signal, 500.0)}
    if transport == "stdio":
        result = spawned.request("detectPeaks", params, timeout=60)
    else:
        with ecgd.Client.connect("127.0.0.1", tcp_server) as client:
            result = client.request("detectPeaks", params, timeout=60)
    assert result["fs"] == 500.0
    assert result["sampleCount"] == len(signal)
    peaks = np.array(result["peaks"])
    assert len(peaks) == len(expected)
    assert np.max(np.abs(peaks - expected)) <= 2


@pytest.mark.parametrize("dtype,wire", [(np.int8, "int16"), (np.uint16, "int32"), (np.int32, "int32"),
                                        (np.float16, "float32"), (np.float64, "float32"), (np.int64, "float64")])
def test_any_numpy_dtype_travels_losslessly_as_a_wire_type(dtype, wire):
    samples = np.array([0, 1, 2, 100], dtype=dtype)
    payload = ecgd.encode_signal(samples, 360, compress=False)
    assert payload["dtype"] == wire
    decoded = np.frombuffer(base64.b64decode(payload["data"]), "<" + np.dtype(wire).str[1:])
    assert np.array_equal(decoded, samples.astype(np.float64))


def test_tcp_client_with_gzip_responses_and_errors(tcp_server):
    with ecgd.Client.connect("127.0.0.1", tcp_server, progress=False) as client:
        peaks = client.detect_peaks(ecgd.ServerFile("mitdb/101"), timeout=60)
        assert len(peaks) > 1800
        with pytest.raises(ecgd.FileAccessError) as raised:
            client.detect_peaks(ecgd.ServerFile("../outside"))
        assert raised.value.code == -32020
        assert client.ping()["pong"] is True


def test_tcp_signals_over_the_threshold_travel_gzip_compressed(tcp_server):
    signal, expected = synthetic_ecg(seconds=120)
    with ecgd.Client.connect("127.0.0.1", tcp_server, progress=False) as client:
        param = client._signal(signal, 360)
        assert param["encoding"] == "gzip+base64"  # 120 s of float32 is over the 64 KiB default
        assert len(client.detect_peaks(signal, fs=360)) == len(expected)


def test_frames_splice_base64_payloads_into_the_json_they_would_have_been():
    """encode_body writes large Base64Text values unscanned, as pieces of their own (not copied);
    the bytes parse to the message that json.dumps would have written, other strings keep their
    escapes, arrays are left alone, and text that only looks like a stand-in stays as it is."""
    payload = Base64Text(base64.b64encode(bytes(range(256)) * 64))
    short = Base64Text(base64.b64encode(b"abc"))
    message = {"jsonrpc": "2.0", "id": 7, "method": "detectPeaks",
               "params": {"signal": {"fs": 360.0, "data": payload, "note": 'quote " and \\ and \n'},
                          "lookalike": "ecgd-splice-" + "0" * 32,
                          "second": {"data": payload}, "short": short, "list": [payload]}}
    body = encode_body(message)
    assert json.loads(body) == json.loads(json.dumps(message))
    assert body.count(payload.ascii) == 3  # twice spliced, once (in the array) written by json
    assert body.count(b"ecgd-splice") == 1  # the look-alike alone
    assert sum(part is payload.ascii for part in body_parts(message)) == 2
    assert read_frame(io.BytesIO(encode_frame(message, compress=True))) == json.loads(json.dumps(message))
