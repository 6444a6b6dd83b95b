"""An ill-conditioned quadratic bowl: f = 0.5 [x y] A [x y]^T.

``A = R(theta) diag(1, kappa) R(theta)^T``: curvature 1 along the direction at angle ``theta``
(degrees) and ``kappa`` (the condition number) across it.  The minimum is at the origin.
"""
import math

import numpy as np

from surfaces._base import Hyperparameter, Surface, gradient_function, hessian_function, value_function


@value_function
def value(x, y, p):
    return 0.5 * (p[0] * x * x + 2.0 * p[1] * x * y + p[2] * y * y)


@gradient_function
def gradient(x, y, p):
    return p[0] * x + p[1] * y, p[1] * x + p[2] * y


@hessian_function
def hessian(x, y, p):
    return p[0], p[1], p[2]


def matrix(condition, rotation):
    """``(a11, a12, a22)`` of ``A = R diag(1, condition) R^T``, ``R`` a rotation by ``rotation`` degrees."""
    c, s = math.cos(math.radians(rotation)), math.sin(math.radians(rotation))
    return np.array([c * c + condition * s * s, (1.0 - condition) * c * s, s * s + condition * c * c])


def suggested(condition, rotation):
    """Learning rates that show the lesson at any condition number kappa (curvatures 1 and kappa):
    gradient descent at its best constant rate 2 / (kappa + 1), which zig-zags across the steep
    axis and crawls along the flat one at the same rate (kappa - 1) / (kappa + 1); heavy-ball
    momentum at Polyak's best rate and momentum, which converge at (sqrt(kappa) - 1) / (sqrt(kappa) + 1)."""
    root = math.sqrt(condition)
    heavy_ball = {"lr": 4.0 / (root + 1.0) ** 2, "momentum": ((root - 1.0) / (root + 1.0)) ** 2}
    return {"gd": {"lr": 2.0 / (condition + 1.0)}, "momentum": heavy_ball, "nesterov": heavy_ball,
            "adam": {"lr": 0.1}, "rmsprop": {"lr": 0.05}}


SURFACE = Surface(
    name="quadratic",
    title="Ill-conditioned quadratic",
    latex=r"f(x, y) = \tfrac12 \begin{bmatrix}x & y\end{bmatrix} A \begin{bmatrix}x \\ y\end{bmatrix},"
          r"\quad A = R_\theta \operatorname{diag}(1, \kappa) R_\theta^\top",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-3.0, 3.0), (-3.0, 3.0)),
    start=(-2.5, 1.5),
    minima=((0.0, 0.0),),
    parameters=(
        Hyperparameter("condition", 10.0, 1.0, 1e4, log=True, slider=(1.0, 1000.0),
                       help="kappa: ratio of the largest to the smallest curvature."),
        Hyperparameter("rotation", 0.0, -90.0, 90.0, help="theta: angle of the bowl's long axis, in degrees."),
    ),
    make_params=matrix,
    suggested=suggested,
    note=("The simplest picture of ill-conditioning. Gradient descent is stable only for "
          "lr < 2 / kappa, so it crawls along the flat axis while oscillating across the steep one; "
          "momentum damps the zig-zag, and Newton's method reaches the minimum in a single step. "
          "Rotating the bowl shows which methods are coordinate-wise (Adam, signSGD) and which are not."),
    reference="Nocedal & Wright, Numerical Optimization, 2nd ed. (2006), sec. 3.3 (steepest descent on a quadratic)",
)
