#!/usr/bin/env python3
"""Benchmark ECG plotting: ecgd's plotSegment against matplotlib drawing the same picture.

Same machine, same run, tools timed in alternating rounds; each figure is the median over all
rounds. Two pictures, both PNG at 100 dpi, both from samples held in memory:

  strip    10 s of one lead (MIT-BIH 208, MLII, 360 Hz) at 1200 x 400 px on ECG paper: 1 mm and
           5 mm grid at 25 mm/s and 10 mm/mV, a 1 mV calibration pulse, the lead name, a title and
           a time axis in seconds.
  12-lead  the clinical page of a 10 s 12-lead record (Tests/Data/ptbxl-synthetic/synth12_hr,
           500 Hz, PTB-XL layout): 3 rows x 4 columns of 2.5 s and a lead II rhythm strip, with
           the same grid, pulses and labels, on ecgd's natural page at 100 dpi (1063 x 650 px).

  ecgd        a warm `ecgd --stdio`: the client sends `plotSegment` with the samples (base64
              float32) and decodes the base64 PNG of the answer; transfer included (frames not
              gzipped, the client's default on a local pipe).
  matplotlib  what NeuroKit2's and the `ecg_plot` package's plots are made with (Agg backend): a
              new figure per picture, the grid from minor and major ticks as ecg_plot draws it,
              the trace, pulses and text, `savefig` to PNG in memory. Also reported: the same with
              the figure built once and only the trace data replaced (matplotlib's best case).

Wall times are medians; CPU times (the ecgd process's, all threads, read from /proc; this
process's for matplotlib) are per picture, and are what a loaded machine disturbs least.
Target (issue 9): the strip in under 10 ms and at least 30x faster than matplotlib.
Usage: .venv/bin/python scripts/bench_plot.py [--rounds 5] [--repeat 20] [--json] [--save DIR]
Set ECGD=/path/to/ecgd to use an existing binary instead of building one.
"""
import argparse
import base64
import io
import json
import os
import pathlib
import statistics
import time

import numpy as np
import wfdb

from ecgd import Client, encode_signal
from ecgd_eval_common import ecgd_binary, mlii_lead  # scripts/ is on sys.path when run as a script

ROOT = pathlib.Path(__file__).resolve().parents[1]

SPEED, GAIN = 25.0, 10.0          # mm/s, mm/mV
DPI = 100
MINOR, MAJOR = "#F5C4C4", "#E58C8C"   # ecgd's ECG paper colours


def timed(fn, repeat):
    """Wall-clock milliseconds of `repeat` calls, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - started) * 1e3)
    return times, out


def process_cpu_ms(pid):
    """User + system CPU time of a process so far (all its threads), from /proc, in milliseconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1e3 / os.sysconf("SC_CLK_TCK")


class CPU:
    """CPU milliseconds per call, summed over rounds: of the ecgd process, or of this one (matplotlib).
    CPU time is what a loaded machine disturbs least, so it is reported beside the wall clock."""
    def __init__(self, pid=None):
        self.pid, self.total, self.calls = pid, 0.0, 0

    def run(self, fn, repeat):
        before = process_cpu_ms(self.pid) if self.pid else time.process_time() * 1e3
        times, out = timed(fn, repeat)
        after = process_cpu_ms(self.pid) if self.pid else time.process_time() * 1e3
        self.total += after - before
        self.calls += repeat
        return times, out

    @property
    def per_call(self):
        return self.total / self.calls


# MARK: matplotlib

def paper(figure, width_mm, height_mm, top_mm, bottom_mm):
    """Axes in millimetres over the paper area (y down), gridded as ecg_plot grids: ticks every
    1 mm (minor) and 5 mm (major) with grid lines on them."""
    ax = figure.add_axes([0, bottom_mm / height_mm, 1, 1 - (top_mm + bottom_mm) / height_mm])
    ax.set_xlim(0, width_mm)
    ax.set_ylim(height_mm - top_mm - bottom_mm, 0)
    ax.set_xticks(np.arange(0, width_mm, 5))
    ax.set_yticks(np.arange(0, height_mm - top_mm - bottom_mm, 5))
    ax.set_xticks(np.arange(0, width_mm, 1), minor=True)
    ax.set_yticks(np.arange(0, height_mm - top_mm - bottom_mm, 1), minor=True)
    ax.grid(which="minor", color=MINOR, linewidth=0.5)
    ax.grid(which="major", color=MAJOR, linewidth=0.8)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax


def pulse(ax, x, baseline):
    ax.plot([x, x + 2.5, x + 2.5, x + 7.5, x + 7.5, x + 10], [baseline, baseline, baseline - GAIN, baseline - GAIN,
                                                             baseline, baseline], color="black", linewidth=0.85)


def trace(ax, x0, samples, fs, baseline):
    x = x0 + np.arange(len(samples)) / fs * SPEED
    return ax.plot(x, baseline - (samples - np.median(samples)) * GAIN, color="black", linewidth=0.85)[0]


def matplotlib_strip(samples, fs, reuse=None):
    """The 1200 x 400 strip: ecgd's page for that size is 270 mm x 90 mm at 112.9 dpi; here the
    same millimetres on a 12 x 4 in figure at 100 dpi."""
    from matplotlib.figure import Figure
    if reuse is not None:
        figure, line = reuse
        line.set_ydata(45 - (samples - np.median(samples)) * GAIN)
    else:
        width, height = 270.0, 90.0
        figure = Figure(figsize=(12, 4), dpi=DPI)
        ax = paper(figure, width, height, 8, 7)
        pulse(ax, 5, 45)
        line = trace(ax, 15, samples, fs, 45)
        ax.text(5.3, 45 - GAIN - 1.5, "MLII", fontsize=8.5, fontweight="bold")
        figure.text(0.01, 1 - 5.6 / height, "208 · MLII · 0–10 s", fontsize=9, fontweight="bold")
        figure.text(0.99, 1 - 5.6 / height, "25 mm/s · 10 mm/mV", fontsize=9, ha="right")
        for second in range(10):
            figure.text((15 + second * SPEED) / width, 2.6 / height, f"{second} s", fontsize=7, ha="center")
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue(), (figure, line)


def matplotlib_12lead(leads, names, fs, width, height):
    """The 12-lead page on ecgd's page size (`width` x `height` mm) at 100 dpi, four equal strips."""
    from matplotlib.figure import Figure
    rows = [["I", "AVR", "V1", "V4"], ["II", "AVL", "V2", "V5"], ["III", "AVF", "V3", "V6"]]
    n = len(leads[0])
    strip = (height - 8 - 7) / 4
    figure = Figure(figsize=(width / 25.4, height / 25.4), dpi=DPI)
    ax = paper(figure, width, height, 8, 7)
    quarter = n // 4
    for r, row in enumerate(rows + [["II"]]):
        baseline = r * strip + strip * 0.6
        pulse(ax, 5, baseline)
        for c, name in enumerate(row):
            start, end = (0, n) if len(row) == 1 else (c * quarter, (c + 1) * quarter)
            trace(ax, 15 + start / fs * SPEED, leads[names.index(name)][start:end], fs, baseline)
            ax.text(15 + start / fs * SPEED + (0.3 - 10 if c == 0 else 1), baseline - GAIN - 1.5, name,
                    fontsize=8.5, fontweight="bold")
    figure.text(0.01, 1 - 5.6 / height, "synth12_hr · 12-lead · 0–10 s", fontsize=9, fontweight="bold")
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


# MARK: ecgd

def ecgd_strip(ecgd, signal):
    result = ecgd.request("plotSegment", {"signal": signal, "peaks": [], "size": {"width": 1200, "height": 400},
                                          "title": "208 · MLII · 0–10 s"})
    return base64.b64decode(result["data"]), result


def ecgd_12lead(ecgd, signal):
    result = ecgd.request("plotSegment", {"signal": signal, "layout": "12lead", "peaks": [], "dpi": DPI})
    return base64.b64decode(result["data"]), result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    ap.add_argument("--repeat", type=int, default=20, help="ecgd pictures per round (default 20)")
    ap.add_argument("--mpl-repeat", type=int, default=3, help="matplotlib pictures per round (default 3)")
    ap.add_argument("--json", action="store_true", help="print JSON")
    ap.add_argument("--save", metavar="DIR", help="write the four pictures there")
    args = ap.parse_args()

    record = wfdb.rdrecord(str(ROOT / "Tests/Data/mitdb/208"), sampto=3600)
    fs = record.fs
    strip = record.p_signal[:, mlii_lead(record.sig_name)]
    twelve = wfdb.rdrecord(str(ROOT / "Tests/Data/ptbxl-synthetic/synth12_hr"))
    leads = twelve.p_signal.T.copy()
    strip_signal = encode_signal(strip, fs, compress=False, dtype="float32", lead_names=["MLII"])
    twelve_signal = encode_signal(leads, twelve.fs, compress=False, dtype="float32", lead_names=twelve.sig_name)

    binary = ecgd_binary()
    with Client.spawn(binary, data_root=str(ROOT / "Tests" / "Data"), progress=False) as ecgd:
        # Warm-up: fonts, caches, imports.
        png, strip_result = ecgd_strip(ecgd, strip_signal)
        png12, twelve_result = ecgd_12lead(ecgd, twelve_signal)
        mpl_png, reuse = matplotlib_strip(strip, fs)
        page = (twelve_result["widthMm"], twelve_result["heightMm"])
        mpl_png12 = matplotlib_12lead(leads, twelve.sig_name, twelve.fs, *page)
        if args.save:
            os.makedirs(args.save, exist_ok=True)
            for name, data in [("ecgd_strip.png", png), ("matplotlib_strip.png", mpl_png),
                               ("ecgd_12lead.png", png12), ("matplotlib_12lead.png", mpl_png12)]:
                pathlib.Path(args.save, name).write_bytes(data)
        times = {key: [] for key in ["ecgd strip", "matplotlib strip",
                                     "matplotlib strip (figure reused)", "ecgd 12-lead", "matplotlib 12-lead"]}
        ratios = []
        cpu = {key: CPU(ecgd.process.pid if key.startswith("ecgd") else None) for key in times}
        for _ in range(args.rounds):
            e, _ = cpu["ecgd strip"].run(lambda: ecgd_strip(ecgd, strip_signal), args.repeat)
            m, _ = cpu["matplotlib strip"].run(lambda: matplotlib_strip(strip, fs), args.mpl_repeat)
            r, _ = cpu["matplotlib strip (figure reused)"].run(lambda: matplotlib_strip(strip, fs, reuse), args.mpl_repeat)
            e12, _ = cpu["ecgd 12-lead"].run(lambda: ecgd_12lead(ecgd, twelve_signal), args.repeat)
            m12, _ = cpu["matplotlib 12-lead"].run(
                lambda: matplotlib_12lead(leads, twelve.sig_name, twelve.fs, *page), args.mpl_repeat)
            for key, values in zip(times, [e, m, r, e12, m12]):
                times[key] += values
            ratios.append(statistics.median(m) / statistics.median(e))

    medians = {key: statistics.median(values) for key, values in times.items()}
    cpu_ms = {key: value.per_call for key, value in cpu.items()}
    report = {
        "strip": {"size": [strip_result["width"], strip_result["height"]], "ecgd_ms": medians["ecgd strip"],
                  "matplotlib_ms": medians["matplotlib strip"],
                  "matplotlib_reused_ms": medians["matplotlib strip (figure reused)"],
                  "ratio": medians["matplotlib strip"] / medians["ecgd strip"],
                  "ratio_reused": medians["matplotlib strip (figure reused)"] / medians["ecgd strip"],
                  "ratio_range": [min(ratios), max(ratios)],
                  "ecgd_cpu_ms": cpu_ms["ecgd strip"], "matplotlib_cpu_ms": cpu_ms["matplotlib strip"],
                  "cpu_ratio": cpu_ms["matplotlib strip"] / cpu_ms["ecgd strip"]},
        "12lead": {"size": [twelve_result["width"], twelve_result["height"]], "ecgd_ms": medians["ecgd 12-lead"],
                   "matplotlib_ms": medians["matplotlib 12-lead"],
                   "ratio": medians["matplotlib 12-lead"] / medians["ecgd 12-lead"],
                   "ecgd_cpu_ms": cpu_ms["ecgd 12-lead"], "matplotlib_cpu_ms": cpu_ms["matplotlib 12-lead"]},
        "rounds": args.rounds, "load_average": os.getloadavg(),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    s, t = report["strip"], report["12lead"]
    load = ", ".join(f"{x:.1f}" for x in report["load_average"])
    print(f"10 s strip, {s['size'][0]} x {s['size'][1]} px PNG, through the wire "
          f"(median wall time of {args.rounds} alternating rounds; CPU per picture; load average {load})")
    print(f"  ecgd plotSegment      {s['ecgd_ms']:8.2f} ms   CPU {s['ecgd_cpu_ms']:7.2f} ms   (target < 10 ms)")
    print(f"  matplotlib            {s['matplotlib_ms']:8.2f} ms   CPU {s['matplotlib_cpu_ms']:7.2f} ms   "
          f"ecgd {s['ratio']:.0f}x faster (per round {s['ratio_range'][0]:.0f}-{s['ratio_range'][1]:.0f}x; "
          f"CPU {s['cpu_ratio']:.0f}x; target >= 30x)")
    print(f"  matplotlib, reused    {s['matplotlib_reused_ms']:8.2f} ms   ecgd {s['ratio_reused']:.0f}x faster")
    print(f"12-lead page, {t['size'][0]} x {t['size'][1]} px PNG")
    print(f"  ecgd plotSegment      {t['ecgd_ms']:8.2f} ms   CPU {t['ecgd_cpu_ms']:7.2f} ms")
    print(f"  matplotlib            {t['matplotlib_ms']:8.2f} ms   CPU {t['matplotlib_cpu_ms']:7.2f} ms   "
          f"ecgd {t['ratio']:.0f}x faster")


if __name__ == "__main__":
    main()
