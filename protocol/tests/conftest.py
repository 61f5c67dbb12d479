import os
import sys

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


def pytest_terminal_summary(terminalreporter):
    """The peak RSS of each fault scenario (test_faults.py), when they ran."""
    faults = sys.modules.get("test_faults")
    if faults is None or not faults.RSS_REPORT:
        return
    terminalreporter.section("ecgd peak RSS per fault scenario (VmHWM)")
    for name, mib in faults.RSS_REPORT.items():
        terminalreporter.write_line(f"{mib:8.1f} MiB  {name}")
