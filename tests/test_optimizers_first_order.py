"""The first-order optimizers, tested as optax tests its aliases, and every optimizer's spec.

* One table of settings, one per first-order optimizer, each of which must reach the minimum of an
  ill-conditioned, rotated quadratic and get close to Rosenbrock's within the same budget.
* Spec sanity for every registered optimizer: unique ids, valid defaults and slider ranges, the
  hyperparameters encoded in the spec's order, state columns that match what the kernel writes.
* Noise: the same seed gives the same path, another seed another path.
* :func:`optviz.kernels.bias_power` against ``beta ** t`` far into the run.
* The methods torch does not have (AdaBelief, Lion, signSGD / Signum) against small reference loops
  written here from the papers' equations.
"""
import math
import re

import numpy as np
import pytest

import optviz
import surfaces
from optviz import optimizers
from optviz.kernels import N_COUNTS, OPT_BOUND, bias_power, default_opts

#: Families that are not first-order methods (they use curvature, or no derivatives at all).
NOT_FIRST_ORDER = {"second-order", "quasi-newton", "derivative-free"}


def first_order_names():
    return [n for n in optimizers.names() if optimizers.get(n).family.lower() not in NOT_FIRST_ORDER]


# -- the optax-style table -----------------------------------------------------------------------
STEPS = 6000
QUADRATIC = surfaces.get("quadratic", condition=10.0, rotation=30.0)
ROSENBROCK = surfaces.get("rosenbrock")

#: Settings under which each first-order optimizer converges on QUADRATIC and gets close on
#: Rosenbrock in STEPS steps, from each surface's default start.
TABLE = {
    "gd": dict(lr=1.0, line_search="armijo"),
    "momentum": dict(lr=1e-3),
    "nesterov": dict(lr=1e-3),
    "cg": dict(),
    "adam": dict(lr=0.02),
    "adamw": dict(lr=0.02),
    "adagrad": dict(lr=0.8),
    "rmsprop": dict(lr=1e-2, momentum=0.9, schedule="cosine"),
    "adadelta": dict(lr=1.0, schedule="cosine"),    # its step does not shrink by itself
    "adamax": dict(lr=0.05),
    "nadam": dict(lr=0.01),
    "radam": dict(lr=0.01, clip=20.0),              # its first, unadapted steps are lr * gradient
    "adabelief": dict(lr=0.02),
    "lion": dict(lr=3e-3, schedule="cosine"),       # sign methods need a decaying rate to settle
    "signsgd": dict(lr=3e-3, momentum=0.9, schedule="cosine"),
}


def table_kwargs(name):
    if name not in TABLE:
        pytest.fail(f"first-order optimizer {name!r} has no row in TABLE")
    return TABLE[name]


def test_table_covers_every_first_order_optimizer():
    missing = sorted(set(first_order_names()) - set(TABLE))
    assert not missing, f"add these to TABLE: {missing}"


@pytest.mark.parametrize("name", first_order_names())
def test_converges_on_the_quadratic(name):
    run = optviz.simulate(name, QUADRATIC, steps=STEPS, **table_kwargs(name))
    assert not run.diverged
    assert np.hypot(*run.xy[-1]) < 1e-4, run
    assert run.loss[-1] < 1e-3 * run.loss[0]


@pytest.mark.parametrize("name", first_order_names())
def test_gets_close_on_rosenbrock(name):
    run = optviz.simulate(name, ROSENBROCK, steps=STEPS, **table_kwargs(name))
    assert not run.diverged
    assert np.hypot(*(run.xy[-1] - 1.0)) < 0.05, run


# -- spec sanity, for every registered optimizer --------------------------------------------------
SPECS = optimizers.all_specs()
SPEC_IDS = [s.name for s in SPECS]


def test_ids_are_unique_across_modules():
    declared = [spec.name for module in optimizers._MODULES for spec in module.SPECS]
    assert len(declared) == len(set(declared)), sorted(n for n in declared if declared.count(n) > 1)
    assert declared == optimizers.names()
    for name in declared:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name), name


def _balanced(latex):
    depth = 0
    for char in latex.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_spec_describes_itself(spec):
    assert spec.title.strip() and spec.family.strip() and spec.note.strip() and spec.reference.strip()
    assert spec.update.strip() and _balanced(spec.update), spec.update
    module = __import__(spec.kernel.py_func.__module__, fromlist=["_"])
    assert module.__doc__ and module.__doc__.strip(), f"{spec.name}: module docstring"
    names = [h.name for h in spec.hyperparameters] + [k for k, _ in spec.fixed]
    assert len(names) == len(set(names)), names
    assert len(spec.state) == len(set(spec.state)), spec.state


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_hyperparameter_defaults_and_ranges_are_valid(spec):
    assert spec.resolve({}) == spec.defaults()
    for h in spec.hyperparameters:
        assert h.help.strip(), f"{spec.name}.{h.name}: help"
        assert h.validate(h.default) == h.default
        if h.kind not in ("float", "int"):
            continue
        lo, hi = h.slider_range
        assert math.isfinite(lo) and math.isfinite(hi) and lo < hi, f"{spec.name}.{h.name}: slider {lo, hi}"
        assert h.low <= lo and hi <= h.high, f"{spec.name}.{h.name}: slider outside the valid range"
        assert lo <= h.default <= hi, f"{spec.name}.{h.name}: default outside the slider"
        if h.slider is not None:
            h.validate(lo), h.validate(hi)
        if h.log:
            assert lo > 0.0, f"{spec.name}.{h.name}: a log slider must start above 0"
    if "lr" in spec.defaults():
        assert spec.hyperparameters[0].name == "lr"


def _other_value(h):
    """A valid value of ``h`` different from its default."""
    if h.kind == "bool":
        return not h.default
    if h.kind == "choice":
        return next(c for c in h.choices if c != h.default)
    lo, hi = h.slider_range
    for fraction in (0.5, 0.25, 0.75, 0.0, 1.0):
        candidate = lo + fraction * (hi - lo)
        value = int(round(candidate)) if h.kind == "int" else candidate
        if value != h.default:
            try:
                return h.validate(value)
            except ValueError:      # an open end of the valid range
                continue
    raise AssertionError(f"no other value for {h.name}")


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_hyperparameters_are_encoded_in_the_spec_order(spec):
    base = spec.encode(spec.defaults())
    assert base.shape == (len(spec.hyperparameters) + len(spec.fixed),)
    np.testing.assert_array_equal(base[len(spec.hyperparameters):], [v for _, v in spec.fixed])
    for i, h in enumerate(spec.hyperparameters):
        changed = spec.encode({**spec.defaults(), h.name: _other_value(h)})
        assert np.flatnonzero(changed != base).tolist() == [i], f"{spec.name}.{h.name}"


def _call_kernel(spec, surface, steps, state_width, hyperparameters=None):
    values = spec.resolve(hyperparameters or {})
    opts = default_opts()
    opts[OPT_BOUND] = 1e4
    xy = np.full((steps + 1, 2), np.nan)
    loss = np.full(steps + 1, np.nan)
    counts = np.zeros((steps + 1, N_COUNTS), dtype=np.int64)
    state = np.full((steps + 1, state_width), np.nan)
    x0, y0 = surface.start
    done, diverged = spec.kernel(surface.value_fn, surface.gradient_fn, surface.hessian_fn, surface.params,
                                 x0, y0, steps, spec.encode(values), opts, xy, loss, counts, state)
    return done, diverged, state


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_kernel_writes_exactly_the_declared_state(spec):
    """Every declared column is written at every iterate, and no column beyond them."""
    k = len(spec.state)
    done, diverged, state = _call_kernel(spec, QUADRATIC, 20, k + 1)
    assert done == 20 and not diverged
    assert np.isfinite(state[:, :k]).all(), f"{spec.name}: unwritten state {spec.state}"
    # (row 0 may be cleared whole, ``state[0, :] = 0``: the engine allocates exactly k columns)
    assert np.isnan(state[1:, k]).all(), f"{spec.name}: the kernel writes an undeclared column {k}"


@pytest.mark.parametrize("name", first_order_names())
def test_evaluation_counts_are_cumulative(name):
    run = optviz.simulate(name, QUADRATIC, steps=30, **table_kwargs(name))
    for counts in (run.f_evals, run.g_evals, run.h_evals):
        assert counts[0] == 0 and (np.diff(counts) >= 0).all()
    assert (np.diff(run.g_evals) >= 1).all(), "a first-order step needs a gradient"
    assert not run.h_evals.any()


#: The kernels of this file's optimizers make exactly one gradient evaluation per step.
ONE_GRADIENT_PER_STEP = ["momentum", "nesterov", "adam", "adamw", "adagrad", "rmsprop", "adadelta",
                         "adamax", "nadam", "radam", "adabelief", "lion", "signsgd"]


@pytest.mark.parametrize("name", ONE_GRADIENT_PER_STEP)
def test_one_gradient_per_step(name):
    run = optviz.simulate(name, QUADRATIC, steps=30)
    np.testing.assert_array_equal(run.g_evals, np.arange(31))
    assert not run.f_evals.any() and not run.h_evals.any()


# -- noise and seeds -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", first_order_names())
def test_same_seed_same_path_other_seed_other_path(name):
    # near the minimum, where noise of this size flips the signs sign-based methods see
    kwargs = dict(table_kwargs(name), steps=200, noise=2.0, start=(0.3, -0.2))
    first = optviz.simulate(name, QUADRATIC, seed=7, **kwargs)
    again = optviz.simulate(name, QUADRATIC, seed=7, **kwargs)
    other = optviz.simulate(name, QUADRATIC, seed=8, **kwargs)
    np.testing.assert_array_equal(first.xy, again.xy)
    assert first.xy.shape != other.xy.shape or not np.array_equal(first.xy, other.xy)
    quiet = optviz.simulate(name, QUADRATIC, seed=7, **dict(kwargs, noise=0.0))
    assert not np.array_equal(first.xy, quiet.xy)


# -- bias_power against pow ----------------------------------------------------------------------
@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.99, 0.999])
def test_bias_power_gives_the_same_correction_as_pow(beta):
    """``1 - power`` equals ``1 - beta**t`` to rounding while it matters, exactly once it is 1, and
    the power never becomes subnormal (where ``beta**t`` itself goes, e.g. 0.9**t past t ~ 6700)."""
    power = 1.0
    for t in range(1, 20001):
        power = bias_power(power, beta)
        exact = beta ** t
        if 1.0 - exact == 1.0:
            assert 1.0 - power == 1.0, t
        else:
            assert abs((1.0 - power) - (1.0 - exact)) <= 1e-12 * (1.0 - exact), t
        assert power == 0.0 or power > 2.2250738585072014e-308, t


def _adam_reference(surface, start, steps, lr, beta1, beta2, eps):
    """Adam as Kingma and Ba's Algorithm 1, in torch's order, with ``beta ** t`` from pow."""
    x = np.array(start, dtype=float)
    m = np.zeros(2)
    v = np.zeros(2)
    path = [x.copy()]
    for t in range(1, steps + 1):
        g = surface.gradient(x[0], x[1])
        m = beta1 * m + (1.0 - beta1) * g
        v = beta2 * v + (1.0 - beta2) * g * g
        step_size = lr / (1.0 - beta1 ** t)
        x = x - step_size * m / (np.sqrt(v) / math.sqrt(1.0 - beta2 ** t) + eps)
        path.append(x.copy())
    return np.array(path)


def test_adam_with_bias_power_matches_pow_over_20000_steps():
    """Past t ~ 7000, 0.9**t is subnormal and then 0 with pow; the frozen product changes nothing."""
    steps, lr, beta1, beta2, eps = 20000, 1e-4, 0.9, 0.99, 1e-8
    start = (-2.5, 1.5)
    run = optviz.simulate("adam", QUADRATIC, start=start, steps=steps, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    want = _adam_reference(QUADRATIC, start, steps, lr, beta1, beta2, eps)
    assert 0.9 ** 7100 == 0.0 and 0.99 ** 4000 < 2.0 ** -54   # both products freeze in this run
    np.testing.assert_allclose(run.xy[7000:], want[7000:], rtol=1e-12, atol=0)
    np.testing.assert_allclose(run.xy, want, rtol=1e-12, atol=0)


# -- the methods torch does not have, against the papers' equations ------------------------------
def _lion_reference(surface, start, steps, lr, beta1, beta2, weight_decay):
    """Chen et al. (2023), Algorithm 2."""
    theta = np.array(start, dtype=float)
    m = np.zeros(2)
    path = [theta.copy()]
    for _ in range(steps):
        g = surface.gradient(theta[0], theta[1])
        c = beta1 * m + (1.0 - beta1) * g
        theta = theta - lr * (np.sign(c) + weight_decay * theta)
        m = beta2 * m + (1.0 - beta2) * g
        path.append(theta.copy())
    return np.array(path)


def _signsgd_reference(surface, start, steps, lr, momentum, weight_decay, decoupled):
    """Bernstein et al. (2018): signSGD (Algorithm 1) and Signum (Algorithm 3)."""
    theta = np.array(start, dtype=float)
    m = np.zeros(2)
    path = [theta.copy()]
    for _ in range(steps):
        g = surface.gradient(theta[0], theta[1])
        if decoupled:
            theta = theta * (1.0 - lr * weight_decay)
        else:
            g = g + weight_decay * theta
        if momentum == 0.0:
            theta = theta - lr * np.sign(g)
        else:
            m = momentum * m + (1.0 - momentum) * g
            theta = theta - lr * np.sign(m)
        path.append(theta.copy())
    return np.array(path)


def _adabelief_reference(surface, start, steps, lr, beta1, beta2, eps, weight_decay, decoupled):
    """Zhuang et al. (2020), Algorithm 2, with the authors' decoupled weight decay."""
    theta = np.array(start, dtype=float)
    m = np.zeros(2)
    s = np.zeros(2)
    path = [theta.copy()]
    for t in range(1, steps + 1):
        g = surface.gradient(theta[0], theta[1])
        if decoupled:
            theta = theta * (1.0 - lr * weight_decay)
        else:
            g = g + weight_decay * theta
        m = beta1 * m + (1.0 - beta1) * g
        s = beta2 * s + (1.0 - beta2) * (g - m) ** 2 + eps
        m_hat = m / (1.0 - beta1 ** t)
        s_hat = s / (1.0 - beta2 ** t)
        theta = theta - lr * m_hat / (np.sqrt(s_hat) + eps)
        path.append(theta.copy())
    return np.array(path)


REFERENCE_SURFACES = [ROSENBROCK, QUADRATIC]


@pytest.mark.parametrize("surface", REFERENCE_SURFACES, ids=lambda s: s.name)
@pytest.mark.parametrize("hp", [dict(lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=0.0),
                                dict(lr=3e-3, beta1=0.9, beta2=0.99, weight_decay=0.0),
                                dict(lr=1e-2, beta1=0.5, beta2=0.9, weight_decay=0.3)])
def test_lion_matches_the_paper(surface, hp):
    run = optviz.simulate("lion", surface, steps=500, **hp)
    want = _lion_reference(surface, surface.start, 500, **hp)
    np.testing.assert_allclose(run.xy, want, rtol=1e-13, atol=1e-15)
    assert optviz.optimizers.get("lion").defaults() == dict(lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=0.0)


@pytest.mark.parametrize("surface", REFERENCE_SURFACES, ids=lambda s: s.name)
@pytest.mark.parametrize("hp", [dict(lr=1e-2, momentum=0.0, weight_decay=0.0, decoupled=False),
                                dict(lr=3e-3, momentum=0.9, weight_decay=0.0, decoupled=False),
                                dict(lr=3e-3, momentum=0.5, weight_decay=0.2, decoupled=False),
                                dict(lr=3e-3, momentum=0.0, weight_decay=0.2, decoupled=True)])
def test_signsgd_and_signum_match_the_paper(surface, hp):
    run = optviz.simulate("signsgd", surface, steps=500, **hp)
    want = _signsgd_reference(surface, surface.start, 500, **hp)
    np.testing.assert_allclose(run.xy, want, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("surface", REFERENCE_SURFACES, ids=lambda s: s.name)
@pytest.mark.parametrize("hp", [dict(),
                                dict(lr=0.02),
                                dict(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-8, weight_decay=0.1),
                                dict(lr=0.01, weight_decay=0.1, decoupled=False)])
def test_adabelief_matches_the_paper(surface, hp):
    spec = optviz.optimizers.get("adabelief")
    values = spec.resolve(hp)
    run = optviz.simulate("adabelief", surface, steps=500, **hp)
    kwargs = {k: v for k, v in values.items() if k not in ("bias_correction", "rectify")}   # the paper: rectify off
    want = _adabelief_reference(surface, surface.start, 500, **kwargs)
    np.testing.assert_allclose(run.xy, want, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", ["lion", "signsgd"])
def test_sign_of_zero_is_zero(name):
    """On an axis-aligned bowl started on the y axis, the x gradient is exactly 0: x never moves."""
    bowl = surfaces.get("quadratic", condition=10.0, rotation=0.0)
    run = optviz.simulate(name, bowl, start=(0.0, 1.0), steps=50, lr=1e-2)
    assert (run.xy[:, 0] == 0.0).all()
    assert run.xy[-1, 1] < 1.0
