"""Inference speed: ecgd's engine against ONNX Runtime on the same model and inputs.

For every cell of {1, 2 threads} x {batch 1, batch 3000} (configurable), times ONNX Runtime
(Python, intra_op_num_threads = threads, sequential execution, all graph optimizations) and
`ecgd benchmark-inference` on the same .onnx file with the same inputs (element i of each
input is ((i * 7919) mod 1000) / 1000), in one run, and prints beats/s and the ratio.
The ratio is ecgd's beats/s over ONNX Runtime's: above 1 means ecgd is faster.

  .venv/bin/python scripts/bench_inference.py [--ecgd .build/release/ecgd] [--model models/NAME/model.onnx ...]

By default every shipped model is timed: mitbih-aami5, mitbih-binary and kachuee187-binary.
"""
import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import time

import numpy as np
import onnxruntime as ort

ROOT = pathlib.Path(__file__).resolve().parents[1]


def inputs_for(session, batch):
    feeds = {}
    for inp in session.get_inputs():
        shape = [batch] + [int(d) for d in inp.shape[1:]]
        count = int(np.prod(shape))
        feeds[inp.name] = (((np.arange(count, dtype=np.int64) * 7919) % 1000) / 1000).astype(np.float32).reshape(shape)
    return feeds


def time_ort(model, batch, threads, repeat, warmup=3):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
    feeds = inputs_for(sess, batch)
    for _ in range(warmup):
        sess.run(None, feeds)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        sess.run(None, feeds)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def time_ecgd(cmd, model, batch, threads, repeat):
    out = subprocess.run(cmd + ["--model", str(model), "--batch", str(batch), "--threads", str(threads),
                                "--repeat", str(repeat)], check=True, capture_output=True, text=True).stdout
    report = json.loads(out.strip().splitlines()[-1])
    return report["medianSeconds"], report.get("kernel", "?")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", help="model file (repeatable; default: the shipped models' .onnx)")
    ap.add_argument("--ecgd", default=str(ROOT / ".build" / "release" / "ecgd"),
                    help="ecgd binary (its benchmark-inference subcommand is used)")
    ap.add_argument("--subcommand", default="benchmark-inference")
    ap.add_argument("--batches", default="1,3000")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeat-small", type=int, default=2000, help="timed runs for batches below 100")
    ap.add_argument("--repeat-large", type=int, default=30, help="timed runs for larger batches")
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args()

    cmd = [args.ecgd, args.subcommand]
    models = args.model or [str(ROOT / "models" / name / "model.onnx")
                            for name in ("mitbih-aami5", "mitbih-binary", "kachuee187-binary")]
    rows = []
    for model in models:
        for batch in [int(b) for b in args.batches.split(",")]:
            for threads in [int(t) for t in args.threads.split(",")]:
                repeat = args.repeat_small if batch < 100 else args.repeat_large
                ort_s = time_ort(model, batch, threads, repeat)
                ecgd_s, kernel = time_ecgd(cmd, model, batch, threads, repeat)
                rows.append({"model": model, "batch": batch, "threads": threads, "ortSeconds": ort_s,
                             "ecgdSeconds": ecgd_s, "ortBeatsPerSecond": batch / ort_s,
                             "ecgdBeatsPerSecond": batch / ecgd_s, "ratio": ort_s / ecgd_s, "kernel": kernel})

    print(f"onnxruntime {ort.__version__}   ecgd kernel: {rows[0]['kernel']}   target: ecgd/ORT >= 1 in every cell")
    print(f"{'model':<20} {'batch':>6} {'threads':>7} | {'ORT beats/s':>12} {'ORT median':>11} | "
          f"{'ecgd beats/s':>12} {'ecgd median':>11} | {'ecgd/ORT':>8}")
    for r in rows:
        name = pathlib.Path(r["model"]).parent.name
        print(f"{name:<20} {r['batch']:>6} {r['threads']:>7} | {r['ortBeatsPerSecond']:>12,.0f} "
              f"{r['ortSeconds'] * 1e6:>9.1f}us | {r['ecgdBeatsPerSecond']:>12,.0f} {r['ecgdSeconds'] * 1e6:>9.1f}us |"
              f" {r['ratio']:>7.2f}x")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0 if all(r["ratio"] >= 1 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
