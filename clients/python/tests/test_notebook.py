"""The example notebook, executed by nbclient with a real Jupyter kernel (the one of this Python)."""
import os

import nbformat
import pytest
from nbclient import NotebookClient

import ecgd
from client_support import DATA_ROOT, ROOT

NOTEBOOK = os.path.join(ROOT, "clients", "python", "examples", "quickstart.ipynb")


def text_of(cell):
    """What a cell printed to stdout and the text of its value (progress bars go to stderr)."""
    out = []
    for output in cell.outputs:
        if output.get("name") == "stdout":
            out.append(output["text"])
        out.append(output.get("data", {}).get("text/plain", ""))
    return "".join(out)


@pytest.fixture(scope="module")
def executed():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": os.path.dirname(NOTEBOOK)}})
    client.execute()
    return {cell.metadata["tags"][0]: cell for cell in notebook.cells if cell.metadata.get("tags")}


def test_the_notebook_finds_what_the_package_finds(executed):
    with ecgd.Client.spawn(progress=False) as daemon:
        record = ecgd.read_record(os.path.join(DATA_ROOT, "mitdb", "208"))
        peaks = daemon.detect_peaks(record.lead("MLII"), fs=record.fs)
        model = "mitbih-aami5"
        beats = daemon.classify(record, model=model)
    assert text_of(executed["load"]).startswith("208: ['MLII', 'V1'] at 360 Hz, 30.1 min")
    assert text_of(executed["detect"]).startswith(f"{len(peaks)} beats, heart rate {peaks.heart_rate['mean']:.1f} bpm")
    assert text_of(executed["classify"]).startswith(f"{model} {beats.counts}")
    confusion = text_of(executed["confusion"])
    assert "of 2955 annotated beats matched" in confusion
    for aami in ("N", "VEB", "F"):
        assert f"\n{aami} " in confusion  # a row per annotated class
    plot_outputs = [output.get("data", {}) for output in executed["plot"].outputs]
    assert any(data.get("image/png") for data in plot_outputs), plot_outputs  # the picture shows inline
