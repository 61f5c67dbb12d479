#!/usr/bin/env python3
"""Whole-record analysis, end to end: ecgd through its daemon vs the same work in Python in-process.

On one 30-minute record (default: bundled MIT-BIH 208, 650,000 samples at 360 Hz), same machine,
same run, both starting from the signal as a numpy array in memory:

  ecgd    a warm `ecgd --stdio` (model already loaded): the client base64-encodes the float32
          signal (gzip too with --gzip: on a local pipe compressing costs more time than the
          bytes it saves, on a network it pays), sends `classify` {"model", "signal"}, and
          decodes the per-beat answer; the daemon detects the R-peaks, cuts and normalises the
          windows and runs the model. Transfer included.
  Python  NeuroKit2 (ecg_clean + ecg_peaks) for the R-peaks, numpy and scipy to prepare the same
          inputs as the model card says (scripts/beats_numpy.py: high-pass, windows, the record's
          template, rhythm and template features, or Kachuee beats), ONNX Runtime on the same .onnx
          model (session created once, outside the timing), then the card's gates and output
          classes.

Both use both cores (ONNX Runtime intra-op threads = 2). Prints median wall times and the ratio;
the target is ecgd at least 5x faster, with each shipped model. Usage:
  .venv/bin/python scripts/bench_pipeline.py [--record PATH] [--model NAME ...] [--repeat 5] [--gzip]
"""
import argparse
import json
import pathlib
import statistics
import time

import numpy as np
from beats_numpy import prepare, served  # scripts/ is on sys.path when run as a script
from ecgd import Client, encode_signal
from ecgd_eval_common import ecgd_binary, mlii_lead

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
    """NeuroKit2's R-peaks, the card's beat preparation in numpy (beats_numpy.py), ONNX Runtime."""
    import neurokit2 as nk
    spec = card["input"]
    names = [i.name for i in session.get_inputs()]
    window_input = spec.get("windowInput") or names[0]
    feature_input = spec.get("featureInput") or next((n for n in names if n != window_input), None)

    def run():
        cleaned = nk.ecg_clean(signal, sampling_rate=fs)
        _, info = nk.ecg_peaks(cleaned, sampling_rate=fs)
        peaks = np.asarray(info["ECG_R_Peaks"])
        inputs = prepare(signal, fs, peaks, spec)
        windows = inputs[0] if inputs[0].ndim == 3 else inputs[0][:, :, None]
        feeds = {window_input: windows}
        if len(inputs) > 1:
            feeds[feature_input] = inputs[1]
        network = session.run(None, feeds)[0]
        return peaks, served(card, network, inputs[1]) if len(inputs) > 1 else network
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--record", default=str(ROOT / "Tests/Data/mitdb/208"), help="WFDB record path")
    parser.add_argument("--model", action="append", help="model directory under models/ (repeatable; default: "
                        "mitbih-aami5, mitbih-binary, kachuee187-binary)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each pipeline (default 5)")
    parser.add_argument("--gzip", action="store_true", help="send the signal gzip-compressed (for networks)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    import onnxruntime as ort
    import wfdb

    record = wfdb.rdrecord(args.record)
    fs = float(record.fs)
    signal = record.p_signal[:, mlii_lead(record.sig_name)].astype(np.float64)
    payload_mb = len(encode_signal(signal, fs, compress=args.gzip)["data"]) / 1e6
    encoding = "gzip+base64" if args.gzip else "base64"
    results = []
    with Client.spawn(ecgd_binary(), args=["--log-level", "warning", "--models", str(ROOT / "models")],
                      progress=False) as ecgd:
        for model in args.model or ["mitbih-aami5", "mitbih-binary", "kachuee187-binary"]:
            model_dir = ROOT / "models" / model
            card = json.loads((model_dir / "model.json").read_text())
            options = ort.SessionOptions()
            options.intra_op_num_threads = 2
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            session = ort.InferenceSession(str(model_dir / card["file"]), options, providers=["CPUExecutionProvider"])
            ecgd.request("loadModel", {"name": model})

            def through_daemon():
                sent = encode_signal(signal, fs, compress=args.gzip, dtype="float32")
                return ecgd.classify(sent, model=model, timeout=600)

            # Alternate the two pipelines round by round, so that a drifting machine slows both alike.
            py_times, ecgd_times = [], []
            for _ in range(args.repeat):
                ms, (py_peaks, _) = median_ms(python_pipeline(signal, fs, session, card), 1)
                py_times.append(ms)
                ms, answer = median_ms(through_daemon, 1)
                ecgd_times.append(ms)
            py_ms, ecgd_ms = statistics.median(py_times), statistics.median(ecgd_times)
            results.append({
                "model": model, "ecgd": {"median_ms": ecgd_ms, "beats": len(answer.labels)},
                "python": {"median_ms": py_ms, "beats": int(len(py_peaks))}, "speedup": py_ms / ecgd_ms})
    if args.json:
        print(json.dumps({"record": args.record, "samples": len(signal), "fs": fs, "encoding": encoding,
                          "payloadMegabytes": round(payload_mb, 2), "models": results}, indent=2))
        return
    print(f"record {args.record}: {len(signal)} samples at {fs:g} Hz ({len(signal) / fs / 60:.1f} min); "
          f"signal sent as {payload_mb:.2f} MB of {encoding} float32; target: ecgd >= 5x faster")
    print(f"{'model':<20}{'ecgd daemon ms':>15}{'NeuroKit2+numpy+ORT ms':>24}{'speedup':>9}{'beats':>13}")
    for r in results:
        print(f"{r['model']:<20}{r['ecgd']['median_ms']:>15.1f}{r['python']['median_ms']:>24.1f}"
              f"{r['speedup']:>8.1f}x{r['ecgd']['beats']:>6}/{r['python']['beats']}")


if __name__ == "__main__":
    main()
