"""``python -m ecgtrain``: retrain every shipped model and recompute every figure of its card.

For each model: patient-wise cross-validation over the DS1 records (fold models are trained on
the training records only and scored on the test records through ecgd's serving path), then
the final model on all DS1 records, written with its card to ``models/NAME``.
"""
import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from ecgd import Client

from .beats import extract_records
from .evaluation import figures
from .folds import patient_folds
from .models import MODELS
from .records import DS1

REPOSITORY = Path(__file__).resolve().parents[3]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ecgtrain", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(REPOSITORY.parent / "shared" / "data" / "mitdb"),
                        help="directory of the MIT-BIH WFDB records (default: ../shared/data/mitdb)")
    parser.add_argument("--models-dir", default=str(REPOSITORY / "models"), help="where the models are written")
    parser.add_argument("--ecgd", default=str(REPOSITORY / ".build" / "release" / "ecgd"), help="the ecgd binary")
    parser.add_argument("--folds", type=int, default=11, help="patient-wise folds (default 11: two patients each)")
    parser.add_argument("--only", action="append", choices=sorted(MODELS), help="train only this model (repeatable)")
    args = parser.parse_args(argv)

    data_dir, models_dir = Path(args.data_dir).resolve(), Path(args.models_dir).resolve()
    started = time.time()
    folds = patient_folds(DS1, args.folds)
    with Client.spawn(executable=args.ecgd, data_root=data_dir) as ecgd, tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for name in args.only or sorted(MODELS):
            spec = MODELS[name]
            t = time.time()
            print(f"{name}: cutting beats of {len(DS1)} records with ecgd", file=sys.stderr, flush=True)
            beats = extract_records(ecgd, data_dir, DS1, spec.input)
            labelled = beats.select(beats.labels >= 0)
            tables = []
            for k, (train, test) in enumerate(folds):
                fold_name = f"{name}-fold{k}"
                model = spec.fit(labelled.select(np.isin(labelled.records, train)))
                spec.save(model, scratch / fold_name, fold_name, metrics=None, provenance=None)
                table = spec.evaluate(args.ecgd, scratch, fold_name, data_dir, test)
                tables.append(table)
                found = ", ".join(f"{c} {f['truePositives']}/{f['reference']} (predicted {f['predicted']})"
                                  for c, f in figures(table["classes"], table["counts"]).items() if c != spec.classes[0])
                print(f"{name}: fold {k + 1}/{len(folds)} (test {' '.join(test)}): {found}; {time.time() - t:.0f} s",
                      file=sys.stderr, flush=True)
                shutil.rmtree(scratch / fold_name)
            final = spec.fit(labelled)
            spec.publish(final, models_dir / name, labelled, folds, tables, data_dir,
                         seconds=time.time() - t)
            print(f"{name}: written to {models_dir / name} ({time.time() - t:.0f} s)", file=sys.stderr, flush=True)
    print(f"all models: {time.time() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
