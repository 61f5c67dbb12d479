"""Who may connect: a Unix domain socket (``--socket``) and a token (``--token-file``), through the package."""
import asyncio
import os
import re
import subprocess

import pytest

import ecgd
from client_support import DATA_ROOT, MODELS, synthetic_ecg


def start(*args):
    """ecgd with ``args``, once it says where it listens; returns the process and that line's address."""
    server = subprocess.Popen([ecgd.find_ecgd(), *args, "--data-root", DATA_ROOT, "--models", MODELS,
                               "--log-level", "warning"], stderr=subprocess.PIPE, text=True)
    line = server.stderr.readline()
    match = re.search(r"listening on (\S+)", line)
    assert match, line
    return server, match.group(1)


def stop(server):
    server.terminate()
    assert server.wait(timeout=30) == 0


@pytest.fixture
def unix_server(tmp_path):
    path = str(tmp_path / "ecgd.sock")
    server, address = start("--socket", path)
    assert address == f"unix:{path}"
    yield path
    stop(server)


@pytest.fixture
def token_server(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("correct horse battery staple\n")
    os.chmod(token_file, 0o600)
    server, address = start("--tcp", "127.0.0.1:0", "--token-file", str(token_file))
    yield int(address.rsplit(":", 1)[1]), "correct horse battery staple"
    stop(server)


def test_unix_socket_client(unix_server):
    assert os.stat(unix_server).st_mode & 0o777 == 0o600
    signal, expected = synthetic_ecg()
    with ecgd.Client.connect_unix(unix_server, progress=False) as client:
        assert len(client.detect_peaks(signal, fs=360).peaks) == len(expected)


def test_unix_socket_async_client(unix_server):
    async def main():
        client = await ecgd.AsyncClient.connect_unix(unix_server, progress=False)
        try:
            return await client.request("ping")
        finally:
            await client.close()
    assert asyncio.run(main())["pong"] is True


def test_the_token_lets_a_client_in(token_server):
    port, token = token_server
    with ecgd.Client.connect(port=port, token=token, progress=False) as client:
        assert client.request("ping")["pong"] is True
        assert client.server_info["serverInfo"]["name"] == "ecgd"


def test_a_missing_or_wrong_token_is_refused(token_server):
    port, token = token_server
    for wrong in (None, token + "x"):
        with pytest.raises(ecgd.Unauthorized, match="initializationOptions.token"):
            ecgd.Client.connect(port=port, token=wrong, progress=False)


def test_the_async_client_passes_the_token(token_server):
    port, token = token_server

    async def main():
        client = await ecgd.AsyncClient.connect(port=port, token=token, progress=False)
        try:
            return await client.request("ping")
        finally:
            await client.close()
    assert asyncio.run(main())["pong"] is True
