r"""Adadelta, as ``torch.optim.Adadelta`` computes it.

.. math::
    v_0 &= u_0 = 0 \\
    g_t &= \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
    v_t &= \rho v_{t-1} + (1 - \rho) g_t^2 \\
    \Delta_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t \\
    u_t &= \rho u_{t-1} + (1 - \rho) \Delta_t^2 \\
    \theta_t &= \theta_{t-1} - \eta_t \Delta_t

RMSprop whose learning rate is itself a running root mean square, of the past steps ``u``: the
units of the step match those of the parameters, and with ``lr = 1`` (the paper's form) there is
no rate to tune.  Both moving averages start at zero, so the first steps are about
``sqrt(eps) / sqrt(eps + (1 - rho) g^2)`` times the gradient: tiny, growing as ``u`` builds up.

Reference: Zeiler, "ADADELTA: An Adaptive Learning Rate Method" (2012).
"""
import math

from optviz.drivers import first_order
from optviz.jit import jit
from optviz.spec import Hyperparameter, OptimizerSpec


@jit
def init(hp, x, y):
    """v_0 = u_0 = 0."""
    return (0.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 0.0)


@jit
def update(state, x, y, gx, gy, hp, factor, t):
    lr, rho, eps, weight_decay = hp[0], hp[1], hp[2], hp[3]
    vx, vy, ux, uy = state
    eta = lr * factor
    gx += weight_decay * x
    gy += weight_decay * y
    vx = rho * vx + (1.0 - rho) * gx * gx
    vy = rho * vy + (1.0 - rho) * gy * gy
    delta_x = math.sqrt(ux + eps) / math.sqrt(vx + eps) * gx
    delta_y = math.sqrt(uy + eps) / math.sqrt(vy + eps) * gy
    ux = rho * ux + (1.0 - rho) * delta_x * delta_x
    uy = rho * uy + (1.0 - rho) * delta_y * delta_y
    x -= eta * delta_x
    y -= eta * delta_y
    return (vx, vy, ux, uy), x, y, (vx, vy, ux, uy)


adadelta = first_order(init, update)


SPECS = (
    OptimizerSpec(
        name="adadelta", title="Adadelta", family="adaptive",
        update=(r"v_t = \rho v_{t-1} + (1-\rho) g_t^2,\quad "
                r"\Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t,\quad "
                r"u_t = \rho u_{t-1} + (1-\rho) \Delta_t^2,\quad \theta_t = \theta_{t-1} - \eta \Delta_t"),
        hyperparameters=(
            Hyperparameter("lr", 1.0, 0.0, 10.0, low_open=True, log=True, slider=(1e-2, 10.0),
                           help="Scales the step (1 in the paper)."),
            Hyperparameter("rho", 0.9, 0.0, 1.0, slider=(0.5, 0.999),
                           help="Decay of both moving averages (squared gradients and squared steps)."),
            Hyperparameter("eps", 1e-6, 0.0, 1.0, low_open=True, log=True, slider=(1e-10, 1e-1),
                           help="Added under both square roots; sets the size of the first steps."),
            Hyperparameter("weight_decay", 0.0, 0.0, 10.0, slider=(0.0, 1.0),
                           help="L2 penalty added to the gradient."),
        ),
        kernel=adadelta, state=("v_x", "v_y", "u_x", "u_y"), torch="torch.optim.Adadelta",
        reference="Zeiler (2012)",
        note="RMSprop whose step size is a running RMS of past steps: no learning rate to tune, but a slow start.",
        lineage=("RMSprop with its learning rate replaced by a second moving average, the root mean square of its "
                 "own recent steps: the step is RMS(past steps) / RMS(gradients) times g, in the units of the "
                 "parameters, and at lr = 1 (the paper's form) there is no rate to tune. Like RMSprop it fixes "
                 "AdaGrad's dying steps. The cost is a slow start: both averages begin at zero, so the first steps "
                 "are about √(ε / (1 − ρ)) long (0.003 with the defaults) and grow only as the steps' average "
                 "builds up."),
    ),
)
