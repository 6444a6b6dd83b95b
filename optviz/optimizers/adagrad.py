r"""Adagrad, as ``torch.optim.Adagrad`` computes it.

.. math::
    s_0 &= \tau \quad (\mathtt{initial\_accumulator\_value}) \\
    g_t &= \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
    \tilde\eta_t &= \eta_t / (1 + (t - 1)\,\delta) \quad (\mathtt{lr\_decay}\ \delta) \\
    s_t &= s_{t-1} + g_t^2 \\
    \theta_t &= \theta_{t-1} - \tilde\eta_t\, \frac{g_t}{\sqrt{s_t} + \epsilon}

Each coordinate's step is divided by the root of the sum of all its past squared gradients, so
the steps shrink for good: steep coordinates slow down early, flat ones keep moving.  Epsilon is
added after the square root, as in the paper (its ``delta I + diag(G)^(1/2)``), torch and Keras.

Reference: Duchi, Hazan and Singer, "Adaptive Subgradient Methods for Online Learning and
Stochastic Optimization", JMLR 12 (2011).
"""
import math

from optviz.drivers import first_order
from optviz.jit import jit
from optviz.spec import Hyperparameter, OptimizerSpec


@jit
def init(hp, x, y):
    """s_0 = the initial accumulator value."""
    initial_accumulator_value = hp[2]
    s = (initial_accumulator_value, initial_accumulator_value)
    return s, s


@jit
def update(state, x, y, gx, gy, hp, factor, t):
    lr, lr_decay, initial_accumulator_value, eps, weight_decay = hp[0], hp[1], hp[2], hp[3], hp[4]
    sx, sy = state
    eta = lr * factor
    gx += weight_decay * x
    gy += weight_decay * y
    eta_t = eta / (1.0 + (t - 1) * lr_decay)
    sx += gx * gx
    sy += gy * gy
    x -= eta_t * gx / (math.sqrt(sx) + eps)
    y -= eta_t * gy / (math.sqrt(sy) + eps)
    return (sx, sy), x, y, (sx, sy)


adagrad = first_order(init, update)


SPECS = (
    OptimizerSpec(
        name="adagrad", title="Adagrad", family="adaptive",
        update=r"s_t = s_{t-1} + g_t^2,\quad \theta_t = \theta_{t-1} - \eta\,\frac{g_t}{\sqrt{s_t} + \epsilon}",
        hyperparameters=(
            Hyperparameter("lr", 1e-2, 0.0, 10.0, low_open=True, log=True, slider=(1e-4, 10.0),
                           help="Learning rate."),
            Hyperparameter("lr_decay", 0.0, 0.0, 10.0, slider=(0.0, 0.1),
                           help="delta: the rate is divided by 1 + (t - 1) delta."),
            Hyperparameter("initial_accumulator_value", 0.0, 0.0, 100.0, slider=(0.0, 1.0),
                           help="tau: starting value of the sum of squared gradients."),
            Hyperparameter("eps", 1e-10, 0.0, 1.0, low_open=True, log=True, slider=(1e-12, 1e-1),
                           help="Added to the denominator for numerical stability."),
            Hyperparameter("weight_decay", 0.0, 0.0, 10.0, slider=(0.0, 1.0),
                           help="L2 penalty added to the gradient."),
        ),
        kernel=adagrad, state=("sum_x", "sum_y"), torch="torch.optim.Adagrad",
        reference="Duchi, Hazan and Singer (2011)",
        note=("Divides each coordinate's step by the root of all its past squared gradients, "
              "so steps only ever shrink."),
        lineage=("Gradient descent with a learning rate for each coordinate: the step is divided by the square "
                 "root of the sum of all that coordinate's squared gradients so far. Steep coordinates slow down "
                 "and flat ones keep moving, which suits badly scaled problems. But the sum only grows, so each "
                 "coordinate's rate only shrinks, and on a long run the steps can die out well before the minimum."),
    ),
)
