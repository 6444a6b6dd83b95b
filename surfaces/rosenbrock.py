"""Rosenbrock's banana: f = (1 - x)^2 + 100 (y - x^2)^2.

Reference: H. H. Rosenbrock, "An automatic method for finding the greatest or least value of a
function", The Computer Journal 3 (1960).  Derivatives as ``scipy.optimize.rosen_der`` /
``rosen_hess``.
"""
from surfaces._base import Surface, gradient_function, hessian_function, value_function


@value_function
def value(x, y, p):
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


@gradient_function
def gradient(x, y, p):
    return -2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)


@hessian_function
def hessian(x, y, p):
    return 2.0 - 400.0 * (y - x * x) + 800.0 * x * x, -400.0 * x, 200.0


SURFACE = Surface(
    name="rosenbrock",
    title="Rosenbrock",
    latex=r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-2.0, 2.0), (-1.0, 3.0)),
    start=(-1.2, 1.0),
    minima=((1.0, 1.0),),
    log_scale=True,
    note=("A curved, flat-bottomed valley around the parabola y = x^2. Finding the valley is easy; "
          "following its bend to the minimum at (1, 1) is slow, because the curvature across the "
          "valley is hundreds of times larger than along it. Plain gradient descent zig-zags or "
          "crawls; momentum and adaptive methods move faster; Newton-type methods follow the bend."),
    reference="Rosenbrock (1960)",
)
