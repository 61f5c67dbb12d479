"""Training examples cut by ecgd itself: ``extractBeats`` at the reference beat positions."""
from dataclasses import dataclass

import numpy as np
from ecgd import ServerFile

from .records import reference_beats


@dataclass
class Beats:
    """The beats of one or more records, as a model takes them."""
    windows: np.ndarray   # (n, length) or (n, length, channels), float32
    features: np.ndarray  # (n, features), float32
    labels: np.ndarray    # (n,) AAMI class index, -1 outside the mapping
    records: np.ndarray   # (n,) record name of each beat
    samples: np.ndarray   # (n,) R-peak sample of each beat

    def __len__(self):
        return len(self.labels)

    def select(self, mask):
        return Beats(self.windows[mask], self.features[mask], self.labels[mask], self.records[mask],
                     self.samples[mask])

    @staticmethod
    def concatenate(parts):
        return Beats(*(np.concatenate([getattr(p, name) for p in parts])
                       for name in ("windows", "features", "labels", "records", "samples")))


def extract_record(client, data_dir, record, input_spec):
    """The beats of `record` cut by ecgd (``extract_beats`` of the ``ecgd`` client) with
    `input_spec` (the model card's ``input``) at the reference beat positions, labelled with
    their AAMI classes. The client's data root must be `data_dir`. Beats ecgd leaves out
    (windows past the record's edges) are dropped."""
    reference = reference_beats(data_dir, record)
    result = client.extract_beats(ServerFile(record), input_spec=input_spec, peaks=reference.samples,
                                  lead=reference.lead, progress=False)
    peaks = np.asarray(result.peaks, dtype=np.int64)
    positions = np.searchsorted(reference.samples, peaks)
    assert np.array_equal(reference.samples[positions], peaks), "ecgd returned peaks it was not given"
    features = np.asarray(result.features, dtype=np.float32).reshape(len(peaks), len(input_spec.get("features", [])))
    return Beats(np.asarray(result.windows, dtype=np.float32), features, reference.classes[positions],
                 np.full(len(peaks), record), peaks)


def extract_records(client, data_dir, records, input_spec):
    """`extract_record` over `records`, concatenated."""
    return Beats.concatenate([extract_record(client, data_dir, r, input_spec) for r in records])
