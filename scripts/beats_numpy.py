"""The beat preparation of ecgd's model cards written with numpy and scipy: what a Python user
would write to feed a shipped model's .onnx without ecgd (the peer of scripts/bench_pipeline.py).

`prepare(signal, fs, peaks, spec)` returns the model's inputs for the card's ``input`` object:
window segmentation (optional high-pass; beat, template and difference channels; z-score or min-max) with
the rhythm and template features, or Kachuee segmentation. `served(card, network, features)`
turns the network's outputs into the card's classes (its gates and output classes).
"""
import numpy as np
from scipy import signal as sps

TEMPLATE_BEATS = 4096
WAVES = {"pWave": (-0.30, -0.08), "qrs": (-0.08, 0.12), "tWave": (0.12, 0.45)}


def normalize(windows, how):
    if how == "zscore":
        sd = windows.std(axis=-1, keepdims=True)
        return np.where(sd > 0, (windows - windows.mean(axis=-1, keepdims=True)) / np.where(sd > 0, sd, 1), 0)
    if how == "minmax":
        low, high = windows.min(axis=-1, keepdims=True), windows.max(axis=-1, keepdims=True)
        span = high - low
        return np.where(span > 0, (windows - low) / np.where(span > 0, span, 1), 0)
    return windows


def rr_features(peaks, fs, local_beats=10, around=8):
    intervals = np.diff(peaks) / fs
    previous = np.concatenate([[intervals[0]], intervals])
    following = np.concatenate([intervals, [intervals[-1]]])
    cumulative = np.concatenate([[0], np.cumsum(previous)])
    idx = np.arange(len(peaks))
    start = np.maximum(0, idx + 1 - local_beats)
    local = (cumulative[idx + 1] - cumulative[start]) / (idx + 1 - start)
    record = intervals.mean()
    median = np.empty(len(peaks))
    irregularity = np.empty(len(peaks))
    for i in idx:
        window = intervals[max(0, i - around):min(len(intervals), i + around)]
        median[i] = np.median(window)
        steps = np.abs(np.diff(window))
        irregularity[i] = np.median(steps) / median[i] if len(steps) else 0
    return {
        "previousRR": previous, "nextRR": following, "localAverageRR": local, "recordAverageRR": np.full(len(peaks), record),
        "previousToNext": previous / following, "previousToLocal": previous / local, "previousToRecord": previous / record,
        "localToRecord": local / record, "nextToRecord": following / record, "localMedianRR": median,
        "previousToLocalMedian": previous / median, "localIrregularity": irregularity,
    }


def template_features(windows, template, peak, fs):
    out = {}
    for wave, (start, end) in WAVES.items():
        lo = max(0, peak + int(round(start * fs)))
        hi = max(lo, peak + int(round(end * fs)))
        b, t = windows[:, lo:hi], template[lo:hi]
        bc, tc = b - b.mean(axis=1, keepdims=True), t - t.mean()
        denominator = np.sqrt((bc ** 2).sum(axis=1) * (tc ** 2).sum())
        out[wave + "Correlation"] = np.where(denominator > 0, (bc * tc).sum(axis=1) / np.where(denominator > 0, denominator, 1), 0)
        span = t.max() - t.min()
        out[wave + "AmplitudeRatio"] = (b.max(axis=1) - b.min(axis=1)) / span if span > 0 else np.ones(len(b))
    return out


def prepare(signal, fs, peaks, spec):
    """The model inputs for `spec` at R-peaks `peaks` (samples of `signal` at `fs`): a list
    (windows, features) for models with features, else [windows]."""
    if spec.get("segmentation") == "kachuee":
        return [kachuee(signal, fs, peaks, spec)]
    if spec["samplingRate"] != fs:
        raise SystemExit("this peer uses records at the model's own sampling rate")
    x = signal
    if spec.get("highpass"):
        x = sps.sosfiltfilt(sps.butter(2, spec["highpass"], "highpass", fs=fs, output="sos"), x)
    before, after = spec["samplesBefore"], spec["samplesAfter"]
    all_peaks = np.asarray(peaks)
    keep = (all_peaks >= before) & (all_peaks + after <= len(x))
    index = all_peaks[keep][:, None] + np.arange(-before, after)[None, :]
    raw = x[index]
    channels = spec.get("channels", ["beat"])
    step = max(1, -(-len(raw) // TEMPLATE_BEATS))
    chosen = raw[::step]
    template = np.median(chosen - chosen.mean(axis=1, keepdims=True), axis=0)
    template -= template.mean()
    beat = normalize(raw, spec["normalization"])
    typical = np.broadcast_to(normalize(template, spec["normalization"]), raw.shape)
    parts = {"beat": beat, "template": typical, "difference": beat - typical}
    windows = np.stack([parts[c] for c in channels], axis=-1).astype(np.float32)
    if len(channels) == 1:
        windows = windows[..., 0]
    names = spec.get("features", [])
    if not names:
        return [windows]
    values = rr_features(all_peaks, fs)
    values = {k: v[keep] for k, v in values.items()}
    values.update(template_features(raw, template, before, fs))
    return [windows, np.column_stack([values[n] for n in names]).astype(np.float32)]


def kachuee(signal, fs, peaks, spec, window_seconds=10, factor=1.2):
    """Kachuee et al. (2018): 125 Hz, 10 s windows scaled to [0, 1], beats of 1.2 median RR."""
    rate, length = spec["samplingRate"], spec["samplesAfter"]
    up, down = int(rate), int(fs)
    g = np.gcd(up, down)
    x = sps.resample_poly(signal, up // g, down // g)
    positions = np.round(np.asarray(peaks) * rate / fs).astype(int)
    width = int(round(window_seconds * rate))
    beats = np.zeros((len(positions), length), dtype=np.float32)
    record_period = np.median(np.diff(positions)) if len(positions) > 1 else length
    for start in range(0, len(x), width):
        members = np.flatnonzero((positions >= start) & (positions < start + width))
        if not len(members):
            continue
        segment = x[start:start + width]
        low, span = segment.min(), segment.max() - segment.min()
        period = np.median(np.diff(positions[members])) if len(members) > 1 else record_period
        span_samples = min(length, max(1, int(round(factor * period))))
        for m in members:
            p = positions[m]
            piece = x[p:min(start + width, p + span_samples)]
            beats[m, :len(piece)] = (piece - low) / span if span > 0 else 0
    return beats


def served(card, network, features):
    """The class probabilities ecgd serves from the network's (`network`, one row per beat): the
    card's `gates` (a beat whose feature is above the threshold gets 0 for the class, the other
    classes rescaled to sum to 1), then its `outputClasses` summed into the served classes."""
    p = np.array(network, dtype=np.float32)
    names = [o["name"] for o in card.get("outputClasses", [])] or card["classes"]
    for gate in card.get("gates", []):
        closed = features[:, card["input"]["features"].index(gate["feature"])] > gate["above"]
        gated = names.index(gate["class"])
        p[closed, gated] = 0
        rest = p[closed].sum(axis=1, keepdims=True)
        shared = np.full_like(p[closed], 1 / (p.shape[1] - 1))  # when the network was sure of the class
        shared[:, gated] = 0
        p[closed] = np.where(rest > 0, p[closed] / np.maximum(rest, np.finfo(np.float32).tiny), shared)
    if "outputClasses" not in card:
        return p
    out = np.zeros((len(p), len(card["classes"])), dtype=np.float32)
    for j, output in enumerate(card["outputClasses"]):
        out[:, card["classes"].index(output["class"])] += p[:, j]
    return out
