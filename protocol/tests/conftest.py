import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))

from ecgd_client import Client, find_ecgd  # noqa: E402


@pytest.fixture(scope="module")
def ecgd():
    client = Client.spawn(find_ecgd(), data_root=os.path.join(ROOT, "Tests", "Data"),
                          args=["--log-level", "warning"])
    yield client
    client.close()


@pytest.fixture(scope="session")
def openrpc():
    import json
    with open(os.path.join(ROOT, "protocol", "openrpc.json")) as f:
        return json.load(f)
