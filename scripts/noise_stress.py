#!/usr/bin/env python3
"""Noise stress test of R-peak detectors with the real noise of the MIT-BIH Noise Stress Test DB.

Noisy records are built as the database's own `nst` program builds them:
  * noise comes from the recorded noise records in --noise-dir (../shared/data/nstdb):
      ma   muscle artefact,
      bw   baseline wander,
      mix  the two added with equal RMS (bw + ma);
    the database's third noise record, electrode motion (`em`), is not available here, and no
    synthetic stand-in is used: every figure comes from recorded noise;
  * noise channel i is added to ECG lead i (both leads are noisy, as in NSTDB);
  * it is added in alternating 2-minute segments after the first 5 clean minutes
    (5-7 min noisy, 7-9 clean, 9-11 noisy, ...);
  * it is scaled to the stated SNR against the clean lead's QRS amplitude, NSTDB's definition:
    SNR = 20 log10(A / (2 sqrt 2 * N_rms)), i.e. S = A^2 / 8 against N = N_rms^2, with A the
    peak-to-peak amplitude of normal QRS complexes (-50 ... +50 ms around each reference beat,
    the first 300 normal beats, 5 % trimmed at each end, mean: `sigamp -a`) and N_rms the
    noise's RMS in 1-second windows (mean removed, the first 300 windows, 5 % trimmed, mean:
    `sigamp -r`).
The noise record is read from a random circular offset per record (the --seed; NSTDB's own
records use offset 0), with a 1-second crossfade at the wrap. Records are written as WFDB
format 16 (200 ADC units/mV, less where a channel would not fit) with the reference
annotations, and every tool reads the same files. Scoring is EC57-style (MLII, 150 ms,
ventricular flutter excluded) from minute 5 on, as the database's records are scored
(`bxb -f 5:0`; --score-from 0 scores whole records):
  ecgd        `detectPeaks` by path through `ecgd --stdio` (release build), the MLII lead
  ecgd-2lead  the same with both leads (`"leads": [MLII, other]`; no peer fuses leads)
  NeuroKit2   nk.ecg_clean + nk.ecg_peaks (default method)
  XQRS        wfdb.processing.xqrs_detect
  GQRS        wfdb.processing.gqrs_detect
  sleepecg    sleepecg.detect_heartbeats (C backend)
Counts are kept per record, so one run prints totals for several record sets (--report):
the detector's noise parameters were chosen on the records of half A with the tuning seed
(--seed 101); the default report is half B and all 26 records with seed 20240601.

Usage: .venv/bin/python scripts/noise_stress.py [--records all|A|B|118,119] [--snr 24,18,12,6,0,-6]
                                                [--noise mix,ma,bw] [--seed N] [--jobs 2]
Set ECGD=/path/to/ecgd to use an existing binary instead of building one.
"""
import argparse
import hashlib
import json
import multiprocessing
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import wfdb
import wfdb.processing

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from ecgd_eval_common import (ROOT, EcgdSession, ecgd_binary, f1, mlii_lead, reference, score,  # noqa: E402
                              split_records)

PEERS = ["NeuroKit2", "XQRS", "GQRS", "sleepecg"]
NOISE_START, SEGMENT = 300.0, 120.0


def noisy_mask(n, fs):
    """True in the noisy segments: after 5 min, alternating 2 min noisy / 2 min clean."""
    t = np.arange(n) / fs
    return (t >= NOISE_START) & (((t - NOISE_START) // SEGMENT) % 2 == 0)


def trimmed_mean(values, count=300, trim=0.05):
    """sigamp's estimate: the first `count` measurements, `trim` cut at each end, mean."""
    v = np.sort(np.asarray(values[:count], dtype=float))
    k = int(len(v) * trim)
    return float(np.mean(v[k:len(v) - k] if len(v) > 2 * k else v))


def qrs_amplitude(x, ann, fs):
    """Peak-to-peak amplitude of normal QRS complexes (`sigamp -a`); all beats where there are
    few normal ones (paced records)."""
    half = int(round(0.05 * fs))
    refs, _ = reference(ann)
    normal = [s for s, c in zip(ann.sample, ann.symbol) if c == "N"]
    beats = normal if len(normal) >= 30 else list(refs)
    amps = [np.ptp(x[s - half:s + half + 1]) for s in beats if half <= s < len(x) - half]
    return trimmed_mean(amps)


def noise_rms(noise, fs):
    """RMS of the noise in 1-second windows, mean removed (`sigamp -r`)."""
    w = int(round(fs))
    windows = noise[:len(noise) // w * w].reshape(-1, w)
    return trimmed_mean(np.sqrt(np.mean((windows - windows.mean(axis=1, keepdims=True)) ** 2, axis=1)))


def load_noise(noise_dir, kind):
    """The noise channels (n x 2, mV) of a kind: a recorded record, or mix = bw + ma at equal RMS."""
    parts = ["bw", "ma"] if kind == "mix" else [kind]
    total = None
    for part in parts:
        rec = wfdb.rdrecord(str(noise_dir / part))
        x = rec.p_signal - rec.p_signal.mean(axis=0)
        x = x / np.array([noise_rms(x[:, c], rec.fs) for c in range(x.shape[1])])
        total = x if total is None else total + x
    return total, rec.fs


def shifted(noise, offset, fs):
    """The noise read circularly from `offset`, crossfaded over one second at the wrap."""
    if offset == 0:
        return noise
    out = np.concatenate([noise[offset:], noise[:offset]])
    fade = min(int(fs), offset, len(noise) - offset)
    at = len(noise) - offset
    ramp = np.linspace(0, 1, fade)[:, None]
    out[at:at + fade] = (1 - ramp) * noise[offset - fade:offset] + ramp * noise[:fade]
    return out


def write_noisy(src, name, out_dir, snr, noise, noise_fs, offset):
    rec = wfdb.rdrecord(str(src / name))
    ann = wfdb.rdann(str(src / name), "atr")
    fs = rec.fs
    if abs(noise_fs - fs) > 0.01 * fs:
        raise SystemExit(f"record {name} is at {fs} Hz, the noise at {noise_fs} Hz")
    sig = rec.p_signal.copy()
    n = len(sig)
    reps = -(-n // len(noise))
    nz = shifted(np.tile(noise, (reps, 1))[:n] if reps > 1 else noise[:n], offset % n, fs)
    mask = noisy_mask(n, fs)
    nsr = 10 ** (-snr / 20) * np.sqrt(2) / 4  # noise RMS per peak-to-peak QRS amplitude
    for ch in range(sig.shape[1]):
        channel = nz[:, ch % nz.shape[1]]
        gain = nsr * qrs_amplitude(sig[:, ch], ann, fs) / noise_rms(channel, fs)
        sig[:, ch] += np.where(mask, gain * channel, 0.0)
    # 200 ADC units/mV unless a channel would not fit format 16 (baseline wander alone at low
    # SNR swings by tens of mV): then the largest gain that fits.
    peak = np.max(np.abs(sig), axis=0)
    gains = [200.0 if p * 200 <= 32000 else float(np.floor(32000 / p)) for p in peak]
    wfdb.wrsamp(name, fs=fs, units=rec.units, sig_name=rec.sig_name, p_signal=sig,
                fmt=["16"] * sig.shape[1], adc_gain=gains,
                baseline=[0] * sig.shape[1], write_dir=str(out_dir))
    shutil.copy(src / f"{name}.atr", out_dir / f"{name}.atr")


def run_peers(path, peers, start):
    """(tp, fp, fn) of each peer on the MLII lead of the record at `path`, from `start` s."""
    rec = wfdb.rdrecord(str(path))
    ann = wfdb.rdann(str(path), "atr")
    refs, episodes = reference(ann)
    x = rec.p_signal[:, mlii_lead(rec.sig_name)]
    fs = rec.fs
    out = {}
    for peer in peers:
        if peer == "NeuroKit2":
            import neurokit2 as nk
            _, info = nk.ecg_peaks(nk.ecg_clean(x, sampling_rate=fs), sampling_rate=fs)
            found = info["ECG_R_Peaks"]
        elif peer == "XQRS":
            found = wfdb.processing.xqrs_detect(x, fs, verbose=False)
        elif peer == "GQRS":
            found = wfdb.processing.gqrs_detect(x, fs)
        elif peer == "sleepecg":
            import sleepecg
            found = sleepecg.detect_heartbeats(x, fs, backend="c")
        out[peer] = [int(c) for c in score(found, refs, episodes, fs, start=start)]
    return out


def build_and_score_peers(job):
    """Writes one noisy record; returns its name, the key of its contents and the peers'
    counts (those in `cached` are not run again)."""
    src, name, out_dir, snr, kind, noise_dir, offset, peers, start, cache = job
    noise, noise_fs = load_noise(noise_dir, kind)
    write_noisy(src, name, out_dir, snr, noise, noise_fs, offset)
    digest = hashlib.sha256((out_dir / f"{name}.dat").read_bytes()).hexdigest()[:16]
    key = f"{name}/{digest}/{start:g}"
    cached = {p: cache[f"{key}/{p}"] for p in peers if f"{key}/{p}" in cache}
    fresh = run_peers(out_dir / name, [p for p in peers if p not in cached], start)
    return name, key, {**cached, **fresh}, fresh


def ecgd_counts(binary, out_dir, names, fuse, start, settings=()):
    """Per-record (tp, fp, fn) of ecgd's `detectPeaks` on each record by path (the MLII lead,
    or with `fuse` every lead of the record voting), scored like the peers. With detector
    `settings` (NAME=VALUE, for tuning) `ecgd evaluate-detector --set` runs instead."""
    if settings:
        command = [binary, "evaluate-detector", "--data-dir", str(out_dir), "--rates", "360", "--records",
                   ",".join(names), "--score-from", str(start), "--json"] + (["--fuse-leads"] if fuse else [])
        for setting in settings:
            command += ["--set", setting]
        rows = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)[0]["records"]
        return {r["record"]: [r["tp"], r["fp"], r["fn"]] for r in rows}
    counts = {}
    with EcgdSession(binary, out_dir) as ecgd:
        for name in names:
            rec = wfdb.rdheader(str(out_dir / name))
            ann = wfdb.rdann(str(out_dir / name), "atr")
            refs, episodes = reference(ann)
            lead = mlii_lead(rec.sig_name)
            leads = {"leads": [lead] + [i for i in range(rec.n_sig) if i != lead]} if fuse else {"lead": lead}
            found = ecgd.request("detectPeaks", {"signal": {"path": name}, **leads})["peaks"]
            counts[name] = [int(c) for c in score(found, refs, episodes, rec.fs, start=start)]
    return counts


def offsets_for(names, seed, kind):
    rng = np.random.default_rng([seed, sum(map(ord, kind))])
    return {name: int(rng.integers(0, 650000)) for name in names}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=str(ROOT.parent / "shared/data/mitdb"),
                    help="directory of clean WFDB records (default: ../shared/data/mitdb)")
    ap.add_argument("--noise-dir", default=None, help="directory holding bw and ma (default: DATA_DIR/../nstdb)")
    ap.add_argument("--records", default="all",
                    help="all, A or B (halves of the sorted records, alternating), or a comma-separated list")
    ap.add_argument("--report", default="B,all",
                    help="record sets to total, comma-separated (all, A, B; default B,all)")
    ap.add_argument("--snr", default="24,18,12,6,0,-6", help="comma-separated SNRs in dB")
    ap.add_argument("--noise", default="mix", help="comma-separated noise kinds: mix, ma, bw (default mix)")
    ap.add_argument("--seed", type=int, default=20240601, help="noise offset seed (tuning used 101)")
    ap.add_argument("--score-from", type=float, default=300, help="seconds not scored at the start (default 300)")
    ap.add_argument("--peers", default=",".join(PEERS), help="comma-separated peers, or none")
    ap.add_argument("--no-fuse", action="store_true", help="skip the two-lead ecgd run")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel workers")
    ap.add_argument("--peer-cache", help="JSON file of peer counts keyed by the noisy file's contents, read and "
                    "extended (for tuning runs; reported figures come from runs without it)")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="detector parameter for tuning runs (through evaluate-detector); repeat for several")
    ap.add_argument("--keep", help="write the noisy records here instead of a temporary directory")
    ap.add_argument("--json", action="store_true", help="print per-record counts as JSON")
    ap.add_argument("-v", "--verbose", action="store_true", help="also print Se and +P")
    args = ap.parse_args()

    src = pathlib.Path(args.data_dir)
    noise_dir = pathlib.Path(args.noise_dir) if args.noise_dir else src.parent / "nstdb"
    everything = sorted(p.stem for p in src.glob("*.atr"))
    halves = split_records(everything)
    names = halves.get(args.records) or [r.strip() for r in args.records.split(",") if r.strip()]
    snrs = [float(s) for s in args.snr.split(",")]
    kinds = [k.strip() for k in args.noise.split(",")]
    known = {p.lower(): p for p in PEERS}
    peers = [] if args.peers == "none" else [known.get(p.strip().lower(), p.strip()) for p in args.peers.split(",")]
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        ap.error(f"unknown peer {', '.join(unknown)}; choose from {', '.join(PEERS)} or none")
    binary = ecgd_binary()
    tools = ["ecgd"] + ([] if args.no_fuse else ["ecgd-2lead"]) + peers
    root = pathlib.Path(args.keep) if args.keep else pathlib.Path(tempfile.mkdtemp(prefix="ecgd-nst-"))
    cache_file = pathlib.Path(args.peer_cache) if args.peer_cache else None
    cache = json.loads(cache_file.read_text()) if cache_file and cache_file.exists() else {}
    results = {}  # kind -> snr -> tool -> record -> [tp, fp, fn]
    started = time.time()
    try:
        with multiprocessing.Pool(args.jobs) as pool:
            for kind in kinds:
                offsets = offsets_for(everything, args.seed, kind)
                for snr in snrs:
                    out_dir = root / kind / f"snr{snr:g}"
                    out_dir.mkdir(parents=True, exist_ok=True)
                    jobs = [(src, n, out_dir, snr, kind, noise_dir, offsets[n], peers, args.score_from, cache)
                            for n in names]
                    counts = {t: {} for t in tools}
                    for name, key, per_peer, fresh in pool.imap_unordered(build_and_score_peers, jobs):
                        for peer, c in per_peer.items():
                            counts[peer][name] = c
                        cache.update({f"{key}/{p}": c for p, c in fresh.items()})
                    counts["ecgd"] = ecgd_counts(binary, out_dir, names, False, args.score_from, args.set)
                    if "ecgd-2lead" in tools:
                        counts["ecgd-2lead"] = ecgd_counts(binary, out_dir, names, True, args.score_from, args.set)
                    results.setdefault(kind, {})[snr] = counts
                    if not args.keep:
                        shutil.rmtree(out_dir, ignore_errors=True)
                    print(f"{kind} {snr:g} dB done ({time.time() - started:.0f} s)", file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        if cache_file:
            cache_file.write_text(json.dumps(cache))

    if args.json:
        print(json.dumps({"records": names, "seed": args.seed, "results": results}, indent=2))
        return
    sets = [(s, halves[s] if s in halves else names) for s in args.report.split(",")]
    sets = [(s, [n for n in members if n in names]) for s, members in sets]
    for kind, per_snr in results.items():
        for set_name, members in sets:
            if not members:
                continue
            print(f"\nNoise stress, real NSTDB noise '{kind}', seed {args.seed}, records {set_name} "
                  f"({len(members)}): F1 %, EC57 from {args.score_from:g} s, target: ecgd >= best peer")
            print(f"{'SNR dB':>6}" + "".join(f"{t:>12}" for t in tools) + f"{'best peer':>12}{'target':>10}")
            for snr, counts in per_snr.items():
                totals = {t: np.sum([counts[t][n] for n in members], axis=0) for t in tools}
                scores = {t: 100 * f1(*totals[t]) for t in tools}
                best = max((scores[p] for p in peers), default=float("nan"))
                ours = max(scores["ecgd"], scores.get("ecgd-2lead", -1))
                verdict = "met" if ours >= best else "SHORT"
                print(f"{snr:>6g}" + "".join(f"{scores[t]:>12.2f}" for t in tools)
                      + f"{best:>12.2f}{verdict:>10}")
                if args.verbose:
                    for t in tools:
                        tp, fp, fn = totals[t]
                        print(f"{'':>8}{t}: TP {tp} FP {fp} FN {fn} Se {100 * tp / max(1, tp + fn):.2f} "
                              f"+P {100 * tp / max(1, tp + fp):.2f}")


if __name__ == "__main__":
    main()
