r"""RAdam (rectified Adam), as ``torch.optim.RAdam`` computes it.

.. math::
    m_0 &= v_0 = 0, \quad \rho_\infty = 2 / (1 - \beta_2) - 1 \\
    g_t &= \nabla f(\theta_{t-1}) + \lambda \theta_{t-1}  \quad\text{(L2 weight decay)} \\
    \theta_{t-1} &\leftarrow \theta_{t-1} (1 - \eta_t \lambda)
        \quad (\mathtt{decoupled\_weight\_decay}\text{, and no } \lambda \theta_{t-1} \text{ in } g_t) \\
    m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
    v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
    \hat m_t &= m_t / (1 - \beta_1^t) \\
    \rho_t &= \rho_\infty - 2 t \beta_2^t / (1 - \beta_2^t) \\
    l_t &= \sqrt{1 - \beta_2^t} / (\sqrt{v_t} + \epsilon), \quad
        r_t = \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}{(\rho_\infty - 4)(\rho_\infty - 2)\rho_t}} \\
    \theta_t &= \theta_{t-1} - \eta_t\, \hat m_t\, r_t\, l_t \quad\text{if } \rho_t > 5,
        \quad\text{else}\quad \theta_t = \theta_{t-1} - \eta_t\, \hat m_t

``rho_t`` is the length of the simple moving average that Adam's exponential one approximates.
While it is short (``rho_t <= 5``, the first few steps) the variance of ``v`` is too large to
trust, and RAdam takes plain momentum steps; afterwards the adaptive step is scaled by ``r_t``,
which rises towards 1: a warm-up derived from the betas instead of tuned.

``beta2^t`` comes from two running products: :func:`~optviz.kernels.bias_power` for the bias
correction, and one that runs on until it is far too small to change ``rho_t`` (below 1e-280,
still a normal number), so that ``rho_t`` agrees with torch's ``beta2 ** t`` to the last bits
at every step.

Reference: Liu, Jiang, He, Chen, Liu, Gao and Han, "On the Variance of the Adaptive Learning
Rate and Beyond", ICLR (2020).
"""
import math

from optviz.drivers import first_order
from optviz.jit import jit
from optviz.kernels import bias_power, weight_decay_step
from optviz.spec import Hyperparameter, OptimizerSpec

#: Below this, ``2 t beta2^t`` (t <= 1e5) is far under the rounding of ``rho_inf >= 1``.
_NEGLIGIBLE = 1e-280


@jit
def sma_power(power, beta):
    """Advance ``power = beta**t`` for ``rho_t`` by one step, stopping once it is negligible."""
    if power < _NEGLIGIBLE:
        return power
    return power * beta


@jit
def init(hp, x, y):
    """m_0 = v_0 = 0; the powers beta1^0 = beta2^0 = 1 (and beta2's second running power, 1);
    rho_inf = 2 / (1 - beta2) - 1."""
    beta2 = hp[2]
    rho_inf = 2.0 / (1.0 - beta2) - 1.0   # kept in the state: computed once, not at every step
    return (0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, rho_inf), (0.0, 0.0, 0.0, 0.0, 0.0)


@jit
def update(state, x, y, gx, gy, hp, factor, t):
    lr, beta1, beta2, eps, weight_decay = hp[0], hp[1], hp[2], hp[3], hp[4]
    decoupled_weight_decay, eps_on_v_hat = hp[5] != 0, hp[6] != 0
    mx, my, vx, vy, beta1_t, beta2_t, beta2_sma, rho_inf = state
    eta = lr * factor
    x, y, gx, gy = weight_decay_step(x, y, gx, gy, eta, weight_decay, decoupled_weight_decay)
    # torch's lerp form of m = beta1 m + (1 - beta1) g
    mx = mx + (1.0 - beta1) * (gx - mx)
    my = my + (1.0 - beta1) * (gy - my)
    vx = beta2 * vx + (1.0 - beta2) * gx * gx
    vy = beta2 * vy + (1.0 - beta2) * gy * gy
    beta1_t = bias_power(beta1_t, beta1)
    beta2_t = bias_power(beta2_t, beta2)
    beta2_sma = sma_power(beta2_sma, beta2)
    bc1 = 1.0 - beta1_t
    bc2 = 1.0 - beta2_t
    m_hat_x = mx / bc1
    m_hat_y = my / bc1
    rho_t = rho_inf - 2.0 * t * beta2_sma / bc2
    # optax puts eps on sqrt(v / c2) and rectifies from rho_t = 5: as factors, not a second branch
    # (a branch here made every run 10% slower)
    numerator = 1.0 if eps_on_v_hat else math.sqrt(bc2)
    inside = 1.0 / bc2 if eps_on_v_hat else 1.0
    if rho_t > 5.0 or (eps_on_v_hat and rho_t == 5.0):
        l_x = numerator / (math.sqrt(vx * inside) + eps)
        l_y = numerator / (math.sqrt(vy * inside) + eps)
        r_t = math.sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
        x -= m_hat_x * eta * l_x * r_t
        y -= m_hat_y * eta * l_y * r_t
    else:
        x -= m_hat_x * eta
        y -= m_hat_y * eta
    return (mx, my, vx, vy, beta1_t, beta2_t, beta2_sma, rho_inf), x, y, (mx, my, vx, vy, rho_t)


radam = first_order(init, update)


SPECS = (
    OptimizerSpec(
        name="radam", title="RAdam", family="adaptive",
        update=(r"\rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t},\quad "
                r"\theta_t = \theta_{t-1} - \eta\, r_t\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}\ (\rho_t > 5),"
                r"\quad \theta_t = \theta_{t-1} - \eta\, \hat m_t\ \text{otherwise}"),
        hyperparameters=(
            Hyperparameter("lr", 1e-3, 0.0, 10.0, low_open=True, log=True, slider=(1e-4, 1.0), help="Learning rate."),
            Hyperparameter("beta1", 0.9, 0.0, 1.0, high_open=True, help="Decay of the first moment (momentum)."),
            Hyperparameter("beta2", 0.999, 0.0, 1.0, high_open=True, slider=(0.9, 0.9999),
                           help="Decay of the second moment; also sets the length of the warm-up."),
            Hyperparameter("eps", 1e-8, 0.0, 1.0, low_open=True, log=True, slider=(1e-12, 1e-1),
                           help="Added to the denominator for numerical stability."),
            Hyperparameter("weight_decay", 0.0, 0.0, 10.0, slider=(0.0, 1.0), help="Weight decay."),
            Hyperparameter("decoupled_weight_decay", False, kind="bool",
                           help="Shrink the parameters directly (as AdamW) instead of adding an L2 gradient."),
            Hyperparameter("eps_on_v_hat", False, kind="bool",
                           help="Add eps to sqrt(v / (1 - beta2^t)) as optax does, instead of to sqrt(v) as torch "
                                "does (and rectify from rho_t >= 5 rather than > 5)."),
        ),
        kernel=radam, state=("m_x", "m_y", "v_x", "v_y", "rho"), torch="torch.optim.RAdam",
        reference="Liu et al. (2020)",
        note=("Adam with a built-in warm-up: momentum steps at first, then adaptive steps "
              "scaled up as v becomes reliable."),
        lineage=("Adam with a warm-up worked out from β₂ instead of tuned: in the first steps v averages only a "
                 "few squared gradients, so Adam's rate 1/√v varies wildly, and RAdam rectifies it by a factor rₜ "
                 "that evens out its variance. While the average is too short (ρₜ ≤ 5: the first 5 steps at β₂ = "
                 "0.999, every step if β₂ ≤ 2/3) it takes plain momentum steps η m̂. After that it takes Adam's "
                 "step times rₜ, which rises slowly from 0.03 (0.2 after 100 steps, 0.65 after 1,000)."),
    ),
)
