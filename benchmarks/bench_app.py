"""How fast the app answers: the main update callback, its response size, and start-up.

    .venv/bin/python benchmarks/bench_app.py            # about a minute on 2 idle cores
    .venv/bin/python benchmarks/bench_app.py --quick    # fewer repetitions (~20 s)
    .venv/bin/python benchmarks/bench_app.py --skip-http --skip-startup

Every figure is printed beside a reference measured in the same run: ``optviz.simulate`` alone
for the same runs (the part of an update no UI can avoid). The scenario is the issue's: 4 runs x
1,000 steps on Rosenbrock.

1. ``render`` (configuration -> figures, the main update) called in-process, including the JSON
   encoding Dash does, p50/p95 over N repetitions, for three edits:
   * *one run's lr*: the usual edit; one run is simulated again and the map and 3-D view are
     patched (only the runs' traces are sent, not the contour grid or the mesh);
   * *steps*: all four runs simulated again, still a patch;
   * *new surface*: full figures (the surface grid comes from its cache after the first time);
     and *cold*: the same with every cache emptied (grid computed, first simulation).
2. The same requests POSTed to ``/_dash-update-component`` of a ``python app.py`` process (the
   browser's round trip minus the network), plus ``apply`` (a control's value -> configuration).
3. Start-up: from spawning ``python app.py`` to ``/healthz`` answering and to the first figure
   served (the render request of a page that just opened), Numba cache warm.

It prints and never fails on a slow figure (budgets: 100 ms p95 for the main update, ~1 MB a
response, a few seconds to the first figure).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import optviz  # noqa: E402
from dash._utils import to_json  # noqa: E402

from optviz import cache  # noqa: E402
from optviz.ui import callbacks, figures, urlstate  # noqa: E402

LINK = "?surface=rosenbrock&steps=1000&run=gd:lr=0.001&run=momentum:lr=0.001&run=adam:lr=0.05&run=rmsprop"


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))]


def summary(ms):
    return f"p50 {pct(ms, 50):7.1f} ms   p95 {pct(ms, 95):7.1f} ms"


def with_lr(config, i, lr):
    run = config.runs[i]
    values = dict(run.hyperparameters)
    values["lr"] = lr
    runs = list(config.runs)
    runs[i] = replace(run, hyperparameters=tuple(values.items()))
    return replace(config, runs=tuple(runs))


def clear_caches():
    cache.clear()   # runs, surface grids, 3-D meshes


# -- 0. reference ----------------------------------------------------------------------------------
def bench_reference(config, reps):
    surface = config.surface_obj()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        for run in config.runs:
            optviz.simulate(run.optimizer, surface, start=config.start, steps=config.steps, **run.values)
        times.append(1000 * (time.perf_counter() - t))
    one = []
    for _ in range(reps):
        t = time.perf_counter()
        run = config.runs[2]
        optviz.simulate(run.optimizer, surface, start=config.start, steps=config.steps, **run.values)
        one.append(1000 * (time.perf_counter() - t))
    return times, one


# -- 1. in-process ---------------------------------------------------------------------------------
def timed_render(config, rendered):
    t = time.perf_counter()
    out = callbacks.render_outputs(config, 0, rendered)
    body = to_json({"multi": True, "response": out})
    return 1000 * (time.perf_counter() - t), len(body), out


def bench_inprocess(config, reps):
    _, _, first = timed_render(config, None)
    rendered = first["render"]
    rows = {}
    ms, size = [], 0
    for i in range(reps):  # a new lr every time: a real simulation, never a cache hit
        t, size, _ = timed_render(with_lr(config, 2, 0.05 + 1e-4 * (i + 1)), rendered)
        ms.append(t)
    rows["one run's lr (patch)"] = (ms, size)
    ms = []
    for i in range(reps):
        t, size, _ = timed_render(replace(config, steps=1000 - (i + 1)), rendered)
        ms.append(t)
    rows["steps: all 4 runs (patch)"] = (ms, size)
    quad = replace(config, surface="quadratic", surface_params=(("condition", 10.0), ("rotation", 0.0)),
                   start=(-2.5, 1.5))
    ms, last = [], rendered
    for i in range(reps):  # alternate surfaces: every render draws the other one in full
        t, size, out = timed_render(with_lr(quad if i % 2 == 0 else config, 2, 0.02 + 1e-4 * i), last)
        last = out["render"]
        ms.append(t)
    rows["new surface (full figures)"] = (ms, size)
    ms = []
    for i in range(max(5, reps // 5)):
        clear_caches()
        t, size, _ = timed_render(config, None)
        ms.append(t)
    rows["cold: caches emptied (full)"] = (ms, size)
    return rows


# -- 2. over HTTP ----------------------------------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=2.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def post(url, body):
    data = json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=30) as r:
        payload = r.read()
        status = r.status
    return 1000 * (time.perf_counter() - t), status, payload


def request_for(deps, marker, values, changed, outputs=None):
    dep = next(d for d in deps if marker in d["output"])

    def item(spec):
        if spec["id"].startswith("{"):
            return (values.get(spec["id"]) or [])
        return {"id": spec["id"], "property": spec["property"], "value": values.get(f"{spec['id']}.{spec['property']}")}

    outs = []
    for part in dep["output"].strip(".").split("..."):
        cid, prop = part.rsplit(".", 1)
        outs.append((outputs or {}).get(cid, []) if cid.startswith("{") else {"id": cid, "property": prop})
    return {"output": dep["output"], "outputs": outs, "inputs": [item(s) for s in dep["inputs"]],
            "state": [item(s) for s in dep["state"]], "changedPropIds": changed}


def start_server(port):
    env = dict(os.environ, PORT=str(port), HOST="127.0.0.1", PYTHONUNBUFFERED="1")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    while True:
        try:
            if get(base + "/healthz", timeout=0.5)[0] == 200:
                break
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("python app.py exited during start-up")
        if time.perf_counter() - t0 > 60:
            proc.kill()
            raise RuntimeError("python app.py did not answer /healthz within 60 s")
        time.sleep(0.02)
    return proc, base, time.perf_counter() - t0, t0


def bench_http(config, reps, measure_startup):
    port = free_port()
    proc, base, ready_s, t0 = start_server(port)
    try:
        deps = json.loads(get(base + "/_dash-dependencies")[1])
        values = {"config-store.data": config.to_data(), "step-slider.value": 0, "render-store.data": None}
        first_ms, status, payload = post(base + "/_dash-update-component",
                                         request_for(deps, "contour-graph.figure", values, ["config-store.data"]))
        first_figure_s = time.perf_counter() - t0
        rendered = json.loads(payload)["response"]["render-store"]["data"]
        rows = {}
        for label, make in (
            ("render: one run's lr (patch)", lambda i: with_lr(config, 2, 0.05 + 1e-4 * (i + 1))),
            ("render: new surface (full)", lambda i: replace(config, surface="quadratic", start=(-2.5, 1.5),
                                                             surface_params=(("condition", 10.0 + i),
                                                                             ("rotation", 0.0)))),
        ):
            ms, size = [], 0
            for i in range(reps):
                values = {"config-store.data": make(i).to_data(), "step-slider.value": 0,
                          "render-store.data": rendered if "patch" in label else None}
                t, status, payload = post(base + "/_dash-update-component",
                                          request_for(deps, "contour-graph.figure", values, ["config-store.data"]))
                assert status == 200
                ms.append(t)
                size = len(payload)
            rows[label] = (ms, size)
        # apply: a typed learning rate -> validated configuration
        lr_id = {"name": "lr", "run": "r2", "type": "hp"}
        hp_all = '{"name":["ALL"],"run":["ALL"],"type":"hp"}'
        ms = []
        for i in range(reps):
            values = {"url.search": urlstate.serialize(config), "surface-select.value": config.surface,
                      "start-x.value": config.start[0], "start-y.value": config.start[1],
                      "steps-input.value": config.steps, "noise-input.value": 0, "seed-input.value": 0,
                      "schedule-select.value": "constant", "clip-switch.value": False, "clip-input.value": 10,
                      "lossx-radio.value": "step", "config-store.data": config.to_data(),
                      hp_all: [{"id": lr_id, "property": "value", "value": 0.05 + 1e-4 * (i + 1)}]}
            body = request_for(deps, "runs-container.children", values, [json.dumps(lr_id, sort_keys=True,
                                                                                    separators=(",", ":")) + ".value"],
                               outputs={hp_all: [{"id": lr_id, "property": "invalid"}]})
            t, status, payload = post(base + "/_dash-update-component", body)
            assert status == 200
            ms.append(t)
            size = len(payload)
        rows["apply: a typed lr"] = (ms, size)
    finally:
        proc.terminate()
        proc.wait(10)
    startup = (ready_s, first_figure_s, first_ms) if measure_startup else None
    return rows, startup


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="15 repetitions")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-startup", action="store_true")
    args = parser.parse_args()
    reps = 15 if args.quick else args.reps
    config, problems = urlstate.parse(LINK)
    assert not problems, problems
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"optviz {optviz.__version__} app benchmark: {len(config.runs)} runs x {config.steps} steps on "
          f"{config.surface}; {reps} repetitions; {os.cpu_count()} cores, load {load:.2f}")
    print(f"runs: {', '.join(r.optimizer for r in config.runs)}\n")

    callbacks.render_outputs(config, 0, None)  # warm: kernels loaded, grid cached, plotly imported
    all4, one = bench_reference(config, reps)
    print("reference (the engine alone)")
    print(f"  optviz.simulate x 4 runs         {summary(all4)}")
    print(f"  optviz.simulate x 1 run          {summary(one)}\n")

    print("render callback in-process (simulate + figures + JSON encoding)")
    for label, (ms, size) in bench_inprocess(config, reps).items():
        print(f"  {label:32s} {summary(ms)}   {size:>9,} bytes")
    print()

    if not args.skip_http:
        rows, startup = bench_http(config, reps, not args.skip_startup)
        print("over HTTP: POST /_dash-update-component to `python app.py` (Flask dev server, loopback)")
        for label, (ms, size) in rows.items():
            print(f"  {label:32s} {summary(ms)}   {size:>9,} bytes")
        if startup:
            ready_s, first_s, first_ms = startup
            print(f"\nstart-up (Numba cache warm): /healthz answers after {ready_s:.2f} s; first figure served "
                  f"after {first_s:.2f} s (that render took {first_ms:.0f} ms)")
    print("\nbudgets: main update <= 100 ms p95; response ~1 MB at most; first figure within a few seconds")


if __name__ == "__main__":
    main()
