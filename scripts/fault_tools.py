"""What the load test (scripts/load_test.py) and the fault tests (protocol/tests/test_faults.py)
share: start `ecgd --tcp 127.0.0.1:0` and stop it, read its memory from /proc, and talk raw
JSON-RPC over LSP framing (Content-Length headers), including the broken frames a client that
dies mid-write leaves behind. Standard library only; loopback only.
"""
import collections
import gzip
import json
import os
import pathlib
import re
import signal
import socket
import struct
import subprocess
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]

#: JSON-RPC error codes the tools expect by name (protocol/README.md, section 5).
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
MODEL_NOT_FOUND = -32010
PATH_OUTSIDE_ROOT = -32020
FILE_NOT_FOUND = -32021
FILE_UNREADABLE = -32022
REQUEST_CANCELLED = -32800


def find_ecgd(explicit=None, prefer="release"):
    """The binary to run: ``explicit``, else ``$ECGD``, else the checkout's build (``prefer`` first)."""
    if explicit or os.environ.get("ECGD"):
        return str(explicit or os.environ["ECGD"])
    for flavour in (prefer, "debug" if prefer == "release" else "release"):
        candidate = ROOT / ".build" / flavour / "ecgd"
        if candidate.exists():
            return str(candidate)
    raise FileNotFoundError("no ecgd binary: build one (swift build --product ecgd) or set ECGD")


def help_text(binary):
    """What ``ecgd --help`` and ``ecgd help serve`` print (the server's flags are in the second)."""
    text = ""
    for args in (["--help"], ["help", "serve"]):
        run = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)
        text += run.stdout + run.stderr
    return text


def supports_flag(binary, flag):
    """Whether this ecgd build has ``flag`` (features of later branches are detected, not assumed)."""
    return re.search(r"(^|\s)" + re.escape(flag) + r"\b", help_text(binary)) is not None


# MARK: Frames


def encode_body(message):
    return json.dumps(message, separators=(",", ":")).encode("utf-8")


def frame(message, compress=False):
    """One complete frame carrying ``message`` (an object, or a body already encoded as bytes)."""
    body = message if isinstance(message, bytes) else encode_body(message)
    headers = b""
    if compress:
        body = gzip.compress(body, compresslevel=1)
        headers = b"Content-Encoding: gzip\r\n"
    return b"Content-Length: %d\r\n%s\r\n%s" % (len(body), headers, body)


def request(request_id, method, params=None):
    message = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        message["params"] = params
    return message


def notification(method, params=None):
    message = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        message["params"] = params
    return message


class Closed(Exception):
    """The daemon closed the connection before the awaited message came."""


class Wire:
    """One TCP connection speaking framed JSON-RPC, with no client library in between, so a test
    can send half a frame or vanish at any byte."""

    def __init__(self, port, timeout=60.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffer = bytearray()
        self._ids = iter(range(1, 1 << 62))
        #: Messages read while waiting for another one (notifications, other responses).
        self.unclaimed = collections.deque()

    def next_id(self):
        return next(self._ids)

    def send(self, message, compress=False):
        self.sock.sendall(frame(message, compress))

    def send_raw(self, data):
        self.sock.sendall(data)

    def receive(self, timeout=None):
        """The next message (gzip bodies inflated); raises ``Closed`` at end of stream and
        ``TimeoutError`` when nothing complete arrives within ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            message = self._take_frame()
            if message is not None:
                return message
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("no complete frame in time")
                self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                raise TimeoutError("no complete frame in time") from None
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise Closed("the daemon closed the connection")
            self._buffer += chunk

    def _take_frame(self):
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        length, encoding = None, "identity"
        for line in bytes(self._buffer[:end]).decode("ascii").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
            elif name.strip().lower() == "content-encoding":
                encoding = value.strip().lower()
        if length is None:
            raise ValueError(f"a frame without Content-Length: {bytes(self._buffer[:end])!r}")
        if len(self._buffer) < end + 4 + length:
            return None
        body = bytes(self._buffer[end + 4:end + 4 + length])
        del self._buffer[:end + 4 + length]
        return json.loads(gzip.decompress(body) if encoding == "gzip" else body)

    def response(self, request_id, timeout=None):
        """Waits for the response to ``request_id``, keeping what else arrives in ``unclaimed``."""
        for i, message in enumerate(self.unclaimed):
            if "method" not in message and message.get("id") == request_id:
                del self.unclaimed[i]
                return message
        while True:
            message = self.receive(timeout)
            if "method" not in message and message.get("id") == request_id:
                return message
            self.unclaimed.append(message)

    def call(self, method, params=None, timeout=None):
        """Sends a request and returns its whole response (``result`` or ``error``)."""
        request_id = self.next_id()
        self.send(request(request_id, method, params))
        return self.response(request_id, timeout)

    def initialize(self, accept_gzip=False, timeout=60):
        reply = self.call("initialize", {"clientInfo": {"name": "ecgd-fault-tools"},
                                         "capabilities": {"acceptEncoding": ["gzip"] if accept_gzip else []}},
                          timeout)
        assert "result" in reply, reply
        self.send(notification("initialized", {}))
        return reply["result"]

    def goodbye(self, timeout=60):
        """``shutdown`` then ``exit``: the polite end of a session."""
        self.call("shutdown", timeout=timeout)
        self.send(notification("exit"))
        self.close()

    def abort(self):
        """Vanishes as a killed process does, with a reset (no FIN, unread data dropped)."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# MARK: The daemon


def memory_kib(pid):
    """``VmRSS`` and ``VmHWM`` (peak RSS) of a live process, in KiB, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    except (OSError, KeyError, ValueError):
        return None


class Daemon:
    """``ecgd --tcp 127.0.0.1:0`` with its port, the tail of its stderr and its peak RSS.

    ``stop`` sends SIGTERM and returns the exit status; the peak RSS (``VmHWM``, the kernel's own
    high-water mark, and the highest ``VmRSS`` the sampler saw) is read before the process ends.
    """

    def __init__(self, binary, data_root, models=None, args=(), sample_seconds=0.05):
        command = [binary, "--tcp", "127.0.0.1:0", "--data-root", str(data_root), "--log-level", "warning"]
        if models is not None:
            command += ["--models", str(models)]
        self.command = command + [str(a) for a in args]
        self.process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        start_new_session=True)
        self.stderr = collections.deque(maxlen=200)
        found = None
        while found is None:
            line = self.process.stderr.readline().decode("utf-8", "replace")
            if not line:
                self.process.wait()
                raise RuntimeError(f"ecgd did not start (status {self.process.returncode}): "
                                   + "\n".join(self.stderr))
            self.stderr.append(line.rstrip("\n"))
            found = re.search(r"listening on [\d.]+:(\d+)", line)
        self.port = int(found.group(1))
        self.peak_rss_kib = 0
        self.hwm_kib = 0
        self._sample_seconds = sample_seconds
        self._stopped = threading.Event()
        threading.Thread(target=self._drain, daemon=True).start()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    @property
    def pid(self):
        return self.process.pid

    def _drain(self):
        for raw in iter(self.process.stderr.readline, b""):
            self.stderr.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def _sample(self):
        while not self._stopped.is_set():
            self._read_memory()
            self._stopped.wait(self._sample_seconds)

    def _read_memory(self):
        memory = memory_kib(self.pid)
        if memory is not None:
            self.peak_rss_kib = max(self.peak_rss_kib, memory[0])
            self.hwm_kib = max(self.hwm_kib, memory[1])

    def alive(self):
        return self.process.poll() is None

    def connect(self, initialize=True, timeout=60.0, accept_gzip=False):
        wire = Wire(self.port, timeout)
        if initialize:
            wire.initialize(accept_gzip=accept_gzip, timeout=timeout)
        return wire

    def ping(self, timeout=30.0):
        """A ping on a new connection; returns its result (raises if there is none)."""
        with Wire(self.port, timeout) as wire:
            reply = wire.call("ping", timeout=timeout)
        return reply["result"]

    def memory_mib(self):
        """Peak RSS so far in MiB (the kernel's high-water mark)."""
        self._read_memory()
        return max(self.hwm_kib, self.peak_rss_kib) / 1024

    def stop(self, timeout=60.0, sig=signal.SIGTERM):
        """Sends ``sig`` and waits; returns the exit status (negative: killed by that signal).
        A daemon still running after ``timeout`` seconds is killed and TimeoutError raised."""
        self._read_memory()
        if self.alive():
            self.process.send_signal(sig)
        try:
            status = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise TimeoutError(f"ecgd still running {timeout} s after {signal.Signals(sig).name}") from None
        finally:
            self._stopped.set()
        return status

    def kill(self):
        if self.alive():
            self.process.kill()
        self.process.wait()
        self._stopped.set()

    def log_tail(self, lines=20):
        return "\n".join(list(self.stderr)[-lines:])
