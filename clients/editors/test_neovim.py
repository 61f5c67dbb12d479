"""Neovim 0.7 (Debian's `neovim`), headless, with its built-in LSP client attached to `ecgd --stdio`:
the diagnostics it receives on opening a beats CSV, on editing a line, and a hover, against what
ecgd's own `classify` says about the same rows."""
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

import ecgd

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = os.path.join(ROOT, "Tests", "Data", "models")
MODEL = "kachuee187-demo"

pytestmark = pytest.mark.skipif(shutil.which("nvim") is None, reason="Neovim is not installed (scripts/bootstrap.sh installs it)")


def beat_rows():
    """Twelve 187-sample rows the demo model tells apart: Kachuee-style beats scaled to [0, 1]
    and rows of another shape, each followed by a label column."""
    t = np.arange(187)
    rows = []
    for k in range(12):
        if k % 3 == 0:
            rows.append(-10 * np.sin(t / 3 + k / 10))
        else:
            rows.append(np.exp(-0.5 * ((t - 20 - k) / 4.0) ** 2) + 0.1 * np.sin(t / 15))
    return rows


def csv_line(row, label):
    return ",".join(f"{x:.5f}" for x in row) + f",{label}"


def abnormal_lines(client, lines):
    """The 0-based lines of the rows `classify` labels abnormal, with their probability."""
    result = client.classify(beats="\n".join(lines) + "\n", model=MODEL)
    return {int(line) - 1: p for line, label, p in zip(result.lines, result.labels, result.probability)
            if label != result.classes[0]}, result


def test_neovim_shows_ecgd_diagnostics_and_hovers_on_a_beats_csv(tmp_path):
    rows = beat_rows()
    lines = [csv_line(row, k % 2) for k, row in enumerate(rows)]
    path = tmp_path / "beats.csv"
    path.write_text("\n".join(lines) + "\n")
    edited_line = 3  # a row the model calls normal, replaced by one it calls abnormal
    edited = list(lines)
    edited[edited_line] = csv_line(rows[1], 1)

    with ecgd.Client.spawn(models=MODELS, progress=False) as client:
        expected_before, result = abnormal_lines(client, lines)
        expected_after, _ = abnormal_lines(client, edited)
    assert edited_line not in expected_before and edited_line in expected_after, "the rows no longer differ"
    hover_line = min(expected_before)
    hover_probabilities = result.probabilities[hover_line]

    settings = {
        "file": str(path), "output": str(tmp_path / "seen.json"), "wait_ms": 60000, "root": str(tmp_path),
        "cmd": [ecgd.find_ecgd(), "--stdio", "--models", MODELS, "--log-level", "warning"],
        "init_options": {"model": MODEL},
        "hover_line": hover_line, "edit_line": edited_line, "edit_text": edited[edited_line],
    }
    (tmp_path / "settings.json").write_text(json.dumps(settings))
    run = subprocess.run(["nvim", "--headless", "-u", "NONE", "-c", f"luafile {os.path.join(HERE, 'neovim_lsp_test.lua')}"],
                         env={**os.environ, "ECGD_NVIM_TEST": str(tmp_path / "settings.json")},
                         capture_output=True, text=True, timeout=180)
    assert (tmp_path / "seen.json").exists(), f"Neovim wrote nothing: {run.stdout} {run.stderr}"
    seen = json.loads((tmp_path / "seen.json").read_text())
    assert seen.get("problem") is None, seen

    assert seen["capabilities"]["hoverProvider"] is True
    assert seen["capabilities"]["textDocumentSync"]["change"] == 1

    assert [d["line"] for d in seen["opened"]] == sorted(expected_before)
    for d in seen["opened"]:
        assert d["severity"] == 2  # warning
        assert d["message"].startswith(f"abnormal (p = {round(expected_before[d['line']], 2)}) by {MODEL}")
    assert [d["line"] for d in seen["edited"]] == sorted(expected_after)

    hover = seen["hover"]
    assert hover.startswith(f"**abnormal** {round(float(hover_probabilities[1]), 2)} by `{MODEL}`")
    assert f"normal {round(float(hover_probabilities[0]), 2)} · abnormal {round(float(hover_probabilities[1]), 2)}" in hover
    assert f"file label: {hover_line % 2}" in hover
