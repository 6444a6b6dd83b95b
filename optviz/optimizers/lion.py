r"""Lion (EvoLved Sign Momentum), as the paper's Algorithm 2 states it.

.. math::
    m_0 &= 0 \\
    g_t &= \nabla f(\theta_{t-1}) \\
    c_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
    \theta_t &= \theta_{t-1} - \eta_t \bigl(\operatorname{sign}(c_t) + \lambda \theta_{t-1}\bigr) \\
    m_t &= \beta_2 m_{t-1} + (1 - \beta_2) g_t

Every coordinate moves by exactly ``lr`` (plus the decoupled weight decay), in the direction of
the sign of an interpolation between the momentum and the fresh gradient.  The momentum itself is
updated afterwards with a slower factor ``beta2``, so the gradient weighs more in the step than in
the memory.  ``sign(0) = 0``: a coordinate whose interpolation is exactly zero does not move.
Found by a program search; the usual advice is a rate 3-10 times smaller than AdamW's.

Reference: Chen, Liang, Huang, Real, Wang, Liu, Pham, Dong, Luong, Hsieh, Lu and Le, "Symbolic
Discovery of Optimization Algorithms", NeurIPS (2023).
"""
import numpy as np

from optviz.drivers import first_order
from optviz.jit import jit
from optviz.spec import Hyperparameter, OptimizerSpec


@jit
def init(hp, x, y):
    """m_0 = 0."""
    return (0.0, 0.0), (0.0, 0.0)


@jit
def update(state, x, y, gx, gy, hp, factor, t):
    lr, beta1, beta2, weight_decay = hp[0], hp[1], hp[2], hp[3]
    mx, my = state
    eta = lr * factor
    cx = beta1 * mx + (1.0 - beta1) * gx
    cy = beta1 * my + (1.0 - beta1) * gy
    x -= eta * (np.sign(cx) + weight_decay * x)
    y -= eta * (np.sign(cy) + weight_decay * y)
    mx = beta2 * mx + (1.0 - beta2) * gx
    my = beta2 * my + (1.0 - beta2) * gy
    return (mx, my), x, y, (mx, my)


lion = first_order(init, update)


SPECS = (
    OptimizerSpec(
        name="lion", title="Lion", family="sign",
        update=(r"c_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad "
                r"\theta_t = \theta_{t-1} - \eta\,(\operatorname{sign}(c_t) + \lambda \theta_{t-1}),\quad "
                r"m_t = \beta_2 m_{t-1} + (1-\beta_2) g_t"),
        hyperparameters=(
            Hyperparameter("lr", 1e-4, 0.0, 10.0, low_open=True, log=True, slider=(1e-5, 1.0),
                           help="Learning rate: the length of every coordinate's step."),
            Hyperparameter("beta1", 0.9, 0.0, 1.0, high_open=True,
                           help="Weight of the momentum against the gradient in the step's direction."),
            Hyperparameter("beta2", 0.99, 0.0, 1.0, high_open=True, slider=(0.9, 0.999),
                           help="Decay of the momentum."),
            Hyperparameter("weight_decay", 0.0, 0.0, 10.0, slider=(0.0, 1.0),
                           help="lambda: decoupled weight decay, theta -= lr lambda theta."),
        ),
        kernel=lion, state=("m_x", "m_y"), torch=None,
        reference="Chen et al. (2023)",
        note="Steps of fixed size lr in each coordinate, in the sign of a blend of momentum and gradient.",
        lineage=("Found by a computer search over programs, Lion is close to Signum: every coordinate moves by "
                 "exactly η in the direction of a sign, plus AdamW's decoupled weight decay. Unlike Signum it has "
                 "two betas: the sign is taken of a blend that gives the fresh gradient weight 1 − β₁, while the "
                 "momentum it keeps is updated afterwards with the slower β₂ (with β₁ = β₂ it would be Signum). It "
                 "stores one average instead of Adam's two."),
    ),
)
