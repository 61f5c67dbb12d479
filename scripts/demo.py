#!/usr/bin/env python3
"""The `make demo` walkthrough: spawn ecgd, talk to it as a notebook would, show what it found.

1. spawn `ecgd --stdio` with the bundled sample data as its data root, and initialize;
2. detect the beats of bundled MIT-BIH record 208 twice: by path, and by sending the samples
   themselves as a gzip-compressed binary payload (as a notebook holding a numpy array would);
3. print heart rate and beat count, and score the detections against the record's reference
   annotations with `ecgd score` (EC57 beat-by-beat matching);
4. list the shipped models, load one (mitbih-aami5 by default) into the daemon's warm registry and
   classify every beat of the record with it, showing progress as the daemon reports it;
5. compare the classes with the record's reference annotations (AAMI classes, beats matched
   within 150 ms) in a per-class table, and show the most confident abnormal beat;
6. draw the most confident abnormal beat and the strip around it on ECG paper (plotSegment) and
   write both pictures as PNG files (scripts/demo_plot.py).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

from demo_plot import write_pictures
from ecgd import Client, encode_signal, read_annotations

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DATA_ROOT = os.path.join(ROOT, "Tests", "Data")


def read_first_lead(record):
    """Lead 0 of a two-lead MIT-BIH record (format 212) in millivolts, as a notebook might hold it."""
    import numpy as np
    with open(record + ".hea") as header:
        lines = [line for line in header.read().splitlines() if line and not line.startswith("#")]
    fs = float(lines[0].split()[2])
    fields = lines[1].split()
    gain, adc_zero = float(fields[2].split("/")[0].split("(")[0]), int(fields[4])
    raw = np.fromfile(record + ".dat", dtype=np.uint8)
    groups = raw[: len(raw) // 3 * 3].reshape(-1, 3).astype(np.int32)
    lead0 = groups[:, 0] | ((groups[:, 1] & 0x0F) << 8)  # first 12-bit sample of each pair
    lead0 = np.where(lead0 > 2047, lead0 - 4096, lead0)
    return fs, (lead0 - adc_zero) / gain


def print_agreement(classified, record, model):
    """The classes against the record's reference annotations: reference beats in AAMI classes
    (two-class models: N as normal, the rest abnormal), each matched to the nearest-in-time
    classified beat within 150 ms; a reference beat without one is missed."""
    import numpy as np
    classes = classified["classes"]
    reference_samples, reference_classes = read_annotations(record).beats()
    fs = classified["fs"]
    beats = classified["beats"]
    samples = np.array([b["sample"] for b in beats])
    labels = [b["label"] for b in beats]
    tolerance = int(0.150 * fs)
    table = {c: {d: 0 for d in classes + ["missed"]} for c in classes}
    used = np.zeros(len(samples), bool)
    def model_class(aami):
        if aami in classes:
            return aami
        return (classes[0] if aami == "N" else classes[1]) if len(classes) == 2 else None

    for sample, aami in zip(reference_samples, reference_classes):
        truth = model_class(aami)
        if truth is None:
            continue
        j = int(np.searchsorted(samples, sample))
        near = [k for k in (j - 1, j) if 0 <= k < len(samples) and not used[k] and abs(samples[k] - sample) <= tolerance]
        if near:
            k = min(near, key=lambda k: abs(samples[k] - sample))
            used[k] = True
            table[truth][labels[k]] += 1
        else:
            table[truth]["missed"] += 1
    print(f"  against the reference annotations ({os.path.basename(record)} is one of the 22 records {model} was"
          " trained on, so this shows agreement, not accuracy on new patients: see its model card):")
    print("  " + "reference \\ ecgd".ljust(18) + "".join(f"{c:>8}" for c in classes + ["missed"]) + "      Se %")
    for truth, row in table.items():
        total = sum(row.values())
        se = f"{100 * row[truth] / total:8.2f}" if total else "       -"
        print("  " + truth.ljust(18) + "".join(f"{row[c]:>8}" for c in classes + ["missed"]) + f"  {se}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ecgd", default=os.path.join(ROOT, ".build", "release", "ecgd"), help="ecgd binary")
    parser.add_argument("--record", default="mitdb/208", help="record under Tests/Data (default mitdb/208)")
    parser.add_argument("--model", default="mitbih-aami5", help="model to classify with (default mitbih-aami5)")
    args = parser.parse_args()

    print(f"$ {args.ecgd} --stdio --data-root Tests/Data --log-level warning")
    with Client.spawn(args.ecgd, data_root=DATA_ROOT, args=["--log-level", "warning"]) as ecgd:
        info = ecgd.server_info
        print(f"initialize -> {info['serverInfo']['name']} {info['serverInfo']['version']}, "
              f"protocol {info['protocolVersion']}, methods: {', '.join(info['capabilities']['methods'])}")
        print(f"ping -> {ecgd.request('ping')}")

        started = time.perf_counter()
        by_path = ecgd.request("detectPeaks", {"signal": {"path": args.record}})
        elapsed = time.perf_counter() - started
        hr = by_path["heartRate"]
        print(f"\ndetectPeaks {args.record} (by path): {len(by_path['peaks'])} beats in "
              f"{by_path['durationSeconds'] / 60:.1f} min of {by_path['leadName']} at {by_path['fs']:g} Hz, "
              f"{elapsed * 1000:.0f} ms round trip")
        print(f"  heart rate: mean {hr['mean']:.1f} bpm, min {hr['min']:.1f}, max {hr['max']:.1f}")

        fs, lead0 = read_first_lead(os.path.join(DATA_ROOT, args.record))
        payload = encode_signal(lead0, fs)
        started = time.perf_counter()
        inline = ecgd.request("detectPeaks", {"signal": payload})
        elapsed = time.perf_counter() - started
        same = inline["peaks"] == by_path["peaks"]
        print(f"detectPeaks (samples sent as gzip+base64 float32, {len(payload['data']) / 1e6:.1f} MB): "
              f"{len(inline['peaks'])} beats, {elapsed * 1000:.0f} ms round trip, "
              f"{'identical to' if same else 'DIFFERENT from'} the by-path result")

        models = ecgd.request("listModels")["models"]
        print("\nlistModels ->", ", ".join(f"{m['name']} ({'/'.join(m['classes'])})" for m in models))
        model = args.model
        card = next(m for m in models if m["name"] == model)
        loaded = ecgd.request("loadModel", {"name": model})
        print(f"loadModel {model} -> warm, {loaded.get('memoryBytes', 0) / 1024:.0f} KiB")
        if card.get("clinicallyMeaningful") is False:
            print(f"  NOTE: {model} is an untrained demonstration model (see its card): its labels carry no"
                  " information.")

        def show(value):
            if value.get("kind") in ("begin", "end") or value.get("percentage", 0) % 50 < 26:
                print(f"  $/progress {value.get('kind')}: {value.get('message', '')}")

        started = time.perf_counter()
        classified = ecgd.request("classify", {"model": model, "signal": {"path": args.record}}, progress=show)
        elapsed = time.perf_counter() - started
        counts = ", ".join(f"{label} {n}" for label, n in classified["summary"]["counts"].items())
        print(f"classify {args.record} with {model}: {len(classified['beats'])} beats in {elapsed * 1000:.0f} ms "
              f"({counts})")
        print_agreement(classified, os.path.join(DATA_ROOT, args.record), model)
        top = classified["summary"].get("mostConfidentAbnormal")
        if top:
            print(f"  most confident abnormal beat: {top['label']} p={top['probability']:.2f} "
                  f"at {top['time']:.2f} s (sample {top['sample']})")
            print(f"\nplotSegment {args.record} (most confident abnormal beat, with {model}):")
            for path, what in write_pictures(ecgd, args.record, model):
                print(f"  wrote {os.path.relpath(path, ROOT)}: {what}")

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as detections:
        detections.write("\n".join(str(p) for p in by_path["peaks"]) + "\n")
    print(f"\n$ ecgd score --record Tests/Data/{args.record} --detections <the peaks above>")
    subprocess.run([args.ecgd, "score", "--record", os.path.join(DATA_ROOT, args.record),
                    "--detections", detections.name], check=True)
    os.unlink(detections.name)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
