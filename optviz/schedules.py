"""Learning-rate schedules: the factor by which an optimizer's ``lr`` is multiplied at each step.

``t`` counts the steps taken before the current one (the first update uses ``t = 0``, as a
``torch.optim.lr_scheduler`` that is stepped after each ``optimizer.step()``), and ``T`` is the
run's number of steps unless the schedule sets its own horizon.

==============  ==========================================  ======================================
name            factor at step t                            parameters
==============  ==========================================  ======================================
constant        1                                           --
step            gamma ** floor(t / step_size)                step_size, gamma (torch StepLR)
exponential     gamma ** t                                   gamma (torch ExponentialLR)
inverse_time    1 / (1 + decay t)                            decay
inverse_sqrt    1 / sqrt(1 + t / scale)                      scale
linear          1 + (end_factor - 1) min(t, T) / T           end_factor (torch LinearLR from 1)
cosine          f + (1 - f) (1 + cos(pi min(t, T) / T)) / 2  end_factor f (torch CosineAnnealingLR,
                                                             eta_min = f lr, T_max = T)
==============  ==========================================  ======================================
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from optviz.jit import jit
from optviz.registry import Registry
from optviz.spec import Hyperparameter, resolve, shown

__all__ = ["ScheduleSpec", "names", "get", "encode", "factors", "lr_factor"]


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    kind: int
    title: str
    latex: str
    parameters: tuple[Hyperparameter, ...] = ()
    help: str = ""


_SCHEDULES = (
    ScheduleSpec("constant", 0, "Constant", r"\eta_t = \eta", help="The same rate at every step."),
    ScheduleSpec("step", 1, "Step decay", r"\eta_t = \eta\,\gamma^{\lfloor t / s \rfloor}", (
        Hyperparameter("step_size", 50, 1, 100_000, kind="int", help="Steps between two decays.", slider=(1, 500)),
        Hyperparameter("gamma", 0.5, 0.0, 1.0, low_open=True, help="Factor applied at each decay."),
    ), help="Multiply the rate by gamma every step_size steps."),
    ScheduleSpec("exponential", 2, "Exponential decay", r"\eta_t = \eta\,\gamma^{t}", (
        Hyperparameter("gamma", 0.99, 0.0, 1.0, low_open=True, help="Factor applied at every step.", slider=(0.9, 1.0)),
    ), help="Multiply the rate by gamma at every step."),
    ScheduleSpec("inverse_time", 3, "Inverse time", r"\eta_t = \eta / (1 + k t)", (
        Hyperparameter("decay", 0.01, 0.0, 1e3, log=True, help="k: how fast the rate falls.", slider=(1e-4, 1.0)),
    ), help="The classic Robbins-Monro decay, proportional to 1/t for large t."),
    ScheduleSpec("inverse_sqrt", 4, "Inverse square root", r"\eta_t = \eta / \sqrt{1 + t / s}", (
        Hyperparameter("scale", 10.0, 0.0, 1e6, low_open=True, log=True, help="s: steps before the decay is felt.", slider=(1.0, 1e3)),
    ), help="Decay proportional to 1/sqrt(t), as in many Transformer schedules after warm-up."),
    ScheduleSpec("linear", 5, "Linear decay", r"\eta_t = \eta\,(1 + (f - 1)\,t / T)", (
        Hyperparameter("end_factor", 0.01, 0.0, 1.0, help="f: final rate as a fraction of the first."),
    ), help="Decay linearly from lr to end_factor * lr over the run."),
    ScheduleSpec("cosine", 6, "Cosine annealing", r"\eta_t = f\eta + (1 - f)\,\eta\,\tfrac{1}{2}(1 + \cos(\pi t / T))", (
        Hyperparameter("end_factor", 0.0, 0.0, 1.0, help="f: final rate as a fraction of the first."),
    ), help="Follow half a cosine from lr down to end_factor * lr over the run."),
)
_REGISTRY = Registry("schedule", _SCHEDULES)


def names() -> list[str]:
    return _REGISTRY.names()


def get(name: str) -> ScheduleSpec:
    return _REGISTRY.get(name)


def parse(schedule: Any, strict: bool = False) -> tuple[str, dict]:
    """Normalise a ``schedule`` argument: ``None``, a name, or a mapping with a ``name`` key and
    the schedule's parameters (``{"name": "step", "step_size": 30, "gamma": 0.5}``); ``strict``
    as for :meth:`Hyperparameter.validate`."""
    if schedule is None:
        return "constant", {}
    if isinstance(schedule, str):
        spec = get(schedule.strip())
        return spec.name, resolve(spec.parameters, {}, f"schedule {spec.name!r}")
    if isinstance(schedule, Mapping):
        if "name" not in schedule:
            raise ValueError(f"schedule needs a 'name' ({', '.join(names())}); got {shown(dict(schedule), 80)}")
        spec = get(schedule["name"])
        given = {k: v for k, v in schedule.items() if k != "name"}
        return spec.name, resolve(spec.parameters, given, f"schedule {spec.name!r}", strict)
    raise ValueError(f"schedule must be None, a name ({', '.join(names())}) or a dict with a 'name'; "
                     f"got {shown(schedule)}")


def encode(name: str, values: Mapping[str, Any]) -> tuple[float, float, float]:
    """``(kind, a, b)`` as the kernels read them."""
    spec = get(name)
    numbers = [float(values[p.name]) for p in spec.parameters] + [0.0, 0.0]
    return float(spec.kind), numbers[0], numbers[1]


@jit
def lr_factor(kind, a, b, t, total):
    """The factor multiplying ``lr`` at step ``t`` (0-based) of ``total``."""
    if kind == 0.0:
        return 1.0
    if kind == 1.0:
        return b ** math.floor(t / a)
    if kind == 2.0:
        return a ** t
    if kind == 3.0:
        return 1.0 / (1.0 + a * t)
    if kind == 4.0:
        return 1.0 / math.sqrt(1.0 + t / a)
    horizon = max(total, 1)
    frac = min(t, horizon) / horizon
    if kind == 5.0:
        return 1.0 + (a - 1.0) * frac
    return a + (1.0 - a) * 0.5 * (1.0 + math.cos(math.pi * frac))


def factors(schedule: Any, steps: int, at: Any = None) -> np.ndarray:
    """The factor at each of ``steps`` steps (or at the steps ``at`` only), for plotting a schedule."""
    name, values = parse(schedule)
    kind, a, b = encode(name, values)
    ts = range(steps) if at is None else at
    return np.array([lr_factor(kind, a, b, int(t), steps) for t in ts])
