"""The Python client against the real server: spawn, TCP, binary signals, concurrency."""
import os
import re
import subprocess
import sys
import threading

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))

from ecgd_client import Client, EcgdError, encode_signal, find_ecgd  # noqa: E402

DATA_ROOT = os.path.join(ROOT, "Tests", "Data")


def synthetic_ecg(fs=360.0, seconds=20, rate_bpm=72):
    """Narrow Gaussian 'QRS' spikes on a wandering baseline: peaks at known samples."""
    t = np.arange(int(fs * seconds)) / fs
    beats = np.arange(0.5, seconds - 0.5, 60.0 / rate_bpm)
    signal = 0.2 * np.sin(2 * np.pi * 0.3 * t)
    for b in beats:
        signal += 1.2 * np.exp(-0.5 * ((t - b) / 0.012) ** 2)
    return signal, np.round(beats * fs).astype(int)


@pytest.fixture(scope="module")
def spawned():
    with Client.spawn(find_ecgd(), data_root=DATA_ROOT, args=["--log-level", "warning"]) as client:
        yield client


@pytest.mark.parametrize("dtype,compress", [("float32", True), ("float64", False)])
def test_numpy_signal_round_trip_finds_the_synthetic_beats(spawned, dtype, compress):
    signal, expected = synthetic_ecg()
    result = spawned.request("detectPeaks", {"signal": encode_signal(signal, 360.0, compress=compress, dtype=dtype)})
    peaks = np.array(result["peaks"])
    assert len(peaks) == len(expected)
    assert np.max(np.abs(peaks - expected)) <= 2  # within 2 samples of the true peak
    assert result["heartRate"]["mean"] == pytest.approx(72, abs=0.5)
    rr = np.diff(peaks) / 360.0
    assert np.allclose(result["rr"], rr)
    assert np.allclose(result["instantaneousHeartRate"], 60 / rr)
    assert result["heartRate"]["max"] == pytest.approx(max(result["instantaneousHeartRate"]))


def test_binary_and_inline_payloads_agree(spawned):
    signal, _ = synthetic_ecg(fs=250.0)
    binary = spawned.request("detectPeaks", {"signal": encode_signal(signal, 250.0, dtype="float64")})
    inline = spawned.request("detectPeaks", {"signal": {"fs": 250.0, "data": signal.tolist()}})
    assert binary["peaks"] == inline["peaks"]


def test_concurrent_requests_from_threads(spawned):
    signal, expected = synthetic_ecg()
    payload = {"signal": encode_signal(signal, 360.0)}
    results, errors = [], []

    def worker():
        try:
            results.append(len(spawned.request("detectPeaks", payload, timeout=60)["peaks"]))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == [len(expected)] * 8


@pytest.fixture(scope="module")
def tcp_server():
    server = subprocess.Popen([find_ecgd(), "--tcp", "127.0.0.1:0", "--data-root", DATA_ROOT,
                               "--gzip-threshold", "64", "--log-level", "warning"],
                              stderr=subprocess.PIPE, text=True)
    port = int(re.search(r"listening on [\d.]+:(\d+)", server.stderr.readline()).group(1))
    yield port
    server.terminate()
    assert server.wait(timeout=30) == 0


def int16_payload(signal, fs, compress):
    """The signal as raw ADC counts (gain 200/mV, baseline 1024), as a WFDB-minded client sends it."""
    import base64
    import gzip
    counts = np.round(signal * 200 + 1024).astype("<i2").tobytes()
    data = gzip.compress(counts) if compress else counts
    return {"fs": fs, "dtype": "int16", "gain": 200, "baseline": 1024,
            "encoding": "gzip+base64" if compress else "base64", "data": base64.b64encode(data).decode()}


ENCODINGS = {
    "inline": lambda x, fs: {"fs": fs, "data": x.tolist()},
    "inline-leads": lambda x, fs: {"fs": fs, "data": [x.tolist(), (-x).tolist()]},
    "float32+gzip": lambda x, fs: encode_signal(x, fs, compress=True, dtype="float32"),
    "float64": lambda x, fs: encode_signal(x, fs, compress=False, dtype="float64"),
    "int16+gzip": lambda x, fs: int16_payload(x, fs, compress=True),
    "int16": lambda x, fs: int16_payload(x, fs, compress=False),
}


@pytest.mark.parametrize("transport", ["stdio", "tcp"])
@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_every_signal_encoding_over_both_transports(spawned, tcp_server, transport, encoding):
    signal, expected = synthetic_ecg(fs=500.0)
    params = {"signal": ENCODINGS[encoding](signal, 500.0)}
    if transport == "stdio":
        result = spawned.request("detectPeaks", params, timeout=60)
    else:
        with Client.connect("127.0.0.1", tcp_server) as client:
            result = client.request("detectPeaks", params, timeout=60)
    assert result["fs"] == 500.0
    assert result["sampleCount"] == len(signal)
    peaks = np.array(result["peaks"])
    assert len(peaks) == len(expected)
    assert np.max(np.abs(peaks - expected)) <= 2


def test_tcp_client_with_gzip_responses_and_errors(tcp_server):
    with Client.connect("127.0.0.1", tcp_server) as client:
        result = client.request("detectPeaks", {"signal": {"path": "mitdb/101"}}, timeout=60)
        assert len(result["peaks"]) > 1800
        with pytest.raises(EcgdError) as raised:
            client.request("detectPeaks", {"signal": {"path": "../outside"}})
        assert raised.value.code == -32020
        assert client.request("ping")["pong"] is True


@pytest.mark.parametrize("transport", ["stdio", "tcp"])
def test_classify_a_bundled_record_over_both_transports(spawned, tcp_server, transport):
    def run(client):
        peaks = client.request("detectPeaks", {"signal": {"path": "mitdb/119"}}, timeout=120)["peaks"]
        return peaks, client.request("classify", {"model": "demo-aami5", "signal": {"path": "mitdb/119"}}, timeout=300)

    if transport == "stdio":
        peaks, result = run(spawned)
    else:
        with Client.connect("127.0.0.1", tcp_server) as client:
            peaks, result = run(client)
    classes = result["classes"]
    assert classes == ["N", "SVEB", "VEB", "F", "Q"]
    assert len(result["beats"]) + len(result["skipped"]) == len(peaks)
    assert [b["sample"] for b in result["beats"]] == sorted(set(peaks) - set(result["skipped"]))
    for beat in result["beats"][:200]:
        assert beat["label"] in classes
        assert sum(beat["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)
        assert beat["probabilities"][beat["label"]] == max(beat["probabilities"].values())
    assert sum(result["summary"]["counts"].values()) == len(result["beats"])
