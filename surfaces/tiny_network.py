"""The loss of a neural network with one hidden unit, in its two weights, on 200 points.

``L(a, c) = 1/(2n) sum_i (c tanh(a u_i) - t_i)^2`` over the data of ``surfaces/data/
tiny_network.csv`` (``u ~ U(-2, 2)``, ``t = tanh(1.5 u)`` plus noise); ``(a, c) = (x, y)``, the
input weight and the output weight.  With ``h_i = tanh(a u_i)``, ``h'_i = (1 - h_i^2) u_i`` and
residuals ``r_i = c h_i - t_i``: ``dL/da = mean(r c h')``, ``dL/dc = mean(r h)``,
``d2L/dc2 = mean(h^2)``, ``d2L/da dc = mean(h h' c + r h')``,
``d2L/da2 = mean((c h')^2 - 2 r c h h' u)``.  Not convex: two minima, ``(a, c)`` and ``(-a, -c)``
(flipping both signs computes the same function), a saddle point at the origin between them, and
plateaus where ``tanh`` saturates.

Reference: the data are generated (seed 2026); on the symmetries and saddles of network losses
see Dauphin et al., "Identifying and attacking the saddle point problem in high-dimensional
non-convex optimization", NeurIPS (2014).
"""
import math

from surfaces._base import gradient_function, hessian_function, value_function
from surfaces._data import batch_of, load, model_surface

DATA = load("tiny_network")


@value_function
def value(x, y, p):
    n = int(p[0])
    total = 0.0
    for i in range(n):
        r = y * math.tanh(x * p[2 + i]) - p[2 + n + i]
        total += r * r
    return 0.5 * total / n


@gradient_function
def gradient(x, y, p):
    """Over the whole data set, or a minibatch (``surfaces._data.batch_of``)."""
    n = int(p[0])
    points, count = batch_of(p)
    ga = gc = 0.0
    for k in range(count):
        i = points[k]
        u = p[2 + i]
        h = math.tanh(x * u)
        r = y * h - p[2 + n + i]
        ga += r * y * (1.0 - h * h) * u
        gc += r * h
    return ga / count, gc / count


@hessian_function
def hessian(x, y, p):
    n = int(p[0])
    haa = hac = hcc = 0.0
    for i in range(n):
        u = p[2 + i]
        h = math.tanh(x * u)
        dh = (1.0 - h * h) * u
        r = y * h - p[2 + n + i]
        haa += (y * dh) ** 2 - 2.0 * r * y * h * dh * u
        hac += h * dh * y + r * dh
        hcc += h * h
    return haa / n, hac / n, hcc / n


SURFACE = model_surface(
    DATA, [(1.5, 1.0), (-1.5, -1.0)],
    name="tiny_network",
    title="One-unit network loss",
    latex=r"L(a, c) = \frac{1}{2n} \sum_{i=1}^{n} \left(c \tanh(a\,u_i) - t_i\right)^2",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-4.0, 4.0), (-3.0, 3.0)),
    start=(-0.4, 2.5),
    log_scale=True,
    suggested={"gd": {"lr": 0.5}, "momentum": {"lr": 0.1, "momentum": 0.9}, "adam": {"lr": 0.05},
               "rmsprop": {"lr": 0.02}},
    note=("The loss of the smallest neural network there is: one tanh unit, input weight a (x axis) and "
          "output weight c (y axis), fitted to 200 noisy points of t = tanh(1.5 u). Flipping both signs gives "
          "the same network, so there are two equally good minima, mirror images, with a saddle point at the "
          "origin between them; where a is large, tanh saturates and the loss is a plateau. Which minimum a "
          "run reaches depends on which side of the saddle it starts; near the origin every optimizer stalls "
          "for a while: a miniature of the saddles of real networks."),
    reference="Generated data (seed 2026); Dauphin et al., NeurIPS (2014)",
)
