"""The pieces of the training pipeline: what it trains on is what ecgd serves."""
import json
import os

import numpy as np
import onnxruntime as ort
import pytest
from beats_numpy import served as served_by_card  # scripts/, the Python peer of the benchmarks
from ecgd import ServerFile

from ecgtrain.beats import extract_record
from ecgtrain.folds import patient_folds
from ecgtrain.models import MITBIH_INPUT, MODELS
from ecgtrain.nets import beat_and_rhythm_net, keras, kachuee_net
from ecgtrain.onnx_export import keras_to_onnx
from ecgtrain.records import AAMI5, DS1, reference_beats
from ecgtrain.training import irregularity_gate, recalibrate_batch_norm

from conftest import DATA, MODELS as MODELS_DIR, REPOSITORY


def test_reference_beats_follow_the_aami_mapping():
    beats = reference_beats(DATA, "208")
    assert beats.lead == 0 and beats.fs == 360
    counts = np.bincount(beats.classes[beats.classes >= 0], minlength=5)
    # 208 (PhysioNet's beat table): N 1586, S 2, V 992, F 373, Q 2; every beat label is kept.
    assert counts.tolist() == [1586, 2, 992, 373, 2]
    assert np.all(np.diff(beats.samples) > 0)


@pytest.mark.parametrize("model", ["mitbih-aami5", "mitbih-binary"])
def test_training_windows_are_what_classify_feeds_the_model(ecgd, model):
    """The beats the training code cuts (extractBeats at given peaks), run through the shipped
    network in ONNX Runtime and the card's gates and output classes (as the benchmarks' Python
    peer applies them), give what classify, run by ecgd at the same peaks, answers."""
    record = "Tests/Data/mitdb/119"
    reference = reference_beats(REPOSITORY, record)
    cut = extract_record(ecgd, REPOSITORY, record, MITBIH_INPUT)
    assert cut.windows.shape == (len(cut), 360) and cut.features.shape == (len(cut), len(MITBIH_INPUT["features"]))
    card = json.loads((MODELS_DIR / model / "model.json").read_text())
    session = ort.InferenceSession(str(MODELS_DIR / model / "model.onnx"))
    network = session.run(None, {"beat": cut.windows[..., np.newaxis], "features": cut.features})[0]
    offline = served_by_card(card, network, cut.features)
    if card.get("gates"):
        closed = cut.features[:, MITBIH_INPUT["features"].index("localIrregularity")] > card["gates"][0]["above"]
        assert 0 < closed.sum() < len(cut), "record 119 has beats on both sides of the gate"
    served = ecgd.classify(ServerFile(record), model=model, peaks=reference.samples, progress=False)
    kept = np.isin(served.samples, cut.samples)
    assert kept.sum() == len(cut)
    np.testing.assert_allclose(served.probabilities[kept], offline, atol=2e-5)


def test_the_irregular_rhythm_gate_is_chosen_on_early_beats():
    """The gate threshold separates early SVEB beats in a regular rhythm (irregularity up to
    0.09) from early N beats in atrial fibrillation (from 0.15); beats that are not early, and
    beats of other classes, do not move it."""
    rng = np.random.default_rng(5)
    sveb = rng.uniform(0.01, 0.09, 300)
    af = rng.uniform(0.15, 0.45, 900)
    irregularity = np.concatenate([sveb, af])
    prematurity = np.full(len(irregularity), 0.7)
    labels = np.concatenate([np.ones(300, np.int64), np.zeros(900, np.int64)])
    threshold = irregularity_gate(irregularity, prematurity, labels)
    assert 0.09 <= threshold < 0.15
    # Beats that come on time (N in a regular rhythm) and early VEB do not count.
    ignored = np.concatenate([rng.uniform(0, 0.05, 5000), rng.uniform(0.2, 0.4, 500)])
    moved = irregularity_gate(np.concatenate([irregularity, ignored]),
                              np.concatenate([prematurity, np.full(5000, 1.0), np.full(500, 0.6)]),
                              np.concatenate([labels, np.zeros(5000, np.int64), np.full(500, 2)]))
    assert moved == threshold


@pytest.mark.parametrize("count", [2, 5, 11, 22])
def test_folds_never_share_a_patient(count):
    folds = patient_folds(DS1, count)
    assert len(folds) == count
    tested = [r for _, test in folds for r in test]
    assert sorted(tested) == sorted(DS1)
    for train, test in folds:
        assert not set(train) & set(test)
        assert sorted(train + test) == sorted(DS1)
    with pytest.raises(ValueError):
        patient_folds(DS1, 1)
    with pytest.raises(ValueError):
        patient_folds(["101", "101", "106"], 2)


def _random_batchnorms(model, rng):
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            c = layer.get_weights()[0].shape[0]
            layer.set_weights([rng.uniform(0.5, 1.5, c), rng.normal(0, 0.2, c), rng.normal(0, 0.3, c),
                               rng.uniform(0.5, 2.0, c)])


@pytest.mark.parametrize("make", [lambda: beat_and_rhythm_net(360, 1, 13, 5, seed=3), lambda: kachuee_net(seed=3)])
def test_onnx_export_computes_what_keras_computes(make):
    rng = np.random.default_rng(7)
    model = make()
    _random_batchnorms(model, rng)
    inputs = [rng.normal(size=(9,) + tuple(t.shape[1:])).astype(np.float32) for t in model.inputs]
    expected = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    session = ort.InferenceSession(keras_to_onnx(model).SerializeToString())
    got = session.run(None, {t.name: x for t, x in zip(model.inputs, inputs)})[0]
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_recalibrated_batch_norms_hold_the_statistics_of_the_data():
    """After recalibration, inference mode (moving statistics) answers what training mode
    (the statistics of the batch) answers when the batch is the whole data."""
    rng = np.random.default_rng(11)
    model = kachuee_net(seed=5)
    x = rng.uniform(0, 1, size=(64, 187, 1)).astype(np.float32) * np.linspace(0.2, 1, 187)[:, None]
    before = np.asarray(model(x, training=False))
    recalibrate_batch_norm(model, x)
    expected = np.asarray(model(x, training=True))
    np.testing.assert_allclose(np.asarray(model(x, training=False)), expected, atol=1e-5)
    assert not np.allclose(before, expected, atol=1e-3)


def test_the_three_formats_of_kachuee187_binary_agree(ecgd):
    """model.onnx, model.keras and model_lite/ (the Streamlit app's layout, loaded as that app
    loads it) give the same outputs in ONNX Runtime, Keras and ecgd."""
    directory = MODELS_DIR / "kachuee187-binary"
    beats = ecgd.extract_beats(ServerFile("Tests/Data/mitdb/208"), model="kachuee187-binary", progress=False)
    x = beats.windows[:500, :, np.newaxis]
    onnx_out = ort.InferenceSession(str(directory / "model.onnx")).run(None, {"beat": x})[0][:, 0]
    keras_out = keras.saving.load_model(directory / "model.keras").predict(x, verbose=0)[:, 0]
    with open(directory / "model_lite" / "config.json") as f:
        lite = keras.models.model_from_json(f.read())
    lite.load_weights(directory / "model_lite" / "model.weights.h5")
    lite_out = lite.predict(x, verbose=0)[:, 0]
    np.testing.assert_allclose(onnx_out, keras_out, atol=1e-5)
    np.testing.assert_allclose(lite_out, keras_out, atol=1e-5)
    for path in ["models/kachuee187-binary/model.onnx", "models/kachuee187-binary/model.keras",
                 "models/kachuee187-binary/model_lite"]:
        name = "k-" + os.path.basename(path).replace(".", "-")
        ecgd.load_model(name, path, input_spec=MODELS["kachuee187-binary"].input)
        served = ecgd.classify(beats=beats.windows[:500], model=name, progress=False)
        np.testing.assert_allclose(served.probabilities[:, 1], keras_out, atol=2e-5)
