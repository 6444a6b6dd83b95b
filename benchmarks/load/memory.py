"""The memory scenario's client: a fixed number of mixed requests from a few threads, sampling
every gunicorn worker's resident memory (VmRSS) every so many requests.

Stdlib only (``http.client`` with keep-alive, one connection per thread); ``run.py`` calls
:func:`run` with a started :class:`server.Server`.  The mix, per request: figure updates 55 %
(sessions as the locustfile's browsers play them: full figures, then patches), page requests 15 %
(``/``, ``/_dash-layout``, ``/_dash-dependencies`` in turn), ``POST /api/trajectory`` 20 %,
``GET /api/optimizers`` 8 %, and the two heaviest valid figure updates 2 % (the work-limited one
with a new noise seed each time, and the time-limited one, in turn).
"""
from __future__ import annotations

import gzip
import http.client
import itertools
import json
import random
import threading
import time

from common import (FULL, HEADERS, HEAVY_TIME, HEAVY_WORK, PAGE_PATHS, PATCH, percentile, render_body,
                    render_store, render_template)

MIX = {"figure": 55, "page": 15, "trajectory": 20, "optimizers": 8, "heavy": 2}


class _Client:
    """One keep-alive connection.  As a browser does, a request on a reused connection that the
    server had closed before answering is sent again once on a new one (counted in ``resent``);
    any other failure is raised, and the connection made again for the next request."""

    def __init__(self, host: str, port: int, timeout: float):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None
        self.used = 0
        self.resent = 0

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Accept-Encoding": "gzip", **(HEADERS if body is not None else {})}
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                self.used = 0
            reused = self.used > 0
            try:
                self.conn.request(method, path, body=body.encode() if body is not None else None, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                self.used += 1
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as err:
                self.close()
                if attempt == 0 and reused:
                    self.resent += 1
                    continue
                raise err
            except (OSError, http.client.HTTPException):
                self.close()
                raise
        if response.getheader("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        return response.status, data.decode("utf-8", "replace")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run(server, pool: dict, total: int = 6000, every: int = 250, threads: int = 4, deadline_s: float = 900.0,
        seed: int = 1, log=print) -> dict:
    """Send ``total`` requests from ``threads`` threads (stopping early at ``deadline_s``), sampling
    the workers' VmRSS before the first and after every ``every``-th; returns the samples, each
    request kind's latencies and the errors."""
    host, port = "127.0.0.1", server.port
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", "/_dash-dependencies")
        template = render_template(json.loads(conn.getresponse().read()))
    finally:
        conn.close()
    lock = threading.Lock()
    counter = itertools.count(1)
    seeds = itertools.count(random.Random(seed).randrange(1 << 20))
    samples = [{"requests": 0, "t": 0.0, "rss": server.memory()}]
    latencies: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    error_samples: list[str] = []
    stop_at = time.monotonic() + deadline_s
    t0 = time.monotonic()
    issued = itertools.count(1)
    resent = []

    def record(kind: str, ms: float | None, problem: str | None = None):
        with lock:
            if problem is None:
                latencies.setdefault(kind, []).append(ms)
            else:
                errors[kind] = errors.get(kind, 0) + 1
                if len(error_samples) < 10:
                    error_samples.append(f"{kind}: {problem}"[:300])
        n = next(counter)
        if n % every == 0:
            sample = {"requests": n, "t": round(time.monotonic() - t0, 2), "rss": server.memory()}
            with lock:
                samples.append(sample)
            log(f"  {n:5d} requests, {sample['t']:6.1f} s: "
                + ", ".join(f"{pid}: {mb:.0f} MB" for pid, mb in sorted(sample["rss"].items())))

    def worker(index: int):
        rng = random.Random(seed * 1000 + index)
        client = _Client(host, port, timeout=60)
        session: list = []
        rendered, step, surface = None, 0, None
        page_paths = itertools.cycle(PAGE_PATHS)
        heavy_kinds = itertools.cycle([HEAVY_WORK, HEAVY_TIME] if index % 2 else [HEAVY_TIME, HEAVY_WORK])
        try:
            while next(issued) <= total and time.monotonic() < stop_at:
                action = rng.choices(list(MIX), weights=list(MIX.values()))[0]
                if action == "figure":
                    if not session:
                        session, rendered, step = list(rng.choice(pool["sessions"])), None, None
                    config = session.pop(0)
                    kind = PATCH if rendered is not None and config["surface"] == surface else FULL
                    method, path = "POST", "/_dash-update-component"
                    body = render_body(template, config, 0 if step is None else step, rendered)
                elif action == "page":
                    path = next(page_paths)
                    kind, method, body = f"page: GET {path}", "GET", None
                elif action == "trajectory":
                    kind, method, path = "api: POST /api/trajectory", "POST", "/api/trajectory"
                    body = json.dumps(rng.choice(pool["api"]))
                elif action == "optimizers":
                    kind, method, path, body = "api: GET /api/optimizers", "GET", "/api/optimizers", None
                else:
                    kind = next(heavy_kinds)
                    config = (dict(pool["heavy_work"], seed=next(seeds) % (1 << 32)) if kind == HEAVY_WORK
                              else pool["heavy_time"])
                    method, path = "POST", "/_dash-update-component"
                    body = render_body(template, config, 0, None)
                started = time.perf_counter()
                try:
                    status, text = client.request(method, path, body)
                except (OSError, http.client.HTTPException) as err:
                    record(kind, None, repr(err))
                    continue
                ms = (time.perf_counter() - started) * 1000
                if status != 200:
                    record(kind, None, f"status {status}: {text[:200]}")
                    continue
                if action == "figure" or action == "heavy":
                    store = render_store(text)
                    if store is None:
                        record(kind, None, f"not a render answer: {text[:200]!r}")
                        continue
                    if action == "figure":
                        rendered, surface = store, config["surface"]
                        step = config["steps"] if step is None else min(step, config["steps"])
                record(kind, ms)
        finally:
            client.close()
            with lock:
                resent.append(client.resent)

    pool_threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for t in pool_threads:
        t.start()
    for t in pool_threads:
        t.join(timeout=max(1.0, stop_at - time.monotonic() + 120))
    elapsed = time.monotonic() - t0
    peaks = {}
    for pid in server.workers():
        try:
            with open(f"/proc/{pid}/status") as f:
                peaks[pid] = next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmHWM:"))
        except (OSError, StopIteration):
            pass
    done = sum(len(v) for v in latencies.values()) + sum(errors.values())
    return {"samples": samples, "peaks": peaks, "elapsed": elapsed, "requests": done,
            "latencies": {k: sorted(v) for k, v in latencies.items()}, "errors": errors,
            "error_samples": error_samples, "threads": threads, "every": every, "total": total,
            "resent": sum(resent)}


def judge(result: dict, limit_mb: float = 500.0, flat: float = 0.10) -> tuple[bool, list[str]]:
    """Every worker under ``limit_mb`` in every sample (and at its peak), and the last third of each
    worker's series within ``flat`` (max/min - 1)."""
    lines, ok = [], True
    pids = sorted({pid for s in result["samples"] for pid in s["rss"]})
    for pid in pids:
        series = [s["rss"][pid] for s in result["samples"] if pid in s["rss"]]
        tail = series[-max(2, len(series) // 3):]
        spread = max(tail) / min(tail) - 1 if tail and min(tail) > 0 else float("inf")
        peak = result["peaks"].get(pid, max(series))
        good = max(series) < limit_mb and peak < limit_mb and spread <= flat
        ok &= good
        lines.append(f"worker {pid}: {series[0]:.0f} -> {series[-1]:.0f} MB, max sampled {max(series):.0f} MB, "
                     f"peak (VmHWM) {peak:.0f} MB, last third {min(tail):.0f}-{max(tail):.0f} MB "
                     f"(spread {spread:.1%}) {'ok' if good else 'NOT OK'}")
    if not pids:
        ok = False
        lines.append("no worker was sampled")
    return ok, lines


def latency_rows(result: dict) -> list[tuple]:
    rows = []
    for kind, values in sorted(result["latencies"].items()):
        rows.append((kind, len(values), result["errors"].get(kind, 0), percentile(values, 50),
                     percentile(values, 95), percentile(values, 99), values[-1] if values else None))
    for kind, n in result["errors"].items():
        if kind not in result["latencies"]:
            rows.append((kind, 0, n, None, None, None, None))
    return rows
