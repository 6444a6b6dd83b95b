"""A stream of distinct typed formulas from one client: does the server keep answering others,
with its memory bounded?  (Issue 11's target: 200 formulas.)

    .venv/bin/python benchmarks/load/formula_stream.py              # about 40 s
    .venv/bin/python benchmarks/load/formula_stream.py --formulas 50

Stdlib only.  Starts the production server (``server.Server``: gunicorn with gunicorn.conf.py on
loopback), then:

1. **alone**: another client asks for a default run (Adam on Rosenbrock, 300 steps, through
   ``POST /api/trajectory``) every 50 ms for ``--seconds``; its latencies are the reference;
2. **beside the stream**: the same client again, while a second client sends ``--formulas``
   distinct formulas (``{"surface": {"name": "formula", "f": ...}}``, four optimizers each, 300
   steps) one after another as fast as the server answers.

It prints the other client's p50 / p95 / max latency in both phases, the stream's rate and its
own latencies, any answer that was not 200, and each worker's resident memory before, after the
stream and after a second stream of the same number of new formulas (bounded memory: the second
stream adds about nothing once the caches are full: the formulas' own cache keeps 128, and the
runs' byte-bounded cache, ``OPTVIZ_CACHE_MB``, is what grows until it is full; ``--cache-mb 16``
shows the plateau within a short run).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import Server  # noqa: E402

OTHER = {"optimizer": "adam", "surface": "rosenbrock", "steps": 300, "hyperparameters": {"lr": 0.05}}
OPTIMIZERS = (("gd", {"lr": 0.01}), ("momentum", {"lr": 0.01, "momentum": 0.9}), ("adam", {"lr": 0.05}),
              ("rmsprop", {"lr": 0.01}))


def formula(k: int) -> str:
    """The k-th formula of the stream: all distinct, of the sizes people type."""
    return f"{k % 17 + 1}*sin({k % 5 + 1}*x)*cos(y) + 0.{k % 9 + 1}*(x^2 + y^2) + exp(-((x - {k % 3})^2 + y^2)/{k + 2})"


def post(url: str, body: dict, timeout: float = 30.0) -> tuple[int, float]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url + "/api/trajectory", data=data, headers={"Content-Type": "application/json",
                                                                                "Accept-Encoding": "identity"})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as err:
        status = err.code
    except OSError:
        status = -1
    return status, time.perf_counter() - t0


def other_client(url: str, stop: threading.Event, out: list, statuses: list) -> None:
    while not stop.is_set():
        status, seconds = post(url, OTHER)
        out.append(seconds)
        if status != 200:
            statuses.append(status)
        stop.wait(0.05)


def stream(url: str, first: int, count: int, out: list, statuses: list) -> None:
    for k in range(first, first + count):
        for name, hps in OPTIMIZERS:
            status, seconds = post(url, {"optimizer": name, "surface": {"name": "formula", "f": formula(k)},
                                         "steps": 300, "hyperparameters": hps})
            out.append(seconds)
            if status != 200:
                statuses.append(status)


def summary(values: list[float]) -> str:
    if not values:
        return "no requests"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (f"{len(values)} requests, p50 {statistics.median(values) * 1e3:.1f} ms, p95 {p95 * 1e3:.1f} ms, "
            f"max {max(values) * 1e3:.1f} ms")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formulas", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=8.0, help="the reference phase's length")
    parser.add_argument("--cache-mb", type=int, default=None,
                        help="OPTVIZ_CACHE_MB for the server (default: its own, 128): the runs' cache is what grows")
    args = parser.parse_args(argv)
    env = {"OPTVIZ_CACHE_MB": str(args.cache_mb)} if args.cache_mb is not None else {}
    with Server(env=env) as server:
        url = server.url
        post(url, OTHER)   # warm
        post(url, {"optimizer": "gd", "surface": {"name": "formula"}, "steps": 10})
        before = server.memory()
        alone, bad_alone = [], []
        stop = threading.Event()
        thread = threading.Thread(target=other_client, args=(url, stop, alone, bad_alone))
        thread.start()
        time.sleep(args.seconds)
        stop.set()
        thread.join()

        beside, bad_beside, streamed, bad_stream = [], [], [], []
        stop = threading.Event()
        thread = threading.Thread(target=other_client, args=(url, stop, beside, bad_beside))
        thread.start()
        t0 = time.perf_counter()
        stream(url, 0, args.formulas, streamed, bad_stream)
        took = time.perf_counter() - t0
        stop.set()
        thread.join()
        after_first = server.memory()
        second = []
        stream(url, args.formulas, args.formulas, second, bad_stream)
        after_second = server.memory()

    cache = f"OPTVIZ_CACHE_MB={args.cache_mb}" if args.cache_mb is not None else "the default cache (128 MB a worker)"
    print(f"## A stream of {args.formulas} distinct formulas ({time.strftime('%Y-%m-%d')}; gunicorn.conf.py's "
          f"defaults, {cache}, loopback)\n")
    print(f"- the other client alone: {summary(alone)}" + (f"; not 200: {bad_alone}" if bad_alone else ""))
    print(f"- the other client beside the stream: {summary(beside)}" +
          (f"; not 200: {bad_beside}" if bad_beside else ""))
    print(f"- the stream: {args.formulas} formulas x {len(OPTIMIZERS)} runs in {took:.1f} s "
          f"({args.formulas / took:.1f} formulas/s); {summary(streamed)}" +
          (f"; not 200: {sorted(set(bad_stream))}" if bad_stream else "; every answer 200"))
    print("- worker memory (MB): " + ", ".join(
        f"pid {pid}: {before.get(pid, 0):.0f} before, {after_first.get(pid, 0):.0f} after the stream, "
        f"{after_second.get(pid, 0):.0f} after {args.formulas} more" for pid in sorted(before)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
