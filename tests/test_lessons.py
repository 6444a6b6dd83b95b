"""Every lesson's caption is true: each claim it makes is checked here on the engine's output for
the lesson's own scene, simulated as the app simulates it (optviz.runner, within the work limit).

A lesson is registered in optviz/lessons.py and its claims here, with ``@claims("name")``, and
so is the check of its "now try" suggestion, with ``@tries("name")``: the lesson with that one
control moved, as a link that adapts the lesson would move it.  A lesson without both fails
``test_lsn001``.
"""
from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pytest

import surfaces
from optviz import lessons, links, runner
from optviz.config import Config
from optviz.spec import Trajectory

CLAIMS: dict = {}
TRIES: dict = {}


def claims(name: str):
    """Register the checks of lesson ``name``'s caption (a function of its runs, in legend order)."""
    def register(fn):
        CLAIMS[name] = fn
        return fn
    return register


def tries(name: str):
    """Register the check of lesson ``name``'s "now try" suggestion (a function of no arguments)."""
    def register(fn):
        TRIES[name] = fn
        return fn
    return register


def runs_of(name: str) -> list[Trajectory]:
    scene = lessons.get(name).scene
    runs = runner.simulate_config(scene)
    assert all(isinstance(r, Trajectory) for r in runs), f"{name}: a run could not start: {runs}"
    return runs


def steps_to(run: Trajectory, level: float, f_min: float = 0.0) -> int | None:
    """The first step at which the loss gap is at most ``level`` (None if never)."""
    below = np.flatnonzero(run.loss - f_min <= level)
    return int(below[0]) if below.size else None


def sign_changes(values: np.ndarray) -> int:
    return int(np.count_nonzero(np.diff(np.sign(values)) != 0))


def cost_to(run: Trajectory, level: float, f_min: float = 0.0) -> int | None:
    """The cost (the loss plot's cost axis: evaluations, a Hessian counting 4) spent when the
    loss gap first reaches ``level``."""
    step = steps_to(run, level, f_min)
    return None if step is None else int(run.cost[step])


def steps_of(run: Trajectory) -> np.ndarray:
    """Each step's move, shape ``(steps, 2)``."""
    return np.diff(run.xy, axis=0)


def lengths(run: Trajectory) -> np.ndarray:
    return np.hypot(*steps_of(run).T)


def distance(run: Trajectory, point) -> np.ndarray:
    """The distance from each iterate to ``point``."""
    return np.hypot(*(run.xy - np.asarray(point, float)).T)


def hessian(surface, point) -> np.ndarray:
    return np.asarray(surface.hessian(*point), float).reshape(2, 2)


def axes(rotation_degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """The unit vectors along and across the rotated quadratic's valley."""
    t = math.radians(rotation_degrees)
    return np.array([math.cos(t), math.sin(t)]), np.array([-math.sin(t), math.cos(t)])


def off_map(surface, point) -> bool:
    (x0, x1), (y0, y1) = surface.domain
    return not (x0 <= point[0] <= x1 and y0 <= point[1] <= y1)


def moved(scene: Config, config: Config) -> list[str]:
    """The controls ``config`` has moved away from ``scene`` (a start is one control: a click)."""
    out = [key for key in ("surface", "surface_params", "start", "steps", "noise", "seed", "clip", "lossx")
           if getattr(scene, key) != getattr(config, key)]
    if (scene.schedule, scene.schedule_params) != (config.schedule, config.schedule_params):
        out.append("schedule")
    if len(scene.runs) != len(config.runs):
        return out + ["runs"]
    for i, (before, after) in enumerate(zip(scene.runs, config.runs), 1):
        if before.optimizer != after.optimizer:
            out.append(f"run {i} optimizer")
        hp_before, hp_after = dict(before.hyperparameters), dict(after.hyperparameters)
        out += [f"run {i} {k}" for k in hp_before if hp_before[k] != hp_after.get(k)]
        if before.conditions != after.conditions:
            out.append(f"run {i} conditions")
    return out


def tried(name: str, change: str, **more) -> tuple[Config, list[Trajectory]]:
    """Lesson ``name`` with one control moved (``change``: link keys that adapt the lesson, as a
    lecturer's link would), simulated as the app does; ``more`` changes it further, for checks
    that look beyond the scene (more steps)."""
    config, problems = links.parse(f"?lesson={name}&{change}")
    assert problems == [], problems
    changed = moved(lessons.get(name).scene, config)
    assert len(changed) == 1, f"{change!r} moves one control, not {changed}"
    if more:
        config = replace(config, **more)
    runs = runner.simulate_config(config)
    assert all(isinstance(r, Trajectory) and r.status in ("ok", "diverged") for r in runs), runs
    return config, runs


# -- the lessons' claims ---------------------------------------------------------------------------
@claims("learning_rate")
def _learning_rate(runs):
    slow, fast, diverging = runs
    x_slow, x_fast = slow.xy[:, 0], fast.xy[:, 0]
    assert sign_changes(x_slow) == 0 and (np.diff(x_slow) < 0).all(), "lr 0.1 creeps down one side"
    assert sign_changes(x_fast) == len(x_fast) - 1, "lr 0.7 crosses the minimum at every step"
    assert abs(x_fast[-1]) < abs(x_slow[-1]), "and converges faster"
    assert np.allclose(x_slow[1:] / x_slow[:-1], 0.8) and np.allclose(x_fast[1:] / x_fast[:-1], -0.4)
    x_div = diverging.xy[:, 0]
    assert np.allclose(x_div[1:] / x_div[:-1], -1.2), "lr 1.1 overshoots more at every jump"
    assert diverging.diverged or abs(x_div[-1]) > 1e2 * abs(x_div[0]), "and diverges"


@claims("saddle")
def _saddle(runs):
    gd, momentum, adam, rmsprop, newton = runs
    # gradient descent slides into the saddle and hesitates there
    closest = int(np.argmin(np.hypot(*gd.xy.T)))
    assert np.hypot(*gd.xy[closest]) < 0.1 and closest > 20, "GD comes close to the saddle and lingers"
    near = np.hypot(*gd.xy.T) < 0.2
    assert near.sum() > 40, f"GD stays near the saddle for a long while ({near.sum()} steps)"
    assert abs(gd.xy[-1, 1]) > 1.5, "before it leaves along y (out of the window)"
    # the adaptive methods leave at once: far from the ridge while GD is still near the saddle
    for run in (adam, rmsprop):
        assert abs(run.xy[20, 1]) > 10 * abs(gd.xy[20, 1]), f"{run.optimizer} leaves at once"
    # Newton's method lands on the saddle in one step and stays
    assert np.allclose(newton.xy[1], 0.0, atol=1e-12) and np.allclose(newton.xy[1:], 0.0, atol=1e-12)
    assert len({r.optimizer for r in runs}) >= 4, "the saddle lesson compares at least four methods"


@claims("ravine")
def _ravine(runs):
    gd, momentum = runs
    along, across = axes(30)
    a, b = gd.xy @ along, gd.xy @ across
    # across the valley the factor is 1 - 0.019 * 100 = -0.9: a zig-zag from wall to wall
    assert sign_changes(b[:301]) == 300, "GD's cross-valley coordinate flips sign at every step"
    assert np.allclose(b[1:100] / b[:99], -0.9, rtol=1e-6)
    # along the floor it is 1 - 0.019 * 1 = 0.981: 1.9% of the distance closed per step, one side only
    assert sign_changes(a) == 0 and np.allclose(a[1:] / a[:-1], 0.981, rtol=1e-9)
    assert steps_to(gd, 1e-6) == 361 and steps_to(momentum, 1e-6) == 70
    assert 5 * steps_to(momentum, 1e-6) < steps_to(gd, 1e-6), "momentum needs less than a fifth"
    assert dict(momentum.hyperparameters)["momentum"] == 0.8
    assert dict(gd.hyperparameters)["lr"] == dict(momentum.hyperparameters)["lr"] == 0.019 < 2 / 100


@claims("nesterov")
def _nesterov(runs):
    heavy, nag = runs
    for run in runs:
        assert dict(run.hyperparameters)["lr"] == 0.005 and dict(run.hyperparameters)["momentum"] == 0.9
    _, across = axes(30)
    swing_heavy = np.abs(heavy.xy[20:31] @ across).max()
    swing_nag = np.abs(nag.xy[20:31] @ across).max()
    assert 0.8 < swing_heavy < 1.0, f"heavy ball still swings about 0.9 after 20 steps ({swing_heavy:.3g})"
    assert sign_changes(heavy.xy[:100] @ across) >= 10, "from wall to wall, again and again"
    assert 700 < swing_heavy / swing_nag < 1300, f"Nesterov's swing: {swing_heavy / swing_nag:.0f} times smaller"
    assert steps_to(nag, 1e-6) == 50 and steps_to(heavy, 1e-6) == 146


@claims("long_valley")
def _long_valley(runs):
    gd, momentum, adam, newton = runs
    surface = surfaces.get("long_valley")
    # walls: curvature 20 across, 0.2 along the floor at the minimum
    curvature = hessian(surface, surface.minima[0])
    assert np.isclose(curvature[1, 1], 100 * curvature[0, 0]), "the walls curve a hundred times more"
    y = gd.xy[:, 1]
    assert np.allclose(y[1:60] / y[:59], -0.8), "GD (lr 0.09) bounces from wall to wall, the bounce dying"
    assert np.abs(steps_of(gd)[:, 0]).max() < 0.018, "along the floor at most 0.018 per step"
    assert steps_to(gd, 1e-4) == 389 and steps_to(momentum, 1e-4) == 146 and steps_to(adam, 1e-4) == 72
    assert np.allclose(np.abs(steps_of(adam)[:5, 0]), 0.1, rtol=1e-3), "Adam: a full step of 0.1 along x"
    assert np.allclose(newton.xy[1], (67.5, 0.0), atol=1e-9) and newton.diverged


@claims("beale")
def _beale(runs):
    thrown, slow, momentum, adam = runs
    surface = surfaces.get("beale")
    grad = lambda p: float(np.hypot(*surface.gradient(*p)))   # noqa: E731
    assert 280 < grad(thrown.xy[0]) < 300, "the gradient at the start is about 290 long"
    assert grad(slow.xy[-1]) < 0.1, "on the valley floor it is less than 0.1"
    assert abs(lengths(thrown)[0] - 2.9) < 0.05 and thrown.xy[1, 1] < 0.5 < thrown.xy[0, 1], "across the valley"
    assert not off_map(surface, thrown.xy[1]) and off_map(surface, thrown.xy[2]) and thrown.diverged
    assert slow.status == "ok" and 0.9 < distance(slow, (3, 0.5))[-1] < 1.1, "about 1 short of the minimum"
    ratio = distance(slow, (3, 0.5))[-1] / distance(momentum, (3, 0.5))[-1]
    assert 8 < ratio < 15, f"momentum ends ten times closer ({ratio:.1f})"
    assert dict(momentum.hyperparameters)["lr"] == dict(slow.hyperparameters)["lr"] == 0.001
    assert lengths(adam).max() <= 0.0711, "no Adam step is longer than 0.071"
    assert steps_to(adam, 1e-4) == 287


@claims("adagrad_rmsprop")
def _adagrad_rmsprop(runs):
    adagrad, rmsprop = runs
    for run in runs:
        assert np.allclose(np.abs(steps_of(run)[0]), 0.1, rtol=1e-6), "first steps of 0.1 along each axis"
    road = np.hypot(*(adagrad.xy[:, None, :] - rmsprop.xy[None, :, :]).transpose(2, 0, 1)).min(axis=1)
    assert road.max() < 0.02, "AdaGrad's path lies on RMSProp's road"
    rates = {}
    for axis in "xy":
        total = adagrad.state[f"sum_{axis}"]
        assert (np.diff(total) >= 0).all() and total[-1] > total[1], f"sum_{axis} only grows"
        rates[axis] = (0.1 / np.sqrt(total[1:]), 0.01 / np.sqrt(rmsprop.state[f"v_{axis}"][1:]))
        ada, rms = rates[axis]
        assert (np.diff(ada) <= 0).all(), "so AdaGrad's rate only shrinks"
        assert rms[-1] > 10 * rms.min(), "RMSProp's rate grows back"
        assert rms[-1] > 40 * ada[-1], f"to over 40 times AdaGrad's ({rms[-1] / ada[-1]:.0f})"
    assert 0.35 < distance(adagrad, (3, 0.5))[-1] < 0.45, "AdaGrad ends 0.4 short of the minimum"
    assert steps_to(adagrad, 1e-4) is None and steps_to(rmsprop, 1e-4) == 744


@claims("bias_correction")
def _bias_correction(runs):
    corrected, raw = runs
    surface = surfaces.get("long_valley")
    assert dict(corrected.hyperparameters)["bias_correction"] and not dict(raw.hyperparameters)["bias_correction"]
    ratio_corrected = np.abs(steps_of(corrected)[:, 0]) / 0.05
    assert np.allclose(ratio_corrected[:10], 1.0, rtol=5e-3), "with correction the first steps are lr"
    ratio = np.abs(steps_of(raw)[:, 0]) / 0.05
    assert abs(ratio[0] - 3.2) < 0.05 and abs(ratio[9] - 6.4) < 0.05, ratio[:10]
    t = np.arange(1, 11)
    expected = (1 - 0.9 ** t) / np.sqrt(1 - 0.999 ** t)
    assert np.allclose(ratio[:10], expected, rtol=0.02), "the factor (1 − β1^t)/√(1 − β2^t)"
    assert raw.xy[:, 1].min() < 2 * corrected.xy[:, 1].min(), "it swings further across the valley"
    assert raw.xy[:, 0].max() > surface.domain[0][1] > corrected.xy[:, 0].max(), "overshoots past the map's edge"
    assert abs(raw.xy[-1, 0] - 3.5) < 1e-3 and raw.loss[-1] < 1e-6, "before it comes back"


@claims("weight_decay")
def _weight_decay(runs):
    plain, l2, adamw = runs
    a, b = np.array([[10.0, 8.0], [8.0, 10.0]]), np.array([34.0, 38.0])   # Booth: f = θᵀAθ/2 − bᵀθ + 37
    assert np.allclose(plain.xy[-1], (1, 3), atol=1e-9)
    settled = np.linalg.solve(a + 1.0 * np.eye(2), b)                   # minimum of f + ½λ|θ|², λ = 1
    assert np.allclose(l2.xy[-1], settled, atol=1e-9) and np.allclose(settled, (1.23, 2.56), atol=0.005)
    assert np.abs(steps_of(plain)).max() <= 0.1 * (1 + 1e-9), "an Adam step moves a coordinate by lr at most"
    size = np.abs(adamw.xy).max(axis=1)
    inside = int(np.flatnonzero(size <= 1.0)[0])
    assert inside == 7 and size[inside:].max() <= 1.0, "pulled into the square within 7 steps, and stays"
    to_corner = distance(adamw, (1, 1))
    assert (np.diff(to_corner[100:]) < 0).all(), "creeping towards the corner (1, 1)"
    assert np.allclose(adamw.xy[-1], (0.93, 0.95), atol=0.005)


@claims("sign_methods")
def _sign_methods(runs):
    gd, signsgd, lion = runs
    for run in (signsgd, lion):
        assert np.allclose(np.abs(steps_of(run)), 0.1, rtol=1e-12, atol=0), f"{run.optimizer}: every move is lr"
        to_min = distance(run, (0, 0))[-50:]
        assert to_min.min() >= 0.05 - 1e-12, f"{run.optimizer} never closer than 0.05 in its last 50 steps"
    assert gd.loss[-1] < 1e-20 and lengths(gd)[-1] < 1e-10
    # signSGD hops between two points about half a unit from the minimum
    tail = signsgd.xy[-50:]
    assert np.allclose(tail[2:], tail[:-2], atol=1e-12) and not np.allclose(tail[1], tail[0])
    assert 0.4 < distance(signsgd, (0, 0))[-2:].min() and distance(signsgd, (0, 0))[-2:].max() < 0.55


@claims("noise")
def _noise(runs):
    exact, constant, cosine = runs
    surface = surfaces.get("styblinski_tang")
    ridge = exact.xy[0, 0]
    low = surface.minima[0]
    f_min = surface.value(*low)
    assert surface.gradient(*exact.xy[0])[0] == 0.0, "the start lies exactly on the ridge (slope along x: 0)"
    own = [dict(run.conditions) for run in lessons.get("noise").scene.runs]
    assert own[0] == {} and own[1] == {"noise": 5.0} and own[2]["noise"] == 5.0 and own[2]["schedule"] == "cosine"
    assert lessons.get("noise").scene.noise == 0.0, "no shared noise: the first run's gradients are exact"
    # exact gradients: into the saddle between the two lower minima, and there for good
    assert (exact.xy[:, 0] == ridge).all()
    saddle = exact.xy[-1]
    assert abs(saddle[1] - low[1]) < 1e-9 and np.hypot(*surface.gradient(*saddle)) < 1e-9
    curvature = np.linalg.eigvalsh(hessian(surface, saddle))
    assert curvature[0] < 0 < curvature[1], "a saddle point: down along x, up along y"
    # noise tips the runs off the ridge within 10 steps, into the global minimum
    for run in (constant, cosine):
        off = np.flatnonzero(np.abs(run.xy[:, 0] - ridge) > 0.5)
        assert off.size and off[0] <= 10, f"off the ridge at step {off[0] if off.size else None}"
        assert distance(run, low)[-1] < 0.2
    # a constant rate keeps jittering; the cosine schedule settles
    assert lengths(constant)[-50:].mean() > 20 * lengths(cosine)[-50:].mean()
    gap_constant, gap_cosine = (r.loss[-50:] - f_min for r in (constant, cosine))
    assert 35 < gap_constant.mean() / gap_cosine.mean() < 70, gap_constant.mean() / gap_cosine.mean()


@claims("minibatch")
def _minibatch(runs):
    batched, gaussian = runs
    surface = surfaces.get("linear_regression")
    best = np.asarray(surface.minima[0])
    own = [dict(run.conditions) for run in lessons.get("minibatch").scene.runs]
    assert own == [{"seed": 3, "batch": 8}, {"noise": 0.224, "seed": 3}]
    # sigma is the root-mean-square error of an 8-point batch at the minimum, per component
    from surfaces import _data
    u, t = _data.load("linear_regression").T
    n, b = len(u), 8
    r = best[0] * u + best[1] - t
    per_point = np.column_stack([r * u, r])
    covariance = np.cov(per_point.T, bias=True) / b * (n - b) / (n - 1)   # sampling without replacement
    assert math.isclose(math.sqrt(np.trace(covariance) / 2), 0.224, rel_tol=0.01)
    # ... and it has the shape of the curvature: large across the valley, almost nothing along it
    values, vectors = np.linalg.eigh(covariance)
    curvature, directions = np.linalg.eigh(hessian(surface, best))
    assert values[1] / values[0] > 50 and abs(vectors[:, 0] @ directions[:, 0]) > 0.99
    along, across = directions[:, 0], directions[:, 1]   # the valley's floor, and across it

    def spread(run, direction):
        return float(np.sqrt(np.mean(((run.xy[-400:] - best) @ direction) ** 2)))

    ratio_along = spread(gaussian, along) / spread(batched, along)
    ratio_across = spread(gaussian, across) / spread(batched, across)
    assert 7 < ratio_along < 14, ratio_along
    assert 0.5 < ratio_across < 2, ratio_across


@tries("minibatch")
def _try_minibatch():
    _, (whole, _) = tried("minibatch", "run=gd:lr=0.2;seed=3;batch=200&run=gd:lr=0.2;noise=0.224;seed=3")
    best = surfaces.get("linear_regression").minima[0]
    assert np.hypot(*(whole.xy[-1] - best)) < 1e-4


@claims("clipping")
def _clipping(runs):
    thrown, clipped, tiny = runs
    surface = surfaces.get("goldstein_price")
    assert 24_000 < np.hypot(*surface.gradient(*thrown.xy[0])) < 26_000
    assert abs(lengths(thrown)[0] - 25) < 0.5 and thrown.diverged and off_map(surface, thrown.xy[1])
    assert lengths(clipped).max() <= 0.1 * (1 + 1e-12), "clipped at 100: no step longer than lr × 100"
    assert steps_to(clipped, 1e-4, f_min=3.0) == 50 and np.allclose(clipped.xy[-1], (0, -1), atol=1e-9)
    assert tiny.status == "ok" and tiny.loss[-1] > 5 and steps_to(tiny, 1e-4, f_min=3.0) is None


@claims("himmelblau")
def _himmelblau(runs):
    gd, momentum, adam, newton = runs
    surface = surfaces.get("himmelblau")
    assert all(surface.value(*m) < 1e-20 for m in surface.minima), "four minima, all with f = 0"
    ends = [int(np.argmin([np.hypot(*(np.array(m) - r.xy[-1])) for m in surface.minima]))
            for r in (gd, momentum, adam)]
    assert len(set(ends)) == 3, "one start, three methods, three minima"
    assert np.allclose(gd.xy[-1], (3.58, -1.85), atol=0.005) and gd.loss[-1] < 1e-12
    assert np.allclose(momentum.xy[-1], (3, 2), atol=1e-3) and np.allclose(adam.xy[-1], (-3.78, -3.28), atol=0.005)
    saddle = newton.xy[-1]
    assert np.allclose(saddle, (-0.13, -1.95), atol=0.005) and np.hypot(*surface.gradient(*saddle)) < 1e-9
    curvature = np.linalg.eigvalsh(hessian(surface, saddle))
    assert curvature[0] < 0 < curvature[1] and round(float(newton.loss[-1])) == 178


@claims("rosenbrock_cost")
def _rosenbrock_cost(runs):
    gd, momentum, adam, bfgs, newton = runs
    assert lessons.get("rosenbrock_cost").scene.lossx == "cost"
    assert cost_to(momentum, 1e-6) == 1386 and cost_to(adam, 1e-6) == 1691
    assert cost_to(gd, 1e-6) is None and gd.loss[-1] > 0.07 and gd.evaluations[-1] == 2000
    assert all(r.f_evals[-1] == 0 for r in (gd, momentum, adam)), "one gradient per step, no function values"
    assert cost_to(bfgs, 1e-6) == 83 and bfgs.f_evals[-1] > 0, "BFGS: values (line search) and gradients"
    step = steps_to(newton, 1e-6)
    assert newton.g_evals[step] == newton.h_evals[step] == step == 5 and newton.f_evals[step] == 0
    assert cost_to(newton, 1e-6) == 5 + 4 * 5 == 25, "5 gradients and 5 Hessians at 4 each"
    assert cost_to(newton, 1e-6) < cost_to(bfgs, 1e-6), "still ahead of BFGS"


@claims("nelder_mead")
def _nelder_mead(runs):
    nm, bfgs, gd = runs
    assert lessons.get("nelder_mead").scene.lossx == "cost"
    assert (nm.g_evals == 0).all() and (nm.h_evals == 0).all() and nm.f_evals[-1] > 0, "function values only"
    corners = np.stack([np.stack([nm.state[f"x{k}"], nm.state[f"y{k}"]], axis=-1) for k in (1, 2, 3)], axis=1)
    width = np.max([np.hypot(*(corners[:, i] - corners[:, j]).T) for i, j in ((0, 1), (0, 2), (1, 2))], axis=0)
    assert np.allclose(corners[0], [nm.xy[0], nm.xy[0] + (0.25, 0), nm.xy[0] + (0, 0.25)])
    per_step = set(np.diff(nm.f_evals).tolist())
    assert {1, 2} <= per_step and max(per_step) > 2, "reflect (one value), stretch or pull in (more)"
    assert cost_to(nm, 1e-6) == 139 and cost_to(bfgs, 1e-6) == 83
    assert gd.evaluations[-1] == 300 and gd.loss[-1] > 3
    assert width[-1] < 1e-12 and np.allclose(corners[-1], (1, 1), atol=1e-12), "shrunk to a point at (1, 1)"


# -- the "now try" suggestions --------------------------------------------------------------------
@tries("learning_rate")
def _try_learning_rate():
    _, (_, half, _) = tried("learning_rate", "run=gd:lr=0.1&run=gd:lr=0.5&run=gd:lr=1.1")
    assert half.xy[1, 0] == 0.0 and (half.xy[1:] == 0.0).all()


@tries("ravine")
def _try_ravine():
    _, (gd, _) = tried("ravine", "run=gd:lr=0.021&run=momentum:lr=0.019,momentum=0.8")
    _, across = axes(30)
    b = gd.xy @ across
    assert gd.diverged and np.allclose(b[1:50] / b[:49], 1 - 0.021 * 100)


@tries("nesterov")
def _try_nesterov():
    _, (heavy, nag) = tried("nesterov", "run=momentum:lr=0.005&run=nesterov:lr=0.015")
    assert nag.diverged and not heavy.diverged
    _, (heavy, _) = tried("nesterov", "run=momentum:lr=0.015&run=nesterov:lr=0.005")
    assert heavy.status == "ok" and heavy.loss[-1] < 1e-6, "heavy ball is stable at lr 0.015"


@tries("long_valley")
def _try_long_valley():
    _, (gd, *_) = tried("long_valley", "run=gd:lr=0.105&run=momentum:lr=0.02&run=adam:lr=0.1&run=newton")
    assert gd.diverged and np.allclose(gd.xy[1:20, 1] / gd.xy[:19, 1], 1 - 0.105 * 20)


@tries("beale")
def _try_beale():
    _, runs = tried("beale", "run=gd:lr=0.01&run=gd:lr=0.001&run=momentum:lr=0.002&run=adam:lr=0.05")
    momentum, adam = runs[2], runs[3]
    assert steps_to(momentum, 1e-4) <= 420 and steps_to(adam, 1e-4) < steps_to(momentum, 1e-4)


@tries("adagrad_rmsprop")
def _try_adagrad_rmsprop():
    _, (adagrad, _) = tried("adagrad_rmsprop", "run=adagrad:lr=1&run=rmsprop:lr=0.01")
    assert np.allclose(np.abs(steps_of(adagrad)[0]), 1.0), "ten times higher"
    assert (np.diff(adagrad.state["sum_x"]) >= 0).all() and (np.diff(adagrad.state["sum_y"]) >= 0).all()
    assert steps_to(adagrad, 1e-4) <= 280


@tries("bias_correction")
def _try_bias_correction():
    _, (_, raw) = tried("bias_correction", "run=adam:lr=0.05&run=adam:lr=0.05,bias_correction=false,beta2=0.99")
    ratio = np.abs(steps_of(raw)[:30, 0]) / 0.05
    assert abs(ratio[0] - 1) < 1e-3 and 1.8 < ratio.max() < 2.2, ratio.max()


@tries("weight_decay")
def _try_weight_decay():
    _, (_, l2, _) = tried("weight_decay", "run=adam:lr=0.1&run=adam:lr=0.1,weight_decay=0.5"
                                          "&run=adamw:lr=0.1,weight_decay=1")
    settled = np.linalg.solve(np.array([[10.5, 8.0], [8.0, 10.5]]), np.array([34.0, 38.0]))
    assert np.allclose(l2.xy[-1], settled, atol=1e-9) and np.allclose(settled, (1.15, 2.75), atol=0.005)
    assert distance(l2, (1, 3))[-1] < distance(runs_of("weight_decay")[1], (1, 3))[-1]


@tries("sign_methods")
def _try_sign_methods():
    _, (_, signsgd, lion) = tried("sign_methods", "schedule=cosine")
    for run in (signsgd, lion):
        assert distance(run, (0, 0))[-1] < 0.001
        assert lengths(run)[-1] < 0.01 * lengths(run)[0], "the steps shrink with the rate"


@tries("saddle")
def _try_saddle():
    _, runs = tried("saddle", "start=1,0.000001")
    gd, adam = runs[0], runs[2]
    assert np.abs(gd.xy[:, 1]).max() < 0.5, "GD does not get away within the 200 steps"
    assert np.flatnonzero(np.abs(adam.xy[:, 1]) > 0.5)[0] <= 15, "Adam still leaves within 15"
    _, runs = tried("saddle", "start=1,0.000001", steps=400)
    assert 325 <= np.flatnonzero(np.abs(runs[0].xy[:, 1]) > 0.5)[0] <= 345, "it needs about 335"
    gd = runner.simulate_config(replace(lessons.get("saddle").scene, steps=400))[0]
    assert 150 <= np.flatnonzero(np.abs(gd.xy[:, 1]) > 0.5)[0] <= 170, "against about 160 from y = 0.001"


@tries("noise")
def _try_noise():
    config, runs = tried("noise", "noise=0.01")
    ridge = runs[0].xy[0, 0]
    off = np.flatnonzero(np.abs(runs[0].xy[:, 0] - ridge) > 0.5)
    assert off.size and off[0] <= 55, f"the first run leaves the saddle at step {off[0] if off.size else None}"
    for before, after in zip(runs_of("noise")[1:], runs[1:]):
        assert np.array_equal(before.xy, after.xy), "the others keep their own noise"


@tries("clipping")
def _try_clipping():
    _, (_, clipped, _) = tried("clipping", "run=gd:lr=0.001&run=gd:lr=0.001;clip=10&run=gd:lr=0.00001")
    assert lengths(clipped).max() <= 0.01 * (1 + 1e-12)
    assert 170 <= steps_to(clipped, 1e-4, f_min=3.0) <= 190


@tries("himmelblau")
def _try_himmelblau():
    _, runs = tried("himmelblau", "start=-4,4")
    for run in runs[:3]:
        assert np.allclose(run.xy[-1], (-2.81, 3.13), atol=0.005), (run.optimizer, run.xy[-1])


@tries("rosenbrock_cost")
def _try_rosenbrock_cost():
    config, (_, momentum, _, bfgs, _) = tried("rosenbrock_cost", "lossx=step")
    assert config.lossx == "step"
    per_step = steps_to(momentum, 1e-6) / steps_to(bfgs, 1e-6)
    per_cost = cost_to(momentum, 1e-6) / cost_to(bfgs, 1e-6)
    assert 45 < per_step < 55 and 15 < per_cost < 19, (per_step, per_cost)
    assert 2.5 < cost_to(bfgs, 1e-6) / steps_to(bfgs, 1e-6) < 3.5, "about three evaluations a step"


@tries("nelder_mead")
def _try_nelder_mead():
    _, (nm, _, _) = tried("nelder_mead", "run=nelder_mead:initial_size=2&run=bfgs&run=gd:lr=0.001")
    assert cost_to(nm, 1e-6) == 87


# -- every lesson ---------------------------------------------------------------------------------
def test_lsn001_every_lesson_has_its_claims_checked():
    assert set(CLAIMS) == set(lessons.names())
    assert set(TRIES) == set(lessons.names()), "and its suggestion too"


@pytest.mark.parametrize("name", lessons.names())
def test_lsn002_the_caption_is_true(name):
    CLAIMS[name](runs_of(name))


@pytest.mark.parametrize("name", lessons.names())
def test_lsn003_a_lesson_is_a_complete_scene_with_a_caption(name):
    lesson = lessons.get(name)
    assert re.fullmatch(r"[a-z][a-z0-9_]*", name) and lesson.title
    scene = lesson.scene                                   # raises if the link has problems
    assert scene.lesson == name and scene.reveal is lesson.reveal and scene.runs
    assert lesson.link.startswith("?") and "lesson=" not in lesson.link
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", lesson.caption.strip()) if s]
    assert 2 <= len(sentences) <= 4, f"{name}: {len(sentences)} sentences"
    assert lesson.try_next and len(lesson.try_next) < 300
    assert all(r.status in ("ok", "diverged") for r in runs_of(name)), "no run stops on the work limit"


@pytest.mark.parametrize("name", lessons.names())
def test_lsn005_the_suggestion_is_true(name):
    TRIES[name]()


def test_lsn004_the_registry():
    assert len(lessons.names()) == len(set(lessons.names()))
    assert lessons.get("saddle").name == "saddle"
    with pytest.raises(ValueError, match="unknown lesson 'nope'; known: "):
        lessons.get("nope")
