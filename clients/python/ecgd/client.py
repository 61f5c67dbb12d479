"""A thread-safe client for ecgd over a spawned process (``Client.spawn``) or TCP (``Client.connect``)."""
import collections
import itertools
import os
import pathlib
import socket
import subprocess
import sys
import threading
import traceback
from concurrent.futures import Future

from .errors import DaemonDied, EcgdError, daemon_died
from .framing import frame_parts, read_frame
from .locate import find_ecgd
from .methods import Methods
from .progress import ProgressBar

# Requests that never take a workDoneToken.
_LIFECYCLE = ("initialize", "shutdown", "ping")
# How long a cancelled or interrupted call waits for the server's answer before giving up on it.
_CANCEL_GRACE_SECONDS = 10


def checkout_models(executable):
    """``models/`` of the ecgd checkout whose ``.build`` holds ``executable``, if any."""
    for directory in pathlib.Path(os.path.abspath(executable)).parents:
        if directory.name == ".build":
            models = directory.parent / "models"
            return str(models) if models.is_dir() else None
    return None


def spawn_command(executable, data_root, models, log_level, args):
    """The command line of a spawned ``ecgd --stdio``. A binary built in a checkout is given
    that checkout's shipped models unless ``models`` (or ``--models`` in ``args``) says otherwise,
    wherever the notebook runs."""
    executable = executable or find_ecgd()
    command = [executable, "--stdio"]
    args = [str(a) for a in args]
    if data_root is not None:
        command += ["--data-root", str(data_root)]
    if models is None and "--models" not in args:
        models = checkout_models(executable)
    if models is not None:
        command += ["--models", str(models)]
    if log_level is not None and "--log-level" not in args:
        command += ["--log-level", log_level]
    return command + args


class StderrTail:
    """Reads a process's standard error on a thread, keeping the last lines (and echoing them)."""

    def __init__(self, stream, echo=True, lines=40):
        self.lines = collections.deque(maxlen=lines)
        self._stream = stream
        self._echo = echo
        self._thread = threading.Thread(target=self._run, name="ecgd-stderr", daemon=True)
        self._thread.start()

    def _run(self):
        for raw in iter(self._stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            if self._echo:
                print(line, file=sys.stderr)

    def join(self, timeout):
        self._thread.join(timeout)


def death_message(process, tail, name):
    """Why a spawned ecgd is gone (see ``daemon_died``), once it has exited and its stderr is read."""
    try:
        status = process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        status = None
    if tail is not None:
        tail.join(2)
    return daemon_died(name, process.pid, status, list(tail.lines) if tail is not None else [])


def initialize_params(client_name, accept_gzip, initialization_options, token):
    """The params of ``initialize``: client name, accepted encodings, options and the token."""
    params = {"clientInfo": {"name": client_name},
              "capabilities": {"acceptEncoding": ["gzip"] if accept_gzip else []}}
    options = dict(initialization_options or {})
    if token is not None:
        options["token"] = token
    if options or initialization_options is not None:
        params["initializationOptions"] = options
    return params


class Client(Methods):
    """Sends requests concurrently from any thread; a reader thread routes responses and progress.

    - ``progress``: the default for every call (True: a tqdm bar or a plain line; False: none;
      or a callable given each ``$/progress`` value).
    - ``timeout``: the default seconds a call may take (None: no limit); an expired call is
      cancelled on the server and raises ``TimeoutError``.
    - ``gzip_requests_over``: gzip whole request frames of at least this many bytes.
    - ``gzip_signals_over``: gzip binary signals of at least this many bytes.

    Ctrl-C (or a notebook interrupt) during a call cancels it on the server and raises
    ``KeyboardInterrupt``; the daemon stays usable. A daemon that dies fails every pending and
    later call with ``DaemonDied``, naming its exit status and the last lines of its stderr.
    """

    def __init__(self, reader, writer, *, process=None, sock=None, stderr_tail=None, name="ecgd",
                 gzip_requests_over=None, gzip_signals_over=None, progress=True, timeout=None):
        self._reader = reader
        self._writer = writer
        self._process = process
        self._socket = sock
        self._stderr_tail = stderr_tail
        self._name = name
        self._gzip_over = gzip_requests_over
        self.gzip_signals_over = gzip_signals_over
        self.progress = progress
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._pending = {}
        self._progress = {}
        self._failure = None
        self._closed = False
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self.notifications = collections.deque(maxlen=1000)
        self.server_info = None
        self._thread = threading.Thread(target=self._read_loop, name="ecgd-reader", daemon=True)
        self._thread.start()

    @classmethod
    def spawn(cls, executable=None, data_root=None, args=(), *, models=None, log_level="warning",
              echo_stderr=True, cwd=None, initialize=True, accept_gzip=False, initialization_options=None,
              **options):
        """Starts ``ecgd --stdio`` (``executable`` or ``find_ecgd()``) and performs the handshake.

        ``data_root``: where the server reads ``ServerFile`` paths (default: the working directory);
        ``models``: its models directory; ``args``: more server flags; ``echo_stderr``: copy the
        server's log lines to ``sys.stderr`` (they are kept for error messages either way).
        Over a local pipe compression costs more than it saves, so gzip is off unless asked for.
        The daemon runs in its own session, so a terminal's Ctrl-C reaches only this process.
        """
        command = spawn_command(executable, data_root, models, log_level, args)
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, cwd=cwd, start_new_session=True)
        tail = StderrTail(process.stderr, echo=echo_stderr)
        client = cls(process.stdout, process.stdin, process=process, stderr_tail=tail, **options)
        if initialize:
            try:
                client.initialize(accept_gzip=accept_gzip, initialization_options=initialization_options)
            except BaseException:
                client.close()
                raise
        return client

    @classmethod
    def connect(cls, host="127.0.0.1", port=7777, *, connect_timeout=10, initialize=True, accept_gzip=True,
                gzip_signals_over=64 * 1024, initialization_options=None, token=None, **options):
        """Connects to ``ecgd --tcp HOST:PORT`` and performs the handshake, accepting gzip
        responses and gzipping signals of 64 KiB or more, which pays off across a network.
        ``token``: the server's token (the contents of its ``--token-file``), when it has one."""
        sock = socket.create_connection((host, port), timeout=connect_timeout)
        sock.settimeout(None)
        return cls._handshake(sock, f"ecgd at {host}:{port}", initialize, accept_gzip, initialization_options, token,
                              gzip_signals_over=gzip_signals_over, **options)

    @classmethod
    def connect_unix(cls, path, *, connect_timeout=10, initialize=True, accept_gzip=False,
                     initialization_options=None, token=None, **options):
        """Connects to ``ecgd --socket PATH`` (a Unix domain socket) and performs the handshake.
        As over a pipe, compression costs more than it saves locally, so gzip is off unless asked for."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(connect_timeout)
        try:
            sock.connect(path)
        except BaseException:
            sock.close()
            raise
        sock.settimeout(None)
        return cls._handshake(sock, f"ecgd at {path}", initialize, accept_gzip, initialization_options, token,
                              **options)

    @classmethod
    def _handshake(cls, sock, name, initialize, accept_gzip, initialization_options, token, **options):
        client = cls(sock.makefile("rb"), sock.makefile("wb"), sock=sock, name=name, **options)
        if initialize:
            try:
                client.initialize(accept_gzip=accept_gzip, initialization_options=initialization_options, token=token)
            except BaseException:
                client.close()
                raise
        return client

    def initialize(self, accept_gzip=True, initialization_options=None, token=None):
        """The LSP-style handshake (``initialize``, then ``initialized``); returns the server's
        description (also kept as ``server_info``). ``token`` is sent as
        ``initializationOptions.token``; a wrong or missing one raises ``Unauthorized``."""
        result = self.request("initialize", initialize_params("ecgd-python", accept_gzip, initialization_options, token))
        self.notify("initialized", {})
        self.server_info = result
        return result

    # MARK: Requests

    def send_request(self, method, params=None, progress=None):
        """Sends a request without waiting; returns ``(id, Future)``. ``progress`` is a callable
        given each ``$/progress`` value of this request (or None)."""
        request_id = next(self._ids)
        future = Future()
        message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = dict(params)
        with self._lock:
            if self._failure is not None:
                raise self._failure
            self._pending[request_id] = future
            if progress is not None:
                token = f"progress-{request_id}"
                message.setdefault("params", {})["workDoneToken"] = token
                self._progress[token] = progress
        try:
            self._send(message)
        except BaseException:
            with self._lock:
                self._pending.pop(request_id, None)
                self._progress.pop(f"progress-{request_id}", None)
            raise
        return request_id, future

    def request(self, method, params=None, progress=None, timeout=None):
        """Calls ``method`` with ``params`` and returns its result; raises ``EcgdError`` (a
        subclass per code family) for an error response."""
        display = self._display(method, progress)
        request_id, future = self.send_request(method, params, display)
        limit = timeout if timeout is not None else self.timeout
        try:
            return future.result(limit)
        except KeyboardInterrupt:
            self._abandon(request_id, future)
            raise
        except TimeoutError:
            if future.done():
                raise
            self._abandon(request_id, future)
            raise TimeoutError(f"{method} did not answer within {limit} s; it was cancelled") from None
        finally:
            if isinstance(display, ProgressBar):
                display.close()

    def _call(self, method, params, parse, progress, timeout):
        return parse(self.request(method, params, progress=progress, timeout=timeout))

    def _display(self, method, progress):
        """The progress callback of one call, from its ``progress`` argument and the default."""
        if progress is None:
            progress = self.progress
        if progress is False or method in _LIFECYCLE:
            return None
        return ProgressBar() if progress is True else progress

    def _abandon(self, request_id, future):
        """Cancels a call the caller stopped waiting for, and gives the server a moment to answer
        it, so that the next call starts on a quiet connection."""
        try:
            self.cancel(request_id)
            future.exception(_CANCEL_GRACE_SECONDS)
        except BaseException:  # the daemon is gone, or another interrupt: the caller's exception wins
            pass

    def cancel(self, request_id):
        """Asks the server to cancel a request in flight; it then answers -32800."""
        self.notify("$/cancelRequest", {"id": request_id})

    def notify(self, method, params=None):
        """Sends a notification."""
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self._send(message)

    # MARK: Lifecycle

    def close(self):
        """Shuts the session down politely (``shutdown`` then ``exit``) and releases the process or
        socket. Safe to call twice, and on a daemon that already died."""
        if self._closed:
            return
        if self._failure is None:
            try:
                self.request("shutdown", timeout=30)
                self.notify("exit")
            except (EcgdError, OSError, TimeoutError):
                pass
        self._closed = True
        if self._process is not None:
            for stream in (self._process.stdin,):
                try:
                    stream.close()
                except OSError:
                    pass
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._socket is not None:
            try:
                self._socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._socket.close()
        self._thread.join(10)

    @property
    def process(self):
        """The spawned ``subprocess.Popen``, or None over TCP."""
        return self._process

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # MARK: Wire

    def _send(self, message):
        parts = frame_parts(message, gzip_over=self._gzip_over)
        with self._write_lock:
            try:
                for part in parts:
                    self._writer.write(part)
                self._writer.flush()
            except (OSError, ValueError) as error:
                self._thread.join(10)  # the reader knows why the daemon went away
                raise (self._failure or DaemonDied(f"cannot write to {self._name}: {error}")) from None

    def _read_loop(self):
        try:
            while True:
                message = read_frame(self._reader)
                if message is None:
                    break
                for item in message if isinstance(message, list) else [message]:
                    self._dispatch(item)
        except (OSError, ValueError) as error:
            reason = f" ({error})"
        else:
            reason = ""
        if self._closed:
            failure = DaemonDied(f"the client of {self._name} is closed")
        elif self._process is not None:
            failure = death_message(self._process, self._stderr_tail, self._name)
        else:
            failure = DaemonDied(f"{self._name} closed the connection{reason}")
        with self._lock:
            self._failure = failure
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
                    try:
                        callback(params.get("value", {}))
                    except Exception:  # a faulty callback must not stop the reader
                        traceback.print_exc()
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
            future.set_exception(EcgdError.from_response(message["error"]))
        else:
            future.set_result(message.get("result"))
