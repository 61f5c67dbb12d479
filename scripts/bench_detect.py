#!/usr/bin/env python3
"""Benchmark R-peak detection on one 30-minute 360 Hz record, same machine, same run.

  ecgd       `ecgd benchmark-detect` (in-process timing of QRSDetector.detect, release build)
  ecgd-wire  `detectPeaks` of the record by path through `ecgd --stdio`, timed by the client
             from sending the request to holding the parsed answer and the peaks as a numpy
             array (file reading, detection, JSON, framing and the pipe included); the numeric
             arrays come as base64 typed arrays (`"arrays": "base64"`), as the Python client asks
  NeuroKit2  nk.ecg_clean + nk.ecg_peaks (default method)
  sleepecg   sleepecg.detect_heartbeats (its C detector)
  XQRS       wfdb.processing.xqrs_detect (--xqrs; seconds per run)
The tools are timed in alternating rounds, so that a machine whose speed drifts (shared hosts
do) slows every tool alike; each figure is the median over all rounds. Prints wall-clock and
thread-CPU medians, the ratios to ecgd, the per-round NeuroKit2 ratios, and the targets:
NeuroKit2 / ecgd >= 40x (detector alone) and NeuroKit2 / ecgd-wire >= 20x. Signal loading is
excluded for the in-process tools; the wire figure includes it.

Usage: .venv/bin/python scripts/bench_detect.py [--record Tests/Data/mitdb/208] [--rounds 5]
Set ECGD=/path/to/ecgd to use an existing binary instead of building one.
"""
import argparse
import base64
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

import numpy
import wfdb
import wfdb.processing

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from ecgd_eval_common import ROOT, EcgdSession, ecgd_binary, mlii_lead  # noqa: E402


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
    ap.add_argument("--wire-repeat", type=int, default=10, help="detectPeaks calls per round (default 10)")
    ap.add_argument("--xqrs", action="store_true", help="also time XQRS (seconds per run)")
    ap.add_argument("--json", action="store_true", help="print JSON")
    args = ap.parse_args()

    import neurokit2 as nk
    import sleepecg

    rec = wfdb.rdrecord(args.record)
    fs = rec.fs
    lead = mlii_lead(rec.sig_name)
    x = rec.p_signal[:, lead]
    record = pathlib.Path(args.record).resolve()

    binary = ecgd_binary()
    session = EcgdSession(binary, record.parent)

    def ecgd_round():
        out = subprocess.run([binary, "benchmark-detect", "--record", args.record, "--repeat", str(args.ecgd_repeat)],
                             check=True, capture_output=True, text=True)
        return json.loads(out.stdout)

    daemon_cpu = []

    def wire():
        cpu0 = session.cpu_seconds()
        # Typed arrays, as the Python client asks: the answer decodes in one step.
        answer = session.request("detectPeaks", {"signal": {"path": record.name}, "lead": lead, "arrays": "base64"})
        peaks = numpy.frombuffer(base64.b64decode(answer["peaks"]["data"]), dtype="<i4")
        daemon_cpu.append((session.cpu_seconds() - cpu0) * 1e3)
        return peaks

    def neurokit():
        cleaned = nk.ecg_clean(x, sampling_rate=fs)
        _, info = nk.ecg_peaks(cleaned, sampling_rate=fs)
        return info["ECG_R_Peaks"]

    def sleep_ecg():
        return sleepecg.detect_heartbeats(x, fs, backend="c")

    def xqrs():
        return wfdb.processing.xqrs_detect(x, fs, verbose=False)

    peers = [("ecgd-wire", wire, args.wire_repeat), ("NeuroKit2", neurokit, args.repeat), ("sleepecg", sleep_ecg, args.repeat)]
    if args.xqrs:
        peers.append(("XQRS", xqrs, 1))
    for _, fn, _ in peers:
        fn()  # warm-up (imports, caches, the daemon's first request)
    times = {"ecgd": ([], [])} | {name: ([], []) for name, _, _ in peers}
    beats = {}
    per_round, per_round_wire = [], []
    for _ in range(args.rounds):
        e = ecgd_round()
        times["ecgd"][0].append(e["median_ms"])
        times["ecgd"][1].append(e["median_cpu_ms"])
        beats["ecgd"] = e["beats"]
        medians = {}
        for name, fn, repeat in peers:
            wall, cpu, found = timed(fn, repeat)
            times[name][0].extend(wall)
            times[name][1].extend(cpu)
            beats[name] = len(found)
            medians[name] = statistics.median(wall)
        per_round.append(medians["NeuroKit2"] / e["median_ms"])
        per_round_wire.append(medians["NeuroKit2"] / medians["ecgd-wire"])
    session.close()

    rows = [(t, statistics.median(w), statistics.median(c), beats[t]) for t, (w, c) in times.items()]
    median = {t: ms for t, ms, _, _ in rows}
    targets = [("NeuroKit2 / ecgd (detector alone)", median["NeuroKit2"] / median["ecgd"], 40),
               ("NeuroKit2 / ecgd-wire (detectPeaks by path)", median["NeuroKit2"] / median["ecgd-wire"], 20)]
    base_ms, base_cpu = rows[0][1], rows[0][2]
    if args.json:
        print(json.dumps({"record": args.record, "fs": fs, "seconds": len(x) / fs, "load": os.getloadavg()[0],
                          "rounds": args.rounds, "neurokit_ratio_per_round": per_round,
                          "neurokit_wire_ratio_per_round": per_round_wire,
                          "targets": [{"figure": f, "value": v, "target": t} for f, v, t in targets],
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
    print(f"NeuroKit2 / ecgd-wire per round: " + ", ".join(f"{r:.1f}x" for r in per_round_wire)
          + f" (min {min(per_round_wire):.1f}x)")
    print(f"ecgd-wire: the daemon's CPU per call (all threads, 10 ms clock ticks) median "
          f"{statistics.median(daemon_cpu):.0f} ms; the client's thread CPU is reading and decoding the answer")
    for figure, value, target in targets:
        print(f"{figure}: {value:.1f}x, target >= {target}x: {'met' if value >= target else 'SHORT'}")


if __name__ == "__main__":
    main()
