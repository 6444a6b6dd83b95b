"""Matyas' function: f = 0.26 (x^2 + y^2) - 0.48 x y.

A convex quadratic with Hessian [[0.52, -0.48], [-0.48, 0.52]]: curvature 0.04 along the
diagonal (1, 1) and 1 across it (condition number 25).  Minimum f(0, 0) = 0.

Reference: Jamil and Yang, "A literature survey of benchmark functions for global optimisation
problems" (2013), function 71.
"""
from surfaces._base import Surface, gradient_function, hessian_function, value_function


@value_function
def value(x, y, p):
    return 0.26 * (x * x + y * y) - 0.48 * x * y


@gradient_function
def gradient(x, y, p):
    return 0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x


@hessian_function
def hessian(x, y, p):
    return 0.52, -0.48, 0.52


SURFACE = Surface(
    name="matyas",
    title="Matyas",
    latex=r"f(x, y) = 0.26\,(x^2 + y^2) - 0.48\,xy",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-10.0, 10.0), (-10.0, 10.0)),
    start=(-8.0, -3.0),
    minima=((0.0, 0.0),),
    log_scale=True,
    note=("A shallow trough along the diagonal y = x: the curvature is 1 across it and only 0.04 "
          "along it. Gradient descent quickly drops into the trough and then needs hundreds of "
          "steps to slide along it towards the minimum; momentum and conjugate gradient cover the "
          "distance in a few long strides. Because the trough is diagonal, Adam's per-coordinate "
          "scaling does not undo the ill-conditioning here."),
    reference="Jamil & Yang (2013), no. 71",
)
