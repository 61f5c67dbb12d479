"""The three shipped models: their input specs, how they are fitted, saved and described."""
import json
import shutil
import textwrap
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
class Fitted:
    """A fitted network and the decision rules chosen with it on the same training beats."""
    model: object
    #: The card's `gates` (ecgd applies them to the network's probabilities).
    gates: list


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
    #: The model whose network this one serves, its outputs summed into `classes` (the card's
    #: `outputClasses`); None for a network of its own.
    network_of: str = None

    def labels(self, beats):
        return beats.labels if self.classes == AAMI5 else training.binary_labels(beats.labels)

    def fit(self, beats):
        """Fits the network on `beats` and, for the MIT-BIH network, chooses its irregular-rhythm
        gate on the same beats."""
        model = training.fit(self.kind, beats, self.labels(beats), self.recipe, SEED)
        gates = []
        if self.kind == "mitbih":
            feature = MITBIH_FEATURES.index
            threshold = training.irregularity_gate(beats.features[:, feature("localIrregularity")],
                                                   beats.features[:, feature("previousToLocalMedian")], beats.labels)
            gates = [{"class": "SVEB", "feature": "localIrregularity", "above": threshold}]
        return Fitted(model, gates)

    def output_classes(self):
        """The card's `outputClasses`: each AAMI output of the shared network counted as normal
        (N) or abnormal; None for a model serving its own network's classes."""
        if self.network_of is None:
            return None
        return [{"name": c, "class": "normal" if c == "N" else "abnormal"} for c in AAMI5]

    def card(self, name, fitted, metrics, provenance):
        card = {
            "name": name, "version": "1.1.0", "description": self.description, "clinicallyMeaningful": True,
            "task": "aami5" if self.classes == AAMI5 else "binary", "classes": self.classes, "output": self.output,
        }
        if self.output_classes():
            card["outputClasses"] = self.output_classes()
        if fitted.gates:
            card["gates"] = fitted.gates
        card.update({
            "file": "model.onnx", "alternateFiles": self.alternate_files(), "input": self.input,
            "provenance": provenance or {"madeBy": "models/train (cross-validation fold)"}, "metrics": metrics or {},
        })
        return card

    def alternate_files(self):
        return ["model.keras"] + (["model_lite"] if self.kind == "kachuee" else [])

    def save(self, fitted, directory, name, metrics, provenance):
        """Writes the fitted network as ONNX (what ecgd serves) with its card."""
        directory.mkdir(parents=True, exist_ok=True)
        onnx.save(keras_to_onnx(fitted.model), str(directory / "model.onnx"))
        write_card(directory, self.card(name, fitted, metrics, provenance))

    def evaluate(self, ecgd, models_dir, name, data_dir, records):
        return evaluate(ecgd, models_dir, name, data_dir, records)

    def publish(self, fitted, directory, beats, folds, tables, data_dir, seconds):
        """Writes the final model in every format (ONNX, `.keras` and, for the Kachuee model,
        the Streamlit app's `model_lite/` layout), its card and README."""
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
        if fitted.gates:
            provenance["gateThresholdsByFold"] = [t["gates"][0]["above"] for t in tables]
        if self.network_of:
            provenance["network"] = f"the network of {self.network_of}, trained once for both"
        self.save(fitted, directory, self.name, metrics, provenance)
        _save_keras(fitted.model, directory / "model.keras")
        if self.kind == "kachuee":
            _keras_directory(directory / "model.keras", directory / "model_lite")
        (directory / "README.md").write_text(self.readme(fitted, metrics, provenance, per_record, total, folds))

    def decision_markdown(self, fitted, provenance):
        """How the card turns the network's outputs into the served classes, for the README."""
        lines = []
        if self.network_of:
            lines.append(f"The network is {self.network_of}'s, trained once for both: its five AAMI outputs are "
                         "served as normal (N) and abnormal (the sum of SVEB, VEB, F and Q), after the gate below "
                         "(the card's `outputClasses`).")
        for gate in fitted.gates:
            lines.append(
                f"A beat whose `{gate['feature']}` (median successive RR difference over the median RR of the "
                f"beats around it) is above {gate['above']} gets no {gate['class']}: its {gate['class']} "
                "probability becomes 0 and the other classes' are rescaled to sum to 1 (the card's `gates`). "
                "In atrial fibrillation every other beat comes early and would look like an SVEB by timing "
                "alone. The threshold is chosen on "
                "the training beats only, by a fixed rule (`irregularity_gate` in "
                "`models/train/ecgtrain/training.py`): among the early N and SVEB beats, the value on a "
                "0.05-0.60 grid that best separates SVEB by F1. Each fold chose its own on its training records "
                f"({', '.join(str(t) for t in provenance['gateThresholdsByFold'])}); the final model's, on all "
                "22 records, is the one above.")
        return "\n\n".join(textwrap.fill(line, 96, break_on_hyphens=False) for line in lines)

    def readme(self, fitted, metrics, provenance, per_record, total, folds):
        spec = json.dumps(self.input, indent=2)
        decision = self.decision_markdown(fitted, provenance)
        decision = f"\n## From network outputs to classes\n\n{decision}\n" if decision else ""
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
{decision}
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
`models/train/ecgtrain/training.py` and the same in every fold; decision thresholds are chosen
on each fold's training records only. Folds (test records):

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


def _save_keras(model, path):
    """`model.save(path)` made reproducible: Keras stamps the archive with the time it was saved
    (in metadata.json and in each member's zip header) and names shared objects in config.json
    by their Python `id()`; the times are fixed and the ids numbered in order of appearance here,
    so that a rerun of `make models` writes the same bytes."""
    model.save(str(path))
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    metadata = json.loads(members["metadata.json"])
    metadata["date_saved"] = "see provenance in model.json"
    members["metadata.json"] = json.dumps(metadata).encode()
    members["config.json"] = json.dumps(_numbered_shared_objects(json.loads(members["config.json"]))).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                       compress_type=zipfile.ZIP_DEFLATED)


def _numbered_shared_objects(config, numbers=None):
    """`config` with every `shared_object_id` replaced by 1, 2, ... in order of first appearance
    (Keras matches them only against each other when loading)."""
    numbers = {} if numbers is None else numbers
    if isinstance(config, dict):
        return {key: numbers.setdefault(value, len(numbers) + 1) if key == "shared_object_id"
                else _numbered_shared_objects(value, numbers) for key, value in config.items()}
    if isinstance(config, list):
        return [_numbered_shared_objects(value, numbers) for value in config]
    return config


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
        "mitbih-binary", "mitbih", training.AAMI5_RECIPE, BINARY, MITBIH_INPUT, "softmax",
        "Normal (AAMI N) vs abnormal (SVEB, VEB, F, Q) heartbeat classifier for one ECG lead: the network and "
        "gate of mitbih-aami5, its SVEB, VEB, F and Q probabilities summed into abnormal.",
        {"abnormal": "Se >= 90, +P >= 85"}, network_of="mitbih-aami5"),
    "kachuee187-binary": ModelSpec(
        "kachuee187-binary", "kachuee", training.KACHUEE_RECIPE, BINARY, KACHUEE_INPUT, "sigmoid",
        "The inspiring Streamlit app's 1D CNN (Conv1D 32/6 - BatchNorm - MaxPool 2 - Conv1D 64/3 - BatchNorm - "
        "MaxPool 2 - Flatten - Dense 32 - Dense 1 sigmoid) on 187-sample Kachuee beats at 125 Hz, trained on "
        "MIT-BIH beats cut that way: normal (AAMI N) vs abnormal.",
        {"abnormal": "Se >= 90, +P >= 85"}),
}
