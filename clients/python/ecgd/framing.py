"""LSP base-protocol framing: Content-Length headers, optional gzip bodies."""
import gzip
import json


def encode_frame(message, compress=False):
    """Returns the bytes of one frame carrying ``message`` (a JSON-serialisable object, or its
    JSON text already encoded as bytes)."""
    body = message if isinstance(message, bytes) else json.dumps(
        message, separators=(",", ":"), allow_nan=False).encode("utf-8")
    headers = b""
    if compress:
        body = gzip.compress(body, compresslevel=1)
        headers = b"Content-Encoding: gzip\r\n"
    return b"Content-Length: %d\r\n%s\r\n%s" % (len(body), headers, body)


class _Headers:
    """Collects one frame's header lines."""

    def __init__(self):
        self.length = None
        self.encoding = "identity"

    def add(self, line):
        """Takes one header line; returns False at the empty line that ends the headers."""
        if line in (b"\r\n", b"\n"):
            if self.length is None:
                raise ValueError("frame without Content-Length")
            return False
        name, _, value = line.decode("ascii").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            self.length = int(value.strip())
        elif name == "content-encoding":
            self.encoding = value.strip().lower()
        return True

    def decode(self, body):
        if self.encoding == "gzip":
            body = gzip.decompress(body)
        return json.loads(body)


def read_frame(stream):
    """Reads one frame from a binary file-like ``stream``; returns the decoded JSON, or None at EOF."""
    headers = _Headers()
    while True:
        line = stream.readline()
        if not line:
            return None
        if not headers.add(line):
            break
    body = stream.read(headers.length)
    if len(body) < headers.length:
        return None
    return headers.decode(body)


async def read_frame_async(reader):
    """``read_frame`` for an ``asyncio.StreamReader``."""
    import asyncio
    headers = _Headers()
    while True:
        line = await reader.readline()
        if not line:
            return None
        if not headers.add(line):
            break
    try:
        body = await reader.readexactly(headers.length)
    except asyncio.IncompleteReadError:
        return None
    return headers.decode(body)
