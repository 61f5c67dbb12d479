#!/usr/bin/env python3
"""Whole-record analysis, end to end: ecgd through its daemon vs the same work in Python in-process.

On one 30-minute record (default: bundled MIT-BIH 208, 650,000 samples at 360 Hz), same machine,
same run, both starting from the signal as a numpy array in memory:

  ecgd    a warm `ecgd --stdio` (model already loaded): the client base64-encodes the float32
          signal (gzip too with --gzip: on a local pipe compressing costs more time than the
          bytes it saves, on a network it pays), sends `classify` {"model", "signal"}, and
          decodes the per-beat answer; the daemon detects the R-peaks, cuts and normalises the
          windows and runs the model. Transfer included.
  Python  NeuroKit2 (ecg_clean + ecg_peaks) for the R-peaks, numpy to cut and normalise the same
          windows, ONNX Runtime on the same .onnx model (session created once, outside the timing).

Both use both cores (ONNX Runtime intra-op threads = 2). Prints median wall times and the ratio;
the target is ecgd faster. Usage:
  .venv/bin/python scripts/bench_pipeline.py [--record PATH] [--model demo-aami5] [--repeat 5] [--gzip]
"""
import argparse
import json
import pathlib
import statistics
import time

import numpy as np
from ecgd import Client, encode_signal
from ecgd_eval_common import ecgd_binary, mlii_lead  # scripts/ is on sys.path when run as a script

ROOT = pathlib.Path(__file__).resolve().parents[1]


def median_ms(fn, repeat):
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - started) * 1e3)
    return statistics.median(times), out


def python_pipeline(signal, fs, session, card):
    import neurokit2 as nk
    spec = card["input"]
    before, after = spec["samplesBefore"], spec["samplesAfter"]
    if spec["samplingRate"] != fs:
        raise SystemExit("this benchmark uses a record at the model's own sampling rate")

    def run():
        cleaned = nk.ecg_clean(signal, sampling_rate=fs)
        _, info = nk.ecg_peaks(cleaned, sampling_rate=fs)
        peaks = np.asarray(info["ECG_R_Peaks"])
        peaks = peaks[(peaks >= before) & (peaks + after <= len(signal))]
        index = peaks[:, None] + np.arange(-before, after)[None, :]
        windows = signal[index].astype(np.float32)
        if spec["normalization"] == "zscore":
            windows = (windows - windows.mean(axis=1, keepdims=True)) / (windows.std(axis=1, keepdims=True) + 1e-6)
        elif spec["normalization"] == "minmax":
            low, high = windows.min(axis=1, keepdims=True), windows.max(axis=1, keepdims=True)
            windows = (windows - low) / np.maximum(high - low, 1e-6)
        feed_name = session.get_inputs()[0].name
        shape = session.get_inputs()[0].shape
        feed = windows[:, None, :] if len(shape) == 3 and shape[1] == 1 else windows[:, :, None]
        scores = session.run(None, {feed_name: feed})[0]
        return peaks, scores.argmax(axis=1)
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--record", default=str(ROOT / "Tests/Data/mitdb/208"), help="WFDB record path")
    parser.add_argument("--model", default="demo-aami5", help="model directory name under models/")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each pipeline (default 5)")
    parser.add_argument("--gzip", action="store_true", help="send the signal gzip-compressed (for networks)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    import onnxruntime as ort
    import wfdb

    record = wfdb.rdrecord(args.record)
    fs = float(record.fs)
    signal = record.p_signal[:, mlii_lead(record.sig_name)].astype(np.float64)
    model_dir = ROOT / "models" / args.model
    card = json.loads((model_dir / "model.json").read_text())

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(str(model_dir / card["file"]), options, providers=["CPUExecutionProvider"])
    py_ms, (py_peaks, _) = median_ms(python_pipeline(signal, fs, session, card), args.repeat)

    with Client.spawn(ecgd_binary(), args=["--log-level", "warning", "--models", str(ROOT / "models")],
                      progress=False) as ecgd:
        ecgd.request("loadModel", {"name": args.model})

        def through_daemon():
            payload = encode_signal(signal, fs, compress=args.gzip, dtype="float32")
            return ecgd.request("classify", {"model": args.model, "signal": payload}, timeout=600)

        ecgd_ms, answer = median_ms(through_daemon, args.repeat)
    payload_mb = len(encode_signal(signal, fs, compress=args.gzip)["data"]) / 1e6
    encoding = "gzip+base64" if args.gzip else "base64"

    results = {
        "record": args.record, "samples": len(signal), "fs": fs, "model": args.model,
        "payloadMegabytes": round(payload_mb, 2), "encoding": encoding,
        "ecgd": {"median_ms": ecgd_ms, "beats": len(answer["beats"])},
        "python": {"median_ms": py_ms, "beats": int(len(py_peaks))},
        "speedup": py_ms / ecgd_ms,
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"record {args.record}: {len(signal)} samples at {fs:g} Hz ({len(signal) / fs / 60:.1f} min), "
          f"model {args.model}; signal sent as {payload_mb:.2f} MB of {encoding} float32")
    print(f"{'pipeline':<44}{'median ms':>10}{'beats':>7}")
    print(f"{'ecgd daemon over stdio (transfer included)':<44}{ecgd_ms:>10.1f}{len(answer['beats']):>7}")
    print(f"{'NeuroKit2 + numpy + ONNX Runtime in-process':<44}{py_ms:>10.1f}{len(py_peaks):>7}")
    print(f"ecgd is {py_ms / ecgd_ms:.1f}x faster" if ecgd_ms < py_ms else f"ecgd is {ecgd_ms / py_ms:.1f}x SLOWER")


if __name__ == "__main__":
    main()
