r"""RMSprop, as ``torch.optim.RMSprop`` computes it.

.. math::
    v_0 &= \bar g_0 = b_0 = 0 \\
    g_t &= \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
    v_t &= \alpha v_{t-1} + (1 - \alpha) g_t^2 \\
    \bar g_t &= \alpha \bar g_{t-1} + (1 - \alpha) g_t, \quad
        \tilde v_t = v_t - \bar g_t^2 \quad (\mathtt{centered}\text{; else } \tilde v_t = v_t) \\
    d_t &= \sqrt{\tilde v_t} + \epsilon \quad\text{or}\quad d_t = \sqrt{\tilde v_t + \epsilon}
        \ (\mathtt{eps\_inside}) \\
    b_t &= \mu b_{t-1} + g_t / d_t, \quad \theta_t = \theta_{t-1} - \eta_t b_t
        \quad\text{(momentum } \mu > 0\text{)} \\
    \theta_t &= \theta_{t-1} - \eta_t\, g_t / d_t \quad\text{(}\mu = 0\text{)}

The step is divided by the root of a moving average of squared gradients (Adagrad's sum made to
forget), so it adapts per coordinate without shrinking for good.  ``centered`` subtracts the
squared moving average of the gradient, dividing by an estimate of its variance (Graves 2013).
The switch ``eps_inside`` puts epsilon under the square root, ``sqrt(v_tilde + eps)``, as
TensorFlow and Keras do; torch adds it after the root (the default).

Reference: Tieleman and Hinton, Lecture 6.5 of "Neural Networks for Machine Learning" (2012);
Graves, "Generating Sequences With Recurrent Neural Networks" (2013) for the centered form.
"""
import math

from optviz.drivers import first_order
from optviz.jit import jit
from optviz.spec import Hyperparameter, OptimizerSpec


@jit
def init(hp, x, y):
    """v_0 = gbar_0 = b_0 = 0."""
    return (0.0, 0.0, 0.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 0.0)


@jit
def update(state, x, y, gx, gy, hp, factor, t):
    lr, alpha, eps, momentum = hp[0], hp[1], hp[2], hp[3]
    centered, weight_decay, eps_inside = hp[4] != 0, hp[5], hp[6] != 0
    vx, vy, gbar_x, gbar_y, bx, by = state
    eta = lr * factor
    gx += weight_decay * x
    gy += weight_decay * y
    vx = alpha * vx + (1.0 - alpha) * gx * gx
    vy = alpha * vy + (1.0 - alpha) * gy * gy
    if centered:
        # torch's lerp form of gbar = alpha gbar + (1 - alpha) g
        gbar_x = gbar_x + (1.0 - alpha) * (gx - gbar_x)
        gbar_y = gbar_y + (1.0 - alpha) * (gy - gbar_y)
        vx_tilde = vx - gbar_x * gbar_x
        vy_tilde = vy - gbar_y * gbar_y
    else:
        vx_tilde, vy_tilde = vx, vy
    if eps_inside:
        dx = math.sqrt(vx_tilde + eps)
        dy = math.sqrt(vy_tilde + eps)
    else:
        dx = math.sqrt(vx_tilde) + eps
        dy = math.sqrt(vy_tilde) + eps
    if momentum > 0.0:
        bx = momentum * bx + gx / dx
        by = momentum * by + gy / dy
        x -= eta * bx
        y -= eta * by
    else:
        x -= eta * gx / dx
        y -= eta * gy / dy
    return (vx, vy, gbar_x, gbar_y, bx, by), x, y, (vx, vy, bx, by)


rmsprop = first_order(init, update)


SPECS = (
    OptimizerSpec(
        name="rmsprop", title="RMSprop", family="adaptive",
        update=(r"v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\quad "
                r"\theta_t = \theta_{t-1} - \eta\,\frac{g_t}{\sqrt{v_t} + \epsilon}"),
        hyperparameters=(
            Hyperparameter("lr", 1e-2, 0.0, 10.0, low_open=True, log=True, slider=(1e-4, 1.0),
                           help="Learning rate."),
            Hyperparameter("alpha", 0.99, 0.0, 1.0, high_open=True, slider=(0.5, 0.999),
                           help="Smoothing constant of the squared-gradient average."),
            Hyperparameter("eps", 1e-8, 0.0, 1.0, low_open=True, log=True, slider=(1e-12, 1e-1),
                           help="Added to the denominator for numerical stability."),
            Hyperparameter("momentum", 0.0, 0.0, 1.0, high_open=True, slider=(0.0, 0.99),
                           help="mu: momentum applied to the normalised step."),
            Hyperparameter("centered", False, kind="bool",
                           help="Divide by an estimate of the gradient's variance instead of its second moment."),
            Hyperparameter("weight_decay", 0.0, 0.0, 10.0, slider=(0.0, 1.0),
                           help="L2 penalty added to the gradient."),
            Hyperparameter("eps_inside", False, kind="bool",
                           help="Put eps inside the square root, sqrt(v + eps), as TensorFlow does."),
        ),
        kernel=rmsprop, state=("v_x", "v_y", "b_x", "b_y"), torch="torch.optim.RMSprop",
        reference="Tieleman and Hinton (2012)",
        note="Divides each coordinate's step by the root of a moving average of its squared gradients.",
        lineage=("AdaGrad that forgets: the sum of squared gradients becomes a moving average, v = αv + (1 − α)g², "
                 "that mostly remembers the last 1/(1 − α) steps (100 at α = 0.99). The scaling per coordinate "
                 "follows the landscape as it changes, and the step does not die out. The price is that the steps "
                 "no longer shrink by themselves, so with a fixed rate it can hover around a minimum."),
    ),
)
