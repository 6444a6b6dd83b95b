"""Nonlinear conjugate gradient with a line search.

.. math::
    \\alpha_t &= \\text{line search along } d_t \\text{ from } \\alpha = \\eta_t,
        \\quad \\theta_t = \\theta_{t-1} + \\alpha_t d_t, \\quad g_t = \\nabla f(\\theta_t) \\\\
    y_t &= g_t - g_{t-1} \\\\
    \\beta^{PR+} &= \\max\\Big(0, \\frac{g_t^\\top y_t}{g_{t-1}^\\top g_{t-1}}\\Big), \\quad
    \\beta^{FR} = \\frac{g_t^\\top g_t}{g_{t-1}^\\top g_{t-1}}, \\quad
    \\beta^{HS} = \\frac{g_t^\\top y_t}{d_t^\\top y_t}, \\quad
    \\beta^{DY} = \\frac{g_t^\\top g_t}{d_t^\\top y_t} \\\\
    \\beta_t &= \\beta^{PR+}, \\beta^{FR}, \\beta^{HS} \\text{ or } \\beta^{DY} \\ (\\mathtt{beta});
        \\quad \\beta_t = 0 \\text{ (a restart) every } \\mathtt{restart} \\text{ iterations} \\\\
    &\\qquad \\text{and whenever the } d_{t+1} \\text{ below would not point downhill }
        (g_t^\\top d_{t+1} \\ge 0) \\\\
    d_{t+1} &= -g_t + \\beta_t d_t \\qquad (d_1 = -g_0)

The direction restarts with steepest descent (``beta = 0``) every ``restart`` iterations (the
dimension, 2, by default; 0 never), when ``d_{t+1}`` is not a descent direction
(``g_t^T d_{t+1} >= 0``), when a ``beta`` formula divides by zero, and after a line search that
found no step.  If even a search along ``-g`` finds no step, the point stays where it is (and,
without noise and with a constant schedule, the run stops counting evaluations: the next search
would repeat it).

The line search (see :mod:`optviz.linesearch`) starts from ``eta_t`` (``lr`` times the schedule's
factor): ``wolfe`` is a strong Wolfe search with ``c2 = 0.1``, close to exact as the theory of
conjugacy wants; ``armijo`` backtracks.  With gradient noise the function values stay exact and
the gradients (hence ``beta``) are noisy; after a failed search a fresh gradient is drawn.

Reference: Fletcher and Reeves, "Function minimization by conjugate gradients", Computer J. 7
(1964); Polak and Ribiere (1969); Hestenes and Stiefel (1952); Dai and Yuan, SIAM J. Optim. 10
(1999); Nocedal and Wright, *Numerical Optimization* (2006), ch. 5.2.
"""
import math

from optviz.jit import kernel
from optviz.kernels import options, record, schedule
from optviz.linesearch import C1, C2_CG, MAX_ITER, RHO, armijo, phi, phi_gradient, repeatable, strong_wolfe
from optviz.spec import Hyperparameter, OptimizerSpec

POLAK_RIBIERE, FLETCHER_REEVES, HESTENES_STIEFEL, DAI_YUAN = 0.0, 1.0, 2.0, 3.0
WOLFE, ARMIJO = 0.0, 1.0


@kernel
def cg(value, gradient, hessian, p, x, y, steps, hp, opts, xy, loss, counts, state):
    lr, beta, line_search, restart = hp[0], hp[1], hp[2], hp[3]
    o = options(opts)
    status = record(value(x, y, p), x, y, 0, 0, 0, 0, xy, loss, counts, o)
    if status:
        return 0, status
    state[0, :] = 0.0
    fe = ge = 0
    f = gx = gy = dx = dy = 0.0
    beta_t = 0.0
    known = False      # f and g at the current point are known
    steepest = True    # the current direction d is -g
    since_restart = 0  # iterations along the current run of conjugate directions
    stalled = False
    for t in range(1, steps + 1):
        eta = lr * schedule(o, t - 1, steps)
        alpha = 0.0
        if stalled:
            record_dx, record_dy, record_beta = 0.0, 0.0, 0.0
        else:
            if not known:
                f = phi(value, p, x, y, 0.0)
                gx, gy = phi_gradient(gradient, p, x, y, 0.0, o)
                fe += 1
                ge += 1
                known = True
                dx, dy, beta_t, steepest, since_restart = -gx, -gy, 0.0, True, 0
            if line_search == ARMIJO:
                alpha, f_new, gx_new, gy_new, n_f, n_g, ok = armijo(
                    value, gradient, p, x, y, f, gx, gy, dx, dy, eta, C1, RHO, 0.0, MAX_ITER, o)
            else:
                alpha, f_new, gx_new, gy_new, n_f, n_g, ok = strong_wolfe(
                    value, gradient, p, x, y, f, gx, gy, dx, dy, eta, C1, C2_CG, 0.0, MAX_ITER, o)
            fe += n_f
            ge += n_g
            record_dx, record_dy, record_beta = dx, dy, beta_t
            if alpha > 0.0:
                x = x + alpha * dx
                y = y + alpha * dy
                since_restart += 1
                # beta_t from the new gradient, the old one and the direction just searched
                yx = gx_new - gx
                yy = gy_new - gy
                gg_old = gx * gx + gy * gy
                dy_dot = dx * yx + dy * yy
                if beta == FLETCHER_REEVES:
                    numerator, denominator = gx_new * gx_new + gy_new * gy_new, gg_old
                elif beta == HESTENES_STIEFEL:
                    numerator, denominator = gx_new * yx + gy_new * yy, dy_dot
                elif beta == DAI_YUAN:
                    numerator, denominator = gx_new * gx_new + gy_new * gy_new, dy_dot
                else:
                    numerator, denominator = gx_new * yx + gy_new * yy, gg_old
                beta_t = numerator / denominator if denominator != 0.0 else 0.0
                if beta == POLAK_RIBIERE:
                    beta_t = max(0.0, beta_t)
                if not math.isfinite(beta_t) or (restart > 0 and since_restart >= restart):
                    beta_t = 0.0
                f, gx, gy = f_new, gx_new, gy_new
                new_dx = -gx + beta_t * dx
                new_dy = -gy + beta_t * dy
                if beta_t == 0.0 or not (gx * new_dx + gy * new_dy < 0.0):
                    new_dx, new_dy, beta_t = -gx, -gy, 0.0
                if beta_t == 0.0:
                    since_restart = 0
                dx, dy, steepest = new_dx, new_dy, beta_t == 0.0
            elif not steepest:
                dx, dy, beta_t, steepest, since_restart = -gx, -gy, 0.0, True, 0
            elif o.noise > 0.0:
                known = False                # draw a fresh noisy gradient next time
            elif repeatable(o):
                stalled = True
        status = record(value(x, y, p), x, y, t, fe, ge, 0, xy, loss, counts, o)
        if status:
            return t - 1, status
        state[t, 0] = record_beta
        state[t, 1] = record_dx
        state[t, 2] = record_dy
        state[t, 3] = alpha
    return steps, 0


SPECS = (
    OptimizerSpec(
        name="cg", title="Nonlinear conjugate gradient", family="conjugate-gradient",
        update=r"d_{t+1} = -\nabla f(\theta_t) + \beta_t d_t,\quad \theta_{t+1} = \theta_t + \alpha_{t+1} d_{t+1}",
        hyperparameters=(
            Hyperparameter("lr", 1.0, 0.0, 1e3, low_open=True, log=True, slider=(1e-3, 10.0),
                           help="First step tried by each line search."),
            Hyperparameter("beta", "polak_ribiere", kind="choice",
                           choices=("polak_ribiere", "fletcher_reeves", "hestenes_stiefel", "dai_yuan"),
                           help="How much of the previous direction to keep: Polak-Ribiere+ (max(0, beta)), "
                                "Fletcher-Reeves, Hestenes-Stiefel or Dai-Yuan."),
            Hyperparameter("line_search", "wolfe", kind="choice", choices=("wolfe", "armijo"),
                           help="wolfe: strong Wolfe (c1 = 1e-4, c2 = 0.1).  armijo: backtracking by halves."),
            Hyperparameter("restart", 2, 0, 1000, kind="int", slider=(0, 20),
                           help="Restart with steepest descent every this many iterations (0: never)."),
        ),
        kernel=cg, state=("beta", "direction_x", "direction_y", "step_size"),
        reference="Fletcher and Reeves (1964); Polak and Ribiere (1969); Hestenes and Stiefel (1952); "
                  "Dai and Yuan (1999); Nocedal and Wright (2006), ch. 5.2",
        note=("Each direction mixes the new gradient with the previous direction, so that on a quadratic "
              "successive directions do not undo each other: with exact line searches, the minimum of a "
              "2-D quadratic in two iterations."),
        lineage=("Gradient descent with a line search, whose new direction also keeps part of the last one: d = −g "
                 "+ βd. With exact line searches on a quadratic, all four choices of β (Fletcher-Reeves, "
                 "Polak-Ribiere, Hestenes-Stiefel, Dai-Yuan) agree and make successive directions conjugate, so "
                 "they stop undoing each other and a 2-D quadratic is solved in two iterations instead of a "
                 "zig-zag. It stores one extra vector but needs accurate line searches and restarts (β = 0)."),
    ),
)
