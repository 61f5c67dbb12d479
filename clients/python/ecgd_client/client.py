"""A thread-safe JSON-RPC client for ecgd over a spawned process or a TCP socket."""
import itertools
import json
import socket
import subprocess
import threading
from concurrent.futures import Future

from .framing import encode_frame, read_frame
from .locate import find_ecgd


class EcgdError(Exception):
    """A JSON-RPC error answered by ecgd."""

    def __init__(self, code, message, data=None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.data = data


class Client:
    """Sends requests concurrently; a reader thread routes responses and progress notifications.

    ``gzip_requests_over``: gzip whole request frames of at least this many bytes (default: never).
    Worth it for inline number arrays over a network; binary signals (``encode_signal``) are
    already compressed, and gzipping their base64 again only costs time.
    """

    def __init__(self, reader, writer, process=None, sock=None, gzip_requests_over=None):
        self._reader = reader
        self._writer = writer
        self._process = process
        self._socket = sock
        self._gzip_over = gzip_requests_over
        self._ids = itertools.count(1)
        self._pending = {}
        self._progress = {}
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self.notifications = []
        self.server_info = None
        self._thread = threading.Thread(target=self._read_loop, name="ecgd-reader", daemon=True)
        self._thread.start()

    @classmethod
    def spawn(cls, executable=None, data_root=None, args=(), stderr=None, initialize=True,
              accept_gzip=False, gzip_requests_over=None):
        """Starts ``executable --stdio`` (default: ``find_ecgd()``) and initializes the session.

        Over a local pipe compression costs more than it saves, so gzip responses are not
        requested unless ``accept_gzip`` is set."""
        command = [executable or find_ecgd(), "--stdio"]
        if data_root is not None:
            command += ["--data-root", str(data_root)]
        command += list(args)
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
        client = cls(process.stdout, process.stdin, process=process, gzip_requests_over=gzip_requests_over)
        if initialize:
            client.initialize(accept_gzip=accept_gzip)
        return client

    @classmethod
    def connect(cls, host="127.0.0.1", port=7777, initialize=True, timeout=10,
                accept_gzip=True, gzip_requests_over=None):
        """Connects to ``ecgd --tcp HOST:PORT`` and initializes the session (accepting gzip
        responses, which pay off across a network)."""
        sock = socket.create_connection((host, port), timeout=timeout)
        sock.settimeout(None)
        client = cls(sock.makefile("rb"), sock.makefile("wb"), sock=sock, gzip_requests_over=gzip_requests_over)
        if initialize:
            client.initialize(accept_gzip=accept_gzip)
        return client

    def initialize(self, accept_gzip=True):
        """Performs the LSP-style handshake; with ``accept_gzip``, responses above the server's
        threshold come gzip-encoded."""
        encodings = ["gzip"] if accept_gzip else []
        result = self.request("initialize", {"clientInfo": {"name": "ecgd_client"},
                                             "capabilities": {"acceptEncoding": encodings}})
        self.notify("initialized", {})
        self.server_info = result
        return result

    def send_request(self, method, params=None, progress=None):
        """Sends a request without waiting; returns ``(id, Future)``. ``progress`` is called with
        each ``$/progress`` value of this request."""
        request_id = next(self._ids)
        future = Future()
        message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = dict(params)
        with self._lock:
            self._pending[request_id] = future
            if progress is not None:
                token = f"progress-{request_id}"
                message.setdefault("params", {})["workDoneToken"] = token
                self._progress[token] = progress
        self._send(message)
        return request_id, future

    def request(self, method, params=None, progress=None, timeout=None):
        """Calls ``method`` and returns its result, raising ``EcgdError`` for an error response."""
        _, future = self.send_request(method, params, progress)
        return future.result(timeout)

    def cancel(self, request_id):
        """Asks the server to cancel a request in flight; it then answers -32800."""
        self.notify("$/cancelRequest", {"id": request_id})

    def notify(self, method, params=None):
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self._send(message)

    def close(self):
        """Shuts the session down politely (``shutdown`` then ``exit``) and releases resources."""
        try:
            self.request("shutdown", timeout=30)
            self.notify("exit")
        except (EcgdError, OSError, ValueError):
            pass
        if self._process is not None:
            try:
                self._process.stdin.close()
            except OSError:
                pass
            self._process.wait(timeout=30)
        if self._socket is not None:
            self._socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _send(self, message):
        body = json.dumps(message, separators=(",", ":"), allow_nan=False).encode("utf-8")
        frame = encode_frame(body, compress=self._gzip_over is not None and len(body) >= self._gzip_over)
        with self._write_lock:
            self._writer.write(frame)
            self._writer.flush()

    def _read_loop(self):
        try:
            while True:
                message = read_frame(self._reader)
                if message is None:
                    break
                for item in message if isinstance(message, list) else [message]:
                    self._dispatch(item)
        except (OSError, ValueError) as error:
            failure = error
        else:
            failure = ConnectionError("ecgd closed the connection")
        with self._lock:
            pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(failure)

    def _dispatch(self, message):
        if "method" in message:
            params = message.get("params") or {}
            if message["method"] == "$/progress":
                callback = self._progress.get(params.get("token"))
                if callback is not None:
                    callback(params.get("value", {}))
                    return
            self.notifications.append(message)
            return
        with self._lock:
            future = self._pending.pop(message.get("id"), None)
            self._progress.pop(f"progress-{message.get('id')}", None)
        if future is None:
            self.notifications.append(message)  # e.g. an error about an unreadable frame (id null)
            return
        if "error" in message:
            error = message["error"]
            future.set_exception(EcgdError(error.get("code"), error.get("message"), error.get("data")))
        else:
            future.set_result(message.get("result"))
