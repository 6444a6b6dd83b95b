r"""Gradient descent with momentum, as ``torch.optim.SGD`` computes it.

.. math::
    g_t &= \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
    &\mathtt{form} = \mathtt{torch}\text{:} \\
    b_t &= \mu b_{t-1} + (1 - \tau) g_t \qquad (b_1 = g_1) \qquad\text{(if } \mu > 0\text{)} \\
    g_t &\leftarrow g_t + \mu b_t \ \text{(Nesterov)} \quad\text{else}\quad g_t \leftarrow b_t
        \qquad\text{(if } \mu > 0\text{)} \\
    \theta_t &= \theta_{t-1} - \eta_t g_t \\
    &\mathtt{form} = \mathtt{classical}\text{ (}\tau\text{ unused):} \\
    v_t &= \mu v_{t-1} - \eta_t g_t \qquad (v_0 = 0) \\
    \theta_t &= \theta_{t-1} + v_t \ \text{(momentum)}, \quad
        \theta_t = \theta_{t-1} + \mu v_t - \eta_t g_t \ \text{(Nesterov)}

With ``dampening`` tau equal to the momentum mu, ``b`` is the moving average
``b = mu b + (1 - mu) g`` many texts use.  ``form="classical"`` switches to the Sutskever et al.
(2013) form ``v = mu v - eta g; theta = theta + v`` (the learning rate inside the velocity), which
differs from torch's only when the learning rate changes during the run.

Reference: Polyak (1964); Sutskever, Martens, Dahl and Hinton, "On the importance of
initialization and momentum in deep learning" (2013); Nesterov (1983).
"""
from optviz.drivers import first_order
from optviz.jit import jit
from optviz.spec import Hyperparameter, OptimizerSpec


#: ``form``'s values as the kernel receives them (the index of the choice).
TORCH, CLASSICAL = 0.0, 1.0


@jit
def init(hp, x, y):
    """b_0 = 0 (the momentum buffer; set to the first gradient at step 1 in torch's form)."""
    return (0.0, 0.0), (0.0, 0.0)


@jit
def update(state, x, y, gx, gy, hp, factor, t):
    lr, momentum, dampening, weight_decay = hp[0], hp[1], hp[2], hp[3]
    form, nesterov = hp[4], hp[5] != 0
    bx, by = state
    eta = lr * factor
    gx += weight_decay * x
    gy += weight_decay * y
    if form == CLASSICAL:
        # v = mu v - eta g (nesterov: look ahead by mu v)
        bx = momentum * bx - eta * gx
        by = momentum * by - eta * gy
        if nesterov:
            x += momentum * bx - eta * gx
            y += momentum * by - eta * gy
        else:
            x += bx
            y += by
    else:
        if momentum != 0.0:
            if t == 1:
                bx, by = gx, gy
            else:
                bx = momentum * bx + (1.0 - dampening) * gx
                by = momentum * by + (1.0 - dampening) * gy
            if nesterov:
                gx = gx + momentum * bx
                gy = gy + momentum * by
            else:
                gx, gy = bx, by
        x -= eta * gx
        y -= eta * gy
    return (bx, by), x, y, (bx, by)


sgd = first_order(init, update)


def _hyperparameters(momentum):
    return (
        Hyperparameter("lr", 1e-2, 0.0, 10.0, low_open=True, log=True, slider=(1e-4, 1.0), help="Learning rate."),
        Hyperparameter("momentum", momentum, 0.0, 1.0, high_open=True, slider=(0.0, 0.999),
                       help="Momentum factor mu: how much of the previous step is kept."),
        Hyperparameter("dampening", 0.0, 0.0, 1.0, help="tau: set it equal to momentum for the moving-average form."),
        Hyperparameter("weight_decay", 0.0, 0.0, 10.0, slider=(0.0, 1.0), help="L2 penalty added to the gradient."),
        Hyperparameter("form", "torch", kind="choice", choices=("torch", "classical"),
                       help="torch: b = mu b + g, theta -= lr b.  classical: v = mu v - lr g, theta += v."),
    )


SPECS = (
    OptimizerSpec(
        name="momentum", title="Momentum (heavy ball)", family="momentum",
        update=r"b_t = \mu b_{t-1} + (1-\tau) g_t,\quad \theta_t = \theta_{t-1} - \eta\, b_t",
        hyperparameters=_hyperparameters(0.9), kernel=sgd, fixed=(("nesterov", 0.0),),
        state=("velocity_x", "velocity_y"), torch="torch.optim.SGD(momentum=...)",
        reference="Polyak (1964)",
        note="A ball rolling downhill: past gradients keep pushing, which speeds it along valleys and makes it overshoot.",
        lineage=("Gradient descent with a velocity: it steps along b = μb + g (torch's form), a sum of past "
                 "gradients whose weights shrink by the factor μ at every step. Where the gradients agree the "
                 "steps grow, up to 1/(1 − μ) times (ten times at μ = 0.9), while gradients that flip sign from "
                 "step to step, as across a narrow valley, cancel out. The price is inertia: it overshoots and "
                 "circles before it settles."),
    ),
    OptimizerSpec(
        name="nesterov", title="Nesterov momentum", family="momentum",
        update=r"b_t = \mu b_{t-1} + (1-\tau) g_t,\quad \theta_t = \theta_{t-1} - \eta\,(g_t + \mu b_t)",
        hyperparameters=_hyperparameters(0.9), kernel=sgd, fixed=(("nesterov", 1.0),),
        state=("velocity_x", "velocity_y"), torch="torch.optim.SGD(momentum=..., nesterov=True)",
        reference="Nesterov (1983); Sutskever et al. (2013)",
        note="Momentum that looks ahead: it corrects the step with the gradient where momentum is about to carry it.",
        lineage=("Momentum that corrects its step with the gradient where the velocity is about to carry it. In "
                 "torch's form it steps along g + μb instead of b, so the fresh gradient weighs 1 + μ and each "
                 "older one a factor μ less than in plain momentum. A gradient that turns against the motion "
                 "brakes it sooner, so it overshoots and oscillates less, at no extra cost."),
    ),
)
