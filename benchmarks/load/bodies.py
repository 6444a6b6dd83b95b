"""Build the requests the load tests replay, with the project's own code, into one JSON file.

    PYTHONPATH=. .venv/bin/python benchmarks/load/bodies.py OUT.json [--seed 1]

Runs in the project's ``.venv`` (it imports optviz); the locustfile and the memory test run in
``.venv-load`` and only read the file.  Every configuration is written as a share link and read
back with ``optviz.ui.urlstate.parse`` (what the app does with a link), and must parse without a
problem; the render callback's body is then built from the live ``/_dash-dependencies`` by the
client, so a change in the app's callbacks cannot leave a stale body here.

The file holds:

* ``sessions``: what one visitor does after opening the page: a list of configurations, each a
  small change of the one before (a run's ``lr``, the number of steps, noise, a run added or
  removed, now and then another surface).  Surfaces, optimizers, 1-8 runs, 300-5,000 steps and
  learning rates (the optimizer's default times 10^U(-1.5, 0.7), two significant digits) vary, so
  the servers' caches do not answer everything.
* ``api``: bodies for ``POST /api/trajectory`` (one run, 100-5,000 steps).
* ``heavy_work``: the 947-character link of 8 L-BFGS runs on Goldstein-Price (stopped on the
  work limit); the client gives each request its own noise ``seed`` so the cache cannot answer it.
* ``heavy_time``: 8 L-BFGS runs with ``max_eval=2`` on the parabola, 100,000 steps (stopped on the
  time limit: subnormal arithmetic; such runs are never cached).
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import optviz  # noqa: E402
import surfaces  # noqa: E402
from optviz.ui import urlstate  # noqa: E402

HEAVY_WORK_LINK = ("?surface=goldstein_price&steps=100000&noise=0.5&" + "&".join(
    f"run=lbfgs:lr={lr},max_eval=1000,history_size=1000,tolerance_grad=0,tolerance_change=0,"
    f"line_search_fn=strong_wolfe" for lr in (1000, 500, 200, 100, 50, 20, 10, 2)))
HEAVY_TIME_LINK = ("?surface=parabola&steps=100000&" + "&".join(
    ["run=lbfgs:lr=0.001,max_eval=2,history_size=1000,tolerance_grad=0,tolerance_change=0,"
     "line_search_fn=strong_wolfe"] * 8))

# The optimizers a visitor picks, most often the familiar ones (weights).
OPTIMIZERS = {"gd": 4, "momentum": 4, "nesterov": 2, "adam": 5, "adamw": 1, "rmsprop": 3, "adagrad": 1,
              "adadelta": 1, "adamax": 1, "nadam": 1, "radam": 1, "adabelief": 1, "lion": 1, "signsgd": 1,
              "newton": 2, "cg": 1, "bfgs": 2, "lbfgs": 2, "nelder_mead": 1}


def _round(x: float) -> float:
    return float(f"{x:.2g}")


def _lr(rng: random.Random, optimizer: str) -> float | None:
    spec = optviz.optimizers.get(optimizer)
    hp = next((h for h in spec.hyperparameters if h.name == "lr"), None)
    if hp is None:
        return None
    lo, hi = hp.slider_range
    value = hp.default * 10 ** rng.uniform(-1.5, 0.7)
    return _round(min(max(value, lo), hi))


def _run_text(optimizer: str, lr: float | None) -> str:
    return optimizer if lr is None else f"{optimizer}:lr={lr:g}"


def _link(surface: str, steps: int, runs: list[tuple[str, float | None]], noise: float, seed: int) -> str:
    parts = [f"surface={surface}", f"steps={steps}"]
    if noise:
        parts += [f"noise={noise:g}", f"seed={seed}"]
    parts += [f"run={_run_text(o, lr)}" for o, lr in runs]
    return "?" + "&".join(parts)


def _data(link: str) -> dict:
    config, problems = urlstate.parse(link)
    if problems:
        raise ValueError(f"{link}: {problems}")
    return config.to_data()


def _pick_optimizer(rng: random.Random) -> str:
    names = [n for n in OPTIMIZERS if n in optviz.optimizers.names()]
    return rng.choices(names, weights=[OPTIMIZERS[n] for n in names])[0]


def session(rng: random.Random, length: int) -> list[dict]:
    surface_names = surfaces.names()
    surface = rng.choice(surface_names)
    steps = rng.choice([300, 300, 500, 1000, 1000, 2000, 3000, 5000])
    runs = [(o, _lr(rng, o)) for o in (_pick_optimizer(rng) for _ in range(rng.randint(1, 8)))]
    noise, seed = (0.0, 0)
    out = [_data(_link(surface, steps, runs, noise, seed))]
    while len(out) < length:
        change = rng.choices(["lr", "steps", "noise", "add", "remove", "surface"], weights=[6, 2, 1, 1, 1, 1])[0]
        if change == "lr":
            i = rng.randrange(len(runs))
            runs[i] = (runs[i][0], _lr(rng, runs[i][0]))
        elif change == "steps":
            steps = rng.randint(3, 50) * 100
        elif change == "noise":
            noise, seed = (0.0, 0) if noise else (_round(10 ** rng.uniform(-2, 0)), rng.randrange(1000))
        elif change == "add" and len(runs) < 8:
            o = _pick_optimizer(rng)
            runs.append((o, _lr(rng, o)))
        elif change == "remove" and len(runs) > 1:
            runs.pop(rng.randrange(len(runs)))
        elif change == "surface":
            surface = rng.choice(surface_names)
        else:
            continue
        out.append(_data(_link(surface, steps, runs, noise, seed)))
    return out


def api_body(rng: random.Random) -> dict:
    optimizer = _pick_optimizer(rng)
    body: dict = {"optimizer": optimizer, "surface": rng.choice(surfaces.names()),
                  "steps": rng.choice([100, 200, 500, 1000, 2000, 5000])}
    lr = _lr(rng, optimizer)
    if lr is not None:
        body["hyperparameters"] = {"lr": lr}
    if rng.random() < 0.3:
        body.update(noise=_round(10 ** rng.uniform(-2, 0)), seed=rng.randrange(1000))
    return body


def build(seed: int = 1, n_sessions: int = 400, n_api: int = 400) -> dict:
    rng = random.Random(seed)
    assert len(HEAVY_WORK_LINK) == 947, len(HEAVY_WORK_LINK)
    return {
        "sessions": [session(rng, rng.randint(3, 7)) for _ in range(n_sessions)],
        "api": [api_body(rng) for _ in range(n_api)],
        "heavy_work": _data(HEAVY_WORK_LINK),
        "heavy_time": _data(HEAVY_TIME_LINK),
        "links": {"heavy_work": HEAVY_WORK_LINK, "heavy_time": HEAVY_TIME_LINK},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    pool = build(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(pool))
    configs = sum(len(s) for s in pool["sessions"])
    runs = sum(len(c["runs"]) for s in pool["sessions"] for c in s)
    print(f"wrote {args.out}: {len(pool['sessions'])} sessions ({configs} configurations, {runs} runs), "
          f"{len(pool['api'])} API bodies, 2 heavy configurations")


if __name__ == "__main__":
    main()
