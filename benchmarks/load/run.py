"""Load and fault tests of the production server, on loopback: ``make load`` runs this.

    .venv-load/bin/python benchmarks/load/run.py              # every scenario (about 11 minutes)
    .venv-load/bin/python benchmarks/load/run.py --quick      # a smoke test of the harness (about 20 s)
    .venv-load/bin/python benchmarks/load/run.py --only starvation --variants default,threads8

Each scenario starts ``gunicorn -c gunicorn.conf.py app:server`` (``.venv``; ``PYTHONPATH=.``,
``HOST=127.0.0.1``, a free port, the variant's settings in its environment), waits for
``/healthz``, runs its load and stops the server with SIGTERM (SIGKILL after 15 s).  It prints
its figures and a PASS/FAIL line against its target; the exit status is 1 when a scenario run
with the default settings fails (the other settings are for comparison).  Everything, the server
logs included, goes to ``--out`` (default ``test-artifacts/load/``).

0. ``baseline``: one browser without think time, 30 s: each request's cost alone (no target).
1. ``mixed``: 50 users (40 browsers, 10 API scripts), 60 s.  Target: no error, p95 of the figure
   updates <= 150 ms.
2. ``starvation``: 3 clients sending the heaviest valid figure updates back to back and 10
   browsers, 60 s, under each of ``--variants``.  Target: the browsers see no error, and p95 <=
   500 ms for page loads and for figure updates.
3. ``memory``: 6,000 mixed requests (2 % heavy) from 4 threads, each worker's VmRSS sampled every
   250.  Target: every worker under 500 MB throughout, the last third of each series within 10 %.
   When the default settings miss it, the same run is repeated with glibc's malloc tuned.

The machine has 2 cores, shared by the server and the load generator (and whatever else runs):
every scenario reports how much CPU each used.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import memory  # noqa: E402
from common import FIGURE, FULL, HEAVY_TIME, HEAVY_WORK, PAGE, PATCH, RESENT, percentile  # noqa: E402
from server import CLK_TCK, ROOT, Server  # noqa: E402

LOCUST = Path(sys.executable).parent / "locust"
PROJECT_PYTHON = ROOT / ".venv" / "bin" / "python"

VARIANTS = {
    "default": {},
    "threads2": {"GUNICORN_THREADS": "2"},
    "threads8": {"GUNICORN_THREADS": "8"},
    "workers3": {"WEB_CONCURRENCY": "3"},
    # not one of gunicorn.conf.py's settings: a gthread worker then takes a connection only while it
    # has a free thread (and keeps none alive), so a busy worker leaves new ones to an idle one
    "conn4": {"GUNICORN_CMD_ARGS": "--worker-connections 4"},
}
MEMORY_VARIANTS = {
    "default": {},
    "arena2": {"MALLOC_ARENA_MAX": "2"},
    "arena2+mmap": {"MALLOC_ARENA_MAX": "2", "MALLOC_TRIM_THRESHOLD_": "131072", "MALLOC_MMAP_THRESHOLD_": "131072"},
    # for comparing the gunicorn settings (run with --memory-threads 8 or more to use the threads)
    "threads8": {"GUNICORN_THREADS": "8"},
    "threads8+arena2": {"GUNICORN_THREADS": "8", "MALLOC_ARENA_MAX": "2"},
}
SETTINGS = ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_CMD_ARGS", "GUNICORN_TIMEOUT", "OPTVIZ_WORK_LIMIT", "OPTVIZ_TIME_LIMIT",
            "OPTVIZ_CACHE_MB", "MALLOC_ARENA_MAX", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_")
DEFAULTS = {"WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "4", "OPTVIZ_CACHE_MB": "128"}

FULL_PLAN = {"baseline": dict(seconds=30),
             "mixed": dict(users=50, rate=10, seconds=60),
             "starvation": dict(users=13, heavy=3, rate=13, seconds=60),
             "memory": dict(total=6000, every=250, threads=4)}
QUICK_PLAN = {"mixed": dict(users=10, rate=10, seconds=3),
              "starvation": dict(users=4, heavy=1, rate=4, seconds=3),
              "memory": dict(total=120, every=40, threads=2)}


def say(text: str = "") -> None:
    print(text, flush=True)


def settings_text(extra: dict) -> str:
    env = {**os.environ, **extra}
    parts = []
    for name in SETTINGS:
        if name in env:
            parts.append(f"{name}={env[name]}")
        elif name in DEFAULTS:
            parts.append(f"{name}={DEFAULTS[name]} (default)")
    return ", ".join(parts)


# -- CPU accounting ---------------------------------------------------------------------------------
def _machine_busy() -> float:
    """Busy CPU seconds of the whole machine (every core) since boot."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / CLK_TCK


class CpuMeter:
    """CPU used during a scenario by the server, by the load generator (child processes of this
    one that have exited: locust) and by the rest of the machine (this driver, other work)."""

    def __init__(self, server: Server):
        self.server = server

    def __enter__(self):
        self.t0 = time.monotonic()
        self.machine0 = _machine_busy()
        self.by_pid0 = self.server.cpu_by_pid()
        self.server0 = sum(self.by_pid0.values())
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.children0 = usage.ru_utime + usage.ru_stime
        self.self0 = sum(os.times()[:2])
        self.load = os.getloadavg()
        return self

    def __exit__(self, *exc):
        wall = time.monotonic() - self.t0
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        by_pid = self.server.cpu_by_pid()
        server = sum(by_pid.values()) - self.server0
        master = self.server.proc.pid
        workers = sorted(((by_pid[p] - self.by_pid0.get(p, 0.0)) / wall for p in by_pid if p != master), reverse=True)
        generator = usage.ru_utime + usage.ru_stime - self.children0 + sum(os.times()[:2]) - self.self0
        machine = _machine_busy() - self.machine0
        self.result = {"wall_s": wall, "server_cores": server / wall, "generator_cores": generator / wall,
                       "other_cores": max(0.0, machine - server - generator) / wall,
                       "machine_cores": machine / wall, "loadavg_before": self.load, "worker_cores": workers}

    def text(self) -> str:
        r = self.result
        return (f"CPU over {r['wall_s']:.0f} s, in cores of 2: server {r['server_cores']:.2f} (workers "
                f"{' / '.join(f'{w:.2f}' for w in r['worker_cores'])}), load generator "
                f"{r['generator_cores']:.2f}, everything else {r['other_cores']:.2f} (machine busy "
                f"{r['machine_cores']:.2f}; load average before {r['loadavg_before'][0]:.2f})")


def wait_quiet(max_wait: float, threshold: float = 0.3, window: float = 5.0) -> str:
    """Wait (at most ``max_wait`` seconds) until the machine's other work uses under ``threshold``
    cores over ``window`` seconds, so that a scenario does not start while, say, a test suite runs
    beside it.  Returns what it saw, for the report."""
    if max_wait <= 0:
        return ""
    started = time.monotonic()
    while True:
        before = _machine_busy()
        time.sleep(window)
        busy = (_machine_busy() - before) / window
        waited = time.monotonic() - started
        if busy < threshold:
            return f"machine quiet ({busy:.2f} cores busy) after {waited:.0f} s"
        if waited >= max_wait:
            return f"machine still busy ({busy:.2f} cores) after waiting {waited:.0f} s: figures pessimistic"


# -- the server's log -------------------------------------------------------------------------------
def log_findings(path: Path, workers: int) -> dict:
    text = path.read_text(errors="replace") if path.exists() else ""
    statuses = re.findall(r'" (\d{3}) ', text)
    return {"5xx": sum(s.startswith("5") for s in statuses), "4xx": sum(s.startswith("4") for s in statuses),
            "tracebacks": text.count("Traceback"), "worker_timeouts": text.count("WORKER TIMEOUT"),
            "workers_booted": text.count("Booting worker"), "workers_expected": workers}


def findings_text(f: dict) -> str:
    restarts = max(0, f["workers_booted"] - f["workers_expected"])
    return (f"server log: {f['5xx']} answers 5xx, {f['4xx']} answers 4xx, {f['tracebacks']} tracebacks, "
            f"{f['worker_timeouts']} worker timeouts, {restarts} workers restarted")


# -- locust -----------------------------------------------------------------------------------------
def run_locust(server: Server, classes: list[str], users: int, rate: int, seconds: int, out: Path, name: str,
               pool: Path, heavy: int = 0, think: str | None = None) -> dict:
    results = out / f"{name}.requests.json"
    results.unlink(missing_ok=True)
    env = {**os.environ, "LOAD_POOL": str(pool), "LOAD_RESULTS": str(results), "LOAD_HEAVY_USERS": str(heavy)}
    if think is not None:
        env["LOAD_THINK"] = think
    cmd = [str(LOCUST), "-f", str(HERE / "locustfile.py"), "--headless", "-u", str(users), "-r", str(rate),
           "-t", f"{seconds}s", "--host", server.url, "--only-summary", "--loglevel", "WARNING", *classes]
    with open(out / f"{name}.locust.log", "w") as log:
        subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=seconds + 120, cwd=ROOT)
    data = json.loads(results.read_text())
    data["duration"] = data["ended"] - data["started"]
    return data


def table(data: dict, heading: str = "request") -> tuple[list[tuple], dict]:
    """Rows (name, n, errors, p50, p95, p99, max, req/s) per request name, with the figure updates
    also together; and the rows by name."""
    requests = data["requests"]
    merged = {}
    for name in (FULL, PATCH):
        if name in requests:
            m = merged.setdefault(FIGURE, {"ms": [], "errors": 0})
            m["ms"] += requests[name]["ms"]
            m["errors"] += requests[name]["errors"]
    rows, by_name = [], {}
    for name, entry in sorted({**requests, **merged}.items(), key=lambda kv: _order(kv[0])):
        ms = sorted(entry["ms"])
        row = (name, len(ms), entry["errors"], percentile(ms, 50), percentile(ms, 95), percentile(ms, 99),
               ms[-1] if ms else None, (len(ms) + entry["errors"]) / data["duration"])
        rows.append(row)
        by_name[name] = row
    return rows, by_name


def _order(name: str) -> tuple:
    for i, prefix in enumerate(("page: ", PAGE, "figure update: full", "figure update: patch", FIGURE, "api:",
                                "heavy:", RESENT)):
        if name.startswith(prefix):
            return (i, name)
    return (9, name)


def steady_text(data: dict, after: float = 15.0) -> str:
    """The figure updates' percentiles without the first ``after`` seconds (the users arriving)."""
    values = sorted(ms for name in (FULL, PATCH) if name in data["requests"]
                    for ms, at in zip(data["requests"][name]["ms"], data["requests"][name]["at"]) if at >= after)
    return (f"figure updates after the first {after:.0f} s (users arriving, first page loads): n {len(values)}, "
            f"p50 {_ms(percentile(values, 50))} ms, p95 {_ms(percentile(values, 95))} ms, "
            f"p99 {_ms(percentile(values, 99))} ms")


def resent_text(data: dict) -> str:
    resent = data.get("resent") or {}
    if not resent:
        return "requests sent again after a closed keep-alive connection: 0"
    return (f"requests sent again after a closed keep-alive connection: {sum(resent.values())} ("
            + "; ".join(f"{n}x {reason}" for reason, n in resent.items()) + ")")


def by_surface_text(data: dict) -> str:
    """The browsers' figure updates by surface, slowest p95 first."""
    stats = []
    for surface, values in data.get("figure_by_surface", {}).items():
        values = sorted(values)
        stats.append((percentile(values, 95), surface, len(values)))
    stats.sort(reverse=True)
    return "figure updates by surface, p95 ms (n): " + ", ".join(f"{s} {_ms(p)} ({n})" for p, s, n in stats)


def _ms(value) -> str:
    return "-" if value is None else f"{value:,.0f}"


def print_table(rows: list[tuple], rate: bool = True) -> None:
    say("| request | n | errors | p50 ms | p95 ms | p99 ms | max ms |" + (" req/s |" if rate else ""))
    say("|---|---:|---:|---:|---:|---:|---:|" + ("---:|" if rate else ""))
    for row in rows:
        cells = [row[0], str(row[1]), str(row[2]), *(_ms(v) for v in row[3:7])]
        if rate:
            cells.append(f"{row[7]:.1f}")
        say("| " + " | ".join(cells) + " |")


# -- scenarios --------------------------------------------------------------------------------------
QUIET = {"max_wait": 0.0, "threshold": 0.3, "retries": 0}


def least_disturbed(run, label: str) -> dict:
    """``run()``, repeated (at most ``--retry-noisy`` more times) while the machine's other work used
    more than the quiet threshold during it; the run least disturbed is kept."""
    best = None
    for attempt in range(1 + QUIET["retries"]):
        result = run()
        result["attempt"] = attempt + 1
        if best is None or result["cpu"]["other_cores"] < best["cpu"]["other_cores"]:
            best = result
        other = result["cpu"]["other_cores"]
        if other <= QUIET["threshold"] or attempt == QUIET["retries"]:
            break
        say(f"({label}: other work used {other:.2f} cores during the run: running it again)")
    if best is not result:
        say(f"({label}: keeping attempt {best['attempt']}, the least disturbed: other work "
            f"{best['cpu']['other_cores']:.2f} cores)")
    return best


def quiet() -> None:
    text = wait_quiet(QUIET["max_wait"], QUIET["threshold"])
    if text:
        say(text)


def baseline(plan: dict, out: Path, pool: Path) -> dict:
    """One browser, no think time: what each request costs when nothing else competes (no target)."""
    p = plan["baseline"]
    say(f"\n## 0. Baseline: 1 browser, no think time, {p['seconds']} s (no target: the cost of a request alone)"
        f"\nsettings: {settings_text({})}")
    log = out / "baseline.server.log"
    log.unlink(missing_ok=True)
    quiet()
    with Server(log=log) as server, CpuMeter(server) as cpu:
        data = run_locust(server, ["Browser"], 1, 1, p["seconds"], out, "baseline", pool, think="0,0")
    rows, by_name = table(data)
    print_table(rows)
    errors = sum(r[2] for r in rows if r[0] not in (FIGURE, PAGE, RESENT))
    findings = log_findings(log, 2)
    say(by_surface_text(data))
    say(resent_text(data))
    say(cpu.text())
    say(findings_text(findings))
    say(f"server stopped on SIGTERM in {_seconds(server.stop_took)}")
    return {"ok": errors == 0, "errors": errors + findings["5xx"], "rows": rows, "cpu": cpu.result, "log": findings,
            "duration": data["duration"], "errors_seen": _error_samples(data), "stop_s": server.stop_took}


def mixed(plan: dict, out: Path, pool: Path, variant: str = "default") -> dict:
    p = plan["mixed"]
    extra = VARIANTS[variant]
    tag = "" if variant == "default" else f" [{variant}]"
    say(f"\n## 1. Mixed load{tag}: {p['users']} users (browsers 4 : API scripts 1), {p['seconds']} s, "
        f"ramp {p['rate']}/s\nsettings: {settings_text(extra)}")
    name = "mixed" if variant == "default" else f"mixed-{variant}"
    log = out / f"{name}.server.log"
    log.unlink(missing_ok=True)
    workers = int({**os.environ, **extra}.get("WEB_CONCURRENCY", "2"))
    quiet()
    with Server(env=extra, log=log) as server, CpuMeter(server) as cpu:
        data = run_locust(server, ["Browser", "ApiClient"], p["users"], p["rate"], p["seconds"], out, name, pool)
    rows, by_name = table(data)
    print_table(rows)
    total = sum(r[1] + r[2] for r in rows if r[0] not in (FIGURE, PAGE, RESENT))
    errors = sum(r[2] for r in rows if r[0] not in (FIGURE, PAGE, RESENT))
    findings = log_findings(log, workers)
    fig = by_name.get(FIGURE)
    ok = errors == 0 and fig is not None and fig[1] > 0 and fig[4] <= 150 and findings["5xx"] == 0
    say(f"\n{total} HTTP requests, {total / data['duration']:.1f} req/s, {errors} errors")
    say(steady_text(data))
    say(by_surface_text(data))
    say(resent_text(data))
    say(cpu.text())
    say(findings_text(findings))
    say(f"mixed{tag}: {'PASS' if ok else 'FAIL'} (target: 0 errors, figure updates p95 <= 150 ms; "
        f"got {errors} errors, p95 {_ms(fig[4] if fig else None)} ms)")
    say(f"server stopped on SIGTERM in {_seconds(server.stop_took)}")
    return {"ok": ok, "errors": errors + findings["5xx"], "rows": rows, "cpu": cpu.result, "log": findings,
            "settings": extra, "duration": data["duration"], "errors_seen": _error_samples(data),
            "stop_s": server.stop_took}


def starvation(plan: dict, out: Path, pool: Path, variants: list[str], rounds: int = 1) -> dict:
    p = plan["starvation"]
    results = {}
    for round_ in range(rounds):
        for variant in (variants if round_ % 2 == 0 else variants[::-1]):
            key = variant if rounds == 1 else f"{variant} #{round_ + 1}"
            results[key] = least_disturbed(lambda: starvation_run(p, out, pool, variant, key), f"starvation [{key}]")
    say("\n### Starvation, side by side (browsers' p95; the CPU the server and everything else used, in cores)")
    say("| settings | page load p95 ms | figure update p95 ms | browser errors | heavy work-limit p50/p95 ms | "
        "heavy time-limit p50/p95 ms | server cores (per worker) | other cores | target |")
    say("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for key, r in results.items():
        by = {row[0]: row for row in r["rows"]}
        page, fig = by.get(PAGE), by.get(FIGURE)
        work, tl = by.get(HEAVY_WORK), by.get(HEAVY_TIME)
        say(f"| {key} | {_ms(page[4] if page else None)} | {_ms(fig[4] if fig else None)} | {r['errors']} | "
            f"{_ms(work[3] if work else None)} / {_ms(work[4] if work else None)} | "
            f"{_ms(tl[3] if tl else None)} / {_ms(tl[4] if tl else None)} | {r['cpu']['server_cores']:.2f} "
            f"({' / '.join(f'{w:.2f}' for w in r['cpu']['worker_cores'])}) | "
            f"{r['cpu']['other_cores']:.2f} | {'PASS' if r['ok'] else 'FAIL'} |")
    return results


def starvation_run(p: dict, out: Path, pool: Path, variant: str, key: str) -> dict:
    extra = VARIANTS[variant]
    say(f"\n## 2. Starvation [{key}]: {p['heavy']} heavy clients back to back + "
        f"{p['users'] - p['heavy']} browsers, {p['seconds']} s\nsettings: {settings_text(extra)}")
    name = f"starvation-{key.replace(' #', '-')}"
    log = out / f"{name}.server.log"
    log.unlink(missing_ok=True)
    workers = int({**os.environ, **extra}.get("WEB_CONCURRENCY", "2"))
    quiet()
    with Server(env=extra, log=log) as server, CpuMeter(server) as cpu:
        data = run_locust(server, ["Browser", "Heavy"], p["users"], p["rate"], p["seconds"], out, name, pool,
                          heavy=p["heavy"])
    rows, by_name = table(data)
    print_table(rows)
    ordinary = [r for r in rows if not r[0].startswith("heavy:") and r[0] not in (FIGURE, PAGE, RESENT)]
    errors = sum(r[2] for r in ordinary)
    page, fig = by_name.get(PAGE), by_name.get(FIGURE)
    findings = log_findings(log, workers)
    say(by_surface_text(data))
    say(resent_text(data))
    ok = (errors == 0 and page is not None and fig is not None and page[4] <= 500 and fig[4] <= 500)
    say(cpu.text())
    say(findings_text(findings))
    say(f"starvation [{key}]: {'PASS' if ok else 'FAIL'} (target: browsers see 0 errors, p95 <= 500 ms "
        f"for page loads and figure updates; got {errors} errors, page load p95 "
        f"{_ms(page[4] if page else None)} ms, figure update p95 {_ms(fig[4] if fig else None)} ms)")
    say(f"server stopped on SIGTERM in {_seconds(server.stop_took)}")
    return {"ok": ok, "errors": errors + findings["5xx"], "rows": rows, "cpu": cpu.result, "log": findings,
            "settings": extra, "duration": data["duration"], "errors_seen": _error_samples(data),
            "stop_s": server.stop_took}


def memory_scenario(plan: dict, out: Path, pool_path: Path, variants: list[str]) -> dict:
    p = plan["memory"]
    pool = json.loads(pool_path.read_text())
    results = {}
    auto = variants == ["auto"]
    for variant in (["default", "arena2", "arena2+mmap"] if auto else variants):
        extra = MEMORY_VARIANTS[variant]
        say(f"\n## 3. Memory [{variant}]: {p['total']:,} mixed requests (2 % heavy) from {p['threads']} threads, "
            f"VmRSS every {p['every']}\nsettings: {settings_text(extra)}")
        log = out / f"memory-{variant}.server.log"
        log.unlink(missing_ok=True)
        workers = int({**os.environ, **extra}.get("WEB_CONCURRENCY", "2"))
        quiet()
        with Server(env=extra, log=log) as server, CpuMeter(server) as cpu:
            result = memory.run(server, pool, total=p["total"], every=p["every"], threads=p["threads"], log=say)
        ok, lines = memory.judge(result)
        errors = sum(result["errors"].values())
        ok = ok and errors == 0
        say("")
        print_table([(*row, 0.0) for row in memory.latency_rows(result)], rate=False)
        for line in lines:
            say(line)
        say(f"{result['requests']} requests in {result['elapsed']:.0f} s, {errors} errors, "
            f"{result['resent']} sent again after a closed keep-alive connection"
            + (f" (first: {result['error_samples'][:3]})" if errors else ""))
        say(cpu.text())
        findings = log_findings(log, workers)
        say(findings_text(findings))
        say(f"memory [{variant}]: {'PASS' if ok else 'FAIL'} (target: every worker < 500 MB, last third within 10 %, "
            f"0 errors)")
        say(f"server stopped on SIGTERM in {_seconds(server.stop_took)}")
        results[variant] = {"ok": ok, "errors": errors + findings["5xx"], "stop_s": server.stop_took, "lines": lines,
                            "cpu": cpu.result, "log": findings, "settings": extra,
                            "samples": result["samples"], "peaks": result["peaks"], "errors_by_kind": result["errors"],
                            "error_samples": result["error_samples"], "elapsed": result["elapsed"],
                            "resent": result["resent"],
                            "rows": memory.latency_rows(result)}
        if auto and variant == "default" and ok:
            break
    return results


def _seconds(value) -> str:
    return "more than 15 s: killed" if value is None else f"{value:.1f} s"


def _error_samples(data: dict) -> dict:
    return {name: entry["error_samples"] for name, entry in data["requests"].items() if entry["errors"]}


def machine_text() -> str:
    cpu = "unknown cpu"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 1024 / 1024
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB; {platform.platform()}; Python {platform.python_version()}; "
            f"the load generator (locust 2.47, one process) runs on the same cores as the server")


def _interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    # Stopped by SIGTERM or SIGINT (even when started in the background, where SIGINT is ignored):
    # unwind, so that the scenario's server and locust are stopped too.
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, _interrupted)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke test of every scenario")
    parser.add_argument("--only", default=None,
                        help="scenarios to run, comma-separated: baseline, mixed, starvation, memory (default: all; "
                             "--quick: all but baseline)")
    parser.add_argument("--variants", default=None,
                        help=f"starvation settings to try ({', '.join(VARIANTS)}); default: all but conn4 "
                             f"(--quick: default)")
    parser.add_argument("--mixed-variants", default="default",
                        help="settings for the mixed scenario (same names as --variants); default: default")
    parser.add_argument("--memory-variants", default="auto",
                        help=f"memory settings ({', '.join(MEMORY_VARIANTS)}), or auto: default, then the malloc "
                             f"settings if it fails")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                        help="before each scenario, wait up to SECONDS for the machine's other work to drop "
                             "under --quiet-threshold (default 0: do not wait)")
    parser.add_argument("--quiet-threshold", type=float, default=0.3, metavar="CORES",
                        help="what --wait-quiet calls idle (default 0.3 cores busy)")
    parser.add_argument("--retry-noisy", type=int, default=0, metavar="N",
                        help="run a mixed or starvation scenario again, at most N times, while other work used more "
                             "than --quiet-threshold cores during it; the least disturbed run is reported")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the starvation variants this many times, in alternating order (default 1)")
    parser.add_argument("--memory-threads", type=int, default=None, help="client threads of the memory scenario (4)")
    parser.add_argument("--out", type=Path, default=ROOT / "test-artifacts" / "load")
    args = parser.parse_args()
    plan = QUICK_PLAN if args.quick else FULL_PLAN
    QUIET.update(max_wait=args.wait_quiet, threshold=args.quiet_threshold, retries=args.retry_noisy)
    if args.memory_threads:
        plan = {**plan, "memory": {**plan["memory"], "threads": args.memory_threads}}
    only = [s.strip() for s in (args.only or ",".join(s for s in FULL_PLAN if s in plan)).split(",") if s.strip()]
    for s in only:
        if s not in FULL_PLAN:
            parser.error(f"unknown scenario {s!r}: one of {', '.join(FULL_PLAN)}")
        if s not in plan:
            parser.error(f"{s} has no --quick version")
    variants = (args.variants or ("default" if args.quick else "default,threads2,threads8,workers3")).split(",")
    memory_variants = ["default"] if args.quick and args.memory_variants == "auto" else args.memory_variants.split(",")
    mixed_variants = args.mixed_variants.split(",")
    for v in variants + mixed_variants:
        if v not in VARIANTS:
            parser.error(f"unknown variant {v!r}: one of {', '.join(VARIANTS)}")
    for v in memory_variants:
        if v not in MEMORY_VARIANTS and v != "auto":
            parser.error(f"unknown memory variant {v!r}: auto or one of {', '.join(MEMORY_VARIANTS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    say(f"# optviz load tests, {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"
        f"{' (quick smoke run: the figures mean nothing)' if args.quick else ''}")
    say(f"machine: {machine_text()}")
    say(f"server: gunicorn -c gunicorn.conf.py app:server (PYTHONPATH=., HOST=127.0.0.1, a free port)")
    pool = args.out / "pool.json"
    subprocess.run([str(PROJECT_PYTHON), str(HERE / "bodies.py"), str(pool)], check=True, cwd=ROOT, timeout=300,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    results: dict = {"quick": args.quick, "date": datetime.datetime.now().astimezone().isoformat(),
                     "machine": machine_text()}
    verdicts = []   # (name, result, counts for the exit status)
    if "baseline" in only:
        results["baseline"] = baseline(plan, args.out, pool)
        verdicts.append(("baseline (no target: errors only)", results["baseline"], True))
    if "mixed" in only:
        results["mixed"] = {v: least_disturbed(lambda v=v: mixed(plan, args.out, pool, v), f"mixed [{v}]")
                            for v in mixed_variants}
        verdicts += [(f"mixed [{v}]", r, v == "default") for v, r in results["mixed"].items()]
    if "starvation" in only:
        results["starvation"] = starvation(plan, args.out, pool, variants, args.rounds)
        verdicts += [(f"starvation [{v}]", r, v.split(" #")[0] == "default") for v, r in results["starvation"].items()]
    if "memory" in only:
        results["memory"] = memory_scenario(plan, args.out, pool, memory_variants)
        verdicts += [(f"memory [{v}]", r, v == "default") for v, r in results["memory"].items()]
    (args.out / "results.json").write_text(json.dumps(results, indent=1, default=str))
    say(f"\n## Summary ({time.monotonic() - started:.0f} s; details in {args.out})")
    for name, r, counts in verdicts:
        say(f"  {'PASS' if r['ok'] else 'FAIL'}  {name}{'' if counts else '  (comparison only)'}"
            f"{'  errors: %d' % r['errors'] if r['errors'] else ''}")
    if args.quick:   # a smoke run checks the harness and that nothing fails; its latencies mean nothing
        ok = all(r["errors"] == 0 for _, r, _ in verdicts)
        say(f"quick run: {'harness OK, no errors' if ok else 'ERRORS (see above)'}; targets are judged by the full run")
        return 0 if ok else 1
    return 0 if all(r["ok"] for _, r, counts in verdicts if counts) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as stop:
        print(f"\ninterrupted ({stop}): the servers and locust were stopped", flush=True)
        sys.exit(130)
