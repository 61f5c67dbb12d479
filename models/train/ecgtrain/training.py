"""How each shipped model is fitted: fixed recipes, fixed seeds, nothing tuned on test records."""
from dataclasses import dataclass

import numpy as np

from .nets import beat_and_rhythm_net, keras, kachuee_net


@dataclass(frozen=True)
class Recipe:
    """The fitting recipe of one model: the same in every fold and for the final model."""
    epochs: int
    batch_size: int
    learning_rate: float
    #: Fraction of the normal beats kept for training (majority-class undersampling).
    normal_fraction: float
    #: Loss weight of each class, in class order (after undersampling).
    class_weights: tuple


#: Five AAMI classes: SVEB (944 training beats) and VEB weighted up; F and Q (414 and 8 training
#: beats, nearly all from one or two patients) left at 1, where heavier weights mostly bought
#: false positives.
AAMI5_RECIPE = Recipe(epochs=20, batch_size=512, learning_rate=2e-3, normal_fraction=0.35,
                      class_weights=(1.0, 12.0, 3.0, 1.0, 1.0))
KACHUEE_RECIPE = Recipe(epochs=8, batch_size=512, learning_rate=2e-3, normal_fraction=0.35,
                        class_weights=(1.0, 3.0))


def binary_labels(aami):
    """Normal (0: AAMI N) vs abnormal (1: SVEB, VEB, F, Q)."""
    return (aami != 0).astype(np.int64)


#: Candidate thresholds of the irregular-rhythm gate (`irregularity_gate`).
GATE_GRID = np.round(np.arange(0.05, 0.605, 0.01), 2)


def irregularity_gate(irregularity, prematurity, labels):
    """The `localIrregularity` above which a beat cannot be SVEB (AAMI index 1; its probability
    moves to N), chosen on training beats only. In atrial fibrillation every other beat comes
    early, so prematurity alone calls many N beats SVEB; the local rhythm's irregularity tells
    the two apart. Among the training beats that come early (`previousToLocalMedian` below 0.9)
    and are N or SVEB, the threshold is the grid value that maximises the F1 of "irregularity
    at most the threshold means SVEB"."""
    early = (prematurity < 0.9) & ((labels == 0) | (labels == 1))
    sveb = early & (labels == 1)
    best, best_f1 = GATE_GRID[-1], -1.0
    for threshold in GATE_GRID:
        called = early & (irregularity <= threshold)
        tp = int((called & sveb).sum())
        f1 = 2 * tp / max(1, tp + int(called.sum()) + int(sveb.sum()))
        if f1 > best_f1:
            best, best_f1 = float(threshold), f1
    return best


def training_subset(labels, recipe, seed):
    """Indices of the beats a fit uses: every beat of a minority class and a seeded random
    `normal_fraction` of the normal ones, in their original order."""
    rng = np.random.default_rng(seed)
    normal = labels == 0
    keep = ~normal | (rng.random(len(labels)) < recipe.normal_fraction)
    return np.flatnonzero(keep)


def fit(kind, beats, labels, recipe, seed):
    """Fits model `kind` ("mitbih": `labels` index the recipe's classes; "kachuee": binary
    labels) on `beats` with `recipe` and returns the Keras model."""
    keras.utils.set_random_seed(seed)
    chosen = training_subset(labels, recipe, seed)
    y = labels[chosen]
    classes = len(recipe.class_weights)
    windows = beats.windows if beats.windows.ndim == 3 else beats.windows[..., np.newaxis]
    if kind == "mitbih":
        model = beat_and_rhythm_net(windows.shape[1], windows.shape[2], beats.features.shape[1], classes, seed)
        x = [windows[chosen], beats.features[chosen]]
        loss = "sparse_categorical_crossentropy"
    else:
        model = kachuee_net(seed)
        x = windows[chosen]
        y = y.reshape(-1, 1).astype(np.float32)  # one sigmoid unit per beat
        loss = "binary_crossentropy"
    # Named, so that the saved files do not depend on how many optimizers the process made
    # before (Keras numbers unnamed ones: a `--only` run would otherwise write other bytes).
    model.compile(optimizer=keras.optimizers.Adam(recipe.learning_rate, name="adam"), loss=loss)
    model.fit(x, y, batch_size=recipe.batch_size, epochs=recipe.epochs, verbose=0,
              class_weight=dict(enumerate(recipe.class_weights)), shuffle=True)
    recalibrate_batch_norm(model, x)
    return model


def recalibrate_batch_norm(model, x):
    """Sets every BatchNormalization layer's moving mean and variance to the exact statistics
    of its input over `x`, layer by layer in graph order. A few hundred steps at the default
    momentum (0.99) leave the moving variance near its initial 1 when the true variance is
    small (the Kachuee CNN's first activations have variances near 1e-4), and the model then
    answers one class for every beat at inference although it fits well in training mode."""
    for layer in model.layers:
        if not isinstance(layer, keras.layers.BatchNormalization):
            continue
        probe = keras.Model(model.inputs, layer.input)
        activations = np.concatenate([np.asarray(probe(batch, training=False))
                                      for batch in _batches(x, 4096)])
        axes = tuple(range(activations.ndim - 1))
        layer.moving_mean.assign(activations.mean(axis=axes))
        layer.moving_variance.assign(activations.var(axis=axes))


def _batches(x, size):
    """`x` (an array or a list of arrays, the model's inputs) in consecutive batches."""
    n = len(x[0]) if isinstance(x, list) else len(x)
    for start in range(0, n, size):
        yield [a[start:start + size] for a in x] if isinstance(x, list) else x[start:start + size]
