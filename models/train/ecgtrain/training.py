"""How each shipped model is fitted: fixed recipes, fixed seeds, nothing tuned on test records."""
from dataclasses import dataclass

import numpy as np

from .nets import beat_and_rhythm_net, keras, kachuee_net


@dataclass(frozen=True)
class Recipe:
    """The fitting recipe of one model (chosen before any cross-validation figure was seen,
    and the same in every fold and for the final model)."""
    epochs: int
    batch_size: int
    learning_rate: float
    #: Fraction of the normal beats kept for training (majority-class undersampling).
    normal_fraction: float
    #: Class weights are (beats / (classes x beats of the class)) ** power, capped.
    weight_power: float
    weight_cap: float


MITBIH = Recipe(epochs=8, batch_size=512, learning_rate=2e-3, normal_fraction=0.35, weight_power=0.5, weight_cap=20)
KACHUEE = Recipe(epochs=10, batch_size=256, learning_rate=1e-3, normal_fraction=0.5, weight_power=0.5, weight_cap=20)


def binary_labels(aami):
    """Normal (0: AAMI N) vs abnormal (1: SVEB, VEB, F, Q)."""
    return (aami != 0).astype(np.int64)


def training_subset(labels, recipe, seed):
    """Indices of the beats a fit uses: every beat of a minority class and a seeded random
    `normal_fraction` of the normal ones, in their original order."""
    rng = np.random.default_rng(seed)
    normal = labels == 0
    keep = ~normal | (rng.random(len(labels)) < recipe.normal_fraction)
    return np.flatnonzero(keep)


def class_weights(labels, classes, recipe):
    counts = np.bincount(labels, minlength=classes).astype(float)
    weights = {}
    for c in range(classes):
        weights[c] = float(min(recipe.weight_cap, (counts.sum() / (classes * counts[c])) ** recipe.weight_power)) if counts[c] else 0.0
    return weights


def fit(kind, beats, labels, classes, seed):
    """Fits model `kind` ("mitbih": `labels` in 0..classes-1, or "kachuee": binary labels) on
    `beats` and returns the Keras model."""
    recipe = MITBIH if kind == "mitbih" else KACHUEE
    keras.utils.set_random_seed(seed)
    chosen = training_subset(labels, recipe, seed)
    y = labels[chosen]
    if kind == "mitbih":
        model = beat_and_rhythm_net(beats.windows.shape[1], beats.windows.shape[2], beats.features.shape[1], classes, seed)
        x = [beats.windows[chosen], beats.features[chosen]]
        loss = "sparse_categorical_crossentropy"
    else:
        model = kachuee_net(seed)
        x = beats.windows[chosen][..., np.newaxis]
        loss = "binary_crossentropy"
    model.compile(optimizer=keras.optimizers.Adam(recipe.learning_rate), loss=loss)
    model.fit(x, y, batch_size=recipe.batch_size, epochs=recipe.epochs, verbose=0,
              class_weight=class_weights(y, classes, recipe), shuffle=True)
    return model
