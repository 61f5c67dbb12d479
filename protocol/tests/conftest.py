import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))

from ecgd_client import Client  # noqa: E402


def ecgd_binary():
    """The ecgd under test: $ECGD, else the debug build `make test` makes, else the release build."""
    for candidate in (os.environ.get("ECGD"), os.path.join(ROOT, ".build", "debug", "ecgd"),
                      os.path.join(ROOT, ".build", "release", "ecgd")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("ecgd is not built: run `swift build` (or set ECGD=/path/to/ecgd)")


@pytest.fixture(scope="module")
def ecgd():
    client = Client.spawn(ecgd_binary(), data_root=os.path.join(ROOT, "Tests", "Data"),
                          args=["--log-level", "warning"])
    yield client
    client.close()


@pytest.fixture(scope="session")
def openrpc():
    import json
    with open(os.path.join(ROOT, "protocol", "openrpc.json")) as f:
        return json.load(f)
