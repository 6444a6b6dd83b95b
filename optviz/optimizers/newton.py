"""Newton's method, damped and with two modifications for indefinite Hessians.

.. math::
    g_t &= \\nabla f(\\theta_{t-1}), \\quad H_t = \\nabla^2 f(\\theta_{t-1})
        = \\textstyle\\sum_i \\mu_i v_i v_i^\\top \\\\
    M_t &= H_t + \\lambda I \\quad\\text{(none)} \\\\
    M_t &= H_t + (\\lambda + \\max(0, \\delta - \\mu_{\\min})) I,
        \\ \\delta = 10^{-8} \\max_i |\\mu_i| \\quad\\text{(shift)} \\\\
    M_t &= \\textstyle\\sum_i |\\mu_i| v_i v_i^\\top + \\lambda I \\quad\\text{(abs)} \\\\
    \\theta_t &= \\theta_{t-1} - \\eta_t M_t^{-1} g_t, \\quad\\text{or}\\quad
        \\theta_t = \\theta_{t-1} - \\eta_t g_t \\ \\text{if } M_t \\text{ is singular}

``eta_t`` is ``lr`` (a step multiplier, 1 for a full Newton step) times the schedule's factor.

* ``none`` with ``damping = 0`` is pure Newton: it jumps to the stationary point of the local
  quadratic model, a minimum, a maximum or a saddle alike (on ``x^2 - y^2`` it goes straight to the
  saddle).  On a quadratic bowl it reaches the minimum in one step.
* ``shift`` (Levenberg-style) adds just enough to the diagonal to make ``M`` positive definite, so
  the step always points downhill.  Where the Hessian is indefinite and ``damping = 0`` the smallest
  eigenvalue of ``M`` is the tiny ``delta``, and the step along that direction is huge (the run may
  leave the plot and stop as diverged); ``damping`` bounds it to about ``|g| / damping``.
* ``abs`` is the saddle-free Newton method of Dauphin et al. (2014): the Hessian's eigenvalues are
  replaced by their absolute values, so curvature sets the step length in every direction but the
  step goes downhill along negative curvature, away from saddles.

When ``M`` is singular (its smallest eigenvalue in magnitude is below ``1e-12`` times its largest,
or it is zero or not finite) the step falls back to gradient descent, ``theta -= eta g``, and the
state's ``fallback`` column is 1.  With gradient noise the gradient is noisy and the Hessian
exact.  At a stationary point (``g = 0``) the step is zero and the method stays put.  Cost per
step: one gradient and one Hessian.

Reference: Nocedal and Wright, *Numerical Optimization* (2006), ch. 3.4; Levenberg (1944);
Dauphin, Pascanu, Gulcehre, Cho, Ganguli and Bengio, "Identifying and attacking the saddle point
problem in high-dimensional non-convex optimization", NeurIPS (2014).
"""
import math

from optviz.drivers import second_order
from optviz.jit import jit
from optviz.spec import Hyperparameter, OptimizerSpec

NONE, SHIFT, ABS = 0.0, 1.0, 2.0
#: Relative margin of the "shift" modification.
SHIFT_MARGIN = 1e-8
#: M is treated as singular when min |mu| <= SINGULAR * max |mu|.
SINGULAR = 1e-12


@jit
def symmetric_eigen(a, b, c):
    """Eigen-decomposition of ``[[a, b], [b, c]]``: ``(mu_min, mu_max, vx, vy)`` with ``(vx, vy)``
    the unit eigenvector of ``mu_min``; ``(-vy, vx)`` is that of ``mu_max``."""
    mean = 0.5 * (a + c)
    radius = math.hypot(0.5 * (a - c), b)
    angle = 0.5 * math.atan2(2.0 * b, a - c)   # direction of the largest eigenvalue's eigenvector
    return mean - radius, mean + radius, -math.sin(angle), math.cos(angle)


@jit
def init(hp, x, y):
    """No memory: each step uses only the gradient and Hessian where it stands."""
    return (0.0,), (0.0, 0.0, 0.0, 0.0)


@jit
def update(state, x, y, gx, gy, hxx, hxy, hyy, hp, factor, t):
    lr, damping, modification = hp[0], hp[1], hp[2]
    eta = lr * factor
    mu_min, mu_max, vx, vy = symmetric_eigen(hxx, hxy, hyy)
    # the eigenvalues m1, m2 of M along the eigenvectors v1 = (vx, vy), v2 = (-vy, vx)
    if modification == SHIFT:
        margin = SHIFT_MARGIN * max(abs(mu_min), abs(mu_max))
        shift = damping + max(0.0, margin - mu_min)
        m1, m2 = mu_min + shift, mu_max + shift
    elif modification == ABS:
        shift = damping
        m1, m2 = abs(mu_min) + shift, abs(mu_max) + shift
    else:
        shift = damping
        m1, m2 = mu_min + shift, mu_max + shift
    largest = max(abs(m1), abs(m2))
    if min(abs(m1), abs(m2)) > SINGULAR * largest and largest < math.inf:
        # M^-1 g = sum_i (v_i . g / m_i) v_i
        c1 = (vx * gx + vy * gy) / m1
        c2 = (vx * gy - vy * gx) / m2
        dx = c1 * vx - c2 * vy
        dy = c1 * vy + c2 * vx
        fallback = 0.0
    else:
        dx, dy = gx, gy
        fallback = 1.0
    x -= eta * dx
    y -= eta * dy
    return state, x, y, (mu_min, mu_max, shift, fallback)


newton = second_order(init, update)


SPECS = (
    OptimizerSpec(
        name="newton", title="Newton's method", family="second-order",
        update=r"\theta_t = \theta_{t-1} - \eta\,(\nabla^2 f(\theta_{t-1}) + \lambda I)^{-1}\nabla f(\theta_{t-1})",
        hyperparameters=(
            Hyperparameter("lr", 1.0, 0.0, 10.0, low_open=True, log=True, slider=(1e-3, 2.0),
                           help="Step multiplier eta: 1 is a full Newton step."),
            Hyperparameter("damping", 0.0, 0.0, 1e4, slider=(0.0, 100.0),
                           help="lambda added to the Hessian's diagonal; large values turn Newton into "
                                "gradient descent with step 1 / lambda."),
            Hyperparameter("modification", "none", kind="choice", choices=("none", "shift", "abs"),
                           help="For indefinite Hessians. none: as is (goes to saddles).  shift: add just "
                                "enough to make H positive definite.  abs: saddle-free Newton, |H|."),
        ),
        kernel=newton, state=("eig_min", "eig_max", "shift", "fallback"),
        reference="Nocedal and Wright (2006), ch. 3.4; Levenberg (1944); Dauphin et al. (2014)",
        note=("Jump to the minimum of the local quadratic model: one step on a quadratic bowl, fast near "
              "a minimum, but drawn to saddles and maxima as much as to minima unless modified."),
        lineage=("Compared with gradient descent, Newton's method divides the gradient by the curvature (the "
                 "Hessian), jumping to the stationary point of the local quadratic model: a quadratic bowl in one "
                 "step, and very fast convergence near a minimum. But that point is wherever the gradient "
                 "vanishes, a minimum, a maximum or a saddle alike, so pure Newton is drawn to saddles; the shift "
                 "and abs modifications make it go downhill. Each step costs a Hessian and a linear solve."),
    ),
)
