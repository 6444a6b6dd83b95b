"""BFGS: a quasi-Newton method that learns the inverse Hessian from gradient differences.

Nocedal and Wright, *Numerical Optimization* (2006), Algorithm 6.1:

.. math::
    d_t &= -H_{t-1} g_{t-1} \\qquad (H_0 = I) \\\\
    \\alpha_t &= \\text{strong Wolfe line search along } d_t \\text{ from } \\alpha = \\eta_t
        \\ (c_1 = 10^{-4}, c_2 = 0.9) \\\\
    s_t &= \\alpha_t d_t, \\quad \\theta_t = \\theta_{t-1} + s_t, \\quad y_t = g_t - g_{t-1},
        \\quad \\rho_t = 1 / y_t^\\top s_t \\\\
    H_t &= (I - \\rho_t s_t y_t^\\top) H_{t-1} (I - \\rho_t y_t s_t^\\top) + \\rho_t s_t s_t^\\top
        \\quad\\text{if } y_t^\\top s_t > 0, \\text{ else } H_t = H_{t-1} \\\\
    H_t &= I, \\ \\theta_t = \\theta_{t-1} \\quad\\text{if the search finds no step}

``H_0 = I`` as in ``scipy.optimize.minimize(method="BFGS")`` (Nocedal and Wright suggest scaling
it after the first step instead); ``eta_t`` is ``lr`` (1: the quasi-Newton step is tried first)
times the schedule's factor.  The update is skipped when ``y^T s <= 0`` (possible only when the
search stopped short of the Wolfe conditions, or with noise) or would not be finite.  When the
search finds no step, ``H`` is reset to ``I``; if even steepest descent finds none the point stays
where it is (and, without noise and with a constant schedule, the run stops counting evaluations).
With gradient noise the function values stay exact and ``y`` carries the noise of two gradients.

The state holds the entries of ``H`` (the inverse-Hessian estimate; the app can draw it as an
ellipse).  Cost per step: the line search's evaluations (its last gradient is the next step's),
plus one value and one gradient at the start.

Reference: Broyden (1970), Fletcher (1970), Goldfarb (1970), Shanno (1970); Nocedal and Wright
(2006), ch. 6.1.
"""
import math

from optviz.jit import kernel
from optviz.kernels import options, record, schedule
from optviz.linesearch import C1, C2_QUASI_NEWTON, MAX_ITER, phi, phi_gradient, repeatable, strong_wolfe
from optviz.spec import Hyperparameter, OptimizerSpec


@kernel
def bfgs(value, gradient, hessian, p, x, y, steps, hp, opts, xy, loss, counts, state):
    lr = hp[0]
    o = options(opts)
    status = record(value(x, y, p), x, y, 0, 0, 0, 0, xy, loss, counts, o)
    if status:
        return 0, status
    h11, h12, h22 = 1.0, 0.0, 1.0
    state[0, 0], state[0, 1], state[0, 2] = h11, h12, h22
    fe = ge = 0
    f = gx = gy = 0.0
    known = False
    stalled = False
    for t in range(1, steps + 1):
        eta = lr * schedule(o, t - 1, steps)
        if not stalled:
            if not known:
                f = phi(value, p, x, y, 0.0)
                gx, gy = phi_gradient(gradient, p, x, y, 0.0, o)
                fe += 1
                ge += 1
                known = True
            dx = -(h11 * gx + h12 * gy)
            dy = -(h12 * gx + h22 * gy)
            alpha, f_new, gx_new, gy_new, n_f, n_g, ok = strong_wolfe(
                value, gradient, p, x, y, f, gx, gy, dx, dy, eta, C1, C2_QUASI_NEWTON, 0.0, MAX_ITER, o)
            fe += n_f
            ge += n_g
            if alpha > 0.0:
                x = x + alpha * dx
                y = y + alpha * dy
                sx, sy = alpha * dx, alpha * dy
                yx, yy = gx_new - gx, gy_new - gy
                ys = yx * sx + yy * sy
                if ys > 0.0:
                    rho = 1.0 / ys
                    # H y, y^T H y; then H - rho (H y s^T + s y^T H) + (rho^2 y^T H y + rho) s s^T
                    hy1 = h11 * yx + h12 * yy
                    hy2 = h12 * yx + h22 * yy
                    yhy = yx * hy1 + yy * hy2
                    c = rho * rho * yhy + rho
                    n11 = h11 - rho * 2.0 * hy1 * sx + c * sx * sx
                    n12 = h12 - rho * (hy1 * sy + sx * hy2) + c * sx * sy
                    n22 = h22 - rho * 2.0 * hy2 * sy + c * sy * sy
                    if math.isfinite(n11) and math.isfinite(n12) and math.isfinite(n22):
                        h11, h12, h22 = n11, n12, n22
                f, gx, gy = f_new, gx_new, gy_new
            elif not (h11 == 1.0 and h12 == 0.0 and h22 == 1.0):
                h11, h12, h22 = 1.0, 0.0, 1.0
            elif o.noise > 0.0:
                known = False
            elif repeatable(o):
                stalled = True
        status = record(value(x, y, p), x, y, t, fe, ge, 0, xy, loss, counts, o)
        if status:
            return t - 1, status
        state[t, 0] = h11
        state[t, 1] = h12
        state[t, 2] = h22
    return steps, 0


SPECS = (
    OptimizerSpec(
        name="bfgs", title="BFGS", family="quasi-Newton",
        update=r"\theta_t = \theta_{t-1} - \alpha_t H_{t-1} \nabla f(\theta_{t-1}),\quad "
               r"H_t = (I - \rho s y^\top) H_{t-1} (I - \rho y s^\top) + \rho s s^\top",
        hyperparameters=(
            Hyperparameter("lr", 1.0, 0.0, 1e3, low_open=True, log=True, slider=(1e-3, 10.0),
                           help="First step tried by each line search (1: the full quasi-Newton step)."),
        ),
        kernel=bfgs, state=("h11", "h12", "h22"),
        reference="Broyden, Fletcher, Goldfarb and Shanno (1970); Nocedal and Wright (2006), Algorithm 6.1",
        note=("Newton's method without the Hessian: each step's change in gradient teaches it the curvature, "
              "and a line search keeps every step downhill."),
        lineage=("Newton's method without second derivatives: BFGS keeps an estimate H of the inverse Hessian, "
                 "starting from the identity (a gradient step), and corrects it after each step by a rank-two "
                 "update so that it maps the change in gradient y to the step s. A strong Wolfe line search keeps "
                 "every step downhill and H positive definite, and near a minimum it converges almost as fast as "
                 "Newton. It stores a matrix the size of the Hessian."),
    ),
)
