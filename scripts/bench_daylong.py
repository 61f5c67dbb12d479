#!/usr/bin/env python3
"""Day-long recordings through the daemon: time and peak memory of `detectPeaks` and `classify`.

Builds a 24-hour two-lead recording by concatenating MIT-BIH records (48 half-hour records,
taking the records of --data-dir in turn: 31.1 million samples per lead at 360 Hz), written
into a temporary directory (never committed) as WFDB format 16 and as EDF (1-second data
records). For each file and method a fresh `ecgd --stdio` serves the requests, so that its
peak resident memory (VmHWM in /proc/PID/status, read before it exits) belongs to that method
alone:
  detectPeaks  by path, --repeat calls, the median wall time as the client sees it;
  classify     by path with the mitbih-aami5 model (about 100,000 beats), once.
Both ask for what the Python client asks for: numeric arrays as base64 typed arrays
(`"arrays": "base64"`), and classify's beats as columns.
Targets: detectPeaks under 0.5 s with the daemon's peak RSS under 400 MB; classify of the day
in a few seconds with bounded memory.

Usage: .venv/bin/python scripts/bench_daylong.py [--data-dir ../shared/data/mitdb] [--repeat 5]
Set ECGD=/path/to/ecgd to use an existing binary instead of building one.
"""
import argparse
import base64
import json
import os
import pathlib
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np
import wfdb

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from ecgd_eval_common import ROOT, EcgdSession, ecgd_binary  # noqa: E402

RECORDS_PER_DAY = 48


def day_signal(data_dir):
    """The digital samples (frames x 2, int16, baseline removed) of 48 records end to end."""
    names = sorted(p.stem for p in data_dir.glob("*.hea"))
    parts, fs = [], None
    for i in range(RECORDS_PER_DAY):
        rec = wfdb.rdrecord(str(data_dir / names[i % len(names)]), physical=False)
        fs = rec.fs
        parts.append((rec.d_signal[:, :2].astype(np.int32) - np.array(rec.baseline[:2])).astype(np.int16))
    return np.concatenate(parts), fs


def write_wfdb(d, fs, directory):
    d.astype("<i2").tofile(directory / "day.dat")
    checks = [int(np.int16(np.sum(d[:, i], dtype=np.int64) & 0xFFFF)) for i in range(2)]
    with open(directory / "day.hea", "w") as f:
        f.write(f"day 2 {fs:g} {len(d)}\n")
        for i, name in enumerate(["MLII", "V1"]):
            f.write(f"day.dat 16 200(0)/mV 16 0 {int(d[0, i])} {checks[i]} 0 {name}\n")


def write_edf(d, fs, directory):
    """EDF with 1-second data records, 200 digital units per mV."""
    per_record = int(fs)
    records = len(d) // per_record
    def field(text, width):
        return str(text)[:width].ljust(width).encode("ascii")
    header = (field("0", 8) + field("X X X day", 80) + field("Startdate 01-JAN-2026 X X X", 80)
              + field("01.01.26", 8) + field("00.00.00", 8) + field(256 * 3, 8) + field("", 44)
              + field(records, 8) + field(1, 8) + field(2, 4))
    signals = [("ECG MLII", "mV"), ("ECG V1", "mV")]
    header += b"".join(field(label, 16) for label, _ in signals)
    header += b"".join(field("AgAgCl electrode", 80) for _ in signals)
    header += b"".join(field(unit, 8) for _, unit in signals)
    header += b"".join(field("-163.84", 8) for _ in signals) + b"".join(field("163.835", 8) for _ in signals)
    header += b"".join(field(-32768, 8) for _ in signals) + b"".join(field(32767, 8) for _ in signals)
    header += b"".join(field("", 80) for _ in signals) + b"".join(field(per_record, 8) for _ in signals)
    header += b"".join(field("", 32) for _ in signals)
    body = d[: records * per_record].reshape(records, per_record, 2).transpose(0, 2, 1).astype("<i2")
    with open(directory / "day.edf", "wb") as f:
        f.write(header)
        body.tofile(f)


def typed_length(value):
    """Number of values in a base64 typed array of an answer."""
    return len(base64.b64decode(value["data"])) // {"int32": 4, "int64": 8, "float64": 8}[value["dtype"]]


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure(binary, directory, method, params, repeat):
    """Median wall seconds of `repeat` calls in a fresh daemon, the median of the daemon's CPU
    seconds per call (all threads: a loaded machine stretches wall time, not this), its peak
    RSS and the last answer."""
    with EcgdSession(binary, directory) as ecgd:
        times, cpu, result = [], [], None
        for _ in range(repeat):
            start, cpu0 = time.perf_counter(), ecgd.cpu_seconds()
            result = ecgd.request(method, params)
            times.append(time.perf_counter() - start)
            cpu.append(ecgd.cpu_seconds() - cpu0)
        rss = peak_rss_mb(ecgd.pid())
    return statistics.median(times), statistics.median(cpu), rss, result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=str(ROOT.parent / "shared/data/mitdb"))
    ap.add_argument("--repeat", type=int, default=5, help="detectPeaks calls per file (default 5)")
    ap.add_argument("--model", default="mitbih-aami5")
    ap.add_argument("--keep", help="write the day-long files here (kept, and reused when there) instead of a "
                    "temporary directory")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    binary = ecgd_binary()
    directory = pathlib.Path(args.keep) if args.keep else pathlib.Path(tempfile.mkdtemp(prefix="ecgd-day-"))
    directory.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        d, fs = day_signal(pathlib.Path(args.data_dir))
        if not (directory / "day.hea").exists() or not (directory / "day.edf").exists():
            write_wfdb(d, fs, directory)
            write_edf(d, fs, directory)
        hours = len(d) / fs / 3600
        for path in ["day", "day.edf"]:
            seconds, cpu, rss, result = measure(
                binary, directory, "detectPeaks", {"signal": {"path": path}, "arrays": "base64"}, args.repeat)
            rows.append({"file": path, "method": "detectPeaks", "seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": rss,
                         "beats": typed_length(result["peaks"]), "target_seconds": 0.5, "target_rss_mb": 400})
        params = {"model": args.model, "signal": {"path": "day"}, "beatsLayout": "columns", "arrays": "base64"}
        seconds, cpu, rss, result = measure(binary, directory, "classify", params, 1)
        rows.append({"file": "day", "method": "classify", "seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": rss,
                     "beats": typed_length(result["beatColumns"]["sample"]), "target_seconds": None,
                     "target_rss_mb": None})
    finally:
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)
    if args.json:
        print(json.dumps({"hours": hours, "samples_per_lead": len(d), "load": os.getloadavg()[0], "results": rows},
                         indent=2))
        return
    print(f"day-long recording: {hours:.1f} h, 2 leads, {len(d)} samples per lead at {fs:g} Hz, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'file':<9}{'method':<13}{'seconds':>9}{'daemon CPU s':>14}{'peak RSS MB':>13}{'beats':>9}   target")
    for r in rows:
        target = "a few seconds, bounded memory"
        if r["target_seconds"]:
            ok = r["seconds"] < r["target_seconds"] and r["peak_rss_mb"] < r["target_rss_mb"]
            target = f"< {r['target_seconds']} s and < {r['target_rss_mb']} MB: {'met' if ok else 'SHORT'}"
        print(f"{r['file']:<9}{r['method']:<13}{r['seconds']:>9.3f}{r['cpu_seconds']:>14.3f}{r['peak_rss_mb']:>13.0f}"
              f"{r['beats']:>9}   {target}")


if __name__ == "__main__":
    main()
