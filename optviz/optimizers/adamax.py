r"""AdaMax, as ``torch.optim.Adamax`` computes it.

.. math::
    m_0 &= u_0 = 0 \\
    g_t &= \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
    m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
    u_t &= \max(\beta_2 u_{t-1},\ |g_t| + \epsilon), \quad d_t = u_t \quad (\mathtt{eps\_in\_max}) \\
    u_t &= \max(\beta_2 u_{t-1},\ |g_t|), \quad d_t = u_t + \epsilon \quad (\mathtt{eps\_in\_max} \text{ off}) \\
    c_1 &= 1 - \beta_1^t \quad (c_1 = 1 \text{ with } \mathtt{bias\_correction} \text{ off}) \\
    \theta_t &= \theta_{t-1} - \frac{\eta_t}{c_1}\, \frac{m_t}{d_t}

Adam with the root mean square of past gradients replaced by a decaying maximum of their size
(the limit of Adam's ``L^p`` norm as ``p`` goes to infinity).  ``u`` needs no bias correction.
Switches for conventions met in the literature (torch's form is the default): ``eps_in_max`` off
takes ``u_t = max(beta2 u, |g|)`` and divides by ``u_t + eps`` (Keras); ``bias_correction`` off
drops the ``1 - beta1^t`` factor.

Reference: Kingma and Ba, "Adam: A Method for Stochastic Optimization" (2015), Algorithm 2.
"""
from optviz.drivers import first_order
from optviz.jit import jit
from optviz.kernels import bias_power
from optviz.spec import Hyperparameter, OptimizerSpec


@jit
def init(hp, x, y):
    """m_0 = u_0 = 0; the power beta1^0 = 1."""
    return (0.0, 0.0, 0.0, 0.0, 1.0), (0.0, 0.0, 0.0, 0.0)


@jit
def update(state, x, y, gx, gy, hp, factor, t):
    lr, beta1, beta2, eps, weight_decay = hp[0], hp[1], hp[2], hp[3], hp[4]
    eps_in_max, bias_correction = hp[5] != 0, hp[6] != 0
    mx, my, ux, uy, beta1_t = state
    eta = lr * factor
    gx += weight_decay * x
    gy += weight_decay * y
    # torch's lerp form of m = beta1 m + (1 - beta1) g
    mx = mx + (1.0 - beta1) * (gx - mx)
    my = my + (1.0 - beta1) * (gy - my)
    if eps_in_max:
        ux = max(beta2 * ux, abs(gx) + eps)
        uy = max(beta2 * uy, abs(gy) + eps)
        dx, dy = ux, uy
    else:
        ux = max(beta2 * ux, abs(gx))
        uy = max(beta2 * uy, abs(gy))
        dx, dy = ux + eps, uy + eps
    beta1_t = bias_power(beta1_t, beta1)
    bc1 = 1.0 - beta1_t if bias_correction else 1.0
    step_size = eta / bc1
    x -= step_size * mx / dx
    y -= step_size * my / dy
    return (mx, my, ux, uy, beta1_t), x, y, (mx, my, ux, uy)


adamax = first_order(init, update)


SPECS = (
    OptimizerSpec(
        name="adamax", title="AdaMax", family="adaptive",
        update=(r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon),\quad "
                r"\theta_t = \theta_{t-1} - \frac{\eta}{1 - \beta_1^t}\,\frac{m_t}{u_t}"),
        hyperparameters=(
            Hyperparameter("lr", 2e-3, 0.0, 10.0, low_open=True, log=True, slider=(1e-4, 1.0), help="Learning rate."),
            Hyperparameter("beta1", 0.9, 0.0, 1.0, high_open=True, help="Decay of the first moment (momentum)."),
            Hyperparameter("beta2", 0.999, 0.0, 1.0, high_open=True, slider=(0.9, 0.9999),
                           help="Decay of the running maximum of |g|."),
            Hyperparameter("eps", 1e-8, 0.0, 1.0, low_open=True, log=True, slider=(1e-12, 1e-1),
                           help="Added to |g| inside the maximum for numerical stability."),
            Hyperparameter("weight_decay", 0.0, 0.0, 10.0, slider=(0.0, 1.0),
                           help="L2 penalty added to the gradient."),
            Hyperparameter("eps_in_max", True, kind="bool",
                           help="On: u = max(beta2 u, |g| + eps) (torch, optax).  Off: divide by u + eps (Keras)."),
            Hyperparameter("bias_correction", True, kind="bool", help="Divide the step by 1 - beta1^t."),
        ),
        kernel=adamax, state=("m_x", "m_y", "u_x", "u_y"), torch="torch.optim.Adamax",
        reference="Kingma and Ba (2015)",
        note=("Adam dividing by a decaying maximum of |g| instead of a root mean square: "
              "no step is much longer than lr."),
        lineage=("Adam with the root mean square of past gradients replaced by a decaying maximum of their size, u "
                 "= max(β₂u, |g| + ε): the limit, as p grows, of Adam's scaling built from |g|^p instead of g². A "
                 "maximum is not biased towards zero at the start, so only m needs Adam's correction, and with the "
                 "default betas no step is much longer than η in any coordinate. One large gradient, though, keeps "
                 "u high and the steps small for hundreds of steps."),
    ),
)
