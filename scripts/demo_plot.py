#!/usr/bin/env python3
"""The pictures of `make demo`: the most confident abnormal beat of a record, and the strip around it.

Both come from one `plotSegment` request each: the daemon detects and classifies every beat of
the record with the model (exactly as `classify` does), picks the beat labelled abnormal with the
highest probability, and draws it on ECG paper with its label, probability and the record's
reference annotations. `scripts/demo.py` calls `write_pictures` on its session; run alone, this
script spawns its own daemon:
    .venv/bin/python scripts/demo_plot.py [--record mitdb/208] [--model demo-aami5] [--out out/demo]
"""
import argparse
import base64
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA_ROOT = os.path.join(ROOT, "Tests", "Data")
OUT = os.path.join(ROOT, "out", "demo")


def write_pictures(ecgd, record, model, out=OUT):
    """Asks `ecgd` (a connected client) for the two pictures and writes them as PNG files.
    Returns [(path, description)]."""
    os.makedirs(out, exist_ok=True)
    common = {"signal": {"path": record}, "model": model, "reference": "atr", "showProbabilities": True}
    pictures = [
        ("most-confident-abnormal-beat", "the beat, at 50 mm/s",
         {"window": {"beat": "mostConfidentAbnormal", "before": 0.7, "after": 0.9}, "speed": 50}),
        ("strip-around-it", "10 s around it, at 25 mm/s",
         {"window": {"beat": "mostConfidentAbnormal", "before": 5, "after": 5}}),
    ]
    written = []
    for name, what, params in pictures:
        result = ecgd.request("plotSegment", {**common, **params}, progress=False, timeout=300)
        path = os.path.join(out, f"{os.path.basename(record)}-{name}.png")
        with open(path, "wb") as file:
            file.write(base64.b64decode(result["data"]))
        beat = next(b for b in result["beats"] if b.get("highlighted"))
        written.append((path, f"{what}: {beat['label']} p={beat['probability']:.2f} at {beat['time']:.2f} s, "
                              f"{result['width']} x {result['height']} px"))
    return written


def main():
    from ecgd import Client

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ecgd", default=os.path.join(ROOT, ".build", "release", "ecgd"), help="ecgd binary")
    parser.add_argument("--record", default="mitdb/208", help="record under Tests/Data (default mitdb/208)")
    parser.add_argument("--model", default="mitbih-aami5", help="model (default mitbih-aami5)")
    parser.add_argument("--out", default=OUT, help="directory for the pictures (default out/demo)")
    args = parser.parse_args()
    with Client.spawn(args.ecgd, data_root=DATA_ROOT, progress=False) as ecgd:
        for path, what in write_pictures(ecgd, args.record, args.model, args.out):
            print(f"wrote {os.path.relpath(path, ROOT)}: {what}")


if __name__ == "__main__":
    main()
