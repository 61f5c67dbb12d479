"""The MIT-BIH records of the inter-patient protocol and their reference beats in AAMI classes."""
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import wfdb

#: The 22 records of the standard inter-patient training set DS1 (de Chazal et al. 2004).
DS1 = ["101", "106", "108", "109", "112", "114", "115", "116", "118", "119", "122", "124",
       "201", "203", "205", "207", "208", "209", "215", "220", "223", "230"]
#: Records of paced patients, outside the classification protocol.
PACED = ["102", "104", "107", "217"]

#: AAMI EC57 classes in the order of the five-class model's outputs.
AAMI5 = ["N", "SVEB", "VEB", "F", "Q"]
#: MIT-BIH beat codes of each AAMI class.
AAMI_CODES = {"N": "NLRej", "SVEB": "AaJS", "VEB": "VE", "F": "F", "Q": "/fQ"}
_CODE_TO_CLASS = {code: AAMI5.index(name) for name, codes in AAMI_CODES.items() for code in codes}
#: Every MIT-BIH label that marks a beat (EC57), AAMI-classified or not.
BEAT_CODES = set("NLRBAaJSVrFejnE/fQ?")


@dataclass
class ReferenceBeats:
    """The annotated beats of one record: every beat's sample, and its AAMI class index
    (-1 for beat labels outside the AAMI mapping)."""
    record: str
    fs: float
    samples: np.ndarray
    classes: np.ndarray
    lead: int


def reference_beats(data_dir, record):
    """Reads `record`'s header and `.atr` file under `data_dir`."""
    path = str(Path(data_dir) / record)
    header = wfdb.rdheader(path)
    annotation = wfdb.rdann(path, "atr")
    keep = [i for i, s in enumerate(annotation.symbol) if s in BEAT_CODES]
    samples = np.asarray(annotation.sample)[keep]
    classes = np.array([_CODE_TO_CLASS.get(annotation.symbol[i], -1) for i in keep], dtype=np.int64)
    lead = header.sig_name.index("MLII") if "MLII" in header.sig_name else 0
    return ReferenceBeats(record, float(header.fs), samples, classes, lead)
