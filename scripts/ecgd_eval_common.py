"""Shared helpers of the detector evaluation scripts: EC57 scoring and locating ecgd."""
import os
import pathlib
import subprocess

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
BEATS = set("N L R B A a J S V r F e j n E / f Q ?".split())


def ecgd_binary() -> str:
    """The ecgd binary: $ECGD, else a fresh release build of this repository."""
    if os.environ.get("ECGD"):
        return os.environ["ECGD"]
    scratch = os.environ.get("SCRATCH", ".build")
    subprocess.run(["swift", "build", "-c", "release", "--product", "ecgd", "--scratch-path", scratch],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return str(ROOT / scratch / "release" / "ecgd")


def mlii_lead(sig_names) -> int:
    """Index of the MLII lead, else 0 (the project's convention)."""
    return next((i for i, n in enumerate(sig_names) if n.upper() == "MLII"), 0)


def reference(ann):
    """Reference beat samples and flutter episodes [start, end] of a wfdb Annotation."""
    refs = np.array([s for s, c in zip(ann.sample, ann.symbol) if c in BEATS], dtype=int)
    episodes, onset = [], None
    for s, c in zip(ann.sample, ann.symbol):
        if c == "[" and onset is None:
            onset = s
        elif c == "]" and onset is not None:
            episodes.append((onset, s))
            onset = None
    if onset is not None:
        episodes.append((onset, np.iinfo(np.int64).max))
    return refs, episodes


def score(detections, refs, episodes, fs, tolerance=0.150):
    """EC57 matching (same rule as ecgd's BeatScorer): returns (tp, fp, fn)."""
    def keep(x):
        x = np.sort(np.asarray(x, dtype=np.int64))
        for a, b in episodes:
            x = x[(x < a) | (x > b)]
        return x
    dets, refs = keep(detections), keep(refs)
    tol = int(np.floor(tolerance * fs))
    tp, j = 0, 0
    for r in refs:
        while j < len(dets) and dets[j] < r - tol:
            j += 1
        if j < len(dets) and dets[j] <= r + tol:
            tp += 1
            j += 1
    return tp, len(dets) - tp, len(refs) - tp


def f1(tp, fp, fn) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
