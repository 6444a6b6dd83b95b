"""Himmelblau's function: f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2.

Two squared residuals ``a = x^2 + y - 11`` and ``b = x + y^2 - 7``:
``df/dx = 4 a x + 2 b``, ``df/dy = 2 a + 4 b y``.  Four global minima, all with f = 0: (3, 2) and
three irrational ones, here Newton-refined to double precision.  There is also a local maximum
near (-0.2708, -0.9230) and four saddle points between the basins.

Reference: D. M. Himmelblau, "Applied Nonlinear Programming", McGraw-Hill (1972).
"""
from surfaces._base import Surface, gradient_function, hessian_function, value_function


@value_function
def value(x, y, p):
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return a * a + b * b


@gradient_function
def gradient(x, y, p):
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return 4.0 * a * x + 2.0 * b, 2.0 * a + 4.0 * b * y


@hessian_function
def hessian(x, y, p):
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return 4.0 * a + 8.0 * x * x + 2.0, 4.0 * (x + y), 2.0 + 4.0 * b + 8.0 * y * y


SURFACE = Surface(
    name="himmelblau",
    title="Himmelblau",
    latex=r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-5.0, 5.0), (-5.0, 5.0)),
    start=(0.3, -1.0),
    minima=(
        (3.0, 2.0),
        (-2.805118086952745, 3.131312518250573),
        (-3.779310253377747, -3.283185991286169),
        (3.5844283403304917, -1.8481265269644034),
    ),
    log_scale=True,
    note=("Four equally good minima, separated by four saddles and a local maximum near "
          "(-0.27, -0.92). Which one an optimizer reaches depends on the start and on its own "
          "dynamics: from the default start, below the central hill, gradient descent rolls into "
          "the minimum at (3.58, -1.85) while Adam, which moves along both coordinates at a similar "
          "pace, ends at (3, 2). Newton's method climbs onto the local maximum, because it seeks "
          "any point where the gradient vanishes. A small picture of why the solution a training "
          "run finds depends on its initialisation and its optimizer."),
    reference="Himmelblau (1972)",
)
