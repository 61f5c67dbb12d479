import os

import pytest

from ecgd import Client, find_ecgd

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def ecgd():
    client = Client.spawn(find_ecgd(), data_root=os.path.join(ROOT, "Tests", "Data"),
                          args=["--log-level", "warning"], progress=False)
    yield client
    client.close()


@pytest.fixture(scope="session")
def openrpc():
    import json
    with open(os.path.join(ROOT, "protocol", "openrpc.json")) as f:
        return json.load(f)
