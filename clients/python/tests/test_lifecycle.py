"""Long calls: progress, Ctrl-C, timeouts; a daemon that dies; finding the binary."""
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import ecgd
from client_support import DATA_ROOT, MODELS, synthetic_ecg


@pytest.fixture(scope="module")
def long_signal():
    """45 minutes at 360 Hz: about 3,200 beats, which classify runs in 7 chunks of 512."""
    one, _ = synthetic_ecg(fs=360.0, seconds=60)
    return np.tile(one, 45)


def test_progress_callback_sees_begin_reports_and_end(spawned, long_signal):
    values = []
    result = spawned.classify(long_signal, fs=360, model="demo-aami5", progress=values.append)
    kinds = [v["kind"] for v in values]
    assert kinds[0] == "begin" and kinds[-1] == "end"
    percentages = [v["percentage"] for v in values if v["kind"] == "report"]
    assert len(percentages) >= 6 and percentages == sorted(percentages) and percentages[-1] == 100
    assert len(result) > 3000


def test_progress_without_tqdm_is_a_plain_line_on_stderr(spawned, long_signal, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import fails as if tqdm were not installed
    spawned.classify(long_signal, fs=360, model="demo-aami5", progress=True)
    err = capsys.readouterr().err
    assert "\rclassify: 100%" in err and err.endswith("\n")


def test_progress_with_tqdm_draws_a_bar(spawned, long_signal, capsys):
    pytest.importorskip("tqdm")
    spawned.classify(long_signal, fs=360, model="demo-aami5", progress=True)
    err = capsys.readouterr().err
    assert "classify:" in err and "%|" in err


def test_progress_false_sends_no_work_done_token(spawned):
    sent = []
    original = spawned._send
    spawned._send = lambda message: (sent.append(message), original(message))[1]
    try:
        spawned.detect_peaks(synthetic_ecg()[0], fs=360, progress=False)
        spawned.detect_peaks(synthetic_ecg()[0], fs=360, progress=lambda v: None)
    finally:
        del spawned._send
    assert "workDoneToken" not in sent[0]["params"]
    assert sent[1]["params"]["workDoneToken"] == f"progress-{sent[1]['id']}"


#: A notebook's or a terminal's session: a client in its own interpreter classifies a long
#: signal, says when the first progress report arrives, and reports what Ctrl-C did.
CTRL_C_SESSION = """
import json, signal, sys
import numpy as np
import ecgd
# Ctrl-C raises KeyboardInterrupt, as in any terminal or notebook (Python leaves SIGINT ignored
# when it starts ignored, as in a shell's background job, where CI may run this test).
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.path.insert(0, sys.argv[1])
from client_support import DATA_ROOT, MODELS, synthetic_ecg

one, _ = synthetic_ecg(fs=360.0, seconds=60)
with ecgd.Client.spawn(data_root=DATA_ROOT, models=MODELS, progress=False) as client:
    cancelled = []
    original_cancel = client.cancel
    client.cancel = lambda request_id: (cancelled.append(request_id), original_cancel(request_id))
    def started(value):
        if value["kind"] == "report" and not cancelled:
            print("reported", flush=True)
    try:
        client.classify(np.tile(one, 45), fs=360, model="demo-aami5", progress=started)
        outcome = "answered"
    except KeyboardInterrupt:
        outcome = "KeyboardInterrupt"
    del client.cancel
    print(json.dumps({"outcome": outcome, "cancelled": len(cancelled), "pending": len(client._pending),
                      "pong": client.ping()["pong"], "peaks": len(client.detect_peaks(synthetic_ecg()[0], fs=360))}))
"""


def test_ctrl_c_during_a_call_cancels_it_on_the_server_and_the_daemon_stays_usable():
    session = subprocess.Popen([sys.executable, "-c", CTRL_C_SESSION, os.path.dirname(__file__)],
                               stdout=subprocess.PIPE, text=True, env={**os.environ, "ECGD": ecgd.find_ecgd()})
    assert session.stdout.readline() == "reported\n"
    session.send_signal(signal.SIGINT)  # what Ctrl-C or a notebook's interrupt does
    out, _ = session.communicate(timeout=120)
    assert session.returncode == 0
    assert json.loads(out.splitlines()[-1]) == {
        "outcome": "KeyboardInterrupt", "cancelled": 1,
        "pending": 0,  # the server answered the cancelled request
        "pong": True, "peaks": 23}


def test_a_call_over_its_timeout_is_cancelled_and_raises_timeout_error(spawned, long_signal):
    with pytest.raises(TimeoutError, match="classify did not answer within 0 s"):
        spawned.classify(long_signal, fs=360, model="demo-aami5", timeout=0)
    assert spawned.ping()["pong"] is True


def test_a_daemon_that_cannot_start_names_its_exit_status_and_stderr():
    with pytest.raises(ecgd.DaemonDied) as raised:
        ecgd.Client.spawn(args=["--max-models", "0"], echo_stderr=False)
    assert raised.value.exit_status == 64
    assert "exited with status 64" in str(raised.value)
    assert "--max-models must be at least 1" in str(raised.value)
    assert any("--max-models must be at least 1" in line for line in raised.value.stderr_tail)


def test_a_daemon_killed_during_a_call_fails_that_call_and_later_ones_never_hangs(long_signal):
    client = ecgd.Client.spawn(data_root=DATA_ROOT, models=MODELS, progress=False, echo_stderr=False)
    _, future = client.send_request("classify", {"model": "demo-aami5", "signal": client._signal(long_signal, 360)})
    client.process.kill()
    with pytest.raises(ecgd.DaemonDied) as raised:
        future.result(timeout=60)
    assert raised.value.exit_status == -signal.SIGKILL
    assert f"was killed by signal {signal.SIGKILL}" in str(raised.value)
    with pytest.raises(ecgd.DaemonDied):
        client.ping()
    client.close()  # no hang, no error


def test_an_unusable_ecgd_setting_names_what_was_looked_at(monkeypatch):
    monkeypatch.setenv("ECGD", "/nonexistent/ecgd")
    with pytest.raises(FileNotFoundError, match="/nonexistent/ecgd"):
        ecgd.find_ecgd()
    monkeypatch.delenv("ECGD")
    monkeypatch.setenv("PATH", "")
    places = [description for description, _ in ecgd.locate.ecgd_candidates()]
    assert places[:2] == ["$ECGD", "ecgd on the PATH"]
    assert any("release build of" in place for place in places)


def test_a_binary_built_in_a_checkout_gets_that_checkouts_models(tmp_path):
    (tmp_path / ".build" / "debug").mkdir(parents=True)
    (tmp_path / "models").mkdir()
    binary = str(tmp_path / ".build" / "debug" / "ecgd")
    command = ecgd.client.spawn_command(binary, None, None, "warning", [])
    assert command[:4] == [binary, "--stdio", "--models", str(tmp_path / "models")]
    assert "--models" not in ecgd.client.spawn_command(binary, None, None, None, ["--models", "elsewhere"])[:-2]
    assert ecgd.client.spawn_command("/usr/bin/ecgd", "data", None, None, []) == ["/usr/bin/ecgd", "--stdio", "--data-root", "data"]


def test_a_tcp_server_that_goes_away_fails_the_pending_call(long_signal):
    import re
    import subprocess
    server = subprocess.Popen([ecgd.find_ecgd(), "--tcp", "127.0.0.1:0", "--models", MODELS, "--log-level", "warning"],
                              stderr=subprocess.PIPE, text=True)
    port = int(re.search(r"listening on [\d.]+:(\d+)", server.stderr.readline()).group(1))
    client = ecgd.Client.connect("127.0.0.1", port, progress=False)
    _, future = client.send_request("classify", {"model": "demo-aami5", "signal": client._signal(long_signal, 360)})
    server.kill()
    server.wait()
    with pytest.raises(ecgd.DaemonDied, match=f"ecgd at 127.0.0.1:{port} closed the connection"):
        future.result(timeout=60)
    with pytest.raises(ecgd.DaemonDied):
        client.ping()
    client.close()
