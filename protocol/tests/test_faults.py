"""Fault tests: the daemon survives clients that die at any byte, broken gzip, cancellations racing
completions, models unloaded under use, its stdout closed, files replaced while read and SIGTERM
under load. Each test checks that the daemon keeps serving another client (a ping on another
connection answers), never crashes, and at the end stops cleanly (SIGTERM, exit status 0); the
peak RSS of each scenario is printed in the summary (`fault_tools.Daemon.memory_mib`).

The only time limits are generous liveness bounds; the whole file takes well under two minutes on
the debug binary.
"""
import base64
import gzip
import math
import os
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import fault_tools as ft  # noqa: E402

DATA_ROOT = os.path.join(ROOT, "Tests", "Data")
MODELS = os.path.join(ROOT, "Tests", "Data", "models")
#: Seconds a daemon that must answer gets before the test calls it stuck (not a speed bar).
LIVENESS = 60
#: Peak RSS in MiB per scenario, printed after the run (protocol/tests/conftest.py).
RSS_REPORT = {}


@pytest.fixture(scope="module")
def binary():
    return ft.find_ecgd(prefer="debug")


@pytest.fixture
def start(binary, request):
    """Starts daemons for one test; at its end each must still answer a ping and exit 0 on SIGTERM."""
    daemons = []

    def launch(data_root=DATA_ROOT, models=MODELS, args=()):
        daemon = ft.Daemon(binary, data_root, models, args)
        daemons.append(daemon)
        return daemon

    yield launch
    for daemon in daemons:
        try:
            assert daemon.alive(), f"ecgd died (status {daemon.process.returncode}):\n{daemon.log_tail()}"
            assert daemon.ping(timeout=LIVENESS)["pong"] is True
            RSS_REPORT[request.node.name] = daemon.memory_mib()
            assert daemon.stop(timeout=LIVENESS) == 0, daemon.log_tail()
        finally:
            daemon.kill()


def synthetic_signal(seconds=10, fs=360.0):
    """A narrow spike a second on a flat line: a short signal detectPeaks finishes quickly."""
    return {"fs": fs, "data": [round(1.2 * math.exp(-0.5 * ((i / fs % 1.0 - 0.5) / 0.012) ** 2), 4)
                               for i in range(int(seconds * fs))]}


def wait_for_progress(wire, token, timeout=LIVENESS):
    """Reads until the `$/progress` begin of ``token``: the request's work is under way."""
    while True:
        message = wire.receive(timeout)
        if message.get("method") == "$/progress" and message["params"]["token"] == token:
            return
        wire.unclaimed.append(message)


def drain(wire, timeout=LIVENESS):
    """Every message until the daemon closes the connection."""
    messages = []
    while True:
        try:
            messages.append(wire.receive(timeout))
        except ft.Closed:
            return messages


# MARK: Clients that die


def vanish(wire, ending):
    """Ends a client as a killed process does: a reset, or a plain close (FIN)."""
    if ending == "reset":
        wire.abort()
    else:
        wire.close()


PING = ft.frame(ft.request(1, "ping"))
HALF_FRAMES = {
    "half a header line": b"Content-Len",
    "a header without its blank line": b"Content-Length: 40\r\n",
    "half a body": PING[:len(PING) - 10],
    "half a gzip body": ft.frame(ft.request(1, "ping"), compress=True)[:-8],
    "a 60 MB body promised, 1 KB sent": b"Content-Length: 60000000\r\n\r\n" + b"[" * 1024,
}


@pytest.mark.parametrize("ending", ["reset", "close"])
@pytest.mark.parametrize("initialized", [False, True])
def test_clients_killed_mid_frame_leave_the_others_served(start, initialized, ending):
    daemon = start()
    with daemon.connect() as survivor:
        for name, data in HALF_FRAMES.items():
            victim = daemon.connect(initialize=initialized)
            victim.send_raw(data)
            vanish(victim, ending)
            assert survivor.call("ping", timeout=LIVENESS)["result"]["pong"] is True, name
        assert "result" in survivor.call("listModels", timeout=LIVENESS)
    assert daemon.alive()


@pytest.mark.parametrize("ending", ["reset", "close"])
def test_client_killed_during_a_long_classify(start, ending):
    daemon = start()
    params = {"model": "demo-aami5", "signal": {"path": "mitdb/208"}, "workDoneToken": "victim"}
    victim = daemon.connect()
    victim.send(ft.request(victim.next_id(), "classify", params))
    for i in range(3):  # more work queued behind it, answered to nobody
        victim.send(ft.request(victim.next_id(), "classify", dict(params, workDoneToken=f"queued-{i}")))
    wait_for_progress(victim, "victim")
    vanish(victim, ending)
    with daemon.connect() as survivor:
        assert survivor.call("ping", timeout=LIVENESS)["result"]["pong"] is True
        reply = survivor.call("classify", {"model": "demo-aami5", "signal": {"path": "mitdb/119"}},
                              timeout=LIVENESS)
        assert len(reply["result"]["beats"]) > 1500


# MARK: Broken gzip


def test_truncated_gzip_bodies_get_a_parse_error_and_the_connection_goes_on(start):
    daemon = start()
    body = gzip.compress(ft.encode_body(ft.request(7, "detectPeaks", {"signal": {"path": "mitdb/101"}})))
    with daemon.connect() as wire:
        for cut in (1, 10, 17, len(body) // 2, len(body) - 4, len(body) - 1):
            wire.send_raw(b"Content-Length: %d\r\nContent-Encoding: gzip\r\n\r\n" % cut + body[:cut])
            error = wire.receive(LIVENESS)
            assert error["id"] is None and error["error"]["code"] == ft.PARSE_ERROR, (cut, error)
            assert "gzip" in error["error"]["message"]
        # a whole gzip body followed by junk inside the frame
        junk = body + b"junk"
        wire.send_raw(b"Content-Length: %d\r\nContent-Encoding: gzip\r\n\r\n" % len(junk) + junk)
        assert wire.receive(LIVENESS)["error"]["code"] == ft.PARSE_ERROR
        # the connection still works, with gzip too
        wire.send_raw(b"Content-Length: %d\r\nContent-Encoding: gzip\r\n\r\n" % len(body) + body)
        reply = wire.response(7, LIVENESS)
        assert len(reply["result"]["peaks"]) > 1800
    # and a client that dies half-way through a gzip body leaves the rest alone
    victim = daemon.connect()
    victim.send_raw(b"Content-Length: %d\r\nContent-Encoding: gzip\r\n\r\n" % len(body) + body[:len(body) // 2])
    victim.abort()
    assert daemon.ping(LIVENESS)["pong"] is True


# MARK: Cancellation


def race_request(kind, request_id):
    """A short request: detectPeaks on 10 s, classify of 8 cut beats with progress, or listModels."""
    if kind == 0:
        return "detectPeaks", {"signal": synthetic_signal()}
    if kind == 1:
        beats = struct.pack("<%df" % (8 * 360), *[math.sin(i / 9.0) for i in range(8 * 360)])
        return "classify", {"model": "demo-aami5", "workDoneToken": f"t{request_id}",
                            "beats": {"dtype": "float32", "data": base64.b64encode(beats).decode(),
                                      "shape": [8, 360]}}
    return "listModels", {}


def test_cancellations_racing_completions_get_exactly_one_response_each(start):
    """`$/cancelRequest` before the request, in the same write, and 0 to 5 ms after it: every
    request is answered once, with its result or -32800, nothing else arrives, and a progress
    `begin` is always followed by its `end` before the response."""
    daemon = start()
    offsets = ["before", "same write", 0.0, 0.0002, 0.0005, 0.001, 0.002, 0.005]
    wire = daemon.connect()
    arrived, ids = [], []
    for group in range(4):
        sent = []
        for k, offset in enumerate(offsets * 3):
            request_id = wire.next_id()
            method, params = race_request(k % 3, request_id)
            message = ft.frame(ft.request(request_id, method, params))
            cancel = ft.frame(ft.notification("$/cancelRequest", {"id": request_id}))
            if offset == "before":
                wire.send_raw(cancel + message)
            elif offset == "same write":
                wire.send_raw(message + cancel)
            else:
                wire.send_raw(message)
                time.sleep(offset)
                wire.send_raw(cancel)
            sent.append(request_id)
        waiting = set(sent)
        while waiting:
            message = wire.receive(LIVENESS)
            arrived.append(message)
            if "method" not in message:
                waiting.discard(message.get("id"))
        ids += sent
    wire.send(ft.request(wire.next_id(), "shutdown"))
    wire.send(ft.notification("exit"))
    arrived += drain(wire)  # whatever is still to come arrives before the daemon closes the connection
    wire.close()
    outcomes = {"result": 0, "cancelled": 0}
    for request_id in ids:
        replies = [i for i, m in enumerate(arrived) if "method" not in m and m.get("id") == request_id]
        assert len(replies) == 1, (request_id, [arrived[i] for i in replies])
        reply = arrived[replies[0]]
        if "result" in reply:
            outcomes["result"] += 1
        else:
            assert reply["error"]["code"] == ft.REQUEST_CANCELLED, reply
            outcomes["cancelled"] += 1
        progress = [(i, m["params"]["value"]["kind"]) for i, m in enumerate(arrived)
                    if m.get("method") == "$/progress" and m["params"]["token"] == f"t{request_id}"]
        if progress:
            assert progress[0][1] == "begin" and progress[-1][1] == "end", (request_id, progress)
            assert progress[-1][0] < replies[0], (request_id, "progress after the response")
    # a cancel before its request cancels nothing; one in the same write nearly always lands
    assert outcomes["result"] >= 12 and outcomes["cancelled"] >= 1, outcomes


# MARK: Models


def test_model_unloaded_while_requests_use_it(start):
    """unloadModel (protocol section 7) and loadModel in a loop on one connection while classify
    requests use the model on another: each classify answers the same beats as when the model was
    left alone, or (for a model registered by path, which unloading forgets) -32010."""
    daemon = start()
    shipped = {"model": "demo-aami5", "signal": {"path": "mitdb/119"}}
    with daemon.connect() as user, daemon.connect() as admin:
        baseline = user.call("classify", shipped, timeout=LIVENESS)["result"]["beats"]
        assert "result" in admin.call("loadModel", {"name": "mine", "path": "models/demo-aami5"},
                                      timeout=LIVENESS)
        pending = {}
        for k in range(6):
            request_id = user.next_id()
            params = shipped if k % 2 == 0 else dict(shipped, model="mine")
            user.send(ft.request(request_id, "classify", params))
            pending[request_id] = params["model"]
        unloaded = 0
        stop = threading.Event()
        replies = {}

        def collect():
            for request_id in pending:
                replies[request_id] = user.response(request_id, LIVENESS)
            stop.set()

        collector = threading.Thread(target=collect)
        collector.start()
        while not stop.is_set():
            for name in ("demo-aami5", "mine"):
                unloaded += admin.call("unloadModel", {"name": name}, timeout=LIVENESS)["result"]["unloaded"]
            assert "result" in admin.call("listModels", timeout=LIVENESS)
            assert "result" in admin.call("loadModel", {"name": "demo-aami5"}, timeout=LIVENESS)
        collector.join(LIVENESS)
        assert unloaded >= 1
        for request_id, model in pending.items():
            reply = replies[request_id]
            if "error" in reply:
                assert model == "mine" and reply["error"]["code"] == ft.MODEL_NOT_FOUND, reply
            else:
                assert reply["result"]["beats"] == baseline, request_id
        assert user.call("classify", shipped, timeout=LIVENESS)["result"]["beats"] == baseline


# MARK: Standard output closed


def test_stdout_closed_in_stdio_mode_ends_the_daemon_cleanly(binary):
    """A client that closes its end of the daemon's stdout (a notebook that died, `| head`): the
    daemon's writes fail; it must neither die of SIGPIPE nor keep running for nobody."""
    process = subprocess.Popen([binary, "--stdio", "--data-root", DATA_ROOT, "--models", MODELS,
                                "--log-level", "warning"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)
    try:
        process.stdin.write(ft.frame(ft.request(1, "initialize", {})))
        process.stdin.flush()
        assert b"serverInfo" in process.stdout.read1(1 << 16)
        process.stdout.close()
        for request_id in range(2, 6):
            process.stdin.write(ft.frame(ft.request(request_id, "detectPeaks", {"signal": {"path": "mitdb/101"}})))
            process.stdin.flush()
        memory = ft.memory_kib(process.pid)
        status = process.wait(LIVENESS)  # stdin stays open: the daemon must notice on its own
        if memory is not None:
            RSS_REPORT["test_stdout_closed_in_stdio_mode"] = memory[1] / 1024
        assert status >= 0, f"killed by {signal.Signals(-status).name}"
        assert status in (0, 1), process.stderr.read().decode()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# MARK: Files replaced while read


def test_data_file_replaced_and_truncated_while_being_read(start, tmp_path):
    """Readers of a record while its signal file is renamed over (alternately with another
    record's) and truncated in place: every answer is a result or a clear file error, never an
    internal error or a dropped connection, and once the file is back the answer is the first."""
    for name in ("208", "119"):
        for extension in ("hea", "dat"):
            shutil.copy(os.path.join(DATA_ROOT, "mitdb", f"{name}.{extension}"), tmp_path / f"{name}.{extension}")
    originals = {name: (tmp_path / f"{name}.dat").read_bytes() for name in ("208", "119")}
    daemon = start(data_root=tmp_path)
    with daemon.connect() as wire:
        baseline = wire.call("detectPeaks", {"signal": {"path": "208"}}, timeout=LIVENESS)["result"]["peaks"]
    stop = threading.Event()
    replies, failures = [], []

    def reader():
        try:
            with daemon.connect() as wire:
                while not stop.is_set():
                    replies.append(wire.call("detectPeaks", {"signal": {"path": "208"}}, timeout=LIVENESS))
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(repr(error))

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for thread in readers:
        thread.start()
    target = tmp_path / "208.dat"
    for round_ in range(40):
        staged = tmp_path / "staged.dat"
        staged.write_bytes(originals["119" if round_ % 2 == 0 else "208"])
        os.replace(staged, target)
        time.sleep(0.01)
        with open(target, "r+b") as f:
            f.truncate(len(originals["208"]) // (2 + round_ % 5))
        time.sleep(0.01)
        with open(target, "r+b") as f:
            f.write(originals["208"])
        time.sleep(0.01)
    stop.set()
    for thread in readers:
        thread.join(LIVENESS)
    assert not failures, failures
    assert len(replies) >= 3
    for reply in replies:
        if "error" in reply:
            assert reply["error"]["code"] in (ft.FILE_UNREADABLE, ft.FILE_NOT_FOUND), reply
    with daemon.connect() as wire:
        assert wire.call("detectPeaks", {"signal": {"path": "208"}}, timeout=LIVENESS)["result"]["peaks"] == baseline


# MARK: SIGTERM


def test_sigterm_under_load_answers_the_requests_in_flight_and_exits_0(binary):
    # A grace period no loaded machine runs out of: this test is about finishing the work in
    # flight (the deadline that cancels it has its own test below).
    daemon = ft.Daemon(binary, DATA_ROOT, MODELS, ["--shutdown-timeout", str(LIVENESS)])
    try:
        clients = []
        for k in range(4):
            wire = daemon.connect()
            token = f"load-{k}"
            wire.send(ft.request(1, "classify", {"model": "demo-aami5", "signal": {"path": "mitdb/208"},
                                                 "workDoneToken": token}))
            clients.append((wire, token))
        for wire, token in clients:
            wait_for_progress(wire, token)
        RSS_REPORT["test_sigterm_under_load"] = daemon.memory_mib()
        daemon.process.send_signal(signal.SIGTERM)
        for wire, _ in clients:
            reply = wire.response(1, LIVENESS)
            assert len(reply["result"]["beats"]) > 2500, reply
            drain(wire)
            wire.close()
        assert daemon.stop(timeout=LIVENESS) == 0, daemon.log_tail()
    finally:
        daemon.kill()


def test_sigterm_with_a_non_reading_client_exits_within_the_deadline(binary):
    if not ft.supports_flag(binary, "--shutdown-timeout"):
        pytest.skip("this ecgd has no --shutdown-timeout (branch harden): with a client that never reads, "
                    "SIGTERM may wait for it forever")
    deadline = 3
    daemon = ft.Daemon(binary, DATA_ROOT, MODELS, ["--shutdown-timeout", str(deadline)])
    try:
        stalled = daemon.connect()
        stalled.sock.settimeout(5)
        frames = b"".join(ft.frame(ft.request(i, "detectPeaks", {"signal": {"path": "mitdb/208"}}))
                          for i in range(1000, 4000))

        def flood():
            try:
                stalled.send_raw(frames)
            except OSError:
                pass  # the daemon stopped reading (backpressure) or closed the connection

        threading.Thread(target=flood, daemon=True).start()
        time.sleep(2)
        assert daemon.ping(LIVENESS)["pong"] is True
        RSS_REPORT["test_sigterm_with_a_non_reading_client"] = daemon.memory_mib()
        assert daemon.stop(timeout=deadline + LIVENESS) == 0, daemon.log_tail()
        stalled.close()
    finally:
        daemon.kill()

