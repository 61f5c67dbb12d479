"""``python -m ecgtrain``: retrain every shipped model and recompute every figure of its card.

For each network: patient-wise cross-validation over the DS1 records (fold models are trained on
the training records only and scored on the test records through ecgd's serving path), then
the final model on all DS1 records, written with its card to ``models/NAME``. Models that serve
another's network (``mitbih-binary`` serves ``mitbih-aami5``'s) are scored and written with it.
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
        for network, names in _by_network(args.only or sorted(MODELS)).items():
            spec = MODELS[network]
            t = time.time()
            print(f"{network}: cutting beats of {len(DS1)} records with ecgd", file=sys.stderr, flush=True)
            beats = extract_records(ecgd, data_dir, DS1, spec.input)
            labelled = beats.select(beats.labels >= 0)
            tables = {name: [] for name in names}
            for k, (train, test) in enumerate(folds):
                fitted = spec.fit(labelled.select(np.isin(labelled.records, train)))
                for name in names:
                    fold_name = f"{name}-fold{k}"
                    MODELS[name].save(fitted, scratch / fold_name, fold_name, metrics=None, provenance=None)
                    table = MODELS[name].evaluate(args.ecgd, scratch, fold_name, data_dir, test)
                    table["gates"] = fitted.gates
                    tables[name].append(table)
                    found = ", ".join(f"{c} {f['truePositives']}/{f['reference']} (predicted {f['predicted']})"
                                      for c, f in figures(table["classes"], table["counts"]).items()
                                      if c != MODELS[name].classes[0])
                    print(f"{name}: fold {k + 1}/{len(folds)} (test {' '.join(test)}): {found}; "
                          f"{time.time() - t:.0f} s", file=sys.stderr, flush=True)
                    shutil.rmtree(scratch / fold_name)
            final = spec.fit(labelled)
            for name in names:
                MODELS[name].publish(final, models_dir / name, labelled, folds, tables[name], data_dir,
                                     seconds=time.time() - t)
                print(f"{name}: written to {models_dir / name} ({time.time() - t:.0f} s)", file=sys.stderr,
                      flush=True)
    print(f"all models: {time.time() - started:.0f} s", file=sys.stderr)


def _by_network(names):
    """`names` grouped by the network they serve (a model sharing another's network is trained
    with it, once), networks in sorted order."""
    groups = {}
    for name in names:
        groups.setdefault(MODELS[name].network_of or name, []).append(name)
    return dict(sorted(groups.items()))


if __name__ == "__main__":
    main()
