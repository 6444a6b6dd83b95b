r"""NAdam, as ``torch.optim.NAdam`` computes it.

.. math::
    m_0 &= v_0 = 0 \\
    g_t &= \nabla f(\theta_{t-1}) + \lambda \theta_{t-1}  \quad\text{(L2 weight decay)} \\
    \theta_{t-1} &\leftarrow \theta_{t-1} (1 - \eta_t \lambda)
        \quad (\mathtt{decoupled\_weight\_decay}\text{, and no } \lambda \theta_{t-1} \text{ in } g_t) \\
    \mu_t &= \beta_1 \bigl(1 - \tfrac12\, 0.96^{t \psi}\bigr), \quad
        \mu_{t+1} = \beta_1 \bigl(1 - \tfrac12\, 0.96^{(t + 1) \psi}\bigr) \\
    m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
    v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
    d_t &= \sqrt{v_t / (1 - \beta_2^t)} + \epsilon \\
    \theta_t &= \theta_{t-1} - \eta_t\, \frac{1 - \mu_t}{1 - \prod_{i=1}^{t} \mu_i}\, \frac{g_t}{d_t}
        - \eta_t\, \frac{\mu_{t+1}}{1 - \prod_{i=1}^{t+1} \mu_i}\, \frac{m_t}{d_t}

Adam with Nesterov momentum: the step uses the momentum it is about to have, ``mu_{t+1} m_t``,
plus the fresh gradient, each with its own bias correction.  The momentum factor ``mu_t`` warms up
from ``beta1 / 2`` towards ``beta1`` at a speed set by ``momentum_decay`` psi (Dozat's schedule,
as torch and Keras use it); ``constant_momentum`` keeps ``mu_t = beta1`` from the first step, as
optax's ``nadam`` does (its ``b1 m_t / (1 - b1^(t+1)) + (1 - b1) g_t / (1 - b1^t)``).  The product of the ``mu_i`` is a running product (torch keeps one
too) that stops changing once ``1`` minus it rounds to ``1``, which changes nothing and keeps it
out of subnormal numbers.

Reference: Dozat, "Incorporating Nesterov Momentum into Adam", ICLR workshop (2016);
Loshchilov and Hutter, "Decoupled Weight Decay Regularization" (2019) for the decoupled form.
"""
import math

from optviz.drivers import first_order
from optviz.jit import jit
from optviz.kernels import bias_power, weight_decay_step
from optviz.spec import Hyperparameter, OptimizerSpec


@jit
def init(hp, x, y):
    """m_0 = v_0 = 0; beta2^0 = 1 and the empty product of the momentum factors, 1."""
    return (0.0, 0.0, 0.0, 0.0, 1.0, 1.0), (0.0, 0.0, 0.0, 0.0)


@jit
def update(state, x, y, gx, gy, hp, factor, t):
    lr, beta1, beta2, eps, weight_decay, momentum_decay = hp[0], hp[1], hp[2], hp[3], hp[4], hp[5]
    decoupled_weight_decay, constant_momentum = hp[6] != 0, hp[7] != 0
    mx, my, vx, vy, beta2_t, mu_product = state
    eta = lr * factor
    x, y, gx, gy = weight_decay_step(x, y, gx, gy, eta, weight_decay, decoupled_weight_decay)
    if constant_momentum:   # optax's NAdam: mu_t = beta1 at every step
        mu = mu_next = beta1
    else:
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
    mu_product = bias_power(mu_product, mu)
    mu_product_next = mu_product * mu_next
    # torch's lerp form of m = beta1 m + (1 - beta1) g
    mx = mx + (1.0 - beta1) * (gx - mx)
    my = my + (1.0 - beta1) * (gy - my)
    vx = beta2 * vx + (1.0 - beta2) * gx * gx
    vy = beta2 * vy + (1.0 - beta2) * gy * gy
    beta2_t = bias_power(beta2_t, beta2)
    bc2 = 1.0 - beta2_t
    dx = math.sqrt(vx / bc2) + eps
    dy = math.sqrt(vy / bc2) + eps
    x -= eta * (1.0 - mu) / (1.0 - mu_product) * gx / dx
    y -= eta * (1.0 - mu) / (1.0 - mu_product) * gy / dy
    x -= eta * mu_next / (1.0 - mu_product_next) * mx / dx
    y -= eta * mu_next / (1.0 - mu_product_next) * my / dy
    return (mx, my, vx, vy, beta2_t, mu_product), x, y, (mx, my, vx, vy)


nadam = first_order(init, update)


SPECS = (
    OptimizerSpec(
        name="nadam", title="NAdam", family="adaptive",
        update=(r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad "
                r"\theta_t = \theta_{t-1} - \eta\,"
                r"\frac{\mu_{t+1} \hat m_t + (1 - \mu_t) \hat g_t}{\sqrt{\hat v_t} + \epsilon}"),
        hyperparameters=(
            Hyperparameter("lr", 2e-3, 0.0, 10.0, low_open=True, log=True, slider=(1e-4, 1.0), help="Learning rate."),
            Hyperparameter("beta1", 0.9, 0.0, 1.0, high_open=True, help="Decay of the first moment (momentum)."),
            Hyperparameter("beta2", 0.999, 0.0, 1.0, high_open=True, slider=(0.9, 0.9999),
                           help="Decay of the second moment (squared gradients)."),
            Hyperparameter("eps", 1e-8, 0.0, 1.0, low_open=True, log=True, slider=(1e-12, 1e-1),
                           help="Added to the denominator for numerical stability."),
            Hyperparameter("weight_decay", 0.0, 0.0, 10.0, slider=(0.0, 1.0), help="Weight decay."),
            Hyperparameter("momentum_decay", 4e-3, 0.0, 1.0, log=True, slider=(1e-4, 1e-1),
                           help="psi: how fast the momentum factor warms up from beta1 / 2 to beta1."),
            Hyperparameter("decoupled_weight_decay", False, kind="bool",
                           help="Shrink the parameters directly (NAdamW) instead of adding an L2 gradient."),
            Hyperparameter("constant_momentum", False, kind="bool",
                           help="Keep the momentum factor at beta1 (optax's NAdam) instead of torch's warm-up "
                                "from beta1 / 2 (momentum_decay is then unused)."),
        ),
        kernel=nadam, state=("m_x", "m_y", "v_x", "v_y"), torch="torch.optim.NAdam",
        reference="Dozat (2016)",
        note="Adam with Nesterov momentum: it steps with the momentum it is about to have, plus the fresh gradient.",
        lineage=("Adam with Nesterov momentum: instead of stepping along m, it steps along a blend of the fresh "
                 "gradient and the momentum it is about to have, each with its own bias correction. The blend is "
                 "set by a factor μₜ = β₁(1 − 0.5 · 0.96^(tψ)) that warms up from β₁/2 towards β₁. With the "
                 "default ψ = 0.004 it is still 0.46 after 100 steps and 0.52 after 1,000, so in a run here the "
                 "fresh gradient and the momentum weigh about half each."),
    ),
)
