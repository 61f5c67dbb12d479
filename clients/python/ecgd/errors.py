"""Errors: what ecgd answers (``EcgdError`` and one subclass per code family) and a daemon that died."""


class EcgdError(Exception):
    """A JSON-RPC error answered by ecgd, with its ``code``, ``message`` and optional ``data``.

    ``EcgdError.from_response`` picks the subclass of the code's family (protocol/README.md,
    section *Errors*), so callers can catch, say, every model problem with ``except ecgd.ModelError``.
    """

    def __init__(self, code, message, data=None):
        super().__init__(f"{message} (ecgd error {code})")
        self.code = code
        self.message = message
        self.data = data

    @staticmethod
    def from_response(error):
        """The exception for the ``error`` member of a JSON-RPC response."""
        code = error.get("code")
        cls = _FAMILIES.get(code, EcgdError)
        return cls(code, error.get("message", ""), error.get("data"))


class ProtocolError(EcgdError):
    """The message itself was wrong: parse error, invalid request, unknown method, not initialized (-32700, -32600, -32601, -32002)."""


class InvalidParams(EcgdError):
    """A parameter has the wrong shape, type or value; the message names its path (-32602)."""


class InternalError(EcgdError):
    """The server failed unexpectedly (-32603)."""


class LimitExceeded(EcgdError):
    """A payload over a server limit, too many requests in flight, or a request past its
    timeout (-32001, -32003, -32004)."""


class Unauthorized(EcgdError):
    """The server requires a token and ``initialize`` did not present the right one; the server
    closes the connection (-32005)."""


class ModelError(EcgdError):
    """A model that is not known (-32010) or could not be loaded (-32011)."""


class UnsupportedSignal(EcgdError):
    """A well-formed signal ecgd cannot process, for example a sampling rate out of range (-32012)."""


class FileAccessError(EcgdError):
    """A server-side path outside the data root (-32020), missing (-32021) or unreadable (-32022)."""


class RequestCancelled(EcgdError):
    """The request was cancelled (-32800)."""


_FAMILIES = {
    -32700: ProtocolError, -32600: ProtocolError, -32601: ProtocolError, -32002: ProtocolError,
    -32602: InvalidParams,
    -32603: InternalError,
    -32001: LimitExceeded, -32003: LimitExceeded, -32004: LimitExceeded,
    -32005: Unauthorized,
    -32010: ModelError, -32011: ModelError,
    -32012: UnsupportedSignal,
    -32020: FileAccessError, -32021: FileAccessError, -32022: FileAccessError,
    -32800: RequestCancelled,
}


class DaemonDied(ConnectionError):
    """The ecgd process ended (or the TCP connection closed) while calls were pending or being made.

    ``exit_status`` is the process's exit status (negative: killed by that signal; None over
    TCP), ``stderr_tail`` the last lines it wrote to standard error.
    """

    def __init__(self, message, exit_status=None, stderr_tail=()):
        super().__init__(message)
        self.exit_status = exit_status
        self.stderr_tail = list(stderr_tail)


def daemon_died(name, pid, status, stderr_lines):
    """The ``DaemonDied`` of a spawned ecgd that is gone: its exit status (None: still running,
    negative: the signal that killed it) and the last lines of its standard error."""
    if status is None:
        summary = f"{name} (pid {pid}) closed its output and is still running"
    elif status < 0:
        summary = f"{name} (pid {pid}) was killed by signal {-status}"
    else:
        summary = f"{name} (pid {pid}) exited with status {status}"
    if stderr_lines:
        summary += "; the last lines of its standard error:\n  " + "\n  ".join(stderr_lines[-10:])
    else:
        summary += " and wrote nothing to standard error"
    return DaemonDied(summary, exit_status=status, stderr_tail=stderr_lines)
