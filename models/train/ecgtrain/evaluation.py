"""Cross-validated figures through the serving path: ``ecgd evaluate-classifier`` runs
``classify`` (ecgd's own R-peaks, then the model) and matches beats to the reference."""
import json
import subprocess

import numpy as np


def evaluate(ecgd, models_dir, model, data_dir, records):
    """The confusion table of `model` (a directory of `models_dir`) on `records`: a dict with
    ``classes`` and ``counts`` (rows: reference classes + unmatched detections; columns:
    predicted classes + missed beats), summed over the records."""
    out = subprocess.run(
        [ecgd, "evaluate-classifier", "--model", model, "--models", str(models_dir), "--data-dir", str(data_dir),
         "--records", ",".join(records), "--json"],
        check=True, capture_output=True, text=True)
    report = json.loads(out.stdout)
    return {"classes": report["classes"], "counts": np.asarray(report["total"]["confusion"]["counts"], dtype=np.int64),
            "records": {name: np.asarray(r["confusion"]["counts"], dtype=np.int64) for name, r in report["records"].items()}}


def figures(classes, counts):
    """Per-class reference and predicted counts, Se, +P and F1 (percent) of a confusion table."""
    result = {}
    for c, name in enumerate(classes):
        tp, reference, predicted = int(counts[c, c]), int(counts[c].sum()), int(counts[:, c].sum())
        se = 100 * tp / reference if reference else None
        pp = 100 * tp / predicted if predicted else None
        f1 = 2 * se * pp / (se + pp) if se is not None and pp is not None and se + pp > 0 else None
        result[name] = {"reference": reference, "predicted": predicted, "truePositives": tp,
                        "sensitivity": _round(se), "positivePredictivity": _round(pp), "f1": _round(f1)}
    return result


def _round(x):
    return None if x is None else round(x, 2)
