#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (Fuzz/corpus/TARGET/) from the test fixtures and
protocol/openrpc.json's examples. Run from anywhere: python3 Fuzz/make_seeds.py"""
import gzip
import json
import pathlib
import shutil

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
WFDB = ROOT / "Tests/ECGSignalTests/Fixtures/wfdb"
CORPUS = FUZZ / "corpus"
# The order of WFDBTargets.formats.
FORMATS = [8, 16, 24, 32, 61, 80, 160, 212, 310, 311, 508, 516, 524]


def put(target, name, data):
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def frame(body, gzipped=False):
    data = body.encode() if isinstance(body, str) else body
    header = f"Content-Length: {len(data)}\r\n"
    if gzipped:
        header += "Content-Encoding: gzip\r\n"
    return header.encode() + b"\r\n" + data


def request(id, method, params=None):
    message = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        message["params"] = params
    return json.dumps(message, separators=(",", ":"))


def rpc_seeds():
    # The method list of RPCTarget.methods: the registry's request methods sorted (built-in
    # ones included), then noSuchMethod, then the notifications.
    requests = sorted(["initialize", "shutdown", "ping", "detectPeaks", "loadModel", "unloadModel", "listModels",
                       "classify", "extractBeats", "plotSegment", "textDocument/hover"])
    methods = requests + ["noSuchMethod", "textDocument/didOpen", "textDocument/didChange", "textDocument/didClose",
                          "$/cancelRequest", "initialized"]
    beat = [round(0.01 * (i % 40) - 0.2, 2) for i in range(187)]
    csv_text = "time,I\n" + "".join(f"{i / 250},{(i % 50) / 50}\n" for i in range(300))
    beats_csv = "".join(",".join(str(v) for v in beat) + ",N\n" for _ in range(2))
    params = {
        "detectPeaks": [{"signal": {"fs": 250, "data": [0.0, 0.1, 0.9, 0.1, 0.0] * 60}},
                        {"signal": {"path": "wfdb/fmt212"}, "lead": 0},
                        {"signal": {"path": "edf/plus.edf"}, "leads": [0]},
                        {"signal": {"path": "signal.csv", "fs": 250}},
                        {"signal": {"fs": 250, "dtype": "int16", "encoding": "base64", "data": "AAABAAIAAwAEAA==",
                                    "shape": [5, 1]}}],
        "loadModel": [{"name": "demo-aami5"}, {"path": "../models/kachuee187-demo/model.onnx"}],
        "unloadModel": [{"name": "demo-aami5"}],
        "listModels": [{}],
        "classify": [{"model": "demo-aami5", "signal": {"path": "wfdb/fmt16"}},
                     {"model": "kachuee187-demo", "beats": [beat, beat]}],
        "extractBeats": [{"signal": {"path": "wfdb/fmt16"}, "peaks": [40, 80],
                          "inputSpec": {"samplingRate": 250, "samplesBefore": 20, "samplesAfter": 20,
                                        "normalization": "zscore"}}],
        "plotSegment": [{"signal": {"path": "wfdb/fmt16"}, "window": {"start": 0, "end": 0.3}},
                        {"signal": {"path": "ptbxl/synth12_lr"}, "layout": "12lead", "format": "svg"}],
        "textDocument/hover": [{"textDocument": {"uri": "file:///fuzz.csv"}, "position": {"line": 1, "character": 0}}],
        "initialize": [{"capabilities": {"acceptEncoding": ["gzip"]}}],
        "ping": [{}],
        "shutdown": [None],
        "noSuchMethod": [{"x": 1}],
        "textDocument/didOpen": [{"textDocument": {"uri": "file:///fuzz.csv", "version": 1, "text": csv_text}},
                                 {"textDocument": {"uri": "file:///fuzz.csv", "version": 1, "text": beats_csv}}],
        "textDocument/didChange": [{"textDocument": {"uri": "file:///fuzz.csv", "version": 2},
                                    "contentChanges": [{"text": beats_csv}]}],
        "textDocument/didClose": [{"textDocument": {"uri": "file:///fuzz.csv"}}],
        "$/cancelRequest": [{"id": 2}],
        "initialized": [{}],
    }
    for index, method in enumerate(methods):
        for n, p in enumerate(params[method]):
            text = b"" if p is None else json.dumps(p, separators=(",", ":")).encode()
            put("rpc", f"call-{method.replace('/', '_').replace('$', '')}-{n}", bytes([index]) + text)
    init = request(0, "initialize", {"capabilities": {"acceptEncoding": ["gzip"]}})
    put("rpc", "stream-batch", frame(init) + frame("[" + request(1, "ping") + "," + request(2, "listModels") + "]"))
    put("rpc", "stream-gzip", frame(init) + frame(gzip.compress(request(1, "listModels").encode(), mtime=0), gzipped=True))
    put("rpc", "stream-cancel", frame(init) + frame(request(1, "detectPeaks", params["detectPeaks"][1]))
        + frame('{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}'))
    put("rpc", "stream-shutdown", frame(init) + frame(request(1, "shutdown")) + frame(request(2, "ping"))
        + frame('{"jsonrpc":"2.0","method":"exit"}'))
    put("rpc", "stream-headers", b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" + frame(init))


def json_seeds():
    put("json", "object", '{"a":[1,-2.5e-3,true,false,null],"b":{"c":"\\u00e9\\n\\"x\\""},"d":1e308}')
    put("json", "nested", "[" * 20 + "]" * 20)
    put("json", "strings", '["\\ud83d\\ude00","\\t\\b\\f\\r\\/","é€😀"]')
    put("json", "numbers", "[0,-0,9007199254740993,1.5E+10,123456789012345678901234567890,4.9e-324]")


def wfdb_seeds():
    for hea in sorted(WFDB.glob("*.hea")) + sorted((WFDB / "layouts").glob("*.hea")):
        put("wfdb-header", hea.name, hea.read_bytes())
    put("wfdb-header", "multiseg-variable", "multi/2 1 250 60\nfmt16 40\n~ 20\n")
    for dat in sorted(WFDB.glob("fmt*.dat")) + sorted((WFDB / "layouts").glob("flac*.dat")):
        hea = dat.with_suffix(".hea").read_text().splitlines()
        fmt = int(hea[1].split()[1].split("x")[0].split(":")[0].split("+")[0])
        count = min(int(hea[0].split()[1]), 4)
        put("wfdb-signal", dat.stem, bytes([FORMATS.index(fmt), count - 1, 0]) + dat.read_bytes())
        put("wfdb-signal", dat.stem + "-len-skew", bytes([FORMATS.index(fmt), 0x30 | (count - 1), 0x0A])
            + dat.read_bytes())
    put("wfdb-atr", "synthetic.atr", (WFDB / "synthetic.atr").read_bytes())
    for atr in sorted((ROOT / "Tests/Data/ptbxl-synthetic").glob("*.atr")):
        put("wfdb-atr", atr.name, atr.read_bytes())
    put("wfdb-atr", "101-head.atr", (ROOT / "Tests/Data/mitdb/101.atr").read_bytes()[:600] + b"\x00\x00")


def finding_seeds():
    # Inputs that found bugs (Fuzz/findings/TARGET/NAME, each with a regression unit test).
    for finding in sorted((FUZZ / "findings").glob("*/*")):
        put(finding.parent.name, "finding-" + finding.name, finding.read_bytes())


def file_seeds():
    for edf in sorted((ROOT / "Tests/ECGSignalTests/Fixtures/edf").glob("*.edf")):
        put("edf", edf.name, edf.read_bytes())
    put("csv", "signal.csv", "time,I,II\n" + "".join(f"{i / 250},{i % 7 - 3},{i % 5}\n" for i in range(40)))
    put("csv", "semicolon.csv", "I;II\n1,5;2\n3;4\n")
    put("csv", "beats.csv", "".join(",".join(str((i * j) % 9) for j in range(20)) + ",N\n" for i in range(3)))
    fixtures = ROOT / "Tests/ECGInferenceTests/Fixtures"
    for onnx in sorted(fixtures.glob("*.onnx")):
        put("onnx", onnx.name, onnx.read_bytes())
    put("onnx", "demo-aami5.onnx", (ROOT / "Tests/Data/models/demo-aami5/model.onnx").read_bytes())
    for keras in sorted(fixtures.glob("*.keras")):
        put("keras", keras.name, keras.read_bytes())
    put("hdf5", "keras_seq_lite.weights.h5", (fixtures / "keras_seq_lite/model.weights.h5").read_bytes())
    put("hdf5", "hostile_huge.weights.h5", (fixtures / "hostile_huge.weights.h5").read_bytes())


if __name__ == "__main__":
    shutil.rmtree(CORPUS, ignore_errors=True)
    rpc_seeds()
    json_seeds()
    wfdb_seeds()
    file_seeds()
    finding_seeds()
    for directory in sorted(CORPUS.iterdir()):
        files = list(directory.iterdir())
        print(f"{directory.name}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")
