"""The losses of small real models (surfaces linear_regression, logistic_regression and
tiny_network): their values, gradients and Hessians against the same losses written in NumPy
over the data files, and what each is meant to show."""
import numpy as np
import pytest

import optviz
import surfaces
from surfaces import _data

RNG = np.random.default_rng(11)


def linear(w):
    u, t = _data.load("linear_regression").T
    r = w[0] * u + w[1] - t
    H = np.array([[np.mean(u * u), np.mean(u)], [np.mean(u), 1.0]])
    return 0.5 * np.mean(r * r), np.array([np.mean(r * u), np.mean(r)]), H


def logistic(w):
    d = _data.load("logistic_regression")
    z, s = d[:, :2], d[:, 2]
    m = s * (z @ w)
    q = 0.5 * (1.0 - np.tanh(m / 2.0))   # 1 / (1 + e^m), written another way
    value = np.mean(np.logaddexp(0.0, -m)) + 0.005 * w @ w
    grad = -(q * s) @ z / len(s) + 0.01 * w
    H = (z * (q * (1.0 - q))[:, None]).T @ z / len(s) + 0.01 * np.eye(2)
    return value, grad, H


def network(w):
    u, t = _data.load("tiny_network").T
    a, c = w
    h = np.tanh(a * u)
    dh = (1.0 - h ** 2) * u
    r = c * h - t
    grad = np.array([np.mean(r * c * dh), np.mean(r * h)])
    d2h = -2.0 * h * (1.0 - h ** 2) * u ** 2
    H = np.array([[np.mean((c * dh) ** 2 + r * c * d2h), np.mean(h * dh * c + r * dh)],
                  [np.mean(h * dh * c + r * dh), np.mean(h * h)]])
    return 0.5 * np.mean(r * r), grad, H


@pytest.mark.parametrize("name, reference", [("linear_regression", linear), ("logistic_regression", logistic),
                                             ("tiny_network", network)])
def test_value_gradient_and_hessian_are_the_losses_of_the_data(name, reference):
    surface = surfaces.get(name)
    (x0, x1), (y0, y1) = surface.domain
    for w in np.column_stack([RNG.uniform(x0, x1, 12), RNG.uniform(y0, y1, 12)]):
        value, grad, H = reference(w)
        assert surface.value(*w) == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(surface.gradient(*w), grad, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(surface.hessian(*w), H, rtol=1e-10, atol=1e-13)


def test_the_data_ship_with_optviz_and_are_what_their_generator_writes(tmp_path, monkeypatch):
    from surfaces.data import make_data
    monkeypatch.setattr(make_data, "HERE", tmp_path)
    make_data.main()
    for name in ("linear_regression", "logistic_regression", "tiny_network"):
        assert (tmp_path / f"{name}.csv").read_text() == (_data.DATA / f"{name}.csv").read_text(), name
        assert _data.load(name).shape[0] == 200


def test_linear_regression_is_the_uncentred_valley_newton_solves_in_one_step():
    surface = surfaces.get("linear_regression")
    eigenvalues = np.linalg.eigvalsh(surface.hessian(0.0, 0.0))
    assert 50 < eigenvalues[1] / eigenvalues[0] < 100, "a long, narrow valley: the feature is not centred"
    newton = optviz.simulate("newton", surface, steps=1)
    np.testing.assert_allclose(newton.xy[-1], surface.minima[0], rtol=1e-12, atol=1e-12)
    gd = optviz.simulate("gd", surface, steps=300, lr=0.3)
    momentum = optviz.simulate("momentum", surface, steps=300, lr=0.3, momentum=0.9)
    assert momentum.loss[-1] - surface.minimum_value < 1e-3 * (gd.loss[-1] - surface.minimum_value)


def test_the_tiny_network_has_mirror_minima_and_a_saddle_between_them():
    surface = surfaces.get("tiny_network")
    (a, c), (a2, c2) = surface.minima
    assert (a2, c2) == pytest.approx((-a, -c)) and surface.value(a, c) == pytest.approx(surface.value(a2, c2))
    assert np.all(surface.gradient(0.0, 0.0) == 0.0)
    low, high = np.linalg.eigvalsh(surface.hessian(0.0, 0.0))
    assert low < 0 < high, "the origin is a saddle"
    ends = [optviz.simulate("gd", surface, start=start, steps=2000, lr=0.5).xy[-1]
            for start in ((0.3, 0.5), (-0.3, -0.5))]
    assert ends[0] == pytest.approx((a, c), abs=1e-3) and ends[1] == pytest.approx((a2, c2), abs=1e-3)


def test_logistic_regression_grows_linearly_a_few_units_from_its_minimum():
    surface = surfaces.get("logistic_regression")
    best, direction = np.asarray(surface.minima[0]), np.array([-0.86, 0.51])
    gap = [surface.value(*(best + t * direction)) - surface.minimum_value for t in (4.0, 8.0, 16.0)]
    assert 1.9 < gap[2] / gap[1] < 3.0, "twice as far, about twice the loss (a bowl would give four times)"
    curvature = [np.linalg.eigvalsh(surface.hessian(*(best + t * direction))).max() for t in (0.0, 16.0)]
    assert curvature[1] < 0.5 * curvature[0]


# -- minibatches ------------------------------------------------------------------------------------
from numba import njit  # noqa: E402

from optviz import engine, links, runner  # noqa: E402


@njit
def _seed(value):
    np.random.seed(value)


@pytest.mark.parametrize("name", ["linear_regression", "logistic_regression", "tiny_network"])
def test_minibatch_gradients_spread_as_sampling_without_replacement_says(name):
    """Var of a b-point batch mean = (population variance / b) (n - b) / (n - 1); unbiased."""
    surface = surfaces.get(name)
    w = np.asarray(surface.start)
    exact = surface.gradient(*w)
    full = engine.batched_params(surface, None)
    n = surface.data_size
    per_point = np.array([surface.gradient_fn(*w, _one_point(full, i)) for i in range(n)])
    population = np.cov(per_point.T, bias=True)
    _seed(5)
    for b in (4, 16, 64, n):
        p = engine.batched_params(surface, b)
        draws = np.array([surface.gradient_fn(*w, p) for _ in range(3000)])
        expected = np.trace(population) / b * (n - b) / (n - 1)
        got = np.trace(np.cov(draws.T, bias=True))
        if b == n:
            assert (draws == exact).all(), "the whole data set: the exact gradient, every time"
            continue
        assert got == pytest.approx(expected, rel=0.1), (b, got, expected)
        error = np.sqrt(np.diag(population) / b / 3000)
        assert np.all(np.abs(draws.mean(axis=0) - exact) < 4 * error), "unbiased"


def _one_point(p, i):
    """``p`` with its data reduced to point ``i`` (for the per-point gradients)."""
    n = int(p[0])
    columns = (len(p) - 2) // n
    return np.concatenate([[1.0, 1.0], [p[2 + k * n + i] for k in range(columns)]])


def test_a_minibatch_run_repeats_with_its_seed_and_a_sweep_cell_equals_it():
    a, b, c = (optviz.simulate("adam", "logistic_regression", steps=60, lr=0.2, batch_size=16, seed=s)
               for s in (1, 1, 2))
    assert np.array_equal(a.xy, b.xy) and not np.array_equal(a.xy, c.xy)
    exact = optviz.simulate("adam", "logistic_regression", steps=60, lr=0.2)
    assert np.array_equal(optviz.simulate("adam", "logistic_regression", steps=60, lr=0.2, batch_size=200).xy,
                          exact.xy), "a batch of every point is the exact gradient"
    assert np.array_equal(a.loss, [surfaces.get("logistic_regression").value(*w) for w in a.xy]), \
        "the loss recorded is the whole data set's"
    sweep = optviz.sweep("adam", "logistic_regression", steps=60, grid={"lr": [0.1, 0.2]}, batch_size=16, seed=1)
    assert sweep.final_loss[1] == a.loss[-1]


def test_the_batch_is_a_run_condition_of_the_link_and_the_cache_tells_batches_apart():
    config, problems = links.parse("?surface=tiny_network&steps=50&run=gd:lr=0.5;batch=8;seed=2&run=gd:lr=0.5")
    assert not problems and dict(config.runs[0].conditions) == {"seed": 2, "batch": 8}
    assert links.parse(links.serialize(config))[0] == config and ";batch=8" in links.serialize(config)
    assert runner.run_key(config, config.runs[0]) != runner.run_key(config, config.runs[1])
    noisy, exact = runner.simulate_config(config)
    assert not np.array_equal(noisy.xy, exact.xy)
    elsewhere = links.parse("?surface=rosenbrock&steps=50&run=gd:lr=0.001;batch=8")[0]
    assert "batch_size" not in elsewhere.simulate_kwargs(elsewhere.runs[0]), "no data: the batch does nothing"
    bad = links.parse("?surface=tiny_network&run=gd;batch=0")[1]
    assert any("batch must be an integer in [1, 100000]" in p for p in bad)
    with pytest.raises(ValueError, match="batch_size needs the loss of a model on data"):
        optviz.simulate("gd", "rosenbrock", batch_size=4)


def test_a_batch_typed_in_a_runs_card_is_kept_and_a_bad_one_refused():
    from optviz.ui import controller
    from tests.test_app_callbacks import controls_of
    config = links.parse("?surface=linear_regression&run=gd:lr=0.2;seed=3;batch=8")[0]
    cards = {"noise": None, "seed": "3", "schedule": "shared", "clip_mode": "shared", "clip": 10.0}
    for typed, kept, flagged in (("16", 16, False), ("", None, False), ("0", 8, True), ("2.5", 8, True)):
        controls = controls_of(config)
        controls.conditions = {("r0", k): v for k, v in {**cards, "batch": typed}.items()}
        out = controller.apply_controls(config, controls)
        assert dict(out.config.runs[0].conditions).get("batch") == kept, typed
        assert ((("r0", "batch") in out.invalid_conditions) == flagged), typed
