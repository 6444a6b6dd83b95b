"""Gradient descent with line searches, Newton, conjugate gradient, BFGS, L-BFGS and Nelder-Mead.

Each method against a trusted reference where one exists (torch.optim.LBFGS and SGD iterate by
iterate, scipy's Nelder-Mead iterate by iterate, scipy's BFGS and L-BFGS-B by cost), then the
contract every kernel keeps: convergence on the registered bowls and valleys, staying put once
converged, honest and monotone evaluation counts, finite output whatever the input.
"""
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

import optviz
import surfaces
from optviz import optimizers
from surfaces._base import Surface, gradient_function, hessian_function, value_function

OURS = ("gd", "newton", "cg", "bfgs", "lbfgs", "nelder_mead")
FAMILIES = {"gd": "first-order", "newton": "second-order", "cg": "conjugate-gradient", "bfgs": "quasi-Newton",
            "lbfgs": "quasi-Newton", "nelder_mead": "derivative-free"}


# -- surfaces written here: a saddle, a valley with a singular Hessian --------------------------

@value_function
def _saddle_value(x, y, p):
    return x * x - y * y


@gradient_function
def _saddle_gradient(x, y, p):
    return 2.0 * x, -2.0 * y


@hessian_function
def _saddle_hessian(x, y, p):
    return 2.0, 0.0, -2.0


SADDLE = Surface(name="test-saddle", title="Saddle", latex="x^2 - y^2", value_fn=_saddle_value,
                 gradient_fn=_saddle_gradient, hessian_fn=_saddle_hessian, domain=((-2.0, 2.0), (-2.0, 2.0)),
                 start=(1.0, 0.5), minima=(), note="x^2 - y^2, for tests.")


@value_function
def _trough_value(x, y, p):
    return (x - 1.0) ** 2


@gradient_function
def _trough_gradient(x, y, p):
    return 2.0 * (x - 1.0), 0.0


@hessian_function
def _trough_hessian(x, y, p):
    return 2.0, 0.0, 0.0


TROUGH = Surface(name="test-trough", title="Trough", latex="(x - 1)^2", value_fn=_trough_value,
                 gradient_fn=_trough_gradient, hessian_fn=_trough_hessian, domain=((-2.0, 2.0), (-2.0, 2.0)),
                 start=(-1.0, 0.5), minima=((1.0, 0.5),), note="Flat along y: a singular Hessian.")


def registered(name):
    if name not in surfaces.names():
        pytest.skip(f"surface {name!r} is not registered")
    return surfaces.get(name)


# -- the registry and the specs -------------------------------------------------------------------

def test_every_module_is_registered_with_its_family():
    for name in OURS:
        spec = optimizers.get(name)
        assert spec.family == FAMILIES[name]
        assert spec.update and spec.reference and spec.note and spec.state
        for h in spec.hyperparameters:
            assert h.help, f"{name}.{h.name} has no help"
    assert optimizers.get("lbfgs").torch == "torch.optim.LBFGS"
    assert optimizers.get("gd").torch == "torch.optim.SGD"


def test_lbfgs_hyperparameters_have_torchs_names_and_defaults():
    import inspect
    torch_defaults = {k: v.default for k, v in inspect.signature(torch.optim.LBFGS).parameters.items()}
    for h in optimizers.get("lbfgs").hyperparameters:
        if h.name == "line_search_fn":
            assert h.default == "none" and torch_defaults[h.name] is None
        elif h.name == "max_eval":   # torch's default for its default max_iter=20 (max_iter * 5 // 4)
            assert h.default == torch_defaults["max_iter"] * 5 // 4
        else:
            assert h.default == torch_defaults[h.name], h.name


@pytest.mark.parametrize("name", OURS)
def test_step_sizes_must_be_positive(name):
    spec = optimizers.get(name)
    for h in spec.hyperparameters:
        if h.name in ("lr", "initial_size"):
            with pytest.raises(ValueError, match=h.name):
                optviz.simulate(name, "quadratic", steps=1, **{h.name: 0.0})


# -- Newton ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("modification", ["none", "shift", "abs"])
@pytest.mark.parametrize("condition, rotation", [(1.0, 0.0), (10.0, 0.0), (100.0, 30.0), (1000.0, -70.0)])
def test_newton_reaches_a_quadratics_minimum_in_one_step(condition, rotation, modification):
    bowl = surfaces.get("quadratic", condition=condition, rotation=rotation)
    for start in [(-2.5, 1.5), (3.0, 2.0), (1e-3, -2e-3)]:
        run = optviz.simulate("newton", bowl, start=start, steps=3, modification=modification)
        assert np.abs(run.xy[1]).max() <= 1e-12 * np.abs(start).max()
        assert (run.h_evals == [0, 1, 2, 3]).all() and (run.g_evals == [0, 1, 2, 3]).all()
        assert (run.f_evals == 0).all()


def test_newton_from_a_booth_start_in_one_step():
    booth = registered("booth")
    run = optviz.simulate("newton", booth, steps=1)
    np.testing.assert_allclose(run.xy[1], booth.minima[0], atol=1e-12)


def test_pure_newton_jumps_onto_the_saddle_and_abs_escapes():
    to_saddle = optviz.simulate("newton", SADDLE, start=(1.0, 0.5), steps=50)
    assert (to_saddle.xy[1:] == 0.0).all() and not to_saddle.diverged
    escape = optviz.simulate("newton", SADDLE, start=(1.0, 0.5), steps=50, modification="abs")
    assert escape.xy[1, 0] == 0.0 and escape.xy[1, 1] == 1.0          # x solved, y doubled
    assert (np.diff(np.abs(escape.xy[:, 1])) > 0).all() and (np.diff(escape.loss) < 0).all()
    assert escape.diverged                                             # x^2 - y^2 has no minimum
    shifted = optviz.simulate("newton", SADDLE, start=(1.0, 0.5), steps=50, modification="shift", damping=1.0)
    assert (np.diff(shifted.loss) < 0).all() and shifted.diverged
    assert shifted.state["shift"][1] == pytest.approx(3.0)             # damping + |lambda_min| (+ 1e-8 scale)


def test_newton_on_the_registered_saddle():
    saddle = registered("saddle")
    start = (0.7, 0.3)
    pure = optviz.simulate("newton", saddle, start=start, steps=30)
    assert not pure.diverged and np.abs(saddle.gradient(*pure.xy[-1])).max() < 1e-10
    assert np.linalg.eigvalsh(saddle.hessian(*pure.xy[-1])).min() < 0       # it stopped on a saddle
    free = optviz.simulate("newton", saddle, start=start, steps=30, modification="abs")
    assert free.loss.min() < saddle.value(*pure.xy[-1]) - 1.0


def test_newton_falls_back_to_a_gradient_step_when_the_hessian_is_singular():
    run = optviz.simulate("newton", TROUGH, start=(-1.0, 0.5), steps=1, lr=0.25)
    np.testing.assert_array_equal(run.xy[1], [-1.0 + 0.25 * 4.0, 0.5])
    assert run.state["fallback"][1] == 1.0
    ok = optviz.simulate("newton", TROUGH, start=(-1.0, 0.5), steps=1, damping=1e-3)
    assert ok.state["fallback"][1] == 0.0 and ok.xy[1, 0] == pytest.approx(1.0, abs=1e-3)


# -- BFGS and L-BFGS against scipy -----------------------------------------------------------------

def _first_within(run, target, tol):
    distance = np.hypot(run.xy[:, 0] - target[0], run.xy[:, 1] - target[1])
    hits = np.nonzero(distance < tol)[0]
    return int(hits[0]) if hits.size else None


def test_bfgs_reaches_rosenbrocks_minimum_as_fast_as_scipy():
    rosen = surfaces.get("rosenbrock")
    reference = minimize(lambda v: rosen.value(*v), [-1.2, 1.0], jac=lambda v: rosen.gradient(*v), method="BFGS")
    run = optviz.simulate("bfgs", "rosenbrock", start=(-1.2, 1.0), steps=200)
    k = _first_within(run, (1.0, 1.0), 1e-5)
    print(f"\nBFGS on Rosenbrock: optviz {k} iterations, {run.f_evals[k]} f + {run.g_evals[k]} g; "
          f"scipy {reference.nit} iterations, {reference.nfev} f + {reference.njev} g")
    assert k is not None and k <= 1.5 * reference.nit + 5
    assert run.f_evals[k] + run.g_evals[k] <= 1.5 * (reference.nfev + reference.njev) + 10


def test_lbfgs_reaches_rosenbrocks_minimum_as_fast_as_scipy_lbfgsb():
    """With torch's default tolerance_change (1e-9) L-BFGS stops short (about 4e-5 away, once
    g.d > -1e-9); a smaller one lets it finish."""
    rosen = surfaces.get("rosenbrock")
    reference = minimize(lambda v: rosen.value(*v), [-1.2, 1.0], jac=lambda v: rosen.gradient(*v), method="L-BFGS-B")
    run = optviz.simulate("lbfgs", "rosenbrock", start=(-1.2, 1.0), steps=200, line_search_fn="strong_wolfe",
                          tolerance_change=1e-12)
    k = _first_within(run, (1.0, 1.0), 1e-5)
    print(f"\nL-BFGS on Rosenbrock: optviz {k} iterations, {run.f_evals[k]} closure calls "
          f"({run.f_evals[k] - k} without torch's re-evaluation at the start of each call); "
          f"scipy L-BFGS-B {reference.nit} iterations, {reference.nfev} f+g")
    assert k is not None and k <= 1.5 * reference.nit + 5
    assert run.f_evals[k] - k <= 1.5 * reference.nfev + 10
    stopped = optviz.simulate("lbfgs", "rosenbrock", steps=200, line_search_fn="strong_wolfe")
    assert 1e-5 < np.hypot(*(stopped.xy[-1] - 1.0)) < 1e-4


# -- L-BFGS and gradient descent against torch -----------------------------------------------------

def torch_path(surface, steps, make_optimizer, scheduler=None):
    """The iterates of ``steps`` calls of ``optimizer.step(closure)``, the closure computing the
    surface's value and gradient with its own compiled functions (so only the optimizer differs)."""
    theta = torch.tensor(surface.start, dtype=torch.float64, requires_grad=True)
    optimizer = make_optimizer([theta])
    sched = scheduler(optimizer) if scheduler else None

    def closure():
        optimizer.zero_grad()
        x, y = theta.detach().tolist()
        theta.grad = torch.tensor(surface.gradient(x, y).copy())
        return torch.tensor(surface.value(x, y), dtype=torch.float64)

    path = [theta.detach().clone()]
    for _ in range(steps):
        optimizer.step(closure)
        if sched:
            sched.step()
        path.append(theta.detach().clone())
    return torch.stack(path).numpy(), optimizer.state[theta]


LBFGS_SURFACES = [surfaces.get("rosenbrock"), surfaces.get("quadratic"),
                  surfaces.get("quadratic", condition=300.0, rotation=40.0)]
LBFGS_CASES = [
    {},
    {"line_search_fn": "strong_wolfe"},
    {"line_search_fn": "strong_wolfe", "max_eval": 1},   # torch's default max_eval for max_iter=1
    {"line_search_fn": "strong_wolfe", "history_size": 2, "lr": 0.5, "max_eval": 8},
    {"history_size": 3, "lr": 0.3, "tolerance_grad": 1e-9, "tolerance_change": 1e-12},
    {"line_search_fn": "strong_wolfe", "tolerance_change": 0.0, "tolerance_grad": 0.0},
]


@pytest.mark.parametrize("case", LBFGS_CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()) or "default")
@pytest.mark.parametrize("surface", LBFGS_SURFACES, ids=["rosenbrock", "quadratic", "quadratic-300-40"])
def test_lbfgs_iterates_match_torch(surface, case):
    steps = 120
    kwargs = dict(case)
    line_search = kwargs.pop("line_search_fn", "none")
    torch_kwargs = dict(kwargs, line_search_fn=None if line_search == "none" else line_search)
    torch_kwargs.setdefault("max_eval", 25)
    expected, state = torch_path(surface, steps, lambda params: torch.optim.LBFGS(params, max_iter=1, **torch_kwargs))
    run = optviz.simulate("lbfgs", surface, steps=steps, line_search_fn=line_search, **kwargs)
    assert not run.diverged
    np.testing.assert_allclose(run.xy, expected, rtol=1e-9, atol=1e-14)
    assert run.f_evals[-1] == run.g_evals[-1] == state["func_evals"]
    assert run.state["step_size"][-1] == float(state["t"])
    assert run.state["memory"][-1] == len(state["old_dirs"])


def test_lbfgs_with_a_schedule_matches_torch_with_a_scheduler():
    rosen = surfaces.get("rosenbrock")
    expected, _ = torch_path(rosen, 80, lambda params: torch.optim.LBFGS(params, max_iter=1, max_eval=25,
                                                                        line_search_fn="strong_wolfe"),
                             scheduler=lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.97))
    run = optviz.simulate("lbfgs", rosen, steps=80, line_search_fn="strong_wolfe",
                          schedule={"name": "exponential", "gamma": 0.97})
    np.testing.assert_allclose(run.xy, expected, rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_gd_without_line_search_is_torch_sgd(weight_decay):
    rosen = surfaces.get("rosenbrock")
    expected, _ = torch_path(rosen, 300, lambda params: torch.optim.SGD(params, lr=1e-3, weight_decay=weight_decay))
    run = optviz.simulate("gd", rosen, steps=300, lr=1e-3, weight_decay=weight_decay)
    np.testing.assert_allclose(run.xy, expected, rtol=1e-9, atol=1e-14)
    assert (run.state["step_size"][1:] == 1e-3).all()


# -- Nelder-Mead against scipy ---------------------------------------------------------------------

@pytest.mark.parametrize("name, start, size", [("rosenbrock", (-1.2, 1.0), 0.25), ("quadratic", (-2.5, 1.5), 1.0),
                                               ("rosenbrock", (0.3, -0.7), 0.05)])
def test_nelder_mead_iterates_are_scipys(name, start, size):
    surface = surfaces.get(name)
    steps = 150
    simplex = np.array([start, (start[0] + size, start[1]), (start[0], start[1] + size)])
    reference = minimize(lambda v: surface.value(*v), start, method="Nelder-Mead",
                         options=dict(initial_simplex=simplex, xatol=0.0, fatol=0.0, maxiter=steps + 1,
                                      maxfev=10 ** 6, return_all=True))
    run = optviz.simulate("nelder_mead", surface, start=start, steps=steps, initial_size=size)
    np.testing.assert_array_equal(run.xy, np.array(reference.allvecs))
    assert run.f_evals[-1] == reference.nfev
    final = np.column_stack([run.state[c][-1] for c in ("x1", "y1", "x2", "y2", "x3", "y3")]).reshape(3, 2)
    np.testing.assert_array_equal(final, reference.final_simplex[0])


def test_nelder_mead_cost_against_scipys_defaults_on_rosenbrock():
    rosen = surfaces.get("rosenbrock")
    reference = minimize(lambda v: rosen.value(*v), [-1.2, 1.0], method="Nelder-Mead")
    error = np.hypot(*(reference.x - 1.0))
    run = optviz.simulate("nelder_mead", "rosenbrock", start=(-1.2, 1.0), steps=1000)
    k = _first_within(run, (1.0, 1.0), error)
    print(f"\nNelder-Mead on Rosenbrock to {error:.2g}: optviz {k} iterations, {run.f_evals[k]} f; "
          f"scipy {reference.nit - 1} iterations (nit={reference.nit}), {reference.nfev} f")
    assert k is not None and k <= 1.5 * reference.nit and run.f_evals[k] <= 1.5 * reference.nfev


def test_nelder_mead_state_is_a_simplex_with_the_best_vertex_first():
    for name in ("rosenbrock", "quadratic"):
        surface = surfaces.get(name)
        run = optviz.simulate("nelder_mead", surface, steps=400)
        vertices = np.stack([np.column_stack([run.state[f"x{i}"], run.state[f"y{i}"]]) for i in (1, 2, 3)], axis=1)
        np.testing.assert_array_equal(vertices[1:, 0], run.xy[1:])
        values = surface.value(vertices[..., 0], vertices[..., 1])
        assert (values[1:, 0] <= values[1:, 1]).all() and (values[1:, 1] <= values[1:, 2]).all()
        edges = vertices[:, 1:] - vertices[:, :1]
        area = 0.5 * np.abs(edges[:, 0, 0] * edges[:, 1, 1] - edges[:, 0, 1] * edges[:, 1, 0])
        assert area[0] == pytest.approx(0.5 * 0.25 ** 2)
        assert (area[:50] > 0).all()
        assert (np.diff(run.loss[1:]) <= 0).all()


def test_nelder_mead_ignores_gradient_noise():
    calm = optviz.simulate("nelder_mead", "rosenbrock", steps=200)
    noisy = optviz.simulate("nelder_mead", "rosenbrock", steps=200, noise=5.0, seed=1, clip=0.1)
    np.testing.assert_array_equal(calm.xy, noisy.xy)


# -- every method: convergence, staying put, counts ------------------------------------------------

#: (optimizer, hyperparameters, steps allowed, surfaces it must solve).
CONVERGENCE = [
    ("gd", dict(lr=0.05), 2_000, ("quadratic", "booth")),
    ("gd", dict(lr=1e-3), 40_000, ("rosenbrock",)),
    ("gd", dict(line_search="armijo", lr=1.0), 20_000, ("quadratic", "booth", "rosenbrock")),
    ("gd", dict(line_search="wolfe", lr=1.0), 20_000, ("quadratic", "booth", "rosenbrock")),
    ("newton", dict(), 50, ("quadratic", "booth", "rosenbrock")),
    ("newton", dict(modification="abs"), 50, ("quadratic", "booth", "rosenbrock")),
    ("newton", dict(modification="shift", damping=0.1), 200, ("quadratic", "booth", "rosenbrock")),
    ("cg", dict(), 200, ("quadratic", "booth", "rosenbrock")),
    ("cg", dict(beta="fletcher_reeves"), 200, ("quadratic", "booth", "rosenbrock")),
    ("cg", dict(beta="hestenes_stiefel"), 200, ("quadratic", "booth", "rosenbrock")),
    ("cg", dict(beta="dai_yuan"), 200, ("quadratic", "booth", "rosenbrock")),
    ("cg", dict(restart=0), 200, ("quadratic", "booth", "rosenbrock")),
    ("cg", dict(line_search="armijo"), 2_000, ("quadratic", "booth")),   # CG wants near-exact searches
    ("bfgs", dict(), 200, ("quadratic", "booth", "rosenbrock")),
    ("lbfgs", dict(tolerance_change=0.0, tolerance_grad=0.0), 500, ("quadratic", "booth", "rosenbrock")),
    ("lbfgs", dict(line_search_fn="strong_wolfe", tolerance_change=0.0, tolerance_grad=0.0), 200,
     ("quadratic", "booth", "rosenbrock")),
    ("nelder_mead", dict(), 1_000, ("quadratic", "booth", "rosenbrock")),
]
CONVERGENCE_CASES = [(opt, kw, steps, name) for opt, kw, steps, names in CONVERGENCE for name in names]


def _case_id(case):
    opt, kw, steps, name = case
    return "-".join([opt, *(f"{k}={v}" for k, v in kw.items()), name])


@pytest.mark.parametrize("case", CONVERGENCE_CASES, ids=_case_id)
def test_converges_then_stays_put(case):
    opt, kw, steps, name = case
    surface = registered(name)
    run = optviz.simulate(opt, surface, steps=steps + 5_000, **kw)
    distance = surface.nearest_minimum_distance(run.xy)
    k = int(np.argmax(distance < 1e-6)) if (distance < 1e-6).any() else None
    assert k is not None and k <= steps, f"closest {distance.min():.3g}"
    assert not run.diverged and np.isfinite(run.xy).all() and np.isfinite(run.loss).all()
    assert (distance[k:] < 1e-4).all() and distance[-1] < 1e-6
    for column in run.state.values():
        assert np.isfinite(column).all()


@pytest.mark.parametrize("name", OURS)
def test_started_at_a_minimum_it_stays_there_without_nan(name):
    for surface, start in [(surfaces.get("rosenbrock"), (1.0, 1.0)), (surfaces.get("quadratic"), (0.0, 0.0))]:
        run = optviz.simulate(name, surface, start=start, steps=5_000)
        if name == "nelder_mead":   # it explores, then collapses back onto the minimum
            assert np.isfinite(run.xy).all() and surface.nearest_minimum_distance(run.xy[-1:])[0] < 1e-8
            continue
        assert (run.xy == start).all() and not run.diverged
        for column in run.state.values():
            assert np.isfinite(column).all()


@pytest.mark.parametrize("name", ["gd", "newton", "cg", "bfgs", "lbfgs"])
def test_gradient_methods_stay_on_an_exact_saddle_point(name):
    run = optviz.simulate(name, SADDLE, start=(0.0, 0.0), steps=1_000)
    assert (run.xy == 0.0).all() and not run.diverged


def _check_counts(name, hp, run):
    f, g, h = run.f_evals, run.g_evals, run.h_evals
    steps = np.arange(len(f))
    assert f[0] == g[0] == h[0] == 0
    assert (np.diff(f) >= 0).all() and (np.diff(g) >= 0).all() and (np.diff(h) >= 0).all()
    df, dg = np.diff(f), np.diff(g)
    if name == "gd" and hp.get("line_search", "none") == "none":
        assert (f == 0).all() and (g == steps).all() and (h == 0).all()
    elif name == "newton":
        assert (f == 0).all() and (g == steps).all() and (h == steps).all()
    elif name == "lbfgs":
        assert (f == g).all() and (h == 0).all() and (df >= 1).all()
        assert (df <= hp.get("max_eval", 25) + 1).all()   # the closure, then max_eval - 1 + 1 in the search
    elif name == "nelder_mead":
        assert (g == 0).all() and (h == 0).all()
        assert (df[:1] >= 4).all() and (df[:1] <= 7).all() and (df[1:] <= 4).all()
    else:   # a line search: at most 30 values a step (+1 at the start), gradients only where values are
        assert (h == 0).all()
        assert (df <= 31).all() and (dg <= df + 1).all() and (g <= f).all()


@pytest.mark.parametrize("noise", [0.0, 1.0])
@pytest.mark.parametrize("case", CONVERGENCE, ids=lambda c: "-".join([c[0], *(f"{k}={v}" for k, v in c[1].items())]))
def test_evaluation_counts_are_monotone_and_consistent(case, noise):
    opt, kw, steps, names = case
    for name in names:
        if name in surfaces.names():
            _check_counts(opt, kw, optviz.simulate(opt, name, steps=min(steps, 3_000), noise=noise, **kw))


@pytest.mark.parametrize("name, hp", [("gd", dict(line_search="armijo", lr=1.0)), ("gd", dict(line_search="wolfe")),
                                      ("cg", {}), ("cg", dict(line_search="armijo")), ("bfgs", {}),
                                      ("lbfgs", dict(line_search_fn="strong_wolfe")), ("nelder_mead", {})])
def test_line_searches_never_go_uphill_even_with_noise(name, hp):
    """The searches test exact function values, so noise can stall a run but never push it uphill."""
    for surface in ("rosenbrock", "quadratic"):
        run = optviz.simulate(name, surface, steps=500, noise=3.0, seed=7, **hp)
        assert not run.diverged and (np.diff(run.loss) <= 0).all()


def test_a_failed_search_under_noise_draws_a_new_gradient():
    """With noise a failed search is not final: the next step or the one after evaluates again."""
    for name in ("gd", "cg", "bfgs"):
        hp = dict(line_search="armijo", lr=1.0) if name == "gd" else {}
        run = optviz.simulate(name, "rosenbrock", steps=300, noise=30.0, seed=2, **hp)
        idle = np.diff(run.f_evals) == 0
        assert not (idle[1:] & idle[:-1]).any()


@value_function
def _ledge_value(x, y, p):
    return -x if x < 0.0 else math.nan


@gradient_function
def _ledge_gradient(x, y, p):
    return (-1.0, 0.0) if x < 0.0 else (math.nan, math.nan)


@hessian_function
def _ledge_hessian(x, y, p):
    return 0.0, 0.0, 0.0


LEDGE = Surface(name="test-ledge", title="Ledge", latex="-x", value_fn=_ledge_value, gradient_fn=_ledge_gradient,
                hessian_fn=_ledge_hessian, domain=((-2.0, 2.0), (-2.0, 2.0)), start=(-1e-20, 0.0), minima=(),
                note="Downhill towards x = 0, where it ends (nan): no line search can succeed.")


@pytest.mark.parametrize("name, hp", [("gd", dict(line_search="armijo")), ("gd", dict(line_search="wolfe")),
                                      ("cg", {}), ("cg", dict(line_search="armijo")), ("bfgs", {})])
def test_a_search_that_must_fail_fails_once_then_the_run_stops_counting(name, hp):
    run = optviz.simulate(name, LEDGE, steps=100, lr=1.0, **hp)
    assert (run.xy == LEDGE.start).all() and not run.diverged
    assert run.f_evals[1] == 1 + 30 and (run.f_evals[1:] == run.f_evals[1]).all()
    assert (run.g_evals[1:] == 1).all()


def test_the_schedule_scales_the_first_trial_step():
    run = optviz.simulate("gd", "rosenbrock", steps=40, line_search="armijo", lr=1.0,
                          schedule={"name": "exponential", "gamma": 0.5})
    trial = 0.5 ** np.arange(40)
    halvings = np.log2(trial / run.state["step_size"][1:])
    assert (halvings >= 0).all() and (halvings == np.round(halvings)).all()
    fixed = optviz.simulate("gd", "quadratic", steps=10, lr=0.1, schedule={"name": "exponential", "gamma": 0.5})
    np.testing.assert_allclose(fixed.state["step_size"][1:], 0.1 * 0.5 ** np.arange(10), rtol=1e-15)


@settings(max_examples=80, deadline=None)
@given(name=st.sampled_from(OURS), data=st.data())
def test_never_raises_and_never_returns_nan(name, data):
    spec = optimizers.get(name)
    values = {}
    for h in spec.hyperparameters:
        if h.kind == "choice":
            values[h.name] = data.draw(st.sampled_from(h.choices))
        else:
            lo, hi = max(h.slider_range[0], h.low), min(h.slider_range[1], h.high)
            v = data.draw(st.floats(lo, hi))
            v = int(round(v)) if h.kind == "int" else v
            if (h.low_open and v <= h.low) or (h.high_open and v >= h.high):
                v = h.default
            values[h.name] = v
    surface = data.draw(st.sampled_from(surfaces.names() + ["saddle-here", "trough-here"]))
    surface = {"saddle-here": SADDLE, "trough-here": TROUGH}.get(surface, surface)
    start = (data.draw(st.floats(-3, 3)), data.draw(st.floats(-3, 3)))
    noise = data.draw(st.sampled_from([0.0, 0.1, 10.0]))
    run = optviz.simulate(name, surface, start=start, steps=300, noise=noise, **values)
    assert np.isfinite(run.xy).all() and np.isfinite(run.loss).all()
    for column in run.state.values():
        assert np.isfinite(column).all()
    _check_counts(name, values, run)
