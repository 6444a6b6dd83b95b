"""optviz's kernels against ``torch.optim``: every iterate, to ``rtol=1e-9``.

Each case runs a ``torch.optim`` optimizer on a float64 tensor of two elements, with a closure that
computes the surface's loss from torch operations (autograd supplies the gradient), and
``optviz.simulate`` from the same start; the two paths must agree at every step.  Learning-rate
schedulers and ``clip_grad_norm_`` are compared the same way, and the optimizer state torch keeps
is compared with the state optviz records.

The two sides round differently in the last bit (torch's CPU kernels use fused multiply-adds in
``lerp``, ``addcmul`` and ``add(alpha=...)``; autograd differentiates the formula in another order
than the surface's hand-written gradient), so a case is only meaningful where the dynamics do not
amplify such differences.  :func:`amplification` measures that on optviz alone, and every case
asserts it is small: a case that fails there is a chaotic choice of hyperparameters, not a bug.
"""
import math

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler

import optviz
import surfaces

STEPS = 300
RTOL = 1e-9
ATOL = 1e-12
#: A case must not amplify a relative perturbation of its start by more than this.
MAX_AMPLIFICATION = 1e5


@pytest.fixture(autouse=True)
def float64_default():
    """torch keeps step counts and NAdam's ``mu_product`` in the default dtype: make it float64."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


# -- the surfaces, written again with torch operations ------------------------------------------
def _rosenbrock(x, y, p):
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def _quadratic(x, y, p):
    return 0.5 * (p[0] * x * x + 2.0 * p[1] * x * y + p[2] * y * y)


def _beale(x, y, p):
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2


def _himmelblau(x, y, p):
    return (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2


TORCH_LOSS = {"rosenbrock": _rosenbrock, "quadratic": _quadratic, "beale": _beale, "himmelblau": _himmelblau}


def _surfaces():
    """Two rotated, ill-conditioned quadratics, then every other surface registered and written above."""
    chosen = [surfaces.get("quadratic", condition=20.0, rotation=30.0),
              surfaces.get("quadratic", condition=5.0, rotation=-60.0)]
    chosen += [surfaces.get(name) for name in surfaces.names() if name in TORCH_LOSS and name != "quadratic"]
    return chosen


SURFACES = _surfaces()
SURFACE_IDS = [f"{s.name}-{'-'.join(str(v) for _, v in s.values)}" if s.values else s.name for s in SURFACES]


def test_at_least_three_surfaces_are_compared():
    assert len(SURFACES) >= 3 and "rosenbrock" in [s.name for s in SURFACES]


# -- optviz's hyperparameters as torch's keyword arguments ---------------------------------------
#: optviz id -> (torch class, keyword arguments optviz fixes for that id).
TORCH_OPTIMIZERS = {
    "momentum": (torch.optim.SGD, {}),
    "nesterov": (torch.optim.SGD, {"nesterov": True}),
    "adam": (torch.optim.Adam, {}),
    "adamw": (torch.optim.AdamW, {}),
    "adagrad": (torch.optim.Adagrad, {}),
    "rmsprop": (torch.optim.RMSprop, {}),
    "adadelta": (torch.optim.Adadelta, {}),
    "adamax": (torch.optim.Adamax, {}),
    "nadam": (torch.optim.NAdam, {}),
    "radam": (torch.optim.RAdam, {}),
}
if "gd" in optviz.optimizers.names():      # plain gradient descent: SGD without momentum
    TORCH_OPTIMIZERS["gd"] = (torch.optim.SGD, {})
#: optviz-only switches for conventions torch does not offer, and their torch-equivalent values.
OPTVIZ_ONLY = {"form": "torch", "bias_correction": True, "eps_inside": False, "eps_in_max": True,
               "line_search": "none", "amsgrad_of_v_hat": False, "constant_momentum": False, "eps_on_v_hat": False}
#: Families compared elsewhere (line-search and curvature methods, such as L-BFGS).
NOT_FIRST_ORDER = {"second-order", "quasi-newton", "derivative-free"}


def torch_optimizer(name, hyperparameters, params):
    cls, fixed = TORCH_OPTIMIZERS[name]
    values = optviz.optimizers.get(name).resolve(hyperparameters)
    kwargs = {}
    for key, value in values.items():
        if key in OPTVIZ_ONLY:
            assert value == OPTVIZ_ONLY[key], f"{name}: {key}={value!r} has no torch equivalent"
        else:
            kwargs[key] = value
    if "beta1" in kwargs:
        kwargs["betas"] = (kwargs.pop("beta1"), kwargs.pop("beta2"))
    return cls(params, **kwargs, **fixed, foreach=False)


def torch_run(name, hyperparameters, surface, steps, *, scheduler=None, clip=None):
    """The iterates of ``steps`` torch steps from the surface's start, and torch's final state."""
    theta = torch.tensor(surface.start, dtype=torch.float64, requires_grad=True)
    opt = torch_optimizer(name, hyperparameters, [theta])
    sched = scheduler(opt) if scheduler is not None else None
    p = torch.tensor(surface.params, dtype=torch.float64)
    loss_fn = TORCH_LOSS[surface.name]

    def closure():
        opt.zero_grad()
        loss = loss_fn(theta[0], theta[1], p)
        loss.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_([theta], max_norm=clip)
        return loss

    path = [theta.detach().clone()]
    for _ in range(steps):
        opt.step(closure)
        if sched is not None:
            sched.step()
        path.append(theta.detach().clone())
    state = {k: v.detach().numpy().copy() for k, v in opt.state[theta].items() if v.dim() == 1}
    return torch.stack(path).numpy(), state


def relative_deviation(got, want):
    return float(np.max(np.abs(got - want) / np.maximum(np.abs(want), ATOL / RTOL)))


def amplification(name, hyperparameters, surface, steps, **options):
    """How much optviz's path amplifies a relative change of 1e-13 in the start."""
    x, y = surface.start
    base = optviz.simulate(name, surface, steps=steps, **options, **hyperparameters)
    moved = optviz.simulate(name, surface, steps=steps, start=(x * (1 + 1e-13) + 1e-13, y * (1 - 1e-13) - 1e-13),
                            **options, **hyperparameters)
    if base.diverged or moved.diverged or len(base.xy) != len(moved.xy):
        return math.inf
    return relative_deviation(moved.xy, base.xy) / 1e-13


def compare(name, hyperparameters, surface, steps=STEPS, *, scheduler=None, clip=None, schedule=None):
    run = optviz.simulate(name, surface, steps=steps, clip=clip, schedule=schedule, **hyperparameters)
    assert not run.diverged, f"{name} {hyperparameters} diverged on {surface!r}: choose another case"
    gain = amplification(name, hyperparameters, surface, steps, clip=clip, schedule=schedule)
    assert gain < MAX_AMPLIFICATION, (f"{name} {hyperparameters} on {surface!r} amplifies rounding by {gain:.1e}: "
                                      "chaotic, so rounding decides the path; choose another case")
    want, state = torch_run(name, hyperparameters, surface, steps, scheduler=scheduler, clip=clip)
    np.testing.assert_allclose(run.xy, want, rtol=RTOL, atol=ATOL,
                               err_msg=f"{name} {hyperparameters} on {surface!r}")
    return run, state


# -- every torch-covered optimizer, default and non-default hyperparameters ---------------------
#: (optviz id, hyperparameters, surfaces left out and why).
CASES = [
    ("momentum", dict(lr=1e-3), ()),   # torch.optim.SGD's default lr; optviz's 1e-2 diverges on Rosenbrock
    ("momentum", dict(lr=1e-3, momentum=0.8, dampening=0.3, weight_decay=0.1), ()),
    ("momentum", dict(lr=3e-3, momentum=0.0), ()),
    ("nesterov", dict(lr=1e-3), ()),
    ("nesterov", dict(lr=5e-4, momentum=0.95, weight_decay=0.05), ()),
    ("adam", dict(), ()),
    ("adam", dict(lr=0.02), ()),
    ("adam", dict(lr=0.05, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.1, amsgrad=True), ()),
    ("adamw", dict(), ()),
    ("adamw", dict(lr=0.05, weight_decay=0.3, amsgrad=True), ()),
    ("adagrad", dict(), ()),
    ("adagrad", dict(lr=0.5, lr_decay=0.01, initial_accumulator_value=0.1, eps=1e-6, weight_decay=0.05), ()),
    ("rmsprop", dict(), ()),
    ("rmsprop", dict(lr=1e-3, alpha=0.9, eps=1e-6, momentum=0.9, centered=True, weight_decay=0.1), ()),
    ("rmsprop", dict(lr=3e-3, centered=True), ()),
    ("rmsprop", dict(lr=1e-3, momentum=0.5), ()),
    # Adadelta's defaults oscillate chaotically in Rosenbrock's valley after ~200 steps.
    ("adadelta", dict(), ("rosenbrock",)),
    ("adadelta", dict(lr=0.3), ()),
    ("adadelta", dict(lr=0.5, rho=0.95, eps=1e-5, weight_decay=0.1), ()),
    ("adamax", dict(), ()),
    ("adamax", dict(lr=0.05, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.1), ()),
    ("nadam", dict(), ()),
    ("nadam", dict(lr=0.02, weight_decay=0.1, momentum_decay=0.01), ()),
    ("nadam", dict(lr=0.02, beta1=0.8, beta2=0.99, weight_decay=0.1, decoupled_weight_decay=True), ()),
    ("radam", dict(), ()),
    ("radam", dict(lr=2e-3, weight_decay=0.1), ()),
    ("radam", dict(lr=5e-3, beta2=0.95, weight_decay=0.1, decoupled_weight_decay=True), ()),
    ("radam", dict(lr=2e-3, beta2=0.8), ()),   # rho_inf = 9: beta2^t falls below 2^-54 within the run
]
if "gd" in TORCH_OPTIMIZERS:
    CASES += [("gd", dict(lr=1e-3), ()), ("gd", dict(lr=1e-3, weight_decay=0.1), ())]


def _case_id(case):
    name, hp, _ = case
    return name + ("-" + "-".join(f"{k}={v}" for k, v in hp.items()) if hp else "-defaults")


def test_every_torch_optimizer_has_cases():
    covered = {name for name, _, _ in CASES}
    assert covered == set(TORCH_OPTIMIZERS)
    for name in TORCH_OPTIMIZERS:
        assert optviz.optimizers.get(name).torch, name
    claimed = {spec.name for spec in optviz.optimizers.all_specs()
               if spec.torch and spec.family.lower() not in NOT_FIRST_ORDER}
    assert claimed <= set(TORCH_OPTIMIZERS), f"compare these with torch too: {sorted(claimed - set(TORCH_OPTIMIZERS))}"


PAIRS = [pytest.param(case, surface, id=f"{_case_id(case)}-on-{surface_id}")
         for case in CASES for surface, surface_id in zip(SURFACES, SURFACE_IDS) if surface.name not in case[2]]


@pytest.mark.parametrize("case, surface", PAIRS)
def test_iterates_match_torch(case, surface):
    name, hyperparameters, _ = case
    compare(name, hyperparameters, surface)


#: optviz state columns (without the _x / _y suffix) -> the torch state entry they must equal.
STATE_IN_TORCH = {
    "momentum": {"velocity": "momentum_buffer"},
    "nesterov": {"velocity": "momentum_buffer"},
    "adam": {"m": "exp_avg", "v": "exp_avg_sq"},
    "adamw": {"m": "exp_avg", "v": "exp_avg_sq"},
    "adagrad": {"sum": "sum"},
    "rmsprop": {"v": "square_avg", "b": "momentum_buffer"},
    "adadelta": {"v": "square_avg", "u": "acc_delta"},
    "adamax": {"m": "exp_avg", "u": "exp_inf"},
    "nadam": {"m": "exp_avg", "v": "exp_avg_sq"},
    "radam": {"m": "exp_avg", "v": "exp_avg_sq"},
    "gd": {},
}


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_recorded_state_matches_torch_state(case):
    name, hyperparameters, _ = case
    surface = SURFACES[0]
    run, state = compare(name, hyperparameters, surface)
    values = optviz.optimizers.get(name).resolve(hyperparameters)
    for ours, theirs in STATE_IN_TORCH[name].items():
        if values.get("amsgrad") and theirs == "exp_avg_sq":
            theirs = "max_exp_avg_sq"   # optviz draws the v that divides the step
        got = np.array([run.state[ours + "_x"][-1], run.state[ours + "_y"][-1]])
        if theirs not in state:         # no momentum: torch keeps no buffer, optviz draws zeros
            assert values["momentum"] == 0.0 and not got.any(), f"{name}: {ours}"
            continue
        np.testing.assert_allclose(got, state[theirs], rtol=1e-8, atol=1e-14, err_msg=f"{name}: {ours} vs {theirs}")


# -- learning-rate schedules ---------------------------------------------------------------------
#: One well-conditioned setting per optimizer, for the schedule and clipping comparisons.
BASE = {
    "momentum": dict(lr=1e-3),
    "nesterov": dict(lr=1e-3),
    "adam": dict(lr=0.02),
    "adamw": dict(lr=0.02),
    "adagrad": dict(lr=0.5),
    "rmsprop": dict(lr=3e-3),
    "adadelta": dict(lr=0.3),
    "adamax": dict(lr=0.05),
    "nadam": dict(lr=0.02),
    "radam": dict(lr=5e-3),
}
if "gd" in TORCH_OPTIMIZERS:
    BASE["gd"] = dict(lr=1e-3)

#: optviz schedule -> the torch scheduler that must give the same rates.
SCHEDULES = {
    "step": ({"name": "step", "step_size": 40, "gamma": 0.5},
             lambda opt, lr, steps: lr_scheduler.StepLR(opt, step_size=40, gamma=0.5)),
    "exponential": ({"name": "exponential", "gamma": 0.99},
                    lambda opt, lr, steps: lr_scheduler.ExponentialLR(opt, gamma=0.99)),
    "cosine": ({"name": "cosine", "end_factor": 0.1},
               lambda opt, lr, steps: lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=0.1 * lr)),
    "cosine-to-zero": ({"name": "cosine", "end_factor": 0.0},
                       lambda opt, lr, steps: lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=0.0)),
    "linear": ({"name": "linear", "end_factor": 0.05},
               lambda opt, lr, steps: lr_scheduler.LinearLR(opt, start_factor=1.0, end_factor=0.05,
                                                            total_iters=steps)),
}


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_schedule_factors_match_torch_schedulers(schedule):
    """optviz's closed forms against torch's chained (step by step) updates of the rate."""
    spec, make = SCHEDULES[schedule]
    lr, steps = 0.7, 500
    theta = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([theta], lr=lr)
    sched = make(opt, lr, steps)
    rates = []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_allclose(lr * optviz.schedules.factors(spec, steps), rates, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", list(BASE))
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_iterates_with_a_schedule_match_torch(name, schedule):
    spec, make = SCHEDULES[schedule]
    hp = BASE[name]
    lr = optviz.optimizers.get(name).resolve(hp)["lr"]
    for surface in (surfaces.get("rosenbrock"), SURFACES[0]):
        compare(name, hp, surface, schedule=spec, scheduler=lambda opt: make(opt, lr, STEPS))


# -- gradient clipping ---------------------------------------------------------------------------
#: Clipping makes Adam-like steps at lr 0.02 chaotic near Rosenbrock's minimum: smaller rates there.
CLIP_BASE = {**BASE, "adam": dict(lr=0.01), "adamw": dict(lr=0.01), "adamax": dict(lr=0.01), "nadam": dict(lr=0.01)}


@pytest.mark.parametrize("name", list(CLIP_BASE))
@pytest.mark.parametrize("clip", [1.0, 5.0])
def test_iterates_with_clipping_match_clip_grad_norm(name, clip):
    for surface in (surfaces.get("rosenbrock"), SURFACES[0]):
        run, _ = compare(name, CLIP_BASE[name], surface, clip=clip)
        norms = np.hypot(*surface.gradient(run.xy[:-1, 0], run.xy[:-1, 1]).T)
        assert (norms > clip).any(), "clipping never acted"


def test_clipping_scales_as_clip_grad_norm_does():
    """A gradient of norm exactly ``clip`` is still scaled by ``clip / (clip + 1e-6)``, as torch does."""
    bowl = surfaces.get("quadratic", condition=1.0)          # gradient = position
    start = (0.6, 0.8)                                      # norm 1
    run = optviz.simulate("momentum", bowl, start=start, steps=1, lr=1.0, momentum=0.0, clip=1.0)
    theta = torch.tensor(start, requires_grad=True)
    theta.grad = theta.detach().clone()
    torch.nn.utils.clip_grad_norm_([theta], max_norm=1.0)
    step = np.array(start) - run.xy[1]
    np.testing.assert_allclose(step, theta.grad.numpy(), rtol=1e-14)
    assert np.hypot(*step) < 1.0 - 5e-7
