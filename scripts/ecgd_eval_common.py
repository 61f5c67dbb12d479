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


def split_records(names):
    """The records, sorted, and their two halves: A takes the 1st, 3rd, ... and B the others.
    Parameters are chosen on half A; figures are reported on half B (and on all)."""
    names = sorted(names)
    return {"all": names, "A": names[0::2], "B": names[1::2]}


def score(detections, refs, episodes, fs, tolerance=0.150, start=0.0):
    """EC57 matching (same rule as ecgd's BeatScorer): returns (tp, fp, fn). Detections and
    reference beats before `start` seconds are not counted (NSTDB records score from 5 min)."""
    def keep(x):
        x = np.sort(np.asarray(x, dtype=np.int64))
        x = x[x >= int(round(start * fs))]
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


class EcgdSession:
    """A minimal client of `ecgd --stdio` (standard library only, so that the evaluation
    scripts do not depend on the client package): one request at a time."""

    def __init__(self, binary, data_root):
        import json
        self._json = json
        self._proc = subprocess.Popen([binary, "--stdio", "--data-root", str(data_root), "--log-level", "error"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._id = 0
        self.request("initialize", {})

    def _send(self, message):
        body = self._json.dumps(message).encode()
        self._proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self._proc.stdin.flush()

    def _receive(self):
        length = None
        while (line := self._proc.stdout.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if length is None:
            raise RuntimeError("ecgd closed the connection")
        return self._json.loads(self._proc.stdout.read(length))

    def request(self, method, params=None):
        self._id += 1
        message = {"jsonrpc": "2.0", "id": self._id, "method": method}
        if params is not None:
            message["params"] = params
        self._send(message)
        reply = self._receive()
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']['message']}")
        return reply["result"]

    def pid(self):
        return self._proc.pid

    def cpu_seconds(self):
        """CPU time the daemon has used so far, all threads (Linux /proc)."""
        with open(f"/proc/{self._proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self):
        try:
            self.request("shutdown")
            self._send({"jsonrpc": "2.0", "method": "exit"})
        finally:
            self._proc.stdin.close()
            self._proc.wait(timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
