"""Booth's function: f = (x + 2y - 7)^2 + (2x + y - 5)^2.

A convex quadratic (a linear least-squares problem): Hessian [[10, 8], [8, 10]] everywhere,
eigenvalues 2 along (1, -1) and 18 along (1, 1), so condition number 9 with the axes at 45
degrees.  Minimum f(1, 3) = 0.

Reference: Jamil and Yang, "A literature survey of benchmark functions for global optimisation
problems", Int. J. Math. Model. Numer. Optim. 4 (2013), function 24.
"""
from surfaces._base import Surface, gradient_function, hessian_function, value_function


@value_function
def value(x, y, p):
    a = x + 2.0 * y - 7.0
    b = 2.0 * x + y - 5.0
    return a * a + b * b


@gradient_function
def gradient(x, y, p):
    a = x + 2.0 * y - 7.0
    b = 2.0 * x + y - 5.0
    return 2.0 * a + 4.0 * b, 4.0 * a + 2.0 * b


@hessian_function
def hessian(x, y, p):
    return 10.0, 8.0, 10.0


SURFACE = Surface(
    name="booth",
    title="Booth",
    latex=r"f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-4.0, 6.0), (-2.0, 8.0)),
    start=(-3.0, -1.0),
    minima=((1.0, 3.0),),
    note=("A tilted elliptical bowl: a least-squares problem with condition number 9 whose axes lie "
          "along the diagonals. Gradient descent is stable for lr < 1/9 and at larger stable steps "
          "zig-zags across the narrow diagonal; because the axes are not the coordinate axes, "
          "per-coordinate methods such as Adam and signSGD gain little and wobble near the "
          "minimum, while Newton's method and conjugate gradient finish in one and two steps."),
    reference="Jamil & Yang (2013), no. 24",
)
