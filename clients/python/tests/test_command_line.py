"""`ecgd detect`, `ecgd classify` and `ecgd plot`: the same answers as the daemon's methods, as tables, CSV or
JSON, progress on stderr, and exit status 1 with the method's error message on bad input."""
import base64
import csv
import io
import json
import os
import subprocess

import numpy as np
import pytest

import ecgd
from client_support import DATA_ROOT, MODELS, synthetic_ecg

RECORD = os.path.join(DATA_ROOT, "mitdb", "119")


def run(*args, check=True):
    done = subprocess.run([ecgd.find_ecgd(), *args], capture_output=True, text=True, timeout=300)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def test_detect_json_is_the_daemons_detect_peaks_result(spawned):
    printed = json.loads(run("detect", RECORD, "--format", "json").stdout)
    assert printed == spawned.request("detectPeaks", {"signal": {"path": "mitdb/119"}})


def test_detect_table_and_csv_list_every_peak(spawned):
    peaks = spawned.detect_peaks(ecgd.ServerFile("mitdb/119"))
    rows = list(csv.DictReader(io.StringIO(run("detect", RECORD, "--format", "csv").stdout)))
    assert [int(r["sample"]) for r in rows] == list(peaks.peaks)
    assert np.allclose([float(r["rr"]) for r in rows[1:]], peaks.rr, atol=1e-4)
    table = run("detect", RECORD).stdout.splitlines()
    assert table[0].split() == ["sample", "time", "rr", "heart_rate"]
    assert len(table) == len(peaks) + 2
    assert table[-1].startswith(f"{len(peaks)} beats in 1805.6 s of MLII at 360 Hz")


def test_detect_reads_csv_and_edf_too(tmp_path):
    signal, expected = synthetic_ecg(fs=250.0)
    path = tmp_path / "strip.csv"
    path.write_text("ECG\n" + "\n".join(f"{x:.6f}" for x in signal) + "\n")
    rows = list(csv.DictReader(io.StringIO(run("detect", str(path), "--fs", "250", "--format", "csv").stdout)))
    assert [int(r["sample"]) for r in rows] == pytest.approx(list(expected), abs=2)


def test_classify_a_recording_matches_the_daemon_and_shows_progress(spawned):
    done = run("classify", RECORD, "--model", "demo-aami5", "--models", MODELS, "--format", "csv", "--progress")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    expected = spawned.classify(ecgd.ServerFile("mitdb/119"), model="demo-aami5")
    assert [int(r["sample"]) for r in rows] == list(expected.samples)
    assert [r["label"] for r in rows] == list(expected.labels)
    assert np.allclose([[float(r[f"p_{c}"]) for c in expected.classes] for r in rows], expected.probabilities, atol=1e-4)
    progress = done.stderr.splitlines()
    assert progress[0] == f"classify: 0% {len(expected)} beats with demo-aami5"
    assert f"classify: 100% {len(expected)} of {len(expected)} beats" in progress


def test_classify_a_beats_csv_reports_accuracy_against_its_labels(spawned, tmp_path):
    rows = np.random.default_rng(4).random((10, 187))
    path = tmp_path / "beats.csv"
    path.write_text("".join(",".join(f"{x:.5f}" for x in row) + f",{i % 2}\n" for i, row in enumerate(rows)))
    printed = json.loads(run("classify", str(path), "--model", "kachuee187-demo", "--models", MODELS,
                             "--format", "json").stdout)
    expected = spawned.classify(beats=path, model="kachuee187-demo")
    assert printed["accuracy"] == expected.accuracy
    assert [b["line"] for b in printed["beats"]] == list(range(1, 11))
    table = run("classify", str(path), "--model", "kachuee187-demo", "--models", MODELS).stdout.splitlines()
    assert table[0].split() == ["line", "label", "probability", "true_label"]
    assert table[-1] == (f"10 beats by kachuee187-demo: normal {expected.counts['normal']}, "
                         f"abnormal {expected.counts['abnormal']}; accuracy {expected.accuracy * 100:.2f} %")

def test_plot_writes_the_picture_plot_segment_draws(spawned, tmp_path):
    out = tmp_path / "119.png"
    printed = json.loads(run("plot", RECORD, "--start", "12", "--end", "22", "--model", "demo-aami5",
                             "--models", MODELS, "--reference", "atr", "-o", str(out), "--format", "json").stdout)
    expected = spawned.request("plotSegment", {"signal": {"path": "mitdb/119"}, "window": {"start": 12, "end": 22},
                                               "model": "demo-aami5", "reference": "atr", "format": "png"})
    assert out.read_bytes() == base64.b64decode(expected.pop("data"))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert printed == expected
    assert {b["label"] for b in printed["beats"]} <= {"N", "SVEB", "VEB", "F", "Q"}
    assert abs(len(printed["beats"]) - len(printed["references"])) <= 1


def test_plot_table_lists_the_beats_and_svg_is_text(tmp_path):
    out = tmp_path / "strip.svg"
    table = run("plot", RECORD, "--start", "0", "--end", "5", "-o", str(out)).stdout.splitlines()
    assert table[0].split() == ["sample", "time", "label", "probability"]
    assert table[-1].startswith(f"wrote {out}: ") and table[-1].endswith(f" svg, {len(table) - 2} beats")
    assert len(table) - 2 >= 4  # about 75 beats a minute in record 119's first 5 s
    assert out.read_text().lstrip().startswith("<?xml")


def test_plot_refuses_an_unknown_picture_format(tmp_path):
    done = run("plot", RECORD, "-o", str(tmp_path / "strip.gif"), check=False)
    assert done.returncode != 0
    assert "-o must name a .png, .svg or .pdf file" in done.stderr
    assert not (tmp_path / "strip.gif").exists()


@pytest.mark.parametrize("args,message", [
    (["detect", os.path.join(DATA_ROOT, "mitdb", "999")], "ecgd detectPeaks: params.signal.path: \"999\" does not exist under the data root (error -32021)"),
    (["classify", RECORD, "--model", "nope"], "ecgd classify: params.model: no model named \"nope\""),
    (["plot", RECORD, "--start", "5000", "-o", "/tmp/never.png"], "ecgd plotSegment: params.window"),
    (["detect", RECORD, "--lead", "V7"], "ecgd detectPeaks: params.lead: no lead named \"V7\" (leads: MLII, V1) (error -32602)"),
])
def test_bad_input_exits_1_with_the_methods_error_message(args, message):
    done = run(*args, check=False)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(message)
