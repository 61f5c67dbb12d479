#!/usr/bin/env python3
"""A bounded load test of ecgd over loopback TCP.

Starts its own `ecgd --tcp 127.0.0.1:0` (the release build, or --ecgd / $ECGD) with the data root
at a directory of 30-minute MIT-BIH records, then runs CLIENTS concurrent connections (default 64),
each sending REQUESTS requests (default 10) one after another, drawn from a fixed mix:

  detectPeaks   a record by server path
  classify      a record by server path with a shipped model (mitbih-aami5, mitbih-binary,
                kachuee187-binary in turn)
  extractBeats  a record's windows and features for a shipped model
  plotSegment   a 10 s PNG strip of a record with its reference annotations
  ping
  errors        deliberate ones, each with the error code it must get: an unknown method
                (-32601), paths that escape the data root (-32020), unknown or ill-typed params
                (-32602), an unknown model (-32010), a missing record (-32021)

The run stops early once SECONDS have passed (no new request starts after that). It reports
throughput, p50 / p99 / max latency per kind of request, expected and unexpected errors (a wrong
code, a result where an error was due, an error where a result was due, a dropped connection or a
timeout), the daemon's peak RSS (VmHWM of /proc/PID/status, plus the highest VmRSS sampled every
50 ms), its exit status after SIGTERM, and the load average (the machine may be shared). The bar is
zero unexpected errors and exit status 0; the script exits 1 otherwise. Usage:

  .venv/bin/python scripts/load_test.py [--clients 64] [--requests-per-client 10] [--seconds 300]
      [--ecgd .build/release/ecgd] [--data-dir ../shared/data/mitdb] [--models models] [--seed 1] [--json]
"""
import argparse
import json
import os
import pathlib
import random
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import fault_tools as ft  # noqa: E402

MODELS = ("mitbih-aami5", "mitbih-binary", "kachuee187-binary")
#: Kinds of request and how often each is drawn.
WEIGHTS = {"detectPeaks": 4, "classify": 3, "extractBeats": 2, "plotSegment": 2, "ping": 1, "error": 3}
#: The deliberate errors: (label, method, params or a function of the record, expected code).
ERRORS = [
    ("unknownMethod", "noSuchMethod", {}, ft.METHOD_NOT_FOUND),
    ("pathEscape", "detectPeaks", {"signal": {"path": "../../../../etc/passwd"}}, ft.PATH_OUTSIDE_ROOT),
    ("absolutePath", "detectPeaks", {"signal": {"path": "/etc/hostname"}}, ft.PATH_OUTSIDE_ROOT),
    ("unknownParam", "detectPeaks", lambda r: {"signal": {"path": r}, "bogus": 1}, ft.INVALID_PARAMS),
    ("wrongType", "classify", lambda r: {"model": 5, "signal": {"path": r}}, ft.INVALID_PARAMS),
    ("unknownModel", "classify", lambda r: {"model": "no-such-model", "signal": {"path": r}}, ft.MODEL_NOT_FOUND),
    ("missingFile", "extractBeats", {"signal": {"path": "no-such-record"}, "model": "mitbih-aami5"},
     ft.FILE_NOT_FOUND),
]


def thirty_minute_records(data_dir):
    """Names of the records in ``data_dir`` whose header says 650,000 samples at 360 Hz."""
    names = []
    for header in sorted(pathlib.Path(data_dir).glob("*.hea")):
        fields = header.read_text().split("\n", 1)[0].split()
        if len(fields) >= 4 and fields[2] == "360" and fields[3] == "650000":
            names.append(header.stem)
    return names


def plan(client, count, records, seed):
    """The requests of one client: (label, method, params, expected error code or None)."""
    rng = random.Random(seed * 1_000_003 + client)
    kinds = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()), k=count)
    out = []
    for k, kind in enumerate(kinds):
        record = rng.choice(records)
        model = MODELS[(client + k) % len(MODELS)]
        if kind == "detectPeaks":
            out.append((kind, kind, {"signal": {"path": record}}, None))
        elif kind == "classify":
            out.append((f"classify:{model}", kind, {"model": model, "signal": {"path": record}}, None))
        elif kind == "extractBeats":
            out.append((kind, kind, {"signal": {"path": record}, "model": model}, None))
        elif kind == "plotSegment":
            start = rng.randrange(0, 1790)
            out.append((kind, kind, {"signal": {"path": record}, "window": {"start": start, "end": start + 10},
                                     "reference": "atr"}, None))
        elif kind == "ping":
            out.append((kind, kind, None, None))
        else:
            label, method, params, code = rng.choice(ERRORS)
            out.append((f"error:{label}", method, params(record) if callable(params) else params, code))
    return out


class Tally:
    """Latencies and outcomes from every client thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = {}
        self.expected_errors = {}
        self.unexpected = []
        self.completed = 0
        self.first_send = None
        self.last_answer = None

    def record(self, label, started, seconds, problem=None, expected_error=False):
        with self.lock:
            self.completed += 1
            self.first_send = started if self.first_send is None else min(self.first_send, started)
            self.last_answer = max(self.last_answer or 0, started + seconds)
            self.latencies.setdefault(label, []).append(seconds)
            if expected_error:
                self.expected_errors[label] = self.expected_errors.get(label, 0) + 1
            if problem is not None:
                self.unexpected.append(f"{label}: {problem}")

    def fail(self, label, problem):
        with self.lock:
            self.unexpected.append(f"{label}: {problem}")


def judge(reply, expected_code):
    """None when ``reply`` is what was due, else what is wrong with it."""
    if expected_code is None:
        if "result" in reply:
            return None
        return f"error {reply.get('error')}"
    if "error" not in reply:
        return f"a result where error {expected_code} was due"
    if reply["error"].get("code") != expected_code:
        return f"error {reply['error']} where {expected_code} was due"
    return None


def run_client(daemon, client, requests, deadline, tally, request_timeout):
    try:
        wire = daemon.connect(timeout=request_timeout)
    except Exception as error:  # noqa: BLE001 - every failure is a finding
        tally.fail("connect", repr(error))
        return
    with wire:
        for label, method, params, code in requests:
            if time.monotonic() >= deadline:
                break
            started = time.monotonic()
            try:
                reply = wire.call(method, params, timeout=request_timeout)
            except (ft.Closed, TimeoutError, OSError, ValueError) as error:
                tally.record(label, started, time.monotonic() - started, problem=repr(error))
                return
            problem = judge(reply, code)
            tally.record(label, started, time.monotonic() - started, problem=problem,
                         expected_error=code is not None and problem is None)
        try:
            wire.goodbye(timeout=request_timeout)
        except (ft.Closed, TimeoutError, OSError) as error:
            tally.fail("shutdown", repr(error))


def percentile(ordered, fraction):
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def report(tally, wall, daemon, status, args, load_before, records):
    methods = {}
    for label, samples in sorted(tally.latencies.items()):
        ordered = sorted(samples)
        methods[label] = {"count": len(ordered), "p50_ms": round(percentile(ordered, 0.5) * 1e3, 1),
                          "p99_ms": round(percentile(ordered, 0.99) * 1e3, 1),
                          "max_ms": round(ordered[-1] * 1e3, 1)}
    return {
        "ecgd": daemon.command[0], "clients": args.clients, "requestsPerClient": args.requests_per_client,
        "records": len(records), "completed": tally.completed, "wallSeconds": round(wall, 2),
        "throughputPerSecond": round(tally.completed / wall, 2) if wall > 0 else None,
        "methods": methods,
        "expectedErrors": dict(sorted(tally.expected_errors.items())),
        "unexpectedErrors": len(tally.unexpected), "unexpectedExamples": tally.unexpected[:10],
        "peakRssMiB": round(daemon.memory_mib(), 1), "sampledPeakRssMiB": round(daemon.peak_rss_kib / 1024, 1),
        "exitStatus": status, "loadAverageBefore": load_before, "loadAverageAfter": os.getloadavg(),
    }


def print_table(result):
    print(f"ecgd {result['ecgd']}: {result['clients']} clients x {result['requestsPerClient']} requests "
          f"on {result['records']} records; load average before {result['loadAverageBefore'][0]:.2f}, "
          f"after {result['loadAverageAfter'][0]:.2f}")
    print(f"{result['completed']} requests in {result['wallSeconds']} s: "
          f"{result['throughputPerSecond']} requests/s")
    print(f"{'request':<28}{'count':>7}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for label, row in result["methods"].items():
        print(f"{label:<28}{row['count']:>7}{row['p50_ms']:>10}{row['p99_ms']:>10}{row['max_ms']:>10}")
    expected = sum(result["expectedErrors"].values())
    print(f"expected errors: {expected} (each with its due code); unexpected: {result['unexpectedErrors']}")
    for example in result["unexpectedExamples"]:
        print(f"  {example}")
    print(f"peak RSS {result['peakRssMiB']} MiB (VmHWM; sampled VmRSS {result['sampledPeakRssMiB']} MiB); "
          f"exit status after SIGTERM: {result['exitStatus']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--requests-per-client", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=300, help="time budget: no request starts after it")
    parser.add_argument("--ecgd", help="binary (default $ECGD, else .build/release/ecgd)")
    parser.add_argument("--data-dir", default=str(ft.ROOT.parent / "shared" / "data" / "mitdb"))
    parser.add_argument("--models", default=str(ft.ROOT / "models"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--request-timeout", type=float, default=300)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    if not 1 <= args.clients <= 1024 or not 1 <= args.requests_per_client <= 10_000:
        parser.error("--clients must be 1-1024 and --requests-per-client 1-10000")
    records = thirty_minute_records(args.data_dir)
    if not records:
        parser.error(f"no 30-minute 360 Hz records (*.hea) in {args.data_dir}")

    load_before = os.getloadavg()
    daemon = ft.Daemon(ft.find_ecgd(args.ecgd), args.data_dir, args.models)
    tally = Tally()
    deadline = time.monotonic() + args.seconds
    threads = [threading.Thread(target=run_client, args=(
        daemon, c, plan(c, args.requests_per_client, records, args.seed), deadline, tally, args.request_timeout))
        for c in range(args.clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    if not daemon.alive():
        tally.fail("daemon", f"exited during the run with status {daemon.process.returncode}: {daemon.log_tail()}")
    try:
        daemon.ping()
    except Exception as error:  # noqa: BLE001
        tally.fail("ping after the run", repr(error))
    memory = daemon.memory_mib()
    try:
        status = daemon.stop(timeout=60)
    except TimeoutError as error:
        status = None
        tally.fail("SIGTERM", str(error))
    result = report(tally, wall, daemon, status, args, load_before, records)
    result["peakRssMiB"] = round(memory, 1)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0 if result["unexpectedErrors"] == 0 and status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
