"""LSP base-protocol framing: Content-Length headers, optional gzip bodies."""
import gzip
import json
import re
import uuid


class Base64Text(str):
    """Base64 text for a JSON string (the ``data`` of ``encode_signal``), with its ASCII bytes.

    Base64 needs no JSON escaping, so ``body_parts`` passes those bytes on as a piece of the frame
    instead of having ``json`` scan and copy a string of several megabytes."""

    def __new__(cls, ascii_bytes):
        text = super().__new__(cls, ascii_bytes, "ascii")  # one copy, not decode() and then another
        text.ascii = ascii_bytes
        return text


def body_parts(message):
    """The JSON text of ``message`` as UTF-8 byte strings to be written one after the other.
    ``Base64Text`` values of its objects (not inside arrays, which are not searched) are pieces
    of their own, neither scanned nor copied."""
    spliced = {}

    def stand_ins(value):
        if not isinstance(value, dict):
            return value
        out = {}
        for key, member in value.items():
            if isinstance(member, Base64Text) and len(member) >= 4096:
                out[key] = f"ecgd-splice-{uuid.uuid4().hex}"
                spliced[out[key].encode("ascii")] = member.ascii
            else:
                out[key] = stand_ins(member)
        return out

    text = json.dumps(stand_ins(message), separators=(",", ":"), allow_nan=False).encode("utf-8")
    if not spliced:
        return [text]
    # Stand-ins are 44 hex-and-dash characters json writes as they are: split the text at them.
    return [spliced.get(piece, piece) for piece in re.split(rb"(ecgd-splice-[0-9a-f]{32})", text)]


def encode_body(message):
    """The JSON text of ``message`` as UTF-8 bytes (``body_parts`` joined)."""
    return b"".join(body_parts(message))


def encode_frame(message, compress=False):
    """Returns the bytes of one frame carrying ``message`` (a JSON-serialisable object, or its
    JSON text already encoded as bytes)."""
    return b"".join(frame_parts(message, gzip_over=0 if compress else None))


def frame_parts(message, gzip_over=None):
    """The header and the body pieces of the frame of ``message`` (as ``encode_frame``), to be
    written one after the other without joining them into one more copy of the body. Bodies of
    at least ``gzip_over`` bytes are gzip-compressed (None: never)."""
    parts = [message] if isinstance(message, bytes) else body_parts(message)
    length = sum(len(part) for part in parts)
    headers = b""
    if gzip_over is not None and length >= gzip_over:
        parts = [gzip.compress(b"".join(parts), compresslevel=1)]
        length = len(parts[0])
        headers = b"Content-Encoding: gzip\r\n"
    return [b"Content-Length: %d\r\n%s\r\n" % (length, headers), *parts]


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
