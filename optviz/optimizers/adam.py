r"""Adam and AdamW, as ``torch.optim.Adam`` / ``torch.optim.AdamW`` compute them.

.. math::
    m_0 &= v_0 = s_0 = 0 \\
    g_t &= \nabla f(\theta_{t-1}) + \lambda \theta_{t-1}  \quad\text{(Adam's L2 weight decay)} \\
    \theta_{t-1} &\leftarrow \theta_{t-1} (1 - \eta_t \lambda)
        \quad\text{(AdamW: decoupled, and no } \lambda \theta_{t-1} \text{ in } g_t\text{)} \\
    m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
    v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
    s_t &= v_t \quad\text{or}\quad s_t = \max(s_{t-1}, v_t) \ (\mathtt{amsgrad}) \\
    c_1 &= 1 - \beta_1^t, \quad c_2 = 1 - \beta_2^t
        \quad (c_1 = c_2 = 1 \text{ with } \mathtt{bias\_correction} \text{ off}) \\
    \theta_t &= \theta_{t-1} - \frac{\eta_t}{c_1}\, \frac{m_t}{\sqrt{s_t} / \sqrt{c_2} + \epsilon}
        \quad\text{or}\quad \theta_{t-1} - \frac{\eta_t}{c_1}\, \frac{m_t}{\sqrt{s_t / c_2 + \epsilon}}
        \ (\mathtt{eps\_inside})

Switches for conventions met in the literature (torch's form is the default): ``bias_correction``
off drops both ``1 - beta^t`` factors (RMSProp with momentum, as Adam's paper calls the
uncorrected form); ``eps_inside`` puts epsilon under the square root, ``sqrt(v_hat + eps)``;
``amsgrad_of_v_hat`` (with ``amsgrad``) is optax's AMSGrad, which keeps the running maximum of
the bias-corrected ``v_hat_t = v_t / c_2`` and steps by ``eta (m_t / c_1) / (sqrt(max v_hat) +
eps)``.

Reference: Kingma and Ba, "Adam: A Method for Stochastic Optimization" (2015); Loshchilov and
Hutter, "Decoupled Weight Decay Regularization" (2019); Reddi et al., "On the Convergence of Adam
and Beyond" (2018) for amsgrad.
"""
import math

from optviz.drivers import first_order
from optviz.jit import jit
from optviz.kernels import bias_power, weight_decay_step
from optviz.spec import Hyperparameter, OptimizerSpec


@jit
def init(hp, x, y):
    """m_0 = v_0 = max v = 0; the powers beta1^0 = beta2^0 = 1."""
    return (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0), (0.0, 0.0, 0.0, 0.0)


@jit
def update(state, x, y, gx, gy, hp, factor, t):
    lr, beta1, beta2, eps, weight_decay = hp[0], hp[1], hp[2], hp[3], hp[4]
    amsgrad, bias_correction, eps_inside = hp[5] != 0, hp[6] != 0, hp[7] != 0
    amsgrad_of_v_hat, decoupled = hp[8] != 0, hp[9] != 0
    mx, my, vx, vy, vmax_x, vmax_y, beta1_t, beta2_t = state
    eta = lr * factor
    x, y, gx, gy = weight_decay_step(x, y, gx, gy, eta, weight_decay, decoupled)
    mx = beta1 * mx + (1.0 - beta1) * gx
    my = beta1 * my + (1.0 - beta1) * gy
    vx = beta2 * vx + (1.0 - beta2) * gx * gx
    vy = beta2 * vy + (1.0 - beta2) * gy * gy
    beta1_t = bias_power(beta1_t, beta1)
    beta2_t = bias_power(beta2_t, beta2)
    bc1 = 1.0 - beta1_t if bias_correction else 1.0
    bc2 = 1.0 - beta2_t if bias_correction else 1.0
    # optax's AMSGrad keeps the maximum of the corrected v / c2, and then divides by c2 no more
    # (written as a factor, not a branch: a branch here made every run 10% slower)
    corrected = amsgrad and amsgrad_of_v_hat
    scale = 1.0 / bc2 if corrected else 1.0
    c2 = 1.0 if corrected else bc2
    if amsgrad:
        vmax_x = max(vmax_x, vx * scale)
        vmax_y = max(vmax_y, vy * scale)
        sx, sy = vmax_x, vmax_y
    else:
        sx, sy = vx, vy
    step_size = eta / bc1
    if eps_inside:
        x -= step_size * mx / math.sqrt(sx / c2 + eps)
        y -= step_size * my / math.sqrt(sy / c2 + eps)
    else:
        c2_sqrt = math.sqrt(c2)
        x -= step_size * mx / (math.sqrt(sx) / c2_sqrt + eps)
        y -= step_size * my / (math.sqrt(sy) / c2_sqrt + eps)
    return (mx, my, vx, vy, vmax_x, vmax_y, beta1_t, beta2_t), x, y, (mx, my, sx, sy)


adam = first_order(init, update)


def _hyperparameters(weight_decay):
    return (
        Hyperparameter("lr", 1e-3, 0.0, 10.0, low_open=True, log=True, slider=(1e-4, 1.0), help="Learning rate."),
        Hyperparameter("beta1", 0.9, 0.0, 1.0, high_open=True, help="Decay of the first moment (momentum)."),
        Hyperparameter("beta2", 0.999, 0.0, 1.0, high_open=True, slider=(0.9, 0.9999),
                       help="Decay of the second moment (squared gradients)."),
        Hyperparameter("eps", 1e-8, 0.0, 1.0, low_open=True, log=True, slider=(1e-12, 1e-1),
                       help="Added to the denominator for numerical stability."),
        Hyperparameter("weight_decay", weight_decay, 0.0, 10.0, slider=(0.0, 1.0), help="Weight decay."),
        Hyperparameter("amsgrad", False, kind="bool", help="Use the running maximum of v (AMSGrad)."),
        Hyperparameter("bias_correction", True, kind="bool", help="Divide the moments by 1 - beta^t."),
        Hyperparameter("eps_inside", False, kind="bool", help="Put eps inside the square root: sqrt(v_hat + eps)."),
        Hyperparameter("amsgrad_of_v_hat", False, kind="bool",
                       help="AMSGrad as optax computes it: the maximum of the bias-corrected v_hat, "
                            "then sqrt(max) + eps (torch takes the maximum of v)."),
    )


_UPDATE = (r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad "
           r"\theta_t = \theta_{t-1} - \eta\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}")

SPECS = (
    OptimizerSpec(
        name="adam", title="Adam", family="adaptive", update=_UPDATE,
        hyperparameters=_hyperparameters(0.0), kernel=adam, fixed=(("decoupled", 0.0),),
        state=("m_x", "m_y", "v_x", "v_y"), torch="torch.optim.Adam",
        reference="Kingma and Ba (2015)",
        note="Momentum on the gradient, divided per coordinate by the root mean square of recent gradients.",
        lineage=("Momentum and RMSprop together: Adam steps along a moving average m of the gradients (momentum), "
                 "divided in each coordinate by the root of a moving average v of their squares (RMSprop's "
                 "scaling). Both averages start at zero and are too small at first, v more than m, so they are "
                 "divided by 1 − β₁^t and 1 − β₂^t; without that correction the first steps would be about three "
                 "times too long. With it, the first step moves every coordinate by about η, whatever the "
                 "gradient's size."),
    ),
    OptimizerSpec(
        name="adamw", title="AdamW", family="adaptive",
        update=_UPDATE + r",\quad \theta \leftarrow \theta (1 - \eta\lambda)",
        hyperparameters=_hyperparameters(1e-2), kernel=adam, fixed=(("decoupled", 1.0),),
        state=("m_x", "m_y", "v_x", "v_y"), torch="torch.optim.AdamW",
        reference="Loshchilov and Hutter (2019)",
        note="Adam with weight decay applied to the parameters directly instead of through the gradient.",
        lineage=("Adam with the weight decay decoupled from the adaptive scaling. Adam adds λθ to the gradient, "
                 "where the division by √v shrinks it, so coordinates with large gradients are hardly decayed; "
                 "AdamW instead shrinks the parameters directly, θ ← θ(1 − ηλ), at the same rate in every "
                 "coordinate. The adaptive step itself is unchanged: with λ = 0 the two are the same method."),
    ),
)
