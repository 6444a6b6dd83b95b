"""The six-hump camel back: f = (4 - 2.1x^2 + x^4/3) x^2 + xy + (-4 + 4y^2) y^2.

Six local minima, symmetric under (x, y) -> (-x, -y): two global ones near (0.0898, -0.7126)
and (-0.0898, 0.7126) with f = -1.0316284534898774, two near (+-1.7036, -+0.7961) with
f = -0.2155 and two near (+-1.6071, +-0.5687) with f = 2.1043; all Newton-refined here.

Reference: Dixon and Szego (eds.), "Towards Global Optimisation 2" (1978); Molga and Smutnicki,
"Test functions for optimization needs" (2005).
"""
from surfaces._base import Surface, gradient_function, hessian_function, value_function


@value_function
def value(x, y, p):
    x2 = x * x
    y2 = y * y
    return (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (-4.0 + 4.0 * y2) * y2


@gradient_function
def gradient(x, y, p):
    x2 = x * x
    return x * (8.0 - 8.4 * x2 + 2.0 * x2 * x2) + y, x + y * (-8.0 + 16.0 * y * y)


@hessian_function
def hessian(x, y, p):
    x2 = x * x
    return 8.0 - 25.2 * x2 + 10.0 * x2 * x2, 1.0, -8.0 + 48.0 * y * y


SURFACE = Surface(
    name="six_hump_camel",
    title="Six-hump camel back",
    latex=r"f(x, y) = \left(4 - 2.1x^2 + \tfrac{x^4}{3}\right)x^2 + xy + (-4 + 4y^2)\,y^2",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-2.0, 2.0), (-1.0, 1.0)),
    start=(-1.33, -0.83),
    minima=(
        (0.08984201310031807, -0.7126564030207396),
        (-0.08984201310031807, 0.7126564030207396),
        (1.7036067149699807, -0.7960835686726252),
        (-1.7036067149699807, 0.7960835686726252),
        (1.6071047529201974, 0.5686514548841314),
        (-1.6071047529201972, -0.5686514548841314),
    ),
    note=("Six minima, two of them global, on a surface that is flat in the middle and rises "
          "steeply at the edges. Local methods end in whichever basin their first steps choose: "
          "from the default start, on the edge between two basins, gradient descent and momentum "
          "settle in the poor minimum at (-1.61, -0.57) (f = 2.10) while Adam, whose first steps "
          "point diagonally, reaches the global one at (0.09, -0.71); Newton's method stops on "
          "the saddle in between. The two global minima mirror each other through the origin."),
    reference="Dixon & Szego (1978); Molga & Smutnicki (2005)",
)
