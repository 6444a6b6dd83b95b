"""How fast is a typed formula, and what would compiling each one cost instead?

    .venv/bin/python benchmarks/bench_formula.py             # about 30 s on 2 idle cores
    .venv/bin/python benchmarks/bench_formula.py --stream 50

The issue's targets: from a new formula to trajectories under 1.5 s, under 300 ms for one seen
before; and a stream of 200 distinct formulas must leave memory bounded.  optviz reads a formula
into register programs that one compiled interpreter runs (``surfaces/_formula.py``); the
alternative the issue names is compiling every formula with Numba.  This times, in one run:

1. ``surfaces.from_formula`` for a new formula (parse, sympy's derivatives, ``cse``, programs) and
   for one seen before, for a few formulas of different sizes;
2. the app's answer to a new formula (the surface, four runs, the four views, as JSON), cold and
   seen before, beside a built-in surface;
3. the work the app does for a surface once it has it: four runs of 300 steps (``simulate``) and
   the 200 x 200 grid of values the map draws, for Himmelblau typed out against the built-in
   (compiled) Himmelblau: the interpreter's cost per evaluation;
4. the alternative: the same formulas' value, gradient and Hessian compiled with Numba (code
   printed by sympy from the parsed expression, never from the text), and the process's resident
   memory after compiling them;
5. a stream of distinct formulas through ``from_formula`` with their four runs: time per formula
   and resident memory before and after (the formula cache keeps at most 128).

Each time is the best of ``--rounds``; resident memory is read from /proc/self/statm.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import plotly  # noqa: E402
import sympy  # noqa: E402

import optviz  # noqa: E402
import surfaces  # noqa: E402
from optviz import cache, links  # noqa: E402
from optviz.links import quote_value  # noqa: E402
from optviz.ui import callbacks  # noqa: E402
from optviz.jit import PAIR_SIG, SCALAR_SIG, TRIPLE_SIG  # noqa: E402
from surfaces import _formula  # noqa: E402

try:
    from bench_engine import fmt, machine_info, table  # noqa: E402
except ImportError:   # run from elsewhere
    from benchmarks.bench_engine import fmt, machine_info, table  # noqa: E402

FORMULAS = {
    "Himmelblau typed out": "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    "the issue's bumpy bowl": "sin(x)*cos(y) + 0.1*(x^2 + y^2)",
    "a double well": "(x^2 - 1)^2 + 0.5*y^2 + 0.2*x",
    "a long one": ("0.05*(x^2 + y^2) + sin(3*x)*cos(2*y)/(1 + x^2) + exp(-((x - 1)^2 + (y + 1)^2)) "
                   "- 2*exp(-((x + 1.5)^2 + (y - 1)^2)/0.5) + tanh(x*y)/4 + sqrt(1 + x^2 + y^2)"),
}
RUNS = (("gd", {"lr": 0.01}), ("momentum", {"lr": 0.01, "momentum": 0.9}), ("adam", {"lr": 0.05}),
        ("rmsprop", {"lr": 0.01}))
STEPS = 300


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def best(fn, rounds: int) -> float:
    out = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t0)
    return out


def four_runs(surface) -> None:
    for name, hps in RUNS:
        optviz.simulate(name, surface, start=surface.start, steps=STEPS, **hps)


def compiled_with_numba(text: str):
    """The alternative: value, gradient and Hessian of the parsed formula as Numba functions."""
    from numba import njit
    x, y = sympy.symbols("x y", real=True)
    f = _formula.parse(text)
    gx, gy = sympy.diff(f, x), sympy.diff(f, y)
    parts = {"value": ([f], SCALAR_SIG), "gradient": ([gx, gy], PAIR_SIG),
             "hessian": ([sympy.diff(gx, x), sympy.diff(gx, y), sympy.diff(gy, y)], TRIPLE_SIG)}
    out = {}
    for name, (exprs, signature) in parts.items():
        body = ", ".join(sympy.pycode(e, fully_qualified_modules=False, standard="python3") for e in exprs)
        source = f"def {name}(x, y, p):\n    return {body}\n"
        scope = {"sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log, "sqrt": np.sqrt,
                 "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "asin": np.arcsin, "acos": np.arccos,
                 "atan": np.arctan, "pi": np.pi, "e": np.e, "abs": abs, "math": __import__("math")}
        exec(compile(source, f"<formula {name}>", "exec"), scope)   # noqa: S102 (sympy's printing of a parsed tree)
        out[name] = njit(signature, error_model="numpy")(scope[name])
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--stream", type=int, default=200, help="distinct formulas in the stream (default 200)")
    args = parser.parse_args(argv)
    print("optviz formula benchmark  " + "  ".join(f"{k}={v}" for k, v in machine_info().items()), flush=True)
    four_runs(surfaces.get("himmelblau"))   # warm the kernels and the interpreter
    four_runs(surfaces.from_formula("x^2 + y^2"))

    rows = []
    for label, text in FORMULAS.items():
        def new():   # sympy keeps its own cache of results: cleared too, so each round is new
            _formula._surface.cache_clear()
            _formula._program.cache_clear()
            sympy.core.cache.clear_cache()
            return surfaces.from_formula(text)
        t_new = best(new, args.rounds)
        surface = surfaces.from_formula(text)
        t_seen = best(lambda: surfaces.from_formula(text), args.rounds)
        t_runs = best(lambda: four_runs(surface), args.rounds)
        t_grid = best(lambda: surface.grid(200), args.rounds)
        instructions = int(surface.params[1] + surface.params[6] + surface.params[11])
        rows.append([label, len(text), instructions, fmt(t_new * 1e3), fmt(t_seen * 1e3, 3), fmt(t_runs * 1e3),
                     fmt(t_grid * 1e3), fmt((t_new + t_runs + t_grid) * 1e3)])

    # what the server does when the box's Enter arrives: the configuration's surface, its four
    # runs, the four views and Dash's JSON of the answer, cold (nothing cached) and seen before
    app_rows = []
    for label, link in (("Himmelblau, built in", "?surface=himmelblau&steps=300"),
                        ("Himmelblau typed out", "?surface=formula:f=" + quote_value(FORMULAS["Himmelblau typed out"])
                         + ",x_min=-5,x_max=5,y_min=-5,y_max=5&steps=300"),
                        ("the long one", "?surface=formula:f=" + quote_value(FORMULAS["a long one"]) + "&steps=300")):
        config = links.parse(link)[0]

        def render(config=config, cold=True):
            if cold:
                cache.clear()
                _formula._surface.cache_clear()
                _formula._program.cache_clear()
                sympy.core.cache.clear_cache()
            return len(plotly.io.json.to_json_plotly(callbacks.render_outputs(config, config.steps, None)))
        size = render()
        app_rows.append([label, fmt(best(render, args.rounds) * 1e3),
                         fmt(best(lambda: render(cold=False), args.rounds) * 1e3), fmt(size / 1e3, 0)])

    built_in = surfaces.get("himmelblau")
    typed = surfaces.from_formula(FORMULAS["Himmelblau typed out"])
    reference = [["Himmelblau, built in (compiled)", fmt(best(lambda: four_runs(built_in), args.rounds) * 1e3),
                  fmt(best(lambda: built_in.grid(200), args.rounds) * 1e3)],
                 ["Himmelblau typed out (interpreted)", fmt(best(lambda: four_runs(typed), args.rounds) * 1e3),
                  fmt(best(lambda: typed.grid(200), args.rounds) * 1e3)]]

    compile_rows = []
    before = rss_mb()
    for label, text in FORMULAS.items():
        t0 = time.perf_counter()
        functions = compiled_with_numba(text)
        t_compile = time.perf_counter() - t0
        value = functions["value"]
        same = all(np.isclose(value(px, py, np.zeros(1)), surfaces.from_formula(text).value(px, py), rtol=1e-12,
                              equal_nan=True) for px, py in ((0.3, -0.7), (1.5, 2.5)))
        compile_rows.append([label, fmt(t_compile * 1e3), "yes" if same else "NO"])
    compiled_mb = (rss_mb() - before) / len(FORMULAS)

    _formula._surface.cache_clear()
    _formula._program.cache_clear()
    start_mb = rss_mb()
    times = []
    for k in range(args.stream):
        t0 = time.perf_counter()
        four_runs(surfaces.from_formula(f"{k + 1}*x^2 + y^2 + sin({k % 7 + 1}*x + y) / {k % 5 + 2}"))
        times.append(time.perf_counter() - t0)
    end_mb = rss_mb()

    print(f"\n## optviz formula benchmark ({time.strftime('%Y-%m-%d')})\n")
    print(table(["formula", "characters", "instructions", "new: parse + derivatives (ms)", "seen before (ms)",
                 f"4 runs x {STEPS} steps (ms)", "200 x 200 grid (ms)", "new formula to runs and map (ms)"], rows))
    print("\nThe app's answer to a new formula (callbacks.render_outputs: surface, 4 runs of 300 steps, the four "
          "views, JSON), in the server; the browser adds the transfer and Plotly's drawing:\n")
    print(table(["surface", "new (ms)", "seen before (ms)", "answer (KB)"], app_rows))
    print("\nThe interpreter against compiled code, on the same surface:\n")
    print(table(["surface", f"4 runs x {STEPS} steps (ms)", "200 x 200 grid (ms)"], reference))
    print("\nThe alternative: each formula compiled with Numba (value, gradient, Hessian):\n")
    print(table(["formula", "compile (ms)", "same values"], compile_rows))
    print(f"\nResident memory that stays per compiled formula: {compiled_mb:.1f} MB.")
    print(f"\nA stream of {args.stream} distinct formulas, each with its four runs: median "
          f"{np.median(times) * 1e3:.1f} ms, slowest {max(times) * 1e3:.1f} ms per formula; resident memory "
          f"{start_mb:.0f} MB before, {end_mb:.0f} MB after (formula cache: "
          f"{_formula._surface.cache_info().currsize} kept of at most {_formula._surface.cache_info().maxsize}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
