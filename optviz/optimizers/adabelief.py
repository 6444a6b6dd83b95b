r"""AdaBelief, as the authors' implementation (``adabelief-pytorch``) computes it.

.. math::
    m_0 &= s_0 = 0 \\
    g_t &= \nabla f(\theta_{t-1}) + \lambda \theta_{t-1}
        \quad\text{(L2 weight decay, } \mathtt{decoupled} \text{ off)} \\
    \theta_{t-1} &\leftarrow \theta_{t-1} (1 - \eta_t \lambda)
        \quad (\mathtt{decoupled}\text{, the default; no } \lambda \theta_{t-1} \text{ in } g_t) \\
    m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
    s_t &= \beta_2 s_{t-1} + (1 - \beta_2) (g_t - m_t)^2 + \epsilon \\
    c_1 &= 1 - \beta_1^t, \quad c_2 = 1 - \beta_2^t
        \quad (c_1 = c_2 = 1 \text{ with } \mathtt{bias\_correction} \text{ off}) \\
    \theta_t &= \theta_{t-1} - \frac{\eta_t}{c_1}\, \frac{m_t}{\sqrt{s_t} / \sqrt{c_2} + \epsilon}

Adam with the second moment of the gradient replaced by that of its surprise, ``g_t - m_t``: the
"belief" in the current direction.  Where gradients agree with their average (a straight slope)
``s`` is small and the steps are large; where they keep changing (across a valley) the steps are
small.  Epsilon is added to ``s_t`` inside the moving average, so it accumulates there (up to
``eps / (1 - beta2)``), as in the paper's Algorithm 2 and the authors' code; hence its tiny
default.  Switches: ``decoupled`` off adds ``lambda theta`` to the gradient instead;
``bias_correction`` off drops both ``1 - beta^t`` factors; ``rectify`` is the authors' package's
default since version 0.1 (off here, as in the paper): RAdam's rectification, with
``rho_inf = 2 / (1 - beta2) - 1`` and ``rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)``, the step
is ``eta r_t m_t / (sqrt(s_t) + eps)`` with ``r_t = sqrt((1 - beta2^t) (rho_t - 4) (rho_t - 2)
rho_inf / ((rho_inf - 4) (rho_inf - 2) rho_t)) / (1 - beta1^t)`` once ``rho_t >= 5``, and plain
momentum ``eta m_t / (1 - beta1^t)`` before (the package's ``degenerated_to_sgd``).  optax's
``eps_root``, added to ``s`` separately from the ``eps`` of the denominator, is not modelled: here
one ``eps`` serves both, as in the authors' code.

Reference: Zhuang, Tang, Ding, Tatikonda, Dvornek, Papademetris and Duncan, "AdaBelief Optimizer:
Adapting Stepsizes by the Belief in Observed Gradients", NeurIPS (2020).
"""
import math

from optviz.drivers import MADE, first_order
from optviz.jit import jit, kernel
from optviz.kernels import bias_power, weight_decay_step
from optviz.spec import Hyperparameter, OptimizerSpec


@jit
def init(hp, x, y):
    """m_0 = s_0 = 0; the powers beta1^0 = beta2^0 = 1."""
    return (0.0, 0.0, 0.0, 0.0, 1.0, 1.0), (0.0, 0.0, 0.0, 0.0)


@jit
def belief(state, x, y, gx, gy, eta, beta1, beta2, eps, weight_decay, decoupled):
    """The moments, as both forms of the step use them: ``(m_x, m_y, s_x, s_y, beta1^t, beta2^t,
    x, y)`` after weight decay."""
    mx, my, sx, sy, beta1_t, beta2_t = state
    x, y, gx, gy = weight_decay_step(x, y, gx, gy, eta, weight_decay, decoupled)
    mx = beta1 * mx + (1.0 - beta1) * gx
    my = beta1 * my + (1.0 - beta1) * gy
    sx = beta2 * sx + (1.0 - beta2) * (gx - mx) * (gx - mx) + eps
    sy = beta2 * sy + (1.0 - beta2) * (gy - my) * (gy - my) + eps
    return mx, my, sx, sy, bias_power(beta1_t, beta1), bias_power(beta2_t, beta2), x, y


@jit
def update(state, x, y, gx, gy, hp, factor, t):
    lr, beta1, beta2, eps, weight_decay = hp[0], hp[1], hp[2], hp[3], hp[4]
    decoupled, bias_correction = hp[5] != 0, hp[6] != 0
    eta = lr * factor
    mx, my, sx, sy, beta1_t, beta2_t, x, y = belief(state, x, y, gx, gy, eta, beta1, beta2, eps, weight_decay,
                                                    decoupled)
    bc1 = 1.0 - beta1_t if bias_correction else 1.0
    bc2 = 1.0 - beta2_t if bias_correction else 1.0
    step_size = eta / bc1
    bc2_sqrt = math.sqrt(bc2)
    x -= step_size * mx / (math.sqrt(sx) / bc2_sqrt + eps)
    y -= step_size * my / (math.sqrt(sy) / bc2_sqrt + eps)
    return (mx, my, sx, sy, beta1_t, beta2_t), x, y, (mx, my, sx, sy)


@jit
def update_rectified(state, x, y, gx, gy, hp, factor, t):
    """``rectify``: adabelief-pytorch's default, RAdam's rectification of the step, and plain
    momentum while ``rho_t < 5`` (its ``degenerated_to_sgd``); the moments as :func:`update`'s."""
    lr, beta1, beta2, eps, weight_decay = hp[0], hp[1], hp[2], hp[3], hp[4]
    decoupled = hp[5] != 0
    eta = lr * factor
    mx, my, sx, sy, beta1_t, beta2_t, x, y = belief(state, x, y, gx, gy, eta, beta1, beta2, eps, weight_decay,
                                                    decoupled)
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    rho_t = rho_inf - 2.0 * t * beta2_t / (1.0 - beta2_t)
    if rho_t >= 5.0:
        r_t = math.sqrt((1.0 - beta2_t) * (rho_t - 4.0) / (rho_inf - 4.0) * (rho_t - 2.0) / rho_t * rho_inf
                        / (rho_inf - 2.0)) / (1.0 - beta1_t)
        x -= r_t * eta * mx / (math.sqrt(sx) + eps)
        y -= r_t * eta * my / (math.sqrt(sy) + eps)
    else:
        x -= 1.0 / (1.0 - beta1_t) * eta * mx
        y -= 1.0 / (1.0 - beta1_t) * eta * my
    return (mx, my, sx, sy, beta1_t, beta2_t), x, y, (mx, my, sx, sy)


paper = first_order(init, update)
rectified = first_order(init, update_rectified)


@kernel
def adabelief(value, gradient, hessian, p, x, y, steps, hp, opts, xy, loss, counts, state):
    """The paper's form, or the rectified one (two kernels: one update with both forms made
    every run 10% slower, rectified or not)."""
    rectify = hp[7] != 0
    if rectify:
        return rectified(value, gradient, hessian, p, x, y, steps, hp, opts, xy, loss, counts, state)
    return paper(value, gradient, hessian, p, x, y, steps, hp, opts, xy, loss, counts, state)


# grids of the paper's form run its update in the blocked loop (optviz.drivers.grid_kernel)
MADE[adabelief] = MADE[paper]._replace(when=(7, 0.0))


SPECS = (
    OptimizerSpec(
        name="adabelief", title="AdaBelief", family="adaptive",
        update=(r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad "
                r"s_t = \beta_2 s_{t-1} + (1-\beta_2) (g_t - m_t)^2 + \epsilon,\quad "
                r"\theta_t = \theta_{t-1} - \eta\,\frac{\hat m_t}{\sqrt{\hat s_t} + \epsilon}"),
        hyperparameters=(
            Hyperparameter("lr", 1e-3, 0.0, 10.0, low_open=True, log=True, slider=(1e-4, 1.0), help="Learning rate."),
            Hyperparameter("beta1", 0.9, 0.0, 1.0, high_open=True, help="Decay of the first moment (momentum)."),
            Hyperparameter("beta2", 0.999, 0.0, 1.0, high_open=True, slider=(0.9, 0.9999),
                           help="Decay of the average squared deviation of g from m."),
            Hyperparameter("eps", 1e-16, 0.0, 1.0, low_open=True, log=True, slider=(1e-20, 1e-4),
                           help="Added to s at every step and to the denominator."),
            Hyperparameter("weight_decay", 0.0, 0.0, 10.0, slider=(0.0, 1.0), help="Weight decay."),
            Hyperparameter("decoupled", True, kind="bool",
                           help="Shrink the parameters directly (as AdamW) instead of adding an L2 gradient."),
            Hyperparameter("bias_correction", True, kind="bool", help="Divide the moments by 1 - beta^t."),
            Hyperparameter("rectify", False, kind="bool",
                           help="RAdam's rectification of the step, the default of the authors' package "
                                "adabelief-pytorch (plain momentum while rho_t < 5)."),
        ),
        kernel=adabelief, state=("m_x", "m_y", "s_x", "s_y"), torch=None,
        reference="Zhuang et al. (2020)",
        note="Adam dividing by how much the gradient deviates from its average: big steps where the slope is steady.",
        lineage=("Adam with one change: the second moving average tracks (g − m)², how far the gradient strays "
                 "from its own average, instead of g². Where the gradients agree with their average, as down a "
                 "steady slope, the steps grow (to about 20 η after 1,000 steps of a constant gradient); where "
                 "they keep changing, as across a valley, they shrink. ε is added inside that average at every "
                 "step, hence its tiny default."),
    ),
)
