#!/usr/bin/env python3
"""Noise-stress test of R-peak detectors, in the spirit of the MIT-BIH Noise Stress Test DB.

The NSTDB noise records are not shipped, so noise is synthesized with a fixed seed:
  bw  baseline wander: a few sinusoids below 0.5 Hz plus a low-passed random walk;
  ma  muscle artifact: white noise band-limited to 20-150 Hz with slowly varying amplitude;
  em  electrode motion: 0.5-10 Hz noise in random bursts plus decaying baseline steps.
The three are mixed with equal power (or one kind with --noise) and added to clean records
in alternating 2-minute segments (clean for the first 5 minutes, then 2 min noisy, 2 min
clean, ...) scaled to each SNR. As in NSTDB, SNR = 10 log10(S / N) with S = A^2 / 8, A the
median peak-to-peak QRS amplitude of the record's beats, and N the noise power in the noisy
segments. Noisy records are written as WFDB format 16 into a temporary directory (with the
reference annotations) and scored EC57-style (whole record, 150 ms, flutter excluded) for:
  ecgd      `ecgd evaluate-detector` pointed at that directory (release build),
  NeuroKit2 nk.ecg_clean + nk.ecg_peaks (default method),
  XQRS      wfdb.processing.xqrs_detect.
F1 per SNR is printed side by side (and sensitivity / positive predictivity with -v).

Usage: .venv/bin/python scripts/noise_stress.py [--records 118,119] [--snr 12,6,0]
Set ECGD=/path/to/ecgd to use an existing binary instead of building one.
"""
import argparse
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import scipy.signal as ss
import wfdb
import wfdb.processing

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from ecgd_eval_common import ROOT, ecgd_binary, f1, mlii_lead, reference, score  # noqa: E402


def bandlimited(rng, n, fs, lo, hi):
    hi = min(hi, 0.45 * fs)
    sos = ss.butter(4, [lo, hi], btype="bandpass", output="sos", fs=fs)
    return ss.sosfiltfilt(sos, rng.standard_normal(n))


def smooth_envelope(rng, n, fs, cutoff):
    sos = ss.butter(2, cutoff, output="sos", fs=fs)
    env = ss.sosfiltfilt(sos, rng.standard_normal(n))
    return env


def baseline_wander(rng, n, fs):
    t = np.arange(n) / fs
    x = sum(rng.uniform(0.5, 1.0) * np.sin(2 * np.pi * rng.uniform(0.05, 0.5) * t + rng.uniform(0, 2 * np.pi))
            for _ in range(4))
    walk = np.cumsum(rng.standard_normal(n))
    walk = ss.sosfiltfilt(ss.butter(2, 0.3, output="sos", fs=fs), walk - walk.mean())
    return x + walk / (np.std(walk) + 1e-12)


def muscle_artifact(rng, n, fs):
    x = bandlimited(rng, n, fs, 20.0, 150.0)
    amp = 1 + 0.8 * np.tanh(smooth_envelope(rng, n, fs, 0.5) * 3)
    return x * amp


def electrode_motion(rng, n, fs):
    x = bandlimited(rng, n, fs, 0.5, 10.0)
    gate = (smooth_envelope(rng, n, fs, 0.3) > 0).astype(float)
    gate = ss.sosfiltfilt(ss.butter(1, 2.0, output="sos", fs=fs), gate)
    steps = np.zeros(n)
    for at in rng.integers(0, n, size=max(1, int(n / fs / 20))):
        tau = rng.uniform(0.2, 1.0) * fs
        steps[at:] += rng.choice([-1, 1]) * 3 * np.exp(-np.arange(n - at) / tau)
    return x * (0.3 + gate) + steps * 0.3


def make_noise(kind, n, fs, seed):
    rng = np.random.default_rng(seed)
    parts = {"bw": baseline_wander, "ma": muscle_artifact, "em": electrode_motion}
    kinds = list(parts) if kind == "mix" else [kind]
    noise = np.zeros(n)
    for k in kinds:
        x = parts[k](rng, n, fs)
        noise += x / (np.std(x) + 1e-12)
    return noise - noise.mean()


def noisy_mask(n, fs):
    """True in the noisy segments: after 5 min, alternating 2 min noisy / 2 min clean."""
    t = np.arange(n) / fs
    return (t >= 300) & (((t - 300) // 120) % 2 == 0)


def qrs_amplitude(x, refs, fs):
    w = int(0.05 * fs)
    amps = [np.ptp(x[max(0, r - w):r + w + 1]) for r in refs if w <= r < len(x) - w]
    return float(np.median(amps))


def write_noisy(src, name, out_dir, snr, kind, seed):
    rec = wfdb.rdrecord(str(src / name))
    ann = wfdb.rdann(str(src / name), "atr")
    fs = rec.fs
    sig = rec.p_signal.copy()
    refs, _ = reference(ann)
    lead = mlii_lead(rec.sig_name)
    s_power = qrs_amplitude(sig[:, lead], refs, fs) ** 2 / 8
    mask = noisy_mask(len(sig), fs)
    for ch in range(sig.shape[1]):
        noise = make_noise(kind, len(sig), fs, seed + 101 * ch)
        n_power = np.mean(noise[mask] ** 2)
        scale = np.sqrt(s_power / (n_power * 10 ** (snr / 10)))
        sig[:, ch] += np.where(mask, noise * scale, 0.0)
    wfdb.wrsamp(name, fs=fs, units=rec.units, sig_name=rec.sig_name, p_signal=sig,
                fmt=["16"] * sig.shape[1], adc_gain=[200.0] * sig.shape[1],
                baseline=[0] * sig.shape[1], write_dir=str(out_dir))
    shutil.copy(src / f"{name}.atr", out_dir / f"{name}.atr")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=str(ROOT.parent / "shared/data/mitdb"),
                    help="directory of clean WFDB records (default: ../shared/data/mitdb)")
    ap.add_argument("--records", default="118,119", help="comma-separated records (default: 118,119 as in NSTDB)")
    ap.add_argument("--snr", default="12,6,0", help="comma-separated SNRs in dB (default: 12,6,0)")
    ap.add_argument("--noise", default="mix", choices=["mix", "bw", "ma", "em"], help="noise kind (default: mix)")
    ap.add_argument("--seed", type=int, default=20240601, help="noise seed (default fixed)")
    ap.add_argument("--skip-peers", action="store_true", help="score ecgd only")
    ap.add_argument("--keep", help="write the noisy records here instead of a temporary directory")
    ap.add_argument("--json", action="store_true", help="print results as JSON")
    ap.add_argument("-v", "--verbose", action="store_true", help="also print Se and +P")
    args = ap.parse_args()

    src = pathlib.Path(args.data_dir)
    names = [r.strip() for r in args.records.split(",") if r.strip()]
    snrs = [float(s) for s in args.snr.split(",")]
    binary = ecgd_binary()
    root = pathlib.Path(args.keep) if args.keep else pathlib.Path(tempfile.mkdtemp(prefix="ecgd-nst-"))
    results = {}
    try:
        for snr in snrs:
            out_dir = root / f"snr{snr:g}"
            out_dir.mkdir(parents=True, exist_ok=True)
            for i, name in enumerate(names):
                write_noisy(src, name, out_dir, snr, args.noise, args.seed + 7919 * i)
            counts = {"ecgd": np.zeros(3, int)}
            report = subprocess.run(
                [binary, "evaluate-detector", "--data-dir", str(out_dir), "--rates", "360",
                 "--records", ",".join(names), "--json"], check=True, capture_output=True, text=True)
            for rate in json.loads(report.stdout):
                t = rate["total"]
                counts["ecgd"] += [t["tp"], t["fp"], t["fn"]]
            if not args.skip_peers:
                counts["NeuroKit2"] = np.zeros(3, int)
                counts["XQRS"] = np.zeros(3, int)
                import neurokit2 as nk
                for name in names:
                    rec = wfdb.rdrecord(str(out_dir / name))
                    ann = wfdb.rdann(str(out_dir / name), "atr")
                    refs, episodes = reference(ann)
                    x = rec.p_signal[:, mlii_lead(rec.sig_name)]
                    fs = rec.fs
                    cleaned = nk.ecg_clean(x, sampling_rate=fs)
                    _, info = nk.ecg_peaks(cleaned, sampling_rate=fs)
                    counts["NeuroKit2"] += score(info["ECG_R_Peaks"], refs, episodes, fs)
                    xq = wfdb.processing.xqrs_detect(x, fs, verbose=False)
                    counts["XQRS"] += score(xq, refs, episodes, fs)
            results[snr] = {k: [int(c) for c in v] for k, v in counts.items()}
            print(f"SNR {snr:g} dB done", file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    if args.json:
        print(json.dumps({"records": names, "noise": args.noise, "seed": args.seed, "results": results}, indent=2))
        return
    tools = list(next(iter(results.values())).keys())
    print(f"Noise stress ({args.noise}, records {','.join(names)}, seed {args.seed}): F1 %, whole records")
    print("SNR dB " + "".join(f"{t:>12}" for t in tools))
    for snr, counts in results.items():
        print(f"{snr:>6g} " + "".join(f"{100 * f1(*counts[t]):>12.2f}" for t in tools))
        if args.verbose:
            for t in tools:
                tp, fp, fn = counts[t]
                print(f"       {t}: TP {tp} FP {fp} FN {fn} Se {100 * tp / max(1, tp + fn):.2f} "
                      f"+P {100 * tp / max(1, tp + fp):.2f}")


if __name__ == "__main__":
    main()
