"""ecgd's LSP document features over stdio and TCP, driven as an editor's LSP client drives them:
didOpen / didChange / didClose, publishDiagnostics and hover, checked against `classify`."""
import os
import re
import subprocess
import time

import numpy as np
import pytest

import ecgd

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
#: The random-weight fixture models; the default-model test uses the shipped ones.
MODELS = os.path.join(ROOT, "Tests", "Data", "models")
SHIPPED = os.path.join(ROOT, "models")


def synthetic_ecg(fs, seconds=30, rate_bpm=72):
    t = np.arange(int(fs * seconds)) / fs
    signal = 0.2 * np.sin(2 * np.pi * 0.3 * t)
    for b in np.arange(0.5, seconds - 0.5, 60.0 / rate_bpm):
        signal += 1.2 * np.exp(-0.5 * ((t - b) / 0.012) ** 2)
    return signal


def raw_csv(signal, fs):
    return "time,ECG\n" + "".join(f"{i / fs:.4f},{x:.5f}\n" for i, x in enumerate(signal))


def beats_csv(rows, labels):
    return "".join(",".join(f"{x:.5f}" for x in row) + f",{label}\n" for row, label in zip(rows, labels))


class Editor:
    """An LSP client's side of the conversation, over an ``ecgd.Client``."""

    def __init__(self, client):
        self.client = client
        self.versions = {}

    def open(self, uri, text):
        self.versions[uri] = 1
        self.client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "csv", "version": 1, "text": text}})

    def change(self, uri, text):
        self.versions[uri] += 1
        self.client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": self.versions[uri]},
                                                      "contentChanges": [{"text": text}]})

    def close(self, uri):
        self.client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def hover(self, uri, line):
        return self.client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                          "position": {"line": line, "character": 0}})

    def diagnostics(self, uri, version=None, wait=60):
        """The diagnostics of the next publishDiagnostics for ``uri`` (of ``version``, if given)."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            for message in list(self.client.notifications):
                params = message.get("params", {})
                if message.get("method") == "textDocument/publishDiagnostics" and params["uri"] == uri \
                        and (version is None or params.get("version") == version):
                    self.client.notifications.remove(message)
                    return params
            time.sleep(0.01)
        raise AssertionError(f"no diagnostics for {uri} (version {version}) within {wait} s")


@pytest.fixture(scope="module")
def tcp_port():
    server = subprocess.Popen([ecgd.find_ecgd(), "--tcp", "127.0.0.1:0", "--models", MODELS, "--log-level", "warning"],
                              stderr=subprocess.PIPE, text=True)
    port = int(re.search(r"listening on [\d.]+:(\d+)", server.stderr.readline()).group(1))
    yield port
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture(params=["stdio", "tcp"])
def connect(request, tcp_port):
    opened = []

    def make(initialization_options=None, args=()):
        if request.param == "stdio":
            client = ecgd.Client.spawn(models=MODELS, args=args, progress=False,
                                       initialization_options=initialization_options)
        else:
            client = ecgd.Client.connect("127.0.0.1", tcp_port, progress=False,
                                         initialization_options=initialization_options)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


def test_raw_ecg_csv_diagnostics_sit_on_the_r_peak_lines_and_hovers_give_rr(connect):
    fs = 250.0  # read from the time column: nothing configures it
    signal = synthetic_ecg(fs)
    client = connect({"model": "demo-aami5"})
    editor = Editor(client)
    editor.open("file:///raw.csv", raw_csv(signal, fs))
    published = editor.diagnostics("file:///raw.csv", version=1)

    expected = client.classify(signal, fs=fs, model="demo-aami5")
    abnormal = {int(s) + 1: p for s, label, p in zip(expected.samples, expected.labels, expected.probability)
                if label != "N"}  # 0-based lines: the header is line 0, sample s is line s + 1
    assert abnormal, "the demo model calls some beats abnormal"
    assert [d["range"]["start"]["line"] for d in published["diagnostics"]] == sorted(abnormal)
    first = published["diagnostics"][0]
    assert first["severity"] == 2 and first["source"] == "ecgd"
    line = first["range"]["start"]["line"]
    assert first["message"] == (f"{first['code']} (p = {round(abnormal[line], 2)}) by demo-aami5 "
                                f"at {round((line - 1) / fs, 3)} s")

    peaks = client.detect_peaks(signal, fs=fs).peaks
    second = int(expected.samples[1])
    hover = editor.hover("file:///raw.csv", second + 1 + 3)  # three samples after the R-peak: its beat
    text = hover["contents"]["value"]
    assert f"(sample {second}, line {second + 2})" in text
    rr_before = (second - peaks[list(peaks).index(second) - 1]) / fs
    assert f"RR before {round(rr_before, 3)} s" in text
    assert hover["range"]["start"]["line"] == second + 4
    assert editor.hover("file:///raw.csv", 0) is None  # the header: no sample


def test_edits_republish_unreadable_rows_are_errors_and_close_clears(connect):
    client = connect({"model": "kachuee187-demo"})
    editor = Editor(client)
    rng = np.random.default_rng(5)
    rows = rng.random((6, 187))
    uri = "file:///beats.csv"
    editor.open(uri, beats_csv(rows, [0, 1] * 3))
    opened = editor.diagnostics(uri, version=1)
    expected = client.classify(beats=rows, model="kachuee187-demo")
    assert [d["range"]["start"]["line"] for d in opened["diagnostics"]] == \
        [i for i, label in enumerate(expected.labels) if label == "abnormal"]

    text = beats_csv(rows, [0, 1] * 3).splitlines()
    text[2] = text[2].replace(",", ",oops,", 1)
    editor.change(uri, "\n".join(text) + "\n")
    changed = editor.diagnostics(uri, version=2)
    errors = [d for d in changed["diagnostics"] if d["severity"] == 1]
    assert [(d["range"]["start"]["line"], d["code"]) for d in errors] == [(2, "unreadable-row")]
    assert errors[0]["message"] == "row 3: has 189 columns, expected 188"
    assert 2 not in [d["range"]["start"]["line"] for d in changed["diagnostics"] if d["severity"] == 2]
    assert "unreadable row" in editor.hover(uri, 2)["contents"]["value"]

    editor.close(uri)
    assert editor.diagnostics(uri)["diagnostics"] == []
    assert editor.hover(uri, 1) is None


def test_without_configuration_the_model_is_chosen_by_the_document():
    """A plain `ecgd --stdio` with the shipped models: Kachuee rows get kachuee187-binary, a raw
    ECG CSV mitbih-aami5."""
    with ecgd.Client.spawn(models=SHIPPED, progress=False) as client:
        editor = Editor(client)
        rows = np.random.default_rng(2).random((3, 187))
        editor.open("file:///k.csv", beats_csv(rows, [0, 0, 1]))
        editor.open("file:///r.csv", raw_csv(synthetic_ecg(360.0, seconds=10), 360.0))
        for uri, model in (("file:///k.csv", "kachuee187-binary"), ("file:///r.csv", "mitbih-aami5")):
            diagnostics = editor.diagnostics(uri)["diagnostics"]
            hover_line = diagnostics[0]["range"]["start"]["line"] if diagnostics else 1
            assert f"by `{model}`" in editor.hover(uri, hover_line)["contents"]["value"]


def test_a_document_no_model_fits_says_why_once(connect):
    client = connect()
    editor = Editor(client)
    editor.open("file:///w.csv", beats_csv(np.zeros((2, 99)), [0, 1]))
    (note,) = editor.diagnostics("file:///w.csv")["diagnostics"]
    assert note["severity"] == 3 and note["code"] == "not-analysed"
    assert "no installed model takes beats of 100 or 99 samples" in note["message"]


def test_the_server_flag_sets_the_model_and_ecg_methods_stay_available(connect, request):
    if "tcp" in request.node.name:
        pytest.skip("server flags are given to the spawned daemon")
    client = connect(args=["--document-model", "kachuee187-demo"])
    editor = Editor(client)
    editor.open("file:///f.csv", beats_csv(np.full((2, 187), 0.5), [0, 1]))
    diagnostics = editor.diagnostics("file:///f.csv")["diagnostics"]
    assert all("by kachuee187-demo" in d["message"] for d in diagnostics)
    assert len(client.detect_peaks(synthetic_ecg(360.0), fs=360)) == 35


def test_bad_hover_params_name_the_member(connect):
    client = connect()
    with pytest.raises(ecgd.InvalidParams, match="params.position.line"):
        client.request("textDocument/hover", {"textDocument": {"uri": "file:///x.csv"}, "position": {}})
