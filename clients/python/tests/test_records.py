"""Files on the client's disk: read by the package, sent as samples, and compared with what the
server reads from the same file by path."""
import os
import struct

import numpy as np
import pytest

import ecgd
from client_support import DATA_ROOT, synthetic_ecg

RECORD_208 = os.path.join(DATA_ROOT, "mitdb", "208")


def test_wfdb_record_read_locally_detects_exactly_what_the_server_reads_by_path(spawned):
    record = ecgd.read_record(RECORD_208)
    assert record.fs == 360.0 and record.lead_names == ["MLII", "V1"]
    assert record.signal.shape == (2, 650000)
    sent = spawned.detect_peaks(record)
    by_path = spawned.detect_peaks(ecgd.ServerFile("mitdb/208"))
    assert np.array_equal(sent.peaks, by_path.peaks)
    # a path string is read by the client too
    assert np.array_equal(spawned.detect_peaks(RECORD_208 + ".hea").peaks, by_path.peaks)


def test_annotations_and_aami_classes_of_record_208():
    annotations = ecgd.read_annotations(RECORD_208)
    samples, classes = annotations.beats()
    # record 208's reference beats: 1586 N, 2 S, 992 V, 373 F, 2 Q (MIT-BIH directory)
    counts = {c: int((classes == c).sum()) for c in ["N", "SVEB", "VEB", "F", "Q"]}
    assert counts == {"N": 1586, "SVEB": 2, "VEB": 992, "F": 373, "Q": 2}
    assert np.all(np.diff(samples) > 0)
    assert ecgd.aami_class("V") == "VEB" and ecgd.aami_class("+") is None


def test_detected_peaks_match_the_annotated_beats(spawned):
    samples, _ = ecgd.read_annotations(RECORD_208).beats()
    peaks = spawned.detect_peaks(ecgd.read_record(RECORD_208)).peaks
    nearest = np.min(np.abs(samples[:, None] - peaks[None, :]), axis=1)
    assert np.mean(nearest <= 54) > 0.99  # 150 ms at 360 Hz


def write_edf(path, leads, fs, labels, seconds_per_record=1):
    """A minimal EDF writer: physical range +-5 mV over the full int16 range."""
    leads = np.asarray(leads)
    n_signals, n = leads.shape
    per_record = int(fs * seconds_per_record)
    records = n // per_record
    digital = np.clip(np.round(leads / 5.0 * 32767), -32768, 32767).astype("<i2")

    def field(values, width):
        return b"".join(str(v).ljust(width)[:width].encode() for v in values)

    header = (b"0".ljust(8) + b"patient".ljust(80) + b"recording".ljust(80) + b"01.01.26" + b"00.00.00"
              + str(256 * (n_signals + 1)).ljust(8).encode() + b"".ljust(44) + str(records).ljust(8).encode()
              + str(seconds_per_record).ljust(8).encode() + str(n_signals).ljust(4).encode())
    header += field(labels, 16) + field([""] * n_signals, 80) + field(["mV"] * n_signals, 8)
    header += field([-5] * n_signals, 8) + field([5] * n_signals, 8)
    header += field([-32767] * n_signals, 8) + field([32767] * n_signals, 8)
    header += field([""] * n_signals, 80) + field([per_record] * n_signals, 8) + field([""] * n_signals, 32)
    body = b"".join(digital[s, r * per_record:(r + 1) * per_record].tobytes()
                    for r in range(records) for s in range(n_signals))
    with open(path, "wb") as f:
        f.write(header + body)
    return records * per_record


def test_edf_read_locally_matches_the_server_reading_it_by_path(tmp_path):
    signal, expected = synthetic_ecg(fs=250.0, seconds=30)
    path = tmp_path / "strip.edf"
    n = write_edf(path, [signal, -signal], 250, ["ECG I", "ECG II"])
    record = ecgd.read_record(path)
    assert record.fs == 250.0 and record.lead_names == ["ECG I", "ECG II"]
    assert np.allclose(record.signal[0], signal[:n], atol=5.0 / 32767)
    with ecgd.Client.spawn(data_root=tmp_path, progress=False) as client:
        sent = client.detect_peaks(record)
        by_path = client.detect_peaks(ecgd.ServerFile("strip.edf"))
    assert np.array_equal(sent.peaks, by_path.peaks)
    assert len(sent.peaks) == len(expected)


def test_csv_read_locally_matches_the_server_reading_it_by_path(tmp_path):
    signal, expected = synthetic_ecg(fs=360.0, seconds=20)
    path = tmp_path / "ecg.csv"
    with open(path, "w") as f:
        f.write("time,ECG\n")
        for i, x in enumerate(signal):
            f.write(f"{i / 360:.5f},{x:.6f}\n")
    record = ecgd.read_record(path, fs=360)
    assert record.lead_names == ["ECG"] and record.signal.shape == (1, len(signal))
    with ecgd.Client.spawn(data_root=tmp_path, progress=False) as client:
        sent = client.detect_peaks(path, fs=360)
        by_path = client.detect_peaks(ecgd.ServerFile("ecg.csv", fs=360, column="ECG"))
    assert np.array_equal(sent.peaks, by_path.peaks)
    assert len(sent.peaks) == len(expected)


def test_unreadable_local_files_say_why(tmp_path, spawned):
    with pytest.raises(ValueError, match="fs"):
        ecgd.read_record(tmp_path / "x.csv")
    with pytest.raises(FileNotFoundError, match=r"ecgd.ServerFile\('mitdb/nope'\)"):
        spawned.detect_peaks("mitdb/nope")
    with pytest.raises(FileNotFoundError):
        spawned.classify(beats=str(tmp_path / "missing.csv"), model="kachuee187-demo")
    header = tmp_path / "r.hea"
    header.write_text("r 1 360 10\nr.dat 310 200 12 0 0 0 0 I\n")
    (tmp_path / "r.dat").write_bytes(struct.pack("<10h", *range(10)))
    with pytest.raises(ValueError, match="format 310"):
        ecgd.read_record(tmp_path / "r")
