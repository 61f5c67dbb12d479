"""The Keras architectures of the shipped models."""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
from keras import layers  # noqa: E402


def beat_and_rhythm_net(window_length, channels, features, classes, seed):
    """A small 1D CNN on the beat window (how the beat departs from the recording's typical
    beat; its first layer downsamples by 3) joined with a dense branch on the rhythm and
    template features; softmax over `classes`. Nothing it sees is in the patient's absolute
    morphology, which does not carry over from one patient to the next."""
    init = keras.initializers.GlorotUniform
    window = keras.Input((window_length, channels), name="beat")
    x = layers.Conv1D(8, 9, strides=3, activation="relu", kernel_initializer=init(seed))(window)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Conv1D(16, 5, activation="relu", kernel_initializer=init(seed + 1))(x)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Conv1D(16, 5, activation="relu", kernel_initializer=init(seed + 2))(x)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu", kernel_initializer=init(seed + 3))(x)
    x = layers.Dropout(0.3, seed=seed)(x)
    rhythm = keras.Input((features,), name="features")
    r = layers.BatchNormalization()(rhythm)
    r = layers.Dense(32, activation="relu", kernel_initializer=init(seed + 4))(r)
    h = layers.Concatenate()([x, r])
    h = layers.Dense(32, activation="relu", kernel_initializer=init(seed + 5))(h)
    h = layers.Dropout(0.2, seed=seed + 1)(h)
    out = layers.Dense(classes, activation="softmax", kernel_initializer=init(seed + 6), name="probabilities")(h)
    return keras.Model([window, rhythm], out)


def kachuee_net(seed):
    """The Streamlit app's CNN (Kachuee 187-sample beats): Conv1D(32, 6) - BatchNorm - MaxPool(2)
    - Conv1D(64, 3) - BatchNorm - MaxPool(2) - Flatten - Dense(32) - Dense(1, sigmoid)."""
    init = keras.initializers.GlorotUniform
    return keras.Sequential([
        keras.Input((187, 1), name="beat"),
        layers.Conv1D(32, 6, activation="relu", kernel_initializer=init(seed)),
        layers.BatchNormalization(),
        layers.MaxPooling1D(2),
        layers.Conv1D(64, 3, activation="relu", kernel_initializer=init(seed + 1)),
        layers.BatchNormalization(),
        layers.MaxPooling1D(2),
        layers.Flatten(),
        layers.Dense(32, activation="relu", kernel_initializer=init(seed + 2)),
        layers.Dense(1, activation="sigmoid", kernel_initializer=init(seed + 3)),
    ])
