"""The typed helpers against the real server: numpy out, dataclasses, errors by family."""
import numpy as np
import pytest

import ecgd
from client_support import synthetic_ecg

RECORD = ecgd.ServerFile("mitdb/119")


@pytest.mark.parametrize("transport", ["stdio", "tcp"])
def test_detect_peaks_gives_numpy_arrays(spawned, tcp_server, transport, request):
    signal, expected = synthetic_ecg()
    client = spawned if transport == "stdio" else ecgd.Client.connect("127.0.0.1", tcp_server, progress=False)
    try:
        result = client.detect_peaks(signal, fs=360)
    finally:
        if client is not spawned:
            client.close()
    assert isinstance(result, ecgd.Peaks)
    assert result.peaks.dtype == np.int64 and len(result) == len(expected)
    assert np.max(np.abs(result.peaks - expected)) <= 2
    assert np.allclose(result.times, result.peaks / 360.0)
    assert np.allclose(result.rr, np.diff(result.peaks) / 360.0)
    assert result.heart_rate["mean"] == pytest.approx(72, abs=0.5)
    assert (result.fs, result.lead, result.sample_count) == (360.0, 0, len(signal))


def test_typed_arrays_hold_what_json_arrays_hold(spawned):
    """The helper asks for base64 typed arrays; plain JSON arrays carry the same numbers."""
    typed = spawned.detect_peaks(RECORD)
    assert typed.raw["peaks"]["dtype"] == "int32" and typed.raw["times"]["dtype"] == "float64"
    plain = ecgd.Peaks.from_result(spawned.request("detectPeaks", {"signal": RECORD.to_param()}))
    assert isinstance(plain.raw["peaks"], list) and len(plain) > 1500
    for name in ("peaks", "times", "rr", "instantaneous_heart_rate"):
        assert getattr(typed, name).dtype == getattr(plain, name).dtype
        assert np.array_equal(getattr(typed, name), getattr(plain, name)), name


def test_classify_a_recording_gives_an_n_by_classes_probability_array(spawned):
    peaks = spawned.detect_peaks(RECORD, timeout=120).peaks
    result = spawned.classify(RECORD, model="demo-aami5", timeout=300)
    assert isinstance(result, ecgd.Classification)
    assert result.classes == ["N", "SVEB", "VEB", "F", "Q"]
    assert result.probabilities.shape == (len(result), 5)
    assert np.allclose(result.probabilities.sum(axis=1), 1.0, atol=1e-4)
    assert list(result.labels) == [result.classes[k] for k in result.probabilities.argmax(axis=1)]
    assert len(result) + len(result.skipped) == len(peaks)
    assert list(result.samples) == sorted(set(peaks) - set(result.skipped))
    assert np.allclose(result.times, result.samples / 360.0)
    assert sum(result.counts.values()) == len(result)


def test_classify_reads_the_column_layout_as_it_reads_rows(spawned):
    """The helper asks for beatsLayout "columns" and typed arrays; the rows a raw request gets
    say the same."""
    columns = spawned.classify(RECORD, model="demo-aami5", timeout=300)
    assert "beatColumns" in columns.raw and "beats" not in columns.raw
    assert columns.raw["beatColumns"]["probability"]["encoding"] == "base64"  # typed arrays
    rows = ecgd.Classification.from_result(
        spawned.request("classify", {"model": "demo-aami5", "signal": RECORD.to_param()}, timeout=300))
    assert "beats" in rows.raw
    assert list(columns.labels) == list(rows.labels)
    assert np.array_equal(columns.probabilities, rows.probabilities)
    assert np.array_equal(columns.samples, rows.samples) and np.array_equal(columns.times, rows.times)
    assert columns.indices is None and rows.indices is None
    assert columns.counts == rows.counts and columns.most_confident_abnormal == rows.most_confident_abnormal


def test_extract_beats_windows_classified_as_beats_match_classify_on_the_recording(spawned):
    """extract_beats gives exactly what classify feeds the model: classifying those windows as
    beats gives the probabilities of classifying the recording at the same peaks."""
    peaks = spawned.detect_peaks(RECORD).peaks[:300]
    extracted = spawned.extract_beats(RECORD, model="demo-aami5", peaks=peaks)
    assert isinstance(extracted, ecgd.ExtractedBeats)
    assert extracted.windows.dtype == np.float32
    assert extracted.windows.shape == (len(extracted.peaks), 360)
    assert extracted.features.shape == (len(extracted.peaks), 0)
    assert list(extracted.peaks) == [p for p in peaks if p not in set(extracted.skipped)]
    # zscore windows: mean 0, standard deviation 1
    assert np.allclose(extracted.windows.mean(axis=1), 0, atol=1e-4)
    assert np.allclose(extracted.windows.std(axis=1), 1, atol=1e-3)

    by_signal = spawned.classify(RECORD, model="demo-aami5", peaks=peaks)
    by_beats = spawned.classify(beats=extracted.windows, model="demo-aami5")
    assert list(by_beats.indices) == list(range(len(extracted)))
    assert np.allclose(by_beats.probabilities, by_signal.probabilities, atol=1e-5)


def test_extract_beats_with_an_input_spec_and_rr_features(spawned):
    spec = {"samplingRate": 250, "samplesBefore": 90, "samplesAfter": 160, "normalization": "none",
            "features": ["preRR", "postRR"]}
    signal, expected = synthetic_ecg(fs=360.0, seconds=30)
    extracted = spawned.extract_beats(signal, fs=360, input_spec=spec, peaks=expected)
    assert extracted.windows.shape[1] == 250
    assert extracted.feature_names == ["preRR", "postRR"]
    assert extracted.features.shape == (len(extracted), 2)
    inner = extracted.features[1:-1]
    assert np.allclose(inner, 60 / 72, atol=0.01)  # RR of 72 bpm, in seconds


def test_classify_beats_with_labels_gives_accuracy_and_confusion_matrix(spawned):
    rng = np.random.default_rng(7)
    beats = rng.random((40, 187))
    labels = [0, 1] * 20
    result = spawned.classify(beats=beats, labels=labels, model="kachuee187-demo")
    assert result.classes == ["normal", "abnormal"]
    assert result.confusion_matrix.shape == (2, 2) and result.confusion_matrix.sum() == 40
    correct = np.trace(result.confusion_matrix)
    assert result.accuracy == pytest.approx(correct / 40)
    assert list(result.true_labels) == ["normal", "abnormal"] * 20


def test_classify_a_beats_csv_file_reports_lines(spawned, tmp_path):
    rng = np.random.default_rng(3)
    rows = rng.random((5, 187))
    path = tmp_path / "beats.csv"
    path.write_text("\n".join(",".join(f"{x:.6f}" for x in row) + ",1" for row in rows) + "\n")
    result = spawned.classify(beats=path, model="kachuee187-demo")
    assert list(result.lines) == [1, 2, 3, 4, 5]
    assert list(result.true_labels) == ["abnormal"] * 5
    same = spawned.classify(beats=rows, model="kachuee187-demo")
    assert np.allclose(same.probabilities, result.probabilities, atol=1e-5)


def test_to_frame_when_pandas_is_installed(spawned):
    pd = pytest.importorskip("pandas")
    result = spawned.classify(RECORD, model="demo-aami5")
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns[:4]) == ["sample", "time", "label", "probability"]
    assert len(frame) == len(result)
    assert np.allclose(frame["p_VEB"], result.probabilities[:, 2])
    peaks_frame = spawned.detect_peaks(RECORD).to_frame()
    assert list(peaks_frame.columns) == ["sample", "time", "rr", "heart_rate"]


def test_model_registry_helpers(spawned):
    models = {m.name: m for m in spawned.list_models()}
    assert {"demo-aami5", "kachuee187-demo"} <= set(models)
    loaded = spawned.load_model("kachuee187-demo")
    assert isinstance(loaded, ecgd.ModelInfo) and loaded.loaded
    assert loaded.classes == ["normal", "abnormal"] and loaded.input_spec["samplesAfter"] == 187
    assert spawned.unload_model("kachuee187-demo") is True
    assert spawned.unload_model("kachuee187-demo") is False


@pytest.mark.parametrize("call,family,code,fragment", [
    (lambda c: c.classify(ecgd.ServerFile("mitdb/119"), model="no-such-model"), ecgd.ModelError, -32010, "no-such-model"),
    (lambda c: c.detect_peaks([0.0] * 1000, fs=10), ecgd.UnsupportedSignal, -32012, "params.signal.fs"),
    (lambda c: c.detect_peaks(ecgd.ServerFile("mitdb/nope")), ecgd.FileAccessError, -32021, "mitdb/nope"),
    (lambda c: c.detect_peaks({"fs": 360, "data": "@@@", "dtype": "int16"}), ecgd.InvalidParams, -32602,
     "params.signal.data"),
    (lambda c: c.request("noSuchMethod"), ecgd.ProtocolError, -32601, "noSuchMethod"),
])
def test_server_errors_raise_the_subclass_of_their_family(spawned, call, family, code, fragment):
    with pytest.raises(family) as raised:
        call(spawned)
    assert isinstance(raised.value, ecgd.EcgdError)
    assert raised.value.code == code
    assert fragment in raised.value.message
    assert spawned.ping()["pong"] is True  # and the daemon keeps serving


def test_client_side_argument_errors_are_plain_python_errors(spawned):
    with pytest.raises(ValueError, match="fs"):
        spawned.detect_peaks(np.zeros(100))
    with pytest.raises(ValueError, match="either signal or beats"):
        spawned.classify(model="demo-aami5")
    with pytest.raises(TypeError):
        spawned.detect_peaks(np.array(["a", "b"]), fs=360)


def test_a_plot_shows_itself_inline_and_saves(tmp_path):
    import base64
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
    plot = ecgd.Plot.from_result({"format": "png", "data": base64.b64encode(png).decode(), "width": 1200,
                                  "height": 400, "window": {"start": 0, "end": 10}, "beats": []})
    assert plot._repr_png_() == png and plot._repr_svg_() is None
    assert open(plot.save(tmp_path / "strip.png"), "rb").read() == png
    svg = ecgd.Plot.from_result({"format": "svg", "data": "<svg/>", "width": 10, "height": 10})
    assert svg._repr_svg_() == "<svg/>" and svg._repr_png_() is None
    assert (tmp_path / "s.svg").write_text("") == 0 and open(svg.save(tmp_path / "s.svg")).read() == "<svg/>"
