"""The loss of logistic regression in its two weights, on 200 points of two overlapping classes.

``L(w) = mean_i log(1 + exp(-s_i w.z_i)) + (lambda/2) |w|^2`` over the data of ``surfaces/data/
logistic_regression.csv`` (points ``z_i = (u_i, v_i)``, labels ``s_i = +-1``), ``lambda = 0.01``;
``w = (x, y)``, no bias (the classes are centred symmetrically).  With margins ``m_i = s_i w.z_i``
and ``q_i = 1 / (1 + exp(m_i))``: ``grad L = -mean(q s z) + lambda w`` and
``Hess L = mean(q (1 - q) z z^T) + lambda I``.  Convex, with one minimum; far from it the loss
grows linearly, not quadratically (the log-loss of a confident mistake), so its valleys are
straight and its slopes nearly constant (a few units from the minimum).

Reference: the data are generated (seed 2026); see e.g. Bishop, *Pattern Recognition and Machine
Learning* (2006), section 4.3.2.
"""
import math

from surfaces._base import gradient_function, hessian_function, value_function
from surfaces._data import batch_of, load, model_surface

DATA = load("logistic_regression")
#: The weight of the L2 penalty (keeps the minimum finite and the Hessian positive definite).
L2 = 0.01


@value_function
def value(x, y, p):
    n = int(p[0])
    total = 0.0
    for i in range(n):
        m = p[2 + 2 * n + i] * (x * p[2 + i] + y * p[2 + n + i])
        # log(1 + exp(-m)) without overflow: max(-m, 0) + log1p(exp(-|m|))
        total += max(-m, 0.0) + math.log1p(math.exp(-abs(m)))
    return total / n + 0.5 * L2 * (x * x + y * y)


@gradient_function
def gradient(x, y, p):
    """Over the whole data set, or a minibatch (``surfaces._data.batch_of``)."""
    n = int(p[0])
    points, count = batch_of(p)
    gx = gy = 0.0
    for k in range(count):
        i = points[k]
        u, v, s = p[2 + i], p[2 + n + i], p[2 + 2 * n + i]
        m = s * (x * u + y * v)
        q = 1.0 / (1.0 + math.exp(m)) if m < 0.0 else math.exp(-m) / (1.0 + math.exp(-m))
        gx -= q * s * u
        gy -= q * s * v
    return gx / count + L2 * x, gy / count + L2 * y


@hessian_function
def hessian(x, y, p):
    n = int(p[0])
    huu = huv = hvv = 0.0
    for i in range(n):
        u, v, s = p[2 + i], p[2 + n + i], p[2 + 2 * n + i]
        m = s * (x * u + y * v)
        q = 1.0 / (1.0 + math.exp(m)) if m < 0.0 else math.exp(-m) / (1.0 + math.exp(-m))
        c = q * (1.0 - q)
        huu += c * u * u
        huv += c * u * v
        hvv += c * v * v
    return huu / n + L2, huv / n, hvv / n + L2


SURFACE = model_surface(
    DATA, [(1.0, 0.5)],
    name="logistic_regression",
    title="Logistic regression loss",
    latex=(r"L(w) = \frac{1}{n} \sum_{i=1}^{n} \log\left(1 + e^{-s_i\, w \cdot z_i}\right) + "
           r"\frac{\lambda}{2} \lVert w \rVert^2"),
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-6.0, 8.0), (-6.0, 6.0)),
    start=(-5.0, 5.0),
    suggested={"gd": {"lr": 2.0}, "momentum": {"lr": 0.5, "momentum": 0.9}, "adam": {"lr": 0.2},
               "rmsprop": {"lr": 0.1}},
    note=("The loss of a logistic-regression classifier over its two weights w = (x, y), on 200 points of "
          "two overlapping classes, with a small L2 penalty (0.01). It is convex, with one minimum, but only "
          "near the minimum is it a bowl: a few units away the curvature fades and the loss grows linearly, "
          "because a confident mistake costs in proportion to its margin, not its square. From the far corner "
          "gradient descent moves at a steady pace down a nearly flat slope, and slows only near the bottom."),
    reference="Generated data (seed 2026); Bishop, Pattern Recognition and Machine Learning (2006), 4.3.2",
)
