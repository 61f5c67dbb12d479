"""What the client tests share: paths of the checkout and a synthetic ECG with known beats."""
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DATA_ROOT = os.path.join(ROOT, "Tests", "Data")
#: The random-weight fixture models (demo-aami5, kachuee187-demo).
MODELS = os.path.join(ROOT, "Tests", "Data", "models")


def synthetic_ecg(fs=360.0, seconds=20, rate_bpm=72):
    """Narrow Gaussian 'QRS' spikes on a wandering baseline: peaks at known samples."""
    t = np.arange(int(fs * seconds)) / fs
    beats = np.arange(0.5, seconds - 0.5, 60.0 / rate_bpm)
    signal = 0.2 * np.sin(2 * np.pi * 0.3 * t)
    for b in beats:
        signal += 1.2 * np.exp(-0.5 * ((t - b) / 0.012) ** 2)
    return signal, np.round(beats * fs).astype(int)
