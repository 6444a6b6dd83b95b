"""The saddle f = x^2 - y^2: a bowl along x, a dome along y, and no minimum at all.

The origin is a stationary point (gradient zero) with Hessian diag(2, -2).  Starting almost on
the ridge y = 0, gradient descent shrinks x by the factor (1 - 2 lr) each step but grows y only
by (1 + 2 lr), so it lingers near the saddle for about log(1 / y0) / log(1 + 2 lr) steps.

Reference: the saddle-point animation of A. Radford (2014); Dauphin et al., "Identifying and
attacking the saddle point problem in high-dimensional non-convex optimization" (NeurIPS 2014).
"""
from surfaces._base import Surface, gradient_function, hessian_function, value_function


@value_function
def value(x, y, p):
    return x * x - y * y


@gradient_function
def gradient(x, y, p):
    return 2.0 * x, -2.0 * y


@hessian_function
def hessian(x, y, p):
    return 2.0, 0.0, -2.0


SURFACE = Surface(
    name="saddle",
    title="Saddle point",
    latex=r"f(x, y) = x^2 - y^2",
    value_fn=value, gradient_fn=gradient, hessian_fn=hessian,
    domain=((-1.5, 1.5), (-1.5, 1.5)),
    start=(1.0, 1e-3),
    # gradient descent slow enough to slide into the saddle and linger, the others as in the lesson
    suggested={"gd": {"lr": 0.02}, "momentum": {"lr": 0.02}, "adam": {"lr": 0.05}, "rmsprop": {"lr": 0.01}},
    minima=(),
    note=("There is no minimum: the way down is along y, away from the saddle at the origin. The "
          "start sits a hair off the ridge y = 0, so the gradient points almost straight at the "
          "saddle. Gradient descent and momentum slide into it and need many steps before the tiny "
          "y component has grown enough to carry them off; Adagrad, RMSProp and Adam rescale that "
          "tiny component and leave almost at once. Newton's method jumps straight onto the "
          "saddle, since it seeks any point where the gradient vanishes. Every run that escapes "
          "diverges: the loss has no lower bound."),
    reference="Radford (2014); Dauphin et al. (2014)",
)
