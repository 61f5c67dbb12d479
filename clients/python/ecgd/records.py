"""Recordings on the client's disk, read with numpy alone: WFDB records (and their beat
annotations), EDF/EDF+ files and CSV files. ``signal_param`` sends what these return."""
import os
import re
from dataclasses import dataclass, field
from typing import Optional

import numpy as np


@dataclass
class Record:
    """A recording: ``signal`` (leads, samples) in millivolts (physical units), ``fs`` in Hz."""

    signal: np.ndarray
    fs: float
    lead_names: list
    name: str = ""
    path: Optional[str] = field(default=None, repr=False)

    @property
    def sample_count(self):
        return self.signal.shape[1]

    def lead(self, name_or_index):
        """One lead by name (``"MLII"``) or index, as a 1-D array."""
        if isinstance(name_or_index, str):
            return self.signal[self.lead_names.index(name_or_index)]
        return self.signal[name_or_index]


def read_record(path, fs=None, column=None):
    """Reads a WFDB record (``"mitdb/208"`` or ``".../208.hea"``), an EDF file or a CSV file
    (which needs ``fs``; ``column`` picks one column by name, otherwise every column except
    time or index columns). The format comes from the extension."""
    path = os.fspath(path)
    extension = os.path.splitext(path)[1].lower()
    if extension == ".csv":
        if fs is None:
            raise ValueError(f"{path}: a CSV file carries no sampling rate: give fs")
        return _read_csv(path, fs, column)
    if extension == ".edf":
        return _read_edf(path)
    return _read_wfdb(path[:-4] if extension == ".hea" else path)


# MARK: WFDB

def _read_wfdb(record):
    header_path = record + ".hea"
    with open(header_path, encoding="latin-1") as f:
        lines = [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise ValueError(f"{header_path}: empty header")
    fields = lines[0].split()
    if "/" in fields[0]:
        raise ValueError(f"{header_path}: multi-segment records are not supported")
    count = int(fields[1])
    fs = float(re.split(r"[/(]", fields[2])[0]) if len(fields) > 2 else 250.0
    length = int(fields[3]) if len(fields) > 3 else None
    specs = [_signal_spec(line, i, header_path) for i, line in enumerate(lines[1:1 + count])]
    if len(specs) != count:
        raise ValueError(f"{header_path}: {count} signals announced, {len(specs)} described")
    directory = os.path.dirname(record)
    leads = [None] * count
    for file_name in dict.fromkeys(spec["file"] for spec in specs):
        group = [i for i, spec in enumerate(specs) if spec["file"] == file_name]
        fmt, offset = specs[group[0]]["format"], specs[group[0]]["offset"]
        with open(os.path.join(directory, file_name), "rb") as f:
            f.seek(offset)
            raw = np.frombuffer(f.read(), dtype=np.uint8)
        digital, invalid = _decode(raw, fmt, header_path)
        frames = len(digital) // len(group)
        if length is not None:
            frames = min(frames, length)
        digital = digital[:frames * len(group)].reshape(frames, len(group))
        for column, i in enumerate(group):
            values = digital[:, column].astype(np.float64)
            physical = (values - specs[i]["baseline"]) / specs[i]["gain"]
            physical[digital[:, column] == invalid] = np.nan
            leads[i] = physical
    frames = min(len(lead) for lead in leads)
    return Record(signal=np.vstack([lead[:frames] for lead in leads]), fs=fs,
                  lead_names=[spec["description"] for spec in specs], name=os.path.basename(record), path=record)


def _signal_spec(line, index, header_path):
    fields = line.split()
    if len(fields) < 2:
        raise ValueError(f"{header_path}: signal line {line!r} has no format")
    match = re.fullmatch(r"(\d+)(?:x\d+)?(?::\d+)?(?:\+(\d+))?", fields[1])
    if not match:
        raise ValueError(f"{header_path}: unreadable format {fields[1]!r}")
    gain_match = re.match(r"([-+0-9.eE]+)(?:\(([-0-9]+)\))?", fields[2]) if len(fields) > 2 else None
    gain = float(gain_match.group(1)) if gain_match else 0.0
    adc_zero = int(fields[4]) if len(fields) > 4 else 0
    baseline = int(gain_match.group(2)) if gain_match and gain_match.group(2) else adc_zero
    return {"file": fields[0], "format": int(match.group(1)), "offset": int(match.group(2) or 0),
            "gain": gain if gain != 0 else 200.0, "baseline": baseline,
            "description": " ".join(fields[8:]) if len(fields) > 8 else f"signal{index}"}


def _decode(raw, fmt, header_path):
    """Digital samples of a WFDB signal file in storage order, and the format's invalid value."""
    if fmt == 212:
        triples = raw[:len(raw) // 3 * 3].reshape(-1, 3).astype(np.int32)
        first = triples[:, 0] | ((triples[:, 1] & 0x0F) << 8)
        second = triples[:, 2] | ((triples[:, 1] & 0xF0) << 4)
        samples = np.column_stack([first, second]).ravel()
        return np.where(samples > 2047, samples - 4096, samples), -2048
    if fmt == 16:
        return np.frombuffer(raw[:len(raw) // 2 * 2].tobytes(), "<i2").astype(np.int32), -32768
    if fmt == 61:
        return np.frombuffer(raw[:len(raw) // 2 * 2].tobytes(), ">i2").astype(np.int32), -32768
    if fmt == 80:
        return raw.astype(np.int32) - 128, -128
    if fmt == 160:
        return np.frombuffer(raw[:len(raw) // 2 * 2].tobytes(), "<u2").astype(np.int32) - 32768, -32768
    if fmt == 24:
        triples = raw[:len(raw) // 3 * 3].reshape(-1, 3).astype(np.int32)
        samples = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        return np.where(samples >= 1 << 23, samples - (1 << 24), samples), -(1 << 23)
    if fmt == 32:
        return np.frombuffer(raw[:len(raw) // 4 * 4].tobytes(), "<i4").astype(np.int64), -(1 << 31)
    raise ValueError(f"{header_path}: WFDB format {fmt} is not supported here (212, 16, 61, 80, 160, 24, 32 are)")


# The MIT annotation codes 0-41 (WFDB's ecgcodes.h), as their one-character mnemonics.
_ANNOTATION_SYMBOLS = [" ", "N", "L", "R", "a", "V", "F", "J", "A", "S", "E", "j", "/", "Q", "~", "", "|", "",
                       "s", "T", "*", "D", '"', "=", "p", "B", "^", "t", "+", "u", "?", "!", "[", "]", "e", "n",
                       "@", "x", "f", "(", ")", "r"]


@dataclass
class Annotations:
    """Annotations of a WFDB record: sample numbers, symbols (``"N"``, ``"V"``, ...) and aux texts."""

    samples: np.ndarray
    symbols: np.ndarray
    aux: list

    def beats(self):
        """Only the beats AAMI EC57 classifies: ``(samples, classes)`` with classes N, SVEB, VEB, F, Q."""
        classes = np.asarray([aami_class(s) for s in self.symbols], dtype=object)
        keep = classes != None  # noqa: E711 - element-wise comparison
        return self.samples[keep], classes[keep]


def read_annotations(record, annotator="atr"):
    """Reads ``record.annotator`` (MIT format, as PhysioNet's ``.atr`` files)."""
    path = f"{os.fspath(record)}.{annotator}"
    with open(path, "rb") as f:
        data = f.read()
    words = np.frombuffer(data[:len(data) // 2 * 2], "<u2")
    samples, symbols, aux = [], [], []
    time, i = 0, 0
    while i < len(words):
        code, interval = int(words[i]) >> 10, int(words[i]) & 0x3FF
        i += 1
        if code == 0 and interval == 0:
            break
        if code == 59:  # SKIP: a 32-bit interval follows, high half first
            value = (int(words[i]) << 16) | int(words[i + 1])
            time += value - (1 << 32) if value >= 1 << 31 else value
            i += 2
        elif code == 63:  # AUX: the text of the previous annotation
            text = data[2 * i:2 * i + interval].decode("latin-1").rstrip("\x00")
            if aux:
                aux[-1] = text
            i += (interval + 1) // 2
        elif code in (60, 61, 62):  # NUM, SUB, CHN
            continue
        else:
            time += interval
            samples.append(time)
            symbols.append(_ANNOTATION_SYMBOLS[code] if code < len(_ANNOTATION_SYMBOLS) else "?")
            aux.append("")
    return Annotations(samples=np.asarray(samples, dtype=np.int64), symbols=np.asarray(symbols, dtype=object),
                       aux=aux)


_AAMI = {**dict.fromkeys("NLRej", "N"), **dict.fromkeys("AaJS", "SVEB"), **dict.fromkeys("VE", "VEB"),
         "F": "F", **dict.fromkeys("/fQ", "Q")}


def aami_class(symbol):
    """The AAMI EC57 class of an MIT-BIH beat symbol (N: N L R e j; SVEB: A a J S; VEB: V E;
    F: F; Q: / f Q), or None for other annotations."""
    return _AAMI.get(symbol)


# MARK: EDF

def _read_edf(path):
    with open(path, "rb") as f:
        header = f.read(256)
        if len(header) < 256:
            raise ValueError(f"{path}: not an EDF file (short header)")
        count = int(header[252:256])
        fields = f.read(256 * count)
        data = f.read()

    def column(offset, width):
        start = offset * count
        return [fields[start + i * width:start + (i + 1) * width].decode("latin-1").strip() for i in range(count)]

    labels = column(0, 16)
    offset = 16 + 80 + 8
    physical_min = np.array(column(offset, 8), float)
    physical_max = np.array(column(offset + 8, 8), float)
    digital_min = np.array(column(offset + 16, 8), float)
    digital_max = np.array(column(offset + 24, 8), float)
    samples_per_record = np.array([int(x) for x in column(offset + 32 + 80, 8)])
    units = column(offset - 8, 8)
    duration = float(header[244:252])
    record_size = int(samples_per_record.sum())
    records = len(data) // (2 * record_size)
    blocks = np.frombuffer(data[:records * record_size * 2], "<i2").reshape(records, record_size)
    leads, names, rates = [], [], []
    start = 0
    for i in range(count):
        width = samples_per_record[i]
        if labels[i] != "EDF Annotations":
            digital = blocks[:, start:start + width].ravel().astype(np.float64)
            scale = (physical_max[i] - physical_min[i]) / (digital_max[i] - digital_min[i])
            values = (digital - digital_min[i]) * scale + physical_min[i]
            if units[i].lower() in ("uv", "µv"):
                values /= 1000.0
            leads.append(values)
            names.append(labels[i])
            rates.append(width / duration)
        start += width
    if not leads:
        raise ValueError(f"{path}: no signals")
    keep = [i for i, rate in enumerate(rates) if rate == rates[0]]
    return Record(signal=np.vstack([leads[i] for i in keep]), fs=rates[0], lead_names=[names[i] for i in keep],
                  name=os.path.splitext(os.path.basename(path))[0], path=path)


# MARK: CSV

_TIME_COLUMNS = {"", "time", "t", "seconds", "sec", "s", "ms", "sample", "samples", "index", "#", "unnamed: 0"}


def _read_csv(path, fs, column):
    with open(path, encoding="utf-8-sig") as f:
        first = f.readline()
    delimiter = max([",", ";", "\t"], key=first.count)
    cells = [c.strip().strip('"') for c in first.rstrip("\r\n").split(delimiter)]
    has_header = not any(_is_number(c) for c in cells)
    table = np.loadtxt(path, delimiter=delimiter, skiprows=1 if has_header else 0, ndmin=2, encoding="utf-8-sig")
    if column is not None:
        if not has_header:
            raise ValueError(f"{path}: column {column!r} asked for, but the file has no header line")
        lowered = [c.lower() for c in cells]
        if column.lower() not in lowered:
            raise ValueError(f"{path}: no column named {column!r} (columns: {', '.join(cells)})")
        chosen = [lowered.index(column.lower())]
    else:
        chosen = [i for i, c in enumerate(cells) if not has_header or c.lower() not in _TIME_COLUMNS]
    names = [cells[i] if has_header else f"column{i}" for i in chosen]
    return Record(signal=table[:, chosen].T.copy(), fs=float(fs), lead_names=names,
                  name=os.path.splitext(os.path.basename(path))[0], path=path)


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False
