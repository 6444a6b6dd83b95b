"""The Styblinski-Tang function in 2-D: f = (x^4 - 16x^2 + 5x + y^4 - 16y^2 + 5y) / 2.

Separable: each coordinate sees h(t) = (t^4 - 16t^2 + 5t) / 2, whose minima are the roots of
h'(t) = 2t^3 - 16t + 5/2 with h'' = 6t^2 - 16 > 0: t = -2.903534... (global, h = -39.166...)
and t = 2.746802... (local, h = -25.03...).  Their four combinations are the minima of f;
global f(-2.9035, -2.9035) = -78.33233140754282.

Reference: Styblinski and Tang, "Experiments in nonconvex optimization: stochastic approximation
with function smoothing and simulated annealing", Neural Networks 3 (1990).
"""
from surfaces._base import Surface, gradient_function, hessian_function, value_function

_LOW, _HIGH = -2.903534027771177, 2.746802770990837   # the 1-D minima (Newton-refined)


@value_function
def value(x, y, p):
    x2 = x * x
    y2 = y * y
    return 0.5 * (x2 * x2 - 16.0 * x2 + 5.0 * x + y2 * y2 - 16.0 * y2 + 5.0 * y)


@gradient_function
def gradient(x, y, p):
    return 2.0 * x * x * x - 16.0 * x + 2.5, 2.0 * y * y * y - 16.0 * y + 2.5


@hessian_function
def hessian(x, y, p):
    return 6.0 * x * x - 16.0, 0.0, 6.0 * y * y - 16.0


SURFACE = Surface(
    name="styblinski_tang",
    title="Styblinski-Tang",
    latex=r"f(x, y) = \tfrac12\left(x^4 - 16x^2 + 5x + y^4 - 16y^2 + 5y\right)",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-5.0, 5.0), (-5.0, 5.0)),
    start=(4.8, 4.2),
    minima=((_LOW, _LOW), (_LOW, _HIGH), (_HIGH, _LOW), (_HIGH, _HIGH)),
    note=("Four minima at the corners of a square, one per combination of the two 1-D minima: the "
          "global one lower left, the worst upper right, a local maximum near the centre. The "
          "surface is separable, so each coordinate decides its own fate. From the default start "
          "on the steep outer wall, gradient descent and Adam stop in the nearest (worst) minimum; "
          "momentum gathers speed on the wall and coasts over the central ridge in x only "
          "(lr 0.002, mu 0.9) or in both coordinates (lr 0.01) to reach the global minimum."),
    reference="Styblinski & Tang (1990)",
)
