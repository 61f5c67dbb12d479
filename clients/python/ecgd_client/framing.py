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


def read_frame(stream):
    """Reads one frame from a binary file-like ``stream``; returns the decoded JSON, or None at EOF."""
    length = None
    encoding = "identity"
    while True:
        line = stream.readline()
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("ascii").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "content-encoding":
            encoding = value.strip().lower()
    if length is None:
        raise ValueError("frame without Content-Length")
    body = stream.read(length)
    if len(body) < length:
        return None
    if encoding == "gzip":
        body = gzip.decompress(body)
    return json.loads(body)
