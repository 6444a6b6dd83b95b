"""The loss of least-squares linear regression in its two parameters, on 200 points.

``L(w, b) = 1/(2n) sum_i (w u_i + b - t_i)^2`` over the data of ``surfaces/data/
linear_regression.csv`` (``u ~ N(2, 0.6)``, ``t = 1.2 u - 0.8`` plus noise).  With residuals
``r_i = w u_i + b - t_i``: ``dL/dw = mean(r u)``, ``dL/db = mean(r)``, and the Hessian is the
constant ``[[mean(u^2), mean(u)], [mean(u), 1]]``.  Because the feature is not centred (its mean
is 2, its spread 0.6) the Hessian's eigenvalues are about 5.3 and 0.07: a long, narrow valley,
condition number about 80.  Centring the feature would make it round: the classic reason to
standardise inputs before gradient descent.

Reference: the data are generated (seed 2026); see e.g. Goodfellow, Bengio and Courville, *Deep
Learning* (2016), sections 5.1.4 and 8.2.
"""
import numpy as np

from surfaces._base import gradient_function, hessian_function, value_function
from surfaces._data import batch_of, load, model_surface

DATA = load("linear_regression")


@value_function
def value(x, y, p):
    n = int(p[0])
    total = 0.0
    for i in range(n):
        r = x * p[2 + i] + y - p[2 + n + i]
        total += r * r
    return 0.5 * total / n


@gradient_function
def gradient(x, y, p):
    """Over the whole data set, or a minibatch (``surfaces._data.batch_of``)."""
    n = int(p[0])
    points, count = batch_of(p)
    gw = gb = 0.0
    for k in range(count):
        i = points[k]
        u = p[2 + i]
        r = x * u + y - p[2 + n + i]
        gw += r * u
        gb += r
    return gw / count, gb / count


@hessian_function
def hessian(x, y, p):
    n = int(p[0])
    suu = su = 0.0
    for i in range(n):
        u = p[2 + i]
        suu += u * u
        su += u
    return suu / n, su / n, 1.0


_u, _t = DATA[:, 0], DATA[:, 1]
_closed_form = np.linalg.solve([[np.mean(_u * _u), np.mean(_u)], [np.mean(_u), 1.0]],
                               [np.mean(_u * _t), np.mean(_t)])

SURFACE = model_surface(
    DATA, [tuple(_closed_form)],
    name="linear_regression",
    title="Linear regression loss",
    latex=r"L(w, b) = \frac{1}{2n} \sum_{i=1}^{n} (w\,u_i + b - t_i)^2",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-1.0, 3.5), (-5.0, 3.0)),
    start=(-0.5, 2.0),
    log_scale=True,
    suggested={"gd": {"lr": 0.3}, "momentum": {"lr": 0.05, "momentum": 0.9}, "adam": {"lr": 0.1},
               "rmsprop": {"lr": 0.05}},
    note=("The loss of fitting a line t = w u + b to 200 points by least squares, over the slope w (x "
          "axis) and the intercept b (y axis). The inputs u are not centred (their mean is 2), so w and b "
          "trade off against each other: the loss is a long, narrow valley (condition number about 70) "
          "along which gradient descent crawls once it has reached the floor. Momentum and Adam do better; "
          "Newton's method, on this quadratic, lands on the minimum in one step."),
    reference="Generated data (seed 2026); Goodfellow, Bengio and Courville, Deep Learning (2016), 5.1.4, 8.2",
)
