"""``AsyncClient``: the same methods as ``Client``, as coroutines on asyncio streams."""
import asyncio
import collections
import itertools
import sys
import traceback

from .client import _CANCEL_GRACE_SECONDS, _LIFECYCLE, initialize_params, spawn_command
from .errors import DaemonDied, EcgdError, daemon_died
from .framing import encode_frame, frame_parts, read_frame_async
from .methods import Methods
from .progress import ProgressBar


class AsyncClient(Methods):
    """An asyncio client: ``await AsyncClient.spawn()`` or ``await AsyncClient.connect(host, port)``,
    then ``await client.classify(...)``; ``async with`` closes it. Calls may run concurrently
    (``asyncio.gather``). A call whose task is cancelled is cancelled on the server too.
    Options are those of ``Client``."""

    def __init__(self, reader, writer, *, process=None, name="ecgd", gzip_requests_over=None,
                 gzip_signals_over=None, progress=True, timeout=None, echo_stderr=True):
        self._reader = reader
        self._writer = writer
        self._process = process
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
        self.notifications = collections.deque(maxlen=1000)
        self.server_info = None
        self._stderr_lines = collections.deque(maxlen=40)
        self._stderr_task = None
        if process is not None:
            self._stderr_task = asyncio.ensure_future(self._read_stderr(process.stderr, echo_stderr))
        self._reader_task = asyncio.ensure_future(self._read_loop())

    @classmethod
    async def spawn(cls, executable=None, data_root=None, args=(), *, models=None, log_level="warning",
                    echo_stderr=True, cwd=None, initialize=True, accept_gzip=False, initialization_options=None,
                    **options):
        """Starts ``ecgd --stdio`` and performs the handshake (see ``Client.spawn``)."""
        command = spawn_command(executable, data_root, models, log_level, args)
        process = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, cwd=cwd, start_new_session=True)
        client = cls(process.stdout, process.stdin, process=process, echo_stderr=echo_stderr, **options)
        if initialize:
            await client._initialize_or_close(accept_gzip, initialization_options)
        return client

    @classmethod
    async def connect(cls, host="127.0.0.1", port=7777, *, initialize=True, accept_gzip=True,
                      gzip_signals_over=64 * 1024, initialization_options=None, token=None, **options):
        """Connects to ``ecgd --tcp HOST:PORT`` and performs the handshake (see ``Client.connect``)."""
        reader, writer = await asyncio.open_connection(host, port)
        client = cls(reader, writer, name=f"ecgd at {host}:{port}", gzip_signals_over=gzip_signals_over, **options)
        if initialize:
            await client._initialize_or_close(accept_gzip, initialization_options, token)
        return client

    @classmethod
    async def connect_unix(cls, path, *, initialize=True, accept_gzip=False, initialization_options=None,
                           token=None, **options):
        """Connects to ``ecgd --socket PATH`` and performs the handshake (see ``Client.connect_unix``)."""
        reader, writer = await asyncio.open_unix_connection(path)
        client = cls(reader, writer, name=f"ecgd at {path}", **options)
        if initialize:
            await client._initialize_or_close(accept_gzip, initialization_options, token)
        return client

    async def _initialize_or_close(self, accept_gzip, initialization_options, token=None):
        try:
            await self.initialize(accept_gzip=accept_gzip, initialization_options=initialization_options, token=token)
        except BaseException:
            await self.close()
            raise

    async def initialize(self, accept_gzip=True, initialization_options=None, token=None):
        """The handshake; returns the server's description (also ``server_info``)."""
        params = initialize_params("ecgd-python-asyncio", accept_gzip, initialization_options, token)
        self.server_info = await self.request("initialize", params)
        await self.notify("initialized", {})
        return self.server_info

    async def request(self, method, params=None, progress=None, timeout=None):
        """Calls ``method`` and returns its result; raises ``EcgdError`` for an error response."""
        if progress is None:
            progress = self.progress
        display = None if progress is False or method in _LIFECYCLE else (
            ProgressBar() if progress is True else progress)
        request_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = dict(params)
        if self._failure is not None:
            raise self._failure
        self._pending[request_id] = future
        if display is not None:
            message.setdefault("params", {})["workDoneToken"] = f"progress-{request_id}"
            self._progress[f"progress-{request_id}"] = display
        limit = timeout if timeout is not None else self.timeout
        try:
            await self._send(message)
            return await asyncio.wait_for(asyncio.shield(future), limit)
        except asyncio.CancelledError:
            self._cancel_nowait(request_id)
            raise
        except asyncio.TimeoutError:
            self._cancel_nowait(request_id)
            try:
                await asyncio.wait_for(asyncio.shield(future), _CANCEL_GRACE_SECONDS)
            except BaseException:
                pass
            raise TimeoutError(f"{method} did not answer within {limit} s; it was cancelled") from None
        finally:
            self._pending.pop(request_id, None)
            self._progress.pop(f"progress-{request_id}", None)
            if isinstance(display, ProgressBar):
                display.close()

    async def _call(self, method, params, parse, progress, timeout):
        return parse(await self.request(method, params, progress=progress, timeout=timeout))

    def _cancel_nowait(self, request_id):
        try:
            self._writer.write(encode_frame({"jsonrpc": "2.0", "method": "$/cancelRequest",
                                             "params": {"id": request_id}}))
        except (OSError, RuntimeError):
            pass

    async def cancel(self, request_id):
        """Asks the server to cancel a request in flight; it then answers -32800."""
        await self.notify("$/cancelRequest", {"id": request_id})

    async def notify(self, method, params=None):
        """Sends a notification."""
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        await self._send(message)

    async def close(self):
        """``shutdown`` then ``exit``, and releases the process or connection. Safe to call twice."""
        if self._closed:
            return
        if self._failure is None:
            try:
                await self.request("shutdown", timeout=30)
                await self.notify("exit")
            except (EcgdError, OSError, TimeoutError):
                pass
        self._closed = True
        try:
            self._writer.close()
        except (OSError, RuntimeError):
            pass
        if self._process is not None:
            try:
                await asyncio.wait_for(self._process.wait(), 30)
            except asyncio.TimeoutError:
                self._process.kill()
                await self._process.wait()
        try:
            await asyncio.wait_for(self._reader_task, 10)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            pass

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()

    async def _send(self, message):
        parts = frame_parts(message, gzip_over=self._gzip_over)
        try:
            self._writer.writelines(parts)
            await self._writer.drain()
        except (OSError, RuntimeError) as error:
            await asyncio.wait([self._reader_task], timeout=10)
            raise (self._failure or DaemonDied(f"cannot write to {self._name}: {error}")) from None

    async def _read_stderr(self, stream, echo):
        while line := await stream.readline():
            text = line.decode("utf-8", "replace").rstrip("\n")
            self._stderr_lines.append(text)
            if echo:
                print(text, file=sys.stderr)

    async def _read_loop(self):
        reason = ""
        try:
            while (message := await read_frame_async(self._reader)) is not None:
                for item in message if isinstance(message, list) else [message]:
                    self._dispatch(item)
        except (OSError, ValueError) as error:
            reason = f" ({error})"
        if self._closed:
            failure = DaemonDied(f"the client of {self._name} is closed")
        elif self._process is not None:
            try:
                status = await asyncio.wait_for(self._process.wait(), 5)
            except asyncio.TimeoutError:
                status = None
            if self._stderr_task is not None:
                await asyncio.wait([self._stderr_task], timeout=2)
            failure = daemon_died(self._name, self._process.pid, status, list(self._stderr_lines))
        else:
            failure = DaemonDied(f"{self._name} closed the connection{reason}")
        self._failure = failure
        for future in self._pending.values():
            if not future.done():
                future.set_exception(failure)

    def _dispatch(self, message):
        if "method" in message:
            params = message.get("params") or {}
            callback = self._progress.get(params.get("token")) if message["method"] == "$/progress" else None
            if callback is None:
                self.notifications.append(message)
                return
            try:
                callback(params.get("value", {}))
            except Exception:  # a faulty callback must not stop the reader
                traceback.print_exc()
            return
        future = self._pending.get(message.get("id"))
        if future is None or future.done():
            self.notifications.append(message)
        elif "error" in message:
            future.set_exception(EcgdError.from_response(message["error"]))
        else:
            future.set_result(message.get("result"))
