import os
from pathlib import Path

import pytest
from ecgd import Client

REPOSITORY = Path(__file__).resolve().parents[3]
#: Records bundled with the repository (Tests/Data/mitdb), so that the tests need no ../shared.
DATA = REPOSITORY / "Tests" / "Data" / "mitdb"
MODELS = REPOSITORY / "models"


@pytest.fixture(scope="session")
def ecgd():
    """A spawned ecgd serving the bundled records and the shipped models."""
    with Client.spawn(os.environ.get("ECGD"), data_root=REPOSITORY, models=MODELS) as client:
        yield client
