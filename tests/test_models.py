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
