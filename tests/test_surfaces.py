"""Contract tests for every registered surface (BoTorch style: one test checks each claim for all).

Each surface claims analytic derivatives, a list of minima to double precision (global first),
published optimal values, and metadata the app relies on; every test below runs on every surface.
"""
import importlib
import keyword
import math
from pathlib import Path
import pkgutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

import surfaces
from surfaces._base import newton_refine

SURFACES = surfaces.all_surfaces()
NAMES = [s.name for s in SURFACES]
EPS = np.finfo(float).eps

#: Published optimal values (the value at the first listed minimum).
PUBLISHED_OPTIMUM = {
    "quadratic": 0.0,
    "rosenbrock": 0.0,
    "beale": 0.0,
    "long_valley": 0.0,
    "himmelblau": 0.0,
    "booth": 0.0,
    "parabola": 0.0,
    "matyas": 0.0,
    "three_hump_camel": 0.0,
    "six_hump_camel": -1.0316284534898774,
    "mccormick": -math.sqrt(3.0) / 2.0 - math.pi / 3.0,   # -1.9132229549810362
    "styblinski_tang": 2 * -39.16616570377142,
    "goldstein_price": 3.0,
    "levi": 0.0,
    "rastrigin": 0.0,
    "ackley": 0.0,
}
#: Surfaces with no lower bound (and so no minima).
UNBOUNDED = {"saddle", "monkey_saddle"}
#: Number of minima each surface lists in its window (where the count is known and fixed).
MINIMA_COUNT = {"himmelblau": 4, "six_hump_camel": 6, "three_hump_camel": 3, "styblinski_tang": 4,
                "goldstein_price": 4, "mccormick": 2, "rastrigin": 121, "ackley": 121, "levi": 41}


#: The built-in surfaces, which list their minima; a typed formula (``surfaces.get("formula")``,
#: tests/test_formula.py) lists none, its minima being unknown, so the claims about minima and
#: published values are the built-ins' only.
BUILT_IN = [s for s in SURFACES if s.formula is None]


def each_surface(fn):
    return pytest.mark.parametrize("surface", SURFACES, ids=NAMES)(fn)


def each_built_in(fn):
    return pytest.mark.parametrize("surface", BUILT_IN, ids=[s.name for s in BUILT_IN])(fn)


def span(surface):
    (x0, x1), (y0, y1) = surface.domain
    return max(x1 - x0, y1 - y0)


def random_points(surface, n=60, seed=0):
    """``n`` points spread uniformly over the plotting window (seeded per surface)."""
    rng = np.random.default_rng([seed, *surface.name.encode()])
    (x0, x1), (y0, y1) = surface.domain
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def hessian_at(surface, x, y):
    return np.asarray(surface.hessian(x, y))


# -- derivatives ------------------------------------------------------------------------------------

@each_surface
def test_gradient_matches_central_differences_of_value(surface):
    h = 1e-6 * span(surface)
    for x, y in random_points(surface):
        f = surface.value(x, y)
        g = surface.gradient(x, y)
        fd = np.array([(surface.value(x + h, y) - surface.value(x - h, y)) / (2 * h),
                       (surface.value(x, y + h) - surface.value(x, y - h)) / (2 * h)])
        # relative to the gradient, plus the rounding of f(x +- h) divided by 2h
        tol = 1e-6 * (np.abs(g).max() + (abs(f) + 1.0) / span(surface))
        assert np.abs(fd - g).max() <= tol, (x, y, g, fd)


@each_surface
def test_hessian_matches_central_differences_of_gradient(surface):
    h = 1e-6 * span(surface)
    for x, y in random_points(surface, seed=1):
        g = surface.gradient(x, y)
        H = hessian_at(surface, x, y)
        fd = np.column_stack([(surface.gradient(x + h, y) - surface.gradient(x - h, y)) / (2 * h),
                              (surface.gradient(x, y + h) - surface.gradient(x, y - h)) / (2 * h)])
        tol = 1e-6 * (np.abs(H).max() + (np.abs(g).max() + 1.0) / span(surface))
        assert np.abs(fd - H).max() <= tol, (x, y, H, fd)
        assert H[0, 1] == H[1, 0]


@each_surface
def test_vectorised_calls_agree_with_scalar_calls(surface):
    pts = random_points(surface, n=12, seed=2)
    X, Y = pts[:, 0].reshape(3, 4), pts[:, 1].reshape(3, 4)
    V, G, H = surface.value(X, Y), surface.gradient(X, Y), surface.hessian(X, Y)
    assert V.shape == (3, 4) and G.shape == (3, 4, 2) and H.shape == (3, 4, 2, 2)
    for i in range(3):
        for j in range(4):
            x, y = X[i, j], Y[i, j]
            assert V[i, j] == surface.value(x, y)
            np.testing.assert_array_equal(G[i, j], surface.gradient(x, y))
            np.testing.assert_array_equal(H[i, j], surface.hessian(x, y))
    xs, ys, Z = surface.grid(n=7)
    assert Z.shape == (7, 7) and Z[2, 5] == surface.value(xs[5], ys[2])


@settings(max_examples=300, deadline=None)
@given(surface=st.sampled_from(SURFACES), x=st.floats(width=64), y=st.floats(width=64))
def test_any_input_gives_floats_never_an_error(surface, x, y):
    """Overflow, inf and nan come back as values (the engine detects divergence from them)."""
    v, g, H = surface.value(x, y), surface.gradient(x, y), surface.hessian(x, y)
    assert isinstance(v, float) and g.shape == (2,) and H.shape == (2, 2)
    if math.isfinite(x) and math.isfinite(y) and abs(x) < 1e3 and abs(y) < 1e3:
        assert math.isfinite(v) and np.all(np.isfinite(g))


# -- minima -----------------------------------------------------------------------------------------

@each_built_in
def test_minima_are_stationary_to_double_precision(surface):
    for x, y in surface.minima:
        g = surface.gradient(x, y)
        H = hessian_at(surface, x, y)
        scale = max(1.0, math.hypot(x, y))
        # the gradient is as small as rounding allows: within 1e-12 relative of a stationary point
        assert np.abs(g).max() <= 1e-12 * np.abs(H).max() * scale, (x, y, g)
        # ... and one more Newton step moves the point by less than a few units in the last place
        step = np.linalg.solve(H, g)
        assert np.abs(step).max() <= 1e-14 * scale, (x, y, step)
        rx, ry = newton_refine(surface, x, y)
        assert math.hypot(rx - x, ry - y) <= 1e-14 * scale


@each_built_in
def test_minima_have_positive_definite_hessian(surface):
    for x, y in surface.minima:
        H = hessian_at(surface, x, y)
        assert np.all(np.isfinite(H))
        assert np.linalg.eigvalsh(H).min() > 0.0, (x, y, H)


@each_built_in
def test_global_minimum_is_listed_first(surface):
    if surface.name in UNBOUNDED:
        assert surface.minima == () and surface.minimum_value is None
        return
    assert surface.minima, "a bounded surface lists its minima"
    values = [surface.value(x, y) for x, y in surface.minima]
    for v in values[1:]:
        assert values[0] <= v + 1e-12 * (1.0 + abs(v))
    assert surface.minimum_value == pytest.approx(values[0], abs=1e-12)


def _data(name):
    return np.loadtxt(Path(surfaces.__file__).parent / "data" / f"{name}.csv", delimiter=",", skiprows=1)


def _model_losses():
    """The model surfaces' losses written anew in NumPy over their CSV data (an independent
    reference: no published optimum exists for generated data)."""
    lin, log, net = _data("linear_regression"), _data("logistic_regression"), _data("tiny_network")
    return {
        "linear_regression": lambda w: 0.5 * np.mean((w[0] * lin[:, 0] + w[1] - lin[:, 1]) ** 2),
        "logistic_regression": lambda w: np.mean(np.logaddexp(0.0, -log[:, 2] * (log[:, :2] @ w))) + 0.005 * w @ w,
        "tiny_network": lambda w: 0.5 * np.mean((w[1] * np.tanh(w[0] * net[:, 0]) - net[:, 1]) ** 2),
    }


@each_built_in
def test_published_optimal_value(surface):
    if surface.name in UNBOUNDED:
        return
    models = _model_losses()
    if surface.name in models:   # the data's own optimum, found by SciPy on the NumPy loss
        loss = models[surface.name]
        found = minimize(loss, np.asarray(surface.start), method="Nelder-Mead",
                         options=dict(xatol=1e-12, fatol=1e-15, maxiter=20_000))
        found = minimize(loss, found.x, method="BFGS", options=dict(gtol=1e-12))
        assert surface.value(*surface.minima[0]) == pytest.approx(found.fun, rel=1e-10, abs=1e-14)
        assert loss(np.asarray(surface.minima[0])) == pytest.approx(surface.value(*surface.minima[0]), rel=1e-13)
        return
    assert surface.name in PUBLISHED_OPTIMUM, "add the published optimum of a new surface here"
    expected = PUBLISHED_OPTIMUM[surface.name]
    got = surface.value(*surface.minima[0])
    assert got == pytest.approx(expected, rel=1e-14, abs=1e-14)


@each_built_in
def test_minima_are_distinct_and_inside_the_window(surface):
    (x0, x1), (y0, y1) = surface.domain
    for x, y in surface.minima:
        assert x0 <= x <= x1 and y0 <= y <= y1, (x, y)
    m = np.asarray(surface.minima, dtype=float).reshape(-1, 2)
    if len(m) > 1:
        d = np.hypot(*(m[:, None, :] - m[None, :, :]).transpose(2, 0, 1))
        assert d[np.triu_indices(len(m), 1)].min() > 1e-3
    if surface.name in MINIMA_COUNT:
        assert len(m) == MINIMA_COUNT[surface.name]


@each_built_in
def test_every_minimum_found_by_local_search_is_listed(surface):
    """Multi-start BFGS from a jittered grid: each local minimum it finds inside the window is
    one of the listed minima (so the app's distance to the nearest minimum is honest)."""
    (x0, x1), (y0, y1) = surface.domain
    rng = np.random.default_rng([3, *surface.name.encode()])
    n = 12
    gx = x0 + (x1 - x0) * (np.arange(n) + rng.uniform(0.2, 0.8, n)) / n
    gy = y0 + (y1 - y0) * (np.arange(n) + rng.uniform(0.2, 0.8, n)) / n
    listed = np.asarray(surface.minima, dtype=float).reshape(-1, 2)
    for a in gx:
        for b in gy:
            r = minimize(lambda v: surface.value(v[0], v[1]), [a, b],
                         jac=lambda v: surface.gradient(v[0], v[1]), method="BFGS",
                         options=dict(gtol=1e-9, maxiter=500))
            x, y = r.x
            if not (np.isfinite(r.fun) and x0 <= x <= x1 and y0 <= y <= y1):
                continue   # left the window (or ran off an unbounded surface)
            H = hessian_at(surface, x, y)
            g = surface.gradient(x, y)
            if np.abs(g).max() > 1e-6 * (1.0 + np.abs(H).max()) or np.linalg.eigvalsh(H).min() <= 0:
                continue   # stopped short, or on a saddle
            assert len(listed), f"found a minimum at {(x, y)} but none are listed"
            assert np.hypot(*(listed - [x, y]).T).min() < 1e-4, f"unlisted minimum near {(x, y)}"


# -- metadata ---------------------------------------------------------------------------------------

@each_surface
def test_metadata(surface):
    assert surface.name.isidentifier() and not keyword.iskeyword(surface.name)
    assert surface.title and surface.latex and surface.note and surface.reference
    (x0, x1), (y0, y1) = surface.domain
    assert all(map(math.isfinite, (x0, x1, y0, y1))) and x0 < x1 and y0 < y1
    sx, sy = surface.start
    assert x0 <= sx <= x1 and y0 <= sy <= y1
    assert math.isfinite(surface.value(sx, sy))
    assert np.all(np.isfinite(surface.gradient(sx, sy)))
    assert isinstance(surface.log_scale, bool)
    assert surface.params.dtype == np.float64 and surface.params.flags.c_contiguous
    if surface.minima:
        assert surface.start not in surface.minima


def test_names_are_unique():
    assert len(set(NAMES)) == len(NAMES) == len(surfaces.names())


def test_display_order_starts_with_the_classic_pictures():
    assert surfaces.names()[:7] == ["quadratic", "rosenbrock", "beale", "saddle", "long_valley",
                                    "himmelblau", "booth"]
    assert len(surfaces.names()) >= 14


def test_every_module_is_registered():
    modules = [m.name for m in pkgutil.iter_modules(surfaces.__path__) if not m.name.startswith("_")]
    registered = {id(s) for s in SURFACES}
    for name in modules:
        module = importlib.import_module(f"surfaces.{name}")
        assert id(module.SURFACE) in registered, f"surfaces/{name}.py is not in surfaces._MODULES"
    assert len(modules) == len(BUILT_IN)
    assert [s.name for s in SURFACES if s.formula is not None] == ["formula"], "and the typed formula, last"
    assert SURFACES[-1] is surfaces.get("formula")


def test_unknown_surface_lists_the_known_names():
    with pytest.raises(ValueError, match="unknown surface 'nope'; known: quadratic, rosenbrock"):
        surfaces.get("nope")
    with pytest.raises(ValueError, match="unknown surface"):
        surfaces.get(None)


# -- specific surfaces ------------------------------------------------------------------------------

def test_quadratic_parameters_set_its_curvatures():
    bowl = surfaces.get("quadratic", condition=100, rotation=30)
    for x, y in [(0.0, 0.0), (1.5, -2.0)]:
        np.testing.assert_allclose(np.linalg.eigvalsh(bowl.hessian(x, y)), [1.0, 100.0], rtol=1e-12)
    # the long axis (curvature 1) points at 30 degrees
    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    np.testing.assert_allclose(bowl.hessian(0.0, 0.0) @ [c, s], [c, s], atol=1e-12)
    assert bowl.minima == ((0.0, 0.0),)
    assert surfaces.get("quadratic").values == (("condition", 10.0), ("rotation", 0.0))


@pytest.mark.parametrize("params", [dict(condition=0.5), dict(condition=float("nan")), dict(rotation=200),
                                    dict(condition="steep"), dict(tilt=3)])
def test_quadratic_rejects_bad_parameters(params):
    with pytest.raises(ValueError):
        surfaces.get("quadratic", **params)


def test_surfaces_without_parameters_reject_any():
    with pytest.raises(ValueError, match="allowed: none"):
        surfaces.get("beale", condition=3)


def test_parabola_gives_the_learning_rate_lesson():
    """GD on x^2: lr 0.1 maps x to 0.8 x, lr 0.7 maps x to -0.4 x."""
    s = surfaces.get("parabola")
    x, y = s.start
    assert y == 0.0
    for lr, factor in [(0.1, 0.8), (0.7, -0.4)]:
        gx, gy = s.gradient(x, y)
        assert x - lr * gx == pytest.approx(factor * x) and gy == 0.0


def test_long_valley_is_ill_conditioned_along_its_floor():
    s = surfaces.get("long_valley")
    ev = np.linalg.eigvalsh(s.hessian(*s.minima[0]))
    assert ev.max() / ev.min() == pytest.approx(100.0)
    x0, y0 = s.start
    assert x0 < s.minima[0][0] - 3.0          # a long way to travel
    assert abs(s.gradient(x0, y0)[1]) > 20 * abs(s.gradient(x0, y0)[0])   # steep walls, gentle floor


def test_saddle_start_is_just_off_the_ridge():
    s = surfaces.get("saddle")
    x, y = s.start
    assert 0.0 < abs(y) <= 1e-2 * abs(x)
    H = s.hessian(0.0, 0.0)
    assert np.linalg.eigvalsh(H).tolist() == [-2.0, 2.0]


def test_ackley_kink_at_the_origin():
    s = surfaces.get("ackley")
    assert s.value(0.0, 0.0) == 0.0
    assert s.gradient(0.0, 0.0).tolist() == [0.0, 0.0]
    np.testing.assert_allclose(s.hessian(0.0, 0.0), 2 * math.pi ** 2 * math.e * np.eye(2), rtol=1e-14)
    # next to the kink the gradient is finite with size about 2 sqrt 2 (the cone's slope) ...
    for r in (1e-300, 1e-12, 1e-6):
        for direction in ((1.0, 0.0), (-0.6, 0.8)):
            g = s.gradient(r * direction[0], r * direction[1])
            np.testing.assert_allclose(g, 2 * math.sqrt(2) * np.array(direction), atol=1e-4)
            # ... and the Hessian finite but growing like 1 / r
            H = s.hessian(r * direction[0], r * direction[1])
            assert np.all(np.isfinite(H)) and np.abs(H).max() > 1.0 / r


@pytest.mark.parametrize("surface", [s.name for s in surfaces.all_surfaces() if s.minima])
def test_nearest_minimum_distance_is_the_plain_formula(surface):
    """The compiled distance equals min_j |p - m_j| as NumPy writes it, bit for bit, NaN and inf
    included (the compiled loop exists so 100,000 points and 121 minima need no 194 MB array)."""
    s = surfaces.get(surface)
    rng = np.random.default_rng(7)
    (x0, x1), (y0, y1) = s.domain
    xy = np.column_stack([rng.uniform(x0, x1, 2000), rng.uniform(y0, y1, 2000)])
    xy[:4] = [[np.nan, 0.0], [0.0, np.inf], [-np.inf, 1.0], list(s.minima[0])]
    minima = np.asarray(s.minima)
    with np.errstate(invalid="ignore"):
        expected = np.sqrt(((xy[:, None, :] - minima[None]) ** 2).sum(axis=2)).min(axis=1)
    got = s.nearest_minimum_distance(xy)
    assert np.array_equal(got, expected, equal_nan=True)
    assert got[3] == 0.0 and np.isnan(got[0]) and got[1] == np.inf == got[2]
