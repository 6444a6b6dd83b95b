"""The three-hump camel: f = 2x^2 - 1.05x^4 + x^6/6 + xy + y^2.

Global minimum f(0, 0) = 0 and two local minima near (+-1.7476, -+0.8738) with f = 0.2986,
Newton-refined here to double precision (the function is odd-symmetric: f(-x, -y) = f(x, y)).

Reference: Jamil and Yang, "A literature survey of benchmark functions for global optimisation
problems" (2013), function 29; Dixon and Szego (eds.), "Towards Global Optimisation 2" (1978).
"""
from surfaces._base import Surface, gradient_function, hessian_function, value_function


@value_function
def value(x, y, p):
    x2 = x * x
    return x2 * (2.0 - 1.05 * x2 + x2 * x2 / 6.0) + x * y + y * y


@gradient_function
def gradient(x, y, p):
    x2 = x * x
    return x * (4.0 - 4.2 * x2 + x2 * x2) + y, x + 2.0 * y


@hessian_function
def hessian(x, y, p):
    x2 = x * x
    return 4.0 - 12.6 * x2 + 5.0 * x2 * x2, 1.0, 2.0


SURFACE = Surface(
    name="three_hump_camel",
    title="Three-hump camel",
    latex=r"f(x, y) = 2x^2 - 1.05x^4 + \tfrac{x^6}{6} + xy + y^2",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-2.5, 2.5), (-2.0, 2.0)),
    start=(2.2, 1.5),
    minima=(
        (0.0, 0.0),
        (1.7475523458302888, -0.8737761729151444),
        (-1.7475523458302888, 0.8737761729151444),
    ),
    note=("One global minimum in a central bowl and two shallow side pockets, separated by low "
          "passes. A descent method started on the outer slope stops in the side pocket nearest "
          "its start; momentum, or a larger step, may carry it over the pass into the central "
          "bowl. A compact picture of how basins of attraction depend on the optimizer."),
    reference="Jamil & Yang (2013), no. 29; Dixon & Szego (1978)",
)
