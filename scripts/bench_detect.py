#!/usr/bin/env python3
"""Benchmark R-peak detection on one 30-minute 360 Hz record, same machine, same run.

  ecgd       `ecgd benchmark-detect` (in-process timing of QRSDetector.detect, release build)
  NeuroKit2  nk.ecg_clean + nk.ecg_peaks (default method)
  XQRS       wfdb.processing.xqrs_detect
The tools are timed in alternating rounds (ecgd, NeuroKit2, XQRS, then again), so that a
machine whose speed drifts (shared hosts do) slows every tool alike; each figure is the median
over all rounds. Prints wall-clock and thread-CPU medians, the ratios to ecgd (target: ecgd
>= 20x faster than NeuroKit2), and the range of the per-round NeuroKit2 ratio. Signal loading
is excluded for all three.

Usage: .venv/bin/python scripts/bench_detect.py [--record Tests/Data/mitdb/208] [--rounds 5]
Set ECGD=/path/to/ecgd to use an existing binary instead of building one.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

import wfdb
import wfdb.processing

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from ecgd_eval_common import ROOT, ecgd_binary, mlii_lead  # noqa: E402


def timed(fn, repeat):
    """Wall-clock and thread-CPU milliseconds of `repeat` runs, and the last result."""
    wall, cpu, out = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.thread_time()
        out = fn()
        wall.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.thread_time() - c0) * 1e3)
    return wall, cpu, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--record", default=str(ROOT / "Tests/Data/mitdb/208"), help="WFDB record path without extension")
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    ap.add_argument("--repeat", type=int, default=2, help="NeuroKit2 runs per round (default 2; XQRS runs once)")
    ap.add_argument("--ecgd-repeat", type=int, default=20, help="ecgd runs per round (default 20)")
    ap.add_argument("--json", action="store_true", help="print JSON")
    args = ap.parse_args()

    import neurokit2 as nk

    rec = wfdb.rdrecord(args.record)
    fs = rec.fs
    x = rec.p_signal[:, mlii_lead(rec.sig_name)]

    binary = ecgd_binary()

    def ecgd_round():
        out = subprocess.run([binary, "benchmark-detect", "--record", args.record, "--repeat", str(args.ecgd_repeat)],
                             check=True, capture_output=True, text=True)
        return json.loads(out.stdout)

    def neurokit():
        cleaned = nk.ecg_clean(x, sampling_rate=fs)
        _, info = nk.ecg_peaks(cleaned, sampling_rate=fs)
        return info["ECG_R_Peaks"]

    def xqrs():
        return wfdb.processing.xqrs_detect(x, fs, verbose=False)

    neurokit(), xqrs()  # warm-up (imports, caches)
    times = {"ecgd": ([], []), "NeuroKit2": ([], []), "XQRS": ([], [])}
    per_round = []
    for _ in range(args.rounds):
        e = ecgd_round()
        times["ecgd"][0].append(e["median_ms"])
        times["ecgd"][1].append(e["median_cpu_ms"])
        nk_wall, nk_cpu, nk_peaks = timed(neurokit, args.repeat)
        xq_wall, xq_cpu, xq_peaks = timed(xqrs, 1)
        for tool, wall, cpu in (("NeuroKit2", nk_wall, nk_cpu), ("XQRS", xq_wall, xq_cpu)):
            times[tool][0].extend(wall)
            times[tool][1].extend(cpu)
        per_round.append(statistics.median(nk_wall) / e["median_ms"])

    beats = {"ecgd": e["beats"], "NeuroKit2": len(nk_peaks), "XQRS": len(xq_peaks)}
    rows = [(t, statistics.median(w), statistics.median(c), beats[t]) for t, (w, c) in times.items()]
    base_ms, base_cpu = rows[0][1], rows[0][2]
    if args.json:
        print(json.dumps({"record": args.record, "fs": fs, "seconds": len(x) / fs, "load": os.getloadavg()[0],
                          "rounds": args.rounds, "neurokit_ratio_per_round": per_round,
                          "results": [{"tool": t, "median_ms": ms, "median_cpu_ms": cpu, "beats": b,
                                       "ratio_to_ecgd": ms / base_ms, "cpu_ratio_to_ecgd": cpu / base_cpu}
                                      for t, ms, cpu, b in rows]}, indent=2))
        return
    print(f"record {args.record}: {len(x)} samples at {fs:g} Hz ({len(x) / fs / 60:.1f} min), "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'tool':<10}{'wall ms':>10}{'cpu ms':>10}{'beats':>8}{'x ecgd wall':>13}{'x ecgd cpu':>12}")
    for t, ms, cpu, b in rows:
        print(f"{t:<10}{ms:>10.1f}{cpu:>10.1f}{b:>8}{ms / base_ms:>13.1f}{cpu / base_cpu:>12.1f}")
    print(f"NeuroKit2 / ecgd per round ({args.rounds} rounds): "
          + ", ".join(f"{r:.1f}x" for r in per_round) + f" (min {min(per_round):.1f}x)")


if __name__ == "__main__":
    main()
