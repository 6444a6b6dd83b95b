"""How long does the app's explore panel take to answer, at its default sizes?  Beside a run-by-run reference.

    .venv/bin/python benchmarks/bench_explore.py            # about 20 s on 2 idle cores
    .venv/bin/python benchmarks/bench_explore.py --rounds 3

The issue's target: a sweep or basin map of the default size appears within 300 ms.  This times
what the server does for one update of the panel (``callbacks.explore_outputs``: the grid, the
figure, and Dash's JSON encoding of the answer), cold (the process's cache cleared before each
round) and warm (the same request again, as when another control changes), for the default view
(Rosenbrock, 300 steps, its four default runs) and for Himmelblau's basins under GD.  The browser
adds the transfer and Plotly's drawing, which this does not time (the answer's size is printed).

References in the same run:

* ``optviz.simulate`` once per cell, in a Python loop (what a grid would cost without the grid
  loop), for the same cells;
* the app's main update (``callbacks.render_outputs``: four runs and the four views) for the same
  configuration, which the load tests hold to a 150 ms p95.

Each figure is the best of ``--rounds`` rounds (``time.perf_counter``).  The machines are shared:
a busy neighbour slows every row alike, so compare rows of one run.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import plotly  # noqa: E402

import optviz  # noqa: E402
from optviz import cache  # noqa: E402
from optviz.ui import callbacks, explore, urlstate  # noqa: E402
from optviz.ui import state as S  # noqa: E402

try:
    from bench_engine import machine_info  # noqa: E402
except ImportError:   # run from elsewhere
    from benchmarks.bench_engine import machine_info  # noqa: E402

PANEL = {"x": "lr", "x_from": None, "x_to": None, "x_points": explore.SWEEP_POINTS.default, "y": None,
         "y_from": None, "y_to": None, "y_points": explore.SWEEP_POINTS.default, "measure": "loss",
         "tol": explore.TOL.default, "resolution": explore.BASINS.default, "fan_runs": explore.FAN.default,
         "fan_noise": ""}


def request_for(config, run):
    spec = run.spec
    x, y = explore.default_axes(spec)
    values = dict(PANEL, run=run.uid, x=x, y=y)
    values["x_from"], values["x_to"] = explore.default_axis(spec, x)
    if y:
        values["y_from"], values["y_to"] = explore.default_axis(spec, y)
    request, problems, _ = explore.read_request(config, values)
    assert not problems, problems
    return request


def timed(fn, rounds: int, cold: bool) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(rounds):
        if cold:
            cache.clear()
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def answer_bytes(out: dict) -> int:
    shown = {k: v for k, v in out.items() if v is not callbacks.no_update}
    return len(json.dumps(shown, cls=plotly.utils.PlotlyJSONEncoder))


def one_by_one(config, run, request, tab: str) -> int:
    """The same cells as the view, each an ``optviz.simulate`` call; returns how many."""
    kwargs = config.simulate_kwargs(run)
    if tab == "basins":
        xs = np.linspace(*config.surface_obj().domain[0], request.resolution)
        ys = np.linspace(*config.surface_obj().domain[1], request.resolution)
        kwargs.pop("start")
        for y in ys:
            for x in xs:
                optviz.simulate(run.optimizer, config.surface_obj(), start=(x, y), **kwargs, **run.values)
        return len(xs) * len(ys)
    axes = [a for a in (request.x, request.y) if a is not None]
    grids = np.meshgrid(*[a.values(run.spec) for a in axes], indexing="ij")
    for cell in zip(*[g.ravel() for g in grids]):
        values = dict(run.values, **{a.name: v for a, v in zip(axes, cell)})
        optviz.simulate(run.optimizer, config.surface_obj(), **kwargs, **values)
    return grids[0].size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(machine_info())
    default = S.default_config()
    himmelblau, _ = urlstate.parse("?surface=himmelblau&steps=300&run=gd:lr=0.01&run=adam:lr=0.1")
    cases = [(default, run, "sweep") for run in default.runs]
    cases += [(default, default.runs[2], "basins"), (default, default.runs[1], "fan"),
              (himmelblau, himmelblau.runs[0], "basins"), (himmelblau, himmelblau.runs[1], "basins")]
    for config, run, tab in cases:   # compile and load everything once
        callbacks.explore_outputs(config.to_data(), request_for(config, run).to_data(), tab)
    print(f"\n{'view':<44} {'cells':>6} {'cold ms':>8} {'warm ms':>8} {'KB':>6} {'simulate loop ms':>17}")
    for config, run, tab in cases:
        request = request_for(config, run)
        data, req = config.to_data(), request.to_data()
        cold, out = timed(lambda: answer_bytes(callbacks.explore_outputs(data, req, tab)), args.rounds, True)
        warm, _ = timed(lambda: answer_bytes(callbacks.explore_outputs(data, req, tab)), args.rounds, False)
        what = {"sweep": f"sweep {request.x.name}" + (f" x {request.y.name}" if request.y else ""),
                "basins": f"basins {request.resolution}x{request.resolution}",
                "fan": f"fan of {request.fan_runs}"}[tab]
        label = f"{config.surface} {run.optimizer}: {what}"
        reference = ""
        cells = {"sweep": None, "basins": request.resolution ** 2, "fan": request.fan_runs}[tab]
        if tab != "fan":
            t = time.perf_counter()
            cells = one_by_one(config, run, request, tab)
            reference = f"{(time.perf_counter() - t) * 1e3:17.0f}"
        print(f"{label:<44} {cells:>6} {cold * 1e3:8.0f} {warm * 1e3:8.0f} {out / 1024:6.0f} {reference}")
    rendered, _ = timed(lambda: callbacks.render_outputs(default, default.steps, None), args.rounds, True)
    print(f"\nreference: the main update of the default view (4 runs, 4 views), cold: {rendered * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
