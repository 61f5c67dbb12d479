"""Fixtures: the real ecgd binary (``$ECGD`` or the checkout's build), spawned and over TCP."""
import re
import subprocess

import pytest

import ecgd
from client_support import DATA_ROOT, MODELS


@pytest.fixture(scope="module")
def spawned():
    with ecgd.Client.spawn(data_root=DATA_ROOT, models=MODELS, progress=False) as client:
        yield client


@pytest.fixture(scope="module")
def tcp_server():
    server = subprocess.Popen([ecgd.find_ecgd(), "--tcp", "127.0.0.1:0", "--data-root", DATA_ROOT,
                               "--models", MODELS, "--gzip-threshold", "64", "--log-level", "warning"],
                              stderr=subprocess.PIPE, text=True)
    port = int(re.search(r"listening on [\d.]+:(\d+)", server.stderr.readline()).group(1))
    yield port
    server.terminate()
    assert server.wait(timeout=30) == 0
