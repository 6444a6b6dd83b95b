"""Beale's function: f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2.

A sum of three squared residuals ``r_i = c_i - x + x y^i`` (``c = 1.5, 2.25, 2.625``), so
``df = 2 sum r_i dr_i`` and ``d2f = 2 sum (dr_i dr_i^T + r_i d2r_i)`` with
``dr_i = (y^i - 1, i x y^(i-1))``.  Global minimum f(3, 0.5) = 0.

Reference: E. M. L. Beale, "On an iterative method for finding a local minimum of a function of
more than one variable", Tech. Rep. 25, Statistical Techniques Research Group, Princeton (1958);
the optimizer animations of A. Radford (2014).
"""
from surfaces._base import Surface, gradient_function, hessian_function, value_function


@value_function
def value(x, y, p):
    y2 = y * y
    r1 = 1.5 - x + x * y
    r2 = 2.25 - x + x * y2
    r3 = 2.625 - x + x * y2 * y
    return r1 * r1 + r2 * r2 + r3 * r3


@gradient_function
def gradient(x, y, p):
    y2 = y * y
    y3 = y2 * y
    r1 = 1.5 - x + x * y
    r2 = 2.25 - x + x * y2
    r3 = 2.625 - x + x * y3
    gx = 2.0 * (r1 * (y - 1.0) + r2 * (y2 - 1.0) + r3 * (y3 - 1.0))
    gy = 2.0 * x * (r1 + 2.0 * r2 * y + 3.0 * r3 * y2)
    return gx, gy


@hessian_function
def hessian(x, y, p):
    y2 = y * y
    y3 = y2 * y
    r1 = 1.5 - x + x * y
    r2 = 2.25 - x + x * y2
    r3 = 2.625 - x + x * y3
    a1, a2, a3 = y - 1.0, y2 - 1.0, y3 - 1.0             # dr_i/dx
    b1, b2, b3 = x, 2.0 * x * y, 3.0 * x * y2            # dr_i/dy
    hxx = 2.0 * (a1 * a1 + a2 * a2 + a3 * a3)
    hxy = 2.0 * (a1 * b1 + a2 * b2 + a3 * b3 + r1 + 2.0 * r2 * y + 3.0 * r3 * y2)
    hyy = 2.0 * (b1 * b1 + b2 * b2 + b3 * b3 + 2.0 * r2 * x + 6.0 * r3 * x * y)
    return hxx, hxy, hyy


SURFACE = Surface(
    name="beale",
    title="Beale",
    latex=r"f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-4.5, 4.5), (-4.5, 4.5)),
    start=(0.7, 1.4),
    minima=((3.0, 0.5),),
    log_scale=True,
    note=("Flat plateaus and sharp ridges: the value changes by five orders of magnitude across "
          "the window, and the minimum at (3, 0.5) lies at the end of a narrow curved valley. "
          "Near x = 0 the surface is almost flat, so methods that scale the step by the gradient's "
          "size crawl there, while adaptive methods (Adagrad, RMSProp, Adam) move at a steady pace; "
          "too large a step on the steep walls for y > 1 throws plain and momentum methods far off."),
    reference="Beale (1958); picture after A. Radford's optimizer animations (2014)",
)
