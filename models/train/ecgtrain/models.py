"""The three shipped models: their input specs, how they are fitted, saved and described."""
import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx

from . import training
from .cards import confusion_markdown, figures_markdown, training_data_markdown, write_card
from .evaluation import evaluate, figures
from .nets import keras
from .onnx_export import keras_to_onnx
from .records import AAMI5

#: Per-beat features of the MIT-BIH models: the rhythm around the beat against the patient's
#: own rhythm, and the beat against the patient's own typical beat (P wave, QRS, T wave).
MITBIH_FEATURES = [
    "previousToNext", "previousToLocal", "previousToRecord", "nextToRecord", "localToRecord",
    "previousToLocalMedian", "localIrregularity",
    "pWaveCorrelation", "pWaveAmplitudeRatio", "qrsCorrelation", "qrsAmplitudeRatio", "tWaveCorrelation",
    "tWaveAmplitudeRatio",
]
MITBIH_INPUT = {
    "samplingRate": 360, "samplesBefore": 180, "samplesAfter": 180, "highpass": 0.5, "normalization": "zscore",
    "channels": ["difference"], "features": MITBIH_FEATURES, "windowInput": "beat", "featureInput": "features",
}
KACHUEE_INPUT = {
    "samplingRate": 125, "samplesBefore": 0, "samplesAfter": 187, "normalization": "minmax",
    "segmentation": "kachuee", "features": [],
}
BINARY = ["normal", "abnormal"]
SEED = 20261201
LIMITATIONS = [
    "One lead (MLII, or lead 0 when no lead is named MLII); trained on 22 patients of one database "
    "(MIT-BIH Arrhythmia, recorded 1975-1979 at 360 Hz), so new populations, leads, devices and noise may do worse "
    "than the cross-validated figures.",
    "Paced rhythms are outside the protocol (the four paced records are excluded).",
    "Classes with few training beats (Q: 8 beats, F: 414, mostly from one patient) are barely learnt.",
    "Not a medical device: for research and engineering, never for diagnosis.",
]


@dataclass
class ModelSpec:
    name: str
    kind: str            # "mitbih" or "kachuee"
    recipe: training.Recipe
    classes: list
    input: dict
    output: str          # "softmax" or "sigmoid"
    description: str
    targets: dict

    def labels(self, beats):
        return beats.labels if self.classes == AAMI5 else training.binary_labels(beats.labels)

    def fit(self, beats):
        return training.fit(self.kind, beats, self.labels(beats), self.recipe, SEED)

    def card(self, name, metrics, provenance):
        return {
            "name": name, "version": "1.0.0", "description": self.description, "clinicallyMeaningful": True,
            "task": "aami5" if self.classes == AAMI5 else "binary", "classes": self.classes, "output": self.output,
            "file": "model.onnx", "alternateFiles": self.alternate_files(), "input": self.input,
            "provenance": provenance or {"madeBy": "models/train (cross-validation fold)"}, "metrics": metrics or {},
        }

    def alternate_files(self):
        return ["model.keras"] + (["model_lite"] if self.kind == "kachuee" else [])

    def save(self, model, directory, name, metrics, provenance):
        """Writes `model` as ONNX (what ecgd serves) with its card; the final model also as
        `.keras` and, for the Kachuee model, the Streamlit app's `model_lite/` layout."""
        directory.mkdir(parents=True, exist_ok=True)
        onnx.save(keras_to_onnx(model), str(directory / "model.onnx"))
        write_card(directory, self.card(name, metrics, provenance))

    def evaluate(self, ecgd, models_dir, name, data_dir, records):
        return evaluate(ecgd, models_dir, name, data_dir, records)

    def publish(self, model, directory, beats, folds, tables, data_dir, seconds):
        """Writes the final model, every format, its card and README."""
        if directory.exists():
            shutil.rmtree(directory)
        classes = self.classes
        total = sum(t["counts"] for t in tables)
        labels = self.labels(beats)
        per_record = {r: np.bincount(labels[beats.records == r], minlength=len(classes)).tolist()
                      for r in sorted(set(beats.records))}
        metrics = {
            "protocol": f"patient-wise {len(folds)}-fold cross-validation over the 22 DS1 records, scored on ecgd's "
                        "own detected beats matched within 150 ms (ecgd evaluate-classifier)",
            "folds": [test for _, test in folds],
            "crossValidated": figures(classes, total),
            "confusion": {"rows": classes + ["(no reference beat)"], "columns": classes + ["(missed)"],
                          "counts": total.tolist()},
        }
        provenance = {
            "madeBy": "make models (models/train, python -m ecgtrain)", "seed": SEED,
            "trainingData": "MIT-BIH Arrhythmia Database, DS1 (22 records), reference beat positions",
            "trainingBeats": dict(zip(classes, np.bincount(labels, minlength=len(classes)).tolist())),
            "recipe": vars(self.recipe),
            "wallSeconds": round(seconds),
        }
        self.save(model, directory, self.name, metrics, provenance)
        model.save(str(directory / "model.keras"))
        if self.kind == "kachuee":
            _keras_directory(directory / "model.keras", directory / "model_lite")
        (directory / "README.md").write_text(self.readme(metrics, provenance, per_record, total, folds))

    def readme(self, metrics, provenance, per_record, total, folds):
        spec = json.dumps(self.input, indent=2)
        fold_lines = "\n".join(f"- fold {k + 1}: {' '.join(test)}" for k, (_, test) in enumerate(folds))
        return f"""# {self.name}

{self.description}

## Input

Beats are cut by ecgd from one lead (MLII when named, else lead 0) around its own R-peaks
(`classify` with a signal), or given already cut (`classify` with `beats`). The card's
`input` object:

```json
{spec}
```

## Training data

MIT-BIH Arrhythmia Database (Moody & Mark 2001; PhysioNet, ODC-BY 1.0), the 22 records of the
inter-patient training set DS1 (de Chazal et al. 2004); the paced records 102, 104, 107 and 217
are excluded. Training beats are cut at the reference annotations' positions; labels follow the
AAMI EC57 mapping (N: N L R e j; SVEB: A a J S; VEB: V E; F: F; Q: / f Q). Beats per record and
class:

{training_data_markdown(self.classes, per_record)}

## Protocol

{metrics["protocol"]}. No patient is in both the training and the test part of a fold; every
recipe setting (architecture, epochs, class weights, undersampling) is fixed in
`models/train/ecgtrain/training.py` and the same in every fold. Folds (test records):

{fold_lines}

A reference beat that no detection matches counts as missed for its class; a detection that
matches no reference beat counts against the class it was given; beats in ventricular flutter
episodes are not counted. The final model is trained on all 22 records with the same recipe.

## Cross-validated figures (unseen patients)

{figures_markdown(self.classes, total, self.targets)}

Confusion matrix (rows: reference, columns: predicted):

{confusion_markdown(self.classes, total)}

For comparison, published inter-patient results on the standard DS1/DS2 split: de Chazal 2004
SVEB 75.9 / 38.5, VEB 77.7 / 81.9; Llamedo and Martinez 2011 SVEB 77 / 39, VEB 81 / 87; Zhang
2014 SVEB 79.1 / 36.0, VEB 85.5 / 92.8; Mar 2011 SVEB 83 / 33, VEB 86 / 75 (Se / +P %).

## Limitations

{chr(10).join("- " + line for line in LIMITATIONS)}

## Reproduce

`make models` retrains the three shipped models and rewrites their cards (seed {provenance["seed"]};
{provenance["wallSeconds"]} s for this model on the 2-core development machine). `ecgd
evaluate-classifier --model {self.name} --data-dir DIR` scores it on any annotated WFDB directory.
"""


def _keras_directory(archive, directory):
    """The `.keras` archive unpacked: config.json, metadata.json, model.weights.h5 (the layout of
    the Streamlit app's model_lite/ folder)."""
    directory.mkdir()
    with zipfile.ZipFile(archive) as z:
        for member in ("config.json", "metadata.json", "model.weights.h5"):
            (directory / member).write_bytes(z.read(member))


MODELS = {
    "mitbih-aami5": ModelSpec(
        "mitbih-aami5", "mitbih", training.AAMI5_RECIPE, AAMI5, MITBIH_INPUT, "softmax",
        "Five-class AAMI heartbeat classifier (N, SVEB, VEB, F, Q) for one ECG lead: a small 1D CNN on how the "
        "beat departs from the recording's own typical beat, joined with the rhythm around the beat against the "
        "patient's own rhythm and the beat's P wave, QRS and T wave against the typical beat.",
        {"N": "Se >= 95", "SVEB": "Se >= 85, +P >= 70", "VEB": "Se >= 95, +P >= 95"}),
    "mitbih-binary": ModelSpec(
        "mitbih-binary", "mitbih", training.BINARY_RECIPE, BINARY, MITBIH_INPUT, "softmax",
        "Normal (AAMI N) vs abnormal (SVEB, VEB, F, Q) heartbeat classifier for one ECG lead, with the inputs "
        "and architecture of mitbih-aami5.",
        {"abnormal": "Se >= 90, +P >= 85"}),
    "kachuee187-binary": ModelSpec(
        "kachuee187-binary", "kachuee", training.KACHUEE_RECIPE, BINARY, KACHUEE_INPUT, "sigmoid",
        "The inspiring Streamlit app's 1D CNN (Conv1D 32/6 - BatchNorm - MaxPool 2 - Conv1D 64/3 - BatchNorm - "
        "MaxPool 2 - Flatten - Dense 32 - Dense 1 sigmoid) on 187-sample Kachuee beats at 125 Hz, trained on "
        "MIT-BIH beats cut that way: normal (AAMI N) vs abnormal.",
        {"abnormal": "Se >= 90, +P >= 85"}),
}
