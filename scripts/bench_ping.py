#!/usr/bin/env python3
"""`ping` latency over TCP while the server is loaded with long `classify` calls.

Starts `ecgd --tcp 127.0.0.1:0` (release build, or $ECGD) with the data root at a directory of
WFDB records, loads the model, then runs two phases on the same server:

  idle    one client pings ROUNDS times, nothing else running;
  loaded  LOADERS clients (default 8) each classify RECORDS records (default 4) one after another,
          by path, while one more client pings every INTERVAL ms until the last classify answers.

Prints each phase's ping latency (median, 95th percentile, max, count) in milliseconds and the
classify calls' wall time. The target (issue 10) is a loaded p95 under 20 ms. Wall times on a
shared machine move with its load: the script prints the load average too. Usage:

  .venv/bin/python scripts/bench_ping.py [--data-dir ../shared/data/mitdb] [--loaders 8] [--records 4]
      [--models models] [--model mitbih-aami5] [--interval 10] [--json]
"""
import argparse
import json
import os
import pathlib
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


class Connection:
    """A blocking JSON-RPC client on one TCP connection (standard library only)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")
        self.next_id = 0

    def call(self, method, params=None):
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        body = json.dumps(message).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        while True:
            reply = self.receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def receive(self):
        length = None
        while (line := self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if length is None:
            raise RuntimeError("the server closed the connection")
        return json.loads(self.reader.read(length))

    def close(self):
        self.sock.close()


def ping_ms(connection):
    started = time.perf_counter()
    connection.call("ping")
    return (time.perf_counter() - started) * 1e3


def summary(samples):
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"count": len(ordered), "median": statistics.median(ordered), "p95": p95, "max": ordered[-1]}


def records_in(directory):
    return sorted(p.stem for p in pathlib.Path(directory).glob("*.hea"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(ROOT / "../shared/data/mitdb"), help="directory of WFDB records")
    parser.add_argument("--loaders", type=int, default=8, help="clients classifying at once (default 8)")
    parser.add_argument("--records", type=int, default=4, help="records each loader classifies (default 4)")
    parser.add_argument("--models", default=str(ROOT / "models"),
                        help="models directory (default: the shipped models, models/)")
    parser.add_argument("--model", default="mitbih-aami5", help="model of that directory to classify with")
    parser.add_argument("--interval", type=float, default=10, help="ms between pings while loaded (default 10)")
    parser.add_argument("--rounds", type=int, default=200, help="pings of the idle phase (default 200)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    data_dir = pathlib.Path(args.data_dir).resolve()
    names = records_in(data_dir)
    if not names:
        sys.exit(f"no WFDB records in {data_dir}")
    executable = os.environ.get("ECGD", str(ROOT / ".build/release/ecgd"))
    server = subprocess.Popen(
        [executable, "--tcp", "127.0.0.1:0", "--data-root", str(data_dir), "--models", str(pathlib.Path(args.models).resolve()),
         "--log-level", "warning"], stderr=subprocess.PIPE, text=True)
    try:
        line = server.stderr.readline()
        if "listening on" not in line:
            sys.exit(f"ecgd did not start: {line}")
        port = int(line.rsplit(":", 1)[1])
        pinger = Connection(port)
        pinger.call("initialize", {"clientInfo": {"name": "bench_ping"}})
        pinger.call("loadModel", {"name": args.model})
        for _ in range(20):
            ping_ms(pinger)  # warm-up
        idle = [ping_ms(pinger) for _ in range(args.rounds)]

        failures = []
        classify_seconds = []

        def load(index):
            try:
                connection = Connection(port)
                connection.call("initialize", {"clientInfo": {"name": f"loader-{index}"}})
                for k in range(args.records):
                    record = names[(index * args.records + k) % len(names)]
                    started = time.perf_counter()
                    connection.call("classify", {"model": args.model, "signal": {"path": record}})
                    classify_seconds.append(time.perf_counter() - started)
                connection.close()
            except Exception as error:  # reported below
                failures.append(f"loader {index}: {error}")

        loaders = [threading.Thread(target=load, args=(i,)) for i in range(args.loaders)]
        started = time.perf_counter()
        for thread in loaders:
            thread.start()
        loaded = []
        while any(thread.is_alive() for thread in loaders):
            loaded.append(ping_ms(pinger))
            time.sleep(args.interval / 1e3)
        wall = time.perf_counter() - started
        for thread in loaders:
            thread.join()
        pinger.close()
        if failures:
            sys.exit("\n".join(failures))
    finally:
        server.terminate()
        server.wait(timeout=30)

    result = {
        "idle": summary(idle), "loaded": summary(loaded),
        "classifyCalls": len(classify_seconds), "classifyMedianSeconds": statistics.median(classify_seconds),
        "loadedWallSeconds": wall, "loadAverage": os.getloadavg(), "targetP95Ms": 20,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for phase in ("idle", "loaded"):
        s = result[phase]
        print(f"ping {phase:6}  median {s['median']:6.2f} ms  p95 {s['p95']:6.2f} ms  max {s['max']:7.2f} ms"
              f"  ({s['count']} pings)")
    print(f"{len(classify_seconds)} classify calls by {args.loaders} clients in {wall:.1f} s"
          f" (median {result['classifyMedianSeconds']:.2f} s each); load average {os.getloadavg()[0]:.2f}")
    print(f"target: loaded p95 under 20 ms -> {'met' if result['loaded']['p95'] < 20 else 'NOT met'}")


if __name__ == "__main__":
    main()
