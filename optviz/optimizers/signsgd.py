r"""signSGD and Signum (sign of the momentum), as Bernstein et al. state them.

.. math::
    m_0 &= 0 \\
    g_t &= \nabla f(\theta_{t-1}) + \lambda \theta_{t-1}  \quad\text{(L2 weight decay)} \\
    \theta_{t-1} &\leftarrow \theta_{t-1} (1 - \eta_t \lambda)
        \quad (\mathtt{decoupled}\text{, and no } \lambda \theta_{t-1} \text{ in } g_t) \\
    m_t &= \mu m_{t-1} + (1 - \mu) g_t \qquad (m_t = g_t \text{ when } \mu = 0) \\
    \theta_t &= \theta_{t-1} - \eta_t \operatorname{sign}(m_t)

Only the sign of each gradient component is used, so every coordinate moves by exactly ``lr``:
the step ignores how steep the slope is, which makes the method blind to ill-conditioning along
the axes (and not along rotated ones).  With momentum ``mu > 0`` it is Signum, the sign of a
moving average.  ``sign(0) = 0``.  Weight decay is added to the gradient before the sign (the
``wd`` of MXNet's Signum); ``decoupled`` shrinks the parameters directly instead (its ``wd_lh``).

Reference: Bernstein, Wang, Azizzadenesheli and Anandkumar, "signSGD: Compressed Optimisation for
Non-Convex Problems", ICML (2018).
"""
import numpy as np

from optviz.drivers import first_order
from optviz.jit import jit
from optviz.kernels import weight_decay_step
from optviz.spec import Hyperparameter, OptimizerSpec


@jit
def init(hp, x, y):
    """m_0 = 0."""
    return (0.0, 0.0), (0.0, 0.0)


@jit
def update(state, x, y, gx, gy, hp, factor, t):
    lr, momentum, weight_decay, decoupled = hp[0], hp[1], hp[2], hp[3] != 0
    mx, my = state
    eta = lr * factor
    x, y, gx, gy = weight_decay_step(x, y, gx, gy, eta, weight_decay, decoupled)
    mx = momentum * mx + (1.0 - momentum) * gx
    my = momentum * my + (1.0 - momentum) * gy
    x -= eta * np.sign(mx)
    y -= eta * np.sign(my)
    return (mx, my), x, y, (mx, my)


signsgd = first_order(init, update)


SPECS = (
    OptimizerSpec(
        name="signsgd", title="signSGD / Signum", family="sign",
        update=r"m_t = \mu m_{t-1} + (1-\mu) g_t,\quad \theta_t = \theta_{t-1} - \eta\,\operatorname{sign}(m_t)",
        hyperparameters=(
            Hyperparameter("lr", 1e-2, 0.0, 10.0, low_open=True, log=True, slider=(1e-4, 1.0),
                           help="Learning rate: the length of every coordinate's step."),
            Hyperparameter("momentum", 0.0, 0.0, 1.0, high_open=True, slider=(0.0, 0.99),
                           help="mu: 0 is signSGD; above 0 it is Signum, the sign of a moving average."),
            Hyperparameter("weight_decay", 0.0, 0.0, 10.0, slider=(0.0, 1.0),
                           help="L2 penalty added to the gradient."),
            Hyperparameter("decoupled", False, kind="bool",
                           help="Shrink the parameters directly instead of adding the penalty before the sign."),
        ),
        kernel=signsgd, state=("m_x", "m_y"), torch=None,
        reference="Bernstein et al. (2018)",
        note="Moves every coordinate by exactly lr in the direction of the gradient's (or momentum's) sign.",
        lineage=("Gradient descent that keeps only the sign of each gradient component: every coordinate moves by "
                 "exactly η, however steep or flat, which makes it indifferent to how the axes are scaled (not to "
                 "a rotated valley) and cheap to send, one bit per coordinate. With a fixed rate it cannot settle "
                 "and ends up bouncing around the minimum, about η away. Signum (μ > 0) takes the sign of a moving "
                 "average instead, which evens out noise first."),
    ),
)
